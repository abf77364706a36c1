"""Round trip: ``edm.uri_literal(value, type)`` parsed back by the grammar gives the same value."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from infobase_odata.edm import uri_literal
from infobase_odata.query.ast import KeyValue
from infobase_odata.query.parser import parse_function_parameters, parse_key_predicate, parse_literal

guids = st.uuids().map(str)
# 4-digit years only (§2); uri_literal writes whole seconds.
datetimes = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)
                         ).map(lambda d: d.replace(microsecond=0))
strings = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
int32 = st.integers(-(2**31), 2**31 - 1)
int64 = st.integers(-(2**63), 2**63 - 1)
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=6,
                       min_value=Decimal("-1e15"), max_value=Decimal("1e15"))

VALUES = st.one_of(
    guids.map(lambda v: (v, "Edm.Guid")),
    datetimes.map(lambda v: (v, "Edm.DateTime")),
    strings.map(lambda v: (v, "Edm.String")),
    st.booleans().map(lambda v: (v, "Edm.Boolean")),
    int64.map(lambda v: (v, "Edm.Int64")),
    decimals.map(lambda v: (v, "Edm.Double")),
)


@given(guids)
def test_guid(value):
    literal = parse_literal(uri_literal(value, "Edm.Guid"))
    assert (literal.value, literal.edm_type) == (value, "Edm.Guid")


@given(datetimes)
def test_datetime(value):
    literal = parse_literal(uri_literal(value, "Edm.DateTime"))
    assert (literal.value, literal.edm_type) == (value, "Edm.DateTime")


@given(strings)
def test_string(value):
    literal = parse_literal(uri_literal(value, "Edm.String"))
    assert (literal.value, literal.edm_type) == (value, "Edm.String")


@given(st.booleans())
def test_boolean(value):
    assert parse_literal(uri_literal(value, "Edm.Boolean")).value is value


@given(int32)
def test_int32(value):
    literal = parse_literal(uri_literal(value, "Edm.Int32"))
    assert (literal.value, literal.edm_type) == (value, "Edm.Int32")


@given(int64)
def test_int64(value):
    literal = parse_literal(uri_literal(value, "Edm.Int64"))
    assert literal.value == value and type(literal.value) is int
    assert literal.edm_type == ("Edm.Int32" if -(2**31) <= value < 2**31 else "Edm.Int64")


@given(decimals)
def test_decimal(value):
    literal = parse_literal(uri_literal(value, "Edm.Double"))
    assert literal.value == value  # exact: written without exponent (§3.1)
    assert isinstance(literal.value, (int, Decimal))


@given(st.lists(st.tuples(st.from_regex(r"[A-Za-zА-Яа-яЁё_][A-Za-zА-Яа-яЁё_0-9]{0,10}", fullmatch=True), VALUES),
                min_size=1, max_size=4, unique_by=lambda item: item[0]))
@settings(max_examples=150)
def test_named_key_predicate(parts):
    text = ",".join(f"{name}={uri_literal(value, edm)}" for name, (value, edm) in parts)
    parsed = parse_key_predicate(text)
    assert [kv.name for kv in parsed] == [name for name, _ in parts]
    assert [kv.value.value for kv in parsed] == [value for _, (value, _) in parts]


@given(VALUES)
def test_unnamed_key_predicate(item):
    value, edm = item
    (part,) = parse_key_predicate(uri_literal(value, edm))
    assert part == KeyValue(None, part.value) and part.value.value == value


@given(strings, datetimes)
def test_function_parameters_doubled_quotes(condition, period):
    text = f"Period={uri_literal(period, 'Edm.DateTime')},Condition={uri_literal(condition, 'Edm.String')}"
    parsed = parse_function_parameters(text)
    assert parsed["Period"].value == period
    assert parsed["Condition"].value == condition


def test_nil_guid_round_trip():
    nil = str(uuid.UUID(int=0))
    assert parse_literal(uri_literal(nil, "Edm.Guid")).value == nil
