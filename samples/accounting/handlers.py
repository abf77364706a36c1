"""Posting of the sample accounting infobase: each document writes its entries (проводки) to
``AccountingRegister_Main`` with ext dimensions by type::

    @events.posting("Document_GoodsReceipt")
    def post_receipt(event): ...      # Dr 41.01 (goods, warehouse, quantity) Cr 60 (supplier)
"""

from __future__ import annotations

from infobase_odata.accounting import predefined_key
from infobase_odata.events import EventHandlers

events = EventHandlers()
CHART = "ChartOfAccounts_Main"


def account(name: str) -> str:
    """The Ref_Key of a predefined account of the chart."""
    return predefined_key(CHART, name)


@events.posting("Document_Opening")
def post_opening(event) -> None:
    """Capital paid into the bank: Dr 51 Cr 80."""
    event.movements("AccountingRegister_Main").add(
        AccountDr_Key=account("Bank"), AccountCr_Key=account("Capital"), Amount=event.object["Amount"],
        Content="Вклад в уставный капитал")


@events.posting("Document_GoodsReceipt")
def post_receipt(event) -> None:
    doc = event.object
    for line in doc["Goods"]:
        event.movements("AccountingRegister_Main").add(
            AccountDr_Key=account("GoodsInWarehouses"), AccountCr_Key=account("Suppliers"),
            ExtDimensionsDr={"Goods": line["Product_Key"], "Warehouses": doc["Warehouse_Key"]},
            ExtDimensionsCr={"Counterparties": doc["Supplier_Key"]},
            Department_Key=doc["Department_Key"], Amount=line["Amount"], QuantityDr=line["Quantity"],
            Content="Поступление товаров")


@events.posting("Document_Sale")
def post_sale(event) -> None:
    doc = event.object
    for line in doc["Goods"]:
        movements = event.movements("AccountingRegister_Main")
        movements.add(AccountDr_Key=account("Customers"), AccountCr_Key=account("Revenue"),
                      ExtDimensionsDr={"Counterparties": doc["Customer_Key"]},
                      ExtDimensionsCr={"Goods": line["Product_Key"]},
                      Department_Key=doc["Department_Key"], Amount=line["Amount"], Content="Выручка")
        movements.add(AccountDr_Key=account("CostOfSales"), AccountCr_Key=account("GoodsInWarehouses"),
                      ExtDimensionsDr={"Goods": line["Product_Key"]},
                      ExtDimensionsCr={"Goods": line["Product_Key"], "Warehouses": doc["Warehouse_Key"]},
                      Department_Key=doc["Department_Key"], Amount=line["Cost"], QuantityCr=line["Quantity"],
                      Content="Себестоимость")


@events.posting("Document_Payment")
def post_payment(event) -> None:
    doc = event.object
    movements = event.movements("AccountingRegister_Main")
    if doc["Incoming"]:
        movements.add(AccountDr_Key=account("Bank"), AccountCr_Key=account("Customers"),
                      ExtDimensionsCr={"Counterparties": doc["Counterparty_Key"]}, Amount=doc["Amount"],
                      Content="Оплата от покупателя")
    else:
        movements.add(AccountDr_Key=account("Suppliers"), AccountCr_Key=account("Bank"),
                      ExtDimensionsDr={"Counterparties": doc["Counterparty_Key"]}, Amount=doc["Amount"],
                      Content="Оплата поставщику")
