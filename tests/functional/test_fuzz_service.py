"""Fuzzing that reaches the database: generated ``$filter``/``$orderby``/``$select``/``$expand``
and virtual-table ``Condition`` combinations (navigation paths, lambdas, nested functions, long
lists, type mismatches) go through the whole service against the seeded SQLite sample; every
answer must be 2xx or a 4xx OData error, never a 5xx (the parsers alone are fuzzed in
tests/unit/test_fuzz.py).

``FUZZ_SERVICE_EXAMPLES`` examples per target (default 60: 300 inputs in CI). The long run
(5 targets x 20,000 = 100,000 inputs), at low priority::

    FUZZ_SERVICE_EXAMPLES=20000 nice -n 19 python -m pytest -q -s tests/functional/test_fuzz_service.py
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webob import Request

from infobase_odata.middleware import ODataMiddleware
from tests.conftest import SAMPLE, SERVICE, AsUser

EXAMPLES = int(os.environ.get("FUZZ_SERVICE_EXAMPLES", "60"))
PROGRESS = int(os.environ.get("FUZZ_SERVICE_PROGRESS", "0"))  # print the counts every N inputs
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
STATUS = Counter()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    database = tmp_path_factory.mktemp("fuzz") / "trade.db"
    return AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(database), seed_options="goods=60"))


@pytest.fixture(scope="module")
def manager(app):
    """The same store as a user with a row-level restriction on Document_SalesOrder."""
    return AsUser(app.app, "manager", "manager")


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    print(f"\nservice fuzz answers by status: {dict(sorted(STATUS.items()))}")


def send(app, path: str) -> None:
    response = Request.blank(SERVICE + path).get_response(app)
    STATUS[response.status_code] += 1
    if PROGRESS and sum(STATUS.values()) % PROGRESS == 0:
        print(f"service fuzz progress: {dict(sorted(STATUS.items()))}", file=sys.stderr, flush=True)
    assert response.status_code < 500, (path, response.body[:500])
    if response.status_code >= 400:
        assert 400 <= response.status_code < 500
        error = json.loads(response.body)["odata.error"]
        assert error["code"] and error["message"]["value"], path


# --- vocabulary ----------------------------------------------------------------------------------

GOODS = ["Description", "Code", "Price", "Article", "IsFolder", "Kind", "Ref_Key", "DataVersion", "DeletionMark",
         "Unit", "Unit_Key", "Unit/Description", "Unit/Code", "Unit/FullName", "Parent", "Parent_Key",
         "Parent/Description", "Parent/Price", "Parent/Parent/Code", "Parent/Unit/Description", "Nope",
         "Unit/Nope", "Predefined", "Goods"]
ORDERS = ["Number", "Date", "Posted", "Total", "Comment", "Basis", "Basis_Type", "Customer", "Customer_Key",
          "Customer/Description", "Warehouse", "Warehouse/Code", "Warehouse/Description", "Currency/Code",
          "cast(Basis,'Document_GoodsReceipt')/Number", "cast(Basis,'Catalog_Counterparties')/Description",
          "cast(cast(Basis,'Document_GoodsReceipt')/Warehouse,'Catalog_Warehouses')/Code",
          "cast(Customer_Key,'Catalog_Counterparties')/Description", "Goods", "Nope"]
ROWS = ["d/Quantity", "d/Price", "d/Amount", "d/LineNumber", "d/Product", "d/Product_Key", "d/Product/Description",
        "d/Product/Price", "d/Product/Unit/Code", "d/Nope", "d"]
STOCK = ["Product", "Product_Key", "Product/Description", "Product/Price", "Warehouse", "Warehouse_Key",
         "Warehouse/Code", "Quantity", "Period", "RecordType", "Recorder", "Active", "LineNumber", "Nope"]
LITERALS = ["0", "1", "-7", "2147483648", "1.5", "-0.25", "3.14159265358979323846", "1e3", "'x'", "''",
            "'O''Neil'", "'%_'", "'Гвозди'", "true", "false", "null", "guid'00002710-a7b0-11ee-8002-0050569f1c00'",
            "guid'00000000-0000-0000-0000-000000000000'", "datetime'2024-01-01T00:00:00'", "datetime'2024-03-31'",
            "time'PT1H'", "5M", "7L", "X'00'"]
BINARY = ["eq", "ne", "gt", "ge", "lt", "le", "and", "or", "add", "sub", "mul", "div", "mod"]
FUNCTIONS = {  # name: arities tried (wrong ones included on purpose)
    "substringof": (2, 1), "startswith": (2,), "endswith": (2,), "like": (2,), "substring": (2, 3),
    "concat": (2, 3), "length": (1, 2), "indexof": (2,), "replace": (3,), "tolower": (1,), "toupper": (1,),
    "trim": (1,), "year": (1,), "month": (1,), "day": (1,), "hour": (1,), "second": (1,), "quarter": (1,),
    "dateadd": (3,), "datedifference": (3,), "round": (1, 2), "floor": (1,), "ceiling": (1,),
    "cast": (2,), "isof": (1, 2), "nope": (1,),
}
TYPE_NAMES = ["'String'", "'Number'", "'Date'", "'Boolean'", "'Edm.Int32'", "'Catalog_Units'", "'Catalog_Goods'",
              "'Document_GoodsReceipt'", "'StandardODATA.Catalog_Counterparties'", "'day'", "'month'"]


def chaos(names: list[str], lambdas: bool) -> st.SearchStrategy[str]:
    """Untyped: any name, literal, operator or function (with wrong arities) anywhere."""
    leaf = st.one_of(st.sampled_from(names), st.sampled_from(LITERALS), st.sampled_from(TYPE_NAMES))

    def extend(inner):
        options = [
            st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["not ", "-"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.sampled_from(sorted(FUNCTIONS)).flatmap(lambda name: st.sampled_from(FUNCTIONS[name]).flatmap(
                lambda arity: st.lists(inner, min_size=arity, max_size=arity).map(
                    lambda args: f"{name}({','.join(args)})"))),
        ]
        if lambdas:
            row = st.one_of(st.sampled_from(ROWS), st.sampled_from(LITERALS), inner)
            predicate = st.tuples(row, st.sampled_from(BINARY), row).map(lambda t: f"{t[0]} {t[1]} {t[2]}")
            options.append(st.tuples(st.sampled_from(["any", "all"]), st.one_of(predicate, inner)).map(
                lambda t: f"Goods/{t[0]}(d: {t[1]})"))
        return st.one_of(*options)

    return st.recursive(leaf, extend, max_leaves=12)


# Typed vocabulary: most generated filters are valid, so they reach SQL.
TYPED = {
    "Catalog_Goods": {
        "str": ["Description", "Code", "Article", "Unit/Description", "Unit/Code", "Parent/Description",
                "Parent/Parent/Code", "Parent/Unit/FullName", "Kind"],
        "num": ["Price", "Parent/Price", "Parent/Parent/Price"],
        "bool": ["IsFolder", "DeletionMark", "Predefined", "Parent/IsFolder"],
        "guid": ["Ref_Key", "Unit_Key", "Parent_Key", "Parent/Unit_Key"],
        "date": [],
    },
    "Document_SalesOrder": {
        "str": ["Number", "Comment", "Basis", "Basis_Type", "Customer/Description", "Warehouse/Code",
                "cast(Basis,'Document_GoodsReceipt')/Number", "cast(Basis,'Catalog_Counterparties')/Description",
                "cast(cast(Basis,'Document_GoodsReceipt')/Warehouse,'Catalog_Warehouses')/Code",
                "cast(Customer,'Catalog_Counterparties')/Description", "Currency/Code"],
        "num": ["Total"],
        "bool": ["Posted", "DeletionMark", "isof(Basis,'Document_GoodsReceipt')"],
        "guid": ["Ref_Key", "Customer_Key", "Warehouse_Key"],
        "date": ["Date", "cast(Basis,'Document_GoodsReceipt')/Date"],
    },
    "rows": {
        "str": ["d/Product/Description", "d/Product/Code", "d/Product/Unit/Description"],
        "num": ["d/Quantity", "d/Price", "d/Amount", "d/LineNumber", "d/Product/Price"],
        "bool": ["d/Product/IsFolder"], "guid": ["d/Product_Key", "d/Ref_Key"], "date": [],
    },
    "AccumulationRegister_Stock_RecordType": {
        "str": ["Product/Description", "Product/Code", "Warehouse/Code", "RecordType", "Recorder_Type"],
        "num": ["Quantity", "LineNumber", "Product/Price"], "bool": ["Active", "Product/IsFolder"],
        "guid": ["Product_Key", "Warehouse_Key", "Recorder"], "date": ["Period"],
    },
}
TYPED_LITERALS = {
    "str": ["'x'", "''", "'O''Neil'", "'%_'", "'Гвозди'", "'000000001'", "'StandardODATA.Document_GoodsReceipt'"],
    "num": ["0", "1", "-7", "2147483647", "1.5", "-0.25", "12345678901234.5678", "7L", "5M", "2.5e1"],
    "bool": ["true", "false"],
    "guid": ["guid'00002710-a7b0-11ee-8002-0050569f1c00'", "guid'00000000-0000-0000-0000-000000000000'", "null"],
    "date": ["datetime'2024-01-01T00:00:00'", "datetime'2024-03-31'", "datetime'0001-01-01T00:00:00'"],
}


def typed(names: dict[str, list[str]], lambdas: bool) -> st.SearchStrategy[str]:
    """A boolean expression assembled by type, nested 0-3 levels (functions, arithmetic,
    and/or/not, lambdas over Goods with navigation inside)."""
    cache: dict = {}

    def of(kind: str, depth: int, scope: dict[str, list[str]]) -> st.SearchStrategy[str]:
        key = (kind, depth, id(scope))
        if key in cache:
            return cache[key]
        leaves = scope[kind] + TYPED_LITERALS[kind]
        leaf = st.sampled_from(leaves)
        if depth == 0:
            cache[key] = leaf
            return leaf
        sub = lambda k: of(k, depth - 1, scope)  # noqa: E731
        pair = lambda k: st.tuples(sub(k), sub(k))  # noqa: E731
        options = [leaf]
        if kind == "str":
            options += [st.sampled_from(["tolower", "toupper", "trim"]).flatmap(lambda f: sub("str").map(lambda a: f"{f}({a})")),
                        st.tuples(sub("str"), sub("num")).map(lambda t: f"substring({t[0]},{t[1]})"),
                        pair("str").map(lambda t: f"concat({t[0]},{t[1]})"),
                        st.tuples(sub("str"), sub("str"), sub("str")).map(lambda t: f"replace({t[0]},{t[1]},{t[2]})")]
        elif kind == "num":
            options += [st.tuples(sub("num"), st.sampled_from(["add", "sub", "mul", "div", "mod"]), sub("num"))
                        .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
                        sub("num").map(lambda a: f"-({a})"),
                        st.sampled_from(["round", "floor", "ceiling"]).flatmap(lambda f: sub("num").map(lambda a: f"{f}({a})")),
                        sub("str").map(lambda a: f"length({a})"),
                        pair("str").map(lambda t: f"indexof({t[0]},{t[1]})"),
                        st.sampled_from(["year", "month", "day", "hour", "quarter"]).flatmap(
                            lambda f: sub("date").map(lambda a: f"{f}({a})"))]
        elif kind == "date":
            options += [st.tuples(sub("date"), st.sampled_from(["'day'", "'month'", "'year'"]), sub("num"))
                        .map(lambda t: f"dateadd({t[0]},{t[1]},{t[2]})")]
        elif kind == "bool":
            comparisons = [st.tuples(sub(k), st.sampled_from(ops), sub(k)).map(lambda t: f"{t[0]} {t[1]} {t[2]}")
                           for k, ops in (("str", ["eq", "ne", "gt", "le"]), ("num", ["eq", "ne", "gt", "ge", "lt", "le"]),
                                          ("date", ["eq", "lt", "ge"]), ("guid", ["eq", "ne"]))]
            options += comparisons + [
                st.sampled_from(["startswith", "endswith", "substringof", "like"]).flatmap(
                    lambda f: pair("str").map(lambda t: f"{f}({t[0]},{t[1]})")),
                st.tuples(sub("bool"), st.sampled_from(["and", "or"]), sub("bool")).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
                sub("bool").map(lambda a: f"not ({a})"),
            ]
            if lambdas:
                rows = {k: TYPED["rows"][k] + names[k] for k in names}
                options.append(st.tuples(st.sampled_from(["any", "all"]), of("bool", depth - 1, rows))
                               .map(lambda t: f"Goods/{t[0]}(d: {t[1]})"))
        if not scope[kind]:
            options = options[1:] or [leaf]
        cache[key] = st.one_of(*options)
        return cache[key]

    return st.integers(1, 3).flatmap(lambda depth: of("bool", depth, names))


def expression(names: list[str], lambdas: bool, kinds: dict[str, list[str]] | None = None) -> st.SearchStrategy[str]:
    """Mostly well-typed filters (they reach the database), some untyped chaos."""
    if kinds is None:
        return chaos(names, lambdas)
    return st.one_of(typed(kinds, lambdas), typed(kinds, lambdas), typed(kinds, lambdas), chaos(names, lambdas))


def orderby(names: list[str], lambdas: bool) -> st.SearchStrategy[str]:
    item = st.tuples(st.one_of(st.sampled_from(names), expression(names, lambdas)),
                     st.sampled_from(["", " asc", " desc"])).map("".join)
    short = st.lists(item, min_size=1, max_size=4)
    return st.one_of(short, short, short, st.lists(st.sampled_from(names), min_size=100, max_size=400)).map(",".join)


SELECT_GOODS = ["*", "**", "Description", "Unit", "Unit/Description", "Unit/*", "Parent/Parent/Code", "Price",
                "Unit____Presentation", "*____Presentation", "Presentation", "Nope", "Unit/Nope"]
EXPAND_GOODS = ["Unit", "Parent", "Parent/Unit", "Parent/Parent/Parent", "*", "Unit/*", "Nope", "Price",
                "Parent/Parent/Parent/Parent/Parent/Parent"]
SELECT_ORDERS = ["*", "Number", "Goods", "Goods/Quantity", "Customer/Description", "Basis",
                 "Basis/Document_GoodsReceipt/Number", "Basis/Catalog_Counterparties/Description",
                 "Basis/Document_GoodsReceipt/Warehouse/Code", "Warehouse", "Customer____Presentation"]
EXPAND_ORDERS = ["Customer", "Warehouse", "Basis/Document_GoodsReceipt", "Basis/Catalog_Counterparties",
                 "Basis/Document_GoodsReceipt/Warehouse", "Basis", "Goods", "*", "Currency"]


def listing(words: list[str]) -> st.SearchStrategy[str]:
    """Mostly short lists; one in four long (up to 1,200 items: past the 1,000-node limit)."""
    short = st.lists(st.sampled_from(words), max_size=5)
    long = st.sampled_from([60, 300, 1200]).flatmap(
        lambda size: st.lists(st.sampled_from(words), min_size=size // 2, max_size=size))
    return st.one_of(short, short, short, long).map(",".join)


def query(**options: str) -> str:
    return "&".join(f"{name}={quote(value, safe='')}" for name, value in options.items() if value is not None)


# --- targets -------------------------------------------------------------------------------------

@FUZZ
@given(filter=expression(GOODS, False, TYPED['Catalog_Goods']), order=st.none() | orderby(GOODS, False), top=st.sampled_from(["", "3"]))
def test_goods_filter_and_orderby(app, filter, order, top):
    send(app, "Catalog_Goods?$format=json&" + query(**{"$filter": filter, "$orderby": order, "$top": top or None}))


@FUZZ
@given(filter=expression(ORDERS, True, TYPED['Document_SalesOrder']), order=st.none() | orderby(ORDERS, True),
       count=st.booleans(), restricted=st.booleans())
def test_orders_with_lambdas_casts_and_restrictions(app, manager, filter, order, count, restricted):
    target = manager if restricted else app
    options = query(**{"$filter": filter, "$orderby": order, "allowedOnly": "true" if restricted else None})
    send(target, ("Document_SalesOrder/$count?$format=json&" if count else "Document_SalesOrder?$format=json&$top=5&") + options)


@FUZZ
@given(select=st.none() | listing(SELECT_GOODS), expand=st.none() | listing(EXPAND_GOODS),
       filter=st.none() | expression(GOODS, False, TYPED['Catalog_Goods']))
def test_goods_select_and_expand(app, select, expand, filter):
    send(app, "Catalog_Goods?$format=json&$top=5&" + query(**{"$select": select, "$expand": expand,
                                                                "$filter": filter}))


@FUZZ
@given(select=st.none() | listing(SELECT_ORDERS), expand=st.none() | listing(EXPAND_ORDERS),
       filter=st.none() | expression(ORDERS, True, TYPED['Document_SalesOrder']), restricted=st.booleans())
def test_orders_select_and_expand(app, manager, select, expand, filter, restricted):
    send(manager if restricted else app, "Document_SalesOrder?$format=json&$top=5&allowedOnly=true&"
         + query(**{"$select": select, "$expand": expand, "$filter": filter}))


@FUZZ
@given(function=st.sampled_from(["Balance", "Turnovers", "BalanceAndTurnovers"]), condition=expression(STOCK, False, TYPED['AccumulationRegister_Stock_RecordType']),
       dimensions=st.sampled_from(["", "Product", "Warehouse", "Product,Warehouse", "Nope"]),
       filter=st.none() | expression(["Product", "Product_Key", "Product/Description", "QuantityBalance",
                                      "QuantityReceipt", "QuantityTurnover", "Warehouse/Code", "Nope"], False),
       order=st.none() | st.sampled_from(["Product/Description", "QuantityBalance desc", "Warehouse", "Nope"]),
       restricted=st.booleans())
def test_virtual_table_condition(app, manager, function, condition, dimensions, filter, order, restricted):
    params = [f"Condition='{quote(condition.replace(chr(39), chr(39) * 2), safe='')}'"]
    if dimensions:
        params.append(f"Dimensions='{dimensions}'")
    send(manager if restricted else app, f"AccumulationRegister_Stock/{function}({','.join(params)})?$format=json&"
         + query(**{"$filter": filter, "$orderby": order}))
