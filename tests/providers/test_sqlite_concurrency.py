"""SQLite durability and concurrency: optimistic-locking races, several providers and processes
on one file, busy and time-budget errors, atomic writes, and commits surviving SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal

import pytest

from infobase_odata.errors import ODataError, from_store_error
from infobase_odata.stores import Stale, StoreError
from infobase_odata.providers.sqlite import SQLiteProvider

from .conftest import PROVIDERS, dispose, make_provider

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CURRENCIES = "Catalog_Валюты"


def increment(provider, goods, key, times: int, errors: list) -> None:
    """Add 1 to Price ``times`` times by get + update(if_match), retrying on 412."""
    try:
        for _ in range(times):
            while True:
                row = provider.get(goods, key)
                try:
                    provider.update(goods, key, {"Price": row["Price"] + 1}, if_match=row["DataVersion"])
                    break
                except Stale:
                    pass
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def run_threads(target, count: int, *args) -> list:
    errors: list = []
    threads = [threading.Thread(target=target, args=(*args, errors)) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return errors


@pytest.mark.parametrize("kind", PROVIDERS)
def test_optimistic_increments_from_8_threads(kind, model, tmp_path, request):
    pg = request.getfixturevalue("pg_server") if kind == "postgresql" else None
    provider = make_provider(kind, model, tmp_path, pg=pg)
    request.addfinalizer(lambda: dispose(provider))
    goods = model.entity_set("Catalog_Goods")
    row = provider.create(goods, {"Description": "Счётчик", "Price": Decimal("10")})
    key = {"Ref_Key": row["Ref_Key"]}
    errors = run_threads(increment, 8, provider, goods, key, 15)
    assert errors == []
    assert provider.get(goods, key)["Price"] == Decimal("130.00")


def test_two_providers_on_one_file_interleave(model, tmp_path):
    """Two instances on the same file, as two gunicorn workers would have."""
    path = tmp_path / "shared.db"
    first, second = SQLiteProvider(model, path), SQLiteProvider(model, path)
    goods = model.entity_set("Catalog_Goods")
    counter = first.create(goods, {"Description": "Счётчик"})
    key = {"Ref_Key": counter["Ref_Key"]}
    cur = model.entity_set(CURRENCIES)

    def creates(provider, errors):
        try:
            for i in range(40):
                provider.create(cur, {"Description": f"в{i}"})
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    errors: list = []
    threads = [threading.Thread(target=creates, args=(p, errors)) for p in (first, second)]
    threads += [threading.Thread(target=increment, args=(p, goods, key, 20, errors)) for p in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert first.count(cur, None) == 80
    codes = sorted(r["Code"] for r in second.query(cur, _all()).rows)
    assert codes == [f"{i:03d}" for i in range(1, 81)]  # numbering is race-free
    assert second.get(goods, key)["Price"] == Decimal("40.00")


WORKER = textwrap.dedent("""
    import sys
    from decimal import Decimal
    from infobase_odata.configuration import load_configuration
    from infobase_odata import build_model
    from infobase_odata.providers.sqlite import SQLiteProvider
    from infobase_odata.stores import Stale

    model = build_model(load_configuration(sys.argv[1]))
    provider = SQLiteProvider(model, sys.argv[2], busy_timeout=5000)
    goods, cur = model.entity_set("Catalog_Goods"), model.entity_set("Catalog_Валюты")
    key = {"Ref_Key": sys.argv[3]}
    for i in range(int(sys.argv[4])):
        provider.create(cur, {"Description": f"p{i}"})
        while True:
            row = provider.get(goods, key)
            try:
                provider.update(goods, key, {"Price": row["Price"] + 1}, if_match=row["DataVersion"])
                break
            except Stale:
                pass
    if len(sys.argv) > 5:
        print("committed", flush=True)
        import os, signal
        os.kill(os.getpid(), signal.SIGKILL)
