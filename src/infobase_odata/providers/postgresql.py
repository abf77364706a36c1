"""PostgreSQLProvider: the same store as SQLite on a PostgreSQL server, for several application
hosts on one database; the SQL provider (``sqlprovider``) configured with the PostgreSQL dialect
and a server connector (``pgconn``)::

    provider = PostgreSQLProvider(model, "postgresql://app@db.local/trade")   # no I/O yet
    page = provider.query(goods, QueryOptions(top=50, inlinecount=True))

Tables, columns and statements are those of SQLite (``sqlprovider``: one table per set, ``_id``
identity + unique ``Ref_Key``; values as ``sqlcodec`` stores them, booleans as ``BOOLEAN``, wide
decimals as ``NUMERIC``, text ``COLLATE "C"`` so comparisons and order are by code point as on
SQLite); the schema and the filter functions (``pgfunctions``) are created on first use in each
process, under an advisory lock, so hosts starting together do not race.

Concurrency across hosts (READ COMMITTED): an update reads the stored row ``FOR UPDATE`` and
compares-and-sets on ``DataVersion`` (If-Match: 412, never a lost update); numbering and
record-set writes (with the totals they maintain) take a transaction-scoped advisory lock per
table (``SQLStore._lock``); the totals upsert is one ``INSERT … ON CONFLICT DO UPDATE``. A
deadlock or serialization failure PostgreSQL reports rolls the transaction back; the service
runs a request whose own transaction it was again (``service.CONFLICT_ATTEMPTS``), otherwise it
answers 503 code -1 ("Конфликт одновременной записи, повторите запрос");
``statement_timeout_ms`` bounds every statement (503, "Превышено время выполнения запроса").
"""

from __future__ import annotations

from typing import Any, Callable

from .. import model as m
from .dialect import POSTGRESQL
from .pgconn import PostgreSQLConnector, lock_key  # noqa: F401 - lock_key: part of this module's API
from .sqlprovider import SQLProvider


class PostgreSQLProvider(SQLProvider):
    """``database``: a libpq connection string or URL (``postgresql://user@host/dbname``);
    ``pool_size``: connections per process (one per serving thread);
    ``statement_timeout_ms``: the server-side bound of every statement (0 or None: none);
    ``trace`` receives every statement run (``--trace-sql``)."""

    def __init__(self, model: m.Model, database: str, *, pool_size: int = 16,
                 statement_timeout_ms: int | None = 10000,
                 trace: Callable[[str], None] | None = None) -> None:
        super().__init__(model, POSTGRESQL, PostgreSQLConnector(
            database, pool_size=pool_size, statement_timeout_ms=statement_timeout_ms, trace=trace))
        self.database = database
        self.pool_size = pool_size
        self.statement_timeout_ms = statement_timeout_ms

    @property
    def db(self) -> Any:
        raise AttributeError("PostgreSQLProvider has no sqlite_utils database")

    def prepare(self, seed: Callable[[], Any], version: int) -> bool:
        """Run ``seed`` once per database (whichever host comes first; the others wait for it).
        Returns True when this call ran it."""
        with self.transaction():
            self.lock("infobase-odata seed")
            self.link.raw("CREATE TABLE IF NOT EXISTS _infobase_odata_version (version integer)")
            (found,) = self.link.run("SELECT max(version) FROM _infobase_odata_version").fetchone()
            if found is not None and found >= version:
                return False
            self.link.raw("SET LOCAL statement_timeout = 0")  # seeding: index builds, totals
            seed()
            self.link.run("INSERT INTO _infobase_odata_version (version) VALUES (?)", (version,))
        return True
