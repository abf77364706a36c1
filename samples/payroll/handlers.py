"""Posting of the payroll sample: a MonthlyAccruals document records its lines in the
calculation register Accruals (registration period: the document's month)::

    POST Document_MonthlyAccruals(guid'…')/Post

Each line gives the employee, the calculation type, its action period (BegOfPeriod..EndOfPeriod,
the whole month when empty), the rate and the result (the employee's work schedule is copied to the record); a line with base types (Bonus) takes the
month before as its base period, the others their action period.
"""

from __future__ import annotations

import datetime as dt

from infobase_odata.events import EventHandlers

events = EventHandlers()
EMPTY = dt.datetime(1, 1, 1)


def month_bounds(value: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(value.year, value.month, 1)
    following = dt.datetime(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


@events.posting("Document_MonthlyAccruals")
def post_accruals(event) -> None:
    document = event.object
    month, month_end = month_bounds(document.get("Month") or document["Date"])
    chart = event.provider.model.entity_set("ChartOfCalculationTypes_Accruals")
    keys = {line["CalculationType_Key"] for line in document.get("Accruals") or ()}
    with_base = {row["Ref_Key"] for row in event.provider.get_many(chart, [{"Ref_Key": k} for k in keys])
                 if row.get("BaseCalculationTypes")}
    employees = event.provider.model.entity_set("Catalog_Employees")
    people = {line["Employee_Key"] for line in document.get("Accruals") or ()}
    schedules = {row["Ref_Key"]: row.get("Schedule_Key")
                 for row in event.provider.get_many(employees, [{"Ref_Key": k} for k in people])}
    accruals = event.movements("CalculationRegister_Accruals")
    for line in document.get("Accruals") or ():
        begin = line.get("BegOfPeriod") if line.get("BegOfPeriod", EMPTY) > EMPTY else month
        end = line.get("EndOfPeriod") if line.get("EndOfPeriod", EMPTY) > EMPTY else month_end
        base = month_bounds(month - dt.timedelta(days=1)) if line["CalculationType_Key"] in with_base \
            else (begin, end)
        accruals.add(RegistrationPeriod=month, CalculationType_Key=line["CalculationType_Key"],
                     ActionPeriod=month_bounds(begin)[0], BegOfActionPeriod=begin, EndOfActionPeriod=end,
                     BegOfBasePeriod=base[0], EndOfBasePeriod=base[1], Employee_Key=line["Employee_Key"],
                     Rate=line.get("Rate"), Result=line.get("Result"),
                     Schedule_Key=schedules.get(line["Employee_Key"]))
