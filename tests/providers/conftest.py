"""Fixtures of the provider contract suites, one suite per store Protocol (``stores.py``): a
suite module names its Protocol with ``provider = store_fixture(ObjectWriter)`` and runs on
every provider of ``PROVIDERS`` whose class implements it, so a new provider (a row here and in
``make_provider``) or a new store gets its contracts automatically::

    test_object_reader.py  test_object_writer.py  test_constant_store.py  test_bulk_loader.py
    test_record_set_store.py  test_virtual_table_store.py
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import importlib

import pytest

from infobase_odata import build_model
from infobase_odata.configuration import Attribute, Catalog, Configuration, Document, TabularSection
from infobase_odata.providers.memory import MemoryProvider
from infobase_odata.providers.sqlite import SQLiteProvider
from infobase_odata.stores import ObjectReader, capabilities, protocol_methods

PROVIDERS = ["memory", "sqlite", "mapped", "jsonfile", "postgresql"]
PROVIDER_CLASSES = {  # module:class of each provider, to know its Protocols without opening it
    "memory": "infobase_odata.providers.memory:MemoryProvider",
    "sqlite": "infobase_odata.providers.sqlite:SQLiteProvider",
    "mapped": "infobase_odata.providers.mapped:MappedSQLiteProvider",
    "jsonfile": "infobase_odata.providers.jsonfile:JSONFileProvider",
    "postgresql": "infobase_odata.providers.postgresql:PostgreSQLProvider",
}

UNIT_PCS = "11111111-0000-0000-0000-000000000001"
UNIT_KG = "11111111-0000-0000-0000-000000000002"
CUSTOMER = "22222222-0000-0000-0000-000000000001"


def make_provider(kind: str, model, tmp_path, pg=None, **kwargs):
    """``pg``: the session's PostgreSQL server (``pg_server``), for ``kind == "postgresql"``."""
    if kind == "postgresql":  # a new schema of the throwaway cluster (tests/pgserver.py)
        from infobase_odata.providers.postgresql import PostgreSQLProvider
        return PostgreSQLProvider(model, pg.fresh_url(), pool_size=4, **kwargs)
    if kind == "memory":
        return MemoryProvider(model)
    if kind == "mapped":  # the trade objects in a site's own tables (tests/providers/mapped_site.py)
        from .mapped_site import make_mapped_provider
        return make_mapped_provider(model, tmp_path / "site.db", **kwargs)
    if kind == "jsonfile":  # the example non-SQL provider of the README's provider guide
        from infobase_odata.providers.jsonfile import JSONFileProvider
        return JSONFileProvider(model, tmp_path / "infobase.json")
    return SQLiteProvider(model, tmp_path / "infobase.db", **kwargs)


def implements(name: str, protocol: type) -> bool:
    """Whether the class of provider ``name`` has every method of the store Protocol."""
    module, _, attribute = PROVIDER_CLASSES[name].partition(":")
    klass = getattr(importlib.import_module(module), attribute)
    return all(callable(getattr(klass, member, None)) for member in protocol_methods(protocol))


def implementing(protocol: type) -> list[str]:
    """The providers a Protocol's contract suite runs on."""
    return [name for name in PROVIDERS if implements(name, protocol)]


def store_fixture(protocol: type, model_fixture: str = "model"):
    """The ``provider`` fixture of a Protocol's suite: one fresh provider (over the model named
    by ``model_fixture``) per provider implementing ``protocol``."""
    @pytest.fixture(params=implementing(protocol))
    def provider(request, tmp_path):
        p = make_provider(request.param, request.getfixturevalue(model_fixture), tmp_path, pg=pg_for(request))
        assert protocol in capabilities(p)
        yield p
        dispose(p)
    provider.protocol, provider.providers = protocol, implementing(protocol)
    return provider


provider = store_fixture(ObjectReader)  # the default: every provider reads


