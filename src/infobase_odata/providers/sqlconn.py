"""SQLite connections of the provider: pragmas, write transactions, busy retries, time budget.

One connection per process and thread; every write is a ``BEGIN IMMEDIATE`` transaction
serialized in-process by a lock per database file, nested transactions are savepoints::

    link = Link.open("trade.db", busy_timeout=5000, statement_timeout_ms=10000)
    with link.transaction(write_lock("trade.db"), lock_timeout=5.0):
        link.execute("UPDATE ...", params)          # armed with the statement budget
        with link.transaction(...):                 # joins: SAVEPOINT sp1 ... RELEASE sp1
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

from ..stores import Busy, TooComplex
from . import sqlfunctions

BUSY_MESSAGE = "База данных занята, повторите запрос"
TIMEOUT_MESSAGE = "Превышено время выполнения запроса"
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
TOO_COMPLEX_MESSAGE = "Ошибка при разборе опции запроса: запрос слишком сложен"


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


class Link:
    """One connection with its statement budget and transaction depth (one per thread)."""

    def __init__(self, conn: sqlite3.Connection, budget_ms: int | None) -> None:
        self.conn = conn
        self.seconds = budget_ms / 1000 if budget_ms else None
        self.deadline = math.inf
        self.depth = 0
        # Facts a writer may reuse inside the current write transaction (the next number of a
        # set); cleared when a transaction begins or a savepoint rolls back.
        self.memo: dict[Any, Any] = {}
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
        return cls(conn, statement_timeout_ms)

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

    def _begin(self) -> None:
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

    @contextlib.contextmanager
    def transaction(self, lock: threading.RLock, lock_timeout: float) -> Iterator[sqlite3.Connection]:
        conn = self.conn
        if self.depth:
            name = f"sp{self.depth}"
            conn.execute(f"SAVEPOINT {name}")
            self.depth += 1
            try:
                yield conn
            except BaseException:
                self.memo.clear()
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                raise
            else:
                conn.execute(f"RELEASE {name}")
            finally:
                self.depth -= 1
            return
        if not lock.acquire(timeout=lock_timeout):
            raise busy_error()
        try:
            self._begin()
            self.memo.clear()
            self.depth = 1
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                self._commit()
            finally:
                self.depth = 0
        finally:
            lock.release()

    def _commit(self) -> None:
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise translate(exc) or exc from None

    def close(self) -> None:
        self.conn.close()
