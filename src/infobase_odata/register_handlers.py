"""Handlers of registers and posting: virtual tables (GET), Post/Unpost (POST), record-set writes.

``handlers.resolve`` turns ``<Set>/<Function>(…)`` into a ``function`` resource and
``Document_X(guid'…')/Post`` into an ``action`` resource; ``dispatch`` sends record-set writes
here (reference §6, §7, §8.4)::

    GET  AccumulationRegister_Stock/Balance(Period=datetime'2024-03-01T00:00:00',Dimensions='Product')
    GET  InformationRegister_Prices/SliceLast?Period=datetime'2024-03-01T00:00:00'&$format=json
    POST Document_SalesOrder(guid'…')/Post?PostingModeOperational=false       -> 200, empty body
    PATCH AccumulationRegister_Sales(Recorder_Key=guid'…')  {"RecordSet": [...]}  -> 200 + record set
"""

from __future__ import annotations

import logging

from webob import Response

from .i18n import Message
from . import accounting_handlers, calculation_handlers, errors, registers as r, security, writes
from .configuration import AccountingRegister
from .errors import ODataError
from .context import Resource, content_type, response, stream
from .query.joins import check_joins
from .events import POSTING, UNDO_POSTING, Event, Movements
from .expansion import decorate_rows
from .kinds import kind_of
from .model import NAMESPACE, OBJECT, EntitySet
from .projection import build_shape
from .vt_response import result_table
from .query.ast import QueryOptions
from .query.parser import parse_filter, parse_query_options
from .shape import shared_shape
from .stores import RecordSetStore
from .urls import Segment

log = logging.getLogger(__name__)
# ---- resolution ---------------------------------------------------------------------------------

def resolve_function(ctx, entity_set: EntitySet, rest: list[Segment]):
    """``<Set>/<Function>[(…)]``: 404 code 11 when the function is not bound to the set, 400
    code 6 for segments after it."""
    segment = rest[0]
    calculation = calculation_handlers.resolve_function(ctx, entity_set, rest)  # §6.4
    if calculation is not None:
        return calculation
    if r.function_import(ctx.model, entity_set, segment.name) is None:
        if any(f.binding_type == entity_set.name for f in ctx.model.function_imports):
            # A register answers a function of another kind (DrCrTurnovers on an accumulation
            # register) or an unknown one with 400 «лишние сегменты» (reference §1.7, §9.2).
            raise ODataError.of(errors.BAD_URL, "{entity_set}: {name} is not a function of this register",
                                entity_set=entity_set.name, name=segment.name)
        raise ODataError.of(errors.METHOD_NOT_FOUND, "{entity_set} has no function {name}",
                            entity_set=entity_set.name, name=segment.name)
    if len(rest) > 1:
        raise ODataError.of(errors.BAD_URL, "Extra segments after {name}", name=segment.name)
    return Resource("function", entity_set, None, path=[segment.name, segment.args])


def resolve_action(ctx, entity_set: EntitySet, key: dict, rest: list[Segment]):
    """``Document_X(guid'…')/Post`` or ``/Unpost``; None when the segment is something else."""
    segment = rest[0]
    kind = kind_of(entity_set.source)
    if entity_set.kind != OBJECT or kind is None or segment.name not in kind.actions or \
            not any(f.name == segment.name and f.binding_type == entity_set.name for f in ctx.model.function_imports):
        return None
    if segment.args not in (None, ""):
        raise ODataError(errors.BAD_URL, Message("{name} takes its parameters in the query string",
                                                 name=segment.name))
    if len(rest) > 1:
        raise ODataError.of(errors.BAD_URL, "Extra segments after {name}", name=segment.name)
    return Resource("action", entity_set, key, path=[segment.name])




# ---- virtual tables -------------------------------------------------------------------------------

def virtual_table(ctx, resource) -> Response:
    entity_set = resource.entity_set
    if isinstance(entity_set.source, AccountingRegister):  # their own parameters and results (§6.3)
        return accounting_handlers.virtual_table(ctx, resource)
    name, args = resource.path
    layout = r.Layout.of(ctx.model, entity_set)
    slice_ = name in ("SliceLast", "SliceFirst")
    result_set = layout.records_set if slice_ else r.vt_result_set(ctx.model, entity_set, name)
    options = parse_query_options(ctx.query_pairs, result_set, ctx.model, limits=ctx.limits)
    params = r.vt_parameters(ctx.model, entity_set, name, args, options.custom, limits=ctx.limits)
    # the join limit of collections for its Condition too ($filter/$orderby are checked while
    # parsing): a PostgreSQL server plans hundreds of navigation subqueries for minutes
    check_joins(QueryOptions(filter=params.condition), ctx.limits.max_joins)
    restriction = security.restrict_read(ctx, layout.records_set, params.condition, options.allowed_only)
    result = ctx.provider.virtual_table(entity_set, params, restriction=restriction, options=options,
                                        result_set=result_set)
    if not slice_:
        return result_table(ctx, result_set, options, result)
    shape = build_shape(ctx.model, result_set, options)  # slices are entities of the records set
    rows = decorate_rows(ctx, shape, result.rows)
    chunks = ctx.writer.feed(shape, rows, base=ctx.base, count=result.total, flavour=ctx.format.flavour)
    return response(ctx, stream(chunks), content_type(ctx, "FEED"))


