"""PostgreSQL connections of the provider: a psycopg pool per process (opened lazily, so a
forked gunicorn worker opens its own), one pooled connection per thread, transactions with
savepoints, server-side cursors for streaming, a statement timeout on every statement::

    pool = Pools.get("postgresql://app@db/trade", size=16, statement_timeout_ms=10000)
    link = PgLink(pool)
    with link.transaction():                     # BEGIN ... COMMIT (nested: SAVEPOINT)
        link.run("UPDATE ... WHERE _id = ? AND \\"DataVersion\\" = ?", params)
    cursor = link.stream('SELECT ... ORDER BY t0."Ref_Key"', {})   # a server-side cursor
    rows = link.fetch(cursor, 500)

Statements are written with SQLite's placeholders (``?``, ``:name``) and rewritten here to
psycopg's (``%s``, ``%(name)s``). Failures a client can act on become ``stores.Busy`` (503 code
-1): a deadlock or serialization failure PostgreSQL reports (the transaction is rolled back;
nothing half-written), a lock or statement timeout, the database server unreachable.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import threading
import zlib
from typing import Any, Callable, Sequence

import psycopg
from psycopg import errors as pg_errors
from psycopg.types.numeric import Int8Dumper
from psycopg_pool import ConnectionPool, PoolTimeout

from ..i18n import Message
from ..stores import Busy, TooComplex, WriteConflict
from .sqlconn import BUSY_MESSAGE, TIMEOUT_MESSAGE, TOO_COMPLEX_MESSAGE
from .sqllink import Transactions

CONFLICT_MESSAGE = Message("Concurrent writes conflicted, repeat the request")
DOWN_MESSAGE = Message("The database server is unavailable, repeat the request")
MAX_STREAMS = 8  # open server-side cursors kept per connection
_PARAM = re.compile(r"\?|(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=4096)
def to_psycopg(sql: str) -> str:
    """``?``/``:name`` placeholders as ``%s``/``%(name)s`` (``%`` doubled)."""
    return _PARAM.sub(lambda m: "%s" if m.group(0) == "?" else f"%({m.group(1)})s", sql.replace("%", "%%"))


def translate(exc: psycopg.Error) -> Busy | TooComplex | None:
    """The store error for a concurrency, time or availability failure or a statement beyond the
    server's limits; None for anything else."""
    if isinstance(exc, (pg_errors.StatementTooComplex, pg_errors.TooManyColumns, pg_errors.ProgramLimitExceeded)):
        return TooComplex(TOO_COMPLEX_MESSAGE)
    if isinstance(exc, (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)):
        return WriteConflict(CONFLICT_MESSAGE)
    if isinstance(exc, pg_errors.LockNotAvailable):
        return Busy(BUSY_MESSAGE)
    if isinstance(exc, pg_errors.QueryCanceled):
        return Busy(TIMEOUT_MESSAGE)
    if isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
        return Busy(DOWN_MESSAGE)
    return None


class Pools:
    """One pool per (process, conninfo): created on first use in each process."""

    _pools: dict[tuple[int, str], ConnectionPool] = {}
    _guard = threading.Lock()

    @classmethod
    def get(cls, conninfo: str, *, size: int, statement_timeout_ms: int | None) -> ConnectionPool:
        key = (os.getpid(), conninfo)
        pool = cls._pools.get(key)
        if pool is not None:
            return pool
        with cls._guard:
            pool = cls._pools.get(key)
            if pool is None:
                timeout = int(statement_timeout_ms or 0)

                def configure(conn: psycopg.Connection) -> None:
                    # every int a BIGINT (psycopg picks int2/int4 for small ones, and
                    # int4 * int4 overflows where SQLite's 64-bit arithmetic does not)
                    conn.adapters.register_dumper(int, Int8Dumper)
                    conn.autocommit = True
                    conn.execute(f"SET statement_timeout = {timeout}")
                    conn.execute("SET lock_timeout = 5000")

                pool = ConnectionPool(conninfo, min_size=1, max_size=size, open=False,
                                      configure=configure, check=ConnectionPool.check_connection,
                                      timeout=10, name=f"infobase-odata-{os.getpid()}")
                pool.open(wait=False)
                cls._pools[key] = pool
            return pool


    @classmethod
    def close(cls, conninfo: str) -> None:
        """Close this process's pool of ``conninfo`` (tests, shutdown)."""
        pool = cls._pools.pop((os.getpid(), conninfo), None)
        if pool is not None:
            pool.close()


