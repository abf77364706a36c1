"""Value converters shared by the JSON and Atom writers (reference §3.1, §12.4).

A converter is chosen once per property (by EDM type) when a writer is built and then called for
every non-null value of that property::

    >>> json_converter("Edm.Int64")(1)
    '"1"'
    >>> text_converter("Edm.Double")(Decimal("150.50"))
    '150.5'
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from decimal import Decimal
from json.encoder import encode_basestring  # C implementation, non-ASCII passed through
from typing import Any, Callable, Mapping

from .. import edm
from ..edm import format_decimal
from ..model import TYPE_DESCRIPTION, Property

Converter = Callable[[Any], str]

ATOM_NS = "http://www.w3.org/2005/Atom"
APP_NS = "http://www.w3.org/2007/app"
D_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices"
M_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
AT_NS = "http://purl.org/atompub/tombstones/1.0"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Characters XML 1.0 forbids (C0 controls except tab/LF/CR, surrogates, U+FFFE/U+FFFF).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_SPECIAL = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')


def strip_invalid_xml(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (1C base64-encodes such messages, §9.1;
    we drop the characters instead)."""
    return _INVALID_XML.sub("", text)


def _escape_special(text: str) -> str:
    text = strip_invalid_xml(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def escape_text(text: str, _search: Callable = _TEXT_SPECIAL.search) -> str:
    """Element content: ``& < >`` escaped, CR kept as ``&#13;``, invalid characters dropped."""
    return text if _search(text) is None else _escape_special(text)


def escape_attr(text: str) -> str:
    """A double-quoted attribute value."""
    if _ATTR_SPECIAL.search(text) is None:
        return text
    text = escape_text(text).replace('"', "&quot;")
    return text.replace("\t", "&#9;").replace("\n", "&#10;")


def json_string(text: str) -> str:
    """A JSON string literal (``ensure_ascii=False``)."""
    return encode_basestring(text)


def _decimal_text(value: Any) -> str | None:
    """Exact decimal text without exponent, or None for NaN/infinity."""
    if isinstance(value, Decimal):
        return format_decimal(value) if value.is_finite() else None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_decimal(Decimal(repr(value))) if value == value and abs(value) != float("inf") else None
    return format_decimal(Decimal(str(value)))


def _datetime_text(value: Any, _datetime: type = dt.datetime) -> str:
    if value.__class__ is _datetime and value.tzinfo is None:
        return value.isoformat("T", "seconds")
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return edm.format_datetime(value)


def _time_text(value: Any) -> str:
    if isinstance(value, dt.timedelta):
        return edm.format_time(value)
    if isinstance(value, dt.time):
        return f"PT{value.hour}H{value.minute}M{value.second}S"
    return str(value)


def value_text(value: Any) -> str:
    """Text of any scalar (composite values, presentations): ``edm.text_value`` with exact decimals."""
    if isinstance(value, Decimal):
        return format_decimal(value) if value.is_finite() else ""
    return edm.text_value(value)


def _binary_text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def _bool_text(value: Any) -> str:
    return "true" if value else "false"


def _int_text(value: Any) -> str:
    return "%d" % value if value.__class__ is int else str(int(value))


# --- JSON ------------------------------------------------------------------------------------


def _json_string(value: Any) -> str:
    return encode_basestring(value if value.__class__ is str else value_text(value))


def _json_int64(value: Any) -> str:
    # Int64 is a JSON string in 1C output: "LineNumber": "1" (§3.1).
    return '"%d"' % value if value.__class__ is int else '"%s"' % int(value)


def _json_double(value: Any) -> str:
    text = _decimal_text(value)
    return "null" if text is None else text


def _json_datetime(value: Any) -> str:
    return '"' + _datetime_text(value) + '"'


_JSON_CONVERTERS: dict[str, Converter] = {
    "Edm.String": _json_string,
    "Edm.Guid": _json_string,
    "Edm.Int64": _json_int64,
    "Edm.Int32": _int_text,  # UNCONFIRMED (§14.3): Int16/Int32 as JSON numbers
    "Edm.Int16": _int_text,
    "Edm.Byte": _int_text,
    "Edm.SByte": _int_text,
    "Edm.Double": _json_double,
    "Edm.Single": _json_double,
    "Edm.Decimal": _json_double,
    "Edm.Boolean": _bool_text,
    "Edm.DateTime": _json_datetime,
    "Edm.DateTimeOffset": _json_datetime,
    "Edm.Time": lambda v: encode_basestring(_time_text(v)),
    "Edm.Binary": lambda v: encode_basestring(_binary_text(v)),
    TYPE_DESCRIPTION: lambda v: '{"Types":' + encode_basestring(v.get("Types") or "") + "}",
}


def json_converter(edm_type: str) -> Converter:
    """JSON text of a non-null value of ``edm_type``."""
    return _JSON_CONVERTERS.get(edm_type, _json_string)


JSON_CALL, JSON_STRING, JSON_BOOLEAN = 0, 1, 2


def json_inline(edm_type: str) -> int:
    """How a row writer may inline ``json_converter(edm_type)`` for speed: JSON_STRING (a ``str``
    value is ``encode_basestring(value)``), JSON_BOOLEAN (``"true" if value else "false"``) or
    JSON_CALL (call the converter)."""
    convert = json_converter(edm_type)
    return JSON_STRING if convert is _json_string else JSON_BOOLEAN if convert is _bool_text else JSON_CALL


# --- Atom / XML ------------------------------------------------------------------------------


def _xml_string(value: Any, _search: Callable = _TEXT_SPECIAL.search) -> str:
    if value.__class__ is not str:
        value = value_text(value)
    return value if _search(value) is None else _escape_special(value)


def _xml_double(value: Any) -> str:
    text = _decimal_text(value)
    return "" if text is None else text


_TEXT_CONVERTERS: dict[str, Converter] = {
    "Edm.String": _xml_string,
    "Edm.Guid": _xml_string,
    "Edm.Int64": _int_text,
    "Edm.Int32": _int_text,
    "Edm.Int16": _int_text,
    "Edm.Byte": _int_text,
    "Edm.SByte": _int_text,
    "Edm.Double": _xml_double,
    "Edm.Single": _xml_double,
    "Edm.Decimal": _xml_double,
    "Edm.Boolean": _bool_text,
    "Edm.DateTime": _datetime_text,
    "Edm.DateTimeOffset": _datetime_text,
    "Edm.Time": _time_text,
    "Edm.Binary": _binary_text,
    # A complex value: its d: children (the element carries m:type, see atom._fields).
    TYPE_DESCRIPTION: lambda v: "<d:Types>" + _xml_string(v.get("Types") or "") + "</d:Types>",
}


def text_converter(edm_type: str) -> Converter:
    """XML-escaped element text of a non-null value of ``edm_type``."""
    return _TEXT_CONVERTERS.get(edm_type, _xml_string)


# --- shared helpers --------------------------------------------------------------------------


def is_reference(value: Any) -> bool:
    """A navigation link is written only for a non-empty reference (§3.4)."""
    return value is not None and value != edm.NIL_GUID and value != ""


def path_function(entity_set: Any) -> Callable[[Mapping[str, Any]], str]:
    """Fast ``edm.entity_path`` for one entity set (built once per writer)."""
    key_names = entity_set.entity_type.key_names
    name = entity_set.name
    if key_names == ("Ref_Key",):
        prefix = f"{name}(guid'"

        def ref_path(row: Mapping[str, Any]) -> str:
            return prefix + str(row["Ref_Key"]) + "')"

        return ref_path

    def path(row: Mapping[str, Any]) -> str:
        return edm.entity_path(entity_set, row)

    return path


def row_type_name(prop: Property) -> str:
    """``StandardODATA.X_RowType`` of a tabular-section property."""
    edm_type = prop.edm_type
    return edm_type[len("Collection("):-1] if edm_type.startswith("Collection(") else edm_type


class Lenient(dict):
    """A row where a missing property reads as None (providers may omit unselected columns)."""

    def __missing__(self, key: str) -> None:
        return None
