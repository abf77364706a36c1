"""Issue #11 remainder: what the SQL compiler refuses is refused by the validation first (400
code 14/21, before any SQL); a compiler error that still slips through is 400 code 14, never a
500; long ``$orderby``/``$select``/``$expand`` lists and virtual-table ``Condition`` are bounded
by settings like the other limits."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest
from webob import Request

from infobase_odata.middleware import ODataMiddleware
from infobase_odata.providers.sql import Compiler, CompileError
from infobase_odata.query.functions import FUNCTIONS
from tests.conftest import SAMPLE, SERVICE, AsUser, seeded_memory_provider

SAFE = "'(),/$:=*"


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory):
    database = tmp_path_factory.mktemp("limits") / "trade.db"
    return AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(database), seed_options="goods=20"))


@pytest.fixture(scope="module")
def small_limits(model):
    return AsUser(ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 10), prefix="trade",
                                  max_orderby_items=3, max_select_items=4, max_expand_items=2, max_filter_nodes=40))


def get(app, path: str, **params: str):
    query = "&".join(f"{name}={quote(value, safe=SAFE)}" for name, value in params.items())
    response = Request.blank(SERVICE + path + "?" + query + ("&" if query else "") + "$format=json").get_response(app)
    return response, json.loads(response.body)


def error_of(app, path: str, **params: str) -> tuple[int, int, str]:
    response, body = get(app, path, **params)
    assert "odata.error" in body, (response.status, body)
    error = body["odata.error"]
    return response.status_code, int(error["code"]), error["message"]["value"]


# --- every compiler refusal is a validation error first ---------------------------------------

# Each CompileError of providers/sql.py and sqlcalls.py, by the input that would reach it.
REFUSED_BY_VALIDATION = [
    ("Catalog_Goods", "Unit eq null", "Unit_Key"),  # path ... does not end in a property
    ("Catalog_Goods", "Parent/Unit eq null", "Unit_Key"),
    ("Document_SalesOrder", "Goods/any(d: d/Product eq null)", "Product_Key"),
    ("Catalog_Goods", "substring(Description,1)/Code eq '1'", None),  # a path after an expression
    ("Catalog_Goods", "Unit/any(d: d/Code eq '1')", "Unit"),  # any/all apply to tabular sections
    ("Catalog_Goods", "Description/all(d: true)", "Description"),
    ("Catalog_Goods", "Price eq time'PT1H'", "Edm.Time"),  # literal type not supported
    ("Catalog_Goods", "Description eq X'00'", "Edm.Binary"),
    ("Catalog_Goods", "Price eq INF", "INF"),  # non-finite number: no such literal
    ("Catalog_Goods", "nosuchfunction(Price) eq 1", "nosuchfunction"),  # unknown function
    ("Catalog_Goods", "cast(Price,'Edm.Nope') eq 1", "Edm.Nope"),  # unknown type
    ("Catalog_Goods", "isof(Unit_Key,'Catalog_Nope')", "Catalog_Nope"),
]


@pytest.mark.parametrize("path,expr,named", REFUSED_BY_VALIDATION, ids=[c[1] for c in REFUSED_BY_VALIDATION])
def test_the_validation_refuses_what_the_compiler_cannot_compile(sqlite_app, monkeypatch, path, expr, named):
    compiled = []
    original = Compiler.compile
    monkeypatch.setattr(Compiler, "compile", lambda self, *a: compiled.append(a) or original(self, *a))
    status, code, message = error_of(sqlite_app, path, **{"$filter": expr})
    assert status == 400 and code in (14, 21), message
    assert "$filter" in message and "выражение не может быть выполнено" not in message
    if named:
        assert named in message
    assert not compiled  # refused before any SQL was compiled


# A valid call of every function the validator accepts: each must compile and run.
CALLS = {
    "substringof": "substringof('a',Description)", "startswith": "startswith(Description,'a')",
    "endswith": "endswith(Description,'a')", "like": "like(Description,'%a%')",
    "substring": "substring(Description,1) eq 'a' or substring(Description,1,2) eq 'a'",
    "concat": "concat(Description,'x') eq 'a'", "length": "length(Description) gt 1",
    "indexof": "indexof(Description,'a') ge 0", "replace": "replace(Description,'a','b') eq 'b'",
    "tolower": "tolower(Description) eq 'a'", "toupper": "toupper(Description) eq 'A'",
    "trim": "trim(Description) eq 'a'", "year": "year(Date) eq 2024", "month": "month(Date) eq 1",
    "day": "day(Date) eq 1", "hour": "hour(Date) eq 1", "minute": "minute(Date) eq 1",
    "second": "second(Date) eq 1", "dayofweek": "dayofweek(Date) eq 1", "dayofyear": "dayofyear(Date) eq 1",
    "quarter": "quarter(Date) eq 1", "dateadd": "dateadd(Date,'day',1) gt Date",
    "datedifference": "datedifference(Date,Date,'day') eq 0",
    "round": "round(Total) eq 1 or round(Total,1) eq 1", "floor": "floor(Total) eq 1",
    "ceiling": "ceiling(Total) eq 1", "cast": "cast(Basis,'Document_GoodsReceipt')/Number eq '1'",
    "isof": "isof(Basis,'Document_GoodsReceipt')",
}


def test_every_function_has_a_compile_row():
    assert set(CALLS) == set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_accepted_function_compiles_and_runs(sqlite_app, name):
    target = "Document_SalesOrder"
    expr = CALLS[name].replace("Description", "Comment")
    response, body = get(sqlite_app, target, **{"$filter": expr, "$top": "3"})
    assert response.status_code == 200, body


# --- the safety net ---------------------------------------------------------------------------

@pytest.mark.parametrize("error", [CompileError("a case the validation missed"), KeyError("x"),
                                   AssertionError(), TypeError("bad operand")],
                         ids=["CompileError", "KeyError", "AssertionError", "TypeError"])
def test_a_compiler_error_on_a_validated_filter_is_400_code_14(sqlite_app, monkeypatch, caplog, error):
    def broken(self, node, scope):
        raise error

    monkeypatch.setattr(Compiler, "_binary", broken)
    with caplog.at_level(logging.ERROR, logger="infobase_odata"):
        status, code, message = error_of(sqlite_app, "Catalog_Goods", **{"$filter": "Price gt 1"})
    assert (status, code) == (400, 14)
    assert message.startswith("Ошибка при разборе опции запроса $filter: выражение не может быть выполнено "
                              "этим хранилищем данных"), message
    if not isinstance(error, CompileError):  # an unexpected one stays visible in the log
        assert any("SQL compiler failed" in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_compiler_error_in_orderby_names_orderby(sqlite_app, monkeypatch):
    def broken(self, node, scope):
        raise IndexError("x")

    monkeypatch.setattr(Compiler, "_member", broken)
    status, code, message = error_of(sqlite_app, "Catalog_Goods", **{"$orderby": "Price"})
    assert (status, code) == (400, 14) and "$orderby" in message, message


def test_a_compiler_error_in_a_virtual_table_condition_is_400(sqlite_app, monkeypatch):
    def broken(self, node, scope):
        raise CompileError("x")

    monkeypatch.setattr(Compiler, "_binary", broken)
    status, code, _ = error_of(sqlite_app, "AccumulationRegister_Stock/Balance()", Condition="Quantity gt 0")
    assert (status, code) == (400, 14)


def test_the_safety_net_keeps_a_too_deep_nesting_and_store_errors_as_they_are(sqlite_app, monkeypatch):
    def deep(self, node, scope):
        raise RecursionError()

    monkeypatch.setattr(Compiler, "_binary", deep)
    status, code, message = error_of(sqlite_app, "Catalog_Goods", **{"$filter": "Price gt 1"})
    assert (status, code) == (400, 14) and "выражение не может" not in message


# --- long lists -------------------------------------------------------------------------------

def items(names: list[str], count: int) -> str:
    return ",".join(names[i % len(names)] for i in range(count))


GOODS = ["Price", "Code", "Description", "Article", "Ref_Key", "Unit/Code", "Parent/Description"]


def test_orderby_items_are_bounded_by_default(sqlite_app):
    response, _ = get(sqlite_app, "Catalog_Goods", **{"$orderby": items(GOODS, 100), "$top": "2"})
    assert response.status_code == 200
    status, code, message = error_of(sqlite_app, "Catalog_Goods", **{"$orderby": items(GOODS, 101)})
    assert (status, code) == (400, 14)
    assert message == "Ошибка при разборе опции запроса $orderby: более 100 элементов в списке"
    status, code, _ = error_of(sqlite_app, "Catalog_Goods", **{"$orderby": items(GOODS, 500)})
    assert (status, code) == (400, 14)


def test_select_and_expand_items_are_bounded_by_default(sqlite_app):
    response, _ = get(sqlite_app, "Catalog_Goods", **{"$select": items(GOODS[:5], 1000), "$top": "1"})
    assert response.status_code == 200
    assert error_of(sqlite_app, "Catalog_Goods", **{"$select": items(GOODS[:5], 1001)})[:2] == (400, 14)
    response, _ = get(sqlite_app, "Catalog_Goods", **{"$expand": items(["Unit", "Parent"], 100), "$top": "1"})
    assert response.status_code == 200
    status, code, message = error_of(sqlite_app, "Catalog_Goods", **{"$expand": items(["Unit", "Parent"], 101)})
    assert (status, code) == (400, 14) and "$expand" in message and "100" in message


@pytest.mark.parametrize("option,value,ok", [
    ("$orderby", "Price,Code,Description", True), ("$orderby", "Price,Code,Description,Article", False),
    ("$select", "Price,Code,Description,Article", True), ("$select", "Price,Code,Description,Article,Ref_Key", False),
    ("$expand", "Unit,Parent", True), ("$expand", "Unit,Parent,Unit", False),
])
def test_the_list_limits_are_settings(small_limits, option, value, ok):
    response, body = get(small_limits, "Catalog_Goods", **{option: value})
    if ok:
        assert response.status_code == 200, body
    else:
        assert (response.status_code, body["odata.error"]["code"]) == (400, "14")


def test_a_virtual_table_condition_obeys_the_filter_limits(small_limits):
    condition = " or ".join(["Quantity gt 0"] * 20)  # 20 comparisons: more than 40 nodes
    status, code, message = error_of(small_limits, "AccumulationRegister_Stock/Balance()", Condition=condition)
    assert (status, code) == (400, 14) and "Condition" in message and "40" in message
    response, _ = get(small_limits, "AccumulationRegister_Stock/Balance()", Condition="Quantity gt 0")
    assert response.status_code == 200


def test_the_limits_in_english(model):
    app = AsUser(ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 5), prefix="trade",
                                 language="en"))
    status, code, message = error_of(app, "Catalog_Goods", **{"$orderby": items(GOODS, 101)})
    assert message == "Error parsing query option $orderby: more than 100 items in the list"
