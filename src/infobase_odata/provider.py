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
code 19 on writes); registers need :class:`RegisterProvider`. Writers group their calls in the provider's transaction::

    with provider.transaction():
        row = provider.get(goods, key)
        provider.update(goods, key, {"Price": row["Price"] + 1}, if_match=row["DataVersion"])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ContextManager, Iterable, Iterator, Mapping, Protocol, runtime_checkable

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
    """The write side (reference §8). Every method is atomic: on any exception nothing of it
    is stored. Errors raised (all :class:`~infobase_odata.errors.ODataError`):

    * ``code 4, 400``: a ``Ref_Key`` that is not a GUID, a changed ``Ref_Key``, a repeated
      ``LineNumber`` in a tabular section;
    * ``code 9, 404`` (``ODataError.not_found``): update/delete of a missing object;
    * ``code 13, 400``: create on a tabular-section set;
    * ``code 15, 409``: create with an existing ``Ref_Key``;
    * ``code None, 412``: ``if_match`` given and different from the stored DataVersion;
    * ``code -1, 503`` (SQLite): the database stays locked by another writer, or a statement
      exceeds the provider's time budget.
    """

    def transaction(self) -> ContextManager[Any]:
        """Group writes: committed when the block ends, all undone when it raises (the exception
        propagates). Writes and reads inside join it and see its changes; a nested
        ``transaction()`` is undone alone when it raises. Outside a transaction every write is
        its own transaction."""

    def create(self, entity_set: EntitySet, values: Row) -> Row:
        """Store a new object and return the stored row (tabular sections included).

        Missing properties take empty values; a client ``Ref_Key`` is kept, otherwise a new
        version-1 UUID; ``DataVersion`` is new (base64 of 8 bytes). An empty ``Code`` (catalogs)
        or ``Number`` (documents) is assigned inside the transaction: prefix + (largest numeric
        suffix among stored codes with that prefix + 1), zero-padded to the declared length
        (``"000000124"``); a numeric code is the largest + 1. Tabular rows get the owner's
        ``Ref_Key`` and keep their ``LineNumber``. A constant set is written as ``set_constant``."""

    def update(self, entity_set: EntitySet, key: Key, values: Row, *,
               if_match: str | None = None, replace: bool = False) -> Row:
        """Change a stored object and return the stored row.

        PATCH (``replace=False``) changes the given properties; PUT (``replace=True``) also
        empties every property not given, except ``Ref_Key``, ``DataVersion``, ``Predefined``,
        ``PredefinedDataName`` and ``Posted``. A tabular section given replaces all its rows; an
        absent one is kept (PATCH) or emptied (PUT). ``DataVersion`` in ``values`` is ignored;
        a new one is stamped only when the stored row (tabular rows included) changes. The
        ``if_match`` compare and the write are one atomic step."""

    def delete(self, entity_set: EntitySet, key: Key, *, if_match: str | None = None) -> None:
        """Physically delete an object and its tabular rows (404 / 412 as ``update``)."""

    def set_constant(self, entity_set: EntitySet, value: Any, *, if_match: str | None = None) -> Row:
        """Set a constant's value (a ``(value, type)`` tuple for a composite constant) and return
        its row. Constants carry no DataVersion, so ``if_match`` is accepted and not checked."""


@runtime_checkable
class RegisterProvider(Protocol):
    """The register side (reference §1.5, §6, §7, §8.4); semantics in ``registers.py``.

    ``query``/``get``/``count`` also serve register sets: a record set (``<Reg>``) row is
    ``{<recorder key…>, "RecordSet": [records]}`` and a collection lists the record sets of every
    recorder (a ``restriction``, over ``_RecordType`` rows, keeps the sets whose records all
    satisfy it); ``<Reg>_RecordType`` and independent information registers are plain rows
    keyed as in the model (``Period``, dimensions), and ``create``/``update``/``delete``/
    ``bulk_insert`` write independent records (duplicate key: 409 code 15)."""

    def read_record_set(self, register_set: EntitySet, recorder: Key) -> list[Row]:
        """The recorder's records ordered by LineNumber (``[]`` when none). ``recorder`` is
        ``{"Recorder_Key": g}`` or ``{"Recorder": g, "Recorder_Type": "StandardODATA.Document_X"}``."""

    def write_record_set(self, register_set: EntitySet, recorder: Key, rows: Iterable[Mapping[str, Any]]) -> list[Row]:
        """Replace the recorder's records (``registers.complete_records``: recorder filled in,
        LineNumber 1..n unless given, Active true unless given, RecordType checked) inside the
        caller's transaction; balance-register totals follow in it. Returns the stored rows."""

    def bulk_write_record_sets(self, register_set: EntitySet,
                               items: Iterable[tuple[Key, Iterable[Mapping[str, Any]]]]) -> int:
        """Record sets of new recorders at once (seeding); returns the number of records."""

    def virtual_table(self, register_set: EntitySet, params: Any, *, restriction: Expr | None = None,
                      options: QueryOptions = QueryOptions(), result_set: EntitySet | None = None) -> QueryResult:
        """``params`` (``registers.VTParams``: function, Period/StartPeriod/EndPeriod, Condition,
        Dimensions) -> rows: for Balance/Turnovers/BalanceAndTurnovers dicts keyed by every
        property of the result complex type (``result_set``, absent ones None), for
        SliceLast/SliceFirst rows of the records set. ``Condition`` and ``restriction`` (over the
        records) apply before aggregation; ``options`` (filter, orderby, skip, top, inlinecount)
        after it, over ``result_set``; default order: the grouped dimensions (slices: the key)."""


def key_of(entity_set: EntitySet, row: Mapping[str, Any]) -> tuple:
    """The key tuple of a row, in key-property order."""
    return tuple(row[name] for name in entity_set.entity_type.key_names)
