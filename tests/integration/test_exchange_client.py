"""python-1c-odata, a client written against real 1C servers, reads the sample's exchange plan
and builds and confirms an exchange message (SelectChanges, NotifyChangesReceived, §7) from a
real server process."""

from __future__ import annotations

import asyncio

import pytest
from python_1c_odata import ExchangePlan, Infobase

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("fmt", ["atom", "json"])
def test_nodes_changes_and_confirmation(cli_server, fmt):
    server, _, _ = cli_server.partition("/trade/")

    async def scenario():
        async with Infobase(server, "trade", "admin", "admin", format=fmt) as infobase:
            sites = ExchangePlan(infobase, "Sites")
            page = await sites.query(orderby="Code")
            assert [row["Description"] for row in page.value][:2] == ["Web shop", "Main warehouse terminal"]
            node = (await infobase.post("ExchangePlan_Sites", json={"Code": f"N-{fmt}", "Description": fmt}))
            node = node["Ref_Key"]
            good = (await infobase.post("Catalog_Goods", json={"Description": f"exchange {fmt}"}))["Ref_Key"]
            point = {"DataExchangePoint": f"'{cli_server}ExchangePlan_Sites(guid'{node}')'", "MessageNo": "1"}
            infobase.format = "atom"  # the change feed is Atom only, as on the platform
            feed = await infobase.post("SelectChanges", extra=point)
            assert await infobase.post("NotifyChangesReceived", extra=point) is None
            infobase.format = fmt
            again = await sites.get(node)
            return feed, good, again

    feed, good, node = asyncio.run(scenario())
    rows = feed["value"] if isinstance(feed, dict) else feed
    assert [row["Ref_Key"] for row in rows] == [good]
    assert rows[0]["Description"] == f"exchange {node['Description']}"
    assert str(node["SentNo"]) == str(node["ReceivedNo"]) == "1"
