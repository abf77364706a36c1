"""Change registration of exchange plans (reference §7): the ``ExchangeStore`` of a provider.

A provider class decorated with ``@recording(StoreClass)`` holds ``StoreClass(provider)`` as
``provider.exchange``; its ``create``/``update``/``delete``/``write_record_set`` register, in
their own transaction, one change per node of each plan carrying the set (the node whose Code
is the plan's ``this_node`` excepted). The class's methods are wrapped in place (a subclass
overriding a write method is decorated too: only the outermost call registers). So writes through
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
import functools
import itertools
import threading
from typing import Any, Callable, Iterator, Mapping

from .. import model as m, values as v
from ..edm import key_predicate
from ..kinds.exchange_plan import plans_carrying
from ..query.ast import QueryOptions
from ..stores import Change

__all__ = ["MemoryExchange", "recording", "nodes_of"]


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


def _write(original: Callable[..., Any], key_of: Callable[[Any, tuple, dict], Mapping[str, Any]]) -> Callable[..., Any]:
    """``original`` registering a change of its entity set in its transaction; a nested call
    (a subclass's method calling the base's) or a bulk load registers nothing itself."""
    @functools.wraps(original)
    def method(self: Any, entity_set: m.EntitySet, *args: Any, **kwargs: Any) -> Any:
        exchange = self.exchange
        if key_of is _given_key and entity_set.name in exchange.node_sets and not exchange.is_paused():
            with self.transaction():  # a deleted node's changes go with it
                with exchange.paused():
                    original(self, entity_set, *args, **kwargs)
                exchange.forget(str(key_of(None, args, kwargs)["Ref_Key"]).lower())
            return None
        if entity_set.name not in exchange.plans or exchange.is_paused():
            return original(self, entity_set, *args, **kwargs)
        with self.transaction():
            with exchange.paused():
                result = original(self, entity_set, *args, **kwargs)
            exchange.register(entity_set, key_text(entity_set, key_of(result, args, kwargs)))
        return result
    return method


def _bulk(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self.exchange.paused():
            return original(self, *args, **kwargs)
    return method


def _stored_row(row: Any, args: tuple, kwargs: dict) -> Mapping[str, Any]:  # create/update
    return row


def _given_key(row: Any, args: tuple, kwargs: dict) -> Mapping[str, Any]:  # delete (a node: its changes go)
    return args[0] if args else kwargs["key"]


def _given_recorder(row: Any, args: tuple, kwargs: dict) -> Mapping[str, Any]:  # write_record_set
    return args[0] if args else kwargs["recorder"]


_WRITES = {"create": _stored_row, "update": _stored_row, "delete": _given_key, "write_record_set": _given_recorder}


def select_changes(self: Any, plan_set: m.EntitySet, node: str, message_no: int) -> list[Change]:
    with self.transaction():
        return self.exchange.select(plan_set, str(node).lower(), message_no)


def confirm_changes(self: Any, plan_set: m.EntitySet, node: str, message_no: int) -> int:
    with self.transaction():
        return self.exchange.confirm(plan_set, str(node).lower(), message_no)


def recording(store_class: type) -> Callable[[type], type]:
    """Class decorator: the class's write methods register changes, ``select_changes`` and
    ``confirm_changes`` are added, and ``self.exchange = store_class(self)`` is set when an
    instance is constructed (a SQL store's table comes with the provider's schema statements:
    ``SQLProvider._schema`` calls ``exchange.schema``)."""
    def decorate(cls: type) -> type:
        for name, key_of in _WRITES.items():
            if hasattr(cls, name):
                setattr(cls, name, _write(getattr(cls, name), key_of))
        for name in ("bulk_insert", "bulk_write_record_sets"):
            if hasattr(cls, name):
                setattr(cls, name, _bulk(getattr(cls, name)))
        cls.select_changes = select_changes  # type: ignore[attr-defined]
        cls.confirm_changes = confirm_changes  # type: ignore[attr-defined]
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            init(self, *args, **kwargs)
            self.exchange = store_class(self)
        cls.__init__ = __init__  # type: ignore[misc]
        return cls
    return decorate


class ExchangeBase:
    """What both stores share: the plans per content set and the pause of bulk loads."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider
        self.plans = plans_carrying(provider.model)
        self.node_sets = {p.name for plans in self.plans.values() for p in plans}
        self.local = threading.local()

    def is_paused(self) -> bool:
        return getattr(self.local, "paused", False)

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

    def forget(self, node: str) -> None:
        for key, _ in self._of(node):
            self.provider._put(self.table, key, None)

    def confirm(self, plan_set: m.EntitySet, node: str, message_no: int) -> int:
        done = [key for key, (number, _, _) in self._of(node) if number is not None and number <= message_no]
        for key in done:
            self.provider._put(self.table, key, None)
        return len(done)
