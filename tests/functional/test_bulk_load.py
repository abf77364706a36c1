"""The public bulk-load API for a configuration declared in Python."""

from __future__ import annotations

import pytest
from webob import Request

from infobase_odata import Attribute, Catalog, Configuration, bulk_load, make_service
from tests.functional.test_custom_provider import DictProvider  # the README's provider example

SHOP = Configuration("shop", [Catalog(name="Goods", attributes=[Attribute("Price", "Number(10,2)")])])


def count(service, path="Catalog_Goods/$count"):
    return Request.blank("/" + path).get_response(service).text


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_bulk_load_into_the_embedded_store(tmp_path, request, engine):
    database = (request.getfixturevalue("pg_server").fresh_url() if engine == "postgresql"
                else str(tmp_path / "shop.db"))
    service = make_service(SHOP, database=database)
    counts = bulk_load(service, {"Catalog_Goods": ({"Description": f"Item {i}", "Price": i} for i in range(2500))})
    assert counts == {"Catalog_Goods": 2500}
    assert count(service) == "2500"
    last = Request.blank("/Catalog_Goods?$orderby=Code desc&$top=1&$format=json").get_response(service).json
    assert last["value"][0]["Code"] == "000002500"  # numbered as POST would


def test_bulk_load_into_a_custom_provider_and_unknown_sets(tmp_path):
    service = make_service(SHOP, provider=lambda model: DictProvider(model))
    assert bulk_load(service, {"Catalog_Goods": [{"Description": "a"}, {"Description": "b"}]}) == {"Catalog_Goods": 2}
    assert count(service) == "2"
    with pytest.raises(KeyError, match="Catalog_Nothing"):
        bulk_load(service, {"Catalog_Nothing": []})
