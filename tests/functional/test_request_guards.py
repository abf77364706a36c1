"""Requests that used to end in 500 or behave unlike 1C: bare navigation properties, nesting
beyond the database's limits, function-argument and register-function codes, exact ``Allow``
headers, the empty ``Post`` answer, and the cross-site request forgery guard (csrf.py), tested
with the headers a browser really sends."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from webob import Request

from infobase_odata.middleware import ODataMiddleware
from tests.conftest import SAMPLE, SERVICE, AsUser, assert_odata_error

G = "00000000-0000-0000-0000-000000000000"
GOOD = "00002710-a7b0-11ee-8002-0050569f1c00"
ORDER = "00002710-a7b0-11ee-8007-0050569f1c00"


def get(app, path: str, method: str = "GET", body: bytes | None = None, **headers):
    request = Request.blank(SERVICE + path, method=method, headers=headers)
    if body is not None:
        request.body = body
    return request.get_response(app)


def nested_any(levels: int) -> str:
    text = "true"
    for level in reversed(range(levels)):
        text = f"Goods/any(d{level}: d{level}/Product/Description eq 'x' or {text})"
    return text


# --- 400 instead of 500 --------------------------------------------------------------------------

@pytest.mark.parametrize("path,name", [
    (f"Catalog_Goods?$filter=Unit eq guid'{G}'", "Unit"),
    ("Catalog_Goods?$filter=Unit eq null", "Unit"),
    ("Catalog_Goods?$filter=Unit ne Parent", "Unit"),
    ("Catalog_Goods?$orderby=Unit", "Unit"),
    ("Catalog_Goods?$orderby=Description,Parent/Unit desc", "Unit"),
    (f"Document_SalesOrder?$filter=Goods/any(d: d/Product eq guid'{G}')", "Product"),
    ("AccumulationRegister_Stock/Balance()?$filter=Product eq null", "Product"),
    (f"AccumulationRegister_Stock/Balance(Condition='Product eq guid''{G}''')", "Product"),
])
def test_bare_navigation_property_is_code_14_naming_the_key(sample_app, path, name):
    message = assert_odata_error(get(sample_app, path.replace(" ", "%20") + "&$format=json"
                                     if "?" in path else path + "?$format=json"), 400, 14)
    assert f"{name}_Key" in message


def test_a_navigation_property_still_casts(sample_app):
    """§5.2 cast chains: a reference followed by cast(…) keeps working (as its X_Key)."""
    text = "cast(Customer,'Catalog_Counterparties')/Description ne 'x' and isof(Warehouse,'Catalog_Warehouses')"
    response = get(sample_app, "Document_SalesOrder?$format=json&$top=3&$filter=" + quote(text))
    assert response.status_code == 200 and json.loads(response.body)["value"]


@pytest.mark.parametrize("path", [
    "Document_SalesOrder?$filter=" + quote(nested_any(5)),
    "Document_SalesOrder?$filter=" + quote(nested_any(50)),
    "Document_SalesOrder?$orderby=" + quote("cast(cast(cast(cast(cast(Basis,'Document_GoodsReceipt')/Ref_Key,"
                                            "'Document_GoodsReceipt')/Ref_Key,'Document_GoodsReceipt')/Ref_Key,"
                                            "'Document_GoodsReceipt')/Ref_Key,'Document_GoodsReceipt')/Number"),
])
def test_nesting_beyond_the_limits_is_code_14(sample_app, path):
    assert_odata_error(get(sample_app, path + ("&" if "?" in path else "?") + "$format=json"), 400, 14)


@pytest.mark.parametrize("path", [
    "Catalog_Goods?$filter=" + quote("substring(" * 60 + "Description" + ",1)" * 60 + " eq ''"),
    "Catalog_Goods?$filter=" + quote("(Price add " * 45 + "1" + ")" * 45 + " eq 1"),
    "AccumulationRegister_Stock/Balance(Condition='" + quote(" or ".join(["Product/Description eq ''x''"] * 250)) + "')",
])
def test_statements_beyond_the_databases_limits_are_code_14(writable, path):
    """Not refused by validation: SQLite's own limit (parser stack, expression depth) is 400
    code 14 too (providers/sqlconn.py translate)."""
    assert_odata_error(get(writable, path + ("&" if "?" in path else "?") + "$format=json"), 400, 14)


def test_lambda_depth_is_a_setting(tmp_path):
    deep = "Document_SalesOrder?$format=json&$top=1&$filter=" + quote(nested_any(3))
    strict = AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(tmp_path / "t.db"),
                                    seed_options="goods=20", max_lambda_depth=2))
    assert "глубже 2 уровней" in assert_odata_error(get(strict, deep), 400, 14)
    lenient = AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(tmp_path / "t.db"),
                                     seed_options="goods=20", max_lambda_depth=3))
    assert get(lenient, deep).status_code == 200


@pytest.mark.parametrize("path", [
    "Catalog_Goods?$filter=substringof('a')",
    "Catalog_Goods?$filter=startswith(Price,'1')",
    "Catalog_Goods?$filter=year(Description) eq 1",
    "Catalog_Goods?$filter=cast(Description,'Catalog_Nope') eq 'x'",
])
def test_wrong_function_arguments_are_code_21(sample_app, path):
    assert_odata_error(get(sample_app, path.replace(" ", "%20") + "&$format=json"), 400, 21)


# --- Allow and Post ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def writable(tmp_path_factory):
    database = tmp_path_factory.mktemp("guards") / "trade.db"
    return AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(database), seed_options="goods=30"))


RESOURCES = [
    "", "$metadata", "Catalog_Goods", "Catalog_Goods/$count", "Catalog_Goods({goods})",
    "Catalog_Goods({goods})/Description", "Catalog_Goods({goods})/Description/$value",
    "Constant_CompanyName", "Constant_CompanyName(0)", "Document_SalesOrder_Goods",
    "Document_SalesOrder_Goods(Ref_Key={order},LineNumber=1)", "AccumulationRegister_Stock",
    f"AccumulationRegister_Stock(Recorder='{G}',Recorder_Type='StandardODATA.Document_GoodsReceipt')",
    "AccumulationRegister_Stock/Balance()", "AccumulationRegister_Stock_RecordType",
    "AccumulationRegister_Sales", "InformationRegister_Prices", f"Document_SalesOrder(guid'{G}')/Post",
]
METHODS = ("GET", "POST", "PATCH", "MERGE", "PUT", "DELETE")


@pytest.mark.parametrize("path", RESOURCES)
def test_allow_lists_exactly_the_methods_a_resource_accepts(writable, path):
    """Every 405 carries the same Allow; no method it lists is answered 405 (bodies are empty
    JSON objects and keys do not exist, so nothing is changed)."""
    keys = {name: "guid'" + json.loads(get(writable, f"{name}?$top=1&$format=json").body)["value"][0]["Ref_Key"] + "'"
            for name in ("Catalog_Goods", "Document_SalesOrder")}
    path = path.replace("{goods}", keys["Catalog_Goods"]).replace("{order}", keys["Document_SalesOrder"])
    probe = get(writable, path + "?$format=json", "FOO")
    assert_odata_error(probe, 405, 19)
    allowed = probe.headers["Allow"].split(", ")
    assert set(allowed) <= set(METHODS)
    for method in METHODS:
        body = b"{}" if method in ("POST", "PATCH", "MERGE", "PUT") else None
        headers = {"Content-Type": "application/json"} if body else {}
        response = get(writable, path + "?$format=json", method, body, **headers)
        if method in allowed:
            assert response.status_code != 405, (method, response.body[:300])
        elif method == "POST" and path == "Document_SalesOrder_Goods":
            assert_odata_error(response, 400, 13)  # as 1C: rows are created through the owner
        else:
            assert_odata_error(response, 405, 19)
            assert response.headers["Allow"] == probe.headers["Allow"], method


def test_post_to_a_turnover_register_lists_get_only(writable):
    response = get(writable, "AccumulationRegister_Sales?$format=json", "POST", b"{}",
                   **{"Content-Type": "application/json"})
    assert_odata_error(response, 405, 19)
    assert response.headers["Allow"] == "GET"


def test_post_and_unpost_answer_an_empty_body_without_a_content_type(writable):
    for action in ("Post", "Unpost"):
        response = get(writable, f"Document_SalesOrder(guid'{ORDER}')/{action}?PostingModeOperational=false", "POST")
        assert response.status_code == 200 and response.body == b""
        assert "Content-Type" not in response.headers


# --- cross-site request forgery ------------------------------------------------------------------

# What Chrome sends for fetch(url, {method: "POST", body: "...", credentials: "include"}) from a
# page on https://evil.example (no preflight: text/plain is a "simple" content type).
BROWSER = {
    "Accept": "*/*", "Accept-Language": "en-US,en;q=0.9", "Cache-Control": "no-cache",
    "Origin": "https://evil.example", "Referer": "https://evil.example/",
    "Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": "cross-site",
    "sec-ch-ua-platform": '"Linux"',
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
}
NEW_UNIT = json.dumps({"Description": "csrf"}).encode()


def units(app) -> int:
    return int(get(app, "Catalog_Units/$count").body)


@pytest.mark.parametrize("content_type", [
    "text/plain;charset=UTF-8", "text/plain", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=----WebKitFormBoundaryx8Gq2Zb7x5vS5J6a",
])
def test_simple_content_types_are_415(writable, content_type):
    before = units(writable)
    # even without browser headers: these bodies are never JSON or Atom a client meant to send
    response = get(writable, "Catalog_Units?$format=json", "POST", NEW_UNIT, **{"Content-Type": content_type})
    assert_odata_error(response, 415, 3)
    browser = get(writable, "Catalog_Units?$format=json", "POST", NEW_UNIT,
                  **{**BROWSER, "Sec-Fetch-Site": "same-origin", "Origin": "http://localhost",
                     "Content-Type": content_type})
    assert_odata_error(browser, 415, 3)
    assert units(writable) == before


@pytest.mark.parametrize("method,path,body", [
    ("POST", "Catalog_Units", NEW_UNIT),
    ("PATCH", "Catalog_Units(guid'00002710-a7b0-11ee-8001-0050569f1c00')", NEW_UNIT),
    ("DELETE", "Catalog_Units(guid'00002710-a7b0-11ee-8001-0050569f1c00')", None),
    ("POST", f"Document_SalesOrder(guid'{ORDER}')/Post", b""),
    ("POST", f"Document_SalesOrder(guid'{ORDER}')/Unpost", None),
])
@pytest.mark.parametrize("headers", [
    {**BROWSER, "Content-Type": "application/json"},  # an Origin of another site
    {**{k: v for k, v in BROWSER.items() if k != "Sec-Fetch-Site"}, "Content-Type": "application/json"},
    {**{k: v for k, v in BROWSER.items() if k not in ("Origin", "Referer")}, "Content-Type": "application/json"},
    {"Origin": "null", "Content-Type": "application/json"},  # sandboxed frame, file: page
    {"Origin": "http://localhost.evil.example", "Content-Type": "application/json"},
    {"Origin": "http://localhost:8081", "Content-Type": "application/json"},
], ids=["cross-site", "origin-only", "sec-fetch-only", "null-origin", "suffix-host", "other-port"])
def test_cross_site_state_changes_are_403(writable, method, path, body, headers):
    before = get(writable, f"Catalog_Units?$format=json").body, get(writable, f"Document_SalesOrder(guid'{ORDER}')?$format=json").body
    message = assert_odata_error(get(writable, path + "?$format=json", method, body, **headers), 403, 20)
    assert "Недостаточно прав: " in message
    assert (get(writable, f"Catalog_Units?$format=json").body,
            get(writable, f"Document_SalesOrder(guid'{ORDER}')?$format=json").body) == before


def test_same_origin_browsers_and_plain_clients_keep_working(writable):
    same = {**BROWSER, "Origin": "http://localhost", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors",
            "Content-Type": "application/json"}
    created = get(writable, "Catalog_Units?$format=json", "POST", NEW_UNIT, **same)
    assert created.status_code == 201
    key = json.loads(created.body)["Ref_Key"]
    # a GET from anywhere is not state-changing
    assert get(writable, "Catalog_Units?$format=json", **BROWSER).status_code == 200
    # the stdlib WSGI server reports a missing Content-Type as text/plain: body-less requests pass
    assert get(writable, f"Document_SalesOrder(guid'{ORDER}')/Post?PostingModeOperational=false", "POST",
               b"", **{"Content-Type": "text/plain", "Content-Length": "0"}).status_code == 200
    assert get(writable, f"Catalog_Units(guid'{key}')", "DELETE", None,
               **{"Content-Type": "text/plain"}).status_code == 204


def test_allowed_origins_setting(tmp_path):
    app = AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(tmp_path / "t.db"), seed_options="goods=20",
                                 allowed_origins="https://portal.example https://other.example:8443"))
    headers = {**BROWSER, "Sec-Fetch-Site": "same-site", "Content-Type": "application/json"}
    for origin, status in (("https://portal.example", 201), ("https://portal.example:443", 201),
                           ("https://other.example:8443", 201), ("https://other.example", 403),
                           ("http://portal.example", 403), ("https://evil.example", 403)):
        response = get(app, "Catalog_Units?$format=json", "POST", NEW_UNIT, **{**headers, "Origin": origin})
        assert response.status_code == status, origin
