"""Calculation-register virtual tables over 100,000 records, in-process (webob ``Request.blank``),
next to a raw ``sqlite3`` + ``json`` WSGI app answering the same questions from the same file.

    python benchmarks/calculations.py                  # builds benchmarks/var/calculations.db
    python benchmarks/calculations.py --repeat 10 --records 100000

The payroll sample's ``CalculationRegister_Accruals`` gets a salary per employee and month
(5,000 employees, January to December 2024), a week of vacation (displacing the salary) for
about 4 in 10 of them and a bonus (base: last month's salary and vacation) for the rest, until
``--records`` records. Timed: ``ActualActionPeriod`` and ``BaseAccruals`` for the whole register
and for one employee (``Condition``). The raw app runs the same SQL join (and, for
ActualActionPeriod, the same interval subtraction in Python) and dumps the rows with ``json``:
it is the floor for what our interface adds (parameters, the model's codec, JSON writer).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote

from webob import Request

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from infobase_odata import build_model  # noqa: E402
from infobase_odata.calculations import subtract  # noqa: E402
from infobase_odata.configuration import Configuration  # noqa: E402
from infobase_odata.kinds.chart_of_calculation_types import ensure_predefined, predefined_ref  # noqa: E402
from infobase_odata.providers.sqlite import SQLiteProvider  # noqa: E402
from infobase_odata.service import ODataService  # noqa: E402
from registers import fresh_provider  # noqa: E402  (benchmarks/registers.py)
from infobase_odata.values import complete_row  # noqa: E402

RECORDS = "CalculationRegister_Accruals_RecordType"


def configuration() -> Configuration:
    data = json.loads((HERE.parent / "samples" / "payroll" / "configuration.json").read_text(encoding="utf-8"))
    for key in ("users", "roles", "handlers"):
        data.pop(key, None)  # authentication off: the figures are the register work
    return Configuration.from_dict(data)


def month_end(year: int, month: int) -> dt.datetime:
    return dt.datetime(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def fill(provider: SQLiteProvider, model, count: int, rng: random.Random) -> list[str]:
    chart = model.configuration.object("ChartOfCalculationTypes_Accruals")
    salary, vacation, bonus = (predefined_ref(chart, n) for n in ("Salary", "Vacation", "Bonus"))
    employees = [f"{i:08x}-0000-1000-8000-00000000e000" for i in range(5000)]
    info = provider._info[RECORDS]
    props = model.entity_set(RECORDS).entity_type.properties
    batch, written = [], 0
    for month in range(1, 13):
        start, end = dt.datetime(2024, month, 1), month_end(2024, month)
        previous = (dt.datetime(2024, month - 1, 1), month_end(2024, month - 1)) if month > 1 else (start, end)
        recorder = f"{month:08x}-0000-1000-8000-0000000d0c00"
        line = 0
        for who in employees:
            rows = [(salary, start, end, start, end, 50000)]
            if rng.random() < 0.4:
                day = start + dt.timedelta(days=rng.randint(0, 20))
                rows.append((vacation, day, day + dt.timedelta(days=6), day, day + dt.timedelta(days=6), 9000))
            else:
                rows.append((bonus, start, end, *previous, 0))
            for kind, beg, fin, base_beg, base_end, result in rows:
                if written >= count:
                    break
                line += 1
                written += 1
                batch.append(info.codec.encode_tuple(complete_row(props, {
                    "Recorder_Key": recorder, "LineNumber": line, "Active": True, "RegistrationPeriod": start,
                    "CalculationType_Key": kind, "ActionPeriod": start, "BegOfActionPeriod": beg,
                    "EndOfActionPeriod": fin, "BegOfBasePeriod": base_beg, "EndOfBasePeriod": base_end,
                    "ReversingEntry": False, "Employee_Key": who, "Result": result})))
    with provider.transaction():
        provider.link.run_many(info.insert, batch)
    return employees


class RawApp:
    """The baseline: ``sqlite3`` + ``json``; the same joins over the same tables."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False)

    def actual(self, employee: str | None) -> list[dict]:
        where, params = ('AND t0."Employee_Key" = ?', [employee]) if employee else ("", [])
        targets = self.conn.execute(
            f'SELECT "Recorder_Key", "LineNumber", "RegistrationPeriod", "CalculationType_Key", "ActionPeriod", '
            f'"BegOfActionPeriod", "EndOfActionPeriod", "Employee_Key" FROM "{RECORDS}" AS t0 '
            f'WHERE t0."Active" = 1 {where}', params).fetchall()
        cuts: dict[tuple, list] = {}
        for recorder, line, beg, end in self.conn.execute(
                f'SELECT t0."Recorder_Key", t0."LineNumber", y."BegOfActionPeriod", y."EndOfActionPeriod" '
                f'FROM "{RECORDS}" AS t0 JOIN "ChartOfCalculationTypes_Accruals_DisplacingCalculationTypes" AS d '
                f'ON d."Ref_Key" = t0."CalculationType_Key" JOIN "{RECORDS}" AS y '
                f'ON y."CalculationType_Key" = d."CalculationType_Key" AND y."Employee_Key" = t0."Employee_Key" '
                f'AND y."Active" = 1 AND substr(y."BegOfActionPeriod", 1, 10) <= substr(t0."EndOfActionPeriod", 1, 10) '
                f'AND substr(y."EndOfActionPeriod", 1, 10) >= substr(t0."BegOfActionPeriod", 1, 10) '
                f'WHERE t0."Active" = 1 {where}', params):
            cuts.setdefault((recorder, line), []).append((dt.date.fromisoformat(beg[:10]),
                                                          dt.date.fromisoformat(end[:10])))
        out = []
        for recorder, line, reg, kind, action, beg, end, who in targets:
            interval = (dt.date.fromisoformat(beg[:10]), dt.date.fromisoformat(end[:10]))
            for low, high in subtract(interval, cuts.get((recorder, line), ())):
                out.append({"Recorder_Key": recorder, "LineNumber": line, "RegistrationPeriod": reg,
                            "CalculationType_Key": kind, "ActionPeriod": action,
                            "BegOfActionPeriod": f"{low.isoformat()}T00:00:00",
                            "EndOfActionPeriod": f"{high.isoformat()}T00:00:00", "Employee_Key": who})
        return out

    def base(self, employee: str | None) -> list[dict]:
        where, params = ('AND t0."Employee_Key" = ?', [employee]) if employee else ("", [])
        cursor = self.conn.execute(
            f'SELECT t0.*, COALESCE(SUM(b."Result"), 0) FROM "{RECORDS}" AS t0 '
            f'LEFT JOIN "ChartOfCalculationTypes_Accruals_BaseCalculationTypes" AS bt '
            f'ON bt."Ref_Key" = t0."CalculationType_Key" LEFT JOIN "{RECORDS}" AS b '
            f'ON b."CalculationType_Key" = bt."CalculationType_Key" AND b."Active" = 1 '
            f'AND b."Employee_Key" = t0."Employee_Key" '
            f'AND b."RegistrationPeriod" >= substr(t0."BegOfBasePeriod", 1, 10) '
            f"AND b.\"RegistrationPeriod\" <= substr(t0.\"EndOfBasePeriod\", 1, 10) || 'T23:59:59' "
            f'WHERE t0."Active" = 1 {where} GROUP BY t0."_id"', params)
        names = [c[0] for c in cursor.description[1:-1]] + ["ResultBase"]
        return [dict(zip(names, values[1:])) for values in cursor.fetchall()]

    def __call__(self, environ, start_response):
        path = unquote(environ["PATH_INFO"])
        query = parse_qs(environ.get("QUERY_STRING", ""))
        employee = query.get("employee", [None])[0]
        rows = self.actual(employee) if "ActualActionPeriod" in path else self.base(employee)
        body = json.dumps({"value": rows}, ensure_ascii=False).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def timed(app, path: str, repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = Request.blank(path).get_response(app)
        body = response.body
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, body[:300]
        rows = len(json.loads(body)["value"])
    return statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--db", default=str(HERE / "var" / "calculations.db"))
    args = parser.parse_args()
    conf = configuration()
    model = build_model(conf)
    provider = fresh_provider(model, args.db)
    ensure_predefined(provider, model)
    built = time.perf_counter()
    employees = fill(provider, model, args.records, random.Random(2024))
    print(f"built {args.records:,} records in {time.perf_counter() - built:.1f} s", file=sys.stderr)
    ours, raw = ODataService(conf, provider), RawApp(args.db)
    one = employees[7]
    condition = f"(Condition='Employee_Key eq guid''{one}''')"
    cases = [("ActualActionPeriod, whole register", "ActualActionPeriod()?$format=json", ""),
             ("ActualActionPeriod, one employee", f"ActualActionPeriod{condition}?$format=json", f"?employee={one}"),
             ("BaseAccruals, whole register", "BaseAccruals()?$format=json", ""),
             ("BaseAccruals, one employee", f"BaseAccruals{condition}?$format=json", f"?employee={one}")]
    print(f"| virtual table ({args.records:,} records) | rows | ours median ms | raw sqlite3 median ms | ours/raw |")
    print("|---|---:|---:|---:|---:|")
    for name, url, raw_query in cases:
        function = url.split("(")[0]
        for app, path in ((ours, f"/CalculationRegister_Accruals/{url}"), (raw, f"/{function}{raw_query}")):
            Request.blank(path).get_response(app)  # warm-up
        ours_ms, rows = timed(ours, f"/CalculationRegister_Accruals/{url}", args.repeat)
        raw_ms, raw_rows = timed(raw, f"/{function}{raw_query}", args.repeat)
        assert rows == raw_rows, (name, rows, raw_rows)
        print(f"| {name} | {rows:,} | {ours_ms:.1f} | {raw_ms:.1f} | {ours_ms / raw_ms:.1f} |")


if __name__ == "__main__":
    main()
