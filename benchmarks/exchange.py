"""What change registration costs a write: creates of an object an exchange plan carries vs one
it does not, on the SQLite store, next to a raw ``sqlite3`` + ``json`` baseline::

    python3 benchmarks/exchange.py                    # a few seconds
    python3 benchmarks/exchange.py --creates 2000 --rounds 3

The sample's ``ExchangePlan_Sites`` (two nodes) carries ``Catalog_Goods`` and not
``Catalog_Counterparties``; each create is its own transaction through the store's Python API
(``provider.create``), as a single POST's write is. The baseline inserts the same number of JSON
rows with one ``sqlite3`` transaction each. The table shows the best of the rounds, per create.
Nothing here is run by the test suite.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from infobase_odata import build_model, load_configuration  # noqa: E402
from infobase_odata.providers.sqlite import SQLiteProvider  # noqa: E402


def timed(action, creates: int) -> float:
    start = time.perf_counter()
    for n in range(creates):
        action(n)
    return (time.perf_counter() - start) / creates * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    model = build_model(load_configuration(ROOT / "samples" / "trade"))
    folder = Path(tempfile.mkdtemp(prefix="exchange-bench-"))
    provider = SQLiteProvider(model, folder / "trade.db")
    provider.create_schema()
    plan = model.entity_set("ExchangePlan_Sites")
    node = [provider.create(plan, {"Code": code, "Description": f"node {code}"})["Ref_Key"]
            for code in ("001", "002")][0]
    goods, counterparties = model.entity_set("Catalog_Goods"), model.entity_set("Catalog_Counterparties")
    raw = sqlite3.connect(folder / "raw.db", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=NORMAL")
    raw.execute("CREATE TABLE goods (id TEXT PRIMARY KEY, body TEXT)")

    def raw_create(n: int) -> None:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO goods VALUES (?, ?)", (str(uuid.uuid1()), json.dumps({"Description": f"raw {n}"})))
        raw.execute("COMMIT")

    cases = {
        "raw sqlite3 + json (baseline)": raw_create,
        "create, not carried by a plan": lambda n: provider.create(counterparties, {"Description": f"c {n}"}),
        "create, carried (2 nodes)": lambda n: provider.create(goods, {"Description": f"g {n}"}),
    }
    best = {name: min(timed(action, args.creates) for _ in range(args.rounds)) for name, action in cases.items()}
    print(f"{args.creates} creates, best of {args.rounds} rounds (µs per create)")
    for name, micros in best.items():
        print(f"  {name:32} {micros:9.0f}")
    print(f"  changes registered for one node: {len(provider.select_changes(plan, node, 1))}")


if __name__ == "__main__":
    main()
