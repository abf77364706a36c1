"""Accounting side of the provider contract: every provider with an accounting store
(``provider.accounting``: memory, SQLite, PostgreSQL) gives the virtual tables of the memory
reference, with the SQL stores' monthly totals on and off, under re-written and back-dated
record sets, inactive entries, rolled-back transactions and a totals rebuild."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pytest

from infobase_odata.accounting import AccLayout, AccParams, predefined_key
from infobase_odata.configuration import load_configuration
from infobase_odata.kinds.chart_of_accounts import create_predefined
from infobase_odata.providers.mapped import MappedSQLiteProvider
from infobase_odata.providers.memory import MemoryProvider
from infobase_odata.query.parser import parse_filter
from infobase_odata.register_model import build_model

from .conftest import dispose, make_provider

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "accounting"
CHART = "ChartOfAccounts_Main"
GOODS = [f"10000000-0000-0000-0000-{i:012d}" for i in range(3)]
WAREHOUSES = [f"20000000-0000-0000-0000-{i:012d}" for i in range(2)]
PARTNERS = [f"30000000-0000-0000-0000-{i:012d}" for i in range(3)]
RECORDERS = [f"40000000-0000-0000-0000-{i:012d}" for i in range(10)]


def account(name: str) -> str:
    return predefined_key(CHART, name)


@pytest.fixture(scope="module")
def accounting_model():
    return build_model(load_configuration(SAMPLE))


def store(kind, model, tmp_path, request):
    if kind == "memory":
        provider = MemoryProvider(model)
    elif kind == "mapped":  # a site mapping none of the sample's objects: the store is the SQL one
        provider = MappedSQLiteProvider(model, tmp_path / "site.db", {"objects": {}})
        request.addfinalizer(lambda: dispose(provider))
        provider.create_schema()
    else:
        pg = request.getfixturevalue("pg_server") if kind == "postgresql" else None
        provider = make_provider(kind, model, tmp_path, pg=pg)
        request.addfinalizer(lambda: dispose(provider))
        provider.create_schema()
    create_predefined(provider, model)
    return provider


def entries(rng: random.Random) -> list[dict]:
    out = []
    for _ in range(rng.randint(0, 4)):
        period = dt.datetime(2024, rng.randint(1, 9), rng.randint(1, 28), rng.randint(0, 23))
        amount = Decimal(rng.randint(1, 10 ** 6)).scaleb(-2)
        kind = rng.randrange(4)
        base = {"Period": period, "Amount": amount, "Active": rng.random() < 0.9}
        if kind == 0:
            base.update(AccountDr_Key=account("GoodsInWarehouses"), AccountCr_Key=account("Suppliers"),
                        ExtDimensionsDr={"Goods": rng.choice(GOODS), "Warehouses": rng.choice(WAREHOUSES)},
                        ExtDimensionsCr={"Counterparties": rng.choice(PARTNERS)}, QuantityDr=rng.randint(1, 9))
        elif kind == 1:
            base.update(AccountDr_Key=account("CostOfSales"), AccountCr_Key=account("GoodsInWarehouses"),
                        ExtDimensionsDr={"Goods": rng.choice(GOODS)},
                        ExtDimensionsCr={"Goods": rng.choice(GOODS), "Warehouses": rng.choice(WAREHOUSES)},
                        QuantityCr=rng.randint(1, 9))
        elif kind == 2:
            base.update(AccountDr_Key=account("Customers"), AccountCr_Key=account("Revenue"),
                        ExtDimensionsDr={"Counterparties": rng.choice(PARTNERS)}, ExtDimensionsCr={"Goods": rng.choice(GOODS)})
        else:
            base.update(AccountDr_Key=account("Bank"), AccountCr_Key=account("Customers"),
                        ExtDimensionsCr={"Counterparties": rng.choice(PARTNERS)})
        out.append(base)
    return out


def key(i: int) -> dict:
    return {"Recorder": RECORDERS[i], "Recorder_Type": "StandardODATA.Document_Sale"}


def table(provider, register, params) -> list:
    found = provider.accounting.virtual_table(register, params).rows
    return sorted(tuple(sorted((k, str(v)) for k, v in row.items())) for row in found)


def cases(model, register, rng) -> list[AccParams]:
    lines = AccLayout.of(model, register).lines_set
    partner = parse_filter(f"ExtDimension1 eq cast(guid'{PARTNERS[0]}','Catalog_Counterparties')", lines, model)
    goods = parse_filter(f"Account_Key eq guid'{account('Goods')}'", lines, model)
    out = []
    for month in range(1, 11):
        at = dt.datetime(2024, 1, 1) + dt.timedelta(days=30 * month - rng.randint(0, 20), hours=rng.randint(0, 23))
        later = at + dt.timedelta(days=rng.randint(1, 60))
        out += [AccParams("Balance", period=at), AccParams("Balance", period=at, extra=(), dimensions=()),
                AccParams("Balance", period=at, condition=partner),
                AccParams("Balance", period=at, account_condition=goods,
                          extra=(predefined_key("ChartOfCharacteristicTypes_ExtDimensionTypes", "Warehouses"),)),
                AccParams("Turnovers", start=at, end=later),
                AccParams("Turnovers", start=at, end=later, balanced_account_condition=goods, balanced_extra=()),
                AccParams("BalanceAndTurnovers", start=at, end=later),
                AccParams("BalanceAndTurnovers", start=at, end=later, account_condition=goods, extra=()),
                AccParams("DrCrTurnovers", start=at, end=later)]
    return out + [AccParams("Balance"), AccParams("RecordsWithExtDimensions"), AccParams("ExtDimensions")]


@pytest.mark.parametrize("engine", ["sqlite", "mapped", "postgresql"])
@pytest.mark.parametrize("seed", range(3))
def test_sql_stores_give_the_reference_tables(accounting_model, tmp_path, request, engine, seed):
    model = accounting_model
    register = model.entity_set("AccountingRegister_Main")
    memory, sql = store("memory", model, tmp_path, request), store(engine, model, tmp_path, request)
    rng = random.Random(seed)
    for _ in range(25):  # re-writes of the same recorders, in any date order
        i, rows = rng.randrange(len(RECORDERS)), entries(rng)
        for provider in (memory, sql):
            provider.accounting.write_record_set(register, key(i), rows)
    for i in range(len(RECORDERS)):
        assert sql.accounting.read_record_set(register, key(i)) == memory.accounting.read_record_set(register, key(i))
    for params in cases(model, register, rng):
        expected = table(memory, register, params)
        sql.accounting.use_totals = True
        assert table(sql, register, params) == expected, params
        sql.accounting.use_totals = False
        assert table(sql, register, params) == expected, params
    sql.accounting.rebuild_totals(register)
    sql.accounting.use_totals = True
    params = AccParams("Balance", period=dt.datetime(2024, 6, 15))
    assert table(sql, register, params) == table(memory, register, params)


@pytest.mark.parametrize("kind", ["memory", "sqlite", "mapped", "postgresql"])
def test_a_failed_posting_leaves_entries_and_totals(accounting_model, tmp_path, request, kind):
    model = accounting_model
    register = model.entity_set("AccountingRegister_Main")
    provider = store(kind, model, tmp_path, request)
    first = [{"Period": dt.datetime(2024, 3, 5), "AccountDr_Key": account("Bank"),
              "AccountCr_Key": account("Capital"), "Amount": Decimal("100.00")}]
    stored = provider.accounting.write_record_set(register, key(0), first)
    assert [(r["LineNumber"], r["Active"], r["AccountDr_Key"]) for r in stored] == [(1, True, account("Bank"))]
    with pytest.raises(RuntimeError):
        with provider.transaction():
            provider.accounting.write_record_set(register, key(0), [])
            provider.accounting.write_record_set(register, key(1), first)
            raise RuntimeError("posting handler failed")
    assert provider.accounting.read_record_set(register, key(0)) == stored
    assert provider.accounting.read_record_set(register, key(1)) == []
    rows = list(provider.accounting.virtual_table(register, AccParams("Balance", period=dt.datetime(2024, 5, 1))).rows)
    assert sorted((r["Account_Key"], r["AmountBalance"]) for r in rows) == sorted(
        [(account("Bank"), Decimal("100.00")), (account("Capital"), Decimal("-100.00"))])
    from infobase_odata.errors import Invalid
    with pytest.raises(Invalid):  # an ext dimension the account does not have
        provider.accounting.write_record_set(register, key(0), [{**first[0], "ExtDimensionsDr": {"Goods": GOODS[0]}}])
    assert provider.accounting.read_record_set(register, key(0)) == stored


def simple_model():
    """A register without correspondence (Account_Key + RecordType Debit/Credit, UNCONFIRMED)."""
    from infobase_odata.configuration import (
        AccountingRegister, Attribute, Catalog, ChartOfAccounts, ChartOfCharacteristicTypes, Configuration, Document,
        PredefinedAccount, PredefinedItem)
    objects = [
        Catalog(name="Items"),
        ChartOfCharacteristicTypes(name="Kinds", type=["CatalogRef.Items", "String(10)"],
                                   predefined=[PredefinedItem("Items", "CatalogRef.Items")]),
        ChartOfAccounts(name="Off", ext_dimension_types="ChartOfCharacteristicTypes_Kinds", max_ext_dimensions=1,
                        predefined=[PredefinedAccount("Held", "001", type="Active", ext_dimensions=("Items",)),
                                    PredefinedAccount("Leased", "002", type="Passive")]),
        Document(name="Act", registers=("AccountingRegister_Off",)),
        AccountingRegister(name="Off", chart_of_accounts="ChartOfAccounts_Off", correspondence=False,
                           resources=[Attribute("Amount", "Number(15,2)")])]
    return build_model(Configuration("off", objects))


@pytest.mark.parametrize("kind", ["memory", "sqlite", "mapped", "postgresql"])
def test_a_register_without_correspondence(tmp_path, request, kind):
    model = simple_model()
    register = model.entity_set("AccountingRegister_Off")
    names = [p.name for p in model.entity_set("AccountingRegister_Off_RecordType").entity_type.properties]
    assert names == ["Recorder_Key", "Period", "LineNumber", "Active", "RecordType", "Account_Key", "Amount"]
    provider = store(kind, model, tmp_path, request)
    held, leased = predefined_key("ChartOfAccounts_Off", "Held"), predefined_key("ChartOfAccounts_Off", "Leased")
    item = GOODS[0]
    provider.accounting.write_record_set(register, {"Recorder_Key": RECORDERS[0]}, [
        {"Period": dt.datetime(2024, 1, 5), "RecordType": "Debit", "Account_Key": held, "Amount": 70,
         "ExtDimensions": {"Items": item}},
        {"Period": dt.datetime(2024, 2, 5), "RecordType": "Credit", "Account_Key": held, "Amount": 20,
         "ExtDimensions": {"Items": item}},
        {"Period": dt.datetime(2024, 2, 6), "RecordType": "Credit", "Account_Key": leased, "Amount": 5}])
    (stored, *_) = provider.accounting.read_record_set(register, {"Recorder_Key": RECORDERS[0]})
    assert (stored["ExtDimension1"], stored["ExtDimension1_Type"]) == (item, "StandardODATA.Catalog_Items")
    balance = {(r["Account_Key"], r["ExtDimension1"]): (r["AmountBalance"], r["AmountBalanceDr"], r["AmountBalanceCr"])
               for r in provider.accounting.virtual_table(register, AccParams("Balance")).rows}
    assert balance == {(held, item): (Decimal(50), Decimal(50), Decimal(0)),
                       (leased, ""): (Decimal(-5), Decimal(0), Decimal(5))}
    turnovers = provider.accounting.virtual_table(register, AccParams(
        "Turnovers", start=dt.datetime(2024, 2, 1), extra=())).rows
    assert {r["Account_Key"]: (r["AmountTurnoverDr"], r["AmountTurnoverCr"]) for r in turnovers} == {
        held: (Decimal(0), Decimal(20)), leased: (Decimal(0), Decimal(5))}


@pytest.mark.parametrize("kind", ["memory", "sqlite", "mapped", "postgresql"])
def test_an_entry_with_one_side_moves_one_account(accounting_model, tmp_path, request, kind):
    """Off-balance style: an entry without a credit account is a debit line only."""
    register = accounting_model.entity_set("AccountingRegister_Main")
    provider = store(kind, accounting_model, tmp_path, request)
    provider.accounting.write_record_set(register, key(2), [
        {"Period": dt.datetime(2024, 1, 9), "AccountDr_Key": account("Goods"), "Amount": Decimal("7.50"),
         "ExtDimensionsDr": {"Goods": GOODS[1]}}])
    rows = list(provider.accounting.virtual_table(register, AccParams("Balance", extra=(), dimensions=())).rows)
    assert [(r["Account_Key"], r["AmountBalance"]) for r in rows] == [(account("Goods"), Decimal("7.50"))]
    (entry,) = provider.accounting.read_record_set(register, key(2))
    assert entry["ExtDimensionDr1"] == GOODS[1] and entry["AccountCr_Key"] == "00000000-0000-0000-0000-000000000000"
