"""Register virtual tables on large registers, in-process (webob ``Request.blank`` -> the service).

    python benchmarks/registers.py                 # builds benchmarks/var/registers.db, prints a table
    python benchmarks/registers.py --repeat 50

``AccumulationRegister_Stock`` of the sample gets 1,000 products x 2 warehouses and first 100,000,
then 1,000,000 movements over 24 months (2023-01 .. 2024-12); the last month always holds the
same 4,000 movements, so the growth is all *before* the last period.  ``Balance`` at a date in
the last month is timed with the totals tables (totals at the month start + that month's
movements) and without them (a SUM over every movement).  ``InformationRegister_Prices`` gets
1,000,000 records (1,000 products x 1,000 days) for ``SliceLast``.  Rows are written straight
into the tables (prepared ``executemany``) and the totals rebuilt in one pass.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

from webob import Request

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from infobase_odata.configuration import Configuration  # noqa: E402
from infobase_odata import build_model  # noqa: E402
from infobase_odata.providers.sqlite import SQLiteProvider  # noqa: E402
from infobase_odata.values import complete_row  # noqa: E402
from infobase_odata.service import ODataService  # noqa: E402

SERVICE = "/"
PRODUCTS = [f"{i:08x}-0000-1000-8000-00000000beef" for i in range(1000)]
WAREHOUSES = ["00000001-0000-1000-8000-00000000cafe", "00000002-0000-1000-8000-00000000cafe"]
LAST_MONTH = 4000
PERIOD = "2024-12-15T00:00:00"


def configuration() -> Configuration:
    data = json.loads((HERE.parent / "samples" / "trade" / "configuration.json").read_text(encoding="utf-8"))
    data.pop("users", None)  # authentication off: the figures are the register work, not PBKDF2
    data.pop("roles", None)
    data.pop("handlers", None)
    return Configuration.from_dict(data)


def movements(count: int, rng: random.Random, start_month: int = 0):
    """``count`` Stock movements over 2023-01 .. 2024-11 (plus nothing in 2024-12)."""
    for n in range(count):
        month = rng.randrange(23)
        day = dt.datetime(2023 + month // 12, month % 12 + 1, rng.randint(1, 28), rng.randint(0, 23))
        yield n, day


def fill_stock(provider: SQLiteProvider, model, count: int, offset: int, rng: random.Random, last: bool) -> None:
    stock = model.entity_set("AccumulationRegister_Stock_RecordType")
    info = provider._info[stock.name]
    props = stock.entity_type.properties

    def row(n: int, day: dt.datetime) -> tuple:
        recorder = f"{(offset + n) // 10:08x}-0000-1000-8000-0000000d0c00"
        return info.codec.encode_tuple(complete_row(props, {
            "Recorder": recorder, "Recorder_Type": "StandardODATA.Document_SalesOrder", "Period": day,
            "LineNumber": (offset + n) % 10 + 1, "Active": True,
            "RecordType": "Receipt" if rng.random() < 0.55 else "Expense",
            "Product_Key": rng.choice(PRODUCTS), "Warehouse_Key": rng.choice(WAREHOUSES),
            "Quantity": rng.randint(1, 100_000) / 1000}))

    batch = []
    source = list(movements(count, rng))
    if last:
        source += [(count + i, dt.datetime(2024, 12, rng.randint(1, 31), rng.randint(0, 23))) for i in range(LAST_MONTH)]
    with provider.transaction():
        for n, day in source:
            batch.append(row(n, day))
            if len(batch) >= 20_000:
                provider.link.run_many(info.insert, batch)
                batch = []
        if batch:
            provider.link.run_many(info.insert, batch)
    provider.link.disarm()
    provider.link.seconds = None  # index builds and the rebuild are not request work
    provider.rebuild_totals(model.entity_set("AccumulationRegister_Stock"))


def fill_prices(provider: SQLiteProvider, model, rng: random.Random) -> None:
    prices = model.entity_set("InformationRegister_Prices")
    info = provider._info[prices.name]
    first = dt.datetime(2022, 1, 1)
    with provider.transaction():
        for day in range(1000):
            period = first + dt.timedelta(days=day)
            provider.link.run_many(info.insert, [
                (period.isoformat(), product, rng.randint(100, 1_000_000)) for product in PRODUCTS])


def timed(app, path: str, repeat: int) -> tuple[float, float, int]:
    times, rows = [], 0
    Request.blank(path).get_response(app)  # warm-up: parse caches, page cache
    for _ in range(repeat):
        started = time.perf_counter()
        response = Request.blank(path).get_response(app)
        body = response.body
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, body[:300]
        rows = len(json.loads(body)["value"])
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return statistics.median(times), p99, rows


def fresh_provider(model, path: str, *, keep: bool = False) -> SQLiteProvider:
    """A SQLite store at ``path`` (its files removed first unless ``keep``) with its schema, and no
    statement budget (building a large register takes long)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    for suffix in ("", "-wal", "-shm") if not keep else ():
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    provider = SQLiteProvider(model, path, statement_timeout_ms=None)
    provider.create_schema()
    return provider


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", default=str(HERE / "var" / "registers.db"))
    args = parser.parse_args()
    conf = configuration()
    model = build_model(conf)
    provider = fresh_provider(model, args.db)
    app = ODataService(conf, provider)
    rng = random.Random(2024)
    balance = f"{SERVICE}AccumulationRegister_Stock/Balance(Period=datetime'{PERIOD}')?$format=json"
    results = []
    built = time.perf_counter()
    fill_stock(provider, model, 100_000 - LAST_MONTH, 0, rng, last=True)
    print(f"built 100,000 movements in {time.perf_counter() - built:.1f} s", file=sys.stderr)
    for total in (100_000, 1_000_000):
        if total == 1_000_000:
            built = time.perf_counter()
            fill_stock(provider, model, 900_000, 100_000, rng, last=False)
            print(f"added 900,000 movements in {time.perf_counter() - built:.1f} s", file=sys.stderr)
        for totals in (True, False):
            provider.use_totals = totals
            repeat = args.repeat if totals else max(5, args.repeat // 3)
            median, p99, rows = timed(app, balance, repeat)
            results.append((f"Balance(Period={PERIOD[:10]})", f"{total:,}", "on" if totals else "off",
                            rows, median, p99, repeat))
    built = time.perf_counter()
    fill_prices(provider, model, rng)
    print(f"built 1,000,000 price records in {time.perf_counter() - built:.1f} s", file=sys.stderr)
    slice_last = f"{SERVICE}InformationRegister_Prices/SliceLast(Period=datetime'2023-06-15T00:00:00')?$format=json"
    median, p99, rows = timed(app, slice_last, max(5, args.repeat // 3))
    results.append(("SliceLast(Period=2023-06-15)", "1,000,000", "-", rows, median, p99, max(5, args.repeat // 3)))
    print("| virtual table | records | totals | rows | median ms | p99 ms | runs |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for name, records, totals, rows, median, p99, repeat in results:
        print(f"| {name} | {records} | {totals} | {rows:,} | {median:.1f} | {p99:.1f} | {repeat} |")


if __name__ == "__main__":
    main()
