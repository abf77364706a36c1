"""The trade sample's seed generator: determinism, counts, distributions, referential integrity.

    pytest tests/unit/test_seed.py -s     # -s shows the timing of seeding 100,000 goods
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from infobase_odata.configuration import Configuration, load_configuration
from infobase_odata import build_model
from infobase_odata.model import COMPOSITE_TYPE, ENUM, NIL_GUID, REF, TABULAR
from infobase_odata.types import Number, String

TRADE = Path(__file__).resolve().parents[2] / "samples" / "trade"
ROUTE_POINT = "StandardODATA.BusinessProcessRoutePointRef_"


def load_seed_module():
    """Import seed.py by file path, as the CLI and the middleware do."""
    spec = importlib.util.spec_from_file_location("trade_seed_under_test", TRADE / "seed.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


seed_module = load_seed_module()


class RecordingProvider:
    """Records what the seed writes; stands in for any provider."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {}
        self.batches: dict[str, list[int]] = {}
        self.constants: dict[str, object] = {}

    def bulk_insert(self, entity_set, rows) -> int:
        rows = list(rows)
        self.rows.setdefault(entity_set.name, []).extend(rows)
        self.batches.setdefault(entity_set.name, []).append(len(rows))
        return len(rows)

    def set_constant(self, entity_set, value) -> None:
        self.constants[entity_set.name] = value

    def bulk_write_record_sets(self, register_set, items) -> int:
        """Register movements, recorded as rows of the ``_RecordType`` set (with the recorder)."""
        rows = [{**recorder, **row} for recorder, movements in items for row in movements]
        self.rows.setdefault(register_set.records.name, []).extend(rows)
        return len(rows)


@pytest.fixture(scope="module")
def model():
    return build_model(load_configuration(TRADE))


@pytest.fixture(scope="module")
def seeded(model):
    provider = RecordingProvider()
    counts = seed_module.seed(provider, model)
    return provider, counts


def test_two_runs_give_identical_rows(model, seeded):
    provider, counts = seeded
    again = RecordingProvider()
    assert seed_module.seed(again, model) == counts
    assert again.rows == provider.rows
    assert again.constants == provider.constants


def test_counts(seeded):
    provider, counts = seeded
    assert counts == {name: len(rows) for name, rows in provider.rows.items()} | {"Constant_CompanyName": 1}
    goods = provider.rows["Catalog_Goods"]
    assert sum(not row["IsFolder"] for row in goods) == 1000
    assert 3 <= sum(row["IsFolder"] for row in goods) <= 20
    assert 200 <= counts["Document_SalesOrder"] + counts["Document_GoodsReceipt"] <= 1000
    assert len(provider.rows["Catalog_Валюты"]) == 3
    assert "Catalog_Employees" not in counts
    assert provider.constants == {"Constant_CompanyName": "ООО «Ромашка»"}


def test_warehouses(seeded):
    provider, _ = seeded
    warehouses = provider.rows["Catalog_Warehouses"]
    assert len(warehouses) == 2
    assert (warehouses[0]["Code"], warehouses[0]["Description"]) == ("000000001", "Main warehouse")
    for name in ("Document_SalesOrder", "Document_GoodsReceipt"):
        used = {row["Warehouse_Key"] for row in provider.rows[name]}
        assert used == {w["Ref_Key"] for w in warehouses}


def test_currencies(seeded):
    provider, _ = seeded
    rub = provider.rows["Catalog_Валюты"][0]
    assert (rub["Code"], rub["Description"], rub["ПолноеНаименование"]) == ("643", "руб.", "Российский рубль")


def test_price_distribution(seeded):
    provider, _ = seeded
    prices = [row["Price"] for row in provider.rows["Catalog_Goods"] if not row["IsFolder"]]
    low = sum(p <= Decimal("3.5") for p in prices)
    high = sum(p > 200 for p in prices)
    assert 3 <= low <= 40  # about 1%
    assert 50 <= high <= 400
    assert Decimal("3.50") in prices and Decimal("200.00") in prices  # the boundaries themselves
    assert all(p.as_tuple().exponent == -2 for p in prices)


