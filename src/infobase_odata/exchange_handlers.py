"""``SelectChanges`` and ``NotifyChangesReceived`` at the service root (reference §7)::

    POST SelectChanges?DataExchangePoint='http://host/base/odata/standard.odata/ExchangePlan_Shops(guid'…')'&MessageNo=34
    POST NotifyChangesReceived?DataExchangePoint='…'&MessageNo=34

``SelectChanges`` numbers the node's unsent changes ``MessageNo``, sets the node's ``SentNo``
and answers an Atom feed of every change numbered ``MessageNo`` or lower (the same changes plus
newer ones when a number is repeated): the current object as ``<entry>``, a deleted one as
``<at:deleted-entry>`` (formats/changes.py; Atom whatever the negotiated format, as the platform).
``NotifyChangesReceived`` forgets those changes and sets ``ReceivedNo``, ``SentNo`` (at least
``MessageNo``) and ``ExchangeDate``: 200 with an empty body, like ``Post``. Both need the Update
right on the plan; ``SelectChanges`` also Read on every set it lists (row-level restrictions
apply: a change of a row the user may not read refuses the whole message, code 20).
``$top``/``$select``/``$filter`` are ignored (§7).
"""

from __future__ import annotations

import datetime as dt
import re

from webob import Response

from . import errors, register_handlers, security, writes
from .context import Context, Resource, response
from .errors import ODataError
from .i18n import Message
from .formats.atom import FEED_CONTENT_TYPE
from .formats.changes import changes_feed
from .keys import entity_key, resolve_key
from .model import OBJECT, RECORD_SET, EntitySet
from .shape import default_shape
from .urls import SERVICE_PATH, parse_query_string, split_segments

_MESSAGE_NO = re.compile(r"[0-9]{1,18}L?")


def _parameters(ctx: Context, action: str) -> tuple[EntitySet, str, int]:
    """The node's plan set and Ref_Key, and the message number (400 for anything malformed)."""
    pairs = dict(parse_query_string(ctx.request.query_string))
    point, number = pairs.get("DataExchangePoint"), pairs.get("MessageNo")
    if point is None or number is None:
        raise ODataError(errors.QUERY_OPTION, Message("{action} needs DataExchangePoint and MessageNo", action=action))
    if not _MESSAGE_NO.fullmatch(number.strip()):
        raise ODataError(errors.QUERY_OPTION, Message("MessageNo must be a non-negative integer, not '{number}'",
                                                         number=number[:30]))
    text = point.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1].replace("''", "'")  # a quoted string literal; inner quotes may be plain
    marker = text.find(SERVICE_PATH + "/")
    if text.startswith(ctx.base):
        segments = split_segments(text[len(ctx.base):])
    elif marker >= 0:
        segments = split_segments(text[marker + len(SERVICE_PATH) + 1:])
    elif "://" in text:  # another service root: the node is its last segment
        segments = split_segments(text.split("://", 1)[1].partition("/")[2])[-1:]
    else:  # lenient: a path relative to the service root
        segments = split_segments(text)
    plan = ctx.model.entity_set(segments[0].name) if len(segments) == 1 else None
    if plan is None or plan.kind != OBJECT or plan.source.kind != "ExchangePlan" or segments[0].args is None:
        raise ODataError(errors.QUERY_OPTION,
                         Message("DataExchangePoint must be the URL of an exchange-plan node: "
                                 "'<service root>/ExchangePlan_<Name>(guid'…')'"))
    key = resolve_key(plan, segments[0].args)
    return plan, key["Ref_Key"], int(number.strip().rstrip("L"))


def _node(ctx: Context, plan: EntitySet, node: str) -> dict:
    restriction = security.require(ctx, plan, "Update")
    row = ctx.provider.get(plan, {"Ref_Key": node})
    if row is None:
        raise ODataError.not_found(plan.name)
    security.check_row(ctx, plan, {"Ref_Key": node}, restriction)
    return row


def select_changes(ctx: Context, resource: Resource) -> Response:
    plan, node, number = _parameters(ctx, "SelectChanges")
    writes.read_body(ctx)  # an empty body, with or without Content-Length (§7)
    provider = ctx.provider
    items = []
    with provider.transaction():
        _node(ctx, plan, node)
        restrictions: dict[str, object] = {}
        for change in provider.select_changes(plan, node, number):
            entity_set = ctx.model.entity_set(change.set_name)
            if entity_set is None:  # content no longer published: nothing to send
                continue
            if entity_set.name not in restrictions:
                restrictions[entity_set.name] = security.require(ctx, entity_set, "Read")
            key = entity_key(entity_set, change.key)
            row = provider.get(entity_set, key)
            path = f"{entity_set.name}({change.key})"
            if row is None and entity_set.kind == RECORD_SET:  # a cleared record set is sent empty
                row = {**key, "RecordSet": []}
            if row is None:
                items.append((None, None, path, change.when))
                continue
            restriction = restrictions[entity_set.name]
            if entity_set.kind == RECORD_SET:
                register_handlers.check_record_set(ctx, entity_set, key, restriction)
            else:
                security.check_row(ctx, entity_set, key, restriction)
            items.append((default_shape(entity_set), row, path, change.when))
        provider.update(plan, {"Ref_Key": node}, {"SentNo": number})
    body = b"".join(changes_feed(items, base=ctx.base))
    return response(ctx, body, FEED_CONTENT_TYPE)


def notify_changes_received(ctx: Context, resource: Resource) -> Response:
    plan, node, number = _parameters(ctx, "NotifyChangesReceived")
    writes.read_body(ctx)
    provider = ctx.provider
    with provider.transaction():
        row = _node(ctx, plan, node)
        provider.confirm_changes(plan, node, number)
        provider.update(plan, {"Ref_Key": node}, {
            "ReceivedNo": number, "SentNo": max(number, row.get("SentNo") or 0),
            "ExchangeDate": dt.datetime.now().replace(microsecond=0)})
    answer = Response(status=200)
    del answer.headers["Content-Type"]  # as Post: an empty body with no type (§14.6)
    return answer
