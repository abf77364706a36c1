"""python-1c-odata, a third-party client written against real 1C servers, reads the sample."""

from __future__ import annotations

import asyncio

import pytest
from python_1c_odata import Catalog, Document, DocumentJournal, Infobase

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cli_server(cli_server_both):
    """These tests run against the CLI server on SQLite and on PostgreSQL."""
    return cli_server_both


def _split(root: str) -> tuple[str, str]:
    server, _, rest = root.partition("/trade/")
    return server, "trade"


def run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize("fmt", ["json", "atom"])
def test_list_get_and_metadata(cli_server, fmt):
    server, base = _split(cli_server)

    async def scenario():
        async with Infobase(server, base, "admin", "admin", format=fmt) as infobase:
            metadata = await infobase.metadata()
            assert "EnterpriseV8" in metadata
            assert await infobase.has_entity_set("Catalog_Goods")
            info = await infobase.entity_type_for_set("Catalog_Goods")
            assert info.keys == ("Ref_Key",)
            goods = Catalog(infobase, "Goods")
            page = await goods.query(top=5, odata_filter="IsFolder eq false")
            assert len(page.value) == 5
            first = page.value[0]
            again = await goods.get(first["Ref_Key"])
            assert again["Description"] == first["Description"]
            assert again["Ref_Key"] == first["Ref_Key"]
            orders = Document(infobase, "SalesOrder")
            order_page = await orders.query(top=2)
            assert len(order_page.value) == 2
            return True

    assert run(scenario())


def test_count_and_iterate(cli_server):
    server, base = _split(cli_server)

    async def scenario():
        async with Infobase(server, base, "admin", "admin") as infobase:
            units = Catalog(infobase, "Units")
            total = await units.count()
            seen = [row async for row in units.iterate(page_size=2)]
            assert len(seen) == total > 0
            return True

    assert run(scenario())


@pytest.mark.parametrize("fmt", ["json", "atom"])
def test_read_a_document_journal(cli_server, fmt):
    server, base = _split(cli_server)

    async def scenario():
        async with Infobase(server, base, "admin", "admin", format=fmt) as infobase:
            info = await infobase.entity_type_for_set("DocumentJournal_WarehouseDocuments")
            assert info.keys == ("Ref", "Ref_Type")
            journal = DocumentJournal(infobase, "WarehouseDocuments")
            orders = await Document(infobase, "SalesOrder").count()
            receipts = await Document(infobase, "GoodsReceipt").count()
            assert await journal.count() == orders + receipts
            page = await journal.query(top=3, orderby="Date desc", odata_filter="Posted eq true")
            assert len(page.value) == 3
            assert [row["Date"] for row in page.value] == sorted((row["Date"] for row in page.value), reverse=True)
            first = page.value[0]
            again = await journal.get({"Ref": first["Ref"], "Ref_Type": first["Ref_Type"]})
            assert again["Number"] == first["Number"] and again["Warehouse_Key"] == first["Warehouse_Key"]
            document = first["Ref_Type"].rpartition("_")[2]
            source = await Document(infobase, document).get(first["Ref"])
            assert source["Warehouse_Key"] == first["Warehouse_Key"] and source["Number"] == first["Number"]
            return True

    assert run(scenario())
