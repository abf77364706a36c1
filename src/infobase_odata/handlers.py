"""Request handlers: the resource path decides the kind, the kind and method pick a function.

    >>> HANDLERS[("collection", "GET")]
    <function read_collection ...>

Every handler gets a :class:`Context` and the resolved resource, and returns a webob Response;
they raise :class:`ODataError` for every bad input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from webob import Request, Response

from . import errors, paging, register_handlers, security, writes
from .allow import allow_header, allowed_methods
from .csrf import check_request
from .errors import ODataError
from .expansion import decorate_rows
from .model import RECORD_SET, EntitySet, NavigationProperty, Property, TABULAR
from .negotiation import Format
from .projection import build_shape
from .query.ast import Binary, Call, Lambda, Member, QueryOptions, Unary
from .query.parser import QueryLimits, parse_query_options
from .urls import Segment, parse_query_string


@dataclass
class Context:
    service: Any  # ODataService
    request: Request
    format: Format
    base: str  # absolute service root URL ending in "/"
    subject: Any = None  # security.Subject of the request's user

    @property
    def model(self):
        return self.service.model

    @property
    def provider(self):
        return self.service.provider

    @property
    def settings(self):
        return self.service.settings

    @property
    def writer(self):
        from .formats import atom, json as json_format

        return json_format if self.format.json else atom

    def query_options(self, entity_set: EntitySet) -> QueryOptions:
        settings = self.settings
        limits = QueryLimits(max_filter_depth=settings.max_filter_depth,
                             max_filter_nodes=settings.max_filter_nodes,
                             max_expand_depth=settings.max_expand_depth,
                             max_top=settings.max_top, max_lambda_depth=settings.max_lambda_depth)
        pairs = parse_query_string(self.request.query_string)
        options = parse_query_options(pairs, entity_set, self.model, limits=limits)
        _check_joins(options)
        return options


MAX_JOINS = 60  # navigation steps and lambdas in $filter + $orderby (SQLite allows 200 FROM terms)


def _check_joins(options: QueryOptions) -> None:
    """Refuse a query that would join more tables than a database statement can hold."""
    stack: list[Any] = [options.filter, *(item.expr for item in options.orderby)]
    joins = 0
    while stack:
        node = stack.pop()
        if isinstance(node, Member):
            joins += len(node.path) - 1
            stack.append(node.base)
        elif isinstance(node, Lambda):
            joins += len(node.collection.path)
            stack += [node.collection.base, node.predicate]
        elif isinstance(node, (Binary, Unary, Call)):
            stack += [node.left, node.right] if isinstance(node, Binary) else \
                [node.operand] if isinstance(node, Unary) else list(node.args)
        if joins > MAX_JOINS:
            raise ODataError.query_option("$filter", f"more than {MAX_JOINS} navigation steps")


@dataclass
class Resource:
    kind: str  # service, metadata, collection, count, entity, property, value
    entity_set: EntitySet | None = None
    key: dict | None = None
    row: dict | None = None  # the addressed entity, once read (for property paths)
    prop: Property | None = None  # the addressed property (kind property / value)
    path: list[str] = field(default_factory=list)


def _content_type(ctx: Context, atom_kind: str) -> str:
    """JSON's one content type, or the Atom one of this kind (FEED, ENTRY, SERVICE, XML)."""
    writer = ctx.writer
    return writer.CONTENT_TYPE if ctx.format.json else getattr(writer, f"{atom_kind}_CONTENT_TYPE")


def _response(ctx: Context, body, content_type: str, status: int = 200) -> Response:
    response = Response(status=status)
    if isinstance(body, bytes):
        response.body = body
    else:
        response.app_iter = body
    response.headers["Content-Type"] = content_type
    return response


# --- resolution -------------------------------------------------------------------------------

def _entity_set(ctx: Context, name: str) -> EntitySet:
    entity_set = ctx.model.entity_set(name)
    if entity_set is None:
        raise ODataError.entity_set_not_found(name)
    return entity_set


def _read_entity(ctx: Context, entity_set: EntitySet, key: dict) -> dict:
    restriction = security.require(ctx, entity_set, "Read")
    row = ctx.provider.get(entity_set, key)
    if row is None:
        raise ODataError.not_found(entity_set.name)
    if restriction is not None and entity_set.kind == RECORD_SET:
        register_handlers.check_record_set(ctx, entity_set, key, restriction)
    elif restriction is not None:
        # With allowedOnly a forbidden row is "filtered": not found (§11).
        missing = ODataError.not_found(entity_set.name) if security.allowed_only(ctx) else None
        security.check_row(ctx, entity_set, key, restriction, missing=missing)
    return row


