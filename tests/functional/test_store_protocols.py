"""The store Protocols checked at start-up: a provider implementing only some of them is served,
and requests needing a missing one are answered by the service (405 code 19, 501)."""

from __future__ import annotations

import json

import pytest
from webob import Request

from infobase_odata.middleware import ODataMiddleware
from infobase_odata.stores import (CalculationStore, ConstantStore, ExchangeStore, ObjectReader, ObjectWriter, RecordSetStore,
                                   VirtualTableStore, capabilities)
from tests.conftest import SAMPLE, SERVICE, AsUser, assert_odata_error, seeded_memory_provider

GUID = "00000000-0000-0000-0000-000000000001"


class ReadOnlyProvider:
    """Only ObjectReader: reads delegated to a seeded in-memory provider."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def query(self, entity_set, options, *, restriction=None):
        return self._inner.query(entity_set, options, restriction=restriction)

    def get(self, entity_set, key):
        return self._inner.get(entity_set, key)

    def get_many(self, entity_set, keys):
        return self._inner.get_many(entity_set, keys)

    def count(self, entity_set, filter, *, restriction=None):
        return self._inner.count(entity_set, filter, restriction=restriction)


@pytest.fixture(scope="module")
def read_only_app(model):
    return AsUser(ODataMiddleware(None, SAMPLE, provider=ReadOnlyProvider(seeded_memory_provider(model, 20)),
                                  prefix="trade"))


def send(app, method, path, body=None):
    request = Request.blank(SERVICE + path, method=method, headers={"Accept": "application/json"})
    if body is not None:
        request.body = json.dumps(body).encode("utf-8")
        request.content_type = "application/json"
    return request.get_response(app)


def test_read_only_provider_has_only_object_reads():
    assert capabilities(ReadOnlyProvider(None)) == {ObjectReader}


def test_read_only_provider_reads(read_only_app):
    response = send(read_only_app, "GET", "Catalog_Goods?$top=2&$format=json")
    assert response.status_code == 200 and len(response.json["value"]) == 2


@pytest.mark.parametrize("method, path", [
    ("POST", "Catalog_Goods"),
    ("PATCH", f"Catalog_Goods(guid'{GUID}')"),
    ("PUT", f"Catalog_Goods(guid'{GUID}')"),
    ("DELETE", f"Catalog_Goods(guid'{GUID}')"),
    ("PATCH", "Constant_CompanyName"),
    ("PATCH", f"AccumulationRegister_Sales(guid'{GUID}')"),
])
def test_writes_on_a_read_only_provider_are_405_code_19(read_only_app, method, path):
    response = send(read_only_app, method, path, {"Description": "x"})
    assert_odata_error(response, 405, 19)
    assert response.headers["Allow"] == "GET"


def test_post_action_on_a_read_only_provider_is_405(read_only_app):
    order = send(read_only_app, "GET", "Document_SalesOrder?$top=1&$format=json").json["value"][0]
    assert_odata_error(send(read_only_app, "POST", f"Document_SalesOrder(guid'{order['Ref_Key']}')/Post"), 405, 19)


def test_virtual_table_on_a_provider_without_one_is_501(read_only_app):
    assert_odata_error(send(read_only_app, "GET", "AccumulationRegister_Sales/Turnovers()"), 501, 0)


def test_a_provider_that_cannot_read_is_refused_at_start_up():
    with pytest.raises(TypeError, match="ObjectReader"):
        ODataMiddleware(None, SAMPLE, provider=object(), prefix="trade")


EXPECTED = {
    "memory": {ObjectReader, ObjectWriter, ConstantStore, RecordSetStore, VirtualTableStore, ExchangeStore, CalculationStore},
    "sqlite": {ObjectReader, ObjectWriter, ConstantStore, RecordSetStore, VirtualTableStore, ExchangeStore, CalculationStore},
    "mapped": {ObjectReader, ObjectWriter, ConstantStore, RecordSetStore, VirtualTableStore, ExchangeStore, CalculationStore},
    "jsonfile": {ObjectReader, ObjectWriter, ConstantStore},
    "postgresql": {ObjectReader, ObjectWriter, ConstantStore, RecordSetStore, VirtualTableStore, ExchangeStore, CalculationStore},
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_store_protocols_of_every_provider(kind, model, tmp_path, request):
    from infobase_odata.stores import BulkLoader
    from tests.providers.conftest import make_provider

    pg = request.getfixturevalue("pg_server") if kind == "postgresql" else None
    found = capabilities(make_provider(kind, model, tmp_path, pg=pg))
    assert found - {BulkLoader} == EXPECTED[kind]
