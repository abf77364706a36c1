"""Business logic of the sample trade infobase, as 1C object-module event handlers.

The configuration names this file (``"handlers": "handlers.py"``); the library loads its
``events`` registry::

    @events.before_write("Document_SalesOrder")
    def fill_amounts(event): ...
"""

from __future__ import annotations

from decimal import Decimal

from infobase_odata.events import EventHandlers, Refusal

events = EventHandlers()


def _fill_amounts(event) -> None:
    """Amount = Quantity × Price on every line, Total = the sum (ПередЗаписью)."""
    total = Decimal(0)
    for line in event.object.get("Goods") or []:
        quantity = Decimal(line.get("Quantity") or 0)
        price = Decimal(line.get("Price") or 0)
        if quantity < 0 and not event.data_load:
            raise Refusal(f"Строка {line.get('LineNumber')}: количество не может быть отрицательным")
        line["Amount"] = (quantity * price).quantize(Decimal("0.01"))
        total += line["Amount"]
    if "Total" in event.object:
        event.object["Total"] = total


events.before_write("Document_SalesOrder")(_fill_amounts)
events.before_write("Document_GoodsReceipt")(_fill_amounts)


@events.before_write("Catalog_Goods")
def check_price(event) -> None:
    price = event.object.get("Price") or 0
    if price < 0 and not event.data_load:
        raise Refusal("Цена не может быть отрицательной")


@events.before_delete("Catalog_Валюты")
def keep_ruble(event) -> None:
    if event.object.get("Code") == "643":
        raise Refusal("Валюту регламентированного учета удалять нельзя")


# --- posting (ОбработкаПроведения / ОбработкаУдаленияПроведения) -----------------------------------

def _services(event, lines) -> set[str]:
    """Products of the lines that are services: they are sold but never stocked."""
    goods = event.provider.model.entity_set("Catalog_Goods")
    keys = [{"Ref_Key": line["Product_Key"]} for line in lines if line.get("Product_Key")]
    return {row["Ref_Key"] for row in event.provider.get_many(goods, keys) if row.get("Kind") == "Service"}


@events.posting("Document_GoodsReceipt")
def post_receipt(event) -> None:
    document = event.object
    lines = document.get("Goods") or []
    services = _services(event, lines)
    stock = event.movements("AccumulationRegister_Stock")
    for line in lines:
        if line["Product_Key"] not in services:
            stock.add(RecordType="Receipt", Product_Key=line["Product_Key"],
                      Warehouse_Key=document["Warehouse_Key"], Quantity=line["Quantity"])


@events.posting("Document_SalesOrder")
def post_order(event) -> None:
    document = event.object
    if document.get("Customer_Key") in (None, "", "00000000-0000-0000-0000-000000000000"):
        raise Refusal("Не заполнен покупатель: документ не может быть проведен")
    lines = document.get("Goods") or []
    services = _services(event, lines)
    stock = event.movements("AccumulationRegister_Stock")
    sales = event.movements("AccumulationRegister_Sales")
    for line in lines:
        if line["Product_Key"] not in services:
            stock.add(RecordType="Expense", Product_Key=line["Product_Key"],
                      Warehouse_Key=document["Warehouse_Key"], Quantity=line["Quantity"])
        sales.add(Product_Key=line["Product_Key"], Customer_Key=document["Customer_Key"],
                  Quantity=line["Quantity"], Amount=line["Amount"])


# --- approval of large orders (business process OrderApproval, its route points) ----------------

LARGE_ORDER = Decimal("100000")  # orders from this total also need the director's approval
EMPTY_REF = "00000000-0000-0000-0000-000000000000"


def _order(event):
    orders = event.provider.model.entity_set("Document_SalesOrder")
    key = event.object.get("Order_Key")
    return event.provider.get(orders, {"Ref_Key": key}) if key and key != EMPTY_REF else None


@events.before_write("BusinessProcess_OrderApproval")
def take_order_total(event) -> None:
    """Amount = the order's Total (ПередЗаписью)."""
    order = _order(event)
    if order is not None:
        event.object["Amount"] = order["Total"]


@events.condition("BusinessProcess_OrderApproval", "IsLarge")
def is_large(event) -> bool:
    return Decimal(event.object.get("Amount") or 0) >= LARGE_ORDER


@events.on_create_tasks("BusinessProcess_OrderApproval", "ManagerApproval")
@events.on_create_tasks("BusinessProcess_OrderApproval", "DirectorApproval")
def address_tasks(event) -> None:
    """The task names the order; the manager's one goes to the customer's manager (ПриСозданииЗадач)."""
    order = _order(event)
    for task in event.tasks:
        task["Order_Key"] = event.object.get("Order_Key") or EMPTY_REF
        if order is not None:
            task["Description"] = f"{task['Description']} {order['Number']}"
            if event.extra["RoutePoint"] == "ManagerApproval":
                counterparties = event.provider.model.entity_set("Catalog_Counterparties")
                customer = event.provider.get(counterparties, {"Ref_Key": order["Customer_Key"]})
                if customer is not None:
                    task["Performer_Key"] = customer["Manager_Key"]
