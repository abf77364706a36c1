"""Row values shared by every provider: empty values, input normalization, DataVersion.

A row is completed and normalized the same way by the memory and the SQLite provider, so
both return identical dicts for the same writes::

    >>> complete_row(goods.entity_type, {"Description": "Шлепанцы"})["Price"]
    Decimal('0.00')
"""

from __future__ import annotations

import base64
import json
import datetime as dt
import struct
import threading
import time
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, Iterable, Mapping

from . import edm, model as m
from .types import Boolean, Date, Number, Ref, String, TypeDescription, Uuid, ValueStorage, ValueType

UNDEFINED_TYPE = "StandardODATA.Undefined"
_ROUNDING = Context(prec=80, rounding=ROUND_HALF_UP)  # 1C numbers have up to 38 digits


def empty_value(prop: m.Property) -> Any:
    """The value a property holds when nothing was written (1C "empty value", reference §3.1)."""
    role = prop.role
    if role == m.TABULAR:
        return []
    if role == m.REF:
        return edm.NIL_GUID
    if role in (m.ENUM, m.COMPOSITE):
        return ""
    if role == m.COMPOSITE_TYPE:
        return UNDEFINED_TYPE
    return empty_of_type(prop.value_type)


def empty_of_type(t: ValueType | None) -> Any:
    """The empty value of a declared type (an enumeration reference's is ``""``)."""
    if isinstance(t, Number):
        return Decimal(0).scaleb(-t.scale) if t.scale else 0
    if isinstance(t, Date):
        return edm.EMPTY_DATE
    if isinstance(t, Boolean):
        return False
    if isinstance(t, Uuid) or (isinstance(t, Ref) and not t.is_enum):
        return edm.NIL_GUID
    if isinstance(t, ValueStorage):
        return b""
    if isinstance(t, TypeDescription):
        return {"Types": ""}
    if isinstance(t, String) and t.fixed:
        return " " * t.length
    return ""


def normalize(prop: m.Property, value: Any) -> Any:
    """Coerce a written value to the canonical Python value of the property.

    Numbers are rounded half-up to the declared scale (as 1C does on assignment), so the
    Decimal's exponent always equals the scale; fixed-length strings are space padded."""
    if value is None:
        return empty_value(prop)
    role = prop.role
    if role == m.TABULAR:
        return value
    if prop.edm_type == "Edm.Guid":
        return str(value).lower()
    t = prop.value_type
    if role in (m.COMPOSITE, m.ENUM, m.COMPOSITE_TYPE):
        return value if isinstance(value, str) else edm.text_value(value)
    if isinstance(t, Number):
        if t.scale == 0:
            if isinstance(value, bool):
                return int(value)
            if isinstance(value, int):
                return value
            return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        return _ROUNDING.quantize(number, Decimal(1).scaleb(-t.scale))
    if isinstance(t, Date):
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        elif not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        else:
            value = value.replace(tzinfo=None, microsecond=0)
        return period_start(value, t.period) if t.period else value
    if isinstance(t, Boolean):
        return bool(value)
    if isinstance(t, Uuid):
        return str(value).lower()
    if isinstance(t, TypeDescription):  # {"Types": text}, or its JSON text (SQLite stores it so)
        value = json.loads(value) if isinstance(value, str) else value
        return {"Types": str(value.get("Types") or "")}
    if isinstance(t, ValueStorage):  # bytes, or base64 text (a JSON file store)
        return bytes(value) if isinstance(value, (bytes, bytearray, memoryview)) else base64.b64decode(value)
    if isinstance(t, String):
        text = str(value)
        if t.fixed and len(text) < t.length:
            text = text.ljust(t.length)
        return text
    return value