# ---- Post / Unpost (§7) ---------------------------------------------------------------------------

def _operational(ctx) -> bool:
    for name, value in ctx.query_pairs:
        if name == "PostingModeOperational":
            text = value.strip().lower()
            if text not in ("true", "false"):
                raise ODataError(errors.QUERY_OPTION, Message("PostingModeOperational: true or false, not '{value}'",
                                                              value=value[:20]))
            return text == "true"
    return False


def post_action(ctx, resource) -> Response:
    """Posting: the Posting handlers fill the movements, which replace the document's record
    sets, and ``Posted`` becomes true, all in one transaction; Unpost clears them. A handler
    exception rolls everything back: 500 code -1 with its message."""
    doc_set, key = resource.entity_set, resource.key
    undo = resource.path[0] == "Unpost"
    restriction = security.require(ctx, doc_set, "UndoPosting" if undo else "Posting")
    writes.read_body(ctx)  # an empty body, with or without Content-Length (§7)
    operational = _operational(ctx)
    provider = ctx.provider
    registers = r.registers_of(ctx.model, doc_set)
    if registers and RecordSetStore not in ctx.service.stores:
        raise ODataError.method_not_allowed("POST", ("GET",))
    with provider.transaction():
        document = provider.get(doc_set, key)
        if document is None:
            raise ODataError.not_found(doc_set.name)
        security.check_row(ctx, doc_set, key, restriction)
        event = Event(UNDO_POSTING if undo else POSTING, doc_set, document, user=writes.user_of(ctx),
                      provider=provider, extra={"PostingModeOperational": operational})
        event.record_sets = {reg.name: Movements(reg.name, document.get("Date")) for reg in registers}
        writes.fire_event(ctx, event)
        for reg in registers:
            rows = [] if undo else event.record_sets[reg.name]
            calculation_handlers.write_record_set(ctx, reg, r.recorder_key(reg, doc_set, document["Ref_Key"]), rows)
        provider.update(doc_set, key, {"Posted": not undo})
    response = Response(status=200)
    del response.headers["Content-Type"]  # §14.6: an empty body with no (text/html) type
    return response


# ---- record-set writes (§8.4) ---------------------------------------------------------------------

def _recorder_filter(ctx, layout: r.Layout, key: dict):
    if "Recorder_Key" in key:
        text = f"Recorder_Key eq guid'{key['Recorder_Key']}'"
    else:
        text = f"Recorder eq cast(guid'{key['Recorder']}','{key['Recorder_Type'][len(NAMESPACE) + 1:]}')"
    return parse_filter(text, layout.records_set, ctx.model)


def check_record_set(ctx, register_set: EntitySet, key: dict, restriction) -> None:
    """Every record of the recorder satisfies the restriction (over ``_RecordType`` rows)."""
    layout = r.Layout.of(ctx.model, register_set)
    security.check_all(ctx, layout.records_set, _recorder_filter(ctx, layout, key), restriction)


def _replace(ctx, resource, rows) -> list:
    register_set, key = resource.entity_set, resource.key
    layout = r.Layout.of(ctx.model, register_set)
    restriction = security.require(ctx, register_set, "Update")
    with ctx.provider.transaction():
        if rows is None:
            stored = ctx.provider.read_record_set(register_set, key)
        else:
            condition = _recorder_filter(ctx, layout, key) if restriction is not None else None
            security.check_all(ctx, layout.records_set, condition, restriction)  # the old records
            stored = calculation_handlers.write_record_set(ctx, register_set, key, rows)
            security.check_all(ctx, layout.records_set, condition, restriction)  # the new ones
    return stored


def write_record_set(ctx, resource) -> Response:
    """PATCH/MERGE/PUT: the record set is replaced as a whole (``RecordSet``, the ``odata.type``
    annotations ignored); a PATCH without ``RecordSet`` changes nothing, a PUT empties it."""
    values = writes.read_values(ctx, resource.entity_set)
    rows = values.get("RecordSet")
    if rows is None and ctx.request.method.upper() == "PUT":
        rows = []
    stored = _replace(ctx, resource, rows)
    row = {**resource.key, "RecordSet": stored}
    body = ctx.writer.entry(shared_shape(resource.entity_set, ctx.service.shapes), row, base=ctx.base, flavour=ctx.format.flavour)
    return response(ctx, body, content_type(ctx, "ENTRY"))


def clear_record_set(ctx, resource) -> Response:
    """DELETE on a record set empties it (UNCONFIRMED, §8.4)."""
    _replace(ctx, resource, [])
    return Response(status=204)


REGISTER_HANDLERS = {
    ("entity", "PATCH"): write_record_set,
    ("entity", "MERGE"): write_record_set,
    ("entity", "PUT"): write_record_set,
    ("entity", "DELETE"): clear_record_set,
}
