"""PostgreSQLProvider: the same store as SQLite on a PostgreSQL server, for several application
hosts on one database; the SQL provider parameterised by the PostgreSQL dialect and connection::

    provider = PostgreSQLProvider(model, "postgresql://app@db.local/trade")   # no I/O yet
    page = provider.query(goods, QueryOptions(top=50, inlinecount=True))

Tables, columns and statements are those of ``SQLiteProvider`` (``sqlite.py``: one table per
set, ``_id`` identity + unique ``Ref_Key``; values as ``sqlcodec`` stores them, booleans as
``BOOLEAN``, wide decimals as ``NUMERIC``, text ``COLLATE "C"`` so comparisons and order are
by code point as on SQLite); the schema and the filter functions (``pgfunctions``) are created
on first use in each process, under an advisory lock, so hosts starting together do not race.

Concurrency across hosts (READ COMMITTED): an update reads the stored row ``FOR UPDATE`` and
compares-and-sets on ``DataVersion`` (If-Match: 412, never a lost update); numbering and
record-set writes (with the totals they maintain) take a transaction-scoped advisory lock per
table; the totals upsert is one ``INSERT … ON CONFLICT DO UPDATE``. A deadlock or
serialization failure PostgreSQL reports rolls the transaction back and answers 503 code -1
("Конфликт одновременной записи, повторите запрос"); ``statement_timeout_ms`` bounds every
statement (503, "Превышено время выполнения запроса").
"""

from __future__ import annotations

import contextlib
import os
import threading
import zlib
from typing import Any, Callable, Iterable, Iterator, Mapping

from .. import model as m
from ..stores import Key, Row
from .dialect import POSTGRESQL, Dialect
from .pgconn import PgLink, Pools
from .pgfunctions import FUNCTIONS
from .sqlite import SQLiteProvider
from .sqlschema import PostgreSQLDDL
from .sqltables import SetInfo

SCHEMA_LOCK = "infobase-odata schema"


def lock_key(name: str) -> int:
    """A stable 64-bit advisory-lock key for a name (every host computes the same)."""
    return zlib.crc32(name.encode()) | (0x0D474A01 << 32)


class PostgreSQLProvider(SQLiteProvider):
    """``database``: a libpq connection string or URL (``postgresql://user@host/dbname``);
    ``pool_size``: connections per process (one per serving thread);
    ``statement_timeout_ms``: the server-side bound of every statement (0 or None: none)."""

    dialect: Dialect = POSTGRESQL

    def __init__(self, model: m.Model, database: str, *, pool_size: int = 16,
                 statement_timeout_ms: int | None = 10000,
                 trace: Callable[[str], None] | None = None) -> None:
        super().__init__(model, database, trace=trace, statement_timeout_ms=statement_timeout_ms)
        self.database = database
        self.pool_size = pool_size

    # ---- connections ------------------------------------------------------------------------

    def _open_link(self, local: threading.local) -> PgLink:  # type: ignore[override]
        pool = Pools.get(self.database, size=self.pool_size, statement_timeout_ms=self.statement_timeout_ms)
        return PgLink(pool)

    @property
    def link(self) -> PgLink:  # type: ignore[override]
        local = self._local
        old = getattr(local, "link", None)
        if old is not None and getattr(local, "pid", None) == os.getpid() and old.broken and not old.depth:
            old.close()  # the pool discards a broken connection; the next use takes a new one
            local.pid = None
        return SQLiteProvider.link.fget(self)  # type: ignore[attr-defined,no-any-return]

    @property
    def db(self) -> Any:
        raise AttributeError("PostgreSQLProvider has no sqlite_utils database")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """``BEGIN`` … ``COMMIT`` on this thread's connection (nested: a savepoint); ROLLBACK on
        any exception (re-raised)."""
        with self.link.transaction() as conn:
            yield conn

    def _lock(self, name: str) -> None:
        """A transaction-scoped advisory lock (every host serializes on the same key)."""
        self.link.run("SELECT pg_advisory_xact_lock(?)", (lock_key(name),))

    # ---- schema -----------------------------------------------------------------------------

    def _ddl(self) -> PostgreSQLDDL:  # type: ignore[override]
        return PostgreSQLDDL(self.link.run)

    def create_schema(self) -> None:
        with self.transaction():
            self._lock(SCHEMA_LOCK)
            for statement in FUNCTIONS:
                self.link.raw(statement)
            super().create_schema()

    def prepare(self, seed: Callable[[], Any], version: int) -> bool:
        """Run ``seed`` once per database (whichever host comes first; the others wait for it).
        Returns True when this call ran it."""
        with self.transaction():
            self._lock("infobase-odata seed")
            self.link.raw("CREATE TABLE IF NOT EXISTS _infobase_odata_version (version integer)")
            (found,) = self.link.run("SELECT max(version) FROM _infobase_odata_version").fetchone()
            if found is not None and found >= version:
                return False
            seed()
            self.link.run("INSERT INTO _infobase_odata_version (version) VALUES (?)", (version,))
        return True

    # ---- writes that serialize across hosts -------------------------------------------------

    def _counted(self, sql: str, params: dict) -> int:
        # SQLite remembers counts while PRAGMA data_version is unchanged; PostgreSQL has no such
        # cheap stamp of other hosts' commits, so every count is run.
        return self.link.run(sql, params).fetchone()[0]

    def _max_number(self, info: SetInfo) -> int:
        self._lock(f"number {info.table}")
        return super()._max_number(info)

    def write_record_set(self, register_set: m.EntitySet, recorder: Key,
                         rows: Iterable[Mapping[str, Any]]) -> list[Row]:
        with self.transaction():
            self._lock(f"register {register_set.name}")
            return super().write_record_set(register_set, recorder, rows)

    def rebuild_totals(self, register_set: m.EntitySet) -> None:
        with self.transaction():
            self._lock(f"register {register_set.name}")
            super().rebuild_totals(register_set)
