"""python-1c-odata reads the accounting sample over HTTP: record sets of
``AccountingRegister_Main`` (through ``AccountingRegister.query``/``get``), ``Balance`` and
``Turnovers`` (called as the client calls them for accumulation registers: Period /
StartPeriod / EndPeriod / Condition). The test sums the entries it read and compares the virtual
tables with them."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections import defaultdict
from decimal import Decimal

import pytest
from python_1c_odata import AccountingRegister, ChartOfAccounts, Infobase

from tests.integration.conftest import free_port, server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def accounting_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("accounting")
    port = free_port()
    root = f"http://127.0.0.1:{port}/accounting/odata/standard.odata/"
    command = [sys.executable, "-m", "infobase_odata", "serve", "samples/accounting", "--db",
               str(folder / "accounting.db"), "--port", str(port), "--quiet"]
    with server(command, root, folder / "server.log"):
        yield f"http://127.0.0.1:{port}"


def number(value) -> Decimal:
    return Decimal(str(value))


def test_record_sets_balance_and_turnovers(accounting_server):
    async def scenario():
        async with Infobase(accounting_server, "accounting", "admin", "admin") as infobase:
            codes = {a["Ref_Key"]: a["Code"] for a in (await ChartOfAccounts(infobase, "Main").query()).value}
            register = AccountingRegister(infobase, "Main")
            sets = (await register.query()).value
            entries = [entry for record_set in sets for entry in record_set["RecordSet"]]
            assert len(entries) > 300 and all(e["Active"] for e in entries)
            one = sets[5]
            again = await register.get({"Recorder": one["Recorder"], "Recorder_Type": one["Recorder_Type"]})
            assert again["RecordSet"] == one["RecordSet"]
            assert any(e["ExtDimensionDr1_Type"] == "StandardODATA.Catalog_Goods" for e in entries)

            at = dt.datetime(2024, 4, 1)
            expected = defaultdict(Decimal)
            for e in entries:
                if dt.datetime.fromisoformat(e["Period"]) < at:
                    expected[codes[e["AccountDr_Key"]]] += number(e["Amount"])
                    expected[codes[e["AccountCr_Key"]]] -= number(e["Amount"])
            got = defaultdict(Decimal)
            for row in (await register.balance(at))["value"]:
                got[codes[row["Account_Key"]]] += number(row["AmountBalance"])
            assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}

            start, end = dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 31, 23, 59, 59)
            debit = defaultdict(Decimal)
            for e in entries:
                if start <= dt.datetime.fromisoformat(e["Period"]) <= end and codes[e["AccountDr_Key"]] == "62":
                    debit[e["ExtDimensionDr1"]] += number(e["Amount"])
            customers = next(k for k, c in codes.items() if c == "62")
            rows = (await register.turnovers(start, end, f"Account_Key eq guid'{customers}'"))["value"]
            got = defaultdict(Decimal)  # rows per customer and department
            for r in rows:
                got[r["ExtDimension1"]] += number(r["AmountTurnoverDr"])
            assert {k: v for k, v in got.items() if v} == dict(debit)
            assert debit
        return True

    assert asyncio.run(scenario())
