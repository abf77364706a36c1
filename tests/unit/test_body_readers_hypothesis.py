"""Round trip: any valid stored value, written by the JSON and Atom writers' converters
(formats/values.py), reads back unchanged through the body readers (reference §3.1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from infobase_odata import configuration as cfg
from infobase_odata.edm import NIL_GUID, format_datetime, format_decimal
from infobase_odata.formats import atom_reader, json_reader
from infobase_odata.formats.values import json_converter, json_string, text_converter
from infobase_odata import build_model
from infobase_odata.model import TABULAR
from infobase_odata.types import Boolean, Date, Number, Ref, String, Uuid

KINDS = ("Товар", "Услуга", "Набор_1")
ATTRIBUTES = {
    "Наименование": "String(0)", "Артикул": "String(20)", "Фикс": "String(5,fixed)",
    "Цена": "Number(15,2)", "Точное": "Number(38,10)", "Цел16": "Number(4)", "Цел32": "Number(9)",
    "Цел64": "Number(18)", "Количество": "Number(5,3,nonnegative)", "Момент": "DateTime",
    "День": "Date", "Время": "Time", "Флаг": "Boolean", "Ид": "UUID", "Родитель": "CatalogRef.Товары",
    "Вид": "EnumRef.Виды", "Значение": ["String(30)", "Number(10,3)", "Boolean", "DateTime",
                                        "CatalogRef.Товары", "EnumRef.Виды"],
}
MODEL = build_model(cfg.Configuration("roundtrip", [
    cfg.Enum(name="Виды", members=KINDS),
    cfg.Catalog(name="Товары", attributes=[cfg.Attribute(n, t) for n, t in ATTRIBUTES.items()],
                tabular_sections=[cfg.TabularSection("Состав", [
                    cfg.Attribute("Товар", "CatalogRef.Товары"), cfg.Attribute("Кол", "Number(15,3)"),
                    cfg.Attribute("Примечание", "String(10)")])]),
]))
SET = MODEL.entity_set("Catalog_Товары")
TYPE = SET.entity_type
D = "http://schemas.microsoft.com/ado/2007/08/dataservices"
M = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"

# Characters XML 1.0 can carry (the Atom writer drops the others, formats/values.py).
TEXT = st.characters(blacklist_categories=("Cs",),
                     blacklist_characters="".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32)])) + "\ufffe\uffff")
GUIDS = st.one_of(st.just(NIL_GUID), st.uuids().map(str))


def value_strategy(value_type: Any) -> st.SearchStrategy:
    if isinstance(value_type, String):
        text = st.text(TEXT, max_size=value_type.length or 60)
        return text.map(lambda s: s.ljust(value_type.length)) if value_type.fixed else text
    if isinstance(value_type, Number):
        whole = 10 ** (value_type.digits - value_type.scale) - 1
        low = 0 if value_type.nonnegative else -whole
        if value_type.scale == 0:
            return st.integers(low, whole)
        # Built from integers: exact, no 28-digit context rounding (st.decimals rounds at 38 digits).
        top = 10 ** value_type.digits - 1
        return st.integers(0 if value_type.nonnegative else -top, top).map(
            lambda i: Decimal(f"{i}E-{value_type.scale}"))
    if isinstance(value_type, Date):
        moments = st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59)).map(
            lambda d: d.replace(microsecond=0))
        if value_type.parts == "date":
            return moments.map(lambda d: d.replace(hour=0, minute=0, second=0))
        if value_type.parts == "time":
            return moments.map(lambda d: dt.datetime(1, 1, 1, d.hour, d.minute, d.second))
        return moments
    if isinstance(value_type, Boolean):
        return st.booleans()
    if isinstance(value_type, Uuid):
        return GUIDS
    if isinstance(value_type, Ref):
        return st.sampled_from(("",) + KINDS) if value_type.is_enum else GUIDS
    raise AssertionError(value_type)


def composite_strategy(composite) -> st.SearchStrategy:
    """(stored text, X_Type) pairs, as providers store composite values."""
    def text_of(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, Decimal)):
            return format_decimal(value)
        if isinstance(value, dt.datetime):
            return format_datetime(value)
        return value

    names = {String: "Edm.String", Number: "Edm.Double", Boolean: "Edm.Boolean", Date: "Edm.DateTime"}
    options = [st.just(("", "StandardODATA.Undefined"))]
    for t in composite.types:
        type_name = f"StandardODATA.{t.object_id}" if isinstance(t, Ref) else names[type(t)]
        options.append(value_strategy(t).map(lambda v, n=type_name: (text_of(v), n)))
    return st.one_of(options)


SCALARS = [p for p in TYPE.properties if p.attribute in ATTRIBUTES and p.role in ("value", "ref", "enum")]
COMPOSITE = TYPE.property("Значение")
TABLE = TYPE.property("Состав")
ROW_PROPS = [p for p in TABLE.row_type.properties if p.name != "Ref_Key"]


@st.composite
def entities(draw) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for prop in SCALARS:
        if draw(st.booleans()):
            row[prop.name] = draw(value_strategy(prop.value_type))
    if draw(st.booleans()):
        row["Значение"], row["Значение_Type"] = draw(composite_strategy(COMPOSITE.value_type))
    if draw(st.booleans()):
        count = draw(st.integers(0, 3))
        row["Состав"] = [{"LineNumber": n, **{p.name: draw(value_strategy(p.value_type))
                                              for p in ROW_PROPS if p.name != "LineNumber"}}
                         for n in range(1, count + 1)]
    return row


def json_body(props: list, row: dict[str, Any]) -> str:
    by_name = {p.name: p for p in props}
    parts = []
    for name, value in row.items():
        prop = by_name[name]
        text = (("[" + ",".join(json_body(ROW_PROPS, r) for r in value) + "]") if prop.role == TABULAR
                else json_converter(prop.edm_type)(value))
        parts.append(json_string(name) + ":" + text)
    return "{" + ",".join(parts) + "}"


def atom_properties(props: list, row: dict[str, Any]) -> str:
    by_name = {p.name: p for p in props}
    parts = []
    for name, value in row.items():
        prop = by_name[name]
        if prop.role == TABULAR:
            text = "".join(f"<d:element>{atom_properties(ROW_PROPS, r)}</d:element>" for r in value)
        else:
            text = text_converter(prop.edm_type)(value)
        parts.append(f"<d:{name}>{text}</d:{name}>" if text else f"<d:{name}/>")
    return "".join(parts)


def same(expected: dict[str, Any], got: dict[str, Any]) -> None:
    assert got == expected
    for name, value in expected.items():
        if isinstance(value, Decimal):  # the exponent equals the declared scale, as providers store
            assert got[name].as_tuple().exponent == value.as_tuple().exponent, name


@settings(max_examples=300, deadline=None)
@given(entities())
def test_json_round_trip(row):
    same(row, json_reader.read_entity(json_body(TYPE.properties, row).encode(), SET, MODEL))


@settings(max_examples=300, deadline=None)
@given(entities())
def test_atom_round_trip(row):
    body = (f'<entry xmlns="http://www.w3.org/2005/Atom" xmlns:d="{D}" xmlns:m="{M}">'
            f'<content type="application/xml"><m:properties>{atom_properties(TYPE.properties, row)}'
            "</m:properties></content></entry>")
    same(row, atom_reader.read_entity(body.encode(), SET, MODEL))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_json_text_is_a_dict_or_a_400(text):
    from infobase_odata.errors import ODataError

    try:
        assert isinstance(json_reader.read_entity(text.encode("utf-8", "surrogatepass"), SET, MODEL), dict)
    except ODataError as err:
        assert err.status == 400


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_as_atom_is_a_dict_or_a_400(body):
    from infobase_odata.errors import ODataError

    try:
        assert isinstance(atom_reader.read_entity(body, SET, MODEL), dict)
    except ODataError as err:
        assert err.status == 400
