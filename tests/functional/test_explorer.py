"""The HTML explorer in-process: every page kind against the sample, escaping of hostile values,
and the interface's own rights (viewer: catalogs only; manager: orders of the main warehouse)."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from lxml import html
from webob import Request

from infobase_odata.configuration import Configuration
from infobase_odata.explorer import landing
from infobase_odata.middleware import ODataMiddleware
from tests.conftest import SAMPLE, SERVICE, basic

EXPLORER = "/trade/odata/explorer/"
HOSTILE = "<script>alert('x')</script> & \"quoted\""
MAIN = "00002710-a7b0-11ee-8003-0050569f1c00"  # Catalog_Warehouses, Code 000000001
SECOND = "00004e20-a7b0-11ee-8003-0050569f1c00"
GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def call(app, path: str, user: str | None = "admin", method: str = "GET", body: dict | None = None):
    request = Request.blank(path, method=method)
    if user is not None:
        request.headers["Authorization"] = basic(user, user)
    if body is not None:
        request.body = json.dumps(body).encode("utf-8")
        request.content_type = "application/json"
    return request.get_response(app)


def page(app, path: str, user: str | None = "admin", status: int = 200):
    response = call(app, EXPLORER + path, user)
    assert response.status_code == status, response.text[:2000]
    assert response.content_type == "text/html"
    assert "Content-Security-Policy" in response.headers
    return html.fromstring(response.body)


def odata(app, path: str, user: str = "admin"):
    response = call(app, SERVICE + path + ("&" if "?" in path else "?") + "$format=json", user)
    assert response.status_code in (200, 201), response.body[:500]
    return json.loads(response.body)


def texts(doc, xpath: str) -> list[str]:
    return [e.text_content().strip() for e in doc.xpath(xpath)]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory):
    database = (request.getfixturevalue("pg_server").fresh_url() if request.param == "postgresql"
                else str(tmp_path_factory.mktemp("explorer") / "trade.db"))
    app = ODataMiddleware(None, SAMPLE, prefix="trade", database=database, seed_options="goods=60", explorer=True)
    created = odata(app, "Catalog_Counterparties")  # warm up and seed
    assert created["value"]
    hostile = call(app, SERVICE + "Catalog_Counterparties?$format=json", method="POST",
                   body={"Description": HOSTILE, "Code": "HOSTILE01", "INN": "<b>1</b>"})
    assert hostile.status_code == 201, hostile.body[:300]
    app.hostile_key = json.loads(hostile.body)["Ref_Key"]
    return app


def test_off_by_default_when_wrapping(tmp_path):
    wrapped = ODataMiddleware(None, SAMPLE, prefix="trade", database=str(tmp_path / "t.db"))
    assert call(wrapped, EXPLORER).status_code == 404


def test_index_groups_objects_by_kind_with_counts(app):
    doc = page(app, "")
    groups = texts(doc, "//section/h2")
    assert groups[:2] == ["Catalogs", "Documents"]
    assert {"Constants", "Accumulation registers", "Information registers"} <= set(groups)
    counts = {row.xpath("td[1]")[0].text_content().strip(): row.xpath("td[2]")[0].text_content().strip()
              for row in doc.xpath("//table[@class='objects']/tr")}
    assert counts["Catalog_Goods"] == str(call(app, SERVICE + "Catalog_Goods/$count").text)
    assert counts["Document_SalesOrder"] == call(app, SERVICE + "Document_SalesOrder/$count").text
    assert "Catalog_Employees" not in counts  # not published
    assert doc.xpath("//a[text()='Balance']/@href") == [EXPLORER + "AccumulationRegister_Stock/Balance"]
    assert doc.xpath("//input[@id='odata-url']/@value") == ["http://localhost/trade/odata/standard.odata/"]


def test_redirect_to_the_trailing_slash_and_stylesheet(app):
    response = call(app, EXPLORER.rstrip("/"))
    assert response.status_code == 301 and response.location.endswith(EXPLORER)
    css = call(app, EXPLORER + "-/explorer.css", user=None)
    assert css.status_code == 200 and css.content_type == "text/css" and b"table" in css.body


def test_authentication_is_the_interfaces(app):
    response = call(app, EXPLORER, user=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    request = Request.blank(EXPLORER, headers={"Authorization": basic("admin", "wrong")})
    assert request.get_response(app).status_code == 401


def test_head(app):
    request = Request.blank(EXPLORER + "Catalog_Goods", method="HEAD", headers={"Authorization": basic("admin", "admin")})
    response = request.get_response(app)
    assert response.status_code == 200 and response.body == b""


def test_read_only(app):
    response = call(app, EXPLORER + "Catalog_Goods", method="POST", body={"Description": "x"})
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
    doc = page(app, "Catalog_Goods")
    assert {f.get("method") for f in doc.xpath("//form")} == {"get"}


def test_table_paging_sorting_select_and_odata_url(app):
    total = int(call(app, SERVICE + "Catalog_Goods/$count").text)
    doc = page(app, "Catalog_Goods?$top=10&$skip=10&$orderby=Code desc&$select=Code&$select=Description")
    assert texts(doc, "//table[@id='rows']/thead/tr/th")[1:] == ["Description", "Code ▼"]
    codes = texts(doc, "//table[@id='rows']/tbody/tr/td[3]")
    expected = [r["Code"] for r in odata(app, "Catalog_Goods?$orderby=Code desc&$top=10&$skip=10")["value"]]
    assert codes == expected
    assert f"rows 11–20 of {total}" in doc.xpath("//p[@class='pager']")[0].text_content()
    assert doc.xpath("//a[@rel='prev']/@href") and doc.xpath("//a[@rel='next']/@href")
    url = doc.xpath("//input[@id='odata-url']/@value")[0]
    assert url.startswith("http://localhost/trade/odata/standard.odata/Catalog_Goods?$top=10&$skip=10")
    assert "$orderby=Code%20desc" in url and "$select=Code,Description" in url
    relative = url.split("localhost", 1)[1]
    assert json.loads(call(app, relative).body)["value"][0]["Code"] == expected[0]  # the URL answers
    sort = doc.xpath("//table[@id='rows']/thead/tr/th/a[text()='Code']/@href")[0]
    assert "Code%20asc" in sort
    checked = doc.xpath("//input[@name='$select'][@checked]/@value")
    assert checked == ["Description", "Code"]


def test_filter_box_and_the_interfaces_errors(app):
    doc = page(app, "Catalog_Goods?$filter=" + quote("Price gt 100 and IsFolder eq false"))
    prices = [float(p) for p in texts(doc, "//table[@id='rows']/tbody/tr/td[position()=12]")]
    assert prices and all(p > 100 for p in prices)
    doc = page(app, "Catalog_Goods?$filter=" + quote("Nope eq 1"), status=400)
    error = doc.xpath("//p[@id='query-error']")[0].text_content()
    assert "code 14" in error and "Nope" in error
    assert doc.xpath("//input[@id='filter']/@value") == ["Nope eq 1"]


def test_object_page_references_tabular_sections_and_data_version(app):
    order = odata(app, "Document_SalesOrder?$top=1&$expand=Customer")["value"][0]
    doc = page(app, f"Document_SalesOrder(guid'{order['Ref_Key']}')")
    assert doc.xpath("//code[@id='data-version']")[0].text == order["DataVersion"]
    customer = doc.xpath("//table[@id='fields']//tr[th='Customer_Key']//a")[0]
    assert customer.text == order["Customer"]["Description"]
    assert customer.get("href") == EXPLORER + f"Catalog_Counterparties(guid'{order['Customer_Key']}')"
    lines = doc.xpath("//section[@class='tabular']//tbody/tr")
    assert len(lines) == len(order["Goods"])
    assert texts(doc, "//section[@class='tabular']//thead/tr/th")[:2] == ["LineNumber", "Product_Key"]
    follow = page(app, customer.get("href")[len(EXPLORER):])
    assert texts(follow, "//h1") == [order["Customer"]["Description"]]
    missing = "Document_SalesOrder(guid'00000000-0000-0000-0000-0000000000ff')"
    assert "code 9" in page(app, missing, status=404).xpath("//p[@class='error']")[0].text_content()


def test_hostile_values_are_escaped(app):
    response = call(app, EXPLORER + f"Catalog_Counterparties(guid'{app.hostile_key}')")
    assert response.status_code == 200
    assert "<script>" not in response.text and "<b>1</b>" not in response.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;quoted&#34;" in response.text
    doc = html.fromstring(response.body)
    assert texts(doc, "//h1") == [HOSTILE]
    listing = call(app, EXPLORER + "Catalog_Counterparties?$filter=" + quote("Code eq 'HOSTILE01'"))
    assert "<script>" not in listing.text and HOSTILE in html.fromstring(listing.body).text_content()
    echoed = call(app, EXPLORER + "Catalog_Counterparties?$filter=" + quote("Description eq '\"><script>x</script>'"))
    assert "<script>" not in echoed.text
    assert call(app, EXPLORER + quote("Catalog_<script>")).status_code == 404
    bad_key = call(app, EXPLORER + quote("Catalog_Goods(guid'<script>alert(1)</script>')"))
    assert bad_key.status_code == 400 and "<script>" not in bad_key.text
    assert "&lt;script&gt;" in bad_key.text  # the interface's message, escaped
    unbalanced = call(app, EXPLORER + quote("Catalog_Goods(<b>"))
    assert unbalanced.status_code == 400 and "<b>" not in unbalanced.text
    assert "<script>" not in call(app, EXPLORER + quote("Catalog_<script>")).text


def test_metadata_page_is_a_type_table(app):
    doc = page(app, "Document_SalesOrder/$metadata")
    rows = {r[0]: r for r in (texts(tr, "td") for tr in doc.xpath("//table[1]/tbody/tr"))}
    assert rows["Ref_Key"][1] == "Edm.Guid" and rows["Ref_Key"][4].startswith("key")
    assert rows["Total"][1:3] == ["Edm.Double", "Number(15,2)"]
    assert "Customer → Catalog_Counterparties" in rows["Customer_Key"][4]
    assert "Tabular section Goods" in texts(doc, "//h2")[0]
    assert "Post" in doc.text_content()
    register = page(app, "AccumulationRegister_Stock/$metadata")
    assert register.xpath("//a[text()='Balance']/@href")


@pytest.mark.parametrize("path, columns", [
    ("AccumulationRegister_Stock/Balance?run=1&Period=2024-07-01T00:00&Dimensions=Product",
     ["Product_Key", "QuantityBalance"]),
    ("AccumulationRegister_Sales/Turnovers?run=1&StartPeriod=2024-01-01T00:00&EndPeriod=2024-12-31T23:59:59",
     ["Product_Key", "Customer_Key", "QuantityTurnover", "AmountTurnover"]),
    ("InformationRegister_Prices/SliceLast?run=1&Period=2024-05-01", ["Period", "Product_Key", "Price"]),
])
def test_register_virtual_tables(app, path, columns):
    doc = page(app, path)
    assert texts(doc, "//table[@class='grid']/thead/tr/th") == columns
    assert doc.xpath("//table[@class='grid']/tbody/tr")
    assert doc.xpath("//table[@class='grid']/tbody/tr[1]/td/a/@href")[0].startswith(EXPLORER + "Catalog_Goods(")
    goods = texts(doc, "//table[@class='grid']/tbody/tr/td/a[starts-with(@href, '/trade/odata/explorer/Catalog_Goods(')]")
    assert goods and not any(re.fullmatch(GUID, name) for name in goods)  # expanded: Descriptions, not GUIDs
    url = doc.xpath("//input[@id='odata-url']/@value")[0]
    relative = url.split("localhost", 1)[1]
    assert len(json.loads(call(app, relative).body)["value"]) == len(doc.xpath("//table[@class='grid']/tbody/tr"))


def test_virtual_table_form_and_errors(app):
    doc = page(app, "AccumulationRegister_Stock/Balance")
    assert doc.xpath("//input[@name='Period'][@type='datetime-local']")
    assert doc.xpath("//input[@name='Condition']") and not doc.xpath("//table[@class='grid']")
    assert "/AccumulationRegister_Stock/Balance?$top=100" in doc.xpath("//input[@id='odata-url']/@value")[0]
    bad = page(app, "AccumulationRegister_Stock/Balance?run=1&Dimensions=Nope", status=400)
    assert "Nope" in bad.xpath("//p[@id='query-error']")[0].text_content()
    page(app, "AccumulationRegister_Stock/Nope", status=404)


def test_viewer_sees_only_readable_objects(app):
    doc = page(app, "", user="viewer")
    names = texts(doc, "//table[@class='objects']/tr/td[1]")
    assert names and all(n.startswith("Catalog_") for n in names)
    assert "Catalog_Employees" not in names
    assert texts(doc, "//section/h2") == ["Catalogs"]
    for path in ("Document_SalesOrder", "Document_SalesOrder/$metadata", "Constant_CompanyName",
                 "AccumulationRegister_Stock/Balance?run=1", "AccumulationRegister_Stock_RecordType"):
        denied = call(app, EXPLORER + path, "viewer")
        assert denied.status_code == 403, path
        assert not html.fromstring(denied.body).xpath("//table")
    order = odata(app, "Document_SalesOrder?$top=1")["value"][0]["Ref_Key"]
    assert call(app, EXPLORER + f"Document_SalesOrder(guid'{order}')", "viewer").status_code == 403
    assert call(app, EXPLORER + "Catalog_Employees", "viewer").status_code == 404


def test_manager_does_not_see_restricted_rows(app):
    orders = odata(app, "Document_SalesOrder?$select=Ref_Key,Warehouse_Key&$top=1000")["value"]
    allowed = {o["Ref_Key"] for o in orders if o["Warehouse_Key"] == MAIN}
    forbidden = [o["Ref_Key"] for o in orders if o["Warehouse_Key"] == SECOND]
    assert allowed and forbidden
    doc = page(app, "Document_SalesOrder?$top=1000", user="manager")
    shown = {href.split("'")[1] for href in doc.xpath("//table[@id='rows']//a[@class='open']/@href")}
    assert shown == allowed
    index = page(app, "", user="manager")
    counts = {r.xpath("td[1]")[0].text_content().strip(): r.xpath("td[2]")[0].text_content().strip()
              for r in index.xpath("//table[@class='objects']/tr")}
    assert counts["Document_SalesOrder"] == str(len(allowed))
    assert "Document_GoodsReceipt" not in counts
    assert call(app, EXPLORER + f"Document_SalesOrder(guid'{forbidden[0]}')", "manager").status_code == 404
    balance = page(app, "AccumulationRegister_Stock/Balance?run=1", user="manager")
    warehouses = {h.split("'")[1] for h in balance.xpath("//tbody/tr/td[2]/a/@href")}
    assert warehouses == {MAIN}


def test_landing_links_to_explorer_and_interface():
    app = landing("trade", True)
    response = Request.blank("/").get_response(app)
    assert response.status_code == 200
    links = html.fromstring(response.body).xpath("//main//a/@href")
    assert "/trade/odata/explorer/" in links and "/trade/odata/standard.odata/" in links
    assert Request.blank("/other").get_response(app).status_code == 404
    without = html.fromstring(Request.blank("/").get_response(landing("trade", False)).body)
    assert "/trade/odata/explorer/" not in without.xpath("//main//a/@href")


def test_every_entity_set_has_a_table_and_a_type_page(app):
    for name in app.service.model.entity_sets:
        doc = page(app, quote(name))
        assert not doc.xpath("//p[@id='query-error']"), name
        assert doc.xpath("//table[@id='rows']/tbody/tr"), name
        assert page(app, quote(name) + "/$metadata").xpath("//table[@class='grid']/tbody/tr"), name


def test_without_users_everything_is_shown(tmp_path):
    data = json.loads((SAMPLE / "configuration.json").read_text(encoding="utf-8"))
    for key in ("users", "roles", "handlers"):
        data.pop(key)
    app = ODataMiddleware(None, Configuration.from_dict(data), prefix="trade", database=str(tmp_path / "t.db"),
                          explorer=True)
    doc = page(app, "", user=None)
    assert "Document_SalesOrder" in texts(doc, "//table[@class='objects']/tr/td[1]")
    assert not doc.xpath("//span[@class='user']")


def test_cli_serves_the_explorer_unless_told_not_to(tmp_path, capsys):
    from infobase_odata import cli

    common = ["serve", str(SAMPLE), "--db", str(tmp_path / "cli.db"), "--seed-option", "goods=20"]
    assert cli.main([*common, "--get", EXPLORER, "--user", "admin:admin"]) == 0
    assert "Catalog_Goods" in capsys.readouterr().out
    assert cli.main([*common, "--get", "/"]) == 0
    assert 'href="/trade/odata/explorer/"' in capsys.readouterr().out
    assert cli.main([*common, "--no-explorer", "--get", EXPLORER, "--user", "admin:admin"]) == 1
    assert cli.main([*common, "--no-explorer", "--get", "/"]) == 0
    assert "/trade/odata/explorer/" not in capsys.readouterr().out
