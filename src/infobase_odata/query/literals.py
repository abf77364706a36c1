"""Decoding of URI literals into ``Literal`` nodes (reference §2, §3.1).

The grammar matches literal bodies loosely; this module checks and converts them::

    >>> decode_literal("number", "1.5")
    Literal(value=Decimal('1.5'), edm_type='Edm.Decimal')
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from ..i18n import Message
from .ast import Literal

INT32 = 2**31 - 1
INT64 = 2**63 - 1


class LiteralError(ValueError):
    """A malformed literal; ``offset`` is relative to the literal's first character."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
# §2: the year must have exactly 4 digits; a date-only form is accepted (VT examples).
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?\Z")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})\Z")
_DURATION = re.compile(r"-?P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?\Z")
_CLOCK = re.compile(r"(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?\Z")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*\Z")


def _datetime(body: str, prefix: int) -> dt.datetime:
    match = _DATETIME.match(body)
    if not match:
        raise LiteralError(Message("invalid datetime literal '{body}' (expected yyyy-mm-ddThh:mm:ss)",
                                   body=body), prefix)
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        return dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                           int(second or 0), micro)
    except ValueError as exc:
        raise LiteralError(Message("invalid datetime literal '{body}': no such date or time",
                                   body=body), prefix) from None


def _datetimeoffset(body: str, prefix: int) -> dt.datetime:
    match = _OFFSET.search(body)
    if not match:
        raise LiteralError(Message("invalid datetimeoffset literal '{body}' (offset or Z required)",
                                   body=body), prefix)
    value = _datetime(body[: match.start()], prefix)
    zone = match.group(1)
    if zone == "Z":
        return value.replace(tzinfo=dt.timezone.utc)
    sign = -1 if zone[0] == "-" else 1
    delta = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    try:
        return value.replace(tzinfo=dt.timezone(sign * delta))
    except ValueError as exc:
        raise LiteralError(Message("invalid datetimeoffset literal '{body}': no such date, time or offset",
                                   body=body), prefix) from None


def _time(body: str, prefix: int) -> dt.timedelta:
    match = _DURATION.match(body)
    if match and body not in ("P", "PT", "-P", "-PT"):
        days, hours, minutes, seconds = match.groups()
        value = dt.timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0),
                             seconds=float(seconds or 0))
        return -value if body.startswith("-") else value
    match = _CLOCK.match(body)
    if match:
        hours, minutes, seconds, fraction = match.groups()
        if int(hours) < 24 and int(minutes) < 60 and int(seconds or 0) < 60:
            return dt.timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0),
                                microseconds=int((fraction or "0")[:6].ljust(6, "0")))
    raise LiteralError(Message("invalid time literal '{body}' (expected PTnHnMnS or hh:mm:ss)", body=body), prefix)


def _number(digits: str, suffix: str) -> Literal:
    # §2: plain decimal text only; exponent notation is rejected by the grammar.
    suffix = suffix.lower()
    if len(digits) > 64:  # 1C numbers have at most 38 digits (§3.1)
        raise LiteralError(Message("number literal too long ({count} characters)", count=len(digits)))
    if suffix == "l":
        if "." in digits:
            raise LiteralError(Message("invalid Int64 literal '{digits}L'", digits=digits))
        value = int(digits)
        if abs(value) > INT64 + (value < 0):
            raise LiteralError(Message("Int64 literal out of range: {digits}", digits=digits))
        return Literal(value, "Edm.Int64")
    if suffix == "m" or (not suffix and "." in digits):
        return Literal(Decimal(digits), "Edm.Decimal")
    if suffix == "d":
        return Literal(Decimal(digits), "Edm.Double")
    if suffix == "f":
        return Literal(Decimal(digits), "Edm.Single")
    value = int(digits)
    if -INT32 - 1 <= value <= INT32:
        return Literal(value, "Edm.Int32")
    if -INT64 - 1 <= value <= INT64:
        return Literal(value, "Edm.Int64")
    return Literal(Decimal(digits), "Edm.Decimal")


def decode_literal(kind: str, text: str) -> Literal:
    """``kind`` is the grammar rule name (``guid``, ``datetime``, ``string``, ``number``, ...)
    and ``text`` the whole matched literal text."""
    if kind == "null":
        return Literal(None, "Null")
    if kind == "boolean":
        return Literal(text == "true", "Edm.Boolean")
    if kind == "number":
        end = len(text) - 1 if text[-1:].isalpha() else len(text)
        return _number(text[:end], text[end:])
    if kind == "string":
        return Literal(text[1:-1].replace("''", "'"), "Edm.String")
    prefix = text.index("'") + 1
    body = text[prefix:-1]
    if kind == "guid":
        if not _GUID.match(body):
            raise LiteralError(Message("invalid guid literal '{body}'", body=body), prefix)
        return Literal(body.lower(), "Edm.Guid")
    if kind == "datetime":
        return Literal(_datetime(body, prefix), "Edm.DateTime")
    if kind == "datetimeoffset":
        return Literal(_datetimeoffset(body, prefix), "Edm.DateTimeOffset")
    if kind == "time":
        return Literal(_time(body, prefix), "Edm.Time")
    if kind == "binary":
        if not _HEX.match(body):
            raise LiteralError(Message("invalid binary literal '{body}' (expected pairs of hex digits)",
                                       body=body), prefix)
        return Literal(bytes.fromhex(body), "Edm.Binary")
    raise LiteralError(Message("unknown literal kind {kind}", kind=kind))  # pragma: no cover
