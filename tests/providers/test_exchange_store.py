"""The ExchangeStore contract (exchange plans, reference §7) on every provider implementing it,
through the Python API: registration in the write's own transaction, the numbering of
``select_changes``, ``confirm_changes``, and no change lost under concurrent writers."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest

from infobase_odata.stores import ExchangeStore

from .conftest import store_fixture

RECEIPT = "StandardODATA.Document_GoodsReceipt"

provider = store_fixture(ExchangeStore)  # every provider implementing it (memory, SQLite, mapped, PostgreSQL)


@pytest.fixture
def sets(model):
    return {name: model.entity_set(name) for name in (
        "ExchangePlan_Sites", "Catalog_Goods", "Catalog_Units", "Document_GoodsReceipt",
        "AccumulationRegister_Stock", "InformationRegister_Prices", "Catalog_Counterparties")}


def nodes(provider, sets) -> tuple[str, str]:
    plan = sets["ExchangePlan_Sites"]
    shop = provider.create(plan, {"Code": "WEB", "Description": "Web shop"})["Ref_Key"]
    store = provider.create(plan, {"Code": "WHS", "Description": "Warehouse"})["Ref_Key"]
    return shop, store


def changes(provider, sets, node: str, number: int) -> set[tuple[str, str]]:
    return {(c.set_name, c.key) for c in provider.select_changes(sets["ExchangePlan_Sites"], node, number)}


def test_a_node_sees_exactly_the_changes_since_its_last_confirmation(provider, sets):
    plan = sets["ExchangePlan_Sites"]
    shop, store = nodes(provider, sets)
    assert changes(provider, sets, shop, 1) == set()
    unit = provider.create(sets["Catalog_Units"], {"Description": "шт"})["Ref_Key"]
    item = provider.create(sets["Catalog_Goods"], {"Description": "Чай", "Unit_Key": unit})["Ref_Key"]
    gone = provider.create(sets["Catalog_Goods"], {"Description": "Кофе"})["Ref_Key"]
    receipt = provider.create(sets["Document_GoodsReceipt"], {"Date": dt.datetime(2024, 5, 1)})["Ref_Key"]
    recorder = {"Recorder": receipt, "Recorder_Type": RECEIPT}
    provider.write_record_set(sets["AccumulationRegister_Stock"], recorder, [
        {"Period": dt.datetime(2024, 5, 1), "RecordType": "Receipt", "Product_Key": item, "Quantity": Decimal(3)}])
    provider.create(sets["InformationRegister_Prices"],
                    {"Period": dt.datetime(2024, 5, 1), "Product_Key": item, "Price": Decimal("9.90")})
    provider.delete(sets["Catalog_Goods"], {"Ref_Key": gone})
    provider.create(sets["Catalog_Counterparties"], {"Description": "not in the plan's content"})
    first = {("Catalog_Units", f"guid'{unit}'"), ("Catalog_Goods", f"guid'{item}'"),
             ("Catalog_Goods", f"guid'{gone}'"), ("Document_GoodsReceipt", f"guid'{receipt}'"),
             ("AccumulationRegister_Stock", f"Recorder='{receipt}',Recorder_Type='{RECEIPT}'"),
             ("InformationRegister_Prices", f"Period=datetime'2024-05-01T00:00:00',Product_Key=guid'{item}'")}
    assert changes(provider, sets, shop, 1) == first
    # A change made after message 1 was built: message 1 repeated gives it too.
    provider.update(sets["Catalog_Goods"], {"Ref_Key": item}, {"Description": "Чай зелёный"})
    assert changes(provider, sets, shop, 1) == first
    assert provider.confirm_changes(plan, shop, 1) == len(first)
    assert changes(provider, sets, shop, 2) == set()
    provider.update(sets["Catalog_Units"], {"Ref_Key": unit}, {"Description": "штука"})
    provider.delete(sets["Document_GoodsReceipt"], {"Ref_Key": receipt})
    second = {("Catalog_Units", f"guid'{unit}'"), ("Document_GoodsReceipt", f"guid'{receipt}'")}
    assert changes(provider, sets, shop, 2) == second
    # The other node confirmed nothing: it still has everything.
    assert changes(provider, sets, store, 7) == first | second


def test_a_change_after_its_message_survives_the_confirmation(provider, sets):
    plan = sets["ExchangePlan_Sites"]
    shop, _ = nodes(provider, sets)
    item = provider.create(sets["Catalog_Goods"], {"Description": "Чай"})["Ref_Key"]
    assert changes(provider, sets, shop, 1) == {("Catalog_Goods", f"guid'{item}'")}
    provider.update(sets["Catalog_Goods"], {"Ref_Key": item}, {"Description": "Чай 2"})
    assert provider.confirm_changes(plan, shop, 1) == 0  # registered again: not numbered 1 any more
    assert changes(provider, sets, shop, 2) == {("Catalog_Goods", f"guid'{item}'")}
    assert provider.confirm_changes(plan, shop, 2) == 1
    assert changes(provider, sets, shop, 3) == set()


def test_a_rolled_back_write_registers_nothing(provider, sets):
    shop, _ = nodes(provider, sets)
    with pytest.raises(RuntimeError):
        with provider.transaction():
            provider.create(sets["Catalog_Goods"], {"Description": "временный"})
            raise RuntimeError("undo")
    assert changes(provider, sets, shop, 1) == set()


def test_bulk_loads_register_nothing(provider, sets):
    shop, _ = nodes(provider, sets)
    provider.bulk_insert(sets["Catalog_Goods"], [{"Description": f"item {n}"} for n in range(3)])
    assert changes(provider, sets, shop, 1) == set()


def test_nodes_created_later_get_later_changes_only(provider, sets):
    provider.create(sets["Catalog_Goods"], {"Description": "before"})
    shop, _ = nodes(provider, sets)
    after = provider.create(sets["Catalog_Goods"], {"Description": "after"})["Ref_Key"]
    assert changes(provider, sets, shop, 1) == {("Catalog_Goods", f"guid'{after}'")}


@pytest.mark.parametrize("provider", ["sqlite", "postgresql"], indirect=True)
def test_no_change_is_lost_while_a_node_reads_its_changes(provider, sets):
    """Writers create and update goods while the node builds and confirms messages in a loop:
    in the end the node received every object, in its last stored version."""
    plan, goods = sets["ExchangePlan_Sites"], sets["Catalog_Goods"]
    shop, _ = nodes(provider, sets)
    errors: list[BaseException] = []
    done = threading.Event()
    received: dict[str, str] = {}  # Ref_Key -> DataVersion last delivered

    def writer(n: int) -> None:
        try:
            for i in range(15):
                ref = provider.create(goods, {"Description": f"w{n} {i}"})["Ref_Key"]
                provider.update(goods, {"Ref_Key": ref}, {"Description": f"w{n} {i} changed"})
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    def deliver(number: int) -> None:
        for change in provider.select_changes(plan, shop, number):
            ref = change.key[len("guid'"):-1]
            row = provider.get(goods, {"Ref_Key": ref})
            received[ref] = row["DataVersion"] if row else "deleted"
        provider.confirm_changes(plan, shop, number)

    def reader() -> None:
        number = 1
        try:
            while not done.is_set():
                deliver(number)
                number += 1
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    node_reader = threading.Thread(target=reader)
    node_reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    node_reader.join()
    deliver(10_000)  # whatever is left after the last writer
    assert errors == []
    stored = {row["Ref_Key"]: row["DataVersion"] for row in provider.query(goods, _all()).rows}
    assert len(stored) == 45
    assert received == stored


def _all():
    from infobase_odata.query.ast import QueryOptions
    return QueryOptions()


def test_a_deleted_node_takes_its_changes_with_it(provider, sets):
    plan = sets["ExchangePlan_Sites"]
    shop, store = nodes(provider, sets)
    provider.create(sets["Catalog_Goods"], {"Description": "Чай"})
    provider.delete(plan, {"Ref_Key": shop})
    assert changes(provider, sets, shop, 1) == set()
    assert len(changes(provider, sets, store, 1)) == 1
