"""Handlers of the business-process actions (reference §7): ``Start`` and ``ExecuteTask``, each
one store transaction around ``route_map.RouteRun``; rights ``Start`` on the process and
``Execute`` on the task (code 20 without them, like every other right)::

    POST BusinessProcess_Approval(guid'…')/Start?RoutePoint='Start'      -> 200, empty body
    POST Task_ApprovalTask(guid'…')/ExecuteTask                           -> 200, empty body
"""

from __future__ import annotations

from webob import Response

from . import errors, security, writes
from .errors import ODataError
from .i18n import Message
from .route_map import RouteRun
from .urls import parse_query_string


def _route_point(ctx) -> str | None:
    """``RoutePoint='Name'`` of the query string (a string literal; unquoted is accepted)."""
    for name, value in parse_query_string(ctx.request.query_string):
        if name == "RoutePoint":
            text = value.strip()
            if len(text) >= 2 and text[0] == text[-1] == "'":
                text = text[1:-1].replace("''", "'")
            if not text:
                raise ODataError(errors.BAD_FUNCTION, Message("RoutePoint: the name of a start point is expected"))
            return text
    return None


def _run(ctx) -> RouteRun:
    return RouteRun(ctx.model, ctx.provider, ctx.service.events,
                    fire=lambda event: writes.fire_event(ctx, event), user=writes.user_of(ctx))


def _done() -> Response:
    response = Response(status=200)
    del response.headers["Content-Type"]  # as Post (§14.6): an empty body with no type
    return response


def _action(ctx, resource, right: str, act) -> Response:
    entity_set, key = resource.entity_set, resource.key
    restriction = security.require(ctx, entity_set, right)
    writes.read_body(ctx)  # an empty body, with or without Content-Length (§7)
    provider = ctx.provider
    with provider.transaction():
        row = provider.get(entity_set, key)
        if row is None:
            raise ODataError.not_found(entity_set.name)
        security.check_row(ctx, entity_set, key, restriction)
        act(row)
    return _done()


def start_process(ctx, resource) -> Response:
    point = _route_point(ctx)
    return _action(ctx, resource, "Start", lambda row: _run(ctx).start(resource.entity_set, row, point))


def execute_task(ctx, resource) -> Response:
    return _action(ctx, resource, "Execute", lambda row: _run(ctx).execute(resource.entity_set, row))
