"""Conversion and validation of property values read from request bodies (reference §3.1, §8).

The JSON and Atom readers collect ``{name: raw value}`` per object and hand it here; the result
holds only the properties present, as the Python values providers store::

    >>> read_object(goods.entity_type, {"Price": "12.345", "Kind": "Product"}, model, textual=True)
    {'Price': Decimal('12.35'), 'Kind': 'Product'}

Choices (README compatibility notes):

* ``null`` for a nullable property stores the type's empty value (``''``, ``0``, the empty date,
  the nil GUID, ``False``, ``[]``): 1C has no nulls in stored attributes (§3.1).
* Numbers are rounded half-up to the declared scale (as 1C does on assignment); too many integer
  digits, or a negative value for a nonnegative number, is an error (code 4).
* Dates are naive wall-clock times; fractional seconds are dropped; an offset or ``Z`` is
  rejected; a "date" attribute keeps the date only, a "time" attribute the time on 0001-01-01.
* Read-only properties are ignored; ``DataVersion`` is also returned as ``__DataVersion``.
* Tabular rows: ``LineNumber`` is required in every row (1C answers 500/-1, §8.3; we answer
  400 code 4), must be >= 1 and unique; ``Ref_Key`` in rows is ignored; rows keep body order.
* ``Nav@odata.bind`` (JSON) and related ``<link>`` (Atom) win over a ``Nav_Key`` in the same
  body; a null bind clears the reference (nil GUID).
* A composite ``X_Type`` without ``X`` sets ``X`` to that type's empty value.
* A composite ``X`` sent without ``X_Type`` is kept as text unchecked (its type is unknown).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any, Mapping
from urllib.parse import unquote, urlsplit

from ..i18n import Message
from .. import model as m
from ..edm import EMPTY_DATE, NIL_GUID, format_datetime, format_decimal
from ..errors import BAD_PROPERTY_VALUE, BAD_REQUEST, ODataError
from ..types import Boolean, Composite, Date, Number, Ref, String, TypeDescription, Uuid, ValueStorage, ValueType
from ..values import empty_of_type, empty_value

UNDEFINED = "StandardODATA.Undefined"
DATA_VERSION_KEY = "__DataVersion"
MAX_NUMBER_TEXT = 100  # characters of a number literal; longer ones are rejected early

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,6})?\Z")
# §2, §3.1: a 4-digit year; date-only and fractional seconds are accepted on input.
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?\Z")
_MS_DATE = re.compile(r"/Date\((-?\d{1,15})(?:[+-]\d{4})?\)/\Z")  # JSON verbose /Date(ms)/
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTEXT = Context(prec=80, rounding=ROUND_HALF_UP)
_EPOCH = dt.datetime(1970, 1, 1)
_NUMBER_ALIASES = ("Edm.Double", "Edm.Decimal", "Edm.Single", "Edm.Int16", "Edm.Int32", "Edm.Int64",
                   "Edm.Byte", "Edm.SByte")


def bad_value(name: str, detail: str) -> ODataError:
    """Code 4, HTTP 400, naming the property."""
    return ODataError(BAD_PROPERTY_VALUE, Message('Invalid value of property "{name}": {detail}',
                                                  name=name, detail=detail), status=400)


def bad_request(detail: str) -> ODataError:
    """Code 2, HTTP 400: the body itself is malformed."""
    return ODataError(BAD_REQUEST, Message("Invalid request body: {detail}", detail=detail), status=400)


def _show(value: Any) -> str:
    # the value as the client wrote it (JSON numbers arrive as Decimal: no Python repr)
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- scalars ---------------------------------------------------------------------------------


def _string(t: String, value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise bad_value(name, Message("a string is expected, not {value}", value=_show(value)))
    if _SURROGATE.search(value):
        raise bad_value(name, Message("the string contains an unpaired surrogate"))
    if t.length and len(value) > t.length:
        raise bad_value(name, Message("the string is longer than {length} characters", length=t.length))
    if t.fixed and len(value) < t.length:
        value = value.ljust(t.length)  # fixed-length strings are space padded (§3.1)
    return value


def _decimal(value: Any, textual: bool, name: str) -> Decimal:
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_NUMBER_TEXT or not _NUMBER.match(text):
            raise bad_value(name, Message("a number is expected, not {value}", value=_show(value)))
        return Decimal(text)
    if not textual and not isinstance(value, bool):
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, Decimal) and value.is_finite():
            return value
    raise bad_value(name, Message("a number is expected, not {value}", value=_show(value)))


def _number(t: Number, value: Any, textual: bool, name: str) -> int | Decimal:
    number = _decimal(value, textual, name)
    whole = t.digits - t.scale
    if not number.is_zero() and number.adjusted() >= whole + 1:
        raise bad_value(name, Message("more than {whole} integer digits (Number({digits},{scale}))",
                                      whole=whole, digits=t.digits, scale=t.scale))
    try:
        # 1C rounds extra fractional digits half-up on assignment.
        rounded = number.quantize(Decimal(1).scaleb(-t.scale), context=_CONTEXT)
    except InvalidOperation:
        raise bad_value(name, Message("does not fit Number({digits},{scale})",
                                      digits=t.digits, scale=t.scale)) from None
    if rounded.is_zero():
        rounded = rounded.copy_abs()
    if rounded.copy_abs() >= Decimal(10) ** whole:
        raise bad_value(name, Message("more than {whole} integer digits (Number({digits},{scale}))",
                                      whole=whole, digits=t.digits, scale=t.scale))
    if t.nonnegative and rounded < 0:
        raise bad_value(name, Message("a negative value for a nonnegative number"))
    return int(rounded) if t.scale == 0 else rounded


def _datetime(t: Date, value: Any, name: str) -> dt.datetime:
    if not isinstance(value, str):
        raise bad_value(name, Message("a date yyyy-mm-ddThh:mm:ss is expected, not {value}", value=_show(value)))
    text = value.strip()
    match = _DATETIME.match(text)
    try:
        if match:
            y, mo, d, h, mi, s = (int(g or 0) for g in match.groups())
            result = dt.datetime(y, mo, d, h, mi, s)
        elif (ms := _MS_DATE.match(text)) is not None:
            result = _EPOCH + dt.timedelta(milliseconds=int(ms.group(1)))
            result = result.replace(microsecond=0)
        else:
            raise ValueError("expected yyyy-mm-ddThh:mm:ss without an offset")
    except (ValueError, OverflowError):
        raise bad_value(name, Message("invalid date {value}: expected an existing date yyyy-mm-ddThh:mm:ss "
                                      "without an offset", value=_show(value))) from None
    if t.parts == "date":
        return result.replace(hour=0, minute=0, second=0)
    if t.parts == "time":
        return EMPTY_DATE.replace(hour=result.hour, minute=result.minute, second=result.second)
    return result


def _boolean(value: Any, textual: bool, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if textual and isinstance(value, str):
        text = value.strip()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
    raise bad_value(name, Message("true or false is expected, not {value}", value=_show(value)))


def guid(value: Any, name: str) -> str:
    """Canonical lowercase GUID text (the nil GUID is the empty reference)."""
    if isinstance(value, str) and _GUID.match(value.strip()):
        return value.strip().lower()
    raise bad_value(name, Message("a GUID is expected, not {value}", value=_show(value)))


def _enum(target: str, value: Any, model: m.Model, name: str) -> str:
    if not isinstance(value, str):
        raise bad_value(name, Message("an enum member name is expected, not {value}", value=_show(value)))
    if value == "":
        return value  # the empty enum value (§3.1)
    obj = model.configuration.find(target)
    members = getattr(obj, "members", ())
    if value not in members:
        raise bad_value(name, Message("{value} is not a member of {target}", value=_show(value), target=target))
    return value


def scalar(value_type: ValueType | None, value: Any, model: m.Model, name: str, *,
           textual: bool) -> Any:
    """A non-null value of a declared 1C type; ``textual`` when it came as text (Atom)."""
    if isinstance(value_type, String) or value_type is None:
        return _string(value_type or String(0), value, name)
    if isinstance(value_type, Number):
        return _number(value_type, value, textual, name)
    if isinstance(value_type, Date):
        return _datetime(value_type, value, name)
    if isinstance(value_type, Boolean):
        return _boolean(value, textual, name)
    if isinstance(value_type, Uuid):
        return guid(value, name)
    if isinstance(value_type, ValueStorage):
        return _base64(value, name)
    if isinstance(value_type, TypeDescription):
        types = value.get("Types") if isinstance(value, Mapping) and set(value) <= {"Types"} else None
        if not isinstance(types, str):
            raise bad_value(name, Message('{{"Types": "<1C type names>"}} is expected, not {value}',
                                          value=_show(value)))
        return {"Types": types}
    if isinstance(value_type, Ref):
        return _enum(value_type.object_id, value, model, name) if value_type.is_enum else guid(value, name)
    raise bad_value(name, Message("a composite value cannot be set here"))


def _base64(value: Any, name: str) -> bytes:
    """X_Base64Data: base64 text (JSON and Atom alike), the only way to write a ValueStorage."""
    if not isinstance(value, str):
        raise bad_value(name, Message("base64 text is expected, not {value}", value=_show(value)))
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise bad_value(name, Message("not valid base64 text")) from None


# --- composites (X + X_Type, §3.1, §8.2) -----------------------------------------------------


_PRIMITIVE_TYPE_NAMES = {String: "Edm.String", Number: "Edm.Double", Date: "Edm.DateTime",
                         Boolean: "Edm.Boolean", Uuid: "Edm.Guid"}


def composite_type_names(composite: Composite) -> dict[str, ValueType]:
    """``X_Type`` text of each allowed type: ``StandardODATA.Catalog_Y``, ``Edm.String``, ..."""
    return {f"{m.NAMESPACE}.{t.object_id}" if isinstance(t, Ref) else _PRIMITIVE_TYPE_NAMES[type(t)]: t
            for t in composite.types}


def _composite_type(composite: Composite, value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise bad_value(name, Message("a type name is expected, not {value}", value=_show(value)))
    allowed = composite_type_names(composite)
    text = value.strip()
    if text in _NUMBER_ALIASES and "Edm.Double" in allowed:
        text = "Edm.Double"
    elif not text.startswith(("Edm.", m.NAMESPACE + ".")):
        text = f"{m.NAMESPACE}.{text}"  # lenient: "Catalog_Y" for "StandardODATA.Catalog_Y"
    if text != UNDEFINED and text not in allowed:
        raise bad_value(name, Message("{value} is not one of {allowed}",
                                      value=_show(value), allowed=', '.join([UNDEFINED, *allowed])))
    return text


def _composite_text(t: ValueType, value: Any, model: m.Model, name: str) -> str:
    """The stored text of a composite value of type ``t`` (a GUID for references)."""
    if value is None:
        converted = empty_of_type(t)
    else:  # X is an Edm.String; typed JSON numbers and booleans are accepted for those types
        converted = scalar(t, value, model, name, textual=isinstance(value, str) or isinstance(t, String))
    if isinstance(converted, bool):
        return "true" if converted else "false"
    if isinstance(converted, (int, Decimal)):
        return format_decimal(converted)
    if isinstance(converted, dt.datetime):
        return format_datetime(converted)
    return converted


def _read_composite(value_prop: m.Property | None, type_prop: m.Property | None,
                    raw: Mapping[str, Any], model: m.Model, out: dict[str, Any], where: str) -> None:
    has_value = value_prop is not None and value_prop.name in raw
    has_type = type_prop is not None and type_prop.name in raw
    composite = (value_prop or type_prop).value_type  # type: ignore[union-attr]
    if not isinstance(composite, Composite):
        return
    type_name = None
    if has_type:
        assert type_prop is not None
        raw_type = raw[type_prop.name]
        type_name = UNDEFINED if raw_type is None else _composite_type(composite, raw_type,
                                                                         where + type_prop.name)
        out[type_prop.name] = type_name
    if value_prop is None:
        return
    name = where + value_prop.name
    value = raw.get(value_prop.name)
    if type_name == UNDEFINED:
        if value not in (None, ""):
            raise bad_value(name, Message("a value of type {name} must be empty", name=UNDEFINED))
        out[value_prop.name] = ""
    elif type_name is not None:
        out[value_prop.name] = _composite_text(composite_type_names(composite)[type_name], value, model, name)
    elif has_value:
        # No X_Type in the body: the type is unknown here, the text is kept unchecked.
        if value is None:
            out[value_prop.name] = ""
        elif isinstance(value, bool):
            out[value_prop.name] = "true" if value else "false"
        elif isinstance(value, str):
            out[value_prop.name] = _string(String(0), value, name)
        elif isinstance(value, (int, Decimal)):
            out[value_prop.name] = format_decimal(_decimal(value, False, name))
        else:
            raise bad_value(name, Message("a text value is expected, not {value}", value=_show(value)))


# --- @odata.bind URLs (§8.2) -----------------------------------------------------------------

_ENTITY_URL = re.compile(r"(?P<set>[^/()]+)\((?:Ref_Key=)?guid'(?P<guid>[^']*)'\)(?P<rest>/.*)?\Z")
_SERVICE_MARKER = "/standard.odata/"


def split_bind_url(url: Any, base: str = "", *, name: str = "@odata.bind") -> tuple[str, str, str]:
    """``(set name, guid, rest)`` of ``Catalog_Units(guid'…')[/rest]``, relative to the service
    root, ``base``-absolute, or any absolute URL containing ``/standard.odata/``."""
    if not isinstance(url, str):
        raise bad_value(name, Message("an entity URL is expected, not {url}", url=_show(url)))
    text = url.strip()
    if base and text.startswith(base):
        text = text[len(base):]
    else:
        parts = urlsplit(text)
        if _SERVICE_MARKER in parts.path:
            text = parts.path.split(_SERVICE_MARKER, 1)[1]
        elif parts.scheme or parts.netloc or text.startswith("/"):
            raise bad_value(name, Message("{url} is not an entity URL of this service", url=_show(url)))
        else:
            text = parts.path
    match = _ENTITY_URL.match(unquote(text.partition("?")[0]))
    if not match:
        raise bad_value(name, Message("{url} is not an entity URL such as Catalog_X(guid'…')", url=_show(url)))
    return match["set"], guid(match["guid"], name), match["rest"] or ""


def parse_bind_url(url: str, base: str = "", *, name: str = "@odata.bind") -> tuple[str, str]:
    """``("Catalog_Units", "<guid>")`` of ``Catalog_Units(guid'…')`` (relative or absolute)."""
    set_name, key, rest = split_bind_url(url, base, name=name)
    if rest:
        raise bad_value(name, Message("{url} is not an entity URL such as Catalog_X(guid'…')", url=_show(url)))
    return set_name, key


def _bind_target(complex_type: m.ComplexType, nav_name: str) -> tuple[str, str] | None:
    """(key property, target set) of navigation ``nav_name``; rows have no navigation
    properties, so their ``X_Key`` reference properties stand in."""
    if isinstance(complex_type, m.EntityType):
        nav = complex_type.navigation_property(nav_name)
        if nav is not None:
            return nav.key_property, nav.target_set
    prop = complex_type.property(nav_name + "_Key")
    if prop is not None and prop.role == m.REF and prop.target:
        return prop.name, prop.target
    return None


# --- objects and tabular sections ------------------------------------------------------------

_BIND_SUFFIX = "@odata.bind"


def read_object(complex_type: m.ComplexType, raw: Mapping[str, Any], model: m.Model, *,
                textual: bool, binds: Mapping[str, Any] | None = None, base: str = "",
                where: str = "", ignore: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Converted values of the properties present in ``raw`` (unknown names are ignored, §8.1).

    ``raw`` values are JSON values, or text/None/row lists when ``textual`` (Atom). Keys
    ``Nav@odata.bind`` and ``binds`` ({nav: url}) set the navigation's ``X_Key``."""
    out: dict[str, Any] = {}
    all_binds: dict[str, Any] = dict(binds or {})
    composites: dict[str, tuple[m.Property | None, m.Property | None]] = {}
    for name, value in raw.items():
        if "@" in name:
            # X@odata.type, X@navigationLinkUrl, ... are annotations; only binds matter.
            if name.endswith(_BIND_SUFFIX):
                all_binds[name[: -len(_BIND_SUFFIX)]] = value
            continue
        prop = complex_type.property(name)
        if prop is None or name in ignore:
            continue
        if prop.read_only:
            if name == "DataVersion":
                if value is not None and not isinstance(value, str):
                    raise bad_value(where + name, Message("a string is expected, not {value}", value=_show(value)))
                out[DATA_VERSION_KEY] = value
            continue
        role = prop.role
        if role in (m.COMPOSITE, m.COMPOSITE_TYPE):
            attribute = prop.attribute or name
            value_prop = complex_type.property(attribute)
            type_prop = complex_type.property(attribute + "_Type")
            composites[attribute] = (value_prop if value_prop and value_prop.role == m.COMPOSITE else None,
                                     type_prop if type_prop and type_prop.role == m.COMPOSITE_TYPE else None)
        elif role == m.TABULAR:
            out[name] = read_rows(prop, value, model, textual=textual, base=base, where=where + name)
        elif value is None:
            if not prop.nullable:
                raise bad_value(where + name, Message("null is not allowed"))
            out[name] = empty_value(prop)  # 1C attributes are never null (§3.1)
        else:
            out[name] = scalar(prop.value_type, value, model, where + name, textual=textual)
    for value_prop, type_prop in composites.values():
        _read_composite(value_prop, type_prop, raw, model, out, where)
    for nav_name, url in all_binds.items():
        target = _bind_target(complex_type, nav_name)
        if target is None:
            continue  # unknown navigation: ignored like unknown properties
        key_property, target_set = target
        label = f"{where}{nav_name}{_BIND_SUFFIX}"
        if url is None:
            out[key_property] = NIL_GUID  # binding null clears the reference
            continue
        set_name, key = parse_bind_url(url, base, name=label)
        if set_name != target_set:
            raise bad_value(label, Message("{set_name} is not {target_set}",
                                           set_name=set_name, target_set=target_set))
        out[key_property] = key
    return out


def read_rows(prop: m.Property, value: Any, model: m.Model, *, textual: bool, base: str = "",
              where: str = "") -> list[dict[str, Any]]:
    """Rows of a tabular section (it replaces all rows, §8.3); each must carry LineNumber."""
    name = where or prop.name
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_value(name, Message("a list of rows is expected"))
    assert prop.row_type is not None
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for index, raw in enumerate(value, 1):
        label = f"{name}[{index}]"
        if not isinstance(raw, dict):
            raise bad_value(label, Message("a row object is expected"))
        if raw.get("LineNumber") is None:
            raise bad_value(label, Message("every row of a tabular section must have LineNumber"))
        row = read_object(prop.row_type, raw, model, textual=textual, base=base,
                          where=label + ".", ignore=frozenset({"Ref_Key"}))
        line = row["LineNumber"]
        if line < 1:
            raise bad_value(label + ".LineNumber", Message("LineNumber must be 1 or more"))
        if line in seen:
            raise bad_value(label + ".LineNumber", Message("duplicate LineNumber {line}", line=line))
        seen.add(line)
        rows.append(row)
    return rows
