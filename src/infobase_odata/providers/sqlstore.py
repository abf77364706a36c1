"""The base of the SQL provider's stores: each is a class the provider builds once and holds as
an attribute (``provider.objects``, ``provider.registers``, …), given what it uses of the
provider (the model, the dialect, the tables, this thread's connection and transactions)::

    class SQLAccounting(SQLStore):
        def write_entries(self, ...):
            with self.transaction():
                self._lock("register ...")        # serializes writers on every host
                self.link.run_many(self._info[name].insert, rows)

    # in SQLProvider._build_stores:  self.accounting = SQLAccounting(self)
"""

from __future__ import annotations

from typing import Any, Protocol


class StoreHost(Protocol):
    """What a store uses of ``sqlprovider.SQLProvider`` (a Protocol here: the provider imports
    its stores, so they do not import it)."""

    model: Any
    dialect: Any
    sets: dict[str, Any]
    connector: Any

    @property
    def link(self) -> Any: ...
    def transaction(self) -> Any: ...


class SQLStore:
    def __init__(self, sql: StoreHost) -> None:
        self.sql = sql
        self.model = sql.model
        self.dialect = sql.dialect
        self._info = sql.sets

    @property
    def link(self) -> Any:
        """This thread's connection (the provider opens it lazily)."""
        return self.sql.link

    def transaction(self) -> Any:
        """The provider's transaction (a savepoint inside a caller's)."""
        return self.sql.transaction()

    def _lock(self, name: str) -> None:
        """A transaction-scoped lock named ``name`` that writers on every host share (nothing on
        SQLite, where a write transaction already holds the whole file)."""
        self.sql.connector.lock(self.link, name)
