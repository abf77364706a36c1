"""python-1c-odata's ``CalculationRegister`` reads the payroll sample's virtual tables from a
real server process (``infobase-odata serve samples/payroll``): its spellings
``ScheduledData(...)``, ``Base(...)`` and ``Recalculation(...)`` included. The seed (12
employees, January to March) gives every employee a salary per month, a week of vacation
(8th to 14th) to every third and a bonus on last month's accruals to every fifth."""

from __future__ import annotations

import asyncio
import sys

import pytest
from python_1c_odata import CalculationRegister, Document, Infobase

from tests.integration.conftest import free_port, server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def payroll_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("payroll")
    port = free_port()
    root = f"http://127.0.0.1:{port}/payroll/odata/standard.odata/"
    command = [sys.executable, "-m", "infobase_odata", "serve", "samples/payroll", "--db", str(folder / "p.db"),
               "--port", str(port), "--quiet"]
    with server(command, root, folder / "server.log"):
        yield f"http://127.0.0.1:{port}"


def test_calculation_register_virtual_tables(payroll_server):
    async def scenario():
        async with Infobase(payroll_server, "payroll", "admin", "admin") as infobase:
            accruals = CalculationRegister(infobase, "Accruals")
            records = (await infobase.get("CalculationRegister_Accruals_RecordType"))["value"]
            assert len(records) == 12 * 3 + 12 + 2 * 3  # salaries, vacations (4 a month), bonuses (3, Feb + Mar)
            actual = (await accruals.actual_action_period())["value"]
            # a salary with a vacation inside its month is split in two: 12 of the 36 salaries
            assert len(actual) == len(records) + 12
            split = [r for r in actual if r["BegOfActionPeriod"].endswith("-15T00:00:00")]
            assert len(split) == 12 and all(r["EndOfActionPeriod"][8:10] in ("31", "29") for r in split)
            schedule = (await accruals.schedule_data("Active eq true"))["value"]
            january = {r["DaysActualActionPeriod"] for r in schedule
                       if r["RegistrationPeriod"].startswith("2024-01") and r["DaysActionPeriod"] == 23}
            assert january == {23, 18}  # whole month; minus Jan 8-12 (5 working days) of vacation
            bases = (await accruals.base(main_register_dimensions="Employee",
                                         base_register_dimensions="Employee"))["value"]
            bonuses = sorted(r["ResultBase"] for r in bases if r["ResultBase"])
            # employees 0, 5, 10 (salaries 50000 + 1000 i); vacation 9000 in months where i % 3 == month % 3
            assert bonuses == sorted([50000, 55000 + 9000, 60000, 50000, 55000, 60000 + 9000])
            assert (await accruals.recalculation())["value"] == []
            documents = Document(infobase, "MonthlyAccruals")
            january_doc = (await documents.query(odata_filter="Month eq datetime'2024-01-01T00:00:00'")).value[0]
            await documents.unpost(january_doc["Ref_Key"])
            listed = (await accruals.recalculation())["value"]
            assert len(listed) == 3 and {r["RecalculationObject_Key"] for r in listed} != {january_doc["Ref_Key"]}
        return True

    assert asyncio.run(scenario())
