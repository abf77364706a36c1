"""The ``RecordSetStore`` contract (reference §1.5, §8.4), on every provider implementing it:
a record set is read, replaced and cleared whole, completed as stored (``LineNumber``,
``Active``, ``Recorder_Type``), seen in ``_RecordType``, and left alone by a rolled-back
transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from infobase_odata.query.ast import QueryOptions
from infobase_odata.stores import RecordSetStore

from .conftest import store_fixture

provider = store_fixture(RecordSetStore)

PRODUCT = "aaaaaaaa-0000-0000-0000-000000000001"
WAREHOUSE = "bbbbbbbb-0000-0000-0000-000000000001"
ORDER_TYPE = "StandardODATA.Document_SalesOrder"


def recorder(i: int) -> dict:
    return {"Recorder": f"cccccccc-0000-0000-0000-{i:012d}", "Recorder_Type": ORDER_TYPE}


def movement(quantity: str, record_type: str = "Receipt", **extra) -> dict:
    return {"Period": dt.datetime(2024, 3, 5, 10), "RecordType": record_type, "Product_Key": PRODUCT,
            "Warehouse_Key": WAREHOUSE, "Quantity": Decimal(quantity), **extra}


def brief(rows) -> list[tuple]:
    return [(r["Recorder"], r["LineNumber"], r["Active"], r["RecordType"], r["Quantity"]) for r in rows]


def test_a_written_set_is_read_back_completed(provider, model):
    stock = model.entity_set("AccumulationRegister_Stock")
    stored = provider.write_record_set(stock, recorder(1), [movement("5"), movement("1.5", "Expense", Active=False)])
    ref = recorder(1)["Recorder"]
    assert brief(stored) == [(ref, 1, True, "Receipt", Decimal("5")), (ref, 2, False, "Expense", Decimal("1.5"))]
    assert all(r["Recorder_Type"] == ORDER_TYPE for r in stored)
    assert provider.read_record_set(stock, recorder(1)) == stored
    assert provider.read_record_set(stock, recorder(2)) == []


def test_a_set_is_replaced_whole_and_cleared_by_an_empty_write(provider, model):
    stock = model.entity_set("AccumulationRegister_Stock")
    provider.write_record_set(stock, recorder(1), [movement("5"), movement("7")])
    provider.write_record_set(stock, recorder(2), [movement("3")])
    replaced = provider.write_record_set(stock, recorder(1), [movement("9")])
    assert brief(provider.read_record_set(stock, recorder(1))) == brief(replaced) == [
        (recorder(1)["Recorder"], 1, True, "Receipt", Decimal("9"))]
    provider.write_record_set(stock, recorder(1), [])
    assert provider.read_record_set(stock, recorder(1)) == []
    assert len(provider.read_record_set(stock, recorder(2))) == 1


def test_records_are_rows_of_the_record_type_set(provider, model):
    stock = model.entity_set("AccumulationRegister_Stock")
    provider.write_record_set(stock, recorder(1), [movement("5"), movement("2", "Expense")])
    provider.write_record_set(stock, recorder(2), [movement("3")])
    rows = list(provider.query(stock.records, QueryOptions()).rows)
    assert sorted((r["Recorder"][-1], r["LineNumber"], r["Quantity"]) for r in rows) == [
        ("1", 1, Decimal("5")), ("1", 2, Decimal("2")), ("2", 1, Decimal("3"))]
    assert provider.count(stock.records, None) == 3


def test_bulk_write_of_new_sets_counts_records_of_a_one_recorder_register(provider, model):
    sales = model.entity_set("AccumulationRegister_Sales")
    items = [({"Recorder_Key": recorder(i)["Recorder"]}, [{"Period": dt.datetime(2024, 1, i), "Product_Key": PRODUCT,
                             "Quantity": Decimal(i), "Amount": Decimal("10.25")}] * i) for i in range(1, 4)]
    assert provider.bulk_write_record_sets(sales, items) == 6
    assert [len(provider.read_record_set(sales, {"Recorder_Key": recorder(i)["Recorder"]}))
            for i in range(1, 4)] == [1, 2, 3]


def test_a_rolled_back_transaction_leaves_the_sets(provider, model):
    stock = model.entity_set("AccumulationRegister_Stock")
    stored = provider.write_record_set(stock, recorder(1), [movement("5")])
    with pytest.raises(RuntimeError):
        with provider.transaction():
            provider.write_record_set(stock, recorder(1), [])
            provider.write_record_set(stock, recorder(2), [movement("8")])
            raise RuntimeError("a posting handler failed")
    assert provider.read_record_set(stock, recorder(1)) == stored
    assert provider.read_record_set(stock, recorder(2)) == []
