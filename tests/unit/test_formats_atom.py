"""Atom/XML writers (reference §10, §9.1, §1.1): golden entry, well-formedness, parity with JSON,
streaming, and python-1c-odata's decoder reading our output.

Regenerate tests/golden/entry_goods.xml after an intended change with
``INFOBASE_ODATA_UPDATE_GOLDEN=1 python -m pytest tests/unit -k formats``, then review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from infobase_odata.errors import ODataError
from infobase_odata.formats import atom as A
from infobase_odata.formats import json as J
from infobase_odata.shape import Shape, default_shape

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "entry_goods.xml"
BASE = "http://127.0.0.1:8080/trade/odata/standard.odata/"
UPDATED = "2016-12-26T16:00:52"
ATOM = "{http://www.w3.org/2005/Atom}"
D = "{http://schemas.microsoft.com/ado/2007/08/dataservices}"
M = "{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}"
REF = "41aa6331-954f-11e3-814b-005056c00008"
UNIT = "7e2d6a33-51f8-11e6-80c4-0050569f2e9f"
NIL = "00000000-0000-0000-0000-000000000000"




@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(A, "now_text", lambda: UPDATED)


def goods_row(**changes):
    row = {"Ref_Key": REF, "Predefined": False, "PredefinedDataName": "", "DataVersion": "AAAAAQAAAAA=",
           "Description": "Шлепанцы <летние> & \"пляжные\"", "Code": "000000001", "Parent_Key": NIL,
           "IsFolder": False, "DeletionMark": False, "Article": "", "Price": Decimal("1.50"),
           "Unit_Key": UNIT, "Kind": None}
    row.update(changes)
    return row


def order_row(**changes):
    row = {"Ref_Key": REF, "DataVersion": "AAAAAQAAAAA=", "Number": "00-000001",
           "Date": dt.datetime(2016, 12, 26, 16, 0, 52), "DeletionMark": False, "Posted": True,
           "Customer_Key": UNIT, "Warehouse_Key": NIL, "Currency_Key": None, "Comment": "",
           "Total": Decimal("301.00"), "Basis": "", "Basis_Type": "StandardODATA.Undefined",
           "Goods": [{"Ref_Key": REF, "LineNumber": 1, "Product_Key": UNIT, "Quantity": Decimal("2.000"),
                      "Price": Decimal("150.5"), "Amount": Decimal("301")},
                     {"Ref_Key": REF, "LineNumber": 2, "Product_Key": NIL, "Quantity": Decimal("0.001"),
                      "Price": None, "Amount": Decimal("0")}]}
    row.update(changes)
    return row


@pytest.fixture
def goods(model):
    return default_shape(model.entity_set("Catalog_Goods"))


@pytest.fixture
def orders(model):
    return default_shape(model.entity_set("Document_SalesOrder"))


def props_of(entry):
    return entry.find(f"{ATOM}content/{M}properties")


def test_golden_entry(goods):
    body = A.entry(goods, goods_row(), base=BASE)
    if os.environ.get("INFOBASE_ODATA_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(body)
    assert body == GOLDEN.read_bytes()


def test_entry_layout(goods):
    root = etree.fromstring(A.entry(goods, goods_row(), base=BASE))
    assert root.tag == f"{ATOM}entry"
    assert root.get("{http://www.w3.org/XML/1998/namespace}base") == BASE
    assert [etree.QName(c).localname for c in root] == [
        "id", "category", "title", "updated", "author", "summary", "link", "link", "content"]
    assert root.findtext(f"{ATOM}id") == f"{BASE}Catalog_Goods(guid'{REF}')"
    assert root.find(f"{ATOM}category").attrib == {
        "term": "StandardODATA.Catalog_Goods",
        "scheme": "http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"}
    assert root.find(f"{ATOM}title").get("type") == "text" and root.find(f"{ATOM}title").text is None
    assert root.findtext(f"{ATOM}updated") == UPDATED
    related, edit = root.findall(f"{ATOM}link")
    assert related.attrib == {  # Parent is the nil GUID: no link for it
        "rel": "http://schemas.microsoft.com/ado/2007/08/dataservices/related/Unit",
        "href": f"Catalog_Goods(guid'{REF}')/Unit",
        "type": "application/atom+xml;type=entry;charset=utf-8", "title": "Unit"}
    assert edit.attrib == {"rel": "edit", "href": f"Catalog_Goods(guid'{REF}')", "title": "edit-link"}
    assert root.find(f"{ATOM}content").get("type") == "application/xml"
    props = props_of(root)
    assert [etree.QName(p).localname for p in props] == [p.name for p in goods.properties]
    assert props.find(f"{D}Kind").get(f"{M}null") == "true"
    assert props.find(f"{D}Article").text is None and len(props.find(f"{D}Article").attrib) == 0
    assert props.find(f"{D}Price").get(f"{M}type") == "Edm.Double"
    assert props.find(f"{D}Price").text == "1.5"
    assert props.find(f"{D}IsFolder").text == "false" and not props.find(f"{D}IsFolder").attrib


def test_tabular_section_and_composite(orders):
    root = etree.fromstring(A.entry(orders, order_row(), base=BASE))
    props = props_of(root)
    goods = props.find(f"{D}Goods")
    assert goods.get(f"{M}type") == "Collection(StandardODATA.Document_SalesOrder_Goods_RowType)"
    elements = goods.findall(f"{D}element")
    assert [e.get(f"{M}type") for e in elements] == ["StandardODATA.Document_SalesOrder_Goods_RowType"] * 2
    assert [c.text for c in elements[0]] == [REF, "1", UNIT, "2", "150.5", "301"]
    assert elements[1].find(f"{D}Price").get(f"{M}null") == "true"
    assert props.find(f"{D}Basis").text is None
    assert props.find(f"{D}Basis_Type").text == "StandardODATA.Undefined"
    empty = props_of(etree.fromstring(A.entry(orders, order_row(Goods=[]), base=BASE))).find(f"{D}Goods")
    assert len(empty) == 0 and empty.get(f"{M}type").startswith("Collection(")
    assert b'<d:Goods m:type="Collection(StandardODATA.Document_SalesOrder_Goods_RowType)"/>' in \
        A.entry(orders, order_row(Goods=None), base=BASE)


def test_invalid_xml_characters_are_dropped(goods):
    nasty = "a\x00b\x01c\x0bd\ufffee\ud800f\r\ng\tz"
    body = A.entry(goods, goods_row(Description=nasty, Article="]]>"), base=BASE)
    props = props_of(etree.fromstring(body))
    assert props.findtext(f"{D}Description") == "abcdef\r\ng\tz"
    assert props.findtext(f"{D}Article") == "]]>"


def test_missing_values_read_as_null(orders):
    row = order_row()
    del row["Comment"], row["Goods"][0]["Price"]
    props = props_of(etree.fromstring(A.entry(orders, row, base=BASE)))
    assert props.find(f"{D}Comment").get(f"{M}null") == "true"
    assert props.find(f"{D}Goods/{D}element/{D}Price").get(f"{M}null") == "true"


def test_feed(goods):
    rows = [goods_row(), goods_row(Ref_Key=UNIT, Unit_Key=NIL)]
    body = b"".join(A.feed(goods, rows, base=BASE, count=19))
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
                           b'xmlns:at="http://purl.org/atompub/tombstones/1.0" ')
    assert body.endswith(b"<m:count>19</m:count></feed>")
    root = etree.fromstring(body)
    assert root.get("{http://www.w3.org/XML/1998/namespace}base") == BASE
    assert [etree.QName(c).localname for c in root] == ["id", "title", "updated", "link", "entry", "entry", "count"]
    assert root.findtext(f"{ATOM}id") == BASE + "Catalog_Goods"
    assert root.find(f"{ATOM}title").get("type") == "text" and root.findtext(f"{ATOM}title") == "Catalog_Goods"
    assert root.find(f"{ATOM}link").attrib == {"rel": "self", "href": "Catalog_Goods", "title": "Catalog_Goods"}
    second = root.findall(f"{ATOM}entry")[1]
    assert [l.get("rel") for l in second.findall(f"{ATOM}link")] == ["edit"]
    # Every entry of a type carries the same property elements.
    assert [[p.tag for p in props_of(e)] for e in root.findall(f"{ATOM}entry")] == \
        [[D + p.name for p in goods.properties]] * 2


def test_feed_without_count_and_empty(goods):
    body = b"".join(A.feed(goods, iter(()), base=BASE))
    assert body.endswith(b'title="Catalog_Goods"/></feed>')
    etree.fromstring(body)


def test_parity_with_json(model, orders, goods):
    """Atom and JSON carry the same values (compared as text; JSON Int64 already is text)."""
    for shape, row in [(orders, order_row()), (goods, goods_row()), (goods, goods_row(Kind="Product"))]:
        data = json.loads(J.entry(shape, row, base=BASE))
        props = props_of(etree.fromstring(A.entry(shape, row, base=BASE)))
        for el in props:
            name = etree.QName(el).localname
            value = data[name]
            if el.get(f"{M}type", "").startswith("Collection("):
                atom_rows = [{etree.QName(c).localname: (None if c.get(f"{M}null") else c.text or "")
                              for c in e} for e in el]
                json_rows = [{k: _text(v) for k, v in r.items()} for r in value]
                assert atom_rows == json_rows
            elif el.get(f"{M}null") == "true":
                assert value is None, name
            else:
                assert (el.text or "") == _text(value), name


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def test_python_1c_odata_decodes_our_atom(goods, orders):
    from python_1c_odata.atom import decode_atom

    rows = [goods_row(), goods_row(Ref_Key=UNIT, Kind="Service")]
    decoded = decode_atom(b"".join(A.feed(goods, rows, base=BASE, count=2)).decode())
    assert decoded["odata.count"] == "2"
    assert [r["Ref_Key"] for r in decoded["value"]] == [REF, UNIT]
    assert decoded["value"][0]["Description"] == goods_row()["Description"]
    assert decoded["value"][0]["Price"] == 1.5 and decoded["value"][0]["Kind"] is None
    single = decode_atom(A.entry(orders, order_row(), base=BASE).decode())
    assert single["Number"] == "00-000001" and single["Total"] == 301.0


def test_expanded_inline(model, orders):
    customers = default_shape(model.entity_set("Catalog_Counterparties"))
    orders.expanded = {"Customer": customers, "Currency": default_shape(model.entity_set("Catalog_Валюты"))}
    customer = {"Ref_Key": UNIT, "Predefined": False, "PredefinedDataName": "", "DataVersion": "x",
                "Description": "ООО", "Code": "1", "DeletionMark": False, "INN": "77", "Manager_Key": NIL}
    root = etree.fromstring(A.entry(orders, order_row(Customer=customer, Currency=None), base=BASE))
    links = {l.get("title"): l for l in root.findall(f"{ATOM}link")}
    assert set(links) == {"Customer", "Currency", "edit-link"}
    inline = links["Customer"].find(f"{M}inline/{ATOM}entry")
    assert inline.findtext(f"{ATOM}id") == f"{BASE}Catalog_Counterparties(guid'{UNIT}')"
    assert props_of(inline).findtext(f"{D}Description") == "ООО"
    currency = links["Currency"].find(f"{M}inline")
    assert currency is not None and len(currency) == 0
    assert links["Currency"].get("href") == f"Document_SalesOrder(guid'{REF}')/Currency"


def test_presentations(model):
    entity_set = model.entity_set("Catalog_Goods")
    shape = Shape(entity_set, [entity_set.entity_type.property("Ref_Key")], [],
                  presentations=["Unit____Presentation", "Presentation"])
    props = props_of(etree.fromstring(A.entry(shape, {"Ref_Key": REF, "Unit____Presentation": "шт & кг"},
                                              base=BASE)))
    assert [(etree.QName(p).localname, p.text) for p in props] == [
        ("Ref_Key", REF), ("Unit____Presentation", "шт & кг"), ("Presentation", None)]


def test_composite_key_paths(model):
    shape = default_shape(model.entity_set("Document_SalesOrder_Goods"))
    row = order_row()["Goods"][0]
    root = etree.fromstring(A.entry(shape, row, base=BASE))
    path = f"Document_SalesOrder_Goods(Ref_Key=guid'{REF}',LineNumber=1)"
    assert root.findtext(f"{ATOM}id") == BASE + path
    assert root.find(f"{ATOM}link[@rel='edit']").get("href") == path
    assert root.find(f"{ATOM}link[@title='Product']").get("href") == path + "/Product"


def test_feed_streams(goods):
    consumed = 0

    def rows():
        nonlocal consumed
        for i in range(50_000):
            consumed += 1
            yield goods_row(Code=str(i))

    chunks = A.feed(goods, rows(), base=BASE, count=50_000)
    first = next(chunks)
    assert consumed < 1000 and first.startswith(b"<?xml")
    largest = max(len(c) for c in chunks)
    assert consumed == 50_000 and largest < 500_000


def test_service_document(model):
    body = A.service_document(model, BASE)
    root = etree.fromstring(body)
    app = "{http://www.w3.org/2007/app}"
    assert root.tag == f"{app}service"
    assert root.get("{http://www.w3.org/XML/1998/namespace}base") == BASE
    workspace = root.find(f"{app}workspace")
    assert workspace.findtext(f"{ATOM}title") == "Default"
    collections = workspace.findall(f"{app}collection")
    assert [(c.get("href"), c.findtext(f"{ATOM}title")) for c in collections] == [
        (n, n) for n in model.entity_sets]


def test_error():
    error = ODataError.not_found("НакладнаяОтгрузки")
    error.message = error.localized("ru")  # the service localizes before the writer runs
    body = A.error(error)
    assert body == ('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<m:error xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
                    "<m:code>9</m:code><m:message>Экземпляр сущности \"НакладнаяОтгрузки\" не найден по "
                    "переданному ключу.</m:message></m:error>").encode()
    root = etree.fromstring(A.error(ODataError(-1, "x\x00<y> & \ud800z")))
    assert root.findtext(f"{M}message") == "x<y> & z"
    from python_1c_odata.atom import parse_atom_error
    assert parse_atom_error(body.decode()) == ("9", 'Экземпляр сущности "НакладнаяОтгрузки" не найден по переданному ключу.')


def test_property_value(model):
    entity_set = model.entity_set("Document_SalesOrder")
    prop = entity_set.entity_type.property
    body = A.property_value(entity_set, prop("Comment"), "a & b", base=BASE)
    assert body == (b'<?xml version="1.0" encoding="UTF-8"?>\n<d:Comment '
                    b'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
                    b'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">a &amp; b</d:Comment>')
    assert etree.fromstring(A.property_value(entity_set, prop("Comment"), "", base=BASE)).text is None
    null = etree.fromstring(A.property_value(entity_set, prop("Currency_Key"), None, base=BASE))
    assert null.get(f"{M}null") == "true"
    total = etree.fromstring(A.property_value(entity_set, prop("Total"), Decimal("2.50"), base=BASE))
    assert (total.text, total.get(f"{M}type")) == ("2.5", "Edm.Double")
    goods = etree.fromstring(A.property_value(entity_set, prop("Goods"), order_row()["Goods"], base=BASE))
    assert goods.tag == f"{D}Goods"
    assert goods.get(f"{M}type") == "Collection(StandardODATA.Document_SalesOrder_Goods_RowType)"
    assert [e.findtext(f"{D}LineNumber") for e in goods] == ["1", "2"]


def test_content_types():
    assert A.FEED_CONTENT_TYPE == "application/atom+xml;type=feed;charset=utf-8"
    assert A.ENTRY_CONTENT_TYPE == "application/atom+xml;type=entry;charset=utf-8"
    assert A.SERVICE_CONTENT_TYPE == "application/atomsvc+xml;charset=utf-8"
    assert A.XML_CONTENT_TYPE == "application/xml;charset=utf-8"
    assert J.CONTENT_TYPE == "application/json;charset=utf-8"
