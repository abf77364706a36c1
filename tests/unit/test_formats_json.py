"""JSON light writers (reference §3.4, §9.1): values, flavours, links, expansion, streaming."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from infobase_odata.errors import ODataError
from infobase_odata.formats import json as J
from infobase_odata.shape import Shape, default_shape

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://127.0.0.1:8080/trade/odata/standard.odata/"
REF = "0c1b0d7a-8b27-11e6-80c4-0050569f2e9f"
CUSTOMER = "7e2d6a33-51f8-11e6-80c4-0050569f2e9f"
PRODUCT = "11111111-8b27-11e6-80c4-0050569f2e9f"
NIL = "00000000-0000-0000-0000-000000000000"




def order_row(**changes):
    row = {
        "Ref_Key": REF, "DataVersion": "AAAAAQAAAAA=", "Number": "00-000001",
        "Date": dt.datetime(2016, 12, 26, 16, 0, 52), "DeletionMark": False, "Posted": True,
        "Customer_Key": CUSTOMER, "Warehouse_Key": NIL, "Currency_Key": None,
        "Comment": 'Кавычки "и" \\ слэш', "Total": Decimal("301.00"), "Basis": "",
        "Basis_Type": "StandardODATA.Undefined",
        "Goods": [{"Ref_Key": REF, "LineNumber": 1, "Product_Key": PRODUCT,
                   "Quantity": Decimal("2.000"), "Price": Decimal("150.5"), "Amount": Decimal("301")}],
    }
    row.update(changes)
    return row


@pytest.fixture
def orders(model):
    return default_shape(model.entity_set("Document_SalesOrder"))


def one(shape, row, **kw):
    return json.loads(J.entry(shape, row, base=BASE, **kw))


def test_entry_values_and_metadata(orders):
    body = J.entry(orders, order_row(), base=BASE)
    data = json.loads(body)
    assert data["odata.metadata"] == BASE + "$metadata#Document_SalesOrder/@Element"
    assert list(data)[1:15] == [p.name for p in orders.properties]
    assert data["Date"] == "2016-12-26T16:00:52"
    assert data["Total"] == 301 and b'"Total":301,' in body
    assert data["Currency_Key"] is None
    assert data["Comment"] == 'Кавычки "и" \\ слэш'
    assert "Кавычки".encode() in body  # ensure_ascii=False
    assert data["Basis"] == "" and data["Basis_Type"] == "StandardODATA.Undefined"
    assert data["Goods"] == [{"Ref_Key": REF, "LineNumber": "1", "Product_Key": PRODUCT,
                              "Quantity": 2, "Price": 150.5, "Amount": 301}]
    assert b'"Price":150.5,' in body


@pytest.mark.parametrize("value,text", [
    (Decimal("150.50"), "150.5"), (Decimal("56"), "56"), (Decimal("0.000"), "0"),
    (Decimal("-0.5"), "-0.5"), (Decimal("1E+3"), "1000"), (Decimal("1E-7"), "0.0000001"),
    (Decimal("12345678901234567890123456789.123456789"), "12345678901234567890123456789.123456789"),
    (7, "7"), (0.1, "0.1"), (1e20, "100000000000000000000"),
])
def test_double_without_exponent(orders, value, text):
    body = J.entry(orders, order_row(Total=value), base=BASE)
    assert f'"Total":{text},'.encode() in body
    json.loads(body)


def test_int64_is_a_string_and_int16_a_number(model):
    shape = default_shape(model.entity_set("Constant_CompanyName"))
    assert b'"SurrogateKey":0' in J.entry(shape, {"Value": "ACME", "SurrogateKey": 0}, base=BASE)
    rows = default_shape(model.entity_set("Document_SalesOrder_Goods"))
    data = one(rows, {"Ref_Key": REF, "LineNumber": 12, "Product_Key": NIL, "Quantity": None,
                      "Price": Decimal(1), "Amount": Decimal("0.01")})
    assert data["LineNumber"] == "12"
    assert data["Quantity"] is None
    assert "Product@navigationLinkUrl" not in data


def test_empty_date_and_aware_datetime(orders):
    assert one(orders, order_row(Date=dt.datetime(1, 1, 1)))["Date"] == "0001-01-01T00:00:00"
    aware = dt.datetime(2020, 1, 2, 3, 4, 5, 999, tzinfo=dt.timezone.utc)
    assert one(orders, order_row(Date=aware))["Date"] == "2020-01-02T03:04:05"
    assert one(orders, order_row(Date=dt.date(2020, 1, 2)))["Date"] == "2020-01-02T00:00:00"


def test_navigation_links_only_for_non_empty_references(orders):
    data = one(orders, order_row())
    links = [k for k in data if k.endswith("@navigationLinkUrl")]
    assert links == ["Customer@navigationLinkUrl"]  # Warehouse is nil, Currency is null
    assert data["Customer@navigationLinkUrl"] == f"Document_SalesOrder(guid'{REF}')/Customer"
    assert list(data)[-1] == "Customer@navigationLinkUrl"  # after the properties


def test_feed_with_count(orders):
    body = b"".join(J.feed(orders, [order_row(), order_row(Ref_Key=PRODUCT)], base=BASE, count=19))
    assert body.startswith(b'{"odata.metadata":"' + BASE.encode() + b'$metadata#Document_SalesOrder",'
                           b'"odata.count":"19","value":[{')
    data = json.loads(body)
    assert data["odata.count"] == "19"
    assert [r["Ref_Key"] for r in data["value"]] == [REF, PRODUCT]
    assert "odata.metadata" not in data["value"][0]


def test_empty_feed(orders):
    assert json.loads(b"".join(J.feed(orders, iter(()), base=BASE))) == {
        "odata.metadata": BASE + "$metadata#Document_SalesOrder", "value": []}


def test_nometadata(orders):
    data = json.loads(b"".join(J.feed(orders, [order_row()], base=BASE, flavour="nometadata", count=1)))
    assert list(data) == ["odata.count", "value"]
    assert not any("@" in k for k in data["value"][0])
    single = one(orders, order_row(), flavour="nometadata")
    assert "odata.metadata" not in single and single["Ref_Key"] == REF


def test_fullmetadata(orders):
    data = one(orders, order_row(), flavour="fullmetadata")
    path = f"Document_SalesOrder(guid'{REF}')"
    assert list(data)[:4] == ["odata.metadata", "odata.type", "odata.id", "odata.editLink"]
    assert data["odata.type"] == "StandardODATA.Document_SalesOrder"
    assert data["odata.id"] == BASE + path
    assert data["odata.editLink"] == path
    assert data["Customer@odata.navigationLinkUrl"] == path + "/Customer"
    assert "Customer@navigationLinkUrl" not in data


def test_unknown_flavour(orders):
    with pytest.raises(ValueError):
        J.entry(orders, order_row(), base=BASE, flavour="verbose")


def test_missing_values_read_as_null(orders):
    row = order_row()
    del row["Comment"], row["Goods"]
    data = one(orders, row)
    assert data["Comment"] is None and data["Goods"] == []


def test_tabular_section_null_is_empty_list(orders):
    assert one(orders, order_row(Goods=None))["Goods"] == []
    assert one(orders, order_row(Goods=[]))["Goods"] == []


def test_selected_row_properties(model):
    entity_set = model.entity_set("Document_SalesOrder")
    goods = entity_set.entity_type.property("Goods")
    row_props = [goods.row_type.property("LineNumber"), goods.row_type.property("Amount")]
    shape = Shape(entity_set, [entity_set.entity_type.property("Ref_Key"), goods], [],
                  row_properties={"Goods": row_props})
    assert one(shape, order_row()) == {
        "odata.metadata": BASE + "$metadata#Document_SalesOrder/@Element",
        "Ref_Key": REF, "Goods": [{"LineNumber": "1", "Amount": 301}]}


def test_presentations(model):
    entity_set = model.entity_set("Catalog_Goods")
    shape = Shape(entity_set, [entity_set.entity_type.property("Ref_Key")], [],
                  presentations=["Unit____Presentation", "Presentation"])
    data = one(shape, {"Ref_Key": REF, "Unit____Presentation": "шт", "Presentation": None})
    assert list(data)[1:] == ["Ref_Key", "Unit____Presentation", "Presentation"]
    assert data["Unit____Presentation"] == "шт" and data["Presentation"] == ""


def test_expanded(model):
    orders_set = model.entity_set("Document_SalesOrder")
    customers = default_shape(model.entity_set("Catalog_Counterparties"))
    currencies = default_shape(model.entity_set("Catalog_Валюты"))
    shape = default_shape(orders_set)
    shape.expanded = {"Customer": customers, "Currency": currencies}
    customer = {"Ref_Key": CUSTOMER, "Predefined": False, "PredefinedDataName": "", "DataVersion": "x",
                "Description": "ООО", "Code": "1", "DeletionMark": False, "INN": "77", "Manager_Key": NIL}
    data = one(shape, order_row(Customer=customer, Currency=None))
    assert data["Customer"]["Description"] == "ООО"
    assert data["Currency"] is None
    assert "Customer@navigationLinkUrl" not in data


def test_service_document(model):
    data = json.loads(J.service_document(model, BASE))
    assert data["odata.metadata"] == BASE + "$metadata"
    assert data["value"][0] == {"name": "Catalog_Units", "url": "Catalog_Units"}
    assert [v["name"] for v in data["value"]] == list(model.entity_sets)


def test_error():
    error = ODataError.not_found("Документ")
    error.message = error.localized("ru")  # the service localizes before the writer runs
    body = J.error(error)
    assert json.loads(body) == {"odata.error": {"code": "9", "message": {
        "lang": "ru", "value": 'Экземпляр сущности "Документ" не найден по переданному ключу.'}}}
    assert body.startswith(b'{"odata.error":{"code":"9","message":{"lang":"ru","value":')
    assert json.loads(J.error(ODataError(None, "stale")))["odata.error"]["code"] == ""
    assert json.loads(J.error(ODataError(-1, "bad \ud800 surrogate")))  # still valid UTF-8


def test_property_value(model):
    entity_set = model.entity_set("Document_SalesOrder")
    prop = entity_set.entity_type.property
    assert json.loads(J.property_value(entity_set, prop("Comment"), "текст", base=BASE)) == {
        "odata.metadata": BASE + "$metadata#Edm.String", "value": "текст"}
    assert json.loads(J.property_value(entity_set, prop("Total"), Decimal("1.50"), base=BASE))["value"] == 1.5
    assert json.loads(J.property_value(entity_set, prop("Currency_Key"), None, base=BASE))["value"] is None
    goods = json.loads(J.property_value(entity_set, prop("Goods"), order_row()["Goods"], base=BASE))
    assert goods["odata.metadata"] == BASE + "$metadata#Collection(StandardODATA.Document_SalesOrder_Goods_RowType)"
    assert goods["value"][0]["LineNumber"] == "1"
    assert json.loads(J.property_value(entity_set, prop("Number"), "1", base=BASE, flavour="nometadata")) == {"value": "1"}


def test_feed_streams(orders):
    consumed = 0

    def rows():
        nonlocal consumed
        for i in range(100_000):
            consumed += 1
            yield order_row(LineNumber=i)

    chunks = J.feed(orders, rows(), base=BASE)
    first = next(chunks)
    assert consumed < 1000 and first.startswith(b'{"odata.metadata"')
    total = len(first)
    largest = len(first)
    for chunk in chunks:
        total += len(chunk)
        largest = max(largest, len(chunk))
    assert consumed == 100_000
    assert largest < 200_000 < total


def test_writer_cached_on_shape(orders):
    assert J.writer_for(orders, "minimal", BASE) is J.writer_for(orders, "minimal", BASE)
    assert J.writer_for(orders, "minimal", BASE) is not J.writer_for(orders, "fullmetadata", BASE)


def test_feed_is_valid_json_for_every_row_count_around_chunk_boundaries(model):
    import json as std_json

    from infobase_odata.formats import json as json_format
    from infobase_odata.shape import default_shape

    shape = default_shape(model.entity_set("Catalog_Units"))
    row = {"Ref_Key": "00000000-0000-0000-0000-000000000001", "Description": "шт", "Code": "1"}
    for count in (0, 1, 63, 64, 65, 128, 129):
        body = b"".join(json_format.feed(shape, [row] * count, base="http://h/"))
        assert len(std_json.loads(body)["value"]) == count
