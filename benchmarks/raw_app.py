"""The baseline of the benchmark: a plain WSGI app on ``sqlite3`` + ``json`` only.

With ``BENCH_DB=postgresql://…`` it reads the PostgreSQL database through psycopg instead (the
same tables: ``providers.postgresql``). It reads THE SAME database file as infobase-odata (the table layout of
``infobase_odata.providers.sqlite``: one table per entity set, booleans as 0/1, ``Number(15,2)``
as integers scaled by 100, GUIDs as lowercase text) and answers the benchmark's URLs with the
same JSON rows and fields (same order: insertion order, the table's rowid), so that the difference in throughput is
the cost of the OData machinery, not of a different amount of work::

    BENCH_DB=benchmarks/var/trade-100000.db gunicorn -w 2 -b 127.0.0.1:8001 --chdir benchmarks raw_app:app
    curl 'http://127.0.0.1:8001/trade/odata/standard.odata/Catalog_Goods?$top=2&$format=json'

What it understands (everything else is 400/404):

- ``/<Set>(guid'…')``                             one entity (``Catalog_Goods``, ``Catalog_Units``)
- ``/<Set>/$count``                               ``SELECT count(*)`` as text/plain
- ``/<Set>?$top=&$skip=&$filter=&$expand=Unit``   a page in rowid order; ``$filter`` is
  ``Prop op literal`` terms joined by ``and``/``or`` (no parentheses), numbers compared as the
  stored scaled integers; ``$expand=Unit`` is one LEFT JOIN.

It is a competent minimal implementation: one connection per process (opened after the
gunicorn fork), prepared statements (sqlite3's statement cache), one ``json.dumps`` per
response, no response caching.  ``$format`` is ignored: it always answers JSON.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from decimal import Decimal
from urllib.parse import parse_qsl, unquote

DATABASE = os.environ.get("BENCH_DB", os.path.join(os.path.dirname(__file__), "var", "trade.db"))
# insertion order: SQLite's rowid (``_id`` is its alias in our tables; the plain tables have
# only the rowid), PostgreSQL's ``_id`` identity (it has no rowid)
INSERTION_ORDER = "t._id" if DATABASE.startswith(("postgresql://", "postgres://")) else "t.rowid"
# Entity set -> table, when the file is a hand-written site's ("Catalog_Goods=goods,..."):
# run.py's plain-table baseline (``Ref_Key TEXT PRIMARY KEY``, no other index).
TABLES = dict(pair.split("=", 1) for pair in os.environ.get("BENCH_TABLES", "").split(",") if pair)
SERVICE = "/trade/odata/standard.odata/"
NIL = "00000000-0000-0000-0000-000000000000"

# The layout facts of the two tables the benchmark reads (from samples/trade/configuration.json).
BOOLEANS = {"Predefined", "IsFolder", "DeletionMark"}
SCALED = {"Catalog_Goods": {"Price": 2}, "Catalog_Units": {}}
NAVIGATION = {"Catalog_Goods": [("Parent", "Parent_Key", "Catalog_Goods"),
                                ("Unit", "Unit_Key", "Catalog_Units")],
              "Catalog_Units": []}

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Table:
    """Columns (in storage order, without ``_id``) and a tuple -> dict converter."""

    def __init__(self, conn: sqlite3.Connection, name: str) -> None:
        self.name = name
        self.table = TABLES.get(name, name)
        if isinstance(conn, PgConn):
            found = conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                 "AND table_schema = current_schema() ORDER BY ordinal_position", (self.table,))
            self.columns = [r[0] for r in found if r[0] != "_id"]
        else:
            self.columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{self.table}")') if r[1] != "_id"]
        self.select = ", ".join(f't."{c}"' for c in self.columns)
        self.bools = [c for c in self.columns if c in BOOLEANS]
        self.scaled = [(c, 10 ** s) for c, s in SCALED[name].items()]
        self.navigation = NAVIGATION[name]

    def convert(self, values: tuple, expanded: str = "") -> dict:
        row = dict(zip(self.columns, values))
        for c in self.bools:
            row[c] = row[c] == 1
        for c, p in self.scaled:
            x = row[c]
            if x is not None:
                row[c] = x // p if x % p == 0 else x / p
        for nav, key, _ in self.navigation:  # as infobase-odata: a link per non-empty reference
            if nav != expanded and row[key] != NIL:
                row[f"{nav}@navigationLinkUrl"] = f"{self.name}(guid'{row['Ref_Key']}')/{nav}"
        return row


class PgConn:
    """The same database on PostgreSQL (``BENCH_DB=postgresql://…``): one psycopg connection
    per process, autocommit, the same statements with ``%s`` placeholders (psycopg prepares
    statements it sees repeatedly)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True, prepare_threshold=1)

    def execute(self, sql: str, params: tuple = ()):
        return self.conn.execute(sql.replace("?", "%s"), params)


