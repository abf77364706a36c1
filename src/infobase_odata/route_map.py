"""The route map of a business process at work: ``Start`` and ``ExecuteTask`` (reference §7).

A route (``configuration.BusinessProcess.route``) is a graph of points: ``start`` → ``activity``
(creates tasks and waits until they are executed) → ``condition`` (its handler chooses ``then``
or ``otherwise``) → ... → ``end`` (``Completed = true``). Everything runs inside the caller's
store transaction, so a failing handler leaves nothing changed::

    run = RouteRun(model, provider, events, fire=lambda event: ..., user="admin")
    with provider.transaction():
        run.start(process_set, process_row, "Start")       # Started, the first tasks
        run.execute(task_set, task_row)                    # Executed, the next point(s)
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from . import configuration as cfg, errors, model as m
from .edm import new_guid
from .errors import ODataError, StoreError
from .i18n import Message
from .events import BEFORE_WRITE, CHECK_CONDITION, ON_CREATE_TASKS, ON_WRITE, Event, EventHandlers
from .query.ast import QueryOptions
from .query.parser import parse_filter
from .supplied import Supplied
from .values import empty_value

MAX_STEPS = 1000  # points passed in one call: more means a loop of conditions without an activity


def route_point_type(process: str) -> str:
    """``RoutePoint_Type`` of a task of ``BusinessProcess_<Name>`` (UNCONFIRMED, see kinds/task.py)."""
    return f"{m.NAMESPACE}.BusinessProcessRoutePointRef_{process.partition('_')[2]}"


def conflict(message: str) -> ODataError:
    """A process or task in the wrong state for the action (409, code 2)."""
    return ODataError(errors.BAD_REQUEST, message, status=409)


class RouteRun:
    def __init__(self, model: m.Model, provider: Any, events: EventHandlers, *,
                 fire: Callable[[Event], None], user: str | None = None) -> None:
        self.model, self.provider, self.events, self.fire, self.user = model, provider, events, fire, user

    # ---- the two actions ------------------------------------------------------------------

    def start(self, process_set: m.EntitySet, process: dict, point_name: str | None) -> None:
        """``Started = true``, then the route from the start point ``point_name`` (default: the
        first start point of the route)."""
        source: cfg.BusinessProcess = process_set.source  # type: ignore[assignment]
        starts = [p for p in source.route if p.kind == "start"]
        if point_name is None:
            point = starts[0] if starts else None
        else:
            point = source.point(point_name)
            if point is None or point.kind != "start":
                names = ", ".join(p.name for p in starts) or "none"
                raise ODataError(errors.BAD_FUNCTION, Message("RoutePoint: {point!r} is not a start point of {process} (start points: {names})",
                                                              point=point_name, process=process_set.name, names=names))
        if process.get("Started"):
            raise conflict(f"{process_set.name} {process.get('Number', '')} is already started")
        if process.get("DeletionMark"):
            raise conflict(f"{process_set.name} {process.get('Number', '')} is marked for deletion")
        process = self._set(process_set, process, Started=True)
        if point is not None:
            self._advance(process_set, process, point.next)

    def execute(self, task_set: m.EntitySet, task: dict) -> None:
        """``Executed = true``; when no task of its point is left, the process moves on."""
        if task.get("Executed"):
            raise conflict(f"{task_set.name} {task.get('Number', '')} is already executed")
        process_set = self._process_set(task)
        process = None
        if process_set is not None:
            process = self.provider.get(process_set, {"Ref_Key": task["BusinessProcess"]})
        if process is not None and process.get("Completed"):
            raise conflict(f"{process_set.name} {process.get('Number', '')} is already completed")
        self._set(task_set, task, Executed=True)
        if process is None or process_set is None:
            return  # a task outside any process is only marked executed
        source: cfg.BusinessProcess = process_set.source  # type: ignore[assignment]
        point = source.point(task.get("RoutePoint", ""))
        if point is None or point.kind != "activity":
            return
        if any(row.get("RoutePoint") == point.name for row in self._open_tasks(task_set, process_set, process)):
            return  # other tasks of the point are still open
        self._advance(process_set, process, point.next)

    # ---- the route -----------------------------------------------------------------------------

    def _advance(self, process_set: m.EntitySet, process: dict, name: str) -> None:
        source: cfg.BusinessProcess = process_set.source  # type: ignore[assignment]
        for _ in range(MAX_STEPS):
            point = source.point(name)
            assert point is not None  # targets are checked by the configuration
            if point.kind == "end":
                self._set(process_set, process, Completed=True)
                return
            if point.kind == "start":
                name = point.next
            elif point.kind == "condition":
                name = point.then if self._condition(process_set, process, point) else point.otherwise
            elif self._create_tasks(process_set, process, point):
                return  # waits for its tasks
            else:
                name = point.next
        raise ODataError(errors.INTERNAL, Message("{process}: the route passed {steps} points without waiting at an activity "
                                                  "(a loop of conditions?)", process=process_set.name, steps=MAX_STEPS))

    def _condition(self, process_set: m.EntitySet, process: dict, point: cfg.RoutePoint) -> bool:
        handlers = self.events.point_handlers(process_set.name, point.name, CHECK_CONDITION)
        if not handlers:
            raise ODataError(errors.INTERNAL, Message("{process}: no condition handler for route point {point} (events.condition)",
                                                      process=process_set.name, point=point.name))
        event = self._event(CHECK_CONDITION, process_set, process, point)
        results = [_call(handler, event) for handler in handlers]
        if not all(isinstance(result, bool) for result in results):
            raise ODataError(errors.INTERNAL, Message("{process}: the condition handler of {point} must return True or False",
                                                      process=process_set.name, point=point.name))
        return all(results)

    def _create_tasks(self, process_set: m.EntitySet, process: dict, point: cfg.RoutePoint) -> int:
        source: cfg.BusinessProcess = process_set.source  # type: ignore[assignment]
        task_set = self.model.set_for_object(source.task)
        if task_set is None:
            raise ODataError(errors.INTERNAL, Message("{process}: its task {task} is not published",
                                                  process=process_set.name, task=source.task))
        event = self._event(ON_CREATE_TASKS, process_set, process, point)
        event.tasks = [{"Description": point.description or point.name, **point.addressing}]
        for handler in self.events.point_handlers(process_set.name, point.name, ON_CREATE_TASKS):
            _call(handler, event)
        now = dt.datetime.now().replace(microsecond=0)
        for values in event.tasks:
            unknown = [name for name in values if task_set.entity_type.property(name) is None]
            if unknown:
                raise ODataError(errors.INTERNAL, Message("{tasks} has no property {name} (a task of route point {point})",
                                                          tasks=task_set.name, name=unknown[0], point=point.name))
            values = {"Date": now, **values, "Ref_Key": new_guid(), "BusinessProcess": process["Ref_Key"],
                      "BusinessProcess_Type": f"{m.NAMESPACE}.{process_set.name}", "RoutePoint": point.name,
                      "RoutePoint_Type": route_point_type(process_set.name), "Executed": False}
            obj = Supplied({p.name: values.get(p.name, empty_value(p)) for p in task_set.entity_type.properties},
                           given=values)
            self.fire(Event(BEFORE_WRITE, task_set, obj, is_new=True, user=self.user, provider=self.provider))
            row = self.provider.create(task_set, obj)
            self.fire(Event(ON_WRITE, task_set, row, is_new=True, user=self.user, provider=self.provider))
        return len(event.tasks)

    # ---- helpers -------------------------------------------------------------------------------

    def _event(self, name: str, process_set: m.EntitySet, process: dict, point: cfg.RoutePoint) -> Event:
        return Event(name, process_set, dict(process), user=self.user, provider=self.provider,
                     extra={"RoutePoint": point.name})

    def _set(self, entity_set: m.EntitySet, row: dict, **values: Any) -> dict:
        """Standard flags changed by the route; ``If-Match`` on the version read, so a concurrent
        action on the same object fails (412) instead of running the route twice."""
        row.update(self.provider.update(entity_set, {"Ref_Key": row["Ref_Key"]}, values,
                                        if_match=row.get("DataVersion")))
        return row

    def _process_set(self, task: dict) -> m.EntitySet | None:
        kind = str(task.get("BusinessProcess_Type") or "")
        if not kind.startswith(m.NAMESPACE + ".") or not task.get("BusinessProcess"):
            return None
        process_set = self.model.set_for_object(kind[len(m.NAMESPACE) + 1:])
        return process_set if process_set is not None and isinstance(process_set.source, cfg.BusinessProcess) else None

    def _open_tasks(self, task_set: m.EntitySet, process_set: m.EntitySet, process: dict) -> list[dict]:
        text = (f"BusinessProcess_Type eq '{m.NAMESPACE}.{process_set.name}' and Executed eq false "
                f"and BusinessProcess eq cast(guid'{process['Ref_Key']}', '{m.NAMESPACE}.{process_set.name}')")
        options = QueryOptions(filter=parse_filter(text, task_set, self.model))
        return list(self.provider.query(task_set, options).rows)


def _call(handler: Callable[[Event], Any], event: Event) -> Any:
    """A route handler's result; its exception is answered 500 code -1 with its message (§9.2)."""
    try:
        return handler(event)
    except (ODataError, StoreError):
        raise
    except Exception as exc:
        raise ODataError(errors.INTERNAL, str(exc) or type(exc).__name__) from exc