def _resolve_for_write(ctx: Context, segment: Segment) -> Resource:
    from .register_handlers import register_key

    entity_set = _entity_set(ctx, segment.name)
    return Resource("entity", entity_set, register_key(entity_set, segment.args))


def resolve(ctx: Context, segments: list[Segment]) -> Resource:
    if not segments:
        return Resource("service")
    first, rest = segments[0], segments[1:]
    if first.name == "$metadata" and first.args is None and not rest:
        return Resource("metadata")
    if first.name in ("$batch", "SelectChanges", "NotifyChangesReceived") and not rest:
        raise ODataError.of(errors.NOT_SUPPORTED, "{name} is not supported by this service", status=501,
                            name=first.name)
    entity_set = _entity_set(ctx, first.name)
    if first.args is None and not (entity_set.kind == "constant" and rest):
        if not rest:
            return Resource("collection", entity_set)
        if rest[0].name == "$count" and rest[0].args is None and len(rest) == 1:
            return Resource("count", entity_set)
        return register_handlers.resolve_function(ctx, entity_set, rest)  # virtual tables (§6)
    key = register_handlers.register_key(entity_set, first.args)
    if rest:
        action = register_handlers.resolve_action(ctx, entity_set, key, rest)  # Post/Unpost (§7)
        if action is not None:
            return action
    resource = Resource("entity", entity_set, key)
    for segment in rest:
        resource = _step(ctx, resource, segment)
    return resource


def _step(ctx: Context, resource: Resource, segment: Segment) -> Resource:
    """One more path segment after an entity or a property: a property, a navigation or $value."""
    if resource.kind == "property":
        if segment.name == "$value" and segment.args is None and resource.prop.role != TABULAR:
            return Resource("value", resource.entity_set, resource.key, resource.row, resource.prop)
        raise ODataError.of(errors.BAD_URL, "Extra segments after {name}", name=resource.prop.name)
    if resource.kind != "entity":
        raise ODataError.of(errors.BAD_URL, "Extra segments after {name}", name=resource.entity_set.name)
    if segment.args is not None:
        raise ODataError.of(errors.BAD_URL, "{name} takes no key here", name=segment.name)
    entity_type = resource.entity_set.entity_type
    row = resource.row if resource.row is not None else _read_entity(ctx, resource.entity_set, resource.key)
    nav = entity_type.navigation_property(segment.name)
    if nav is not None:
        return _navigate(ctx, row, nav)
    prop = entity_type.property(segment.name)
    if prop is None:
        raise ODataError.of(errors.PROPERTY_NOT_FOUND, "Property {name} not found in {entity_set}",
                            name=segment.name, entity_set=resource.entity_set.name)
    return Resource("property", resource.entity_set, resource.key, row, prop)


def _navigate(ctx: Context, row: dict, nav: NavigationProperty) -> Resource:
    from .edm import NIL_GUID

    target_set = ctx.model.entity_sets[nav.target_set]
    target_key = row.get(nav.key_property)
    if not target_key or target_key == NIL_GUID:
        raise ODataError.not_found(target_set.name)
    key = {"Ref_Key": target_key}
    return Resource("entity", target_set, key, _read_entity(ctx, target_set, key))


# --- handlers ----------------------------------------------------------------------------------

def service_document(ctx: Context, resource: Resource) -> Response:
    writer = ctx.writer
    return _response(ctx, writer.service_document(ctx.model, ctx.base), _content_type(ctx, "SERVICE"))


def metadata(ctx: Context, resource: Resource) -> Response:
    from .formats.atom import XML_CONTENT_TYPE

    # $metadata is XML only (§1.1), whatever $format or Accept say.
    return _response(ctx, ctx.service.metadata_bytes, XML_CONTENT_TYPE)


def read_collection(ctx: Context, resource: Resource) -> Response:
    from .service import stream

    entity_set = resource.entity_set
    options = ctx.query_options(entity_set)
    shape = build_shape(ctx.model, entity_set, options)
    restriction = security.restrict_read(ctx, entity_set, options.filter, options.allowed_only)
    paged = paging.page_options(entity_set, options, ctx.settings.page_size)
    next_link = None
    if paged is None:
        result = ctx.provider.query(entity_set, options, restriction=restriction)
        rows, total = result.rows, result.total
    else:
        page = list(ctx.provider.query(entity_set, paged, restriction=restriction).rows)  # page_size + 1 rows
        total = (ctx.provider.count(entity_set, options.filter, restriction=restriction)
                 if options.inlinecount else None)
        if len(page) > ctx.settings.page_size:
            page = page[: ctx.settings.page_size]
            token = paging.skiptoken(entity_set, options, page[-1])
            pairs = parse_query_string(ctx.request.query_string)
            next_link = paging.next_link(ctx.base, entity_set, pairs, token, len(page), options.top)
        rows = page
    rows = decorate_rows(ctx, shape, rows)
    chunks = ctx.writer.feed(shape, rows, base=ctx.base, count=total, flavour=ctx.format.flavour,
                             next_link=next_link)
    return _response(ctx, stream(chunks), _content_type(ctx, "FEED"))


