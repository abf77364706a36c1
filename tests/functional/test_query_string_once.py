"""The query string is split once per request (``service.respond``), then read by negotiation,
option parsing, paging links, row-level security and actions from ``Context.query_pairs``."""

from __future__ import annotations

import pytest
from webob import Request

from infobase_odata import context, negotiation, service as service_module
from infobase_odata.middleware import ODataMiddleware
from infobase_odata.settings import Settings
from tests.conftest import SAMPLE, SERVICE, AsUser, seeded_memory_provider


@pytest.fixture(scope="module")
def app(model):
    return AsUser(ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 30), prefix="trade",
                                  settings=Settings(page_size=10)))


@pytest.fixture
def splits(monkeypatch):
    calls = []
    real = service_module.split_query_string

    def counted(query_string):
        calls.append(query_string)
        return real(query_string)

    def refused(query_string):
        raise AssertionError("the query string was split again")

    monkeypatch.setattr(service_module, "split_query_string", counted)
    monkeypatch.setattr(context, "split_query_string", refused)
    monkeypatch.setattr(negotiation, "split_query_string", refused)
    return calls


@pytest.mark.parametrize("path", [
    "Catalog_Goods?$format=json&$filter=Price ge 0&$inlinecount=allpages&allowedOnly=true",  # a paged read
    "Catalog_Goods/$count?$filter=Price ge 0",
    "AccumulationRegister_Stock/Balance()?$format=json&$top=3",
])
def test_one_split_per_request(app, splits, path):
    response = Request.blank(SERVICE + path.replace(" ", "%20")).get_response(app)
    assert response.status_code == 200, response.text
    assert len(splits) == 1
    if "inlinecount" in path:
        assert "$skiptoken" in response.json["odata.nextLink"]


def test_an_undecodable_query_string_is_still_answered_in_the_requested_format(app, splits):
    response = Request.blank(SERVICE + "Catalog_Goods?$format=json&$filter=%C0%AF").get_response(app)
    assert response.status_code == 400 and response.content_type == "application/json"
    assert len(splits) == 1