class Store:
    """One connection per process, opened lazily (after gunicorn forks)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.pid = None

    def connect(self) -> None:
        if self.path.startswith("postgresql://"):
            self.conn = PgConn(self.path)
            self.tables = {name: Table(self.conn, name) for name in SCALED}
            self.pid = os.getpid()
            return
        conn = sqlite3.connect(self.path, isolation_level=None, cached_statements=256)
        conn.execute("PRAGMA query_only = ON")
        self.conn = conn
        self.tables = {name: Table(conn, name) for name in SCALED}
        self.pid = os.getpid()


store = Store(DATABASE)

_TERM = re.compile(r"\s*(\w+)\s+(eq|ne|lt|le|gt|ge)\s+('(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false)\s*"
                   r"(?:(and|or)\s+|$)")
_OPS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def compile_filter(table: Table, text: str) -> tuple[str, list]:
    """``Price le 3.5 or Price gt 200`` -> ``("(t."Price" <= ?) OR (t."Price" > ?)", [350, 20000])``."""
    sql, params, pos = [], [], 0
    scales = dict(table.scaled)
    while pos < len(text):
        m = _TERM.match(text, pos)
        if m is None or m.group(1) not in table.columns:
            raise ValueError(text)
        name, op, literal, joiner = m.groups()
        if literal.startswith("'"):
            value = literal[1:-1].replace("''", "'")
        elif literal in ("true", "false"):
            value = int(literal == "true")
        else:
            value = Decimal(literal) * scales.get(name, 1)
            value = int(value) if value == value.to_integral_value() else float(value)
        sql.append(f'(t."{name}" {_OPS[op]} ?)')
        params.append(value)
        if joiner:
            sql.append(joiner.upper())
        pos = m.end()
    if sql and sql[-1] in ("AND", "OR"):
        raise ValueError(text)
    return " ".join(sql), params


def _error(start_response, status: str, message: str):
    body = _dumps({"odata.error": {"code": "", "message": {"lang": "en", "value": message}}}).encode()
    start_response(status, [("Content-Type", "application/json;charset=utf-8"),
                            ("Content-Length", str(len(body)))])
    return [body]


def _json(start_response, document: dict):
    body = _dumps(document).encode()
    start_response("200 OK", [("Content-Type", "application/json;charset=utf-8"),
                              ("DataServiceVersion", "3.0"), ("Content-Length", str(len(body)))])
    return [body]


_ENTITY = re.compile(r"^(\w+)\(guid'([0-9a-fA-F-]{36})'\)$")


def app(environ, start_response):
    if store.pid != os.getpid():
        store.connect()
    path = environ.get("PATH_INFO", "")
    if not path.startswith(SERVICE):
        return _error(start_response, "404 Not Found", "not found")
    resource = unquote(path[len(SERVICE):])
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
    base = f"http://{host[:-3] if host.endswith(':80') else host}{SERVICE}"
    conn = store.conn

    if resource.endswith("/$count"):
        table = store.tables.get(resource[:-7])
        if table is None:
            return _error(start_response, "404 Not Found", "not found")
        body = str(conn.execute(f'SELECT count(*) FROM "{table.table}"').fetchone()[0]).encode()
        start_response("200 OK", [("Content-Type", "text/plain;charset=utf-8"),
                                  ("DataServiceVersion", "3.0"), ("Content-Length", str(len(body)))])
        return [body]

    m = _ENTITY.match(resource)
    if m is not None:
        table = store.tables.get(m.group(1))
        if table is None:
            return _error(start_response, "404 Not Found", "not found")
        ref = m.group(2).lower()
        values = conn.execute(f'SELECT {table.select} FROM "{table.table}" AS t WHERE t."Ref_Key" = ?',
                              (ref,)).fetchone()
        if values is None:
            return _error(start_response, "404 Not Found", "not found")
        row = {"odata.metadata": f"{base}$metadata#{table.name}/@Element", **table.convert(values)}
        return _json(start_response, row)

    table = store.tables.get(resource)
    if table is None:
        return _error(start_response, "404 Not Found", "not found")
    options = dict(parse_qsl(environ.get("QUERY_STRING", "").replace("+", "%2B"), keep_blank_values=True))
    try:
        where, params = compile_filter(table, options["$filter"]) if "$filter" in options else ("", [])
        top = int(options.get("$top", -1))
        if top < 0 and isinstance(conn, PgConn):
            top = None  # LIMIT NULL: all rows
        skip = int(options.get("$skip", 0))
    except ValueError:
        return _error(start_response, "400 Bad Request", "bad query")
    expand = options.get("$expand")
    if expand not in (None, "Unit") or (expand and table.name != "Catalog_Goods"):
        return _error(start_response, "400 Bad Request", "unsupported $expand")
    where_sql = f" WHERE {where}" if where else ""
    if expand:
        units = store.tables["Catalog_Units"]
        sql = (f'SELECT {table.select}, {units.select.replace("t.", "u.")} FROM "{table.table}" AS t '
               f'LEFT JOIN "{units.table}" AS u ON u."Ref_Key" = t."Unit_Key"{where_sql} '
               f'ORDER BY {INSERTION_ORDER} LIMIT ? OFFSET ?')
    else:
        sql = f'SELECT {table.select} FROM "{table.table}" AS t{where_sql} ORDER BY {INSERTION_ORDER} LIMIT ? OFFSET ?'
    cursor = conn.execute(sql, (*params, top, skip))
    convert = table.convert
    if expand:
        n = len(table.columns)
        unit = units.convert
        rows = []
        for values in cursor:
            row = convert(values[:n], "Unit")
            row["Unit"] = unit(values[n:]) if values[n] is not None else None
            rows.append(row)
    else:
        rows = [convert(values) for values in cursor]
    return _json(start_response, {"odata.metadata": f"{base}$metadata#{table.name}", "value": rows})
