"""Accounting-register virtual tables on a large register, in-process (webob ``Request.blank``).

    python benchmarks/accounting.py                      # 100,000 then 1,000,000 entries
    python benchmarks/accounting.py --entries 200000 --repeat 10

``AccountingRegister_Main`` of ``samples/accounting`` gets entries over 24 months
(2023-01 .. 2024-12) between its accounts, with ext dimensions from 1,000 goods, 3 warehouses and
200 counterparties; the last month always holds the same 4,000 entries, so the growth is all
*before* it. Timed: the trial balance ``Balance(Period=2024-12-15, ExtraDimensions='',
Dimensions='')`` with the monthly totals (one month of totals + that month's lines) and without
(a SUM over every line), and ``Turnovers`` over December 2024. The baseline, measured in the same
run on the same file: a plain WSGI app on ``sqlite3`` + ``json`` answering the same two
questions with one GROUP BY over the entries' lines (no totals). Entries are written with
``provider.accounting.insert_entries`` and the totals rebuilt in one pass.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl


HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from infobase_odata import build_model  # noqa: E402
from infobase_odata.accounting import predefined_key  # noqa: E402
from infobase_odata.configuration import Configuration  # noqa: E402
from infobase_odata.kinds.chart_of_accounts import create_predefined  # noqa: E402
from infobase_odata.providers.sqlite import SQLiteProvider  # noqa: E402
from infobase_odata.service import ODataService  # noqa: E402
from registers import fresh_provider, timed  # noqa: E402  (benchmarks/registers.py: median and p99 of in-process GETs)

CHART, TYPES, REG = "ChartOfAccounts_Main", "ChartOfCharacteristicTypes_ExtDimensionTypes", "AccountingRegister_Main"
GOODS = [f"{i:08x}-0000-1000-8000-00000000beef" for i in range(1000)]
WAREHOUSES = [f"{i:08x}-0000-1000-8000-00000000cafe" for i in range(3)]
PARTNERS = [f"{i:08x}-0000-1000-8000-00000000face" for i in range(200)]
DEPARTMENTS = [f"{i:08x}-0000-1000-8000-00000000dead" for i in range(2)]
LAST_MONTH = 4000
PERIOD = "2024-12-15T00:00:00"
MONTH = ("2024-12-01T00:00:00", "2024-12-31T23:59:59")
# (debit account, credit account) and the ext-dimension kinds of each side
PAIRS = [("GoodsInWarehouses", "Suppliers"), ("Customers", "Revenue"), ("CostOfSales", "GoodsInWarehouses"),
         ("Bank", "Customers"), ("Suppliers", "Bank")]
EXT = {"GoodsInWarehouses": ("Goods", "Warehouses"), "Suppliers": ("Counterparties",),
       "Customers": ("Counterparties",), "Revenue": ("Goods",), "CostOfSales": ("Goods",)}
POOL = {"Goods": GOODS, "Warehouses": WAREHOUSES, "Counterparties": PARTNERS}
CATALOG = {"Goods": "Catalog_Goods", "Warehouses": "Catalog_Warehouses", "Counterparties": "Catalog_Counterparties"}


def configuration() -> Configuration:
    data = json.loads((HERE.parent / "samples" / "accounting" / "configuration.json").read_text(encoding="utf-8"))
    for key in ("users", "roles", "handlers"):  # authentication off: the figures are the register work
        data.pop(key, None)
    return Configuration.from_dict(data)


def entries(count: int, offset: int, rng: random.Random, last: bool):
    """(recorder key, entries) in record sets of 10, over 2023-01 .. 2024-11 (+ December if last)."""
    days = []
    for _ in range(count):
        month = rng.randrange(23)
        days.append(dt.datetime(2023 + month // 12, month % 12 + 1, rng.randint(1, 28), rng.randint(0, 23)))
    if last:
        days += [dt.datetime(2024, 12, rng.randint(1, 31), rng.randint(0, 23)) for _ in range(LAST_MONTH)]
    for start in range(0, len(days), 10):
        rows = []
        for day in days[start:start + 10]:
            dr, cr = rng.choice(PAIRS)
            row = {"Period": day, "AccountDr_Key": predefined_key(CHART, dr), "AccountCr_Key": predefined_key(CHART, cr),
                   "Department_Key": rng.choice(DEPARTMENTS), "Amount": rng.randint(100, 10_000_000) / 100}
            for side, account in (("Dr", dr), ("Cr", cr)):
                for i, kind in enumerate(EXT.get(account, ()), 1):
                    row[f"ExtDimension{side}{i}"] = rng.choice(POOL[kind])
                    row[f"ExtDimension{side}{i}_Type"] = f"StandardODATA.{CATALOG[kind]}"
                    row[f"ExtDimensionType{side}{i}_Key"] = predefined_key(TYPES, kind)
                if account == "GoodsInWarehouses":
                    row[f"Quantity{side}"] = rng.randint(1, 50)
            rows.append(row)
        recorder = f"{(offset + start) // 10:08x}-0000-1000-8000-0000000d0c00"
        yield {"Recorder": recorder, "Recorder_Type": "StandardODATA.Document_Sale"}, rows


class Baseline:
    """The raw app: ``sqlite3`` + ``json``, the trial balance and turnovers per account."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False)
        self.table = f'"_acclines_{REG}"'

    def __call__(self, environ, start_response):
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        if environ["PATH_INFO"].endswith("/Balance"):
            rows = self.conn.execute(
                f'SELECT "Account_Key", SUM(CASE WHEN "Side" = \'Cr\' THEN -"Amount" ELSE "Amount" END) '
                f'FROM {self.table} WHERE "Active" = 1 AND "Period" < ? GROUP BY 1 HAVING SUM(CASE WHEN "Side" = '
                f'\'Cr\' THEN -"Amount" ELSE "Amount" END) <> 0', (query["Period"],)).fetchall()
            value = [{"Account_Key": a, "AmountBalance": s / 100} for a, s in rows]
        else:
            rows = self.conn.execute(
                f'SELECT "Account_Key", SUM(CASE WHEN "Side" = \'Dr\' THEN "Amount" ELSE 0 END), '
                f'SUM(CASE WHEN "Side" = \'Cr\' THEN "Amount" ELSE 0 END) FROM {self.table} '
                f'WHERE "Active" = 1 AND "Period" >= ? AND "Period" <= ? GROUP BY 1',
                (query["StartPeriod"], query["EndPeriod"])).fetchall()
            value = [{"Account_Key": a, "AmountTurnoverDr": d / 100, "AmountTurnoverCr": c / 100} for a, d, c in rows]
        body = json.dumps({"value": value}, ensure_ascii=False).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def fill(provider: SQLiteProvider, model, count: int, offset: int, rng: random.Random, last: bool) -> None:
    register = model.entity_set(REG)
    provider.accounting.insert_entries(register, entries(count, offset, rng, last))
    provider.link.disarm()
    provider.link.seconds = None  # the rebuild is not request work
    provider.accounting.rebuild_totals(register)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--entries", type=int, default=1_000_000, help="the largest register (default 1,000,000)")
    parser.add_argument("--db", default=str(HERE / "var" / "accounting.db"))
    parser.add_argument("--reuse", action="store_true", help="time the entries already in --db (built before)")
    args = parser.parse_args()
    conf = configuration()
    model = build_model(conf)
    provider = fresh_provider(model, args.db, keep=args.reuse)
    if args.reuse:
        (stored,) = provider.link.run(f'SELECT count(*) FROM "{REG}_RecordType"').fetchone()
        args.entries = stored
    else:
        create_predefined(provider, model)
    app, raw = ODataService(conf, provider), Baseline(args.db)
    rng = random.Random(2024)
    sizes = sorted({min(100_000, args.entries), args.entries})
    balance = (f"/{REG}/Balance(Period=datetime'{PERIOD}',ExtraDimensions='',Dimensions='')?$format=json")
    turnovers = (f"/{REG}/Turnovers(StartPeriod=datetime'{MONTH[0]}',EndPeriod=datetime'{MONTH[1]}',"
                 f"ExtraDimensions='',Dimensions='')?$format=json")
    raw_balance = f"/{REG}/Balance?Period={PERIOD}"
    raw_turnovers = f"/{REG}/Turnovers?StartPeriod={MONTH[0]}&EndPeriod={MONTH[1]}"
    results, done = [], 0
    if args.reuse:
        sizes, done = [args.entries], args.entries
    for total in sizes:
        if done < total:
            built = time.perf_counter()
            fill(provider, model, total - done - (LAST_MONTH if not done else 0), done, rng, last=not done)
            done = total
            print(f"{total:,} entries written in {time.perf_counter() - built:.1f} s", file=sys.stderr)
        for name, path, totals in (("Balance", balance, True), ("Balance", balance, False),
                                   ("Turnovers", turnovers, True)):
            provider.accounting.use_totals = totals
            repeat = args.repeat if totals else max(5, args.repeat // 3)
            median, p99, rows = timed(app, path, repeat)
            results.append((name, f"{total:,}", "infobase-odata", "on" if totals else "off", rows, median, p99, repeat))
        for name, path in (("Balance", raw_balance), ("Turnovers", raw_turnovers)):
            repeat = max(5, args.repeat // 3)
            median, p99, rows = timed(raw, path, repeat)
            results.append((name, f"{total:,}", "raw sqlite3 + json", "-", rows, median, p99, repeat))
    print("| virtual table | entries | app | totals | rows | median ms | p99 ms | runs |")
    print("|---|---:|---|---|---:|---:|---:|---:|")
    for name, entries_, app_name, totals, rows, median, p99, repeat in results:
        print(f"| {name} | {entries_} | {app_name} | {totals} | {rows:,} | {median:.1f} | {p99:.1f} | {repeat} |")


if __name__ == "__main__":
    main()
