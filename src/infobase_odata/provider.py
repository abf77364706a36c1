"""The provider Protocol: the only thing the core asks of a data store.

Providers know storage only: they never import webob or lxml and never build HTTP statuses;
they raise :class:`~infobase_odata.errors.ODataError` only for data conditions (duplicate key,
stale DataVersion) and otherwise plain exceptions.  Rows are dicts keyed by EDM property name
with the Python values of ``query/ast.py`` (str, int, Decimal, bool, naive datetime, GUIDs as
lowercase str; a tabular-section property holds a list of row dicts)::

    provider = SQLiteProvider(model, "trade.db")
    result = provider.query(model.entity_set("Catalog_Goods"), QueryOptions(top=10))
    for row in result.rows:
        print(row["Description"])

Capabilities are optional: a provider without ``create`` is read-only (the service answers 405
code 19 on writes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Protocol, runtime_checkable

from .model import EntitySet
from .query.ast import Expr, QueryOptions

Row = dict[str, Any]
Key = Mapping[str, Any]  # key property name -> Python value


@dataclass
class QueryResult:
    rows: Iterable[Row]  # may be a generator: consumed once, while serializing
    total: int | None = None  # filled when options.inlinecount is set


@runtime_checkable
class ReadProvider(Protocol):
    def query(self, entity_set: EntitySet, options: QueryOptions, *,
              restriction: Expr | None = None) -> QueryResult:
        """Rows matching ``options.filter`` (and ``restriction``), ordered by ``options.orderby``
        then by key (a stable default order), ``$skip`` applied before ``$top``, ``total`` the count
        of all matching rows when ``options.inlinecount``. Tabular sections are included unless
        ``options.select`` excludes them. ``options.expand`` is handled by the core."""

    def get(self, entity_set: EntitySet, key: Key) -> Row | None:
        """The row with this key, or None. A constant set always has its one row."""

    def get_many(self, entity_set: EntitySet, keys: Iterable[Key]) -> Iterator[Row]:
        """The rows with these keys (one round trip; any order; missing keys skipped)."""

    def count(self, entity_set: EntitySet, filter: Expr | None, *,
              restriction: Expr | None = None) -> int:
        """Number of rows matching ``filter`` and ``restriction``."""


@runtime_checkable
class WriteProvider(Protocol):
    def create(self, entity_set: EntitySet, values: Row) -> Row: ...

    def update(self, entity_set: EntitySet, key: Key, values: Row, *,
               if_match: str | None = None, replace: bool = False) -> Row: ...

    def delete(self, entity_set: EntitySet, key: Key, *, if_match: str | None = None) -> None: ...


def key_of(entity_set: EntitySet, row: Mapping[str, Any]) -> tuple:
    """The key tuple of a row, in key-property order."""
    return tuple(row[name] for name in entity_set.entity_type.key_names)
