"""Seed of the sample accounting infobase: departments, counterparties, goods, warehouses and
half a year of posted documents (capital, goods receipts, sales with cost of sales, payments).

Entries are the Posting handlers' own (``handlers.py`` is run on every document) and go in with
``provider.accounting.bulk_write_record_sets``; the numbers are the same on every run
(``random.Random(2024)``)::

    infobase-odata serve samples/accounting --seed-option documents=2000
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from infobase_odata.events import Movements

REGISTER = "AccountingRegister_Main"


def _handlers() -> Any:
    spec = importlib.util.spec_from_file_location("accounting_sample_handlers", Path(__file__).with_name("handlers.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


class _Posting:
    """What a Posting handler reads and fills (``event.object``, ``event.movements``)."""

    def __init__(self, document: dict) -> None:
        self.object = document
        self.record_sets = {REGISTER: Movements(REGISTER, document["Date"])}

    def movements(self, register: str) -> Movements:
        return self.record_sets[register]


def seed(provider, model, *, documents: int = 240, progress=None) -> dict[str, int]:
    rng = random.Random(2024)
    handlers = _handlers()

    def create(name: str, rows: list[dict]) -> list[str]:
        entity_set = model.entity_set(name)
        return [provider.create(entity_set, row)["Ref_Key"] for row in rows]

    departments = create("Catalog_Departments", [{"Description": d} for d in ("Москва", "Санкт-Петербург")])
    suppliers = create("Catalog_Counterparties", [{"Description": f"ООО Поставщик {i}", "INN": f"77{i:08d}"}
                                                  for i in range(1, 5)])
    customers = create("Catalog_Counterparties", [{"Description": f"ИП Покупатель {i}", "INN": f"50{i:010d}"}
                                                  for i in range(1, 7)])
    goods = create("Catalog_Goods", [{"Description": f"Товар {i:02d}"} for i in range(1, 21)])
    warehouses = create("Catalog_Warehouses", [{"Description": w} for w in ("Основной", "Транзитный", "O'Neil")])
    cost = {g: Decimal(rng.randint(100, 5000)) for g in goods}
    stock: dict[tuple[str, str], int] = {}
    docs: list[tuple[str, dict]] = [("Document_Opening", {"Date": dt.datetime(2024, 1, 1, 9), "Amount": Decimal(1000000)})]
    day = dt.datetime(2024, 1, 2, 10)
    for i in range(documents):
        day += dt.timedelta(hours=rng.randint(6, 30))
        kind = rng.random()
        department = rng.choice(departments)
        if kind < 0.4 or not stock:
            warehouse = rng.choice(warehouses)
            lines = []
            for product in rng.sample(goods, rng.randint(1, 4)):
                quantity = rng.randint(1, 20)
                stock[(product, warehouse)] = stock.get((product, warehouse), 0) + quantity
                lines.append({"Product_Key": product, "Quantity": Decimal(quantity), "Amount": cost[product] * quantity})
            docs.append(("Document_GoodsReceipt", {"Date": day, "Supplier_Key": rng.choice(suppliers),
                                                   "Warehouse_Key": warehouse, "Department_Key": department,
                                                   "Goods": lines}))
        elif kind < 0.75:
            (product, warehouse), available = rng.choice(sorted(stock.items()))
            if available <= 0:
                continue
            quantity = rng.randint(1, available)
            stock[(product, warehouse)] = available - quantity
            price = cost[product] * Decimal("1.35")
            docs.append(("Document_Sale", {"Date": day, "Customer_Key": rng.choice(customers),
                                           "Warehouse_Key": warehouse, "Department_Key": department,
                                           "Goods": [{"Product_Key": product, "Quantity": Decimal(quantity),
                                                      "Amount": (price * quantity).quantize(Decimal("0.01")),
                                                      "Cost": cost[product] * quantity}]}))
        else:
            incoming = rng.random() < 0.6
            docs.append(("Document_Payment", {"Date": day, "Incoming": incoming,
                                              "Counterparty_Key": rng.choice(customers if incoming else suppliers),
                                              "Amount": Decimal(rng.randint(1000, 60000))}))
    register = model.entity_set(REGISTER)
    items = []
    posting = {"Document_Opening": handlers.post_opening, "Document_GoodsReceipt": handlers.post_receipt,
               "Document_Sale": handlers.post_sale, "Document_Payment": handlers.post_payment}
    for name, values in docs:
        document = provider.create(model.entity_set(name), {**values, "Posted": True})
        event = _Posting(document)
        posting[name](event)
        items.append(({"Recorder": document["Ref_Key"], "Recorder_Type": f"StandardODATA.{name}"},
                      list(event.record_sets[REGISTER])))
    entries = provider.accounting.bulk_write_record_sets(register, items)
    if progress is not None:
        progress(REGISTER, entries, entries)
    return {"documents": len(docs), "entries": entries}