def read_count(ctx: Context, resource: Resource) -> Response:
    options = ctx.query_options(resource.entity_set)
    restriction = security.restrict_read(ctx, resource.entity_set, options.filter, options.allowed_only)
    total = ctx.provider.count(resource.entity_set, options.filter, restriction=restriction)
    return _response(ctx, str(total).encode("ascii"), "text/plain;charset=utf-8")


def read_entity(ctx: Context, resource: Resource) -> Response:
    entity_set = resource.entity_set
    options = ctx.query_options(entity_set)
    if options.expand and entity_set.kind != "constant":
        # 1C refuses $expand on single-entity requests (§5.1); we are lenient and honour it.
        pass
    shape = build_shape(ctx.model, entity_set, options)
    row = resource.row if resource.row is not None else _read_entity(ctx, entity_set, resource.key)
    row = next(iter(decorate_rows(ctx, shape, [row])))
    writer = ctx.writer
    body = writer.entry(shape, row, base=ctx.base, flavour=ctx.format.flavour)
    return _response(ctx, body, _content_type(ctx, "ENTRY"))


def read_property(ctx: Context, resource: Resource) -> Response:
    ctx.query_options(resource.entity_set)  # validates $format and friends
    writer = ctx.writer
    value = resource.row.get(resource.prop.name)
    body = writer.property_value(resource.entity_set, resource.prop, value,
                                 base=ctx.base, flavour=ctx.format.flavour)
    return _response(ctx, body, _content_type(ctx, "XML"))


def read_value(ctx: Context, resource: Resource) -> Response:
    from .edm import text_value

    value = resource.row.get(resource.prop.name)
    return _response(ctx, text_value(value).encode("utf-8"), "text/plain;charset=utf-8")


def update_collection(ctx: Context, resource: Resource) -> Response:
    """``PATCH Constant_X`` without a key: the constant's one entity (§2 lenient forms)."""
    if resource.entity_set.kind != "constant":
        raise ODataError.method_not_allowed(ctx.request.method.upper(), ("GET", "POST"))
    resource = Resource("entity", resource.entity_set, {"SurrogateKey": 0})
    return writes.patch_entity(ctx, resource)


HANDLERS: dict[tuple[str, str], Callable[[Context, Resource], Response]] = {
    ("service", "GET"): service_document,
    ("metadata", "GET"): metadata,
    ("collection", "GET"): read_collection,
    ("collection", "POST"): writes.create_entity,
    ("collection", "PATCH"): update_collection,
    ("collection", "MERGE"): update_collection,
    ("collection", "PUT"): update_collection,
    ("count", "GET"): read_count,
    ("entity", "GET"): read_entity,
    ("entity", "PATCH"): writes.patch_entity,
    ("entity", "MERGE"): writes.patch_entity,
    ("entity", "PUT"): writes.put_entity,
    ("entity", "DELETE"): writes.delete_entity,
    ("property", "GET"): read_property,
    ("value", "GET"): read_value,
    ("function", "GET"): register_handlers.virtual_table,
    ("action", "POST"): register_handlers.post_action,
}
TUNNELLED = ("MERGE", "PATCH", "PUT", "DELETE")  # X-HTTP-Method on a POST


def dispatch(ctx: Context, segments: list[Segment]) -> Response:
    method = ctx.request.method.upper()
    tunnelled = ctx.request.headers.get("X-HTTP-Method", "").strip().upper()
    if method == "POST" and tunnelled in TUNNELLED:
        method = tunnelled
    check_request(ctx.request, ctx.settings, method)  # cross-site request forgery (csrf.py)
    if method in ("PATCH", "MERGE", "PUT", "DELETE", "POST") and segments and len(segments) == 1 \
            and segments[0].args is not None:
        resource = _resolve_for_write(ctx, segments[0])
    else:
        resource = resolve(ctx, segments)
    handler = HANDLERS.get((resource.kind, method))
    if resource.entity_set is not None and resource.entity_set.kind == RECORD_SET and method != "GET":
        handler = register_handlers.REGISTER_HANDLERS.get((resource.kind, method))  # §8.4
    if handler is None:
        raise ODataError.method_not_allowed(method, allowed_methods(resource))
    try:
        return handler(ctx, resource)
    except ODataError as err:
        if err.status == 405:  # whoever refused, Allow lists exactly what this resource takes
            err.headers["Allow"] = allow_header(resource)
        raise
