"""Query options validated against the sample model: types, resolution, errors, limits, cache."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from infobase_odata.configuration import load_configuration
from infobase_odata.errors import BAD_FUNCTION, QUERY_OPTION, ODataError
from infobase_odata import build_model
from infobase_odata.model import NavigationProperty, Property
from infobase_odata.query.ast import Binary, Call, ExpandItem, Lambda, Literal, Member, SelectItem
from infobase_odata.query.parser import (QueryLimits, parse_expand, parse_filter, parse_orderby,
                                         parse_query_options, parse_select)

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "trade"
MODEL = build_model(load_configuration(SAMPLE))
GOODS = MODEL.entity_set("Catalog_Goods")
ORDER = MODEL.entity_set("Document_SalesOrder")
G1 = "8d04ce3c-6360-11e9-dd92-fa163e8ba11d"


def f(text, entity_set=GOODS, **kw):
    return parse_filter(text, entity_set, MODEL, **kw)


def error_of(call, *args, **kw) -> ODataError:
    with pytest.raises(ODataError) as info:
        call(*args, **kw)
    return info.value


# --- types and resolution ----------------------------------------------------------------------

@pytest.mark.parametrize("text,left_type", [
    ("Price gt 10", "Edm.Decimal"),
    ("Code eq '1'", "Edm.String"),
    ("Description eq 'Гвозди'", "Edm.String"),
    ("IsFolder eq true", "Edm.Boolean"),
    (f"Unit_Key eq guid'{G1}'", "Edm.Guid"),
    (f"Ref_Key eq guid'{G1}'", "Edm.Guid"),
    ("Kind eq 'Product'", "Edm.String"),  # enum compared with a member name
    ("Unit/Description eq 'шт'", "Edm.String"),
    ("Unit/FullName eq 'штука'", "Edm.String"),
    ("Parent/Parent/Price lt 5", "Edm.Decimal"),
    ("Price eq null", "Edm.Decimal"),
    ("Unit eq null", None),  # a bare navigation property is not a value: Unit_Key
    ("Price add 1 gt 10", "Edm.Decimal"),
    ("length(Description) gt 3", "Edm.Int32"),
    ("year(Parent/Parent/Parent/DeletionMark_Never) eq 1", None),
])
def test_filter_types(text, left_type):
    if left_type is None:
        assert error_of(f, text).code == QUERY_OPTION
        return
    expr = f(text)
    assert expr.type == "Edm.Boolean"
    assert expr.left.type == left_type


def test_member_resolution():
    expr = f("Unit/Description eq 'шт'")
    nav, prop = expr.left.resolved
    assert isinstance(nav, NavigationProperty) and nav.target_set == "Catalog_Units"
    assert isinstance(prop, Property) and prop.name == "Description"


def test_cyrillic_set_and_property():
    expr = f("ПолноеНаименование eq 'Рубль'", MODEL.entity_set("Catalog_Валюты"))
    assert expr.left.resolved[0].name == "ПолноеНаименование"
    expr = f("Currency/ПолноеНаименование eq 'Рубль'", ORDER)
    assert expr.left.type == "Edm.String"


def test_lambda_resolution():
    expr = f("Goods/any(d: d/Price gt 10 and d/Product/Description eq 'x')", ORDER)
    assert isinstance(expr, Lambda)
    assert expr.collection.type == "Collection(StandardODATA.Document_SalesOrder_Goods_RowType)"
    price = expr.predicate.left.left
    assert price.variable == "d" and price.type == "Edm.Decimal"
    assert price.resolved[0] is None and price.resolved[1].name == "Price"
    product = expr.predicate.right.left
    assert product.resolved[1].target_set == "Catalog_Goods"


def test_lambda_outer_property_and_empty_any():
    assert f("Goods/any(d: d/Amount gt Total)", ORDER).type == "Edm.Boolean"
    assert f("Goods/any()", ORDER).predicate is None
    assert f("not Goods/any()", ORDER).operand.kind == "any"


def test_cast_chain_resolution():
    text = ("cast(cast(Basis,'Document_GoodsReceipt')/Warehouse,'Catalog_Warehouses')/Description"
            " eq 'Основной'")
    expr = f(text, ORDER)
    outer = expr.left
    assert isinstance(outer.base, Call) and outer.base.type == "StandardODATA.Catalog_Warehouses"
    inner = outer.base.args[0]
    assert inner.base.type == "StandardODATA.Document_GoodsReceipt"
    assert inner.path == ("Warehouse_Key",) and inner.type == "Edm.Guid"  # the reference casts
    assert outer.type == "Edm.String"


@pytest.mark.parametrize("text", [
    f"Basis eq guid'{G1}'",  # §5.2: valid, always false
    f"Basis eq cast(guid'{G1}','Document_GoodsReceipt')",
    f"Basis eq cast(guid'{G1}','StandardODATA.Document_GoodsReceipt')",
    "Basis eq 'text'",
    "isof(Basis,'Document_GoodsReceipt')",
    "isof(Basis,'Catalog_Counterparties') and Posted",
    "isof('Document_SalesOrder')",
    "Basis_Type eq 'StandardODATA.Document_GoodsReceipt'",
    "cast(Basis,'Catalog_Counterparties')/INN eq '7700'",
    "cast(Total,'String') eq '1'",
    "cast(Comment,'Number') gt 1",
    "startswith(Comment,'A') eq true",
    "substringof('a',Comment)",
    "like(Comment,'%[0-9]')",
    "dateadd(Date,'month',1) gt datetime'2024-01-01'",
    "datedifference(Date,datetime'2024-01-01','day') lt 7",
    "dayofweek(Date) eq 1 and quarter(Date) eq 2",
    "round(Total) eq 2 and floor(Total) eq 2 and ceiling(Total) eq 3",
    "Total div 2 gt 1 and Total mod 2 eq 0",
    "-Total lt 0",
    "concat(Number,Comment) eq 'x'",
    "tolower(Comment) eq 'a' or toupper(Comment) eq 'A' or trim(Comment) eq ''",
    "indexof(Comment,'a') eq 1 and replace(Comment,'a','b') eq 'b'",
    "substring(Comment,1,2) eq 'ab'",
    f"Customer_Key eq cast(guid'{G1}','Catalog_Counterparties')",
    "cast(Customer,'Catalog_Counterparties')/Description eq 'x'",
    "isof(Customer,'Catalog_Counterparties')",
    "Goods/any(d: cast(d/Product,'Catalog_Goods')/Description eq 'x')",
    "Customer/Manager_Key eq guid'" + G1 + "'",
    "Date ge datetime'2014-01-01' and Date lt datetime'2015-01-01T00:00:00'",
    "Goods/all(d: d/Quantity gt 0)",
    "Posted",
    "not Posted",
    "Posted eq true and (DeletionMark or not DeletionMark)",
])
def test_valid_filters(text):
    assert f(text, ORDER).type == "Edm.Boolean"


# --- errors: code 14 (or 21 for unknown functions), status 400, position --------------------

@pytest.mark.parametrize("text,position,words", [
    ("Nope eq 1", 0, "no property Nope"),
    ("Price eq 1 and Nope", 15, "Nope"),
    ("Unit/Nope eq 1", 0, "Nope"),
    ("Price/Cents eq 1", 0, "not a navigation property"),
    ("Kind/Name eq 'x'", 0, "not a navigation property"),
    ("Unit_Key/Description eq 'x'", 0, "not a navigation property"),
    ("Unit_Key eq 'x'", 9, "cannot compare"),
    (f"Unit_Key gt guid'{G1}'", 9, "gt"),
    ("Unit_Key le Parent_Key", 9, "le"),
    ("Unit gt Parent", 0, "use Unit_Key"),
    ("Description add 1 gt 2", 12, "add needs numbers"),
    ("-Description eq 'x'", 0, "unary minus"),
    ("Price eq 'x'", 6, "cannot compare"),
    ("IsFolder eq 1", 9, "cannot compare"),
    ("Price", 0, "boolean"),
    ("Price and IsFolder", 0, "boolean"),
    ("not Price", 0, "not needs a boolean"),
    ("startswith(Description)", 0, "2 arguments"),
    ("startswith(Price,'A')", 0, "startswith expects"),
    ("year(Description) eq 1", 0, "year expects"),
    ("dateadd(Parent/Price,'day',1) eq 1", 0, "dateadd"),
    ("substring(Description,'1') eq 'x'", 0, "substring expects"),
    ("cast(Description,'Catalog_Nope') eq 'x'", 0, "unknown type"),
    ("cast(Description,'Catalog_Units') eq 'x'", 0, "composite"),
    ("cast(Description,Code) eq 'x'", 0, "type name"),
    ("cast(Description) eq 'x'", 0, "2 arguments"),
    ("isof(Description,'Catalog_Employees')", 0, "unknown type"),  # not published
    ("Description/any(d: true)", 12, "tabular"),
])
def test_filter_errors(text, position, words):
    error = error_of(f, text)
    # wrong number or types of function arguments are code 21 (§9.2), the rest code 14
    function_misuse = text.startswith(("startswith", "year", "dateadd", "substring", "cast", "isof"))
    assert (error.code, error.status) == (BAD_FUNCTION if function_misuse else QUERY_OPTION, 400)
    assert f"$filter at position {position}:" in error.message
    assert words in error.message


@pytest.mark.parametrize("text,entity_set", [
    ("foo(Price) eq 1", GOODS), ("StartsWith(Description,'a')", GOODS),
    ("Goods/count(d: true)", ORDER), ("Goods/none()", ORDER),
])
def test_unknown_functions_are_code_21(text, entity_set):
    error = error_of(f, text, entity_set)
    assert (error.code, error.status) == (BAD_FUNCTION, 400)


@pytest.mark.parametrize("text,words", [
    ("Goods eq 1", "tabular section"),
    ("Goods/Price eq 1", "any/all"),
    ("Goods/all()", "all needs a predicate"),
    ("Goods/any(d: d/Nope eq 1)", "Nope"),
    ("Goods/any(d: d eq 1)", "needs a property"),
    ("Goods/any(d: d/Price)", "boolean"),
    ("Customer/any(d: true)", "tabular"),
    ("Basis/Number eq '1'", "not a navigation property"),
    ("cast(Basis,'Document_GoodsReceipt')/Nope eq 1", "Nope"),
    ("cast(Basis,'String')/Number eq 1", "cast to an entity type"),
    ("Price in (1,2)", "'in' is not supported"),
])
def test_order_filter_errors(text, words):
    error = error_of(f, text, ORDER)
    assert error.code == QUERY_OPTION and words in error.message


def test_option_name_is_in_message():
    error = error_of(f, "Nope", option="Condition")
    assert "Condition" in error.message and "position 0" in error.message


# --- $orderby, $select, $expand --------------------------------------------------------------

def test_orderby():
    items = parse_orderby("Price desc, Unit/Description", GOODS, MODEL)
    assert items[0].descending and items[0].expr.type == "Edm.Decimal"
    assert items[1].expr.type == "Edm.String"
    assert "Unit_Key" in error_of(parse_orderby, "Unit", GOODS, MODEL).message
    assert error_of(parse_orderby, "Nope", GOODS, MODEL).code == QUERY_OPTION
    assert error_of(parse_orderby, "Goods", ORDER, MODEL).code == QUERY_OPTION


@pytest.mark.parametrize("text", [
    "*", "**", "Ref_Key, Description", "*,Unit____Presentation", "*____Presentation",
    "*,*____Presentation", "Ref_Key,Presentation", "Unit/*", "Unit/**", "Unit/Description", "Unit",
    "Kind____Presentation", "Parent____Presentation", "Description____Presentation",
])
def test_select_valid_goods(text):
    assert all(isinstance(item, SelectItem) for item in parse_select(text, GOODS, MODEL))


@pytest.mark.parametrize("text", [
    "Goods/Price", "Goods/*", "Goods/Product", "Basis/Document_GoodsReceipt/Comment",
    "Basis/Document_GoodsReceipt/**", "Customer/Manager_Key", "Basis____Presentation",
])
def test_select_valid_order(text):
    assert parse_select(text, ORDER, MODEL)


@pytest.mark.parametrize("text,entity_set", [
    ("Nope", GOODS), ("Unit/Nope", GOODS), ("Price/Cents", GOODS), ("Nope____Presentation", GOODS),
    ("Goods/Nope", ORDER), ("Goods/Product/Description", ORDER), ("Goods____Presentation", ORDER),
    ("Basis/Catalog_Units/Description", ORDER), ("Basis/Document_GoodsReceipt", ORDER),
    ("Comment/x", ORDER),
])
def test_select_errors(text, entity_set):
    error = error_of(parse_select, text, entity_set, MODEL)
    assert error.code == QUERY_OPTION and "$select" in error.message


@pytest.mark.parametrize("text,entity_set,paths", [
    ("Unit", GOODS, [("Unit",)]),
    ("*", GOODS, [("*",)]),
    ("Unit/*, Parent", GOODS, [("Unit", "*"), ("Parent",)]),
    ("Parent/Parent/Unit", GOODS, [("Parent", "Parent", "Unit")]),
    ("Basis/Document_GoodsReceipt/Supplier", ORDER, [("Basis", "Document_GoodsReceipt", "Supplier")]),
    ("Basis/Catalog_Counterparties", ORDER, [("Basis", "Catalog_Counterparties")]),
    ("Basis/Document_GoodsReceipt/*", ORDER, [("Basis", "Document_GoodsReceipt", "*")]),
])
def test_expand_valid(text, entity_set, paths):
    assert parse_expand(text, entity_set, MODEL) == tuple(ExpandItem(p) for p in paths)


@pytest.mark.parametrize("text,entity_set,words", [
    ("Nope", GOODS, "Nope"), ("Price", GOODS, "not a navigation"), ("Unit_Key", GOODS, "not a navigation"),
    ("Goods", ORDER, "tabular"), ("Basis", ORDER, "composite"), ("Basis/*", ORDER, "composite"),
    ("Basis/Document_SalesOrder", ORDER, "composite"), ("*/Unit", GOODS, "last segment"),
    ("Customer/Manager", ORDER, "Manager"),  # Employees is not published
])
def test_expand_errors(text, entity_set, words):
    error = error_of(parse_expand, text, entity_set, MODEL)
    assert error.code == QUERY_OPTION and words in error.message


def test_expand_depth_limit():
    limits = QueryLimits(max_expand_depth=3)
    assert parse_expand("Parent/Parent/Parent", GOODS, MODEL, limits=limits)
    error = error_of(parse_expand, "Parent/Parent/Parent/Parent", GOODS, MODEL, limits=limits)
    assert error.code == QUERY_OPTION and "deeper than 3" in error.message
    assert error_of(parse_expand, "/".join(["Parent"] * 6), GOODS, MODEL).code == QUERY_OPTION


# --- parse_query_options -----------------------------------------------------------------------

def test_query_options_all():
    options = parse_query_options([
        ("$filter", "Price gt 1"), ("$orderby", "Price desc"), ("$select", "*, Unit/Description"),
        ("$expand", "Unit"), ("$top", "5"), ("$skip", "10"), ("$inlinecount", "allpages"),
        ("$format", "json"), ("$skiptoken", "abc"), ("allowedOnly", "true"), ("Period", "x"),
        ("Condition", "y"),
    ], GOODS, MODEL)
    assert options.filter.type == "Edm.Boolean"
    assert options.orderby[0].descending
    assert options.select == (SelectItem(("*",)), SelectItem(("Unit", "Description")))
    assert options.expand == (ExpandItem(("Unit",)),)
    assert (options.top, options.skip, options.inlinecount) == (5, 10, True)
    assert (options.format, options.skiptoken, options.allowed_only) == ("json", "abc", True)
    assert options.custom == (("Period", "x"), ("Condition", "y"))


def test_query_options_defaults():
    options = parse_query_options([], GOODS, MODEL)
    assert options.filter is None and options.top is None and not options.inlinecount
    assert parse_query_options([("$inlinecount", "none")], GOODS, MODEL).inlinecount is False
    assert parse_query_options([("$allowedOnly", "False")], GOODS, MODEL).allowed_only is False
    assert parse_query_options([("$top", "0")], GOODS, MODEL).top == 0
    assert parse_query_options([("$top", str(2**31 - 1))], GOODS, MODEL).top == 2**31 - 1


@pytest.mark.parametrize("params,words", [
    ([("$top", "1"), ("$top", "2")], "more than once"),
    ([("$filter", "Price gt 1"), ("$filter", "Price gt 2")], "more than once"),
    ([("allowedOnly", "true"), ("$allowedOnly", "true")], "more than once"),
    ([("$callback", "x")], "unknown"),
    ([("$batch", "x")], "unknown"),
    ([("$Top", "1")], "unknown"),
    ([("$top", "-1")], "non-negative"),
    ([("$top", "1.5")], "non-negative"),
    ([("$top", "")], "non-negative"),
    ([("$top", "ten")], "non-negative"),
    ([("$skip", "2147483648")], "exceeds"),
    ([("$top", "99999999999999999999")], "non-negative"),
    ([("$inlinecount", "all")], "allpages"),
    ([("allowedOnly", "yes")], "true or false"),
    ([("$filter", "")], "empty"),
    ([("$filter", "Nope eq 1")], "Nope"),
    ([("$orderby", "Price up")], "syntax"),
    ([("$select", "Nope")], "Nope"),
    ([("$expand", "Nope")], "Nope"),
])
def test_query_option_errors(params, words):
    error = error_of(parse_query_options, params, GOODS, MODEL)
    assert (error.code, error.status) == (QUERY_OPTION, 400)
    assert words in error.message and params[-1][0] in error.message


def test_top_ceiling_from_limits():
    limits = QueryLimits(max_top=100)
    assert parse_query_options([("$top", "100")], GOODS, MODEL, limits=limits).top == 100
    assert error_of(parse_query_options, [("$top", "101")], GOODS, MODEL, limits=limits).code == QUERY_OPTION


# --- limits: fast 400s, never RecursionError -------------------------------------------------

# A hang guard, not a speed requirement (speed is measured by benchmarks/): rejecting hostile
# input must not take seconds, let alone hang.
HANG_GUARD_S = 5.0

def _fast_error(text, **kw):
    start = time.perf_counter()
    error = error_of(f, text, **kw)
    elapsed = time.perf_counter() - start
    assert (error.code, error.status) == (QUERY_OPTION, 400)
    return error, elapsed


def test_100000_nested_parentheses():
    error, elapsed = _fast_error("(" * 100_000 + "Price gt 1" + ")" * 100_000)
    assert elapsed < HANG_GUARD_S


def test_nesting_just_below_and_above_the_limit():
    assert f("(" * 99 + "IsFolder" + ")" * 99).type == "Edm.Boolean"
    assert f("not " * 99 + "IsFolder").type == "Edm.Boolean"
    error, _ = _fast_error("(" * 101 + "IsFolder" + ")" * 101)
    assert "nesting" in error.message
    error, _ = _fast_error("not " * 500 + "IsFolder")
    assert "nesting" in error.message
    error, _ = _fast_error("-" * 5000 + "Price gt 1")
    error, _ = _fast_error("Goods/any(d:" * 200 + "true" + ")" * 200, entity_set=ORDER)


def test_deep_function_nesting_at_limit_does_not_recurse_out():
    text = "length(" * 99 + "Description" + ")" * 99 + " gt 1"
    with pytest.raises(ODataError):  # length(int) is a type error, but no RecursionError
        f(text)


def test_one_megabyte_filters():
    error, elapsed = _fast_error("Price gt 1 or " * 75_000 + "Price gt 1")
    assert elapsed < HANG_GUARD_S and "nodes" in error.message
    error, elapsed = _fast_error("(" * 1_000_000)
    assert elapsed < HANG_GUARD_S
    start = time.perf_counter()
    assert f("Description eq '" + "x" * 1_000_000 + "'").type == "Edm.Boolean"
    assert time.perf_counter() - start < HANG_GUARD_S


def test_node_limit():
    limits = QueryLimits(max_filter_nodes=10)
    assert f("Price gt 1 and Price lt 5", limits=limits)
    error = error_of(f, " and ".join(["Price gt 1"] * 5), limits=limits)
    assert error.code == QUERY_OPTION and "nodes" in error.message


# --- cache ---------------------------------------------------------------------------------

def test_results_are_cached():
    text = "Price gt 12345 and Unit/Description eq 'cache'"
    assert f(text) is f(text)
    assert f(text) is parse_filter(text, GOODS.entity_type, MODEL)
    assert f(text, option="Condition") == f(text)


def test_filter_equality_ignores_types():
    expr = f("Price gt 1")
    assert expr == Binary("gt", Member(("Price",)), Literal(1, "Edm.Int32"))
