"""Accounting registers over HTTP, numbers not shapes (issue #13, reference §6.3, §8.4).

Entries of ``samples/accounting`` are written as record sets (PATCH with ext dimensions, §8.4)
and by posting a document; the test computes the trial balance from them by hand (its own
arithmetic below, not the library's) and compares every virtual table with it at several dates
and ranges: per account and per ext dimension, parent accounts with their sub-accounts,
active-passive splits, Condition / AccountCondition / BalancedAccountCondition, Dr/Cr pairs.
Memory (computed in Python) and SQLite (in SQL, with and without monthly totals).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webob import Request

from infobase_odata.accounting import predefined_key
from infobase_odata.configuration import load_configuration
from infobase_odata.kinds.chart_of_accounts import create_predefined
from infobase_odata.middleware import ODataMiddleware
from infobase_odata.providers.memory import MemoryProvider
from infobase_odata.providers.sqlite import SQLiteProvider
from infobase_odata.register_model import build_model
from tests.conftest import AsUser, assert_odata_error

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "accounting"
ROOT = "/accounting/odata/standard.odata/"
REG = "AccountingRegister_Main"
CHART = "ChartOfAccounts_Main"
TYPES = "ChartOfCharacteristicTypes_ExtDimensionTypes"
NS = "StandardODATA."

ACCOUNTS = {"41": "Goods", "41.01": "GoodsInWarehouses", "41.02": "GoodsInRetail", "51": "Bank", "60": "Suppliers",
            "62": "Customers", "80": "Capital", "90": "Sales", "90.01": "Revenue", "90.02": "CostOfSales"}
KEY = {code: predefined_key(CHART, name) for code, name in ACCOUNTS.items()}
CODE = {key: code for code, key in KEY.items()}
TYPE = {"41.01": "Active", "41.02": "Active", "51": "Active", "60": "ActivePassive", "62": "ActivePassive",
        "80": "Passive", "90.01": "Passive", "90.02": "Active"}
EXT = {"41.01": ("Goods", "Warehouses"), "41.02": ("Goods",), "60": ("Counterparties",),
       "62": ("Counterparties",), "90.01": ("Goods",), "90.02": ("Goods",)}
CATALOG = {"Goods": "Catalog_Goods", "Warehouses": "Catalog_Warehouses", "Counterparties": "Catalog_Counterparties"}
GOODS = [f"10000000-0000-0000-0000-{i:012d}" for i in range(1, 5)]
WAREHOUSES = [f"20000000-0000-0000-0000-{i:012d}" for i in range(1, 3)]
PARTNERS = [f"30000000-0000-0000-0000-{i:012d}" for i in range(1, 5)]
DEPARTMENTS = [f"40000000-0000-0000-0000-{i:012d}" for i in range(1, 3)]
PAIRS = [("41.01", "60"), ("41.02", "60"), ("62", "90.01"), ("90.02", "41.01"), ("51", "62"), ("60", "51"),
         ("51", "80"), ("90.02", "41.02")]
VALUES = {"Goods": GOODS, "Warehouses": WAREHOUSES, "Counterparties": PARTNERS}


def make_entries() -> list[tuple[str, list[dict]]]:
    """(recorder, entries) with ext dimensions: what the test writes and computes from."""
    rng = random.Random(13)
    out = []
    for n in range(24):
        entries = []
        for _ in range(rng.randint(1, 4)):
            dr, cr = rng.choice(PAIRS)
            entry = {"Period": dt.datetime(2024, rng.randint(1, 4), rng.randint(1, 28), rng.randint(0, 23)),
                     "Dr": dr, "Cr": cr, "Department": rng.choice(DEPARTMENTS),
                     "Amount": Decimal(rng.randint(1, 99999)).scaleb(-2),
                     "Active": rng.random() < 0.95}
            for side, code in (("Dr", dr), ("Cr", cr)):
                entry[f"Ext{side}"] = tuple(rng.choice(VALUES[kind]) for kind in EXT.get(code, ()))
                entry[f"Quantity{side}"] = Decimal(rng.randint(1, 50)) if code.startswith("41") else Decimal(0)
            entries.append(entry)
        out.append((f"50000000-0000-0000-0000-{n:012d}", entries))
    return out


ENTRIES = make_entries()


def body_of(entries: list[dict]) -> dict:
    """The record set as a client PATCHes it (§8.4: positional ExtDimensionDr1 + _Type)."""
    rows = []
    for line, entry in enumerate(entries, 1):
        row = {"LineNumber": line, "Period": entry["Period"].isoformat(), "Active": entry["Active"],
               "AccountDr_Key": KEY[entry["Dr"]], "AccountCr_Key": KEY[entry["Cr"]],
               "Department_Key": entry["Department"], "Amount": str(entry["Amount"]),
               "QuantityDr": str(entry["QuantityDr"]), "QuantityCr": str(entry["QuantityCr"]),
               "Content": "проводка"}
        for side in ("Dr", "Cr"):
            for i, (kind, value) in enumerate(zip(EXT.get(entry[side], ()), entry[f"Ext{side}"]), 1):
                row[f"ExtDimension{side}{i}"] = value
                row[f"ExtDimension{side}{i}_Type"] = NS + CATALOG[kind]
        rows.append(row)
    return {"RecordSet": rows}


# ---- the trial balance by hand -------------------------------------------------------------

def sides(entry):
    yield entry["Dr"], entry["ExtDr"], entry["Amount"], entry["QuantityDr"], 1
    yield entry["Cr"], entry["ExtCr"], entry["Amount"], entry["QuantityCr"], -1


def trial(before=None, start=None, end=None, detail=False, where=lambda code, ext: True):
    """{(code[, ext…]): [opening, debit, credit]} of Amount over the active entries."""
    out = defaultdict(lambda: [Decimal(0)] * 3)
    for _, entries in ENTRIES:
        for entry in entries:
            if not entry["Active"]:
                continue
            for code, ext, amount, _, sign in sides(entry):
                if not where(code, ext):
                    continue
                key = (code, *ext) if detail else (code,)
                period = entry["Period"]
                if before is not None:
                    if period < before:
                        out[key][0] += sign * amount
                elif start is not None and period < start:
                    out[key][0] += sign * amount
                elif (start is None or period >= start) and (end is None or period <= end):
                    out[key][1 if sign > 0 else 2] += amount
    return {k: v for k, v in out.items() if any(v)}


def split(code: str, balance: Decimal) -> tuple[Decimal, Decimal]:
    kind = TYPE[code]
    if kind == "Active":
        return balance, Decimal(0)
    if kind == "Passive":
        return Decimal(0), -balance
    return (balance, Decimal(0)) if balance > 0 else (Decimal(0), -balance)


# ---- the services -----------------------------------------------------------------------------

def call(app, path: str, method: str = "GET", body=None):
    request = Request.blank(ROOT + path, method=method)
    if body is not None:
        request.body = json.dumps(body).encode("utf-8")
        request.content_type = "application/json"
    return request.get_response(app)


def rows(app, path: str) -> list[dict]:
    response = call(app, path + ("&" if "?" in path else "?") + "$format=json")
    assert response.status_code == 200, response.body[:600]
    return response.json["value"]


def q(text: str) -> str:
    return quote(text, safe="=,()/$&?'")


@pytest.fixture(scope="module")
def accounting_model():
    return build_model(load_configuration(SAMPLE))


@pytest.fixture(scope="module", params=["memory", "sqlite", "sqlite-no-totals"])
def app(request, accounting_model, tmp_path_factory):
    model = accounting_model
    if request.param == "memory":
        provider = MemoryProvider(model)
    else:
        provider = SQLiteProvider(model, tmp_path_factory.mktemp("accounting") / "a.db")
        provider.create_schema()
        provider.accounting.use_totals = request.param == "sqlite"
    create_predefined(provider, model)
    for kind, refs in VALUES.items():
        for i, ref in enumerate(refs):
            provider.create(model.entity_set(CATALOG[kind]), {"Ref_Key": ref, "Description": f"{kind} {i}"})
    service = AsUser(ODataMiddleware(None, str(SAMPLE), provider=provider, prefix="accounting"))
    for recorder, entries in ENTRIES:
        response = call(service, f"{REG}(Recorder='{recorder}',Recorder_Type='Document_GoodsReceipt')", "PATCH",
                        body_of(entries))
        assert response.status_code == 200, response.body[:800]
    return service


def by_account(found: list[dict], measures: tuple[str, ...]) -> dict:
    out: dict = {}
    for row in found:
        key = (CODE[row["Account_Key"]],)
        assert key not in out, key  # one row per account when grouped by account only
        out[key] = tuple(Decimal(str(row[m])) for m in measures)
    return out


DATES = [dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 14, 12), dt.datetime(2024, 3, 1), dt.datetime(2024, 4, 30),
         dt.datetime(2025, 1, 1)]


@pytest.mark.parametrize("at", DATES, ids=lambda d: d.date().isoformat())
def test_balance_per_account_is_the_trial_balance(app, at):
    found = rows(app, f"{REG}/Balance(Period=datetime'{at.isoformat()}',ExtraDimensions='',Dimensions='')")
    got = by_account(found, ("AmountBalance", "AmountBalanceDr", "AmountBalanceCr"))
    expected = {}
    for (code,), (opening, _, _) in trial(before=at).items():
        expected[(code,)] = (opening, *split(code, opening))
    assert got == expected
    assert sum(v[0] for v in got.values()) == 0  # double entry


@pytest.mark.parametrize("at", DATES[1:4], ids=lambda d: d.date().isoformat())
def test_balance_by_ext_dimensions_splits_active_passive_accounts_per_counterparty(app, at):
    found = rows(app, f"{REG}/Balance(Period=datetime'{at.isoformat()}',Dimensions='')")
    got = {}
    for row in found:
        code = CODE[row["Account_Key"]]
        ext = tuple(row[f"ExtDimension{i}"] for i in range(1, len(EXT.get(code, ())) + 1))
        assert all(row[f"ExtDimension{i}"] in ("", None) for i in range(len(ext) + 1, 4))
        got[(code, *ext)] = (Decimal(str(row["AmountBalance"])), Decimal(str(row["AmountBalanceDr"])),
                             Decimal(str(row["AmountBalanceCr"])))
        for i, kind in enumerate(EXT.get(code, ()), 1):
            assert row[f"ExtDimension{i}_Type"] == NS + CATALOG[kind]
    expected = {key: (v[0], *split(key[0], v[0])) for key, v in trial(before=at, detail=True).items()}
    assert got == expected
    # the account-level split of an active-passive account is the sum of its detailed rows
    for code in ("60", "62"):
        dr = sum(v[1] for k, v in got.items() if k[0] == code)
        cr = sum(v[2] for k, v in got.items() if k[0] == code)
        net = sum(v[0] for k, v in got.items() if k[0] == code)
        assert dr - cr == net and dr >= 0 and cr >= 0


def test_extra_dimensions_choose_and_order_the_ext_dimensions(app):
    at = dt.datetime(2024, 3, 20)
    found = rows(app, f"{REG}/Balance(Period=datetime'{at.isoformat()}',ExtraDimensions='Warehouses,Goods',"
                      f"Dimensions='',AccountCondition='Account_Key eq guid''{KEY['41.01']}''')")
    got = {(row["ExtDimension1"], row["ExtDimension2"]): Decimal(str(row["AmountBalance"])) for row in found}
    expected = {(ext[1], ext[0]): v[0] for (code, *ext), v in trial(before=at, detail=True).items() if code == "41.01"}
    assert got == expected
    assert {row["ExtDimension1_Type"] for row in found} == {NS + "Catalog_Warehouses"}


@pytest.mark.parametrize("at", DATES[1:4], ids=lambda d: d.date().isoformat())
def test_account_condition_takes_the_sub_accounts_of_a_parent(app, at):
    condition = f"Account_Key eq guid'{KEY['41']}'"
    found = rows(app, f"{REG}/Balance?Period=datetime'{at.isoformat()}'&ExtraDimensions=&Dimensions="
                      f"&AccountCondition={q(condition)}")
    got = by_account(found, ("AmountBalance",))
    expected = {(code,): (v[0],) for (code,), v in trial(before=at).items() if code.startswith("41.")}
    assert got == expected and set(got) <= {("41.01",), ("41.02",)}
    # by Code through the navigation property, the same accounts
    by_code = rows(app, f"{REG}/Balance?Period=datetime'{at.isoformat()}'&ExtraDimensions=&Dimensions="
                        f"&AccountCondition={q(chr(39).join(['Account/Code eq ', '90', '']))}")
    assert by_account(by_code, ("AmountBalance",)) == {
        (code,): (v[0],) for (code,), v in trial(before=at).items() if code.startswith("90.")}


RANGES = [(dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 31, 23, 59, 59)),
          (dt.datetime(2024, 2, 10), dt.datetime(2024, 3, 20)),
          (dt.datetime(2024, 1, 15), dt.datetime(2024, 12, 31))]


@pytest.mark.parametrize("start,end", RANGES, ids=lambda d: d.date().isoformat())
def test_turnovers_and_balance_and_turnovers(app, start, end):
    span = f"StartPeriod=datetime'{start.isoformat()}',EndPeriod=datetime'{end.isoformat()}'"
    found = rows(app, f"{REG}/Turnovers({span},ExtraDimensions='',Dimensions='')")
    got = by_account(found, ("AmountTurnoverDr", "AmountTurnoverCr", "AmountTurnover"))
    assert got == {key: (v[1], v[2], v[1] - v[2]) for key, v in trial(start=start, end=end).items() if v[1] or v[2]}
    found = rows(app, f"{REG}/BalanceAndTurnovers({span},ExtraDimensions='',Dimensions='')")
    got = by_account(found, ("AmountOpeningBalance", "AmountOpeningBalanceDr", "AmountOpeningBalanceCr",
                             "AmountTurnoverDr", "AmountTurnoverCr", "AmountClosingBalance",
                             "AmountClosingBalanceDr", "AmountClosingBalanceCr"))
    expected = {}
    for (code,), (opening, debit, credit) in trial(start=start, end=end).items():
        closing = opening + debit - credit
        expected[(code,)] = (opening, *split(code, opening), debit, credit, closing, *split(code, closing))
    assert got == expected


def test_turnovers_between_accounts(app):
    start, end = dt.datetime(2024, 1, 1), dt.datetime(2024, 4, 30, 23, 59, 59)
    span = f"StartPeriod=datetime'{start.isoformat()}',EndPeriod=datetime'{end.isoformat()}'"
    # 41 (with sub-accounts) debited against 60: the goods received from suppliers
    found = rows(app, f"{REG}/Turnovers({span},ExtraDimensions='',BalancedExtraDimensions='',Dimensions='',"
                      f"AccountCondition='Account_Key eq guid''{KEY['41']}''',"
                      f"BalancedAccountCondition='Account_Key eq guid''{KEY['60']}''')")
    got = {(CODE[r["Account_Key"]], CODE[r["BalancedAccount_Key"]]): Decimal(str(r["AmountTurnoverDr"]))
           for r in found}
    expected = defaultdict(Decimal)
    for _, entries in ENTRIES:
        for e in entries:
            if e["Active"] and e["Dr"].startswith("41.") and e["Cr"] == "60":
                expected[(e["Dr"], "60")] += e["Amount"]
    assert got == dict(expected) and got
    assert all(Decimal(str(r["AmountTurnoverCr"])) == 0 for r in found)
    # DrCrTurnovers: 62 debited against 90 (sub-accounts), per customer and product
    found = rows(app, f"{REG}/DrCrTurnovers({span},Dimensions='',"
                      f"AccountCondition='Account_Key eq guid''{KEY['62']}''',"
                      f"BalancedAccountCondition='Account/Code eq ''90''')")
    got = {(r["ExtDimensionDr1"], r["ExtDimensionCr1"]): Decimal(str(r["AmountTurnover"])) for r in found}
    expected = defaultdict(Decimal)
    for _, entries in ENTRIES:
        for e in entries:
            if e["Active"] and (e["Dr"], e["Cr"]) == ("62", "90.01"):
                expected[(e["ExtDr"][0], e["ExtCr"][0])] += e["Amount"]
    assert got == dict(expected) and got
    assert {(CODE[r["AccountDr_Key"]], CODE[r["AccountCr_Key"]]) for r in found} == {("62", "90.01")}


def test_condition_on_an_ext_dimension_and_a_dimension(app):
    at = dt.datetime(2024, 4, 1)
    partner, department = PARTNERS[1], DEPARTMENTS[0]
    condition = f"ExtDimension1 eq cast(guid'{partner}','Catalog_Counterparties')"
    found = rows(app, f"{REG}/Balance(Period=datetime'{at.isoformat()}',Dimensions='',"
                      f"AccountCondition='Account_Key eq guid''{KEY['62']}''',Condition='{condition}')")
    expected = trial(before=at, detail=True).get(("62", partner), [Decimal(0)])[0]
    assert [Decimal(str(r["AmountBalance"])) for r in found] == ([expected] if expected else [])
    found = rows(app, f"{REG}/Turnovers?Condition={q(f'Department_Key eq guid{chr(39)}{department}{chr(39)}')}"
                      f"&ExtraDimensions=&Dimensions=Department")
    expected = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for _, entries in ENTRIES:
        for e in entries:
            if e["Active"] and e["Department"] == department:
                expected[e["Dr"]][0] += e["Amount"]
                expected[e["Cr"]][1] += e["Amount"]
    got = {CODE[r["Account_Key"]]: [Decimal(str(r["AmountTurnoverDr"])), Decimal(str(r["AmountTurnoverCr"]))]
           for r in found}
    assert got == dict(expected)
    assert {r["Department_Key"] for r in found} == {department}


def test_quantity_of_goods_per_warehouse(app):
    """A non-balanced resource: QuantityDr of debit lines, QuantityCr of credit lines."""
    at = dt.datetime(2024, 3, 1)
    found = rows(app, f"{REG}/Balance(Period=datetime'{at.isoformat()}',Dimensions='',ExtraDimensions='Warehouses',"
                      f"AccountCondition='Account_Key eq guid''{KEY['41.01']}''')")
    expected = defaultdict(Decimal)
    for _, entries in ENTRIES:
        for e in entries:
            if e["Active"] and e["Period"] < at:
                if e["Dr"] == "41.01":
                    expected[e["ExtDr"][1]] += e["QuantityDr"]
                if e["Cr"] == "41.01":
                    expected[e["ExtCr"][1]] -= e["QuantityCr"]
    got = {r["ExtDimension1"]: Decimal(str(r["QuantityBalance"])) for r in found}
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}


def test_record_set_round_trip_with_ext_dimensions(app):
    recorder, entries = ENTRIES[3]
    key = f"{REG}(Recorder='{recorder}',Recorder_Type='StandardODATA.Document_GoodsReceipt')"
    got = call(app, key + "?$format=json").json["RecordSet"]
    sent = body_of(entries)["RecordSet"]
    assert len(got) == len(sent)
    for row, want in zip(got, sent):
        for name, value in want.items():
            if name in ("Amount", "QuantityDr", "QuantityCr"):
                assert Decimal(str(row[name])) == Decimal(value)
            elif name == "LineNumber":  # Edm.Int64: a JSON string (§3.4)
                assert row[name] == str(value)
            else:
                assert row[name] == value, name
        account = {"Dr": want["AccountDr_Key"], "Cr": want["AccountCr_Key"]}
        for side in ("Dr", "Cr"):  # the types come from the account's ExtDimensionTypes
            kinds = EXT.get(CODE[account[side]], ())
            for i, kind in enumerate(kinds, 1):
                assert row[f"ExtDimensionType{side}{i}_Key"] == predefined_key(TYPES, kind)
    records = rows(app, f"{REG}_RecordType?$filter=Recorder eq cast(guid'{recorder}','Document_GoodsReceipt')")
    assert len(records) == len(sent) and all("ExtDimensionDr1" not in r for r in records)


def test_records_with_ext_dimensions_and_ext_dimensions(app):
    start, end = dt.datetime(2024, 2, 1), dt.datetime(2024, 2, 29, 23, 59, 59)
    found = rows(app, f"{REG}/RecordsWithExtDimensions(StartPeriod=datetime'{start.isoformat()}',"
                      f"EndPeriod=datetime'{end.isoformat()}')")
    expected = sorted((e["Period"].isoformat(), str(e["Amount"])) for _, es in ENTRIES for e in es
                      if e["Active"] and start <= e["Period"] <= end)
    assert sorted((r["Period"], str(Decimal(str(r["Amount"])).quantize(Decimal("0.01")))) for r in found) == expected
    top = rows(app, f"{REG}/RecordsWithExtDimensions?Top=2")
    assert len(top) == 2
    values = rows(app, f"{REG}/ExtDimensions?$filter=RecordType eq 'Credit'")
    expected_count = sum(len(e["ExtCr"]) for _, es in ENTRIES for e in es)
    assert len(values) == expected_count


def test_bad_parameters_are_odata_errors(app):
    assert_odata_error(call(app, f"{REG}/Balance(Dimension='x')"), 501, 0)
    assert_odata_error(call(app, f"{REG}/Balance(ExtraDimensions='No such type!')"), 400, 14)
    assert_odata_error(call(app, f"{REG}/Balance(AccountCondition='Nope eq 1')"), 400, 14)
    assert_odata_error(call(app, f"{REG}/Balance(Dimensions='Nope')"), 400, 14)
    assert_odata_error(call(app, f"{REG}/RecordsWithExtDimensions?Top=x"), 400, 1)
    assert_odata_error(call(app, f"{REG}/RecordsWithExtDimensions(Top=-1)"), 400, 14)
    assert_odata_error(call(app, f"{REG}/SliceLast()"), 400, 6)
    bad = body_of(ENTRIES[0][1])
    bad["RecordSet"][0]["AccountDr_Key"] = KEY["51"]  # no ext dimensions on 51
    bad["RecordSet"][0]["ExtDimensionDr1"] = GOODS[0]
    response = call(app, f"{REG}(Recorder='{ENTRIES[0][0]}',Recorder_Type='Document_GoodsReceipt')", "PATCH", bad)
    assert_odata_error(response, 400, 4)
    # nothing of the refused record set was stored
    test_balance_per_account_is_the_trial_balance(app, DATES[-1])


@pytest.fixture
def fresh(accounting_model):
    provider = MemoryProvider(accounting_model)
    create_predefined(provider, accounting_model)
    return AsUser(ODataMiddleware(None, str(SAMPLE), provider=provider, prefix="accounting"))


def test_posting_writes_entries_with_ext_dimensions_and_unposting_clears_them(fresh):
    refs = {}
    for name, catalog in (("supplier", "Catalog_Counterparties"), ("goods", "Catalog_Goods"),
                          ("warehouse", "Catalog_Warehouses")):
        response = call(fresh, catalog + "?$format=json", "POST", {"Description": name})
        assert response.status_code == 201, response.body[:300]
        refs[name] = response.json["Ref_Key"]
    receipt = call(fresh, "Document_GoodsReceipt?$format=json", "POST", {
        "Date": "2024-02-10T12:00:00", "Supplier_Key": refs["supplier"], "Warehouse_Key": refs["warehouse"],
        "Goods": [{"LineNumber": 1, "Product_Key": refs["goods"], "Quantity": 4, "Amount": 1234.5}]}).json
    assert call(fresh, f"Document_GoodsReceipt(guid'{receipt['Ref_Key']}')/Post", "POST").status_code == 200
    key = f"{REG}(Recorder='{receipt['Ref_Key']}',Recorder_Type='StandardODATA.Document_GoodsReceipt')"
    (entry,) = call(fresh, key + "?$format=json").json["RecordSet"]
    assert (entry["AccountDr_Key"], entry["AccountCr_Key"]) == (KEY["41.01"], KEY["60"])
    assert (entry["ExtDimensionDr1"], entry["ExtDimensionDr1_Type"]) == (refs["goods"], NS + "Catalog_Goods")
    assert (entry["ExtDimensionDr2"], entry["ExtDimensionDr2_Type"]) == (refs["warehouse"], NS + "Catalog_Warehouses")
    assert (entry["ExtDimensionCr1"], entry["ExtDimensionCr1_Type"]) == (refs["supplier"], NS + "Catalog_Counterparties")
    assert entry["Period"] == "2024-02-10T12:00:00" and Decimal(str(entry["QuantityDr"])) == 4
    balance = rows(fresh, f"{REG}/Balance?ExtraDimensions=&Dimensions=")
    assert {CODE[r["Account_Key"]]: Decimal(str(r["AmountBalance"])) for r in balance} == {
        "41.01": Decimal("1234.5"), "60": Decimal("-1234.5")}
    assert call(fresh, f"Document_GoodsReceipt(guid'{receipt['Ref_Key']}')/Unpost", "POST").status_code == 200
    assert call(fresh, key + "?$format=json").json["RecordSet"] == []
    assert rows(fresh, f"{REG}/Balance") == []


def test_predefined_accounts_are_published_and_cannot_be_deleted(fresh):
    accounts = rows(fresh, "ChartOfAccounts_Main?$orderby=Code&$expand=Parent")
    assert [a["Code"] for a in accounts] == sorted(ACCOUNTS)
    sub = next(a for a in accounts if a["Code"] == "41.01")
    assert (sub["Predefined"], sub["PredefinedDataName"], sub["Type"], sub["Parent"]["Code"]) == (
        True, "GoodsInWarehouses", "Active", "41")
    assert [(t["ExtDimensionType_Key"], t["TurnoversOnly"]) for t in sub["ExtDimensionTypes"]] == [
        (predefined_key(TYPES, "Goods"), False), (predefined_key(TYPES, "Warehouses"), False)]
    assert sub["Quantitative"] is True
    revenue = next(a for a in accounts if a["Code"] == "90.01")
    assert [t["TurnoversOnly"] for t in revenue["ExtDimensionTypes"]] == [True]
    response = call(fresh, f"ChartOfAccounts_Main(guid'{KEY['41.01']}')", "DELETE")
    assert_odata_error(response, 400, 4)
    assert len(rows(fresh, "ChartOfAccounts_Main")) == len(ACCOUNTS)
    created = call(fresh, "ChartOfAccounts_Main?$format=json", "POST", {"Code": "41.03", "Description": "Тара",
                                                          "Parent_Key": KEY["41"], "Type": "Active"})
    assert created.status_code == 201 and created.json["Predefined"] is False
    assert call(fresh, f"ChartOfAccounts_Main(guid'{created.json['Ref_Key']}')", "DELETE").status_code == 204
    kinds = rows(fresh, "ChartOfCharacteristicTypes_ExtDimensionTypes?$orderby=Code")
    assert [(k["PredefinedDataName"], k["ValueType"]["Types"]) for k in kinds] == [
        ("Counterparties", "CatalogRef.Counterparties"), ("Goods", "CatalogRef.Goods"),
        ("Warehouses", "CatalogRef.Warehouses")]


PARAMETER_PARTS = st.sampled_from([
    "Account_Key eq guid'{a}'", "Account/Code eq '62'", "Account/Parent/Code eq '41'", "ExtDimension1 eq 'x'",
    "ExtDimension2 eq cast(guid'{g}','Catalog_Warehouses')", "isof(ExtDimension1,'Catalog_Goods')",
    "Department_Key ne guid'{d}'", "BalancedAccount_Key eq guid'{a}'", "Period lt datetime'2024-03-01T00:00:00'",
    "AmountBalance gt 0", "Nope eq 1", "substringof('1',Account/Code)", "(", "''", "Account_Key eq 5",
    "Goods", "Warehouses,Goods", "guid'{g}'", "Counterparties,Counterparties,Goods,Goods", "Department", ""])


@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
@settings(max_examples=int(os.environ.get("FUZZ_SERVICE_EXAMPLES", "60")), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(function=st.sampled_from(["Balance", "Turnovers", "BalanceAndTurnovers", "DrCrTurnovers",
                                 "RecordsWithExtDimensions", "ExtDimensions"]),
       params=st.lists(st.tuples(st.sampled_from(["Condition", "AccountCondition", "BalancedAccountCondition",
                                                  "ExtraDimensions", "BalancedExtraDimensions", "Dimensions", "Top",
                                                  "Period", "StartPeriod"]),
                                 st.lists(PARAMETER_PARTS, max_size=3)), max_size=4),
       options=st.sampled_from(["", "&$orderby=Account/Code", "&$filter=AmountTurnover gt 0", "&$top=1&$skip=1",
                                "&$expand=Account", "&$select=Account_Key"]))
def test_generated_parameters_are_answers_or_odata_errors(app, function, params, options):
    fill = {"a": KEY["41"], "g": WAREHOUSES[0], "d": DEPARTMENTS[0]}
    query = "&".join(f"{name}={quote(' and '.join(part.format(**fill) for part in parts))}" for name, parts in params)
    response = call(app, f"{REG}/{function}?$format=json&{query}{options}")
    # 501 code 0 is the platform's answer to a parameter the function does not take (§6)
    assert response.status_code < 500 or (response.status_code == 501 and
                                          response.json["odata.error"]["code"] == "0"), response.body[:500]
    if response.status_code >= 400:
        assert "odata.error" in response.json
