"""Entity keys from the parentheses of a URL segment, checked against the key properties (§2).

    >>> resolve_key(goods_set, "guid'8d04ce3c-6360-11e9-dd92-fa163e8ba11d'")
    {'Ref_Key': '8d04ce3c-6360-11e9-dd92-fa163e8ba11d'}

Constants accept every lenient form of §2: none, ``0``, ``SurrogateKey=0`` and the nil GUID.
"""

from __future__ import annotations

import re
from typing import Any

from .i18n import Message
from .edm import NIL_GUID
from .errors import ODataError
from .model import CONSTANT, JOURNAL, NAMESPACE, RECORD_SET, EntitySet, Property
from .query.ast import Literal
from .query.parser import parse_key_predicate

# Literal types accepted for a key property of each EDM type (integers widen).
COMPATIBLE_LITERALS = {
    "Edm.Guid": {"Edm.Guid"},
    "Edm.Int16": {"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"},
    "Edm.Int32": {"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"},
    "Edm.Int64": {"Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"},
    "Edm.String": {"Edm.String"},
    "Edm.DateTime": {"Edm.DateTime"},
    "Edm.Boolean": {"Edm.Boolean"},
    "Edm.Double": {"Edm.Decimal", "Edm.Double", "Edm.Int16", "Edm.Int32", "Edm.Int64"},
}


def _constant_key(args: str | None) -> dict[str, Any]:
    if args is None or args.strip() == "":
        return {"SurrogateKey": 0}
    parts = parse_key_predicate(args)
    if len(parts) == 1:
        part = parts[0]
        if part.name in (None, "SurrogateKey") and part.value.value == 0 and part.value.edm_type.startswith("Edm.Int"):
            return {"SurrogateKey": 0}
        if part.name is None and part.value.edm_type == "Edm.Guid" and part.value.value == NIL_GUID:
            return {"SurrogateKey": 0}
    raise ODataError.not_found("constant")


def resolve_key(entity_set: EntitySet, args: str | None) -> dict[str, Any]:
    if entity_set.kind == CONSTANT:
        return _constant_key(args)
    key_props = entity_set.entity_type.key
    if args is None or args.strip() == "":
        raise ODataError.bad_key(Message("{name} needs a key in parentheses", name=entity_set.name))
    parts = parse_key_predicate(args)
    if len(parts) == 1 and parts[0].name is None:
        if len(key_props) == 1 and entity_set.kind != JOURNAL:  # the usual (guid'…'): checked at once
            return {key_props[0].name: _checked(key_props[0], parts[0].value)}
        if len(key_props) != 1:
            raise ODataError.bad_key(
                Message("{name} has a composite key: name every part ({parts})",
                        name=entity_set.name, parts=', '.join(p.name for p in key_props)))
        named = {key_props[0].name: parts[0].value}
    else:
        if any(p.name is None for p in parts):
            raise ODataError.bad_key(Message("mix of named and unnamed key values"))
        named = {}
        for part in parts:
            if part.name in named:
                raise ODataError.bad_key(Message("{name} is given twice", name=part.name))
            named[part.name] = part.value
    expected = {p.name for p in key_props}
    unknown = set(named) - expected
    if unknown:
        raise ODataError.bad_key(Message("{key} is not a key property of {name}",
                                         key=sorted(unknown)[0], name=entity_set.name))
    missing = [p.name for p in key_props if p.name not in named]
    if missing:
        raise ODataError.bad_key(Message("key property {missing} of {name} is missing",
                                         missing=missing[0], name=entity_set.name))
    key: dict[str, Any] = {}
    for prop in key_props:
        literal = named[prop.name]
        if entity_set.kind == JOURNAL and prop.name == "Ref" and literal.edm_type == "Edm.Guid":
            # The journal's Ref is a string, but clients written for 1C (python-1c-odata) send
            # the document's GUID as guid'…' (the URL form is UNCONFIRMED, §3.3): accept both.
            key[prop.name] = str(literal.value)
            continue
        key[prop.name] = _checked(prop, literal)
    return key


def _checked(prop: Property, literal: Literal) -> Any:
    """The literal's value when its type fits the key property's (integers widen)."""
    if literal.edm_type not in COMPATIBLE_LITERALS.get(prop.edm_type, {prop.edm_type}):
        raise ODataError.bad_key(Message("{name} must be a {edm_type} literal, not {edm_type2}",
                                         name=prop.name, edm_type=prop.edm_type, edm_type2=literal.edm_type))
    return literal.value


_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def entity_key(entity_set: EntitySet, args: str | None) -> dict[str, Any]:
    """The key of ``<Set>(args)``; a record set's is its recorder. A composite recorder is written
    ``(Recorder='<guid>',Recorder_Type='StandardODATA.Document_Y')``; we also accept
    ``Recorder=guid'…'`` and a type without the namespace (UNCONFIRMED literal form, §14.5)."""
    if entity_set.kind != RECORD_SET or entity_set.entity_type.key_names == ("Recorder_Key",):
        return resolve_key(entity_set, args)
    if not args or not args.strip():
        raise ODataError.bad_key(Message("{name} needs a key in parentheses", name=entity_set.name))
    parts = {p.name: p.value for p in parse_key_predicate(args)}
    if set(parts) != {"Recorder", "Recorder_Type"}:
        raise ODataError.bad_key(Message("{name} is addressed as (Recorder='…',Recorder_Type='…')",
                                         name=entity_set.name))
    recorder, kind = str(parts["Recorder"].value).lower(), str(parts["Recorder_Type"].value)
    if not kind.startswith(NAMESPACE + "."):
        kind = f"{NAMESPACE}.{kind}"
    if not _GUID.fullmatch(recorder):
        raise ODataError.bad_key(Message("Recorder must be a GUID, not {recorder!r}", recorder=recorder))
    allowed = {f"{NAMESPACE}.{t.object_id}" for t in entity_set.entity_type.property("Recorder").value_type.types}
    if kind not in allowed:
        raise ODataError.bad_key(Message("Recorder_Type must be one of {allowed}",
                                         allowed=', '.join(sorted(allowed))))
    return {"Recorder": recorder, "Recorder_Type": kind}
