"""Fake data for an imported configuration: plausible, consistent and deterministic (issue #17)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from infobase_odata import model as m
from infobase_odata.cli import main
from infobase_odata.configuration import Configuration, load_configuration
from infobase_odata.events import load_handlers
from infobase_odata.fake import fill
from infobase_odata.importer import import_edm, read_edmx
from infobase_odata import build_model
from infobase_odata.providers.sqlite import SQLiteProvider
from infobase_odata.query.ast import QueryOptions

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT.parent / "shared" / "1c-metadata" / "ut-real.edmx"


@pytest.fixture(scope="module")
def ut_model():
    result = import_edm(read_edmx(DUMP.read_bytes()), "ut")
    return build_model(Configuration.from_dict(result.configuration))


def filled(model, path, rows=12, seed=1, events=None):
    provider = SQLiteProvider(model, str(path))
    provider.create_schema()
    fill(provider, model, rows=rows, seed=seed, events=events)
    return provider


def rows_of(provider, model, name):
    return list(provider.query(model.entity_set(name), QueryOptions()).rows)


@pytest.fixture(scope="module")
def ut_provider(ut_model, tmp_path_factory):
    return filled(ut_model, tmp_path_factory.mktemp("fake") / "ut.db")


def test_rows_per_object_and_references_to_existing_rows(ut_model, ut_provider):
    objects = [s for s in ut_model.entity_sets.values() if s.kind == m.OBJECT]
    keys = {s.name: {r["Ref_Key"] for r in rows_of(ut_provider, ut_model, s.name)} for s in objects}
    assert all(len(found) == 12 for found in keys.values()), {n: len(k) for n, k in keys.items()}
    checked = 0
    for entity_set in objects:
        for row in rows_of(ut_provider, ut_model, entity_set.name):
            for prop in entity_set.entity_type.properties:
                if prop.role == m.REF and ut_model.set_for_object(prop.target) is not None:
                    assert row[prop.name] == m.NIL_GUID or row[prop.name] in keys[prop.target], prop.name
                    checked += 1
    assert checked > 100


def test_documents_tabular_sections_dates_and_registers(ut_model, ut_provider):
    sales = rows_of(ut_provider, ut_model, "Document_РеализацияТоваровУслуг")
    assert all(1 <= len(row["Товары"]) <= 10 for row in sales)
    assert all([line["LineNumber"] for line in row["Товары"]] == list(range(1, len(row["Товары"]) + 1))
               for row in sales)
    dates = [row["Date"] for row in sales]
    assert all(dt.datetime(2024, 1, 1) <= d < dt.datetime(2025, 1, 2) for d in dates)
    assert max(dates) - min(dates) > dt.timedelta(days=60)  # spread over the year
    assert all(row["Number"] for row in sales) and len({row["Number"] for row in sales}) == len(sales)
    assert all(row["Posted"] for row in sales)
    records = rows_of(ut_provider, ut_model, "AccumulationRegister_РасчетыСКлиентамиПланОплат_RecordType")
    assert records and {r["RecordType"] for r in records} <= {"Receipt", "Expense"}
    recorders = {r["Recorder"] for r in records}
    assert recorders <= {row["Ref_Key"] for row in sales} | {
        row["Ref_Key"] for row in rows_of(ut_provider, ut_model, "Document_ВводОстатковРасчетовПоЭквайрингу")}
    rates = rows_of(ut_provider, ut_model, "InformationRegister_КурсыВалют")
    assert len(rates) > 5
    currencies = {row["Ref_Key"] for row in rows_of(ut_provider, ut_model, "Catalog_Валюты")}
    assert {r["Валюта_Key"] for r in rates} <= currencies


def test_plausible_russian_values(ut_model, ut_provider):
    counterparties = rows_of(ut_provider, ut_model, "Catalog_Контрагенты")
    assert all(row["ИНН"].isdigit() and len(row["ИНН"]) in (10, 12) for row in counterparties)
    assert any(any("а" <= c <= "я" for c in row["Description"].lower()) for row in counterparties)
    persons = rows_of(ut_provider, ut_model, "Catalog_ФизическиеЛица")
    assert all(len(row["Description"].split()) >= 2 for row in persons if not row["IsFolder"])


def _dump(path: Path) -> list:
    with sqlite3.connect(path) as connection:
        tables = [t for (t,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return [(t, connection.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall())
                for t in tables if "Document_РеализацияТоваровУслуг" in t or "Catalog_Контрагенты" in t]


def test_deterministic_with_the_seed(ut_model, tmp_path):
    filled(ut_model, tmp_path / "a.db", rows=5, seed=7)
    filled(ut_model, tmp_path / "b.db", rows=5, seed=7)
    filled(ut_model, tmp_path / "c.db", rows=5, seed=8)

    def without_versions(dump):  # DataVersion stamps come from the clock
        return [(t, [tuple(v for v in row if not (isinstance(v, str) and v.endswith("=") and len(v) == 12))
                     for row in rows]) for t, rows in dump]

    a, b, c = (without_versions(_dump(tmp_path / f"{n}.db")) for n in "abc")
    assert a and a == b
    assert a != c


def test_posting_handlers_write_the_movements(tmp_path):
    folder = ROOT / "samples" / "trade"
    model = build_model(load_configuration(folder))
    events = load_handlers(folder, "handlers.py")
    provider = filled(model, tmp_path / "trade.db", rows=6, seed=3, events=events)
    orders = rows_of(provider, model, "Document_SalesOrder")
    records = rows_of(provider, model, "AccumulationRegister_Sales_RecordType")
    assert orders and all(order["Posted"] for order in orders)
    by_order = {}
    for record in records:
        by_order.setdefault(record["Recorder_Key"], []).append(record)
    for order in orders:  # the sample's handler posts one Sales record per goods line
        assert len(by_order.get(order["Ref_Key"], [])) == len(order["Goods"])


def test_fake_command(tmp_path, capsys):
    folder = tmp_path / "ut"
    assert main(["import-metadata", str(DUMP), "--out", str(folder)]) == 0
    database = tmp_path / "ut.db"
    assert main(["fake", str(folder), "--db", str(database), "--rows", "3", "--seed", "2"]) == 0
    assert main(["fake", str(folder), "--db", str(database), "--rows", "3"]) == 1  # never refills
    assert "already holds data" in capsys.readouterr().err
    model = build_model(load_configuration(folder))
    provider = SQLiteProvider(model, str(database))
    assert len(rows_of(provider, model, "Catalog_Контрагенты")) == 3
