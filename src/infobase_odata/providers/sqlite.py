"""SQLiteProvider: the embedded default store; the SQL provider (``sqlprovider``) configured with
the SQLite dialect and a SQLite file's connector (``sqlconn``)::

    provider = SQLiteProvider(model, "trade.db")        # no I/O until the first call
    goods = model.entity_set("Catalog_Goods")
    provider.bulk_insert(goods, ({"Description": f"Item {i}"} for i in range(100_000)))
    page = provider.query(goods, QueryOptions(top=50, skip=100, inlinecount=True))

Connections are opened lazily per process and thread (a forked worker opens its own), in WAL
mode with a busy timeout; every write is a ``BEGIN IMMEDIATE`` transaction, serialized within
the process by a lock per file, and ``transaction()`` lets a caller group writes (connections,
busy retries and the statement time budget are in ``sqlconn``).  ``trace`` receives every SQL
statement executed (``sqlite3`` trace callback), e.g. to assert that filters run in SQLite.
The schema is created through sqlite-utils; reads and writes are plain prepared statements
(DESIGN: ``table.get`` 91 µs vs 11 µs).
"""

from __future__ import annotations

import os
from typing import Callable

from typing import TYPE_CHECKING

from .. import model as m
from .dialect import SQLITE
from .sqlconn import SQLiteConnector
from .sqlprovider import SQLProvider

if TYPE_CHECKING:
    import sqlite_utils


class SQLiteProvider(SQLProvider):
    """``busy_timeout`` (ms): how long SQLite waits for another writer's lock on each try;
    ``statement_timeout_ms``: the time budget of one statement (0 or None: unlimited);
    ``synchronous``: ``NORMAL`` (durable against process crashes in WAL mode) or ``FULL``."""

    def __init__(self, model: m.Model, path: str | os.PathLike, *,
                 trace: Callable[[str], None] | None = None, busy_timeout: int = 5000,
                 statement_timeout_ms: int | None = 10000, synchronous: str = "NORMAL") -> None:
        super().__init__(model, SQLITE, SQLiteConnector(
            path, busy_timeout=busy_timeout, statement_timeout_ms=statement_timeout_ms,
            synchronous=synchronous, trace=trace))
        self.path = str(path)
        self.trace, self.busy_timeout = trace, busy_timeout  # as given (the connector uses them)
        self.statement_timeout_ms, self.synchronous = statement_timeout_ms, synchronous

    @property
    def db(self) -> "sqlite_utils.Database":
        """This thread's connection through sqlite-utils (tests, scripts; imported only here and
        for schema statements: it costs a cold start ~100 ms)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn, execute_plugins=False)
