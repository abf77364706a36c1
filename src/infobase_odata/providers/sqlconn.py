"""SQLite connections of the provider: pragmas, write transactions, busy retries, time budget.

One connection per process and thread; every write is a ``BEGIN IMMEDIATE`` transaction
serialized in-process by a lock per database file, nested transactions are savepoints::

    link = Link.open("trade.db", busy_timeout=5000, statement_timeout_ms=10000)
    with link.transaction():                        # the file's write lock, BEGIN IMMEDIATE
        link.execute("UPDATE ...", params)          # armed with the statement budget
        with link.transaction():                    # joins: SAVEPOINT sp1 ... RELEASE sp1
            ...

Failures SQLite reports are turned into OData errors a client can act on:

* the database stays locked by another process for longer than ``busy_timeout`` (SQLite's own
  busy handler waits that long on every ``BEGIN IMMEDIATE``), after ``BEGIN_ATTEMPTS`` tries
  with backoff: ``Busy("База данных занята, повторите запрос")`` (503 code -1);
* a statement runs longer than ``statement_timeout_ms``: the progress handler (called every
  ``PROGRESS_OPCODES`` virtual-machine instructions, a monotonic-clock compare) interrupts it:
  ``Busy("Превышено время выполнения запроса")``. 503 rather than 400:
  the same request may succeed on a less loaded server, and 1C answers internal failures with
  code -1.

The budget is per statement: it is armed when a statement starts and re-armed before each
chunk a streaming cursor fetches (the time a slow client takes to read a page is not SQL time),
and disarmed when a non-streaming statement finishes.

``synchronous=NORMAL`` in WAL mode loses no committed transaction when the process is killed
(SIGKILL): the WAL is in the OS page cache; only a power loss or OS crash can drop the last
transactions. ``synchronous="FULL"`` (an fsync per commit) is available as an option.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import threading
import time
from typing import Any, Callable, Iterator, Sequence

from ..i18n import Message
from ..stores import Busy, TooComplex
from . import sqlfunctions
from .sqllink import Transactions

BUSY_MESSAGE = Message("The database is busy, repeat the request")  # ru: i18n catalog
TIMEOUT_MESSAGE = Message("The query ran longer than allowed")
BEGIN_ATTEMPTS = 3
BACKOFF_SECONDS = 0.05
PROGRESS_OPCODES = 10_000


def busy_error() -> Busy:
    return Busy(BUSY_MESSAGE)


def timeout_error() -> Busy:
    return Busy(TIMEOUT_MESSAGE)


# SQLite's messages for a statement beyond its compile-time limits (parser stack, expression
# depth, joined tables, terms, columns, variables): the request asked too much, 400 code 14.
TOO_COMPLEX = ("parser stack overflow", "expression tree is too large", "too many", "at most ",
               "pattern too complex", "string or blob too big")
TOO_COMPLEX_MESSAGE = Message("Error parsing query option: the query is too complex")


def translate(exc: sqlite3.Error) -> Busy | TooComplex | None:
    """The store error for a lock or time-budget failure or a too complex statement; None for
    anything else."""
    if not isinstance(exc, sqlite3.OperationalError):
        return None
    text = str(exc).lower()
    if any(marker in text for marker in TOO_COMPLEX):
        return TooComplex(TOO_COMPLEX_MESSAGE)
    if "interrupted" in text:
        return timeout_error()
    if "locked" in text or "busy" in text:
        return busy_error()
    return None


_locks: dict[tuple[int, str], threading.RLock] = {}
_locks_guard = threading.Lock()


_real_paths: dict[str, str] = {}  # path as given -> realpath (a syscall per component)


def write_lock(path: str) -> threading.RLock:
    """The in-process lock serializing writers of one database file (keyed by pid too: a lock
    copied into a forked child in the locked state must not be reused)."""
    real = _real_paths.get(path)
    if real is None:
        real = _real_paths[path] = os.path.realpath(path)
    key = (os.getpid(), real)
    lock = _locks.get(key)
    if lock is not None:
        return lock
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = threading.RLock()
        return lock


class Link(Transactions):
    """One connection with its statement budget and transaction depth (one per thread)."""

    def __init__(self, conn: sqlite3.Connection, budget_ms: int | None, *, path: str = "",
                 lock_timeout: float = 5.0) -> None:
        self.conn = conn
        self.path = path
        self.lock_timeout = lock_timeout
        self._held: threading.RLock | None = None
        self.seconds = budget_ms / 1000 if budget_ms else None
        self.deadline = math.inf
        self.depth = 0
        self.memo: dict[Any, Any] = {}  # see sqllink.Transactions
        if self.seconds:
            conn.set_progress_handler(self._expired, PROGRESS_OPCODES)

    @classmethod
    def open(cls, path: str, *, busy_timeout: int, statement_timeout_ms: int | None,
             synchronous: str = "NORMAL", trace: Callable[[str], None] | None = None) -> "Link":
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                               timeout=busy_timeout / 1000)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {'FULL' if synchronous.upper() == 'FULL' else 'NORMAL'}")
        except sqlite3.OperationalError as exc:
            conn.close()
            raise translate(exc) or exc from None
        # LIKE is only used for startswith/endswith/substringof: case-sensitive as eq is.
        conn.execute("PRAGMA case_sensitive_like = ON")
        sqlfunctions.register(conn)
        if trace is not None:
            conn.set_trace_callback(trace)
        return cls(conn, statement_timeout_ms, path=path, lock_timeout=busy_timeout / 1000)

    def _expired(self) -> bool:
        return time.monotonic() > self.deadline

    def arm(self) -> None:
        if self.seconds:
            self.deadline = time.monotonic() + self.seconds

    def disarm(self) -> None:
        self.deadline = math.inf

    def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> sqlite3.Cursor:
        """Run one statement under the time budget; the caller fetches (then ``disarm``)."""
        self.arm()
        try:
            return self.conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            self.disarm()
            raise translate(exc) or exc from None

    def run(self, sql: str, params: Sequence[Any] | dict = ()) -> sqlite3.Cursor:
        """``execute`` for statements read at once (writes, lookups): disarmed on return."""
        try:
            return self.execute(sql, params)
        finally:
            self.disarm()

    def stream(self, sql: str, params: Sequence[Any] | dict = ()) -> sqlite3.Cursor:
        """A cursor read in chunks with ``fetch`` (SQLite steps it lazily)."""
        return self.run(sql, params)

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.arm()
        try:
            self.conn.executemany(sql, rows)
        except sqlite3.OperationalError as exc:
            raise translate(exc) or exc from None
        finally:
            self.disarm()

    def fetch(self, cursor: sqlite3.Cursor, size: int) -> list:
        """The next chunk of a streaming cursor, under a fresh budget."""
        self.arm()
        try:
            return cursor.fetchmany(size)
        except sqlite3.OperationalError as exc:
            raise translate(exc) or exc from None
        finally:
            self.disarm()

    # ---- transactions (the nesting rules are in ``sqllink``) -----------------------------------

    @property
    def handle(self) -> sqlite3.Connection:
        return self.conn

    def changes(self) -> int:
        return self.conn.total_changes

    def close_stream(self, cursor: sqlite3.Cursor) -> None:
        """A stream read out or abandoned (its connection may be closed already)."""
        with contextlib.suppress(sqlite3.Error):
            cursor.close()

    def _begin(self) -> None:
        """The in-process write lock of the file, then ``BEGIN IMMEDIATE`` with busy retries."""
        lock = write_lock(self.path)
        if not lock.acquire(timeout=self.lock_timeout):
            raise busy_error()
        self._held = lock
        try:
            for attempt in range(BEGIN_ATTEMPTS):
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    error = translate(exc)
                    if error is None or error.message != BUSY_MESSAGE:
                        raise error or exc from None
                if attempt + 1 < BEGIN_ATTEMPTS:
                    time.sleep(BACKOFF_SECONDS * 2 ** attempt)
            raise busy_error()
        except BaseException:
            self._finish()
            raise

    def _commit(self) -> None:
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise translate(exc) or exc from None

    def _rollback(self) -> None:
        self._quiet("ROLLBACK")

    def _finish(self) -> None:
        lock, self._held = self._held, None
        if lock is not None:
            lock.release()

    def _statement(self, sql: str) -> None:
        self.conn.execute(sql)

    def _quiet(self, sql: str) -> None:
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute(sql)

    def close(self) -> None:
        self.conn.close()


class SQLiteConnector:
    """How the SQL provider reaches a SQLite file (``SQLProvider(model, SQLITE, connector)``):
    ``busy_timeout`` (ms): how long SQLite waits for another writer's lock on each try;
    ``statement_timeout_ms``: the time budget of one statement (0 or None: unlimited);
    ``synchronous``: ``NORMAL`` (durable against process crashes in WAL mode) or ``FULL``;
    ``trace`` receives every statement executed (``sqlite3`` trace callback)."""

    def __init__(self, path: str | os.PathLike, *, busy_timeout: int = 5000,
                 statement_timeout_ms: int | None = 10000, synchronous: str = "NORMAL",
                 trace: Callable[[str], None] | None = None) -> None:
        self.location = str(path)
        self.busy_timeout = busy_timeout
        self.statement_timeout_ms = statement_timeout_ms
        self.synchronous = synchronous
        self.trace = trace
        self._local = threading.local()

    def open(self) -> Link:
        return Link.open(self.location, busy_timeout=self.busy_timeout,
                         statement_timeout_ms=self.statement_timeout_ms,
                         synchronous=self.synchronous, trace=self.trace)

    def usable(self, link: Link) -> bool:
        return True

    def lock(self, link: Link, name: str) -> None:
        """Nothing to take: a write transaction (``BEGIN IMMEDIATE``) already holds the file."""

    def ddl(self, link: Link) -> Any:
        import sqlite_utils

        from .sqlschema import SQLiteDDL
        return SQLiteDDL(sqlite_utils.Database(link.conn, execute_plugins=False))

    def before_schema(self, link: Link) -> None:
        """SQLite needs no lock beyond the write transaction's."""

    def schema_check(self) -> Any:
        from .sqlschemacheck import SchemaCheck
        return SchemaCheck()

    def counted(self, link: Link, sql: str, params: dict) -> int:
        """A count, remembered per connection while the file is unchanged: ``PRAGMA
        data_version`` moves when another connection (another thread, process or the site's own
        code) commits, ``total_changes`` when this one writes; never inside a transaction
        (its own writes may still be rolled back)."""
        if link.conn.in_transaction:
            return link.run(sql, params).fetchone()[0]
        stamp = (id(link), link.run("PRAGMA data_version").fetchone()[0], link.conn.total_changes)
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
