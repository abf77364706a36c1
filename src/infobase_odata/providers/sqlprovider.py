"""SQLProvider: the SQL store, one class for every engine, built from a dialect (what the SQL
compiler and the statements ask: ``dialect.py``) and a connector (how connections are opened per
process and thread, locks shared across hosts, schema statements, counts: ``sqlconn`` for
SQLite, ``pgconn`` for PostgreSQL)::

    provider = SQLProvider(model, SQLITE, SQLiteConnector("trade.db"))      # = SQLiteProvider
    provider = SQLProvider(model, POSTGRESQL, PostgreSQLConnector(url))     # = PostgreSQLProvider
    page = provider.query(goods, QueryOptions(top=50, skip=100, inlinecount=True))

The read path (filters, ordering, paging and counts run in SQL; large collections stream in
chunks) is here; writes and registers are stores the provider builds in ``_build_stores`` and
holds as attributes (``objects``: ``sqlitewrites``, ``registers``: ``sqlite_registers``).
Schema: one table per object set, named exactly as the entity set (Cyrillic kept, identifiers
quoted), with an ``_id`` integer key and a unique ``Ref_Key``: counts and page scans walk the
small integer b-tree while key lookups use the unique index.  One table per tabular section
(``Document_SalesOrder_Goods``: ``Ref_Key`` + ``LineNumber``, unique together), one per constant
(its single row, ``SurrogateKey`` 0, inserted empty).  Every ``_Key`` column is indexed.
Value storage is described in ``sqlcodec`` (exact scaled-integer numbers).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol


from .. import model as m, registers as r
from ..i18n import Message
from ..stores import InvalidQuery, Key, QueryResult, Row
from ..query.ast import Expr, QueryOptions
from .. import values as v
from .dialect import Dialect
from .exchange import recording
from .exchange_sql import SQLExchange
from .sql import Compiler
from .sqlcodec import RowCodec
from .accounting_sql import SQLAccounting
from .calculations_sql import SQLCalculations
from .sqlite_registers import SQLRegisters
from .sqlnames import q
from .sqlschema import PostgreSQLDDL, SQLiteDDL
from .sqltables import SetInfo, key_value
from .sqlitewrites import SQLObjectWrites

CHUNK = 500  # owners per tabular-section query while streaming a page


class Connector(Protocol):
    """What the provider needs of an engine's connections (``SQLiteConnector``,
    ``PostgreSQLConnector``)."""

    location: str  # the file or the server's connection string

    def open(self) -> Any:
        """A new link (connection + transactions, ``sqllink``) for this process and thread."""

    def usable(self, link: Any) -> bool:
        """False for a broken link that must be replaced before the next statement."""

    def lock(self, link: Any, name: str) -> None:
        """A transaction-scoped lock every host serializes on."""

    def ddl(self, link: Any) -> SQLiteDDL | PostgreSQLDDL:
        """The schema statements of the engine on ``link``."""

    def before_schema(self, link: Any) -> None:
        """Inside the schema transaction, before any table (locks, server-side functions)."""

    def schema_check(self) -> Any:
        """A recorder of the schema statements that tells whether a database already holds
        their result (``sqlschemacheck.SchemaCheck``), or None to always run them."""

    def counted(self, link: Any, sql: str, params: dict) -> int:
        """The count ``sql`` returns (the connector may remember it while nothing changed)."""


class Stream:
    """The rows of a streaming cursor. Closing it, or dropping it unread (a client that went
    away mid-response: the server closes or drops the response's iterator), closes the cursor,
    so the connection a PostgreSQL stream holds goes back to the pool."""

    def __init__(self, link: Any, cursor: Any, rows: Iterator[Row]) -> None:
        self._link, self._cursor, self._rows = link, cursor, rows

    def __iter__(self) -> "Stream":
        return self

    def __next__(self) -> Row:
        return next(self._rows)

    def close(self) -> None:
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            self._rows.close()
            self._link.close_stream(cursor)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the connection may be gone (interpreter shutdown)
            pass


@recording(SQLExchange)  # exchange-plan changes in every write's transaction (exchange.py)
class SQLProvider:
    """The store over one SQL database; ``trace`` is the connector's statement trace (if any)."""

    def __init__(self, model: m.Model, dialect: Dialect, connector: Connector) -> None:
        self.model = model
        self.dialect = dialect
        self.connector = connector
        self._local = threading.local()
        self._schema_pid: int | None = None
        self._schema_lock: tuple[int, threading.Lock] = (os.getpid(), threading.Lock())
        self.sets: dict[str, SetInfo] = {}
        self._info = self.sets  # the name the stores and the mapped provider use
        for entity_set in model.entity_sets.values():
            self.sets[entity_set.name] = SetInfo(entity_set, native_bool=dialect.native_bool)
        self._build_stores()

    def _build_stores(self) -> None:
        """The stores of this provider, each holding what it needs of it (``sqlstore.SQLStore``);
        a new store kind is one more attribute here."""
        self.objects = SQLObjectWrites(self)
        self.registers = SQLRegisters(self)
        self.accounting = SQLAccounting(self)  # accounting registers (kinds/reads.py routes them)
        self.calculations = SQLCalculations(self)

    # ---- connections ------------------------------------------------------------------------

    @property
    def link(self) -> Any:
        """This thread's connection (opened on first use in each process and thread; a broken
        one is replaced between transactions)."""
        pid = os.getpid()
        local = self._local
        old = getattr(local, "link", None)
        if old is not None and getattr(local, "pid", None) == pid and not self.connector.usable(old):
            old.close()
            local.pid = None
        if getattr(local, "pid", None) != pid:
            local.link = self.connector.open()
            local.pid = pid
        if self._schema_pid != pid and not getattr(local, "creating_schema", False):
            self._ensure_schema(local, pid)
        return local.link

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
    def conn(self) -> Any:
        return self.link.conn

    def close(self) -> None:
        link = getattr(self._local, "link", None)
        if link is not None and getattr(self._local, "pid", None) == os.getpid():
            link.close()
        self._local.pid = None

    def transaction(self) -> Any:
        """One transaction on this thread's connection: COMMIT on success, ROLLBACK on any
        exception (re-raised). Writes and reads inside join it (reads see its writes); a nested
        ``transaction()`` is a savepoint. Lock waits past the engine's timeout: ``stores.Busy``
        (503 code -1)."""
        return self.link.transaction()

    @property
    def in_transaction(self) -> bool:
        """A transaction of this thread is open (a failure inside cannot be retried alone)."""
        link = getattr(self._local, "link", None)
        return bool(link is not None and getattr(self._local, "pid", None) == os.getpid() and link.depth)

    def lock(self, name: str) -> None:
        """A transaction-scoped lock that writers on every host share (see the connector)."""
        self.connector.lock(self.link, name)

    # ---- schema -----------------------------------------------------------------------------

    def create_schema(self) -> None:
        link = self.link
        check = self.connector.schema_check()
        if check is not None:  # SQLite: one catalog read when the file already has everything
            self._schema(check)
            if check.present(link.handle):
                return
        db = self.connector.ddl(link)
        link.disarm()  # schema statements (index builds) run without a time budget
        with self.transaction():
            self.connector.before_schema(link)
            self._schema(db)

    def _schema(self, db: Any) -> None:
        """The schema statements through ``db`` (``sqlschema``'s DDL, or a ``SchemaCheck``
        recording them)."""
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
        self.registers._create_register_schema(db)
        self.calculations.create_schema(db)
        self.accounting.create_schema(db)
        self.exchange.schema(db)

    def _stored_sets(self) -> Iterable[SetInfo]:
        """The sets whose tables ``create_schema`` creates (a subclass may store some elsewhere)."""
        return self._info.values()

    def _compiler(self, entity_set: m.EntitySet) -> Compiler:
        """The AST -> SQL compiler of one query (a subclass may supply its own)."""
        return Compiler(self.model, entity_set, dialect=self.dialect)

    @staticmethod
    def _numbering_indexes(db: SQLiteDDL | PostgreSQLDDL, info: SetInfo) -> None:
        """Code/Number: one index for lookups, one on (length, value) so the next code is a few
        index probes rather than a table scan (see ``SQLObjectWrites._max_number``)."""
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

    def _rows(self, info: SetInfo, cursor: Any, tabs: list[m.Property]) -> Iterator[Row]:
        return Stream(self.link, cursor, self._read(info, cursor, tabs))

    def _read(self, info: SetInfo, cursor: Any, tabs: list[m.Property]) -> Iterator[Row]:
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
            raise InvalidQuery("$skiptoken", Message("the row of the token no longer exists"))
        return f"t0._id > {int(found[0])}"

    def query(self, entity_set: m.EntitySet, options: QueryOptions, *,
              restriction: Expr | None = None) -> QueryResult:
        if entity_set.kind == m.RECORD_SET:
            return self.registers._register_query(entity_set, options, restriction)
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
        return self.connector.counted(self.link, sql, params)

    def count(self, entity_set: m.EntitySet, filter: Expr | None, *,
              restriction: Expr | None = None) -> int:
        if entity_set.kind == m.RECORD_SET:
            return self.registers._register_count(entity_set, filter, restriction)
        info = self._info[entity_set.name]
        compiler = self._compiler(entity_set)
        where = compiler.where(filter, restriction)
        return self._count(info, f" WHERE {where}" if where else "", compiler.params)

    def get(self, entity_set: m.EntitySet, key: Key) -> Row | None:
        if entity_set.kind == m.RECORD_SET:
            return self.registers._register_get(entity_set, key)
        info = self._info[entity_set.name]
        if entity_set.kind == m.CONSTANT:
            found = self.link.run(info.select).fetchone()
            return info.codec.decode(found) if found else v.constant_row(entity_set.entity_type)
        return self._one(info, info.select_by_key, info.key_params(key))

    def _one(self, info: SetInfo, sql: str, params: list[Any]) -> Row | None:
        """The row ``sql`` selects (tabular sections attached), or None."""
        found = self.link.run(sql, params).fetchone()
        if found is None:
            return None
        row = info.codec.decode(found)
        if info.tabs:
            self._attach_tabs(info, [row], info.tabs)
        return row

    def get_many(self, entity_set: m.EntitySet, keys: Iterable[Key]) -> Iterator[Row]:
        info = self._info[entity_set.name]
        if entity_set.kind == m.CONSTANT:
            return iter([self.get(entity_set, {"SurrogateKey": 0})])  # type: ignore[list-item]
        names = info.key_names
        packed = [[key_value(n, k[n]) for n in names] for k in keys]
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

    # ---- the stores' API (the Protocols of ``stores.py``) -----------------------------------

    def create(self, entity_set: m.EntitySet, values: Row) -> Row:
        return self.objects.create(entity_set, values)

    def bulk_insert(self, entity_set: m.EntitySet, rows: Iterable[Row]) -> int:
        return self.objects.bulk_insert(entity_set, rows)

    def set_constant(self, entity_set: m.EntitySet, value: Any, *, if_match: str | None = None) -> Row:
        return self.objects.set_constant(entity_set, value, if_match=if_match)

    def update(self, entity_set: m.EntitySet, key: Key, values: Row, *,
               if_match: str | None = None, replace: bool = False) -> Row:
        return self.objects.update(entity_set, key, values, if_match=if_match, replace=replace)

    def delete(self, entity_set: m.EntitySet, key: Key, *, if_match: str | None = None) -> None:
        return self.objects.delete(entity_set, key, if_match=if_match)

    def read_record_set(self, register_set: m.EntitySet, recorder: Key) -> list[Row]:
        return self.registers.read_record_set(register_set, recorder)

    def write_record_set(self, register_set: m.EntitySet, recorder: Key,
                         rows: Iterable[Mapping[str, Any]]) -> list[Row]:
        return self.registers.write_record_set(register_set, recorder, rows)

    def bulk_write_record_sets(self, register_set: m.EntitySet,
                               items: Iterable[tuple[Key, Iterable[Mapping[str, Any]]]]) -> int:
        return self.registers.bulk_write_record_sets(register_set, items)

    def rebuild_totals(self, register_set: m.EntitySet) -> None:
        self.registers.rebuild_totals(register_set)

    def virtual_table(self, entity_set: m.EntitySet, params: r.VTParams, *, restriction: Expr | None = None,
                      options: QueryOptions = QueryOptions(), result_set: m.EntitySet | None = None) -> QueryResult:
        return self.registers.virtual_table(entity_set, params, restriction=restriction, options=options,
                                            result_set=result_set)

    def calculation_table(self, register_set: m.EntitySet, params: Any, **kwargs: Any) -> QueryResult:
        return self.calculations.query(register_set, params, **kwargs)

    def calculation_written(self, register_set: m.EntitySet, recorder: Key, old: list, new: list) -> None:
        self.calculations.record_set_written(register_set, recorder, old, new)

    @property
    def use_totals(self) -> bool:
        """Read Balance through the totals tables (False: from every movement)."""
        return self.registers.use_totals

    @use_totals.setter
    def use_totals(self, value: bool) -> None:
        self.registers.use_totals = value
