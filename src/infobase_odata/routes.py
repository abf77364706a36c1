"""The one routing table: resource shape × set kind × HTTP method -> handler and the stores it needs.

A request is resolved to a :class:`~infobase_odata.context.Resource` (its ``kind`` is the
shape: service, metadata, collection, count, entity, property, value, function, action), then
looked up here, the set's own kind first, then ``ANY``::

    response = dispatch(ctx, split_segments("Catalog_Goods(guid'…')"))

A route whose handler is ``None`` refuses the method (405, ``Allow`` lists what the shape and
kind accept). A route needing a store Protocol the provider lacks (``service.stores``, checked at
start-up) answers 405 code 19 by itself, or 501 for virtual tables.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from webob import Response

from .i18n import Message
from . import errors, handlers
from .lazy import HandlerModule
from .context import Context, Resource
from .csrf import check_request
from .errors import ODataError
from .model import CONSTANT, RECORD_SET
from .stores import CalculationStore, ConstantStore, ExchangeStore, ObjectWriter, RecordSetStore, VirtualTableStore
from .urls import Segment

ANY = "*"
# Imported on the first request that needs them (#18, cold start: a start loads only its route's).
calculations = HandlerModule("infobase_odata.calculation_handlers")
exchange = HandlerModule("infobase_odata.exchange_handlers")
process_handlers = HandlerModule("infobase_odata.process_handlers")
registers = HandlerModule("infobase_odata.register_handlers")
writes = HandlerModule("infobase_odata.writes")
Handler = Callable[[Context, Resource], Response]


class Route(NamedTuple):
    """One row of the routing table."""

    shape: str
    kind: str  # an EntitySet kind (model.OBJECT, CONSTANT, ...) or ANY
    methods: tuple[str, ...]
    handler: Handler | None  # None: the method is refused (405)
    needs: tuple[type, ...] = ()


# Bound actions by name (resolved only where the entity set's kind has them); others: Post/Unpost.
ACTIONS: dict[str, Handler] = {"Start": process_handlers.start_process, "ExecuteTask": process_handlers.execute_task}


def action(ctx: Context, resource: Resource) -> Response:
    return ACTIONS.get(resource.path[0], registers.post_action)(ctx, resource)


WRITE = (ObjectWriter,)
ROUTES: tuple[Route, ...] = (
    # shape         kind        methods                      handler                      needs
    Route("service", ANY, ("GET",), handlers.service_document),
    Route("metadata", ANY, ("GET",), handlers.metadata),
    Route("collection", ANY, ("GET",), handlers.read_collection),
    Route("collection", ANY, ("POST",), writes.create_entity, WRITE),
    Route("collection", CONSTANT, ("PATCH", "MERGE", "PUT"), writes.set_constant, (*WRITE, ConstantStore)),
    Route("collection", CONSTANT, ("POST",), None),
    Route("collection", RECORD_SET, ("POST",), None),  # record sets are written by key (§8.4)
    Route("count", ANY, ("GET",), handlers.read_count),
    Route("entity", ANY, ("GET",), handlers.read_entity),
    Route("entity", ANY, ("PATCH", "MERGE"), writes.patch_entity, WRITE),
    Route("entity", ANY, ("PUT",), writes.put_entity, WRITE),
    Route("entity", ANY, ("DELETE",), writes.delete_entity, WRITE),
    Route("entity", CONSTANT, ("PATCH", "MERGE", "PUT"), writes.set_constant, (*WRITE, ConstantStore)),
    Route("entity", CONSTANT, ("DELETE",), None),
    Route("entity", RECORD_SET, ("PATCH", "MERGE", "PUT"), registers.write_record_set, (*WRITE, RecordSetStore)),
    Route("entity", RECORD_SET, ("DELETE",), registers.clear_record_set, (*WRITE, RecordSetStore)),
    Route("property", ANY, ("GET",), handlers.read_property),
    Route("value", ANY, ("GET",), handlers.read_value),
    Route("function", ANY, ("GET",), registers.virtual_table, (VirtualTableStore,)),  # §6
    Route("action", ANY, ("POST",), action, WRITE),  # Post/Unpost, Start, ExecuteTask (§7)
    Route("changes", ANY, ("POST",), exchange.select_changes, (*WRITE, ExchangeStore)),  # §7
    Route("changes_received", ANY, ("POST",), exchange.notify_changes_received, (*WRITE, ExchangeStore)),
    Route("calculation", ANY, ("GET",), calculations.virtual_table, (CalculationStore,)),  # §6.4
)

_TABLE: dict[tuple[str, str, str], Route] = {
    (route.shape, route.kind, method): route for route in ROUTES for method in route.methods}
TUNNELLED = ("MERGE", "PATCH", "PUT", "DELETE")  # X-HTTP-Method on a POST


def route_for(shape: str, kind: str, method: str) -> Route | None:
    return _TABLE.get((shape, kind, method)) or _TABLE.get((shape, ANY, method))


def allowed(shape: str, kind: str) -> tuple[str, ...]:
    methods = {m for (s, k, m), route in _TABLE.items() if s == shape and k in (kind, ANY)}
    return tuple(m for m in ("GET", "POST", "PATCH", "MERGE", "PUT", "DELETE")
                 if m in methods and (route := route_for(shape, kind, m)) is not None and route.handler)


def allowed_for(resource: Resource) -> tuple[str, ...]:
    """What ``Allow`` lists for a resource: its routes, GET only on sets read-only by nature
    (tabular sections, register records, journals)."""
    entity_set = resource.entity_set
    if entity_set is not None and entity_set.read_only and resource.kind in ("collection", "entity"):
        return ("GET",)
    return allowed(resource.kind, entity_set.kind if entity_set is not None else ANY)


def check_stores(ctx: Context, needs: tuple[type, ...], method: str) -> None:
    """405 code 19 (or 501 for virtual tables) when the provider lacks a store Protocol."""
    missing = [store for store in needs if store not in ctx.service.stores]
    if not missing:
        return
    if ExchangeStore in missing:
        raise ODataError(errors.NOT_SUPPORTED, Message("Exchange plans are not supported by this data store"), status=501)
    if VirtualTableStore in missing or CalculationStore in missing:
        raise ODataError(errors.NOT_SUPPORTED, Message("Virtual tables are not supported by this data store"), status=501)
    raise ODataError.method_not_allowed(method, ("GET",))


def dispatch(ctx: Context, segments: list[Segment]) -> Response:
    method = ctx.request.method.upper()
    tunnelled = ctx.request.environ.get("HTTP_X_HTTP_METHOD", "").strip().upper()
    if method == "POST" and tunnelled in TUNNELLED:
        method = tunnelled
    check_request(ctx.request, ctx.settings, method)  # cross-site request forgery (csrf.py)
    if method in ("PATCH", "MERGE", "PUT", "DELETE", "POST") and len(segments) == 1 \
            and segments[0].args is not None:
        resource = handlers.resolve_for_write(ctx, segments[0])
    else:
        resource = handlers.resolve(ctx, segments)
    kind = resource.entity_set.kind if resource.entity_set is not None else ANY
    route = route_for(resource.kind, kind, method)
    if route is None or route.handler is None:
        raise ODataError.method_not_allowed(method, allowed_for(resource))
    try:
        check_stores(ctx, route.needs, method)
        return route.handler(ctx, resource)
    except ODataError as err:
        if err.status == 405 and all(s in ctx.service.stores for s in route.needs):
            err.headers["Allow"] = ", ".join(allowed_for(resource))  # whoever refused (§9.2)
        raise