class PgLink(Transactions):
    """The database side of one thread: a pooled connection held while a transaction or a
    stream is open (given back to the pool between statements otherwise), the transaction
    depth and the open streams."""

    def __init__(self, pool: ConnectionPool, trace: Callable[[str], None] | None = None) -> None:
        self.pool = pool
        self.trace = trace
        self._conn: psycopg.Connection | None = None
        self.depth = 0
        self._streams: list[psycopg.ServerCursor] = []
        self._count = 0

    @property
    def conn(self) -> psycopg.Connection:
        if self._conn is None:
            try:
                self._conn = self.pool.getconn()
            except PoolTimeout:
                raise Busy(BUSY_MESSAGE) from None
        return self._conn

    def _release(self) -> None:
        """Back to the pool when nothing is open on the connection."""
        if self._conn is not None and not self.depth and not self._streams:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                self.pool.putconn(conn)

    # ---- statements -------------------------------------------------------------------------

    def _cursor_run(self, cursor: Any, sql: str, params: Any) -> Any:
        if self.trace is not None:
            self.trace(sql)
        try:
            cursor.execute(to_psycopg(sql), self._params(params))
        except psycopg.Error as exc:
            raise translate(exc) or exc from None
        return cursor

    @staticmethod
    def _params(params: Any) -> Any:
        return params if isinstance(params, dict) else list(params)

    def run(self, sql: str, params: Sequence[Any] | dict = ()) -> psycopg.Cursor:
        """One statement, its result read at once (the client cursor holds it)."""
        try:
            return self._cursor_run(self.conn.cursor(), sql, params)
        finally:
            self._release()

    execute = run

    def raw(self, sql: str) -> None:
        """A statement without parameters, run as written (schema, functions)."""
        if self.trace is not None:
            self.trace(sql)
        try:
            self.conn.execute(sql)  # type: ignore[arg-type]
        except psycopg.Error as exc:
            raise translate(exc) or exc from None
        finally:
            self._release()

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if self.trace is not None:
            self.trace(sql)
        try:
            with self.conn.cursor() as cursor:
                cursor.executemany(to_psycopg(sql), [list(r) for r in rows])
        except psycopg.Error as exc:
            raise translate(exc) or exc from None
        finally:
            self._release()

    def stream(self, sql: str, params: Sequence[Any] | dict = ()) -> Any:
        """A server-side cursor (memory flat in the result size on this side). Outside a
        transaction it is a ``WITH HOLD`` cursor, so several may be read in turns; it is closed
        when read out (the oldest of more than ``MAX_STREAMS`` abandoned ones too)."""
        self._count += 1
        cursor = self.conn.cursor(name=f"stream_{self._count}", withhold=self.depth == 0)
        self._streams.append(cursor)
        while len(self._streams) > MAX_STREAMS:
            self._close_cursor(self._streams.pop(0))
        try:
            return self._cursor_run(cursor, sql, params)
        except BaseException:
            self._close_cursor(cursor)
            raise

    def fetch(self, cursor: Any, size: int) -> list:
        if cursor.closed:  # read out (closed by the previous call)
            return []
        try:
            rows = cursor.fetchmany(size)
        except psycopg.Error as exc:
            self._close_cursor(cursor)
            raise translate(exc) or exc from None
        if len(rows) < size:
            self._close_cursor(cursor)
        return rows

    def _close_cursor(self, cursor: Any) -> None:
        if cursor in self._streams:
            self._streams.remove(cursor)
        with contextlib.suppress(psycopg.Error):
            cursor.close()
        self._release()

    close_stream = _close_cursor  # a stream read out or abandoned (sqlprovider.Stream)

    def _end_streams(self) -> None:
        for cursor in list(self._streams):
            self._close_cursor(cursor)

    def arm(self) -> None:
        """The statement timeout is the server's (``SET statement_timeout``)."""

    disarm = arm

    # ---- transactions (the nesting rules are in ``sqllink``) -----------------------------------

    @property
    def handle(self) -> psycopg.Connection:
        return self.conn

    def _begin(self) -> None:
        self.depth = 1  # holds the connection from BEGIN on
        try:
            self.raw("BEGIN")
        except BaseException:
            self.depth = 0
            self._release()
            raise

    def _commit(self) -> None:
        try:
            self.raw("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        self._quiet("ROLLBACK")

    def _finish(self) -> None:
        self.depth = 0
        self._release()

    def _statement(self, sql: str) -> None:
        self.raw(sql)

    def _quiet(self, sql: str) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.execute(sql)  # type: ignore[arg-type]

    @property
    def broken(self) -> bool:
        return self._conn is not None and (self._conn.closed or self._conn.broken)

    def close(self) -> None:
        """Give the connection back to the pool (rolled back if a statement was left open)."""
        self._end_streams()
        self.depth = 0
        self._release()


SCHEMA_LOCK = "infobase-odata schema"


def lock_key(name: str) -> int:
    """A stable 64-bit advisory-lock key for a name (every host computes the same)."""
    return zlib.crc32(name.encode()) | (0x0D474A01 << 32)


class PostgreSQLConnector:
    """How the SQL provider reaches a PostgreSQL server (``SQLProvider(model, POSTGRESQL,
    connector)``): ``database``, a libpq connection string or URL; ``pool_size``, connections per
    process (one per serving thread); ``statement_timeout_ms``, the server-side bound of every
    statement (0 or None: none); ``trace`` receives every statement run (as written, with ``?``
    placeholders)."""

    def __init__(self, database: str, *, pool_size: int = 16, statement_timeout_ms: int | None = 10000,
                 trace: Callable[[str], None] | None = None) -> None:
        self.location = database
        self.pool_size = pool_size
        self.statement_timeout_ms = statement_timeout_ms
        self.trace = trace

    def open(self) -> PgLink:
        return PgLink(Pools.get(self.location, size=self.pool_size, statement_timeout_ms=self.statement_timeout_ms),
                      self.trace)

    def usable(self, link: PgLink) -> bool:
        # the pool discards a broken connection; the next use takes a new one
        return link.depth > 0 or not link.broken

    def lock(self, link: PgLink, name: str) -> None:
        """A transaction-scoped advisory lock (every host serializes on the same key)."""
        link.run("SELECT pg_advisory_xact_lock(?)", (lock_key(name),))

    def schema_check(self) -> None:
        """The schema step already locks nothing on a started host (``to_regclass`` first)."""
        return None

    def ddl(self, link: PgLink) -> Any:
        from .sqlschema import PostgreSQLDDL
        return PostgreSQLDDL(link.run)

    def before_schema(self, link: PgLink) -> None:
        """Hosts starting together create the schema one at a time; the filter functions first."""
        from .pgfunctions import FUNCTIONS
        self.lock(link, SCHEMA_LOCK)
        for statement in FUNCTIONS:
            link.raw(statement)

    def counted(self, link: PgLink, sql: str, params: dict) -> int:
        # SQLite remembers counts while PRAGMA data_version is unchanged; PostgreSQL has no such
        # cheap stamp of other hosts' commits, so every count is run.
        return link.run(sql, params).fetchone()[0]
