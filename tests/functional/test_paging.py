"""Opt-in server-driven paging: keyset $skiptoken, odata.nextLink and <link rel="next">."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from lxml import etree
from webob import Request

from infobase_odata.middleware import ODataMiddleware
from tests.conftest import ATOM_NS, SAMPLE, SERVICE, AsUser, assert_odata_error, seeded_memory_provider


@pytest.fixture(scope="module", params=["sqlite", "memory"])
def paged_app(request, tmp_path_factory, model):
    if request.param == "memory":
        return AsUser(ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 60), prefix="trade",
                                      page_size=7))
    path = tmp_path_factory.mktemp("paged") / "p.db"
    return AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(path), seed_options="goods=60", page_size=7))


def fetch(app, url: str) -> dict:
    response = Request.blank(url).get_response(app)
    assert response.status_code == 200, response.body[:300]
    return json.loads(response.body)


def walk(app, query: str) -> tuple[list[str], int]:
    url = SERVICE + "Catalog_Goods?$format=json&" + query
    keys, pages = [], 0
    while url:
        payload = fetch(app, url)
        assert len(payload["value"]) <= 7
        keys += [row["Ref_Key"] for row in payload["value"]]
        pages += 1
        url = payload.get("odata.nextLink")
        if url:
            assert url.startswith("http://localhost" + SERVICE)
            url = url[len("http://localhost"):]
    return keys, pages


@pytest.mark.parametrize("query", [
    "",
    "$orderby=" + quote("Price desc,Description"),
    "$orderby=Description&$filter=" + quote("Price gt 10"),
    "$orderby=" + quote("IsFolder desc,Code"),
    # edges: exactly one and two full pages, one row past a page, $skip, an empty result
    "$top=7&$orderby=Code", "$top=14", "$top=8&$orderby=" + quote("Price,Code"), "$skip=3&$orderby=Description",
    "$skip=3&$top=9", "$filter=" + quote("Price gt 1000000000"), "$top=0",
])
def test_pages_cover_the_unpaged_result_in_order(paged_app, query, model):
    keys, pages = walk(paged_app, query)
    unpaged = AsUser(ODataMiddleware(None, SAMPLE, provider=paged_app.service.provider, prefix="trade"))
    expected = [r["Ref_Key"] for r in fetch(unpaged, SERVICE + "Catalog_Goods?$format=json&" + query)["value"]]
    assert keys == expected
    assert pages == max(1, -(-len(expected) // 7))


def test_top_spanning_pages_and_inline_count(paged_app):
    keys, pages = walk(paged_app, "$top=17&$inlinecount=allpages")
    assert len(keys) == 17 and pages == 3
    payload = fetch(paged_app, SERVICE + "Catalog_Goods?$format=json&$top=17&$inlinecount=allpages")
    total = int(Request.blank(SERVICE + "Catalog_Goods/$count").get_response(paged_app).body)
    assert payload["odata.count"] == str(total)


def test_small_top_is_not_paged(paged_app):
    payload = fetch(paged_app, SERVICE + "Catalog_Goods?$format=json&$top=5")
    assert len(payload["value"]) == 5 and "odata.nextLink" not in payload


def test_atom_next_link(paged_app):
    feed = etree.fromstring(Request.blank(SERVICE + "Catalog_Goods").get_response(paged_app).body)
    links = [link for link in feed.findall(f"{{{ATOM_NS}}}link") if link.get("rel") == "next"]
    assert len(links) == 1 and "$skiptoken=" in links[0].get("href")
    assert len(feed.findall(f"{{{ATOM_NS}}}entry")) == 7


@pytest.mark.parametrize("token", ["garbage", "Ref_Key=5", "Price=1", quote("Ref_Key=guid'00000000-0000-0000-0000-000000000000',X=1")])
def test_bad_skiptoken(paged_app, token):
    response = Request.blank(SERVICE + "Catalog_Goods?$format=json&$skiptoken=" + token).get_response(paged_app)
    assert_odata_error(response, 400, 14)


def test_skiptoken_without_paging_is_an_error(sample_app):
    response = Request.blank(SERVICE + "Catalog_Goods?$format=json&$skiptoken=x").get_response(sample_app)
    assert_odata_error(response, 400, 14)


@pytest.mark.parametrize("query", [
    "$orderby=" + quote("Unit/Description,Description"),
    "$orderby=" + quote("length(Description) desc,Code"),
    "$orderby=" + quote("Parent/Code desc"),
])
def test_a_non_plain_orderby_is_answered_whole_and_in_order(paged_app, query):
    """Items that are not plain properties cannot be resumed by a keyset token: no paging, the
    whole result in the requested order (README: Compatibility notes)."""
    payload = fetch(paged_app, SERVICE + "Catalog_Goods?$format=json&" + query)
    unpaged = AsUser(ODataMiddleware(None, SAMPLE, provider=paged_app.service.provider, prefix="trade"))
    expected = fetch(unpaged, SERVICE + "Catalog_Goods?$format=json&" + query)["value"]
    assert "odata.nextLink" not in payload and len(expected) > 7
    assert [r["Ref_Key"] for r in payload["value"]] == [r["Ref_Key"] for r in expected]