@pytest.fixture(scope="module")
def numbering_model():
    return build_model(Configuration("numbering", [
        Catalog(name="Склады", code_length=8, code_prefix="МС-"),
        Catalog(name="Счета", code_type="Number", code_length=5),
        Document(name="Акт", number_length=6, number_prefix="А",
                 tabular_sections=[TabularSection("Услуги", [Attribute("Сумма", "Number(15,2)")])]),
    ]))


def pg_for(request):
    """The PostgreSQL server when the test's provider is PostgreSQL (started on first need)."""
    return request.getfixturevalue("pg_server") if request.param == "postgresql" else None


def dispose(provider) -> None:
    if hasattr(provider, "close"):
        provider.close()
    if getattr(provider, "database", None) and hasattr(provider, "pool_size"):
        from infobase_odata.providers.pgconn import Pools
        Pools.close(provider.database)


GOODS = [
    # Description, Article, Price, Unit, Kind
    ("Шлепанцы", "A-1", Decimal("12.50"), UNIT_PCS, "Product"),
    ("O'Neil shirt", "B_2", Decimal("99.99"), UNIT_PCS, "Product"),
    ("Доставка", "100%", Decimal("0"), "", "Service"),
    ("шлепанцы детские", "a-1", Decimal("-3.25"), UNIT_KG, ""),
    ("Ёлка", "", Decimal("1000000.01"), "00000000-0000-0000-0000-000000000000", "Product"),
]


def seed(provider, model) -> dict:
    """A small infobase with Cyrillic names, quotes, LIKE metacharacters, empty references."""
    units = model.entity_set("Catalog_Units")
    goods = model.entity_set("Catalog_Goods")
    orders = model.entity_set("Document_SalesOrder")
    cps = model.entity_set("Catalog_Counterparties")
    provider.create(units, {"Ref_Key": UNIT_PCS, "Description": "шт", "Code": "796"})
    provider.create(units, {"Ref_Key": UNIT_KG, "Description": "кг", "Code": "166"})
    provider.create(cps, {"Ref_Key": CUSTOMER, "Description": "ООО Ромашка", "INN": "7700000000"})
    refs = []
    for i, (desc, article, price, unit, kind) in enumerate(GOODS):
        row = provider.create(goods, {"Ref_Key": f"33333333-0000-0000-0000-{i:012d}",
                                      "Description": desc, "Article": article, "Price": price,
                                      "Unit_Key": unit or None, "Kind": kind, "Code": f"{i:09d}"})
        refs.append(row["Ref_Key"])
    provider.create(orders, {
        "Ref_Key": "44444444-0000-0000-0000-000000000001", "Number": "000000001",
        "Date": dt.datetime(2024, 1, 31, 10, 30), "Customer_Key": CUSTOMER,
        "Basis": CUSTOMER, "Basis_Type": "StandardODATA.Catalog_Counterparties",
        "Total": Decimal("137.49"), "Comment": "первый",
        "Goods": [
            {"LineNumber": 1, "Product_Key": refs[0], "Quantity": Decimal("2"), "Price": Decimal("12.50"), "Amount": Decimal("25")},
            {"LineNumber": 2, "Product_Key": refs[1], "Quantity": Decimal("1.125"), "Price": Decimal("99.99"), "Amount": Decimal("112.49")},
        ]})
    provider.create(orders, {
        "Ref_Key": "44444444-0000-0000-0000-000000000002", "Number": "000000002",
        "Date": dt.datetime(2024, 2, 29, 23, 59, 59), "Basis": "по звонку", "Basis_Type": "Edm.String",
        "Goods": [{"LineNumber": 1, "Product_Key": refs[2], "Quantity": Decimal("5"), "Price": Decimal("0"), "Amount": Decimal("0")}]})
    provider.create(orders, {"Ref_Key": "44444444-0000-0000-0000-000000000003", "Number": "000000003"})
    return {"goods": refs}
