"""The provider guide of the README: a PythonProvider subclass with four storage methods, and the
JSON-file example provider, served through the middleware. Not run on PostgreSQL: these providers
store nothing in SQL (the SQL providers run the contract suite in tests/providers/)."""

from __future__ import annotations

import json
from decimal import Decimal

from webob import Request

from infobase_odata.middleware import ODataMiddleware
from infobase_odata.providers.jsonfile import JSONFileProvider
from infobase_odata.providers.python import PythonProvider
from tests.conftest import SAMPLE, SERVICE, AsUser


class DictProvider(PythonProvider):  # the README's example, verbatim
    def __init__(self, model):
        super().__init__(model)
        self.data = {}

    def rows(self, entity_set):
        return self.data.get(entity_set.name, {}).values()

    def fetch(self, entity_set, key):
        return self.data.get(entity_set.name, {}).get(key)

    def store(self, entity_set, key, row):
        self.data.setdefault(entity_set.name, {})[key] = row

    def remove(self, entity_set, key):
        self.data.get(entity_set.name, {}).pop(key, None)


def call(app, method, path, body=None):
    request = Request.blank(SERVICE + path, method=method, headers={"Accept": "application/json"})
    if body is not None:
        request.body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        request.content_type = "application/json"
    response = request.get_response(app)
    assert response.status_code < 300, response.body[:300]
    return json.loads(response.body, parse_float=Decimal) if response.body else None


def exercise(app):
    unit = call(app, "POST", "Catalog_Units", {"Description": "шт"})
    for name, price in (("Шлепанцы", "12.50"), ("Ёлка", "1000"), ("Доставка", "0")):
        call(app, "POST", "Catalog_Goods", {"Description": name, "Price": price, "Unit_Key": unit["Ref_Key"]})
    found = call(app, "GET", "Catalog_Goods?$filter=Price gt 10 and Unit/Description eq 'шт'"
                             "&$orderby=Price desc&$expand=Unit&$inlinecount=allpages")
    assert [g["Description"] for g in found["value"]] == ["Ёлка", "Шлепанцы"] and found["odata.count"] == "2"
    assert found["value"][0]["Unit"]["Description"] == "шт"
    order = call(app, "POST", "Document_SalesOrder", {"Goods": [{"LineNumber": 1, "Quantity": "2"}]})
    assert order["Number"] == "000000001"
    key = f"Document_SalesOrder(guid'{order['Ref_Key']}')"
    assert call(app, "PATCH", key, {"Comment": "ok"})["Comment"] == "ok"
    assert call(app, "GET", "Document_SalesOrder_Goods")["value"][0]["Quantity"] == 2
    call(app, "DELETE", key)
    assert call(app, "GET", "Document_SalesOrder")["value"] == []


def test_the_readme_dict_provider_serves_the_sample():
    exercise(AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", provider=lambda model: DictProvider(model))))


def test_the_json_file_provider_persists(tmp_path):
    path = tmp_path / "trade.json"
    exercise(AsUser(ODataMiddleware(None, SAMPLE, prefix="trade",
                                    provider=lambda model: JSONFileProvider(model, path))))
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(r["Description"] for r in stored["Catalog_Goods"].values()) == ["Ёлка", "Доставка", "Шлепанцы"]  # code points
    again = AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", provider=lambda model: JSONFileProvider(model, path)))
    assert call(again, "GET", "Catalog_Goods?$filter=Description eq 'Ёлка'")["value"][0]["Price"] == 1000
