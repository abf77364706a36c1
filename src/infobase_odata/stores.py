"""The storage Protocols: the only things the core asks of a data store, and the errors a store raises.

A provider is any object implementing some of these small Protocols; the service checks which
at start-up (:func:`capabilities`) and answers a request needing a missing one by itself: 405
code 19 for writes and actions, 501 for virtual tables.  ``ObjectReader`` is required.

Providers know storage only: they never import webob or lxml and never build HTTP statuses;
they raise the typed :class:`StoreError` subclasses below (``NotFound``, ``Conflict``,
``Stale``, ``Busy``, ``Invalid``) which ``errors.from_store_error`` maps, in one place, to an
HTTP status and 1C code.  Rows are dicts keyed by EDM property name
with the Python values of ``query/ast.py`` (str, int, Decimal, bool, naive datetime, GUIDs as
lowercase str; a tabular-section property holds a list of row dicts)::

    provider = SQLiteProvider(model, "trade.db")
    result = provider.query(model.entity_set("Catalog_Goods"), QueryOptions(top=10))
    for row in result.rows:
        print(row["Description"])

Capabilities are optional: a provider without ``ObjectWriter`` is read-only (the service
answers 405 code 19 on writes); record sets need :class:`RecordSetStore`. Writers group their calls in the provider's transaction::

    with provider.transaction():
        row = provider.get(goods, key)
        provider.update(goods, key, {"Price": row["Price"] + 1}, if_match=row["DataVersion"])
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, ContextManager, Iterable, Iterator, Mapping, Protocol, runtime_checkable

from .errors import (  # the errors a store raises, mapped in errors.py
    Busy, Conflict, DirectRowWrite, Invalid, InvalidQuery, NotAllowed, NotFound, Stale, StoreError,
    TooComplex, WriteConflict,
)
from .model import EntitySet
from .query.ast import Expr, QueryOptions

Row = dict[str, Any]
Key = Mapping[str, Any]  # key property name -> Python value


@dataclass
class QueryResult:
    """The rows of a query and, with ``$inlinecount``, their total."""

    rows: Iterable[Row]  # may be a generator: consumed once, while serializing
    total: int | None = None  # filled when options.inlinecount is set


@runtime_checkable
class ObjectReader(Protocol):
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
class ObjectWriter(Protocol):
    """The write side (reference §8). Every method is atomic: on any exception nothing of it
    is stored. Errors raised:

    * :class:`Invalid`: a ``Ref_Key`` that is not a GUID, a changed ``Ref_Key``, a repeated
      ``LineNumber`` in a tabular section;
    * :class:`NotFound`: update/delete of a missing object;
    * :class:`DirectRowWrite`: create on a tabular-section set;
    * :class:`Conflict`: create with an existing ``Ref_Key``;
    * :class:`Stale`: ``if_match`` given and different from the stored DataVersion;
    * :class:`Busy` (SQLite): the database stays locked by another writer, or a statement
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


@runtime_checkable
class ConstantStore(Protocol):
    def set_constant(self, entity_set: EntitySet, value: Any, *, if_match: str | None = None) -> Row:
        """Set a constant's value (a ``(value, type)`` tuple for a composite constant) and return
        its row. Constants carry no DataVersion, so ``if_match`` is accepted and not checked."""


@runtime_checkable
class BulkLoader(Protocol):
    def bulk_insert(self, entity_set: EntitySet, rows: Iterable[Row]) -> int:
        """Many new objects (or independent records) in one transaction, as ``create`` would
        store them (numbering included); returns how many. Used for seeding and loading."""


@runtime_checkable
class RecordSetStore(Protocol):
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


@runtime_checkable
class VirtualTableStore(Protocol):
    def virtual_table(self, register_set: EntitySet, params: Any, *, restriction: Expr | None = None,
                      options: QueryOptions = QueryOptions(), result_set: EntitySet | None = None) -> QueryResult:
        """``params`` (``registers.VTParams``: function, Period/StartPeriod/EndPeriod, Condition,
        Dimensions) -> rows: for Balance/Turnovers/BalanceAndTurnovers dicts keyed by every
        property of the result complex type (``result_set``, absent ones None), for
        SliceLast/SliceFirst rows of the records set. ``Condition`` and ``restriction`` (over the
        records) apply before aggregation; ``options`` (filter, orderby, skip, top, inlinecount)
        after it, over ``result_set``; default order: the grouped dimensions (slices: the key)."""