def test_descriptions_mix_latin_cyrillic_and_apostrophes(seeded):
    provider, _ = seeded
    descriptions = [row["Description"] for row in provider.rows["Catalog_Goods"]]
    assert any("O'Neil" in d for d in descriptions)
    assert any(re.search("[А-Яа-яЁё]", d) for d in descriptions)
    assert any(re.fullmatch(r"[ -~]+", d) for d in descriptions)
    counterparties = [row["Description"] for row in provider.rows["Catalog_Counterparties"]]
    assert "O'Neil & Sons Ltd" in counterparties and "ООО «Ромашка»" in counterparties


def test_rows_fit_the_model(model, seeded):
    """Every key is a property of the entity type; values respect lengths, scales and enums."""
    provider, _ = seeded
    for name, rows in provider.rows.items():
        entity_type = model.entity_set(name).entity_type
        for row in rows:
            _check_row(model, entity_type, row)
            for prop in entity_type.properties:
                if prop.role == TABULAR:
                    for line_number, line in enumerate(row[prop.name], 1):
                        assert line["LineNumber"] == line_number
                        _check_row(model, prop.row_type, line)


def _check_row(model, complex_type, row):
    for key, value in row.items():
        prop = complex_type.property(key)
        assert prop is not None, f"{complex_type.name} has no property {key}"
        t = prop.value_type
        if prop.role == ENUM:
            assert value == "" or value in model.enum_types[t.name].members
        elif prop.role == REF or prop.edm_type == "Edm.Guid":
            assert str(uuid.UUID(value)) == value
        elif isinstance(t, String) and t.length:
            assert len(value) <= t.length, (key, value)
        elif isinstance(t, Number) and not t.scale:
            assert isinstance(value, int) and len(str(abs(value))) <= t.digits
        elif isinstance(t, Number):
            assert isinstance(value, Decimal)
            assert -value.as_tuple().exponent <= t.scale
            assert len(value.as_tuple().digits) <= t.digits


def test_references_point_at_seeded_rows(model, seeded):
    provider, _ = seeded
    keys = {name: {row.get("Ref_Key") for row in rows} for name, rows in provider.rows.items()}  # registers: none
    checked = 0
    for name, rows in provider.rows.items():
        entity_type = model.entity_set(name).entity_type
        for row in rows:
            lines = [(entity_type, row)]
            for prop in entity_type.properties:
                if prop.role == TABULAR:
                    lines += [(prop.row_type, line) for line in row[prop.name]]
            for owner_type, values in lines:
                for prop in owner_type.properties:
                    if prop.role == REF and prop.name in values:
                        value = values[prop.name]
                        if model.entity_set(prop.target) is None:  # unpublished (Employees)
                            assert value == NIL_GUID or uuid.UUID(value)
                        else:
                            assert value == NIL_GUID or value in keys[prop.target], (name, prop.name)
                        checked += 1
                    elif prop.role == COMPOSITE_TYPE and prop.name in values:
                        kind, value = values[prop.name], values[prop.attribute]
                        if kind == "StandardODATA.Undefined":
                            assert value == ""
                        elif kind.startswith(ROUTE_POINT):  # a point of the process's route
                            process = model.configuration.find("BusinessProcess_" + kind.removeprefix(ROUTE_POINT))
                            assert process.point(value) is not None, (name, value)
                        elif kind.startswith("StandardODATA."):
                            assert value in keys[kind.removeprefix("StandardODATA.")]
                        else:
                            assert kind == "Edm.String" and isinstance(value, str)
                        checked += 1
    assert checked > 4_000
    # Each composite kind occurs.
    kinds = {row["Basis_Type"] for row in provider.rows["Document_SalesOrder"]}
    assert kinds == {"StandardODATA.Undefined", "StandardODATA.Catalog_Counterparties",
                     "StandardODATA.Document_GoodsReceipt", "Edm.String"}