def period_start(value: dt.datetime, periodicity: str) -> dt.datetime:
    """The start of the register period holding ``value`` (1C normalises a periodic register's
    Period on write): second, day, month, quarter or year; the empty date stays empty."""
    day = value.replace(hour=0, minute=0, second=0)
    if periodicity == "day":
        return day
    if periodicity == "month":
        return day.replace(day=1)
    if periodicity == "quarter":
        return day.replace(day=1, month=(value.month - 1) // 3 * 3 + 1)
    if periodicity == "year":
        return day.replace(day=1, month=1)
    return value  # second (whole seconds already), recorder position


def complete_row(properties: Iterable[m.Property], values: Mapping[str, Any],
                 settled: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """All properties in model order: given values normalized, the rest empty.
    Tabular sections are completed row by row with :func:`complete_tabular`. A value that *is*
    (the same object) its entry in ``settled`` (:func:`settled_empties`) needs no normalizing."""
    row: dict[str, Any] = {}
    for prop in properties:
        name = prop.name
        if name in values:
            value = values[name]
            row[name] = value if settled is not None and value is settled.get(name, _UNSET) else normalize(prop, value)
        else:
            row[name] = empty_value(prop)
    return row


_UNSET = object()
# id(entity type) -> (the type, its property count, empty row, properties with mutable empties,
# the settled empties): what empty_value gives, computed once per type.
_empty_rows: dict[int, tuple[Any, int, dict[str, Any], tuple[m.Property, ...], dict[str, Any]]] = {}


def _empties(entity_type: m.ComplexType) -> tuple[Any, int, dict[str, Any], tuple[m.Property, ...], dict[str, Any]]:
    properties = entity_type.properties
    found = _empty_rows.get(id(entity_type))
    if found is None or found[0] is not entity_type or found[1] != len(properties):
        template = {p.name: empty_value(p) for p in properties}
        fresh = tuple(p for p in properties if isinstance(template[p.name], (list, dict, bytearray)))
        settled = {}
        for prop in properties:
            empty = template[prop.name]
            if not isinstance(empty, (list, dict, bytearray)):
                again = normalize(prop, empty)
                if type(again) is type(empty) and repr(again) == repr(empty):  # a fixed point
                    settled[prop.name] = empty
        if len(_empty_rows) >= 4096:  # a type per entity set and tabular section
            _empty_rows.clear()
        found = _empty_rows[id(entity_type)] = (entity_type, len(properties), template, fresh, settled)
    return found


def empty_row(entity_type: m.ComplexType) -> dict[str, Any]:
    """Every property of the type with its :func:`empty_value`, in model order: a new dict, with
    new lists and dicts each time (the immutable empties are shared)."""
    _, _, template, fresh, _ = _empties(entity_type)
    row = dict(template)
    for prop in fresh:
        row[prop.name] = empty_value(prop)
    return row


def settled_empties(entity_type: m.ComplexType) -> Mapping[str, Any]:
    """The shared empty values of :func:`empty_row` that :func:`normalize` returns unchanged
    (checked when first computed): :func:`complete_row` keeps them as they are."""
    return _empties(entity_type)[4]


def complete_tabular(prop: m.Property, owner_key: str, rows: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Rows of a tabular section with Ref_Key of the owner; LineNumber 1..n when not given
    (1C requires it on writes, but seeding code may omit it); sorted by LineNumber."""
    assert prop.row_type is not None
    out = []
    for index, raw in enumerate(rows, 1):
        values = dict(raw)
        values["Ref_Key"] = owner_key
        values.setdefault("LineNumber", index)
        out.append(complete_row(prop.row_type.properties, values))
    out.sort(key=lambda r: r["LineNumber"])
    return out


def tabular_properties(entity_type: m.ComplexType) -> list[m.Property]:
    return [p for p in entity_type.properties if p.role == m.TABULAR]


def scalar_properties(entity_type: m.ComplexType) -> list[m.Property]:
    return [p for p in entity_type.properties if p.role != m.TABULAR]


def tabular_to_load(entity_type: m.ComplexType, select: tuple) -> list[m.Property]:
    """Tabular sections a query must read for ``$select``: all of them without ``$select`` or
    with ``*``; ``**`` excludes them (reference §5.1); otherwise those named in the list."""
    tabs = tabular_properties(entity_type)
    if not select or not tabs:
        return tabs
    first = {item.path[0] for item in select if item.path}
    if "*" in first:
        return tabs
    return [p for p in tabs if p.name in first]


_version_lock = threading.Lock()
_last_version = 0


def new_data_version() -> str:
    """Base64 of 8 bytes, changing on every write: a strictly increasing microsecond clock,
    so versions also differ across processes writing the same SQLite file."""
    global _last_version
    with _version_lock:
        now = time.time_ns() // 1000
        _last_version = max(now, _last_version + 1)
        value = _last_version
    return base64.b64encode(struct.pack(">Q", value)).decode("ascii")


def constant_row(entity_type: m.ComplexType, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    row = complete_row(entity_type.properties, values or {})
    row["SurrogateKey"] = 0
    return row



def constant_values(entity_type: m.ComplexType, value: Any) -> dict[str, Any]:
    """Property values of a constant set to ``value``: ``Value`` (``Value_Key`` for a reference
    constant); a ``(value, type)`` tuple sets a composite constant and its ``Value_Type``."""
    name = entity_type.properties[0].name
    if isinstance(value, tuple):
        return {name: value[0], f"{name}_Type": value[1]}
    return {name: value}


def constant_input(entity_type: m.ComplexType, values: Mapping[str, Any]) -> Any:
    """The inverse of :func:`constant_values` for a written row (create/update of a constant)."""
    name = entity_type.properties[0].name
    if f"{name}_Type" in values:
        return (values.get(name), values[f"{name}_Type"])
    return values.get(name)
