"""Change registration of exchange plans (reference §7): the ``ExchangeStore`` of a provider.

A provider class decorated with ``@recording(StoreClass)`` holds ``StoreClass(provider)`` as
``provider.exchange`` and registers, inside the transaction of every ``create``/``update``/
``delete`` of a plan's content and every ``write_record_set``, one change per node of each plan
carrying the set (the node whose Code is the plan's ``this_node`` excepted). So writes through
OData and through the Python API register alike; ``bulk_insert`` and
``bulk_write_record_sets`` (seeding, loading) register nothing::

    @recording(MemoryExchange)
    class MemoryProvider(...): ...

    provider.create(goods, {...})                      # + a change for every node
    provider.select_changes(shops, node_ref, 7)        # [Change("Catalog_Goods", "guid'…'", when)]
    provider.confirm_changes(shops, node_ref, 7)

A change is one row per (node, set, key): registering it again clears its message number, so a
change made after a message was built survives the confirmation of that message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import threading
from typing import Any, Callable, Iterable, Iterator, Mapping

from .. import model as m, values as v
from ..edm import key_predicate
from ..kinds.exchange_plan import plans_carrying
from ..query.ast import QueryOptions
from ..stores import Change, Key, Row

__all__ = ["MemoryExchange", "Recording", "recording", "nodes_of"]


def nodes_of(provider: Any, plan_set: m.EntitySet) -> list[str]:
    """Ref_Keys of the plan's nodes that receive changes (all but ``this_node``)."""
    this_node = plan_set.source.this_node  # type: ignore[attr-defined]
    rows = provider.query(plan_set, QueryOptions()).rows
    return [row["Ref_Key"] for row in rows if not this_node or (row.get("Code") or "").strip() != this_node]


def key_text(entity_set: m.EntitySet, key: Mapping[str, Any]) -> str:
    """The key as in URLs (``guid'…'``, ``Recorder='…',Recorder_Type='…'``), normalized."""
    normal = {}
    for prop in entity_set.entity_type.key:
        value = v.normalize(prop, key[prop.name])
        normal[prop.name] = value.lower() if prop.role == m.COMPOSITE else value  # a recorder GUID
    return key_predicate(entity_set.entity_type, normal)


class Recording:
    """The write methods of the decorated provider, registering changes (see the module)."""

    exchange: Any
    transaction: Callable[[], Any]

    def _carried(self, entity_set: m.EntitySet) -> bool:
        return entity_set.name in self.exchange.plans and not getattr(self.exchange.local, "paused", False)

    def _register(self, entity_set: m.EntitySet, key: Mapping[str, Any]) -> None:
        self.exchange.register(entity_set, key_text(entity_set, key))

    def create(self, entity_set: m.EntitySet, values: Row) -> Row:
        if not self._carried(entity_set):
            return super().create(entity_set, values)  # type: ignore[misc]
        with self.transaction():
            row = super().create(entity_set, values)  # type: ignore[misc]
            self._register(entity_set, row)
        return row

    def update(self, entity_set: m.EntitySet, key: Key, values: Row, **options: Any) -> Row:
        if not self._carried(entity_set):
            return super().update(entity_set, key, values, **options)  # type: ignore[misc]
        with self.transaction():
            row = super().update(entity_set, key, values, **options)  # type: ignore[misc]
            self._register(entity_set, row)
        return row

    def delete(self, entity_set: m.EntitySet, key: Key, **options: Any) -> None:
        if not self._carried(entity_set):
            return super().delete(entity_set, key, **options)  # type: ignore[misc]
        with self.transaction():
            super().delete(entity_set, key, **options)  # type: ignore[misc]
            self._register(entity_set, key)

    def write_record_set(self, register_set: m.EntitySet, recorder: Key,
                         rows: Iterable[Mapping[str, Any]]) -> list[Row]:
        if not self._carried(register_set):
            return super().write_record_set(register_set, recorder, rows)  # type: ignore[misc]
        with self.transaction():
            stored = super().write_record_set(register_set, recorder, rows)  # type: ignore[misc]
            self._register(register_set, recorder)
        return stored

    def bulk_insert(self, entity_set: m.EntitySet, rows: Iterable[Row]) -> int:
        with self.exchange.paused():
            return super().bulk_insert(entity_set, rows)  # type: ignore[misc]

    def bulk_write_record_sets(self, register_set: m.EntitySet, items: Iterable[Any]) -> int:
        with self.exchange.paused():
            return super().bulk_write_record_sets(register_set, items)  # type: ignore[misc]

    def select_changes(self, plan_set: m.EntitySet, node: str, message_no: int) -> list[Change]:
        with self.transaction():
            return self.exchange.select(plan_set, str(node).lower(), message_no)

    def confirm_changes(self, plan_set: m.EntitySet, node: str, message_no: int) -> int:
        with self.transaction():
            return self.exchange.confirm(plan_set, str(node).lower(), message_no)


def recording(store_class: type) -> Callable[[type], type]:
    """Class decorator: the provider class with :class:`Recording` in front and
    ``self.exchange = store_class(self)`` set when constructed."""
    def decorate(cls: type) -> type:
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            cls.__init__(self, *args, **kwargs)
            self.exchange = store_class(self)

        body: dict[str, Any] = {"__init__": __init__, "__module__": cls.__module__,
                                "__qualname__": cls.__qualname__, "__doc__": cls.__doc__}
        if hasattr(store_class, "create_schema") and hasattr(cls, "create_schema"):
            def create_schema(self: Any) -> None:
                with self.transaction():
                    cls.create_schema(self)
                    self.exchange.create_schema()
            body["create_schema"] = create_schema
        return type(cls.__name__, (Recording, cls), body)
    return decorate


class ExchangeBase:
    """What both stores share: the plans per content set and the pause of bulk loads."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider
        self.plans = plans_carrying(provider.model)
        self.local = threading.local()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        before = getattr(self.local, "paused", False)
        self.local.paused = True
        try:
            yield
        finally:
            self.local.paused = before

    @staticmethod
    def now() -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class MemoryExchange(ExchangeBase):
    """Changes in a dict of the memory provider, written through its undo journal (``_put``),
    so a rolled-back write takes its registration with it."""

    def __init__(self, provider: Any) -> None:
        super().__init__(provider)
        self.table: dict[tuple[str, str, str], tuple[int | None, dt.datetime, int]] = {}
        self._order = itertools.count()

    def register(self, entity_set: m.EntitySet, key: str) -> None:
        when = self.now()
        for plan_set in self.plans[entity_set.name]:
            for node in nodes_of(self.provider, plan_set):
                self.provider._put(self.table, (node, entity_set.name, key), (None, when, next(self._order)))

    def _of(self, node: str) -> list[tuple[tuple[str, str, str], tuple[int | None, dt.datetime, int]]]:
        return sorted(((k, row) for k, row in self.table.items() if k[0] == node), key=lambda item: item[1][2])

    def select(self, plan_set: m.EntitySet, node: str, message_no: int) -> list[Change]:
        found = []
        for key, (number, when, order) in self._of(node):
            if number is None:
                self.provider._put(self.table, key, (message_no, when, order))
                number = message_no
            if number <= message_no:
                found.append(Change(key[1], key[2], when))
        return found

    def confirm(self, plan_set: m.EntitySet, node: str, message_no: int) -> int:
        done = [key for key, (number, _, _) in self._of(node) if number is not None and number <= message_no]
        for key in done:
            self.provider._put(self.table, key, None)
        return len(done)
