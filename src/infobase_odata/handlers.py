"""Resolution of a resource path and the read handlers (``routes.py`` picks among them)::

    resource = resolve(ctx, split_segments("Catalog_Goods(guid'…')/Unit"))
    response = read_entity(ctx, resource)

Every handler gets a :class:`~infobase_odata.context.Context` and the resolved resource, and
returns a webob Response; they raise :class:`ODataError` for every bad input.
"""

from __future__ import annotations

from webob import Response

from . import errors, paging, security
from .context import Context, Resource, content_type, response, stream
from .edm import NIL_GUID, text_value
from .errors import ODataError
from .expansion import decorate_rows
from .formats.atom import XML_CONTENT_TYPE
from .keys import entity_key
from .model import CONSTANT, RECORD_SET, EntitySet, NavigationProperty, TABULAR
from .projection import build_shape
from .urls import Segment
from .lazy import HandlerModule

register_handlers = HandlerModule("infobase_odata.register_handlers")  # record sets, virtual tables only


# --- resolution -------------------------------------------------------------------------------

EXCHANGE_SHAPES = {"SelectChanges": "changes", "NotifyChangesReceived": "changes_received"}

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


def resolve_for_write(ctx: Context, segment: Segment) -> Resource:
    """``<Set>(<key>)`` addressed by a write: the entity, not read yet."""
    entity_set = _entity_set(ctx, segment.name)
    return Resource("entity", entity_set, entity_key(entity_set, segment.args))


def resolve(ctx: Context, segments: list[Segment]) -> Resource:
    if not segments:
        return Resource("service")
    first, rest = segments[0], segments[1:]
    if first.name == "$metadata" and first.args is None and not rest:
        return Resource("metadata")
    if first.name in EXCHANGE_SHAPES and first.args is None and not rest:
        return Resource(EXCHANGE_SHAPES[first.name])  # exchange_handlers.py (§7)
    if first.name == "$batch" and not rest:
        raise ODataError.of(errors.NOT_SUPPORTED, "{name} is not supported by this service", status=501,
                            name=first.name)
    entity_set = _entity_set(ctx, first.name)
    if first.args is None and not (entity_set.kind == CONSTANT and rest):
        if not rest:
            return Resource("collection", entity_set)
        if rest[0].name == "$count" and rest[0].args is None and len(rest) == 1:
            return Resource("count", entity_set)
        return register_handlers.resolve_function(ctx, entity_set, rest)  # virtual tables (§6)
    key = entity_key(entity_set, first.args)
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
    target_set = ctx.model.entity_sets[nav.target_set]
    target_key = row.get(nav.key_property)
    if not target_key or target_key == NIL_GUID:
        raise ODataError.not_found(target_set.name)
    key = {"Ref_Key": target_key}
    return Resource("entity", target_set, key, _read_entity(ctx, target_set, key))


# --- handlers ----------------------------------------------------------------------------------

def service_document(ctx: Context, resource: Resource) -> Response:
    writer = ctx.writer
    return response(ctx, writer.service_document(ctx.model, ctx.base), content_type(ctx, "SERVICE"))


def metadata(ctx: Context, resource: Resource) -> Response:
    # $metadata is XML only (§1.1), whatever $format or Accept say.
    return response(ctx, ctx.service.metadata_bytes, XML_CONTENT_TYPE)


def read_collection(ctx: Context, resource: Resource) -> Response:
    entity_set = resource.entity_set
    options = ctx.query_options(entity_set)
    shape = build_shape(ctx.model, entity_set, options, shared=ctx.service.shapes)
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
            next_link = paging.next_link(ctx.base, entity_set, ctx.query_pairs, token, len(page), options.top)
        rows = page
    rows = decorate_rows(ctx, shape, rows)
    chunks = ctx.writer.feed(shape, rows, base=ctx.base, count=total, flavour=ctx.format.flavour,
                             next_link=next_link)
    return response(ctx, stream(chunks), content_type(ctx, "FEED"))


def read_count(ctx: Context, resource: Resource) -> Response:
    options = ctx.query_options(resource.entity_set)
    restriction = security.restrict_read(ctx, resource.entity_set, options.filter, options.allowed_only)
    total = ctx.provider.count(resource.entity_set, options.filter, restriction=restriction)
    return response(ctx, str(total).encode("ascii"), "text/plain;charset=utf-8")


def read_entity(ctx: Context, resource: Resource) -> Response:
    entity_set = resource.entity_set
    options = ctx.query_options(entity_set)
    # 1C refuses $expand on single-entity requests (§5.1); we are lenient and honour it.
    shape = build_shape(ctx.model, entity_set, options, shared=ctx.service.shapes)
    row = resource.row if resource.row is not None else _read_entity(ctx, entity_set, resource.key)
    row = next(iter(decorate_rows(ctx, shape, [row])))
    writer = ctx.writer
    body = writer.entry(shape, row, base=ctx.base, flavour=ctx.format.flavour)
    return response(ctx, body, content_type(ctx, "ENTRY"))


def read_property(ctx: Context, resource: Resource) -> Response:
    ctx.query_options(resource.entity_set)  # validates $format and friends
    writer = ctx.writer
    value = resource.row.get(resource.prop.name)
    body = writer.property_value(resource.entity_set, resource.prop, value,
                                 base=ctx.base, flavour=ctx.format.flavour)
    return response(ctx, body, content_type(ctx, "XML"))


def read_value(ctx: Context, resource: Resource) -> Response:
    value = resource.row.get(resource.prop.name)
    return response(ctx, text_value(value).encode("utf-8"), "text/plain;charset=utf-8")
