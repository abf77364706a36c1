"""The ``BulkLoader`` contract: ``bulk_insert`` stores many rows at once, tabular sections and
numbering included, on every provider implementing the Protocol."""

from __future__ import annotations

from decimal import Decimal

from infobase_odata.query.ast import Binary, Literal, Member, QueryOptions
from infobase_odata.stores import BulkLoader

from .conftest import store_fixture

provider = store_fixture(BulkLoader)
numbered = store_fixture(BulkLoader, "numbering_model")


def member(entity_set, *path):
    """A Member resolved by hand, as the validator would."""
    return Member(tuple(path), resolved=(entity_set.entity_type.property(path[0]),))


def test_bulk_insert(provider, model):
    goods = model.entity_set("Catalog_Goods")
    n = provider.bulk_insert(goods, ({"Description": f"Товар {i}", "Price": Decimal(i) / 4} for i in range(1200)))
    assert n == 1200
    assert provider.count(goods, None) == 1200
    f = Binary("ge", member(goods, "Price"), Literal(Decimal("299.5"), "Edm.Decimal"))
    assert provider.count(goods, f) == 2  # 299.5 (rounded from 299.50) and 299.75
    orders = model.entity_set("Document_SalesOrder")
    provider.bulk_insert(orders, [{"Goods": [{"Quantity": Decimal(1)}, {"Quantity": Decimal(2)}]}] * 3)
    rows = list(provider.query(orders, QueryOptions()).rows)
    assert [len(r["Goods"]) for r in rows] == [2, 2, 2]
    assert [line["LineNumber"] for line in rows[0]["Goods"]] == [1, 2]


def test_bulk_insert_numbers_after_codes_of_the_batch(numbered, numbering_model):
    stores = numbering_model.entity_set("Catalog_Склады")
    numbered.bulk_insert(stores, [{}, {"Code": "МС-00010"}, {}])
    codes = sorted(r["Code"] for r in numbered.query(stores, QueryOptions()).rows)
    assert codes == ["МС-00010", "МС-00011", "МС-00012"]

