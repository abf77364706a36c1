"""The ``VirtualTableStore`` contract (reference §6), on every provider implementing it:
``Balance``, ``Turnovers``, ``BalanceAndTurnovers`` and ``SliceLast``/``SliceFirst`` give the
same rows for the same movements (the differences between engines are in
``test_registers_contract.py``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from infobase_odata.query.parser import parse_filter
from infobase_odata.registers import VTParams, vt_result_set
from infobase_odata.stores import VirtualTableStore

from .conftest import store_fixture

provider = store_fixture(VirtualTableStore)

PRODUCTS = [f"aaaaaaaa-0000-0000-0000-{i:012d}" for i in range(2)]
WAREHOUSES = [f"bbbbbbbb-0000-0000-0000-{i:012d}" for i in range(2)]
ORDER_TYPE = "StandardODATA.Document_SalesOrder"


def recorder(i: int) -> dict:
    return {"Recorder": f"cccccccc-0000-0000-0000-{i:012d}", "Recorder_Type": ORDER_TYPE}


def move(day: int, record_type: str, product: int, warehouse: int, quantity: str) -> dict:
    return {"Period": dt.datetime(2024, 3, day, 12), "RecordType": record_type, "Product_Key": PRODUCTS[product],
            "Warehouse_Key": WAREHOUSES[warehouse], "Quantity": Decimal(quantity)}


def stocked(provider, model):
    stock = model.entity_set("AccumulationRegister_Stock")
    provider.write_record_set(stock, recorder(1), [move(1, "Receipt", 0, 0, "10"), move(1, "Receipt", 1, 1, "4")])
    provider.write_record_set(stock, recorder(2), [move(10, "Expense", 0, 0, "3.5")])
    provider.write_record_set(stock, recorder(3), [move(20, "Receipt", 0, 1, "2")])
    return stock


def table(provider, model, register, params) -> list[dict]:
    result_set = vt_result_set(model, register, params.function)
    rows = provider.virtual_table(register, params, result_set=result_set).rows
    return sorted(({k: v for k, v in row.items() if v is not None} for row in rows), key=lambda r: sorted(
        (k, str(v)) for k, v in r.items()))


def test_balance_at_a_period_and_by_dimension(provider, model):
    stock = stocked(provider, model)
    at = table(provider, model, stock, VTParams("Balance", period=dt.datetime(2024, 3, 15)))
    assert [(r["Product_Key"], r["Warehouse_Key"], r["QuantityBalance"]) for r in at] == [
        (PRODUCTS[0], WAREHOUSES[0], Decimal("6.5")), (PRODUCTS[1], WAREHOUSES[1], Decimal("4"))]
    by_product = table(provider, model, stock, VTParams("Balance", dimensions=("Product",)))
    assert [(r["Product_Key"], r["QuantityBalance"]) for r in by_product] == [
        (PRODUCTS[0], Decimal("8.5")), (PRODUCTS[1], Decimal("4"))]
    condition = parse_filter(f"Warehouse_Key eq guid'{WAREHOUSES[1]}'", stock.records, model)
    only = table(provider, model, stock, VTParams("Balance", dimensions=("Product",), condition=condition))
    assert [(r["Product_Key"], r["QuantityBalance"]) for r in only] == [
        (PRODUCTS[0], Decimal("2")), (PRODUCTS[1], Decimal("4"))]


def test_turnovers_and_balance_and_turnovers_over_a_range(provider, model):
    stock = stocked(provider, model)
    span = dict(start=dt.datetime(2024, 3, 5), end=dt.datetime(2024, 3, 25), dimensions=("Product",))
    turnovers = table(provider, model, stock, VTParams("Turnovers", **span))
    assert [(r["Product_Key"], r["QuantityReceipt"], r["QuantityExpense"], r["QuantityTurnover"])
            for r in turnovers] == [(PRODUCTS[0], Decimal("2"), Decimal("3.5"), Decimal("-1.5"))]
    both = table(provider, model, stock, VTParams("BalanceAndTurnovers", **span))
    assert [(r["Product_Key"], r["QuantityOpeningBalance"], r["QuantityClosingBalance"]) for r in both] == [
        (PRODUCTS[0], Decimal("10"), Decimal("8.5")), (PRODUCTS[1], Decimal("4"), Decimal("4"))]


def test_slices_of_an_information_register(provider, model):
    prices = model.entity_set("InformationRegister_Prices")
    for day, product, price in ((1, 0, "10"), (5, 0, "12"), (9, 0, "15"), (3, 1, "7")):
        provider.create(prices, {"Period": dt.datetime(2024, 3, day), "Product_Key": PRODUCTS[product],
                                 "Price": Decimal(price)})

    def sliced(function, day):
        rows = provider.virtual_table(prices, VTParams(function, period=dt.datetime(2024, 3, day)),
                                      result_set=prices).rows
        return sorted((r["Product_Key"], r["Price"]) for r in rows)

    assert sliced("SliceLast", 6) == [(PRODUCTS[0], Decimal("12")), (PRODUCTS[1], Decimal("7"))]
    assert sliced("SliceFirst", 4) == [(PRODUCTS[0], Decimal("12"))]
