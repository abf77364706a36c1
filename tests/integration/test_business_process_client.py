"""python-1c-odata, a third-party client written against real 1C servers, runs the sample's
approval of a large order: it creates the order and the business process, starts it, and
executes the manager's and then the director's task until the process is completed."""

from __future__ import annotations

import asyncio

import pytest
from python_1c_odata import BusinessProcess, Catalog, Document, Infobase, Task

pytestmark = pytest.mark.integration


def _split(root: str) -> tuple[str, str]:
    server, _, rest = root.partition("/trade/")
    return server, "trade"


def flag(value) -> bool:
    """A Boolean as python-1c-odata gives it: True in JSON, "true" in Atom."""
    assert value in (True, False, "true", "false"), value
    return value in (True, "true")


@pytest.mark.parametrize("fmt", ["json", "atom"])
def test_start_a_business_process_and_execute_its_tasks(cli_server, fmt):
    server, base = _split(cli_server)

    async def large_order() -> dict:
        # The order in JSON: python-1c-odata's Atom writer leaves tabular sections out.
        async with Infobase(server, base, "manager", "manager", format="json") as infobase:
            goods = await Catalog(infobase, "Goods").query(top=1, odata_filter="IsFolder eq false")
            warehouse = (await Catalog(infobase, "Warehouses").query(odata_filter="Code eq '000000001'")).value[0]
            customer = (await Catalog(infobase, "Counterparties").query(top=1)).value[0]
            return await Document(infobase, "SalesOrder").create({
                "Date": "2024-06-01T10:00:00", "Customer_Key": customer["Ref_Key"],
                "Warehouse_Key": warehouse["Ref_Key"],
                "Goods": [{"LineNumber": "1", "Product_Key": goods.value[0]["Ref_Key"], "Quantity": 1000,
                           "Price": 150}]})

    async def scenario():
        order = await large_order()
        assert float(order["Total"]) == 150000
        async with Infobase(server, base, "manager", "manager", format=fmt) as infobase:
            processes = BusinessProcess(infobase, "OrderApproval")
            process = await processes.create({"Order_Key": order["Ref_Key"]})
            assert float(process["Amount"]) == 150000 and flag(process["Started"]) is False
            await processes.start(process["Ref_Key"], route_point="Start")
            assert flag((await processes.get(process["Ref_Key"]))["Started"]) is True

            tasks = Task(infobase, "OrderApprovalTask")
            mine = (f"BusinessProcess eq cast(guid'{process['Ref_Key']}', "
                    "'StandardODATA.BusinessProcess_OrderApproval') and Executed eq false")
            [manager_task] = (await tasks.query(odata_filter=mine)).value
            assert (manager_task["RoutePoint"], manager_task["PerformerRole"]) == ("ManagerApproval", "SalesManager")
            assert manager_task["Order_Key"] == order["Ref_Key"] and order["Number"] in manager_task["Description"]
            await tasks.execute(manager_task["Ref_Key"])

            [director_task] = (await tasks.query(odata_filter=mine)).value  # a large order
            assert (director_task["RoutePoint"], director_task["PerformerRole"]) == ("DirectorApproval", "Director")
            assert flag((await processes.get(process["Ref_Key"]))["Completed"]) is False
            await tasks.execute(director_task["Ref_Key"])

            done = await processes.get(process["Ref_Key"])
            assert (flag(done["Started"]), flag(done["Completed"])) == (True, True)
            assert (await tasks.query(odata_filter=mine)).value == []
            assert flag((await tasks.get(manager_task["Ref_Key"]))["Executed"]) is True
            return True

    assert asyncio.run(scenario())
