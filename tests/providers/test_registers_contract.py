"""Register side of the provider contract: record sets, totals and virtual tables agree between
the memory provider (the reference) and SQLite with totals on and off, under back-dated writes,
re-writes, inactive records and rolled-back transactions."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from infobase_odata.registers import vt_result_set
from infobase_odata.registers import VTParams
from infobase_odata.providers.memory import MemoryProvider

from .conftest import dispose, make_provider
from infobase_odata.query.parser import parse_filter

PRODUCTS = [f"aaaaaaaa-0000-0000-0000-{i:012d}" for i in range(4)]
WAREHOUSES = [f"bbbbbbbb-0000-0000-0000-{i:012d}" for i in range(2)]
RECORDERS = [f"cccccccc-0000-0000-0000-{i:012d}" for i in range(12)]


def _movements(rng: random.Random) -> list[dict]:
    out = []
    for _ in range(rng.randint(0, 5)):
        out.append({"Period": dt.datetime(2024, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23)),
                    "RecordType": rng.choice(["Receipt", "Expense"]), "Active": rng.random() < 0.9,
                    "Product_Key": rng.choice(PRODUCTS), "Warehouse_Key": rng.choice(WAREHOUSES),
                    "Quantity": Decimal(rng.randint(1, 99999)).scaleb(-3)})
    return out


def _key(i: int) -> dict:
    return {"Recorder": RECORDERS[i], "Recorder_Type": "StandardODATA.Document_SalesOrder"}


def _table(provider, stock, result_set, params) -> list:
    return sorted((tuple(sorted(row.items())) for row in
                   provider.virtual_table(stock, params, result_set=result_set).rows))


def sql_provider(engine: str, model, tmp_path, request):
    """The SQL store under test: SQLite, or PostgreSQL on the session's throwaway cluster."""
    pg = request.getfixturevalue("pg_server") if engine == "postgresql" else None
    provider = make_provider(engine, model, tmp_path, pg=pg)
    request.addfinalizer(lambda: dispose(provider))
    return provider


@pytest.mark.parametrize("engine,layout", [("sqlite", "clustered"), ("sqlite", "rowid"),
                                           ("postgresql", "clustered")])
@pytest.mark.parametrize("seed", range(4))
def test_totals_and_movements_give_the_reference_balances(model, tmp_path, seed, engine, layout, request):
    rng = random.Random(seed)
    stock = model.entity_set("AccumulationRegister_Stock")
    if layout == "rowid":  # a file made before totals were clustered keeps working
        import sqlite3

        old = sqlite3.connect(tmp_path / "infobase.db")
        old.execute('CREATE TABLE "_totals_AccumulationRegister_Stock" ("Month" TEXT, "Product_Key" TEXT, '
                    '"Warehouse_Key" TEXT, "Quantity" INTEGER)')
        old.close()
    memory, sqlite = MemoryProvider(model), sql_provider(engine, model, tmp_path, request)
    if engine == "sqlite":
        schema = sqlite.conn.execute("SELECT group_concat(sql, ';') FROM sqlite_master "
                                     "WHERE tbl_name = '_totals_AccumulationRegister_Stock'").fetchone()[0]
        assert ("WITHOUT ROWID" in schema) == (layout == "clustered")
        assert ("CREATE UNIQUE INDEX" in schema) == (layout == "rowid")
    for _ in range(30):  # re-writes of the same recorders, in any date order
        i, rows = rng.randrange(len(RECORDERS)), _movements(rng)
        for provider in (memory, sqlite):
            provider.write_record_set(stock, _key(i), rows)
    balance = vt_result_set(model, stock, "Balance")
    both = vt_result_set(model, stock, "BalanceAndTurnovers")
    condition = parse_filter(f"Warehouse_Key eq guid'{WAREHOUSES[0]}'", stock.records, model)
    for month in range(1, 14):
        at = dt.datetime(2024, 1, 1) + dt.timedelta(days=30 * month - rng.randint(0, 20), hours=rng.randint(0, 23))
        cases = [(balance, VTParams("Balance", period=at)),
                 (balance, VTParams("Balance", period=at, dimensions=("Product",), condition=condition)),
                 (both, VTParams("BalanceAndTurnovers", start=at, end=at + dt.timedelta(days=40)))]
        for result_set, params in cases:
            expected = _table(memory, stock, result_set, params)
            sqlite.use_totals = True
            assert _table(sqlite, stock, result_set, params) == expected, params
            sqlite.use_totals = False
            assert _table(sqlite, stock, result_set, params) == expected, params
    sqlite.rebuild_totals(stock)
    sqlite.use_totals = True
    assert _table(sqlite, stock, balance, VTParams("Balance")) == _table(memory, stock, balance, VTParams("Balance"))


@pytest.mark.parametrize("kind", ["memory", "sqlite", "postgresql"])
def test_a_failed_transaction_leaves_record_sets_and_totals(model, tmp_path, kind, request):
    stock = model.entity_set("AccumulationRegister_Stock")
    provider = MemoryProvider(model) if kind == "memory" else sql_provider(kind, model, tmp_path, request)
    first = [{"Period": dt.datetime(2024, 3, 5), "RecordType": "Receipt", "Product_Key": PRODUCTS[0],
              "Warehouse_Key": WAREHOUSES[0], "Quantity": Decimal("5")}]
    stored = provider.write_record_set(stock, _key(0), first)
    assert [(r["LineNumber"], r["Active"], r["Recorder_Type"]) for r in stored] == [
        (1, True, "StandardODATA.Document_SalesOrder")]
    with pytest.raises(RuntimeError):
        with provider.transaction():
            provider.write_record_set(stock, _key(0), [])
            provider.write_record_set(stock, _key(1), first * 1)
            raise RuntimeError("posting handler failed")
    assert provider.read_record_set(stock, _key(0)) == stored and provider.read_record_set(stock, _key(1)) == []
    rows = list(provider.virtual_table(stock, VTParams("Balance", period=dt.datetime(2024, 5, 1)),
                                       result_set=vt_result_set(model, stock, "Balance")).rows)
    assert [r["QuantityBalance"] for r in rows] == [5]
    with pytest.raises(Exception, match="RecordType"):
        provider.write_record_set(stock, _key(0), [{**first[0], "RecordType": "Sideways"}])