""")


def _python(*args: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    return subprocess.Popen([sys.executable, "-c", WORKER, *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_two_processes_write_without_lock_errors(model, tmp_path):
    path = str(tmp_path / "procs.db")
    provider = SQLiteProvider(model, path)
    goods = model.entity_set("Catalog_Goods")
    ref = provider.create(goods, {"Description": "Счётчик"})["Ref_Key"]
    workers = [_python(os.path.join(ROOT, "samples", "trade"), path, ref, "25") for _ in range(3)]
    for worker in workers:
        out, err = worker.communicate(timeout=180)
        assert worker.returncode == 0, err
    assert provider.get(goods, {"Ref_Key": ref})["Price"] == Decimal("75.00")
    codes = sorted(r["Code"] for r in provider.query(model.entity_set(CURRENCIES), _all()).rows)
    assert codes == [f"{i:03d}" for i in range(1, 76)]


def test_committed_writes_survive_sigkill(model, tmp_path):
    path = str(tmp_path / "crash.db")
    provider = SQLiteProvider(model, path)
    goods = model.entity_set("Catalog_Goods")
    ref = provider.create(goods, {"Description": "Счётчик"})["Ref_Key"]
    provider.close()
    worker = _python(os.path.join(ROOT, "samples", "trade"), path, ref, "10", "crash")
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == -signal.SIGKILL and out.strip() == "committed", err
    again = SQLiteProvider(model, path)
    assert again.get(goods, {"Ref_Key": ref})["Price"] == Decimal("10.00")
    assert again.count(model.entity_set(CURRENCIES), None) == 10


# ---- busy, time budget, pragmas -----------------------------------------------------------------

def test_locked_database_is_503_code_minus_1_then_recovers(model, tmp_path):
    path = tmp_path / "busy.db"
    provider = SQLiteProvider(model, path, busy_timeout=50)
    cur = model.entity_set(CURRENCIES)
    provider.create(cur, {"Description": "до"})
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    started = time.monotonic()
    error = _error(provider.create, cur, {"Description": "занято"})
    assert (error.code, error.status, error.localized("ru")) == (-1, 503, "База данных занята, повторите запрос")
    assert time.monotonic() - started >= 0.15  # three tries with backoff
    assert provider.count(cur, None) == 1  # reads are not blocked in WAL mode
    other.execute("ROLLBACK")
    other.close()
    provider.create(cur, {"Description": "после"})
    assert provider.count(cur, None) == 2


def test_statement_time_budget(model, tmp_path):
    provider = SQLiteProvider(model, tmp_path / "slow.db", statement_timeout_ms=50)
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    started = time.monotonic()
    error = _error(provider.link.run, endless)
    assert (error.code, error.status, error.localized("ru")) == (-1, 503, "Превышено время выполнения запроса")
    assert time.monotonic() - started < 5
    cur = model.entity_set(CURRENCIES)
    provider.create(cur, {"Description": "работает"})
    time.sleep(0.1)  # an expired budget of an earlier statement does not leak into the next one
    assert provider.count(cur, None) == 1
    assert len(list(provider.query(cur, _all()).rows)) == 1


def test_pragmas(model, tmp_path):
    provider = SQLiteProvider(model, tmp_path / "p.db", busy_timeout=1234)
    conn = provider.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    full = SQLiteProvider(model, tmp_path / "f.db", synchronous="FULL")
    assert full.conn.execute("PRAGMA synchronous").fetchone()[0] == 2


def test_failure_between_main_row_and_tabular_rows_writes_nothing(model, tmp_path, monkeypatch):
    provider = SQLiteProvider(model, tmp_path / "atomic.db")
    orders = model.entity_set("Document_SalesOrder")
    row = provider.create(orders, {"Comment": "было", "Goods": [{"LineNumber": 1, "Quantity": 1}]})
    key = {"Ref_Key": row["Ref_Key"]}

    def boom(*args, **kwargs):
        raise RuntimeError("диск отвалился")

    monkeypatch.setattr(provider.objects, "_insert_tabs", boom)
    with pytest.raises(RuntimeError):
        provider.create(orders, {"Comment": "новый", "Goods": [{"LineNumber": 1}]})
    with pytest.raises(RuntimeError):
        provider.update(orders, key, {"Comment": "стало", "Goods": [{"LineNumber": 1, "Quantity": 2}]})
    monkeypatch.undo()
    assert provider.count(orders, None) == 1
    assert provider.get(orders, key) == row
    assert provider.count(model.entity_set("Document_SalesOrder_Goods"), None) == 1


class Spy:
    """Records the SQL text and parameters of every statement of a connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.calls = conn, []

    def execute(self, sql, params=()):
        self.calls.append((sql, params))
        return self.conn.execute(sql, params)

    def executemany(self, sql, rows):
        rows = list(rows)
        self.calls.append((sql, rows))
        return self.conn.executemany(sql, rows)

    def __getattr__(self, name):
        return getattr(self.conn, name)


def test_write_statements_bind_every_value(model, tmp_path):
    provider = SQLiteProvider(model, tmp_path / "bound.db")
    orders = model.entity_set("Document_SalesOrder")
    nasty = "'); DROP TABLE \"Catalog_Валюты\"; --"
    spy = Spy(provider.link.conn)
    provider.link.conn = spy  # type: ignore[assignment]
    row = provider.create(orders, {"Comment": nasty, "Goods": [{"LineNumber": 1, "Basis": nasty}]})
    provider.update(orders, {"Ref_Key": row["Ref_Key"]}, {"Comment": nasty + "!", "Goods": []})
    provider.delete(orders, {"Ref_Key": row["Ref_Key"]})
    texts = [sql for sql, _ in spy.calls]
    assert any(t.startswith("INSERT") for t in texts) and any(t.startswith("UPDATE") for t in texts)
    assert not any(nasty in t or row["Ref_Key"] in t for t in texts)
    assert any(nasty in map(str, params) for _, params in spy.calls if isinstance(params, tuple))
    provider.link.conn = spy.conn
    assert provider.count(orders, None) == 0


def _error(call, *args) -> ODataError:
    with pytest.raises(StoreError) as info:
        call(*args)
    return from_store_error(info.value)


def _all():
    from infobase_odata.query.ast import QueryOptions

    return QueryOptions()