def test_goods_hierarchy(seeded):
    provider, _ = seeded
    goods = provider.rows["Catalog_Goods"]
    folders = {row["Ref_Key"] for row in goods if row["IsFolder"]}
    assert all(row["Parent_Key"] == NIL_GUID or row["Parent_Key"] in folders for row in goods)
    assert any(row["IsFolder"] and row["Parent_Key"] != NIL_GUID for row in goods)  # nested folders
    assert any(not row["IsFolder"] and row["Parent_Key"] == NIL_GUID for row in goods)  # items at the root
    assert {row["Kind"] for row in goods if not row["IsFolder"]} == {"Product", "Service"}
    codes = [row["Code"] for row in goods]
    assert len(set(codes)) == len(codes) and codes[0] == "000000001"


def test_document_totals(seeded):
    provider, _ = seeded
    for row in provider.rows["Document_SalesOrder"]:
        assert row["Goods"], row["Number"]
        assert row["Total"] == sum(line["Amount"] for line in row["Goods"])
        for line in row["Goods"]:
            assert line["Amount"] == (line["Price"] * line["Quantity"]).quantize(Decimal("0.01"))
            assert line["Quantity"].as_tuple().exponent == -3


def test_batches_and_progress(model):
    provider = RecordingProvider()
    calls = []
    counts = seed_module.seed(provider, model, goods=25_000, progress=lambda *args: calls.append(args))
    assert provider.batches["Catalog_Goods"] == [10_000, 10_000, 5_008]
    assert [c for c in calls if c[0] == "Catalog_Goods"] == [
        ("Catalog_Goods", 10_000, 25_008), ("Catalog_Goods", 20_000, 25_008), ("Catalog_Goods", 25_008, 25_008)]
    assert calls[-1][1] == calls[-1][2] == counts[calls[-1][0]]


def test_unpublished_objects_are_skipped():
    data = json.loads((TRADE / "configuration.json").read_text(encoding="utf-8"))
    for obj in data["objects"]:
        if obj["name"] in ("GoodsReceipt", "CompanyName"):
            obj["published"] = False
    model = build_model(Configuration.from_dict(data))
    provider = RecordingProvider()
    counts = seed_module.seed(provider, model, goods=50)
    assert "Document_GoodsReceipt" not in counts and "Constant_CompanyName" not in counts
    assert provider.constants == {}
    assert counts["Document_SalesOrder"] == len(provider.rows["Document_SalesOrder"])


# --- against the real providers (skipped only when they cannot be imported) ---------------------

def _memory_provider(model, tmp_path):
    from infobase_odata.providers.memory import MemoryProvider

    return MemoryProvider(model)


def _sqlite_provider(model, tmp_path):
    from infobase_odata.providers.sqlite import SQLiteProvider

    provider = SQLiteProvider(model, str(tmp_path / "trade.db"))
    if hasattr(provider, "create_schema"):
        provider.create_schema()
    return provider


@pytest.mark.parametrize("make", [_memory_provider, _sqlite_provider], ids=["memory", "sqlite"])
def test_seed_real_provider(model, tmp_path, make):
    provider = make(model, tmp_path)
    counts = seed_module.seed(provider, model, goods=300)
    expected = RecordingProvider()
    seed_module.seed(expected, model, goods=300)
    for name, count in counts.items():
        entity_set = model.entity_set(name)
        assert provider.count(entity_set, None) == (count if name != "Constant_CompanyName" else 1), name
    for name in ("Catalog_Goods", "Catalog_Валюты", "Document_SalesOrder"):
        entity_set = model.entity_set(name)
        original = expected.rows[name][5 % len(expected.rows[name])]
        stored = provider.get(entity_set, {"Ref_Key": original["Ref_Key"]})
        assert stored is not None, name
        for key, value in original.items():
            if isinstance(value, list):
                assert [{k: line[k] for k in value[0]} for line in stored[key]] == value, key
            else:
                assert stored[key] == value, (name, key)
    constant = model.entity_set("Constant_CompanyName")
    assert provider.get(constant, {"SurrogateKey": 0})["Value"] == "ООО «Ромашка»"
