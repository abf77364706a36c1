"""The read path of the sample, in-process through webob: service document, $metadata,
collections, entities, tabular-section rows, property and navigation paths, constants."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from lxml import etree
from webob import Request

from tests.conftest import ATOM_NS, D_NS, SERVICE

NIL = "00000000-0000-0000-0000-000000000000"


def get(app, path: str, **headers):
    response = Request.blank(SERVICE + path, headers=headers).get_response(app)
    assert response.headers["DataServiceVersion"] == "3.0"
    for name, value in response.headerlist:
        value.encode("ascii")  # every header is ASCII
    return response


def get_json(app, path: str):
    sep = "&" if "?" in path else "?"
    response = get(app, path + sep + "$format=json")
    assert response.status_code == 200, response.body[:300]
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    return json.loads(response.body, parse_float=Decimal)


@pytest.fixture(scope="module")
def goods(sample_app):
    return get_json(sample_app, "Catalog_Goods?$filter=IsFolder eq false&$top=50")["value"]


@pytest.fixture(scope="module")
def order(sample_app):
    return get_json(sample_app, "Document_SalesOrder?$top=1")["value"][0]


def test_service_document_atom_lists_every_published_set(sample_app, model):
    response = get(sample_app, "")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atomsvc+xml")
    root = etree.fromstring(response.body)
    hrefs = [c.get("href") for c in root.iter("{http://www.w3.org/2007/app}collection")]
    assert hrefs == list(model.entity_sets)
    assert "Catalog_Employees" not in hrefs
    assert "Catalog_Валюты" in hrefs


def test_service_document_json(sample_app, model):
    payload = get_json(sample_app, "")
    assert payload["odata.metadata"] == "http://localhost" + SERVICE + "$metadata"
    assert [item["name"] for item in payload["value"]] == list(model.entity_sets)


@pytest.mark.parametrize("query", ["", "?$format=json", "?$format=atom"])
def test_metadata_is_always_xml(sample_app, query):
    response = get(sample_app, "$metadata" + query)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    root = etree.fromstring(response.body)
    assert root.tag == "{http://schemas.microsoft.com/ado/2007/06/edmx}Edmx"


def test_metadata_head_is_405(sample_app):
    response = Request.blank(SERVICE + "$metadata", method="HEAD").get_response(sample_app)
    assert response.status_code == 405


def test_collection_default_is_atom_feed(sample_app):
    response = get(sample_app, "Catalog_Units")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/atom+xml;type=feed")
    feed = etree.fromstring(response.body)
    assert feed.tag == f"{{{ATOM_NS}}}feed"
    entries = feed.findall(f"{{{ATOM_NS}}}entry")
    assert entries
    for entry in entries:
        assert entry.find(f"{{{ATOM_NS}}}category").get("term") == "StandardODATA.Catalog_Units"


def test_collection_json_values(goods):
    item = goods[0]
    assert set(item) >= {"Ref_Key", "DataVersion", "Code", "Description", "Price", "Unit_Key", "Kind"}
    assert isinstance(item["Price"], Decimal)
    assert item["Kind"] in ("Product", "Service")
    assert item["IsFolder"] is False
    assert item["Unit@navigationLinkUrl"] == f"Catalog_Goods(guid'{item['Ref_Key']}')/Unit"


def test_cyrillic_entity_set(sample_app):
    payload = get_json(sample_app, quote("Catalog_Валюты"))
    assert payload["odata.metadata"].endswith("$metadata#Catalog_Валюты")
    names = {row["Description"] for row in payload["value"]}
    assert names and all(isinstance(n, str) for n in names)
    assert all("ПолноеНаименование" in row for row in payload["value"])


def test_entity_by_key_json_and_atom(sample_app, goods):
    ref = goods[0]["Ref_Key"]
    payload = get_json(sample_app, f"Catalog_Goods(guid'{ref}')")
    assert payload["odata.metadata"].endswith("$metadata#Catalog_Goods/@Element")
    assert payload["Ref_Key"] == ref
    response = get(sample_app, f"Catalog_Goods(guid'{ref}')")
    assert response.headers["Content-Type"].startswith("application/atom+xml;type=entry")
    entry = etree.fromstring(response.body)
    assert entry.findtext(f".//{{{D_NS}}}Ref_Key") == ref


def test_named_single_key_form(sample_app, goods):
    ref = goods[0]["Ref_Key"]
    assert get_json(sample_app, f"Catalog_Goods(Ref_Key=guid'{ref}')")["Ref_Key"] == ref


def test_document_with_tabular_section(order):
    rows = order["Goods"]
    assert rows, "the seed gives every order lines"
    assert [row["LineNumber"] for row in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert all(row["Ref_Key"] == order["Ref_Key"] for row in rows)
    assert order["Basis_Type"].startswith(("StandardODATA.", "Edm."))


def test_tabular_section_row_by_composite_key(sample_app, order):
    ref = order["Ref_Key"]
    row = get_json(sample_app, f"Document_SalesOrder_Goods(Ref_Key=guid'{ref}',LineNumber=1)")
    assert row["odata.metadata"].endswith("#Document_SalesOrder_Goods/@Element")
    assert row["LineNumber"] == "1" and row["Ref_Key"] == ref
    assert all(row[name] == value for name, value in order["Goods"][0].items())
    spaced = get_json(sample_app, f"Document_SalesOrder_Goods(Ref_Key=guid'{ref}', LineNumber=1)")
    assert spaced["Product_Key"] == row["Product_Key"]


def test_tabular_section_set_lists_rows_of_all_owners(sample_app):
    payload = get_json(sample_app, "Document_SalesOrder_Goods?$top=20")
    assert len({row["Ref_Key"] for row in payload["value"]}) > 1


def test_property_and_navigation_paths(sample_app, goods):
    item = next(g for g in goods if g["Unit_Key"] != NIL)
    ref = item["Ref_Key"]
    value = get_json(sample_app, f"Catalog_Goods(guid'{ref}')/Description")
    assert value["value"] == item["Description"]
    unit = get_json(sample_app, f"Catalog_Goods(guid'{ref}')/Unit")
    assert unit["Ref_Key"] == item["Unit_Key"]
    assert unit["odata.metadata"].endswith("#Catalog_Units/@Element")
    name = get_json(sample_app, f"Catalog_Goods(guid'{ref}')/Unit/Description")
    assert name["value"] == unit["Description"]
    xml = get(sample_app, f"Catalog_Goods(guid'{ref}')/Unit/Description")
    assert xml.status_code == 200
    element = etree.fromstring(xml.body)
    assert element.tag == f"{{{D_NS}}}Description" and element.text == unit["Description"]
    raw = get(sample_app, f"Catalog_Goods(guid'{ref}')/Description/$value")
    assert raw.body.decode("utf-8") == item["Description"]


def test_navigation_link_only_for_nonempty_references(sample_app):
    rows = get_json(sample_app, "Catalog_Goods?$top=200")["value"]
    for row in rows:
        assert ("Parent@navigationLinkUrl" in row) == (row["Parent_Key"] != NIL)


@pytest.mark.parametrize("suffix", ["", "(0)", "(SurrogateKey=0)", f"(guid'{NIL}')"])
def test_constant_lenient_key_forms(sample_app, suffix):
    payload = get_json(sample_app, "Constant_CompanyName" + suffix)
    value = payload["value"][0]["Value"] if "value" in payload and isinstance(payload["value"], list) else payload["Value"]
    assert value == "ООО «Ромашка»"


def test_constant_value_path(sample_app):
    assert get_json(sample_app, "Constant_CompanyName(0)/Value")["value"] == "ООО «Ромашка»"


@pytest.mark.parametrize("fmt, flavour", [
    ("json", "minimal"),
    ("application/json", "minimal"),
    ("application/json;odata=minimalmetadata", "minimal"),
    ("application/json;odata=nometadata", "nometadata"),
    ("application/json;odata=fullmetadata", "fullmetadata"),
])
def test_format_values(sample_app, fmt, flavour):
    response = get(sample_app, "Catalog_Units?$format=" + quote(fmt))
    assert response.status_code == 200
    payload = json.loads(response.body)
    assert ("odata.metadata" in payload) == (flavour != "nometadata")
    if flavour == "fullmetadata":
        assert payload["value"][0]["odata.type"] == "StandardODATA.Catalog_Units"


@pytest.mark.parametrize("accept, json_expected", [
    ("application/json", True),
    ("application/json;odata=nometadata", True),
    ("application/atom+xml", False),
    ("application/xml", False),
    ("*/*", False),
    ("text/html", False),
])
def test_accept_header(sample_app, accept, json_expected):
    response = get(sample_app, "Catalog_Units", Accept=accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json") == json_expected


def test_format_beats_accept(sample_app):
    response = get(sample_app, "Catalog_Units?$format=atom", Accept="application/json")
    assert response.headers["Content-Type"].startswith("application/atom+xml")


def test_count(sample_app):
    response = get(sample_app, "Catalog_Goods/$count")
    assert response.status_code == 200
    total = int(response.body)
    assert total == len(get_json(sample_app, "Catalog_Goods")["value"])


def test_wrapped_application_untouched(tmp_path):
    from infobase_odata.middleware import ODataMiddleware
    from tests.conftest import SAMPLE, AsUser

    def site(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"site:" + environ["PATH_INFO"].encode("latin-1")]

    app = AsUser(ODataMiddleware(site, SAMPLE, prefix="trade", database=str(tmp_path / "t.db"), seed_options="goods=10"))
    for path in ("/", "/trade", "/trade/odata", "/trade/odata/standard.odatax", "/other/odata/standard.odata/"):
        response = Request.blank(path).get_response(app)
        assert response.body == b"site:" + path.encode(), path
    assert Request.blank("/trade/odata/standard.odata").get_response(app).status_code == 200