@dataclass(frozen=True)
class Change:
    """A registered change of one object for one exchange-plan node: the entity set, the key
    as in URLs (``guid'…'``, ``Recorder_Key=guid'…'``) and when it was registered (UTC)."""
    set_name: str
    key: str
    when: Any  # datetime.datetime, naive UTC


@runtime_checkable
class ExchangeStore(Protocol):
    """Exchange plans (reference §7; ``providers/exchange.py``). Every create/update/delete of a
    plan's content and every record-set write registers, in its own transaction, a change for
    each node of the plan but ``this_node`` (bulk loads register nothing)."""

    def select_changes(self, plan_set: EntitySet, node: str, message_no: int) -> list[Change]:
        """The node's changes numbered ``message_no`` or lower, the unnumbered ones numbered
        ``message_no`` first (one transaction), in registration order."""

    def confirm_changes(self, plan_set: EntitySet, node: str, message_no: int) -> int:
        """Forget the node's changes numbered ``message_no`` or lower; returns how many."""


@runtime_checkable
class CalculationStore(Protocol):
    """Calculation registers (reference §6.4; semantics in ``calculations.py``)."""

    def calculation_table(self, register_set: EntitySet, params: Any, *, restriction: Expr | None = None,
                          options: QueryOptions = QueryOptions(),
                          result_set: EntitySet | None = None) -> QueryResult:
        """``params`` (``calculations.CalcParams``) -> rows of ScheduleData, ActualActionPeriod,
        Base<B> or a recalculation, keyed by the properties of ``result_set``; ``Condition`` and
        ``restriction`` select the records, ``options`` apply to the result."""

    def calculation_written(self, register_set: EntitySet, recorder: Key, old: list[Row], new: list[Row]) -> None:
        """A record set of ``register_set`` was replaced (inside the caller's transaction): keep
        the recalculation entries in step."""


# The names the Protocols had before they were split (kept for existing imports).
ReadProvider = ObjectReader
WriteProvider = ObjectWriter
RegisterProvider = RecordSetStore

STORES: tuple[type, ...] = (ObjectReader, ObjectWriter, ConstantStore, BulkLoader, RecordSetStore,
                            VirtualTableStore, ExchangeStore, CalculationStore)


def _members(protocol: type) -> tuple[str, ...]:
    return tuple(name for name, value in vars(protocol).items() if callable(value) and not name.startswith("_"))


def protocol_methods(protocol: type) -> tuple[str, ...]:
    """The methods a store Protocol asks for (``capabilities`` checks them)."""
    return _members(protocol)


def capabilities(provider: object) -> frozenset[type]:
    """The store Protocols ``provider`` implements (checked once, when a service starts);
    ``TypeError`` when it cannot even read. A wrapper that builds its provider lazily names the
    provider's class in ``store_class`` (looked up without triggering the wrapper)."""
    subject = inspect.getattr_static(provider, "store_class", None) or provider
    found = frozenset(p for p in STORES
                      if all(callable(getattr(subject, name, None)) for name in _members(p)))
    if ObjectReader not in found:
        raise TypeError(f"{type(provider).__name__} does not implement ObjectReader "
                        "(query, get, get_many, count)")
    return found


def key_of(entity_set: EntitySet, row: Mapping[str, Any]) -> tuple:
    """The key tuple of a row, in key-property order."""
    return tuple(row[name] for name in entity_set.entity_type.key_names)


__all__ = ["Busy", "BulkLoader", "CalculationStore", "Change", "Conflict", "ConstantStore", "DirectRowWrite", "ExchangeStore", "Invalid", "Key",
           "NotAllowed",
           "NotFound", "ObjectReader", "ObjectWriter", "QueryResult", "ReadProvider", "RecordSetStore",
           "RegisterProvider", "Row", "STORES", "Stale", "StoreError", "VirtualTableStore", "WriteProvider",
           "capabilities", "key_of"]
