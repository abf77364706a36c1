"""The baseline of ``batch.py``: creates on plain ``sqlite3`` + ``json``, one transaction each.

    BENCH_DB=/tmp/raw.db gunicorn -k gthread -b 127.0.0.1:8002 --chdir benchmarks raw_writes:app
    curl -X POST -d '{"Description": "x"}' http://127.0.0.1:8002/trade/odata/standard.odata/Catalog_Counterparties

``POST …/Catalog_Counterparties`` with a JSON object inserts one row (a new GUID key, the next
code) in a WAL-mode file and answers 201 with the row as JSON and a ``Location``: the least work
a create over HTTP can do, so that the figures show what the OData machinery adds.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid

DATABASE = os.environ.get("BENCH_DB", "raw-writes.db")
PATH = "/trade/odata/standard.odata/Catalog_Counterparties"
_local = threading.local()
_lock = threading.Lock()


def _connection() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = sqlite3.connect(DATABASE, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("CREATE TABLE IF NOT EXISTS counterparties (_id INTEGER PRIMARY KEY, Ref_Key TEXT UNIQUE, "
                     "Code TEXT, Description TEXT, INN TEXT)")
    return conn


def app(environ: dict, start_response):
    if environ.get("PATH_INFO") != PATH or environ["REQUEST_METHOD"] != "POST":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    values = json.loads(environ["wsgi.input"].read(length))
    conn = _connection()
    row = {"Ref_Key": str(uuid.uuid4()), "Description": str(values.get("Description", "")),
           "INN": str(values.get("INN", ""))}
    with _lock:
        conn.execute("BEGIN IMMEDIATE")
        number = conn.execute("SELECT count(*) FROM counterparties").fetchone()[0] + 1
        row["Code"] = f"{number:09d}"
        conn.execute("INSERT INTO counterparties (Ref_Key, Code, Description, INN) VALUES (?, ?, ?, ?)",
                     (row["Ref_Key"], row["Code"], row["Description"], row["INN"]))
        conn.execute("COMMIT")
    body = json.dumps(row, ensure_ascii=False).encode("utf-8")
    start_response("201 Created", [("Content-Type", "application/json;charset=utf-8"),
                                   ("Content-Length", str(len(body))),
                                   ("Location", f"{PATH}(guid'{row['Ref_Key']}')")])
    return [body]
