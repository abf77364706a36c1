"""python-1c-odata, a third-party 1C client, reads and writes the existing-site sample
(samples/existing_site: the shop's own tables published through mapping.json) under gunicorn,
and the shop's own code and pages see what it wrote. SQLite only, by design (the mapped provider
publishes a site's own SQLite file)."""

from __future__ import annotations

import asyncio
import importlib
import sys

import pytest
import requests
from python_1c_odata import Catalog, Document, Infobase

from tests.integration.conftest import ROOT, free_port, gunicorn_command, server

pytestmark = pytest.mark.integration

SITE = ROOT / "samples" / "existing_site"


@pytest.fixture(scope="module")
def shop_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shop")
    database = folder / "shop.db"
    port = free_port()
    command = gunicorn_command("--bind", f"127.0.0.1:{port}", "--chdir", str(SITE), "app:app")
    with server(command, f"http://127.0.0.1:{port}/", folder / "gunicorn.log",
                env={"SHOP_DATABASE": str(database)}):
        yield f"http://127.0.0.1:{port}", str(database)


def shop_module():
    sys.path.insert(0, str(SITE))
    return importlib.import_module("shop")


@pytest.mark.parametrize("fmt", ["json", "atom"])
def test_client_reads_the_shop(shop_server, fmt):
    url, _ = shop_server

    async def scenario():
        async with Infobase(url, "shop", "admin", "admin", format=fmt) as infobase:
            assert await infobase.has_entity_set("Document_SalesOrder_Goods")
            goods = Catalog(infobase, "Goods")
            page = await goods.query(top=10, orderby="Description", odata_filter="Price gt 10")
            names = [g["Description"] for g in page.value]
            assert names[:3] == ["Coffee beans", "Flip-flops", "T-shirt"]
            first = await goods.get(page.value[1]["Ref_Key"])
            assert first["Description"] == "Flip-flops" and first["Ref_Key"].endswith("000000000001")
            unit = await Catalog(infobase, "Units").get(first["Unit_Key"])
            assert unit["Description"] == "pcs"
            order = (await Document(infobase, "SalesOrder").query(top=1)).value[0]
            if fmt == "json":  # the client's Atom reader leaves tabular sections out
                assert len(order["Goods"]) == 2 and order["Goods"][0]["Product_Key"].endswith("000000000001")
            customer = await Catalog(infobase, "Counterparties").get(order["Customer_Key"])
            assert customer["Description"] == "Romashka LLC"
            return True

    assert asyncio.run(scenario())


def test_client_writes_and_the_shop_sees_it(shop_server):
    url, database = shop_server
    shop = shop_module()

    async def scenario():
        async with Infobase(url, "shop", "admin", "admin") as infobase:
            goods = Catalog(infobase, "Goods")
            tea = await goods.create({"Description": "Green tea", "Article": "GT-9", "Price": 7.35})
            tea = await goods.edit(tea["Ref_Key"], {"Price": 7.5}, if_match=tea["DataVersion"])
            customers = Catalog(infobase, "Counterparties")
            customer = await customers.create({"Description": "Vasilek", "INN": "5000000000"})
            orders = Document(infobase, "SalesOrder")
            order = await orders.create({
                "Date": "2024-03-01T09:00:00", "Customer_Key": customer["Ref_Key"], "Comment": "from 1C",
                "Total": 15, "Goods": [{"LineNumber": 1, "Product_Key": tea["Ref_Key"], "Quantity": 2,
                                        "Price": 7.5, "Amount": 15}]})
            scratch = await customers.create({"Description": "to delete"})
            await customers.delete(scratch["Ref_Key"])
            return tea, order

    tea, order = asyncio.run(scenario())
    products = {p["name"]: p for p in shop.list_products(database)}
    assert products["Green tea"]["price_cents"] == 750 and products["Green tea"]["sku"] == "GT-9"
    stored = [o for o in shop.list_orders(database) if o["note"] == "from 1C"][0]
    assert stored["placed_at"] == "2024-03-01 09:00:00" and stored["total_cents"] == 1500
    assert stored["lines"] == [{"product_id": products["Green tea"]["id"], "quantity": 2.0,
                                "price_cents": 750, "amount_cents": 1500}]
    assert "Green tea" in [p["name"] for p in requests.get(f"{url}/products", timeout=30).json()]
    assert order["Number"] == f"{stored['id']:09d}"

    shop.set_price(database, products["Green tea"]["id"], 800)  # the shop changes it; the client sees it

    async def reread():
        async with Infobase(url, "shop", "admin", "admin") as infobase:
            return await Catalog(infobase, "Goods").get(tea["Ref_Key"])

    again = asyncio.run(reread())
    assert float(again["Price"]) == 8.0 and again["DataVersion"] != tea["DataVersion"]
