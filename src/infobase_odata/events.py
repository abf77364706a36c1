"""Business logic of the applied solution: event handlers per object, as in 1C object modules.

Handlers run inside the write's transaction; any exception they raise rolls the whole request
back and is answered 500, code -1, with the exception's message (reference §7, §11)::

    events = EventHandlers()

    @events.before_write("Catalog_Goods")
    def check_price(event):
        if event.object["Price"] < 0 and not event.data_load:
            raise Refusal("Цена не может быть отрицательной")

FillCheck (ОбработкаПроверкиЗаполнения) is deliberately not an event here: OData writes do not
call it on a real server either.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

BEFORE_WRITE = "BeforeWrite"
ON_WRITE = "OnWrite"
BEFORE_DELETE = "BeforeDelete"
ON_DELETE = "OnDelete"
POSTING = "Posting"
UNDO_POSTING = "UndoPosting"
EVENTS = (BEFORE_WRITE, ON_WRITE, BEFORE_DELETE, ON_DELETE, POSTING, UNDO_POSTING)
# Handlers of a business process's route points, registered per "<process id>.<point>":
# CheckCondition (ПроверкаУсловия) returns True or False; OnCreateTasks (ПриСозданииЗадач) may
# change ``event.tasks``, the rows of the tasks about to be created (route_map.py).
CHECK_CONDITION = "CheckCondition"
ON_CREATE_TASKS = "OnCreateTasks"
POINT_EVENTS = (CHECK_CONDITION, ON_CREATE_TASKS)


class Refusal(Exception):
    """Raised by a handler to refuse the operation (1C ``Отказ = Истина``) with a message."""


@dataclass
class Event:
    """What a handler sees. ``object`` is the full row being written (BeforeWrite may change
    it); ``previous`` the stored row before an update or delete."""

    name: str
    entity_set: Any
    object: dict
    is_new: bool = False
    previous: dict | None = None
    user: str | None = None
    data_load: bool = False  # 1C_OData-DataLoadMode: true (ОбменДанными.Загрузка)
    provider: Any = None  # the provider, inside the same transaction
    extra: dict = field(default_factory=dict)  # e.g. PostingModeOperational
    # Posting: register set name -> the document's new movements (replacing the old ones).
    record_sets: dict[str, "Movements"] = field(default_factory=dict)
    # OnCreateTasks: the task rows an activity point is about to create.
    tasks: list[dict] = field(default_factory=list)

    @property
    def object_id(self) -> str:
        return self.entity_set.name

    @property
    def posting_mode_operational(self) -> bool:
        return bool(self.extra.get("PostingModeOperational"))

    def movements(self, register: str) -> "Movements":
        """The record set a Posting handler fills (``Движения.Остатки``)::

            event.movements("AccumulationRegister_Stock").add(
                RecordType="Expense", Product_Key=line["Product_Key"], Quantity=line["Quantity"])

        ``Period`` defaults to the document's ``Date``, ``LineNumber`` to 1..n."""
        try:
            return self.record_sets[register]
        except KeyError:
            raise KeyError(f"{self.object_id} does not post to {register} "
                           f"(posts to: {', '.join(self.record_sets) or 'nothing'})") from None


class Movements(list):
    """Records of one register written by a Posting handler; a list of dicts with ``add``."""

    def __init__(self, register: str, period: Any = None) -> None:
        super().__init__()
        self.register = register
        self.period = period

    def add(self, **values: Any) -> dict:
        if self.period is not None:
            values.setdefault("Period", self.period)
        self.append(values)
        return values


Handler = Callable[[Event], None]


class EventHandlers:
    """A registry of handlers by object id (``Catalog_Goods``) and event name."""

    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], list[Handler]] = defaultdict(list)
        self.data_load_refused: set[str] = set()  # objects that do not support data-load mode

    def register(self, object_id: str, event: str, handler: Handler) -> Handler:
        if event not in EVENTS + POINT_EVENTS:
            raise ValueError(f"unknown event {event!r}; expected one of {', '.join(EVENTS + POINT_EVENTS)}")
        self._handlers[(object_id, event)].append(handler)
        return handler

    def _decorator(self, event: str, object_id: str) -> Callable[[Handler], Handler]:
        return lambda handler: self.register(object_id, event, handler)

    def before_write(self, object_id: str):
        return self._decorator(BEFORE_WRITE, object_id)

    def on_write(self, object_id: str):
        return self._decorator(ON_WRITE, object_id)

    def before_delete(self, object_id: str):
        return self._decorator(BEFORE_DELETE, object_id)

    def on_delete(self, object_id: str):
        return self._decorator(ON_DELETE, object_id)

    def posting(self, object_id: str):
        return self._decorator(POSTING, object_id)

    def undo_posting(self, object_id: str):
        return self._decorator(UNDO_POSTING, object_id)

    def condition(self, object_id: str, point: str):
        """``@events.condition("BusinessProcess_Approval", "IsLarge")``: a condition point's check."""
        return self._decorator(CHECK_CONDITION, f"{object_id}.{point}")

    def on_create_tasks(self, object_id: str, point: str):
        """``@events.on_create_tasks("BusinessProcess_Approval", "Approve")``: fills ``event.tasks``."""
        return self._decorator(ON_CREATE_TASKS, f"{object_id}.{point}")

    def point_handlers(self, object_id: str, point: str, event: str) -> list[Handler]:
        return list(self._handlers.get((f"{object_id}.{point}", event), ()))

    def has(self, object_id: str, event: str) -> bool:
        return bool(self._handlers.get((object_id, event)))

    def fire(self, event: Event) -> None:
        for handler in self._handlers.get((event.object_id, event.name), ()):
            handler(event)


def load_handlers(folder: Path | None, module: str | None) -> EventHandlers:
    """The ``events`` registry of the configuration's handler module (a file name relative to the
    configuration folder, e.g. ``handlers.py``), or an empty registry."""
    if not module:
        return EventHandlers()
    path = Path(module)
    if not path.is_absolute() and folder is not None:
        path = folder / path
    name = f"infobase_odata_handlers_{abs(hash(str(path.resolve())))}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or not path.is_file():
            raise FileNotFoundError(f"handler module {path} not found")
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        spec.loader.exec_module(loaded)  # type: ignore[union-attr]
    events = getattr(sys.modules[name], "events", None)
    if not isinstance(events, EventHandlers):
        raise TypeError(f"{path} must define `events = EventHandlers()`")
    return events
