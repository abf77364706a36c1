"""Every error path of the read side answers the right 4xx with the one OData error shape,
in JSON and in XML, and never leaks a traceback or SQL."""

from __future__ import annotations

import pytest
from webob import Request

from tests.conftest import SERVICE, assert_odata_error

GUID = "8d04ce3c-6360-11e9-dd92-fa163e8ba11d"

# (path, method, status, 1C code)
CASES = [
    ("Catalog_Nothing", "GET", 404, 8),
    ("Catalog_Employees", "GET", 404, 8),  # declared but not published
    ("Catalog_Employees(guid'%s')" % GUID, "GET", 404, 8),
    ("Catalog_Goods(guid'%s')" % GUID, "GET", 404, 9),
    ("Catalog_Goods(guid'not-a-guid')", "GET", 400, 1),
    ("Catalog_Goods(42)", "GET", 400, 7),
    ("Catalog_Goods('text')", "GET", 400, 7),
    ("Catalog_Goods(Code=guid'%s')" % GUID, "GET", 400, 7),
    ("Catalog_Goods()", "GET", 400, 7),
    ("Catalog_Goods(guid'%s'" % GUID, "GET", 400, 6),
    ("Document_SalesOrder_Goods(Ref_Key=guid'%s')" % GUID, "GET", 400, 7),
    ("Document_SalesOrder_Goods(guid'%s')" % GUID, "GET", 400, 7),
    ("Document_SalesOrder_Goods(Ref_Key=guid'%s',LineNumber='x')" % GUID, "GET", 400, 7),
    ("Constant_CompanyName(7)", "GET", 404, 9),
    ("Catalog_Goods/NoSuchFunction", "GET", 404, 11),
    ("Catalog_Goods/$count/more", "GET", 404, 11),
    ("$metadata", "POST", 405, 19),
    ("$metadata", "DELETE", 405, 19),
    ("", "DELETE", 405, 19),
    ("Catalog_Goods/$count", "POST", 405, 19),
    ("$batch", "POST", 400, 2),  # no multipart body ($batch is on by default: test_batch.py)
    ("$batch", "GET", 405, 19),
    ("Catalog_Goods?$format=bogus", "GET", 406, 3),
    ("Catalog_Goods?$top=-1", "GET", 400, 14),
    ("Catalog_Goods?$top=abc", "GET", 400, 14),
    ("Catalog_Goods?$filter=Nope eq 1", "GET", 400, 14),
    ("Catalog_Goods?$unknown=1", "GET", 400, 14),
    ("Catalog_Goods?$top=1&$top=2", "GET", 400, 14),
    ("Catalog_Goods?$select=Nope", "GET", 400, 14),
    ("Catalog_Goods?$expand=Nope", "GET", 400, 14),
    ("Catalog_Goods%FF", "GET", 400, 6),
    ("Catalog_Goods?$filter=%FF", "GET", 400, 6),
]


def _first_goods_ref(app) -> str:
    import json

    response = Request.blank(SERVICE + "Catalog_Goods?$top=1&$format=json").get_response(app)
    return json.loads(response.body)["value"][0]["Ref_Key"]


def _cases_with_entity(app):
    ref = _first_goods_ref(app)
    return [
        (f"Catalog_Goods(guid'{ref}')/Nope", "GET", 404, 10),
        (f"Catalog_Goods(guid'{ref}')/Description/Nope", "GET", 400, 6),
        (f"Catalog_Goods(guid'{ref}')/Unit(guid'{GUID}')", "GET", 400, 6),
        (f"Catalog_Goods(guid'{ref}')/Description/$value/x", "GET", 400, 6),
    ]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_error_path_has_the_one_shape(sample_app, fmt):
    for path, method, status, code in CASES + _cases_with_entity(sample_app):
        headers = {"Accept": "application/json"} if fmt == "json" else {}
        response = Request.blank(SERVICE + path, method=method, headers=headers).get_response(sample_app)
        assert_odata_error(response, status, code)
        expected = "application/json" if fmt == "json" else "application/xml"
        assert response.headers["Content-Type"].startswith(expected), path


def test_error_format_follows_dollar_format(sample_app):
    response = Request.blank(SERVICE + "Catalog_Nothing?$format=json").get_response(sample_app)
    assert response.headers["Content-Type"].startswith("application/json")
    assert_odata_error(response, 404, 8)


def test_method_not_allowed_lists_allowed_methods(sample_app):
    response = Request.blank(SERVICE + "$metadata", method="POST").get_response(sample_app)
    assert response.headers["Allow"] == "GET"


def test_unexpected_exception_is_500_without_details(sample_app, monkeypatch, caplog):
    store = sample_app.service.provider
    provider = getattr(store, "provider", store)  # the lazy embedded store wraps the real one

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail SELECT * FROM x")

    monkeypatch.setattr(type(provider), "query", broken)
    response = Request.blank(SERVICE + "Catalog_Goods?$format=json").get_response(sample_app)
    message = assert_odata_error(response, 500, -1)
    assert "secret" not in message and "SELECT" not in message
    assert "secret internal detail" in caplog.text
