"""EDM value text: how Python values are written in JSON, Atom and URLs (reference §2, §3).

    >>> format_decimal(Decimal("150.50"))
    '150.5'
    >>> key_predicate(goods_set, {"Ref_Key": "0c1b..."})
    "guid'0c1b...'"
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Mapping

EMPTY_DATE = dt.datetime(1, 1, 1)
NIL_GUID = "00000000-0000-0000-0000-000000000000"


def format_decimal(value: Decimal | int) -> str:
    """Exact decimal text without exponent or trailing zeros, all 38 digits kept (§3.1)."""
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_datetime(value: dt.datetime | dt.date) -> str:
    """Naive ``yyyy-mm-ddThh:mm:ss`` with a 4-digit year; the empty date is year 1."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"


def format_time(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    return f"PT{seconds // 3600}H{seconds % 3600 // 60}M{seconds % 60}S"


def new_guid() -> str:
    """A version-1 UUID, like the references the platform generates. ``uuid1()`` without a node
    takes libuuid's safe generator (unique across the processes of one host: gunicorn workers);
    passing the node would take the standard library's own code, about 2 us faster per object
    but unsynchronized between threads and processes (a 14-bit random clock sequence apart)."""
    import uuid  # on the first write, not at start (uuid imports platform; #18, cold start)

    return str(uuid.uuid1())


def text_value(value: Any) -> str:
    """The text of a scalar value as it appears in Atom element content and composite values."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return format_datetime(value)
    if isinstance(value, dt.timedelta):
        return format_time(value)
    return str(value)


def uri_literal(value: Any, edm_type: str) -> str:
    """A key value as a URI literal: ``guid'…'``, ``datetime'…'``, ``'text'``, ``1``."""
    if edm_type == "Edm.Guid":
        return f"guid'{value}'"
    if edm_type == "Edm.DateTime":
        return f"datetime'{format_datetime(value)}'"
    if edm_type == "Edm.String":
        return "'" + str(value).replace("'", "''") + "'"
    if edm_type == "Edm.Boolean":
        return "true" if value else "false"
    return text_value(value)


def key_predicate(entity_type, key: Mapping[str, Any]) -> str:
    """``guid'…'`` for a single Ref_Key; ``Name=lit,Name=lit`` for composite keys (§2)."""
    props = entity_type.key
    if len(props) == 1 and props[0].name == "Ref_Key":
        return uri_literal(key["Ref_Key"], "Edm.Guid")
    return ",".join(f"{p.name}={uri_literal(key[p.name], p.edm_type)}" for p in props)


def entity_path(entity_set, key: Mapping[str, Any]) -> str:
    """Relative canonical URL of an entity: ``Catalog_Goods(guid'…')``."""
    return f"{entity_set.name}({key_predicate(entity_set.entity_type, key)})"
