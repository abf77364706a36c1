"""The ``CalculationStore`` contract, on every provider implementing it (``store_fixture``):
the payroll sample's register filled through the interface (documents created and posted over
HTTP, in-process), every virtual table compared with numbers computed by hand.

Calendar: the five-day schedule of 2024 (Monday to Friday, 1 day = 8 hours). Working days:
January 23 (Jan 1 is a Monday), February 21 (Feb 1 is a Thursday; 29 days), Jan 10-31: 16
(Jan 1-5 and Jan 8-9 are the 7 before), Jan 15-19: 5, Feb 26-29: 4 (Mon-Thu), Mar 1-8: 6.

January document J: Ann salary (month), Ann vacation Jan 15-19, Bob salary, Cid salary from
Jan 10 (hired). February document F: Ann salary, Bob salary, Bob vacation Feb 26 - Mar 8,
bonuses for Ann and Bob (base: salary + vacation of the month before).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from webob import Request

from infobase_odata import build_model
from infobase_odata.configuration import load_configuration
from infobase_odata.kinds.chart_of_calculation_types import ensure_predefined, predefined_ref
from infobase_odata.middleware import ODataMiddleware

from infobase_odata.stores import CalculationStore

from .conftest import dispose, make_provider, store_fixture

PAYROLL = Path(__file__).resolve().parents[2] / "samples" / "payroll"
ROOT = "/payroll/odata/standard.odata/"
AUTH = "Basic " + base64.b64encode(b"admin:admin").decode()
SCHEDULE = "dddddddd-0000-0000-0000-000000000001"
ANN, BOB, CID = (f"eeeeeeee-0000-0000-0000-00000000000{i}" for i in (1, 2, 3))
J, F = "ffffffff-0000-0000-0000-000000000001", "ffffffff-0000-0000-0000-000000000002"
WHO = {ANN: "Ann", BOB: "Bob", CID: "Cid"}


@pytest.fixture(scope="module")
def payroll_model():
    return build_model(load_configuration(PAYROLL))


provider = store_fixture(CalculationStore, "payroll_model")


@pytest.fixture
def payroll(provider, payroll_model):
    model = payroll_model
    if hasattr(provider, "create_schema"):
        provider.create_schema()
    ensure_predefined(provider, model)
    provider.create(model.entity_set("Catalog_WorkSchedules"), {"Ref_Key": SCHEDULE, "Description": "5/2"})
    days = []
    day = dt.date(2024, 1, 1)
    while day < dt.date(2024, 4, 1):
        working = day.weekday() < 5
        days.append({"Schedule_Key": SCHEDULE, "Date": dt.datetime(day.year, day.month, day.day),
                     "Days": int(working), "Hours": Decimal(8 * working)})
        day += dt.timedelta(days=1)
    provider.bulk_insert(model.entity_set("InformationRegister_WorkSchedule"), days)
    for ref, name in WHO.items():
        provider.create(model.entity_set("Catalog_Employees"),
                        {"Ref_Key": ref, "Description": name, "Schedule_Key": SCHEDULE})
    app = ODataMiddleware(None, PAYROLL, provider=provider, prefix="payroll")
    chart = model.configuration.object("ChartOfCalculationTypes_Accruals")
    types = {n: predefined_ref(chart, n) for n in ("Salary", "Vacation", "Bonus")}
    service = Service(app, types)
    service.document(J, "2024-01-01", [(ANN, "Salary", None, None, 23000), (ANN, "Vacation", "2024-01-15", "2024-01-19", 5000),
                                       (BOB, "Salary", None, None, 30000), (CID, "Salary", "2024-01-10", None, 16000)])
    service.document(F, "2024-02-01", [(ANN, "Salary", None, None, 21000), (BOB, "Salary", None, None, 30000),
                                       (BOB, "Vacation", "2024-02-26", "2024-03-08", 10000),
                                       (ANN, "Bonus", None, None, 0), (BOB, "Bonus", None, None, 0)])
    service.post(J)
    service.post(F)
    return service


class Service:
    def __init__(self, app, types: dict[str, str]) -> None:
        self.app, self.types = app, types
        self.type_names = {v: k for k, v in types.items()}

    def send(self, method: str, url: str, body: dict | None = None):
        request = Request.blank(ROOT + url, method=method, headers={"Authorization": AUTH})
        if body is not None:
            request.body = json.dumps(body).encode()
            request.content_type = "application/json"
        return request.get_response(self.app)

    def document(self, ref: str, month: str, lines: list) -> None:
        rows = [{"LineNumber": i, "Employee_Key": who, "CalculationType_Key": self.types[kind],
                 "BegOfPeriod": f"{beg}T00:00:00" if beg else "0001-01-01T00:00:00",
                 "EndOfPeriod": f"{end}T00:00:00" if end else "0001-01-01T00:00:00", "Result": result}
                for i, (who, kind, beg, end, result) in enumerate(lines, 1)]
        response = self.send("POST", "Document_MonthlyAccruals?$format=json",
                             {"Ref_Key": ref, "Date": f"{month}T12:00:00", "Month": f"{month}T00:00:00",
                              "Accruals": rows})
        assert response.status_int == 201, response.body

    def post(self, ref: str, action: str = "Post") -> None:
        response = self.send("POST", f"Document_MonthlyAccruals(guid'{ref}')/{action}")
        assert response.status_int == 200, response.body

    def rows(self, url: str) -> list[dict]:
        response = self.send("GET", url + ("&" if "?" in url else "?") + "$format=json")
        assert response.status_int == 200, response.body
        return json.loads(response.body)["value"]

    def who(self, row: dict) -> tuple:
        return WHO[row["Employee_Key"]], self.type_names[row["CalculationType_Key"]]


def _day(text: str) -> str:
    return text[:10]


def test_actual_action_period_after_displacement(payroll):
    rows = payroll.rows("CalculationRegister_Accruals/ActualActionPeriod()")
    got = sorted((r["Recorder_Key"] == J, *payroll.who(r), _day(r["BegOfActionPeriod"]), _day(r["EndOfActionPeriod"]))
                 for r in rows)
    assert got == sorted([
        (True, "Ann", "Salary", "2024-01-01", "2024-01-14"), (True, "Ann", "Salary", "2024-01-20", "2024-01-31"),
        (True, "Ann", "Vacation", "2024-01-15", "2024-01-19"), (True, "Bob", "Salary", "2024-01-01", "2024-01-31"),
        (True, "Cid", "Salary", "2024-01-10", "2024-01-31"),
        (False, "Ann", "Salary", "2024-02-01", "2024-02-29"), (False, "Bob", "Salary", "2024-02-01", "2024-02-25"),
        (False, "Bob", "Vacation", "2024-02-26", "2024-03-08"), (False, "Ann", "Bonus", "2024-02-01", "2024-02-29"),
        (False, "Bob", "Bonus", "2024-02-01", "2024-02-29")])
    only_ann = payroll.rows(f"CalculationRegister_Accruals/ActualActionPeriod(Condition='Employee_Key eq guid''{ANN}''')")
    assert {payroll.who(r)[0] for r in only_ann} == {"Ann"} and len(only_ann) == 5


def test_schedule_data_for_whole_and_partial_months(payroll):
    rows = payroll.rows("CalculationRegister_Accruals/ScheduleData()")
    got = {(r["Recorder_Key"] == J, *payroll.who(r)): (r["DaysActionPeriod"], r["DaysActualActionPeriod"],
                                                         r["DaysRegistrationPeriod"], r["DaysBasePeriod"])
           for r in rows}
    assert got == {
        (True, "Ann", "Salary"): (23, 18, 23, 23), (True, "Ann", "Vacation"): (5, 5, 23, 5),
        (True, "Bob", "Salary"): (23, 23, 23, 23), (True, "Cid", "Salary"): (16, 16, 23, 16),
        (False, "Ann", "Salary"): (21, 21, 21, 21), (False, "Bob", "Salary"): (21, 17, 21, 21),
        (False, "Bob", "Vacation"): (10, 10, 21, 10),
        (False, "Ann", "Bonus"): (21, 21, 21, 23), (False, "Bob", "Bonus"): (21, 21, 21, 23)}
    assert all(r["HoursActualActionPeriod"] == 8 * r["DaysActualActionPeriod"] for r in rows)
    # python-1c-odata's spelling and a filter on the result
    alias = payroll.rows("CalculationRegister_Accruals/ScheduledData()?$filter=DaysActualActionPeriod lt 18")
    assert sorted(payroll.who(r) for r in alias) == [("Ann", "Vacation"), ("Bob", "Salary"), ("Bob", "Vacation"),
                                                     ("Cid", "Salary")]


def _bases(payroll, url: str) -> dict:
    return {(r["Recorder_Key"] == J, *payroll.who(r)): r["ResultBase"] for r in payroll.rows(url)}


def test_base_of_the_bonus(payroll):
    bases = _bases(payroll, "CalculationRegister_Accruals/BaseAccruals()")
    assert bases[(False, "Ann", "Bonus")] == 28000  # January: salary 23000 + vacation 5000
    assert bases[(False, "Bob", "Bonus")] == 30000  # January salary only (his vacation is February's)
    assert {k: v for k, v in bases.items() if v} == {(False, "Ann", "Bonus"): 28000, (False, "Bob", "Bonus"): 30000}
    assert len(bases) == 9
    same = _bases(payroll, "CalculationRegister_Accruals/Base(MainRegisterDimensions='Employee',"
                           "BaseRegisterDimensions='Employee')")
    assert same == bases
    points = payroll.rows("CalculationRegister_Accruals/BaseAccruals(ViewPoints='Employee')?$filter=ResultBase gt 0")
    assert sorted((payroll.who(r)[0], WHO[r["EmployeeViewPoint_Key"]], r["ResultBase"]) for r in points) == [
        ("Ann", "Ann", 28000), ("Bob", "Bob", 30000)]
    # Without dimension pairs every employee's base records count: 23000 + 5000 + 30000 + 16000
    everyone = _bases(payroll, "CalculationRegister_Accruals/BaseAccruals(MainRegisterDimensions='',"
                               "BaseRegisterDimensions='')")
    assert everyone[(False, "Ann", "Bonus")] == everyone[(False, "Bob", "Bonus")] == 74000


def test_recalculation_after_a_base_record_changes(payroll):
    assert payroll.rows("CalculationRegister_Accruals/Recalc()") == []
    lines = payroll.rows(f"Document_MonthlyAccruals_Accruals?$filter=Ref_Key eq guid'{J}'")
    lines[0]["Result"] = 24000  # Ann's January salary
    response = payroll.send("PATCH", f"Document_MonthlyAccruals(guid'{J}')?$format=json",
                            {"Accruals": [{k: v for k, v in line.items() if k != "Ref_Key"} for line in lines]})
    assert response.status_int == 200, response.body
    payroll.post(J)
    listed = payroll.rows("CalculationRegister_Accruals/Recalc()")
    assert listed == [{"RecalculationObject_Key": F, "CalculationType_Key": payroll.types["Bonus"], "Employee_Key": ANN}]
    assert payroll.rows("CalculationRegister_Accruals/Recalculation()") == listed
    assert _bases(payroll, "CalculationRegister_Accruals/BaseAccruals()")[(False, "Ann", "Bonus")] == 29000
    payroll.post(F)  # recalculated: off the list
    assert payroll.rows("CalculationRegister_Accruals/Recalc()") == []
    payroll.post(J, "Unpost")  # every January record changes: both bonuses depend on them
    listed = payroll.rows("CalculationRegister_Accruals/Recalc()?$orderby=Employee_Key")
    assert [(r["RecalculationObject_Key"], WHO[r["Employee_Key"]]) for r in listed] == [(F, "Ann"), (F, "Bob")]
    assert _bases(payroll, "CalculationRegister_Accruals/BaseAccruals()")[(False, "Ann", "Bonus")] == 0


def test_record_sets_keyed_by_recorder(payroll):
    response = payroll.send("GET", f"CalculationRegister_Accruals(guid'{J}')?$format=json")
    assert response.status_int == 200
    records = json.loads(response.body)["RecordSet"]
    assert [(WHO[r["Employee_Key"]], r["Result"]) for r in records] == [("Ann", 23000), ("Ann", 5000),
                                                                        ("Bob", 30000), ("Cid", 16000)]
    assert records[3]["RegistrationPeriod"] == "2024-01-01T00:00:00"
    assert records[3]["BegOfActionPeriod"] == "2024-01-10T00:00:00"
    records[3]["Result"] = 17000
    response = payroll.send("PATCH", f"CalculationRegister_Accruals(guid'{J}')?$format=json", {"RecordSet": records})
    assert response.status_int == 200, response.body
    stored = payroll.rows(f"CalculationRegister_Accruals_RecordType?$filter=Recorder_Key eq guid'{J}' and LineNumber eq 4")
    assert stored[0]["Result"] == 17000
    assert payroll.rows("CalculationRegister_Accruals/Recalc()") == []  # Cid has no bonus


@pytest.mark.parametrize("url,status,code", [
    ("CalculationRegister_Accruals/Balance()", 400, 6),
    ("CalculationRegister_Accruals/ActualActionPeriod(Period=datetime'2024-01-01T00:00:00')", 501, 0),
    ("CalculationRegister_Accruals/BaseAccruals(MainRegisterDimensions='Nope')", 400, None),
    ("CalculationRegister_Accruals/BaseAccruals(MainRegisterDimensions='Employee')", 400, None),
    ("CalculationRegister_Accruals/ActualActionPeriod(Condition='Nope eq 1')", 400, None),
    ("CalculationRegister_Accruals/ActualActionPeriod()/Extra", 400, 6),
    ("CalculationRegister_Accruals/ActualActionPeriod(Condition='", 400, 6),
    ("CalculationRegister_Accruals/ActualActionPeriod(Condition=1)", 400, 14),
    ("CalculationRegister_Accruals/BaseAccruals(ViewPoints='Nope')", 400, 14),
    ("CalculationRegister_Accruals/Recalc(Condition='Active eq true')", 501, 0),
    ("CalculationRegister_Accruals/ScheduleData()?$filter=Nope eq 1", 400, 14),
])
def test_bad_calls_are_odata_errors(payroll, url, status, code):
    response = payroll.send("GET", url + ("&" if "?" in url else "?") + "$format=json")
    assert response.status_int == status, response.body
    error = json.loads(response.body)["odata.error"]
    assert code is None or error["code"] == str(code)


def test_a_provider_without_the_calculation_store_answers_501(payroll_model, tmp_path):
    from infobase_odata.providers.jsonfile import JSONFileProvider

    app = ODataMiddleware(None, PAYROLL, provider=JSONFileProvider(payroll_model, tmp_path / "p.json"),
                          prefix="payroll")
    response = Service(app, {}).send("GET", "CalculationRegister_Accruals/ActualActionPeriod()?$format=json")
    assert response.status_int == 501, response.body
    assert json.loads(response.body)["odata.error"]["code"] == "0"


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_sql_store_agrees_with_the_memory_reference_on_the_sample(payroll_model, tmp_path, request, engine):
    """The sample's seed (20 employees, 6 months, vacations and bonuses) on memory and on SQL:
    every virtual table gives the same rows (recorders and employees compared by month and name)."""
    from infobase_odata.store import load_seed

    seed = load_seed(PAYROLL)
    apps = []
    for kind in ("memory", engine):
        (tmp_path / kind).mkdir()
        provider = make_provider(kind, payroll_model, tmp_path / kind,
                                 pg=request.getfixturevalue("pg_server") if kind == "postgresql" else None)
        if hasattr(provider, "create_schema"):
            provider.create_schema()
        request.addfinalizer(lambda p=provider: dispose(p))
        seed(provider, payroll_model, employees=20, months=6)
        apps.append(Service(ODataMiddleware(None, PAYROLL, provider=provider, prefix="payroll"), {}))

    def names(service) -> dict:
        found = {r["Ref_Key"]: r["Description"] for r in service.rows("Catalog_Employees")}
        found.update({r["Ref_Key"]: r["Month"] for r in service.rows("Document_MonthlyAccruals")})
        return found

    def table(service, url: str) -> list:
        known = names(service)
        return sorted(json.dumps({k: known.get(v, v) for k, v in row.items()}, sort_keys=True)
                      for row in service.rows(url))

    for url in ("ActualActionPeriod()", "ScheduleData()", "BaseAccruals()", "BaseAccruals(ViewPoints='Employee')",
                "BaseAccruals(MainRegisterDimensions='',BaseRegisterDimensions='')", "Recalc()",
                "ScheduleData()?$filter=DaysActualActionPeriod lt DaysActionPeriod"):
        memory, sql = (table(service, f"CalculationRegister_Accruals/{url}") for service in apps)
        assert memory == sql, url
        assert memory or url == "Recalc()"
