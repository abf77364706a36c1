"""Registers end to end: posting, record sets, independent records and virtual tables with numbers.

A small scenario is written on top of the seeded sample (new goods that no seeded document
moves), so every balance, turnover and slice below is known exactly; both providers run it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from lxml import etree
from webob import Request

from conftest import D_NS, M_NS, SAMPLE, SERVICE, AsUser, assert_odata_error, seeded_memory_provider
from infobase_odata.middleware import ODataMiddleware

A = "aaaaaaaa-0000-0000-0000-000000000001"
B = "aaaaaaaa-0000-0000-0000-000000000002"
W1 = "00002710-a7b0-11ee-8003-0050569f1c00"  # seed guid("Catalog_Warehouses", 1)
W2 = "00004e20-a7b0-11ee-8003-0050569f1c00"
CUSTOMER = "00002710-a7b0-11ee-8004-0050569f1c00"
R1, R2, O1 = ("bbbbbbbb-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002",
              "cccccccc-0000-0000-0000-000000000001")
STOCK = "AccumulationRegister_Stock"
BOTH = f"Product_Key eq guid'{A}' or Product_Key eq guid'{B}'"


def call(app, path: str, method: str = "GET", body=None, **headers):
    request = Request.blank(SERVICE + path, method=method, headers=headers)
    if body is not None:
        request.body = json.dumps(body).encode("utf-8") if not isinstance(body, bytes) else body
        request.content_type = "application/json"
    return request.get_response(app)


def get_json(app, path: str):
    response = call(app, path + ("&" if "?" in path else "?") + "$format=json")
    assert response.status_code == 200, response.body[:500]
    return json.loads(response.body, parse_float=Decimal)


def vt(app, register: str, function: str, args: str = "", query: str = "") -> list[dict]:
    return get_json(app, f"{register}/{function}({quote(args)}){query}")["value"]


def post(app, document: str, ref: str, action: str = "Post", **headers):
    return call(app, f"{document}(guid'{ref}')/{action}?PostingModeOperational=false", "POST", **headers)


@pytest.fixture(scope="module", params=["sqlite", "memory", "postgresql"])
def app(request, tmp_path_factory, model):
    if request.param == "memory":
        service = AsUser(ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 60), prefix="trade"))
    else:
        database = tmp_path_factory.mktemp("registers") / "trade.db" if request.param == "sqlite" \
            else request.getfixturevalue("pg_server").fresh_url()
        service = AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(database), seed_options="goods=60"))
    for ref, name in ((A, "Register test A"), (B, "Register test B")):
        assert call(service, "Catalog_Goods", "POST", {"Ref_Key": ref, "Description": name, "Kind": "Product",
                                                      "Price": 2}).status_code == 201
    lines = lambda *items: [{"LineNumber": i, "Product_Key": p, "Quantity": q, "Price": 2}  # noqa: E731
                            for i, (p, q) in enumerate(items, 1)]
    for ref, date, warehouse, goods in ((R1, "2025-01-10T12:00:00", W1, lines((A, 10), (B, 5))),
                                        (R2, "2025-02-20T00:00:00", W2, lines((A, 7)))):
        assert call(service, "Document_GoodsReceipt", "POST", {"Ref_Key": ref, "Date": date, "Warehouse_Key": warehouse,
                                                              "Goods": goods}).status_code == 201
    assert call(service, "Document_SalesOrder", "POST", {"Ref_Key": O1, "Date": "2025-02-05T09:00:00",
                                                        "Warehouse_Key": W1, "Customer_Key": CUSTOMER,
                                                        "Goods": lines((A, 3))}).status_code == 201
    for document, ref in (("Document_GoodsReceipt", R1), ("Document_GoodsReceipt", R2), ("Document_SalesOrder", O1)):
        response = post(service, document, ref)
        assert response.status_code == 200 and response.body == b"", response.body
    return service


def balances(app, period: str | None = None, dimensions: str | None = None) -> dict:
    args = [f"Condition='{BOTH}'"]
    if period:
        args.append(f"Period=datetime'{period}'")
    if dimensions:
        args.append(f"Dimensions='{dimensions}'")
    rows = vt(app, STOCK, "Balance", ",".join(args))
    return {(row["Product_Key"], row["Warehouse_Key"]): row["QuantityBalance"] for row in rows}


def test_balance_at_dates_before_between_and_after_movements(app):
    assert balances(app, "2025-01-01T00:00:00") == {}
    assert balances(app, "2025-01-10T12:00:00") == {}  # a movement at P is not in Balance(P)
    assert balances(app, "2025-01-10T12:00:01") == {(A, W1): 10, (B, W1): 5}
    assert balances(app, "2025-02-10T00:00:00") == {(A, W1): 7, (B, W1): 5}
    after = {(A, W1): 7, (A, W2): 7, (B, W1): 5}
    assert balances(app, "2025-03-01T00:00:00") == after
    assert balances(app) == after  # no Period: every movement
    assert balances(app, "2025-03-01T00:00:00", "Product") == {(A, None): 14, (B, None): 5}
    rows = vt(app, STOCK, "Balance", f"Period=datetime'2025-03-01T00:00:00',Dimensions='Warehouse',Condition='{BOTH}'")
    assert {r["Warehouse_Key"]: r["QuantityBalance"] for r in rows} == {W1: 12, W2: 7}
    assert all(r["Product_Key"] is None for r in rows)


def test_balance_json_shape_and_query_string_form(app):
    body = get_json(app, f"{STOCK}/Balance?Period=datetime'2025-03-01T00:00:00'&Condition={quote(BOTH)}"
                         "&$orderby=QuantityBalance desc&$top=2")
    assert body["odata.metadata"].endswith("$metadata#AccumulationRegister_Stock_Balance")
    assert [list(row) for row in body["value"]] == [["Product_Key", "Warehouse_Key", "QuantityBalance"]] * 2
    assert [row["QuantityBalance"] for row in body["value"]] == [7, 7]
    filtered = vt(app, STOCK, "Balance", f"Condition='{BOTH}'", "?$filter=QuantityBalance lt 6")
    assert [(r["Product_Key"], r["QuantityBalance"]) for r in filtered] == [(B, 5)]


def test_condition_with_and_without_doubled_quotes(app):
    plain = f"Condition='Product_Key eq guid'{B}''"
    doubled = f"Condition='Product_Key eq guid''{B}'''"
    for args in (plain, doubled):
        assert [r["QuantityBalance"] for r in vt(app, STOCK, "Balance", args)] == [5]
    assert [r["QuantityBalance"] for r in vt(app, STOCK, "Balance", "", f"?Condition={quote('Product_Key eq guid' + repr(B))}")] == [5]
    by_navigation = vt(app, STOCK, "Balance", "Condition='Product/Description eq ''Register test B'''")
    assert [r["QuantityBalance"] for r in by_navigation] == [5]


def test_turnovers_and_balance_and_turnovers(app):
    rows = vt(app, STOCK, "Turnovers", f"StartPeriod=datetime'2025-02-01T00:00:00',EndPeriod=datetime'2025-02-28T23:59:59',"
                                      f"Condition='{BOTH}'")
    got = {(r["Product_Key"], r["Warehouse_Key"]): (r["QuantityReceipt"], r["QuantityExpense"], r["QuantityTurnover"])
           for r in rows}
    assert got == {(A, W1): (0, 3, -3), (A, W2): (7, 0, 7)}
    assert all(r["Period"] is None and r["Recorder"] is None and r["LineNumber"] is None for r in rows)
    # inclusive bounds: a movement exactly at EndPeriod counts
    at_end = vt(app, STOCK, "Turnovers", f"StartPeriod=datetime'2025-02-20T00:00:00',EndPeriod=datetime'2025-02-20T00:00:00',"
                                        f"Condition='{BOTH}'")
    assert [r["QuantityReceipt"] for r in at_end] == [7]
    rows = vt(app, STOCK, "BalanceAndTurnovers", "StartPeriod=datetime'2025-02-01T00:00:00',"
                                                 f"EndPeriod=datetime'2025-02-28T00:00:00',Condition='{BOTH}'")
    got = {(r["Product_Key"], r["Warehouse_Key"]): (r["QuantityOpeningBalance"], r["QuantityReceipt"],
                                                    r["QuantityExpense"], r["QuantityClosingBalance"]) for r in rows}
    assert got == {(A, W1): (10, 0, 3, 7), (A, W2): (0, 7, 0, 7), (B, W1): (5, 0, 0, 5)}
    sales = vt(app, "AccumulationRegister_Sales", "Turnovers", f"Condition='Product_Key eq guid'{A}''")
    assert [(r["QuantityTurnover"], r["AmountTurnover"], r["Customer_Key"]) for r in sales] == [(3, 6, CUSTOMER)]


def test_opening_plus_receipt_minus_expense_is_closing_over_the_seeded_register(app):
    rows = vt(app, STOCK, "BalanceAndTurnovers", "StartPeriod=datetime'2024-03-01T00:00:00',"
                                                 "EndPeriod=datetime'2024-09-30T00:00:00'")
    assert len(rows) > 50
    for r in rows:
        assert r["QuantityOpeningBalance"] + r["QuantityReceipt"] - r["QuantityExpense"] == r["QuantityClosingBalance"]
        assert r["QuantityReceipt"] - r["QuantityExpense"] == r["QuantityTurnover"]
    opening = {(r["Product_Key"], r["Warehouse_Key"]): r["QuantityBalance"]
               for r in vt(app, STOCK, "Balance", "Period=datetime'2024-03-01T00:00:00'")}
    closing = {(r["Product_Key"], r["Warehouse_Key"]): r["QuantityBalance"]
               for r in vt(app, STOCK, "Balance", "Period=datetime'2024-09-30T00:00:01'")}
    for r in rows:
        key = (r["Product_Key"], r["Warehouse_Key"])
        assert opening.get(key, 0) == r["QuantityOpeningBalance"] and closing.get(key, 0) == r["QuantityClosingBalance"]
    assert sum(1 for b in closing.values() if b < 0) < len(closing) / 10  # receipts precede sales


def test_unpost_and_repost_are_idempotent(app):
    path = f"AccumulationRegister_Stock(Recorder='{O1}',Recorder_Type='StandardODATA.Document_SalesOrder')"
    before = get_json(app, path)
    assert [(r["RecordType"], r["Quantity"], r["Recorder_Type"]) for r in before["RecordSet"]] == [
        ("Expense", 3, "StandardODATA.Document_SalesOrder")]
    assert post(app, "Document_SalesOrder", O1, "Unpost").status_code == 200
    assert get_json(app, path)["RecordSet"] == []
    assert get_json(app, f"Document_SalesOrder(guid'{O1}')")["Posted"] is False
    assert balances(app)[(A, W1)] == 10
    for _ in range(2):
        assert post(app, "Document_SalesOrder", O1).status_code == 200
    again = get_json(app, path)
    assert again["RecordSet"] == before["RecordSet"]
    assert balances(app)[(A, W1)] == 7 and get_json(app, f"Document_SalesOrder(guid'{O1}')")["Posted"] is True
    sales = get_json(app, f"AccumulationRegister_Sales(guid'{O1}')")
    assert sales["odata.metadata"].endswith("#AccumulationRegister_Sales/@Element")
    assert sales["Recorder_Key"] == O1 and [r["LineNumber"] for r in sales["RecordSet"]] == ["1"]


def test_failing_posting_handler_rolls_back(app):
    ref = "cccccccc-0000-0000-0000-0000000000ff"
    assert call(app, "Document_SalesOrder", "POST", {"Ref_Key": ref, "Date": "2025-02-06T00:00:00", "Warehouse_Key": W1,
                                                    "Goods": [{"LineNumber": 1, "Product_Key": A, "Quantity": 1}]}
                ).status_code == 201
    response = post(app, "Document_SalesOrder", ref, **{"Accept": "application/json"})
    assert "покупатель" in assert_odata_error(response, 500, -1)
    assert get_json(app, f"Document_SalesOrder(guid'{ref}')")["Posted"] is False
    assert get_json(app, f"AccumulationRegister_Sales(guid'{ref}')")["RecordSet"] == []
    assert balances(app)[(A, W1)] == 7


def test_action_protocol(app):
    get = call(app, f"Document_SalesOrder(guid'{O1}')/Post", **{"Accept": "application/json"})
    assert_odata_error(get, 405, 19)
    request = Request.blank(SERVICE + f"Document_GoodsReceipt(guid'{R1}')/Post", method="POST")
    assert "CONTENT_LENGTH" not in request.environ or request.environ["CONTENT_LENGTH"] in ("", "0")
    assert request.get_response(app).status_code == 200
    assert post(app, "Document_GoodsReceipt", R1, **{"Content-Length": "0"}).status_code == 200
    missing = post(app, "Document_GoodsReceipt", "dddddddd-0000-0000-0000-000000000000")
    assert_odata_error(missing, 404, 9)
    assert balances(app, "2025-01-10T12:00:01") == {(A, W1): 10, (B, W1): 5}


def test_virtual_table_errors(app):
    assert "EndDate" in assert_odata_error(call(app, f"{STOCK}/Turnovers(EndDate=datetime'2025-01-01T00:00:00')"), 501, 0)
    assert_odata_error(call(app, f"{STOCK}/Turnovers?EndDate=datetime'2025-01-01T00:00:00'"), 501, 0)
    # a function of another kind, or none, on a register: 400 «лишние сегменты» (§1.7)
    assert "лишние сегменты" in assert_odata_error(call(app, "AccumulationRegister_Sales/Balance()"), 400, 6)
    assert_odata_error(call(app, f"{STOCK}/SliceLast()"), 400, 6)
    assert_odata_error(call(app, f"{STOCK}/DrCrTurnovers()"), 400, 6)
    assert_odata_error(call(app, f"{STOCK}/Nope"), 400, 6)
    assert_odata_error(call(app, "Catalog_Goods/Balance()"), 404, 11)  # not a register
    assert_odata_error(call(app, f"{STOCK}/Balance()/Extra"), 400, 6)
    refused = call(app, f"{STOCK}/Balance()", "POST")
    assert_odata_error(refused, 405, 19)
    assert refused.headers["Allow"] == "GET"
    assert_odata_error(call(app, f"{STOCK}/Balance(Dimensions='Nope')"), 400, 14)
    assert_odata_error(call(app, f"{STOCK}/Balance(Condition='Nope eq 1')"), 400, 14)


def test_virtual_table_atom_result(app):
    response = call(app, f"{STOCK}/Balance(Condition='{quote(BOTH)}',Dimensions='Product')")
    assert response.status_code == 200 and response.content_type == "application/xml"
    root = etree.fromstring(response.body)
    assert root.tag == f"{{{D_NS}}}Result"
    elements = root.findall(f"{{{D_NS}}}element")
    assert len(elements) == 2
    first = {etree.QName(c).localname: c for c in elements[0]}
    assert list(first) == ["Product_Key", "Warehouse_Key", "QuantityBalance"]
    assert first["Warehouse_Key"].get(f"{{{M_NS}}}null") == "true"
    assert {e.find(f"{{{D_NS}}}QuantityBalance").text for e in elements} == {"14", "5"}


def test_independent_register_records_and_slices(app):
    prices = "InformationRegister_Prices"
    for period, price in (("2025-01-01T00:00:00", 10), ("2025-03-01T00:00:00", 12)):
        created = call(app, prices, "POST", {"Period": period, "Product_Key": A, "Price": price})
        assert created.status_code == 201, created.body
        assert f"Prices(Period=datetime'{period}',Product_Key=guid'{A}')" in created.headers["Location"]
    duplicate = call(app, prices, "POST", {"Period": "2025-01-01T00:00:00", "Product_Key": A, "Price": 1},
                     Accept="application/json")
    assert_odata_error(duplicate, 409, 15)
    key = f"{prices}(Period=datetime'2025-03-01T00:00:00',Product_Key=guid'{A}')"
    assert get_json(app, key)["Price"] == 12
    patched = call(app, key, "PATCH", {"Price": 12.5})
    assert patched.status_code == 200
    condition = f"Condition='Product_Key eq guid'{A}''"

    def price(function: str, period: str | None):
        args = condition + (f",Period=datetime'{period}'" if period else "")
        return [r["Price"] for r in vt(app, prices, function, args)]

    assert price("SliceLast", "2025-02-15T00:00:00") == [10]
    assert price("SliceLast", "2025-03-01T00:00:00") == [Decimal("12.5")]
    assert price("SliceLast", None) == [Decimal("12.5")]
    assert price("SliceLast", "2024-12-31T00:00:00") == []
    assert price("SliceFirst", "2025-01-02T00:00:00") == [Decimal("12.5")]
    assert price("SliceFirst", None) == [10]
    body = get_json(app, f"{prices}/SliceLast(Period=datetime'2025-02-15T00:00:00')?$filter=Product_Key eq guid'{A}'"
                         "&$expand=Product&$select=Price,Product/Description,Product")
    assert body["value"] == [{"Price": 10, "Product": {"Description": "Register test A"}}]
    assert call(app, key, "DELETE").status_code == 204
    assert price("SliceLast", None) == [10]
    atom = etree.fromstring(call(app, f"{prices}/SliceLast()").body)
    assert etree.QName(atom).localname == "feed" and len(atom.findall("{http://www.w3.org/2005/Atom}entry")) > 10


def test_record_set_patch_replaces_and_records_filter(app):
    ref = "cccccccc-0000-0000-0000-000000000002"
    path = f"AccumulationRegister_Sales(Recorder_Key=guid'{ref}')"
    body = {"odata.type": "StandardODATA.AccumulationRegister_Sales_RowType", "Recorder_Key": ref,
            "RecordSet@odata.type": "Collection(StandardODATA.AccumulationRegister_Sales_RowType)",
            "RecordSet": [{"LineNumber": "1", "Period": "2025-04-01T00:00:00", "Product_Key": B, "Quantity": 2,
                           "Amount": 5, "Active": True},
                          {"LineNumber": "2", "Period": "2025-04-02T00:00:00", "Product_Key": B, "Quantity": 1,
                           "Amount": 3, "Active": False}]}
    response = call(app, path, "PATCH", body)
    assert response.status_code == 200, response.body
    assert [r["Quantity"] for r in json.loads(call(app, path + "?$format=json").body)["RecordSet"]] == [2, 1]
    sales = vt(app, "AccumulationRegister_Sales", "Turnovers", f"Condition='Product_Key eq guid'{B}''")
    assert [(r["QuantityTurnover"], r["AmountTurnover"]) for r in sales] == [(2, 5)]  # inactive left out
    body["RecordSet"] = body["RecordSet"][1:]
    assert call(app, path, "PATCH", body).status_code == 200
    assert vt(app, "AccumulationRegister_Sales", "Turnovers", f"Condition='Product_Key eq guid'{B}''") == []
    records = get_json(app, f"AccumulationRegister_Stock_RecordType?$filter=Recorder eq cast(guid'{O1}','Document_SalesOrder')")
    assert [(r["Recorder"], r["Quantity"]) for r in records["value"]] == [(O1, 3)]
    sets = get_json(app, f"AccumulationRegister_Sales?$filter=Recorder_Key eq guid'{O1}'")
    assert [s["Recorder_Key"] for s in sets["value"]] == [O1]
    assert_odata_error(call(app, "AccumulationRegister_Sales_RecordType", "POST", body), 405, 19)


@pytest.mark.parametrize("register, condition, check", [
    ("AccumulationRegister_Sales", "RecordSet/any(r: r/Quantity gt 10)", lambda rs: any(Decimal(str(r["Quantity"])) > 10 for r in rs)),
    ("AccumulationRegister_Sales", "RecordSet/any()", lambda rs: bool(rs)),
    ("AccumulationRegister_Stock", "RecordSet/all(r: r/Quantity gt 5)", lambda rs: all(Decimal(str(r["Quantity"])) > 5 for r in rs)),
])
def test_record_set_lambdas(app, register, condition, check):
    everything = get_json(app, register)["value"]
    expected = sorted(json.dumps({k: v for k, v in s.items() if k != "RecordSet"}, sort_keys=True)
                      for s in everything if check(s["RecordSet"]))
    matched = get_json(app, f"{register}?$filter=" + quote(condition))["value"]
    assert sorted(json.dumps({k: v for k, v in s.items() if k != "RecordSet"}, sort_keys=True)
                  for s in matched) == expected
    assert expected  # the seed has record sets on both sides of each condition
    assert len(expected) < len(everything) or condition.endswith("any()")


@pytest.mark.parametrize("key", ["Recorder='x',Recorder_Type='Document_SalesOrder'",
                                 "Recorder='00000000-0000-0000-0000-000000000001',Recorder_Type='nope'",
                                 "Recorder='00000000-0000-0000-0000-000000000001'"])
def test_bad_composite_recorder_keys(app, key):
    response = call(app, "AccumulationRegister_Stock(" + quote(key) + ")?$format=json")
    assert_odata_error(response, 400, 7)


@pytest.mark.parametrize("register,function,args,order", [
    (STOCK, "Balance", "Dimensions='Product,Warehouse'", "Product_Key,Warehouse_Key"),
    (STOCK, "Turnovers", "", "Product_Key,Warehouse_Key"),
    (STOCK, "BalanceAndTurnovers", "Dimensions='Product,Warehouse'", "Product_Key desc,Warehouse_Key"),
    ("InformationRegister_Prices", "SliceLast", "", "Product_Key,Period"),
    ("InformationRegister_Prices", "SliceFirst", "", "Product_Key desc,Period"),
])
def test_virtual_table_skip_and_top_slice_the_ordered_result(app, register, function, args, order):
    whole = vt(app, register, function, args, f"?$orderby={quote(order)}")
    assert len(whole) >= 4, whole
    for skip, top in ((1, None), (2, None), (0, 2), (1, 2), (len(whole) - 1, 5), (len(whole), None)):
        query = f"?$orderby={quote(order)}&$skip={skip}" + (f"&$top={top}" if top is not None else "")
        assert vt(app, register, function, args, query) == whole[skip: None if top is None else skip + top], query
