"""The write path (§8) in JSON and Atom, on both providers: create, update, replace, delete,
optimistic locking, tabular sections, constants, business logic and bad bodies."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from lxml import etree
from webob import Request

from infobase_odata.middleware import ODataMiddleware
from tests.conftest import ATOM_NS, D_NS, M_NS, SAMPLE, SERVICE, AsUser, assert_odata_error, seeded_memory_provider

NIL = "00000000-0000-0000-0000-000000000000"
CURRENCIES = quote("Catalog_Валюты")


@pytest.fixture(params=["sqlite", "memory", "postgresql"])
def app(request, tmp_path, model):
    if request.param == "memory":
        return AsUser(ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 40), prefix="trade"))
    database = request.getfixturevalue("pg_server").fresh_url() if request.param == "postgresql" \
        else str(tmp_path / "w.db")
    return AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=database, seed_options="goods=40"))


def call(app, method: str, path: str, body=None, *, fmt: str = "json", **headers):
    if fmt == "json":
        headers.setdefault("Accept", "application/json")
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
    elif body is not None:
        headers.setdefault("Content-Type", "application/atom+xml")
    request = Request.blank(SERVICE + path, method=method, headers=headers)
    if body is not None:
        request.body = body
    response = request.get_response(app)
    assert response.headers["DataServiceVersion"] == "3.0"
    for _name, value in response.headerlist:
        value.encode("ascii")
    return response


def payload(response):
    return json.loads(response.body, parse_float=Decimal)


def first(app, set_name: str, query: str = "") -> dict:
    return payload(call(app, "GET", f"{set_name}?$top=1{query}"))["value"][0]


def atom_entry(properties: str, term: str) -> bytes:
    return (f'<entry xmlns="{ATOM_NS}" xmlns:d="{D_NS}" xmlns:m="{M_NS}">'
            f'<category term="StandardODATA.{term}" scheme="http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"/>'
            f'<content type="application/xml"><m:properties>{properties}</m:properties></content></entry>').encode()


def test_create_json_with_cyrillic_names(app):
    response = call(app, "POST", CURRENCIES, {"Code": "156", "Description": "юань",
                                              "ПолноеНаименование": "Китайский юань", "Неизвестное": 1})
    assert response.status_code == 201, response.body
    created = payload(response)
    assert created["odata.metadata"].endswith("#Catalog_Валюты/@Element")
    assert created["ПолноеНаименование"] == "Китайский юань"
    assert created["DataVersion"]
    location = response.headers["Location"]
    assert location == "http://localhost" + SERVICE + CURRENCIES + quote(f"(guid'{created['Ref_Key']}')", safe="()'")
    again = payload(call(app, "GET", location.split(SERVICE, 1)[1]))
    assert again["Description"] == "юань"


def test_create_atom(app):
    body = atom_entry("<d:Code>392</d:Code><d:Description>иена</d:Description>"
                      "<d:ПолноеНаименование>Японская иена</d:ПолноеНаименование>", "Catalog_Валюты")
    response = call(app, "POST", CURRENCIES, body, fmt="atom")
    assert response.status_code == 201, response.body
    assert response.headers["Content-Type"].startswith("application/atom+xml;type=entry")
    entry = etree.fromstring(response.body)
    assert entry.findtext(f".//{{{D_NS}}}ПолноеНаименование") == "Японская иена"


def test_client_ref_key_is_kept_and_duplicates_refused(app):
    ref = "41aa6331-954f-11e3-814b-005056c00008"
    created = call(app, "POST", "Catalog_Units", {"Ref_Key": ref, "Description": "пара"})
    assert created.status_code == 201 and payload(created)["Ref_Key"] == ref
    duplicate = call(app, "POST", "Catalog_Units", {"Ref_Key": ref, "Description": "другая"})
    assert_odata_error(duplicate, 409, 15)
    assert payload(call(app, "GET", f"Catalog_Units(guid'{ref}')"))["Description"] == "пара"


def test_code_is_assigned_when_empty(app):
    codes = [payload(call(app, "POST", "Catalog_Units", {"Description": f"u{i}"}))["Code"] for i in range(2)]
    assert all(len(code) == 9 and code.isdigit() for code in codes)
    assert int(codes[1]) == int(codes[0]) + 1


@pytest.mark.parametrize("body, name", [
    ({"Description": "x" * 101}, "Description"),
    ({"Price": "abc"}, "Price"),
    ({"Price": 12345678901234.5}, "Price"),
    ({"Unit_Key": "not-a-guid"}, "Unit_Key"),
    ({"Kind": "Gadget"}, "Kind"),
    ({"Article": 5}, "Article"),
])
def test_bad_property_values_are_400_code_4_naming_the_property(app, body, name):
    before = int(call(app, "GET", "Catalog_Goods/$count").body)
    message = assert_odata_error(call(app, "POST", "Catalog_Goods", body), 400, 4)
    assert name in message
    assert int(call(app, "GET", "Catalog_Goods/$count").body) == before


def test_document_with_tabular_section_runs_business_logic(app):
    customer = first(app, "Catalog_Counterparties")["Ref_Key"]
    products = [g["Ref_Key"] for g in payload(call(app, "GET", "Catalog_Goods?$top=2&$filter=IsFolder eq false"))["value"]]
    body = {"Date": "2024-05-01T10:00:00", "Customer_Key": customer, "Comment": "Заказ из интернет-магазина",
            "Goods@odata.type": "Collection(StandardODATA.Document_SalesOrder_Goods_RowType)",
            "Goods": [{"LineNumber": "1", "Product_Key": products[0], "Quantity": 2, "Price": 150.5},
                      {"LineNumber": 2, "Product_Key": products[1], "Quantity": "1.5", "Price": 10}]}
    response = call(app, "POST", "Document_SalesOrder", body)
    assert response.status_code == 201, response.body
    order = payload(response)
    assert [line["Amount"] for line in order["Goods"]] == [Decimal("301"), Decimal("15")]
    assert order["Total"] == Decimal("316")
    assert order["Number"] and order["Posted"] is False
    rows = payload(call(app, "GET", f"Document_SalesOrder_Goods?$filter=Ref_Key eq guid'{order['Ref_Key']}'"))
    assert len(rows["value"]) == 2


def test_patch_merges_and_returns_200_with_entity(app):
    unit = first(app, "Catalog_Units")
    response = call(app, "PATCH", f"Catalog_Units(guid'{unit['Ref_Key']}')", {"FullName": "Штука (шт.)"})
    assert response.status_code == 200, response.body
    changed = payload(response)
    assert changed["FullName"] == "Штука (шт.)" and changed["Description"] == unit["Description"]
    assert changed["DataVersion"] != unit["DataVersion"]
    same = payload(call(app, "PATCH", f"Catalog_Units(guid'{unit['Ref_Key']}')", {"FullName": "Штука (шт.)"}))
    assert same["DataVersion"] == changed["DataVersion"]  # nothing changed, no new version


def test_if_match(app):
    unit = first(app, "Catalog_Units")
    url = f"Catalog_Units(guid'{unit['Ref_Key']}')"
    fresh = call(app, "PATCH", url, {"FullName": "A"}, **{"If-Match": unit["DataVersion"]})
    assert fresh.status_code == 200
    stale = call(app, "PATCH", url, {"FullName": "B"}, **{"If-Match": unit["DataVersion"]})
    assert_odata_error(stale, 412, None)
    assert payload(call(app, "GET", url))["FullName"] == "A"
    quoted = call(app, "PATCH", url, {"FullName": "C"}, **{"If-Match": f'"{payload(fresh)["DataVersion"]}"'})
    assert quoted.status_code == 200
    stale_delete = call(app, "DELETE", url, **{"If-Match": unit["DataVersion"]})
    assert_odata_error(stale_delete, 412, None)
    assert call(app, "GET", url).status_code == 200


def test_put_replaces_and_accepts_odata_bind(app):
    goods = payload(call(app, "GET", "Catalog_Goods?$top=5&$filter=IsFolder eq false"))["value"]
    item = next(g for g in goods if g["Article"])
    unit = first(app, "Catalog_Units", "&$orderby=Code desc")
    body = {"Description": "Новое описание", "Unit@odata.bind": f"Catalog_Units(guid'{unit['Ref_Key']}')"}
    response = call(app, "PUT", f"Catalog_Goods(guid'{item['Ref_Key']}')", body)
    assert response.status_code == 200, response.body
    replaced = payload(response)
    assert replaced["Description"] == "Новое описание"
    assert replaced["Unit_Key"] == unit["Ref_Key"]
    assert replaced["Article"] == "" and replaced["Price"] == 0  # missing properties emptied


def test_tabular_section_is_replaced_whole(app):
    order = first(app, "Document_SalesOrder")
    line = order["Goods"][0]
    url = f"Document_SalesOrder(guid'{order['Ref_Key']}')"
    response = call(app, "PATCH", url, {"Goods": [{**{k: v for k, v in line.items() if k != "Ref_Key"},
                                                  "LineNumber": 1, "Quantity": 3}]})
    assert response.status_code == 200, response.body
    changed = payload(response)
    assert len(changed["Goods"]) == 1 and changed["Goods"][0]["Quantity"] == 3
    missing = call(app, "PATCH", url, {"Comment": "x", "Goods": [{"Quantity": 1}]})
    assert "LineNumber" in assert_odata_error(missing, 400, 4)
    assert payload(call(app, "GET", url))["Comment"] == changed["Comment"]


def test_deletion_mark_and_physical_delete(app):
    created = payload(call(app, "POST", "Catalog_Units", {"Description": "временная"}))
    url = f"Catalog_Units(guid'{created['Ref_Key']}')"
    marked = payload(call(app, "PATCH", url, {"DeletionMark": True}))
    assert marked["DeletionMark"] is True
    deleted = call(app, "DELETE", url)
    assert deleted.status_code == 204
    assert_odata_error(call(app, "GET", url), 404, 9)
    assert_odata_error(call(app, "DELETE", url), 404, 9)


def test_merge_and_x_http_method(app):
    unit = first(app, "Catalog_Units")
    url = f"Catalog_Units(guid'{unit['Ref_Key']}')"
    assert call(app, "MERGE", url, {"FullName": "M"}).status_code == 200
    assert call(app, "POST", url, {"FullName": "T"}, **{"X-HTTP-Method": "MERGE"}).status_code == 200
    assert payload(call(app, "GET", url))["FullName"] == "T"


def test_writes_to_tabular_section_sets_are_refused(app):
    assert_odata_error(call(app, "POST", "Document_SalesOrder_Goods", {"LineNumber": 1}), 400, 13)
    order = first(app, "Document_SalesOrder")
    url = f"Document_SalesOrder_Goods(Ref_Key=guid'{order['Ref_Key']}',LineNumber=1)"
    assert_odata_error(call(app, "PATCH", url, {"Quantity": 1}), 405, 19)


@pytest.mark.parametrize("suffix", ["", "(0)", "(SurrogateKey=0)", f"(guid'{NIL}')"])
def test_constant_patch_forms(app, suffix):
    response = call(app, "PATCH", "Constant_CompanyName" + suffix, {"Value": "АО «Лютик» " + suffix})
    assert response.status_code == 200, response.body
    assert payload(call(app, "GET", "Constant_CompanyName(0)"))["Value"] == "АО «Лютик» " + suffix


def test_handler_refusal_rolls_back_and_answers_500_with_its_message(app):
    item = first(app, "Catalog_Goods", "&$filter=IsFolder eq false")
    url = f"Catalog_Goods(guid'{item['Ref_Key']}')"
    refused = call(app, "PATCH", url, {"Price": -1, "Description": "не сохранится"})
    assert "Цена не может быть отрицательной" in assert_odata_error(refused, 500, -1)
    assert payload(call(app, "GET", url))["Description"] == item["Description"]
    loaded = call(app, "PATCH", url, {"Price": -1}, **{"1C_OData-DataLoadMode": "true"})
    assert loaded.status_code == 200 and payload(loaded)["Price"] == -1


def test_before_delete_refusal(app):
    ruble = payload(call(app, "GET", CURRENCIES + "?$filter=Code eq '643'"))["value"][0]
    response = call(app, "DELETE", CURRENCIES + f"(guid'{ruble['Ref_Key']}')")
    assert "удалять нельзя" in assert_odata_error(response, 500, -1)
    assert call(app, "GET", CURRENCIES + f"(guid'{ruble['Ref_Key']}')").status_code == 200


@pytest.mark.parametrize("body, content_type, status, code", [
    (b"{not json", "application/json", 400, 2),
    (b'{"Description": NaN}', "application/json", 400, 2),
    (b"[1, 2]", "application/json", 400, 2),
    (b"\xff\xfe", "application/json", 400, 2),
    (b"[" * 100000, "application/json", 400, 2),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><entry/>', "application/atom+xml", 400, 2),
    (b"", "application/json", 400, 2),
    (b"a=b", "application/x-www-form-urlencoded", 415, 3),
])
def test_bad_bodies(app, body, content_type, status, code):
    response = call(app, "POST", "Catalog_Units", body, **{"Content-Type": content_type})
    assert_odata_error(response, status, code)


def test_body_size_limit_is_413_before_parsing(tmp_path):
    small = AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(tmp_path / "s.db"), seed_options="goods=5",
                                   max_body_bytes=1000))
    response = call(small, "POST", "Catalog_Units", {"Description": "x" * 2000})
    assert_odata_error(response, 413, 2)


# --- the same writes with Atom bodies and Atom answers -------------------------------------------

def atom_properties(response) -> dict:
    entry = etree.fromstring(response.body)
    properties = entry.find(f"{{{ATOM_NS}}}content/{{{M_NS}}}properties")
    return {etree.QName(e).localname: e for e in properties}


def test_atom_patch_put_and_if_match(app):
    currency = payload(call(app, "GET", CURRENCIES + "?$filter=Code eq '840'"))["value"][0]
    url = CURRENCIES + f"(guid'{currency['Ref_Key']}')"
    body = atom_entry("<d:ПолноеНаименование>Доллар США (изм.)</d:ПолноеНаименование>", "Catalog_Валюты")
    patched = call(app, "PATCH", url, body, fmt="atom", **{"If-Match": currency["DataVersion"]})
    assert patched.status_code == 200, patched.body
    assert patched.headers["Content-Type"].startswith("application/atom+xml;type=entry")
    props = atom_properties(patched)
    assert props["ПолноеНаименование"].text == "Доллар США (изм.)"
    assert props["Description"].text == currency["Description"]
    stale = call(app, "PATCH", url, body, fmt="atom", **{"If-Match": currency["DataVersion"]})
    assert_odata_error(stale, 412, None)
    assert stale.headers["Content-Type"].startswith("application/xml")
    replaced = call(app, "PUT", url, atom_entry("<d:Code>840</d:Code><d:Description>USD</d:Description>",
                                                "Catalog_Валюты"), fmt="atom")
    assert replaced.status_code == 200
    assert atom_properties(replaced)["ПолноеНаименование"].text is None  # emptied by PUT


def test_atom_tabular_section_and_bad_values(app):
    order = first(app, "Document_SalesOrder")
    product = order["Goods"][0]["Product_Key"]
    rows = (f'<d:Goods m:type="Collection(StandardODATA.Document_SalesOrder_Goods_RowType)">'
            f'<d:element><d:LineNumber>1</d:LineNumber><d:Product_Key>{product}</d:Product_Key>'
            f'<d:Quantity>4</d:Quantity><d:Price>2.5</d:Price></d:element></d:Goods>')
    url = f"Document_SalesOrder(guid'{order['Ref_Key']}')"
    response = call(app, "PATCH", url, atom_entry(f"<d:Comment>Атом</d:Comment>{rows}", "Document_SalesOrder"),
                    fmt="atom")
    assert response.status_code == 200, response.body
    lines = atom_properties(response)["Goods"]
    assert len(lines) == 1 and lines[0].find(f"{{{D_NS}}}Amount").text == "10"  # the handler computed it
    bad = call(app, "PATCH", url, atom_entry("<d:Total>not a number</d:Total>", "Document_SalesOrder"), fmt="atom")
    assert "Total" in assert_odata_error(bad, 400, 4)
    assert bad.headers["Content-Type"].startswith("application/xml")


def test_atom_constant_and_delete(app):
    body = atom_entry("<d:Value>ПАО «Атом»</d:Value>", "Constant_CompanyName")
    assert call(app, "PATCH", "Constant_CompanyName", body, fmt="atom").status_code == 200
    assert payload(call(app, "GET", "Constant_CompanyName(0)"))["Value"] == "ПАО «Атом»"
    created = call(app, "POST", "Catalog_Units", atom_entry("<d:Description>ящик</d:Description>", "Catalog_Units"),
                   fmt="atom")
    ref = atom_properties(created)["Ref_Key"].text
    assert call(app, "DELETE", f"Catalog_Units(guid'{ref}')", fmt="atom").status_code == 204
    assert_odata_error(call(app, "GET", f"Catalog_Units(guid'{ref}')", fmt="atom"), 404, 9)
