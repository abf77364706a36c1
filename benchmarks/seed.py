"""Seeding time of the sample: 100,000 goods into a new SQLite file through the provider, next
to a baseline measured in the same run (the same number of goods rows written with a raw
``sqlite3`` ``executemany`` into a table of the same columns).

    python benchmarks/seed.py                  # 100,000 goods
    python benchmarks/seed.py --goods 20000
"""

from __future__ import annotations

import argparse
import importlib.util
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from infobase_odata.configuration import load_configuration  # noqa: E402
from infobase_odata.model import build_model  # noqa: E402
from infobase_odata.providers.sqlite import SQLiteProvider  # noqa: E402

TRADE = HERE.parent / "samples" / "trade"


def load_seed():
    spec = importlib.util.spec_from_file_location("trade_seed", TRADE / "seed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def baseline(path: Path, goods: int, columns: list[str]) -> float:
    """Raw sqlite3: one table, one transaction, executemany of ``goods`` rows of text."""
    started = time.perf_counter()
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE goods ({', '.join(f'c{i} TEXT' for i in range(len(columns)))})")
        row = tuple(f"value {i}" for i in range(len(columns)))
        conn.executemany(f"INSERT INTO goods VALUES ({', '.join('?' * len(columns))})", (row for _ in range(goods)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goods", type=int, default=100_000)
    args = parser.parse_args()
    model = build_model(load_configuration(TRADE))
    seed = load_seed()
    with tempfile.TemporaryDirectory() as folder:
        provider = SQLiteProvider(model, str(Path(folder) / "trade.db"))
        started = time.perf_counter()
        counts = seed.seed(provider, model, goods=args.goods)
        ours = time.perf_counter() - started
        columns = [p.name for p in model.entity_set("Catalog_Goods").entity_type.properties]
        raw = baseline(Path(folder) / "raw.db", counts["Catalog_Goods"], columns)
    rows = sum(counts.values())
    print(f"{'':28}{'seconds':>10}{'goods/s':>12}")
    print(f"{'seed (all objects)':28}{ours:>10.1f}{counts['Catalog_Goods'] / ours:>12,.0f}   ({rows:,} rows in all)")
    print(f"{'baseline (raw executemany)':28}{raw:>10.1f}{counts['Catalog_Goods'] / raw:>12,.0f}   "
          f"(goods rows only; ratio {ours / raw:.1f}x)")


if __name__ == "__main__":
    main()
