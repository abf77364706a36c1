"""python-1c-odata posts and unposts a seeded order and reads Balance and SliceLast over HTTP.

The client decodes JSON for virtual tables; in Atom it reads SliceLast (a feed) but not
Balance, whose ``<d:Result>`` document its ``decode_atom`` does not know (README).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest
from python_1c_odata import AccumulationRegister, Document, Infobase, InformationRegister, PostingMode

pytestmark = pytest.mark.integration


def _split(root: str) -> tuple[str, str]:
    server, _, _ = root.partition("/trade/")
    return server, "trade"


def _stock(rows) -> Decimal:
    return sum((Decimal(str(r["QuantityBalance"])) for r in rows["value"]), Decimal(0))


def test_post_unpost_and_virtual_tables(cli_server):
    server, base = _split(cli_server)

    async def scenario():
        async with Infobase(server, base, "admin", "admin") as infobase:
            orders = Document(infobase, "SalesOrder")
            order = (await orders.query(top=1, odata_filter="Posted eq true", orderby="Number")).value[0]
            product = order["Goods"][0]["Product_Key"]
            ordered = sum(Decimal(str(line["Quantity"])) for line in order["Goods"] if line["Product_Key"] == product)
            condition = f"Product_Key eq guid'{product}' and Warehouse_Key eq guid'{order['Warehouse_Key']}'"
            stock = AccumulationRegister(infobase, "Stock")
            posted = _stock(await stock.balance(condition=condition))

            assert await orders.unpost(order["Ref_Key"]) is None
            assert (await orders.get(order["Ref_Key"]))["Posted"] is False
            unposted = _stock(await stock.balance(condition=condition))
            kind = (await infobase.get("Catalog_Goods", key=product))["Kind"]
            assert unposted - posted == (0 if kind == "Service" else ordered)

            await orders.post(order["Ref_Key"], PostingMode.POST)
            assert (await orders.get(order["Ref_Key"]))["Posted"] is True
            assert _stock(await stock.balance(condition=condition)) == posted
            before = _stock(await stock.balance(period=dt.datetime(2024, 1, 1), condition=condition))
            assert before >= 0  # the opening balances of 2023-12-31

            prices = InformationRegister(infobase, "Prices")
            last = await prices.slice_last(dt.datetime(2024, 3, 1), f"Product_Key eq guid'{product}'")
            assert [row["Product_Key"] for row in last["value"]] == [product]
            assert last["value"][0]["Period"] == "2024-01-01T00:00:00"
        async with Infobase(server, base, "admin", "admin", format="atom") as infobase:
            prices = InformationRegister(infobase, "Prices")
            last = await prices.slice_last(dt.datetime(2024, 12, 31), f"Product_Key eq guid'{product}'")
            assert len(last["value"]) == 1 and last["value"][0]["Product_Key"] == product
        return True

    assert asyncio.run(scenario())
