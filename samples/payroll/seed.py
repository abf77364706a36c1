"""Seed of the payroll sample: the predefined calculation types, a five-day work schedule for
2024, employees and one posted MonthlyAccruals document per month (salary for everyone, a
week of vacation for every third employee, a bonus on last month's accruals for every fifth)::

    infobase-odata serve samples/payroll --seed-option employees=50,months=6
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

from infobase_odata.events import POSTING, Event, Movements
from infobase_odata.kinds.chart_of_calculation_types import ensure_predefined, predefined_ref

SCHEDULE = "dddddddd-0000-0000-0000-000000000001"


def _handlers():
    name = "_infobase_payroll_handlers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("handlers.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


def work_days(year: int) -> list[dict]:
    """Monday to Friday: 1 day of 8 hours; weekends 0."""
    day, rows = dt.date(year, 1, 1), []
    while day.year == year:
        working = day.weekday() < 5
        rows.append({"Schedule_Key": SCHEDULE, "Date": dt.datetime(day.year, day.month, day.day),
                     "Days": 1 if working else 0, "Hours": Decimal(8 if working else 0)})
        day += dt.timedelta(days=1)
    return rows


def post(provider, model, document: dict) -> None:
    """What ``POST Document_MonthlyAccruals(…)/Post`` does, without HTTP."""
    documents = model.entity_set("Document_MonthlyAccruals")
    register = model.entity_set("CalculationRegister_Accruals")
    with provider.transaction():
        event = Event(POSTING, documents, document, provider=provider)
        event.record_sets = {register.name: Movements(register.name)}
        _handlers().post_accruals(event)
        provider.write_record_set(register, {"Recorder_Key": document["Ref_Key"]},
                                  event.record_sets[register.name])
        provider.update(documents, {"Ref_Key": document["Ref_Key"]}, {"Posted": True})


def seed(provider, model, *, employees: int = 12, months: int = 3, progress=None) -> dict[str, int]:
    ensure_predefined(provider, model)
    chart = model.configuration.object("ChartOfCalculationTypes_Accruals")
    salary, vacation, bonus = (predefined_ref(chart, n) for n in ("Salary", "Vacation", "Bonus"))
    provider.create(model.entity_set("Catalog_WorkSchedules"),
                    {"Ref_Key": SCHEDULE, "Description": "Five-day week", "Code": "001"})
    provider.bulk_insert(model.entity_set("InformationRegister_WorkSchedule"), work_days(2024))
    people = model.entity_set("Catalog_Employees")
    refs = [provider.create(people, {"Description": f"Employee {i:03d}", "Schedule_Key": SCHEDULE})["Ref_Key"]
            for i in range(1, employees + 1)]
    documents = model.entity_set("Document_MonthlyAccruals")
    for month in range(1, months + 1):
        lines = []
        for i, ref in enumerate(refs):
            lines.append({"Employee_Key": ref, "CalculationType_Key": salary, "Rate": Decimal(50000 + 1000 * i),
                          "Result": Decimal(50000 + 1000 * i)})
            if i % 3 == month % 3:
                start = dt.datetime(2024, month, 8)
                lines.append({"Employee_Key": ref, "CalculationType_Key": vacation, "BegOfPeriod": start,
                              "EndOfPeriod": start + dt.timedelta(days=6), "Result": Decimal(9000)})
            if month > 1 and i % 5 == 0:
                lines.append({"Employee_Key": ref, "CalculationType_Key": bonus, "Rate": Decimal("0.1")})
        document = provider.create(documents, {"Date": dt.datetime(2024, month, 28), "Month": dt.datetime(2024, month, 1),
                                               "Accruals": lines})
        post(provider, model, document)
        if progress:
            progress("Document_MonthlyAccruals", month, months)
    return {"Catalog_Employees": employees, "Document_MonthlyAccruals": months}
