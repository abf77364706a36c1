"""SQLiteProvider: the embedded default store; filters, ordering, paging and counts run in SQL.

    provider = SQLiteProvider(model, "trade.db")        # no I/O until the first call
    goods = model.entity_set("Catalog_Goods")
    provider.bulk_insert(goods, ({"Description": f"Item {i}"} for i in range(100_000)))
    page = provider.query(goods, QueryOptions(top=50, skip=100, inlinecount=True))

Schema (``create_schema()``, idempotent, run on the first connection of a process): one table
per object set, named exactly as the entity set (Cyrillic kept, identifiers quoted), with an
``_id INTEGER PRIMARY KEY`` and ``Ref_Key TEXT UNIQUE``: counts and page scans walk the small
integer b-tree while key lookups use the unique index.  One table per tabular section
(``Document_SalesOrder_Goods``: ``Ref_Key`` + ``LineNumber``, unique together), one per constant
(its single row, ``SurrogateKey`` 0, inserted empty).  Every ``_Key`` column is indexed.
Value storage is described in ``sqlcodec`` (exact scaled-integer numbers).

Connections are opened lazily per process and thread (a forked worker opens its own), in WAL
mode with a busy timeout; every write is a ``BEGIN IMMEDIATE`` transaction, serialized within
the process by a lock per file, and ``transaction()`` lets a caller group writes (the write
side is in ``sqlitewrites``, connections, busy retries and the statement time budget in
``sqlconn``).  ``trace`` receives every SQL statement executed (``sqlite3`` trace callback),
e.g. to assert that filters run in SQLite.  The schema is created through sqlite-utils; reads
and writes are plain prepared statements (DESIGN: ``table.get`` 91 µs vs 11 µs).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from typing import Any, Callable, Iterable, Iterator

import sqlite_utils
from sqlite_utils.db import quote_identifier as q

from .. import model as m
from ..stores import InvalidQuery, Key, QueryResult, Row
from ..query.ast import Expr, QueryOptions
from .. import values as v
from .dialect import SQLITE, Dialect
from .sql import Compiler
from .sqlcodec import RowCodec
from .sqlconn import Link, write_lock
from .accounting_sql import SQLAccounting
from .sqlite_registers import SQLiteRegisters
from .sqlschema import PostgreSQLDDL, SQLiteDDL
from .sqltables import SetInfo
from .sqlitewrites import SQLiteWrites

CHUNK = 500  # owners per tabular-section query while streaming a page


class SQLiteProvider(SQLiteRegisters, SQLiteWrites):
    """``busy_timeout`` (ms): how long SQLite waits for another writer's lock on each try;
    ``statement_timeout_ms``: the time budget of one statement (0 or None: unlimited);
    ``synchronous``: ``NORMAL`` (durable against process crashes in WAL mode) or ``FULL``."""

    dialect: Dialect = SQLITE  # what the compiler and the write statements ask

    def __init__(self, model: m.Model, path: str | os.PathLike, *,
                 trace: Callable[[str], None] | None = None, busy_timeout: int = 5000,
                 statement_timeout_ms: int | None = 10000, synchronous: str = "NORMAL") -> None:
        self.model = model
        self.path = str(path)
        self.trace = trace
        self.busy_timeout = busy_timeout
        self.statement_timeout_ms = statement_timeout_ms
        self.synchronous = synchronous
        self._local = threading.local()
        self._schema_pid: int | None = None
        self._schema_lock: tuple[int, threading.Lock] = (os.getpid(), threading.Lock())
        self._info: dict[str, SetInfo] = {}
        for entity_set in model.entity_sets.values():
            self._info[entity_set.name] = SetInfo(entity_set, native_bool=self.dialect.native_bool)
            for prop in v.tabular_properties(entity_set.entity_type):
                assert prop.row_type is not None
        self.accounting = SQLAccounting(self)  # accounting registers (kinds/reads.py routes them)

    # ---- connections ------------------------------------------------------------------------

    @property
    def link(self) -> Link:
        """This thread's connection (opened on first use in each process and thread)."""
        pid = os.getpid()
        local = self._local
        if getattr(local, "pid", None) != pid:
            local.link = self._open_link(local)
            local.pid = pid
        if self._schema_pid != pid and not getattr(local, "creating_schema", False):
            self._ensure_schema(local, pid)
        return local.link

    def _open_link(self, local: threading.local) -> Link:
        """A new connection for this thread (the engine's part of ``link``)."""
        link = Link.open(self.path, busy_timeout=self.busy_timeout,
                         statement_timeout_ms=self.statement_timeout_ms,
                         synchronous=self.synchronous, trace=self.trace)
        local.db = sqlite_utils.Database(link.conn, execute_plugins=False)
        return link

    def _ensure_schema(self, local: threading.local, pid: int) -> None:
        """Create the schema once per process; marked ready only when it succeeded, so a failure
        (a mapping that does not fit the database) fails every request the same way until fixed."""
        if self._schema_lock[0] != pid:
            self._schema_lock = (pid, threading.Lock())  # never a lock copied locked by fork
        with self._schema_lock[1]:
            if self._schema_pid == pid:
                return
            local.creating_schema = True
            try:
                self.create_schema()
            finally:
                local.creating_schema = False
            self._schema_pid = pid

    @property
    def conn(self) -> sqlite3.Connection:
        return self.link.conn

    @property
    def db(self) -> sqlite_utils.Database:
        self.link  # noqa: B018 - opens the connection of this thread
        return self._local.db

    def close(self) -> None:
        link = getattr(self._local, "link", None)
        if link is not None and getattr(self._local, "pid", None) == os.getpid():
            link.close()
        self._local.pid = None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction on this thread's connection: COMMIT on success,
        ROLLBACK on any exception (re-raised). Writes and reads inside join it (reads see its
        writes); a nested ``transaction()`` is a savepoint. Another writer holding the database
        past the busy timeout: ``stores.Busy`` (503 code -1)."""
        with self.link.transaction(write_lock(self.path), self.busy_timeout / 1000) as conn:
            yield conn

    # ---- schema -----------------------------------------------------------------------------

    def _ddl(self) -> SQLiteDDL:
        """The schema statements of this engine (see ``sqlschema``)."""
        return SQLiteDDL(self.db)

    def create_schema(self) -> None:
        db = self._ddl()
        self.link.disarm()  # schema statements (index builds) run without a time budget
        with self.transaction():
            for info in self._stored_sets():
                es = info.entity_set
                if es.kind in (m.TABULAR_SECTION, m.JOURNAL) or es.is_register:
                    continue  # a journal is read from its documents (kinds/journal.py)
                if es.kind == m.CONSTANT:
                    self._create_table(db, info.table, info.codec, pk="SurrogateKey", keys=())
                    empty = info.codec.encode(v.constant_row(es.entity_type))
                    db.insert_ignore(info.table, empty)
                    continue
                self._create_table(db, info.table, info.codec, pk="_id", keys=(("Ref_Key",),))
                if info.numbering is not None:
                    self._numbering_indexes(db, info)
                for tab in info.tabs:
                    tab_info = self._info[f"{es.name}_{tab.name}"]
                    self._create_table(db, tab_info.table, tab_info.codec, pk="_id",
                                       keys=(("Ref_Key", "LineNumber"),))
            self._create_register_schema(db)
            self.accounting.create_schema(db)

    def _stored_sets(self) -> Iterable[SetInfo]:
        """The sets whose tables ``create_schema`` creates (a subclass may store some elsewhere)."""
        return self._info.values()

    def _compiler(self, entity_set: m.EntitySet) -> Compiler:
        """The AST -> SQL compiler of one query (a subclass may supply its own)."""
        return Compiler(self.model, entity_set, dialect=self.dialect)

    @staticmethod
    def _numbering_indexes(db: SQLiteDDL | PostgreSQLDDL, info: SetInfo) -> None:
        """Code/Number: one index for lookups, one on (length, value) so the next code is a few
        index probes rather than a table scan (see ``SQLiteWrites._max_number``)."""
        assert info.numbering is not None
        name = info.numbering.name
        db.index(info.table, [name])
        if not info.numbering.numeric:
            db.length_index(info.table, name)

    @staticmethod
    def _create_table(db: SQLiteDDL | PostgreSQLDDL, name: str, codec: RowCodec, *, pk: str,
                      keys: tuple[tuple[str, ...], ...]) -> None:
        columns: dict[str, Any] = {"_id": int} if pk == "_id" else {}
        columns.update({n: codec.storage[n] for n in codec.names})
        db.table(name, columns, pk=pk)
        for key in keys:
            db.index(name, key, unique=True)
        for n in codec.names:
            if n.endswith("_Key") and not any(k[0] == n for k in keys):
                db.index(name, [n])

    # ---- reads ------------------------------------------------------------------------------

    def _rows(self, info: SetInfo, cursor: sqlite3.Cursor, tabs: list[m.Property]) -> Iterator[Row]:
        decode = info.codec.decode
        link = self.link
        while True:
            chunk = link.fetch(cursor, CHUNK)
            if not chunk:
                return
            rows = [decode(values) for values in chunk]
            if tabs:
                self._attach_tabs(info, rows, tabs)
            yield from rows

    def _owner_ids(self, info: SetInfo, rows: list[Row]) -> list[Any]:
        """The owners' keys as the tabular-section tables hold them."""
        return [r["Ref_Key"] for r in rows]

    def _attach_tabs(self, info: SetInfo, rows: list[Row], tabs: list[m.Property]) -> None:
        cond, params = self.dialect.in_list('t0."Ref_Key"', self._owner_ids(info, rows))
        for tab in tabs:
            tab_info = self._info[f"{info.table}_{tab.name}"]
            by_owner: dict[str, list[Row]] = {r["Ref_Key"]: [] for r in rows}
            sql = f'{tab_info.select} WHERE {cond} ORDER BY t0."Ref_Key", t0."LineNumber"'
            for values in self.link.run(sql, params).fetchall():
                line = tab_info.codec.decode(values)
                by_owner[line["Ref_Key"]].append(line)
            for r in rows:
                r[tab.name] = by_owner[r["Ref_Key"]]

    def _order(self, compiler: Compiler, info: SetInfo, options: QueryOptions) -> str:
        if not options.orderby and info.entity_set.insertion_ordered:
            return "t0._id"  # the clustered row id: insertion order, no sort step
        keys = [f"t0.{q(n)}" for n in info.key_names]
        return ", ".join(compiler.order_by(options.orderby) + keys)

    def stored_key(self, entity_set: m.EntitySet, ref: Any) -> Any:
        """The value the table holds for a Ref_Key."""
        return str(ref).lower()

    def _after(self, info: SetInfo, ref: str) -> str:
        """``$skiptoken`` in insertion order: the condition "after the row ``ref``"; a token
        whose row was deleted meanwhile cannot be resumed (400, the client restarts)."""
        found = self.link.run(f'SELECT t0._id FROM {q(info.table)} AS t0 WHERE t0."Ref_Key" = ?',
                              (self.stored_key(info.entity_set, ref),)).fetchone()
        if found is None:
            raise InvalidQuery("$skiptoken", "the row of the token no longer exists")
        return f"t0._id > {int(found[0])}"

    def query(self, entity_set: m.EntitySet, options: QueryOptions, *,
              restriction: Expr | None = None) -> QueryResult:
        if entity_set.kind == m.RECORD_SET:
            return self._register_query(entity_set, options, restriction)
        info = self._info[entity_set.name]
        compiler = self._compiler(entity_set)
        where = compiler.where(options.filter, restriction)
        if options.after_key is not None:
            after = self._after(info, options.after_key)
            where = f"({where}) AND {after}" if where else after
        where_sql = f" WHERE {where}" if where else ""
        total = None
        if options.inlinecount:
            total = self._count(info, where_sql, compiler.params)
        sql = f"{info.select}{where_sql} ORDER BY {self._order(compiler, info, options)}"
        params = dict(compiler.params)
        if options.top is not None or options.skip:
            sql += self.dialect.limit(":_top", ":_skip")
            params["_top"] = self.dialect.no_limit if options.top is None else options.top
            params["_skip"] = options.skip or 0
        cursor = self.link.stream(sql, params)
        tabs = v.tabular_to_load(entity_set.entity_type, options.select)
        return QueryResult(self._rows(info, cursor, tabs), total)

    def _count(self, info: SetInfo, where_sql: str, params: dict) -> int:
        return self._counted(f"SELECT count(*) FROM {q(info.table)} AS t0{where_sql}", params)

    def _counted(self, sql: str, params: dict) -> int:
        """A count, remembered per connection while the file is unchanged: ``PRAGMA
        data_version`` moves when another connection (another thread, process or the site's own
        code) commits, ``total_changes`` when this one writes; never inside a transaction
        (its own writes may still be rolled back)."""
        link = self.link
        if link.conn.in_transaction:
            return link.run(sql, params).fetchone()[0]
        stamp = (link.run("PRAGMA data_version").fetchone()[0], link.conn.total_changes)
        local = self._local
        if getattr(local, "count_stamp", None) != stamp:
            local.count_stamp, local.counts = stamp, {}
        key = (sql, tuple(sorted(params.items())))
        found = local.counts.get(key)
        if found is None:
            found = local.counts[key] = link.run(sql, params).fetchone()[0]
            if len(local.counts) > 256:
                local.counts.clear()
        return found

    def count(self, entity_set: m.EntitySet, filter: Expr | None, *,
              restriction: Expr | None = None) -> int:
        if entity_set.kind == m.RECORD_SET:
            return self._register_count(entity_set, filter, restriction)
        info = self._info[entity_set.name]
        compiler = self._compiler(entity_set)
        where = compiler.where(filter, restriction)
        return self._count(info, f" WHERE {where}" if where else "", compiler.params)

    def get(self, entity_set: m.EntitySet, key: Key) -> Row | None:
        if entity_set.kind == m.RECORD_SET:
            return self._register_get(entity_set, key)
        info = self._info[entity_set.name]
        if entity_set.kind == m.CONSTANT:
            found = self.link.run(info.select).fetchone()
            return info.codec.decode(found) if found else v.constant_row(entity_set.entity_type)
        cond = " AND ".join(f"t0.{q(n)} = ?" for n in info.key_names)
        params = [info.codec.encode_value(n, self._key_value(n, key[n])) for n in info.key_names]
        return self._one(info, f"{info.select} WHERE {cond}", params)

    def _one(self, info: SetInfo, sql: str, params: list[Any]) -> Row | None:
        """The row ``sql`` selects (tabular sections attached), or None."""
        found = self.link.run(sql, params).fetchone()
        if found is None:
            return None
        row = info.codec.decode(found)
        if info.tabs:
            self._attach_tabs(info, [row], info.tabs)
        return row

    @staticmethod
    def _key_value(name: str, value: Any) -> Any:
        return str(value).lower() if name == "Ref_Key" else int(value) if name in (
            "LineNumber", "SurrogateKey") else value

    def get_many(self, entity_set: m.EntitySet, keys: Iterable[Key]) -> Iterator[Row]:
        info = self._info[entity_set.name]
        if entity_set.kind == m.CONSTANT:
            return iter([self.get(entity_set, {"SurrogateKey": 0})])  # type: ignore[list-item]
        names = info.key_names
        packed = [[self._key_value(n, k[n]) for n in names] for k in keys]
        if not packed:
            return iter(())
        join, params = self.dialect.join_keys(names, packed)
        cursor = self.link.run(f"{info.select} {join}", params)
        return self._rows(info, cursor, info.tabs)

    def _load(self, info: SetInfo, ref: str) -> tuple[int, Row] | None:
        """``(_id, row)`` of an object with its tabular sections (the write side's read)."""
        found = self.link.run(f'SELECT t0._id, {info.select[len("SELECT "):]} WHERE t0."Ref_Key" = ?'
                              f"{self.dialect.row_lock}", (ref,)).fetchone()
        if found is None:
            return None
        row = info.codec.decode(found[1:])
        if info.tabs:
            self._attach_tabs(info, [row], info.tabs)
        return found[0], row
