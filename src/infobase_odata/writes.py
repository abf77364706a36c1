"""Write handlers: POST (create), PATCH/MERGE and PUT (update), DELETE, constants (§8).

Each write is one provider transaction around the object's event handlers, so a handler
exception or a stale ``If-Match`` leaves nothing written::

    Route("collection", ANY, ("POST",), writes.create_entity, (ObjectWriter,))   # in routes.py
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from webob import Response

from .i18n import Message
from . import errors, rules, security
from .context import content_type, response
from .edm import entity_path, new_guid
from .errors import ODataError, StoreError
from .events import BEFORE_DELETE, BEFORE_WRITE, ON_DELETE, ON_WRITE, Event
from .formats import atom_reader, json_reader
from .model import EntitySet
from .shape import shared_shape
from .supplied import Supplied
from .values import empty_row, empty_value

log = logging.getLogger(__name__)

DATA_LOAD_HEADER = "1C_OData-DataLoadMode"


BODY_KEY = "infobase_odata.body"  # (the input stream, the body read from it)


def read_body(ctx) -> bytes:
    """The request body, refused with 413 above ``max_body_bytes`` before anything is parsed;
    kept in the environ, so a request the service runs again (a write conflict) reads it again."""
    environ = ctx.request.environ
    kept = environ.get(BODY_KEY)
    if kept is not None and kept[0] is environ.get("wsgi.input"):  # not a copy into a batch part
        return kept[1]
    limit = ctx.settings.max_body_bytes
    length = ctx.request.content_length
    if length is not None and length < 0:  # would read until the client hangs up
        raise ODataError(errors.BAD_REQUEST, Message("Invalid Content-Length"))
    if length is not None and length > limit:
        raise ODataError(errors.BAD_REQUEST, Message("The request body is larger than {limit} bytes",
                                                     limit=limit), status=413)
    # A known length is read as such: read(limit + 1) makes the buffered reader allocate the
    # whole limit (4 MiB by default) for every request.
    body = ctx.request.body_file.read(limit + 1 if length is None else length) if length != 0 else b""
    if len(body) > limit:
        raise ODataError(errors.BAD_REQUEST, Message("The request body is larger than {limit} bytes",
                                                     limit=limit), status=413)
    environ[BODY_KEY] = (environ.get("wsgi.input"), body)
    return body


def _body_reader(ctx, body: bytes):
    content_type = (ctx.request.content_type or "").lower()
    if content_type.endswith("json"):
        return json_reader
    if content_type.endswith("xml"):
        return atom_reader
    if content_type and content_type not in ("text/plain", "application/octet-stream"):
        raise ODataError(errors.FORMAT_NOT_SUPPORTED, Message("Unsupported request Content-Type {content_type}",
                                                              content_type=content_type),
                         status=415)
    return atom_reader if body.lstrip()[:1] == b"<" else json_reader


def read_values(ctx, entity_set: EntitySet) -> dict[str, Any]:
    body = read_body(ctx)
    if not body.strip():
        raise ODataError(errors.BAD_REQUEST, Message("The request body is empty"))
    values = _body_reader(ctx, body).read_entity(body, entity_set, ctx.model, base=ctx.base)
    values.pop("__DataVersion", None)  # the version token travels in If-Match (§8.5)
    return values


def if_match(ctx) -> str | None:
    """The DataVersion of ``If-Match`` without ETag quoting; None when absent, ``*`` or off."""
    if not ctx.settings.check_if_match:
        return None
    raw = ctx.request.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return None if value in ("", "*") else value


def data_load_mode(ctx, entity_set: EntitySet) -> bool:
    enabled = ctx.request.headers.get(DATA_LOAD_HEADER, "").strip().lower() == "true"
    if enabled and entity_set.name in ctx.service.events.data_load_refused:
        raise ODataError(errors.DATA_LOAD_MODE, Message("{name} does not support data-load mode",
                                                        name=entity_set.name))
    return enabled


def user_of(ctx) -> str | None:
    environ = ctx.request.environ
    return environ.get("infobase_odata.user") or environ.get("REMOTE_USER")


class HandlerFailure(ODataError):
    """An exception raised by application code: 500 code -1 with the handler's own message,
    as 1C answers (§9.2); the transaction around it is rolled back."""

    def __init__(self, exc: Exception) -> None:
        super().__init__(errors.INTERNAL, str(exc) or type(exc).__name__)


def _fire(ctx, name: str, entity_set: EntitySet, obj: dict, **details: Any) -> None:
    if not ctx.service.events.has(entity_set.name, name):
        return
    fire_event(ctx, Event(name, entity_set, obj, user=user_of(ctx), provider=ctx.provider,
                          data_load=details.pop("data_load", False), **details))


def fire_event(ctx, event: Event) -> None:
    """Run the event's handlers; an application exception becomes :class:`HandlerFailure`,
    OData and store errors pass unchanged."""
    events = ctx.service.events
    if not events.has(event.object_id, event.name):
        return
    try:
        events.fire(event)
    except (ODataError, StoreError):
        raise
    except Exception as exc:
        log.warning("%s handler of %s failed: %s", event.name, event.object_id, exc, exc_info=True)
        raise HandlerFailure(exc) from exc


def _entity_response(ctx, entity_set: EntitySet, row: dict, status: int = 200) -> Response:
    body = ctx.writer.entry(shared_shape(entity_set, ctx.service.shapes), row, base=ctx.base, flavour=ctx.format.flavour)
    return response(ctx, body, content_type(ctx, "ENTRY"), status)


def _key(entity_set: EntitySet, row: dict) -> dict:
    return {name: row[name] for name in entity_set.entity_type.key_names}


def _check_writable(entity_set: EntitySet, method: str) -> None:
    """The write rules of :mod:`rules` before anything is read (code 13 / 405)."""
    rules.check_writable(entity_set, {"POST": "create", "PUT": "update", "PATCH": "update",
                                      "DELETE": "delete"}[method])


def create_entity(ctx, resource) -> Response:
    entity_set = resource.entity_set
    _check_writable(entity_set, "POST")
    restriction = security.require(ctx, entity_set, "Insert")
    load = data_load_mode(ctx, entity_set)
    values = read_values(ctx, entity_set)
    values.setdefault("Ref_Key", new_guid())
    filled = empty_row(entity_set.entity_type)  # every property, the given ones as given
    filled.update((name, value) for name, value in values.items() if name in filled)
    obj = Supplied(filled, given=values)
    with ctx.provider.transaction():
        _fire(ctx, BEFORE_WRITE, entity_set, obj, is_new=True, data_load=load)
        row = ctx.provider.create(entity_set, obj)
        # A user cannot create a row it could not read (§11): checked before commit.
        security.check_row(ctx, entity_set, _key(entity_set, row), restriction)
        _fire(ctx, ON_WRITE, entity_set, row, is_new=True, data_load=load)
    answer = _entity_response(ctx, entity_set, row, status=201)
    answer.headers["Location"] = ctx.base + quote(entity_path(entity_set, _key(entity_set, row)),
                                                  safe="/()',=:$-_.~")
    return answer


def _update(ctx, resource, *, replace: bool) -> Response:
    entity_set = resource.entity_set
    method = "PUT" if replace else "PATCH"
    _check_writable(entity_set, method)
    restriction = security.require(ctx, entity_set, "Update")
    load = data_load_mode(ctx, entity_set)
    values = read_values(ctx, entity_set)
    version = if_match(ctx)
    with ctx.provider.transaction():
        previous = _current(ctx, entity_set, resource.key, restriction, version)
        obj = dict(previous)
        if replace:
            obj.update({p.name: empty_value(p) for p in entity_set.entity_type.properties
                        if p.name not in rules.KEPT_BY_PUT and p.name not in values})
        obj.update(values)
        obj.update(resource.key)  # the key of the URL wins over the body (Ref_Key is not changeable)
        _fire(ctx, BEFORE_WRITE, entity_set, obj, previous=previous, data_load=load)
        row = ctx.provider.update(entity_set, resource.key, obj, if_match=version, replace=replace)
        security.check_row(ctx, entity_set, _key(entity_set, row), restriction)
        _fire(ctx, ON_WRITE, entity_set, row, previous=previous, data_load=load)
    return _entity_response(ctx, entity_set, row)


def _current(ctx, entity_set: EntitySet, key: dict, restriction, version: str | None) -> dict:
    """The stored row about to change: 404 when missing, 401/20 when the user may not see it,
    412 when ``If-Match`` names another DataVersion (the provider checks again atomically)."""
    previous = ctx.provider.get(entity_set, key)
    if previous is None:
        raise ODataError.not_found(entity_set.name)
    security.check_row(ctx, entity_set, key, restriction)
    if version is not None and previous.get("DataVersion") != version:
        raise ODataError(None, errors.STALE_MESSAGE, status=412)
    return previous


def patch_entity(ctx, resource) -> Response:
    return _update(ctx, resource, replace=False)


def put_entity(ctx, resource) -> Response:
    return _update(ctx, resource, replace=True)


def delete_entity(ctx, resource) -> Response:
    entity_set = resource.entity_set
    _check_writable(entity_set, "DELETE")
    restriction = security.require(ctx, entity_set, "Delete")
    load = data_load_mode(ctx, entity_set)
    version = if_match(ctx)
    with ctx.provider.transaction():
        previous = _current(ctx, entity_set, resource.key, restriction, version)
        rules.check_deletable(previous)
        _fire(ctx, BEFORE_DELETE, entity_set, previous, previous=previous, data_load=load)
        ctx.provider.delete(entity_set, resource.key, if_match=version)
        _fire(ctx, ON_DELETE, entity_set, previous, previous=previous, data_load=load)
    return Response(status=204)


def set_constant(ctx, resource) -> Response:
    """PATCH/MERGE/PUT of a constant, with or without its key (§2 lenient forms): constants carry
    no DataVersion, so ``If-Match`` is not checked."""
    entity_set = resource.entity_set
    security.require(ctx, entity_set, "Update")
    data_load_mode(ctx, entity_set)
    values = read_values(ctx, entity_set)
    with ctx.provider.transaction():
        row = ctx.provider.set_constant(entity_set, values.get("Value", values.get("Value_Key")))
    return _entity_response(ctx, entity_set, row)
