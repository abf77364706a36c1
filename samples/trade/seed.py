"""Deterministic seed data for the ``trade`` sample infobase.

The CLI and the middleware load this file by path and call :func:`seed` once, when the
database is new; it can also be run by hand against any provider::

    from infobase_odata.configuration import load_configuration
    from infobase_odata import build_model
    from infobase_odata.providers.sqlite import SQLiteProvider

    model = build_model(load_configuration("samples/trade"))
    provider = SQLiteProvider(model, "var/trade.db")
    provider.create_schema()
    seed(provider, model, goods=100_000, progress=lambda name, done, total: print(name, done, total))

The same arguments always give the same rows (fixed random seeds, GUIDs derived from counters).
Documents are seeded posted: their register movements (``AccumulationRegister_Stock``,
``AccumulationRegister_Sales``, the same the Posting handlers of ``handlers.py`` write) go in with
``provider.bulk_write_record_sets``; opening-balance receipts dated 2023-12-31 stock every
product in both warehouses, so Stock balances stay mostly positive.  ``InformationRegister_Prices``
holds each item's price from 2024-01-01 plus later changes, ``InformationRegister_КурсыВалют``
monthly rates of USD and EUR.
``goods`` is the number of goods items; a few folders come on top of it.  Roughly 1% of the
items cost 3.50 or less and about 15% more than 200, so ``Price le 3.5 or Price gt 200`` has
answers on both sides; descriptions mix Latin, Cyrillic and apostrophes (``O'Neil``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

NIL = "00000000-0000-0000-0000-000000000000"
BATCH = 10_000
SEED = 20240101

# One "clock sequence" per object, so GUIDs of different objects never collide.
_CLOCK = {
    "Catalog_Units": 1, "Catalog_Goods": 2, "Catalog_Warehouses": 3, "Catalog_Counterparties": 4,
    "Catalog_Employees": 5, "Catalog_Валюты": 6, "Document_SalesOrder": 7,
    "Document_GoodsReceipt": 8, "ChartOfCharacteristicTypes_GoodsProperties": 9,
    "BusinessProcess_OrderApproval": 10, "Task_OrderApprovalTask": 11, "ExchangePlan_Sites": 12,
}
APPROVALS = 6  # approvals of the first orders: odd ones wait for the manager, even ones went on
LARGE_ORDER = Decimal("100000")  # as handlers.LARGE_ORDER: the director approves from this total
OPENING_DATE = dt.datetime(2023, 12, 31)
OPENING_LINES = 1000  # lines per opening-balance receipt
_EPOCH = 0x1EE_A7B0_0000_0000  # 100-ns ticks since 1582 (UUID v1 time), early 2024
_NODE = 0x0050_569F_1C00  # a fixed "MAC address"

Progress = Callable[[str, int, int], Any]


def guid(object_id: str, n: int) -> str:
    """The ``n``-th reference of an object: a version-1-layout UUID, the same on every run."""
    ticks = _EPOCH + n * 10_000
    return (f"{ticks & 0xFFFF_FFFF:08x}-{(ticks >> 32) & 0xFFFF:04x}-"
            f"{((ticks >> 48) & 0x0FFF) | 0x1000:04x}-{0x8000 | _CLOCK[object_id]:04x}-{_NODE:012x}")


def code(n: int, width: int = 9) -> str:
    return str(n).zfill(width)


def money(value: Decimal | float) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


# --- reference data --------------------------------------------------------------------------

UNITS = [  # Description (25), FullName
    ("шт", "Штука"), ("kg", "Kilogram"), ("л", "Литр"), ("m", "Metre"),
    ("h", "Hour"), ("box", "Box of 12"),
]
UNIT_PCS, UNIT_KG, UNIT_L, UNIT_M, UNIT_H, UNIT_BOX = range(1, 7)

GOODS_PROPERTIES = [  # Description, ValueType, Unit
    ("Colour", "String(20)", None), ("Weight", "Number(10,3)", UNIT_KG), ("Organic", "Boolean", None),
    ("Volume", "Number(10,3)", UNIT_L),
]

CURRENCIES = [("643", "руб.", "Российский рубль"), ("840", "USD", "Доллар США"), ("978", "EUR", "Евро")]

WAREHOUSES = [
    ("Main warehouse", "1 Main Street, Springfield"),
    ("Склад №2", "г. Москва, ул. Ленина, д. 1"),
]
SITES = [  # the nodes of ExchangePlan_Sites
    ("Web shop", "https://shop.example.com"),
    ("Main warehouse terminal", "1 Main Street, Springfield"),
]

# Folders: (description, parent index or 0); items go to the leaf folders or to the root.
FOLDERS = [
    ("Food", 0), ("Electronics", 0), ("Хозтовары", 0), ("Services", 0),
    ("Напитки", 1), ("Cables & adapters", 2), ("Канцелярия", 0), ("Tools", 0),
]
SERVICE_FOLDER = 4
ITEM_FOLDERS = [1, 2, 3, 5, 6, 7, 8]

NOUNS = [
    ("Mug", UNIT_PCS), ("Кружка", UNIT_PCS), ("Chair", UNIT_PCS), ("Стул", UNIT_PCS),
    ("Lamp", UNIT_PCS), ("Лампа", UNIT_PCS), ("Cable", UNIT_M), ("Кабель", UNIT_M),
    ("Coffee", UNIT_KG), ("Кофе", UNIT_KG), ("Juice", UNIT_L), ("Сок", UNIT_L),
    ("Notebook", UNIT_BOX), ("Тетрадь", UNIT_PCS), ("Hammer", UNIT_PCS), ("Молоток", UNIT_PCS),
]
SERVICES = ["Delivery", "Доставка", "Assembly", "Сборка", "Installation", "Консультация"]
BRANDS = ["O'Neil", "Acme", "«Ромашка»", "Nordic", "Сибирь", "D'Artagnan", "Zenith", "Вектор"]

COUNTERPARTIES = [
    "O'Neil & Sons Ltd", "ООО «Ромашка»", "ИП Иванов И. И.", "Acme Corp", "АО «Вектор»",
    "Nordic Trade AB", "ООО «Сибирь-Опт»", "D'Artagnan SARL",
]
EMPLOYEES = 10  # Catalog_Employees is declared but not published: only its GUIDs are used.

COMMENTS = ["", "", "", "Urgent", "Срочно!", "Call O'Neil before delivery", "Оплата по счёту",
            "Deliver to the back door — it's the blue one"]


# --- the generator -----------------------------------------------------------------------------

def seed(provider, model, *, goods: int = 1000, progress: Progress | None = None) -> dict[str, int]:
    """Fill a new, empty store; return the number of rows written per entity set.

    Objects not published in ``model`` are skipped.  Rows are inserted with
    ``provider.bulk_insert`` in batches of 10,000; ``progress(set_name, done, total)`` is called
    after each batch.
    """
    data = TradeData(goods)
    counts: dict[str, int] = {}
    for name, total, rows in data.entity_sets():
        entity_set = model.entity_set(name)
        if entity_set is None:
            continue
        counts[name] = _insert(provider, entity_set, name, rows, total, progress)
    counts.update(_post(provider, model, data, progress))
    constant = model.entity_set("Constant_CompanyName")
    if constant is not None:
        provider.set_constant(constant, data.company_name)
        counts["Constant_CompanyName"] = 1
    return counts


def _post(provider, model, data: "TradeData", progress: Progress | None) -> dict[str, int]:
    """Register movements of the seeded (posted) documents, as record sets per recorder."""
    counts = {}
    for register, movements in (("AccumulationRegister_Stock", data.stock_movements),
                                ("AccumulationRegister_Sales", data.sales_movements)):
        register_set = model.entity_set(register)
        if register_set is None:
            continue
        items = []
        for document, rows in movements():
            document_set = model.entity_set(document["_set"])
            if document_set is not None and rows:
                items.append((_recorder(register_set, document_set, document["Ref_Key"]), rows))
        total = provider.bulk_write_record_sets(register_set, items)
        counts[register_set.records.name] = total
        if progress is not None:
            progress(register_set.records.name, total, total)
    return counts


def _recorder(register_set, document_set, ref: str) -> dict:
    if register_set.entity_type.key_names == ("Recorder_Key",):
        return {"Recorder_Key": ref}
    return {"Recorder": ref, "Recorder_Type": f"StandardODATA.{document_set.name}"}


def _insert(provider, entity_set, name: str, rows: Iterable[dict], total: int,
            progress: Progress | None) -> int:
    done = 0
    iterator = iter(rows)
    while True:
        batch = list(itertools.islice(iterator, BATCH))
        if not batch:
            break
        provider.bulk_insert(entity_set, batch)
        done += len(batch)
        if progress is not None:
            progress(name, done, total)
    return done


class TradeData:
    """All rows of the sample, generated lazily per entity set (see :meth:`entity_sets`)."""

    company_name = "ООО «Ромашка»"

    def __init__(self, goods: int = 1000) -> None:
        if goods < 0:
            raise ValueError("goods must be >= 0")
        self.goods = goods
        self.counterparties = min(max(goods // 20, 20), 2000)
        self.receipts = min(max(goods // 10, 20), 3000)
        self.orders = min(max(goods * 3 // 10, 50), 10_000)
        self._items: list[tuple[str, Decimal, bool]] | None = None
        products = goods  # opening balances: every item in both warehouses
        self.openings = len(WAREHOUSES) * -(-products // OPENING_LINES) if products else 0

    def entity_sets(self) -> Iterator[tuple[str, int, Iterable[dict]]]:
        """(entity-set name, row count, rows) in an order where references point backwards."""
        yield "Catalog_Units", len(UNITS), self.units()
        yield "Catalog_Валюты", len(CURRENCIES), self.currencies()
        yield "Catalog_Warehouses", len(WAREHOUSES), self.warehouses()
        yield "Catalog_Counterparties", self.counterparties, self.counterparty_rows()
        yield "Catalog_Goods", len(FOLDERS) + self.goods, self.goods_rows()
        yield "ChartOfCharacteristicTypes_GoodsProperties", len(GOODS_PROPERTIES), self.goods_properties()
        yield "Document_GoodsReceipt", self.receipts + self.openings, self.receipt_rows()
        yield "Document_SalesOrder", self.orders, self.order_rows()
        yield "BusinessProcess_OrderApproval", min(APPROVALS, self.orders), self.approval_rows()
        yield "Task_OrderApprovalTask", sum(1 for _ in self.approval_task_rows()), self.approval_task_rows()
        yield "InformationRegister_Prices", self.price_count(), self.price_rows()
        yield "InformationRegister_КурсыВалют", len(self.rate_rows()), iter(self.rate_rows())
        yield "ExchangePlan_Sites", len(SITES), self.site_rows()

    # catalogs

    @staticmethod
    def _catalog(object_id: str, n: int, description: str, **values: Any) -> dict:
        return {"Ref_Key": guid(object_id, n), "Code": code(n), "Description": description,
                "DeletionMark": False, **values}

    def units(self) -> Iterator[dict]:
        for n, (description, full) in enumerate(UNITS, 1):
            yield self._catalog("Catalog_Units", n, description, FullName=full)

    def goods_properties(self) -> Iterator[dict]:
        for n, (description, value_type, unit) in enumerate(GOODS_PROPERTIES, 1):
            yield self._catalog("ChartOfCharacteristicTypes_GoodsProperties", n, description,
                                ValueType={"Types": value_type},
                                Unit_Key=guid("Catalog_Units", unit) if unit else "00000000-0000-0000-0000-000000000000")

    def currencies(self) -> Iterator[dict]:
        for n, (number, description, full) in enumerate(CURRENCIES, 1):
            row = self._catalog("Catalog_Валюты", n, description, ПолноеНаименование=full)
            row["Code"] = number
            yield row

    def site_rows(self) -> Iterator[dict]:
        """The exchange plan's two nodes; seeding registers no changes (bulk loads do not)."""
        for n, (description, address) in enumerate(SITES, 1):
            yield {**self._catalog("ExchangePlan_Sites", n, description, Address=address),
                   "SentNo": 0, "ReceivedNo": 0}

    def warehouses(self) -> Iterator[dict]:
        for n, (description, address) in enumerate(WAREHOUSES, 1):
            yield self._catalog("Catalog_Warehouses", n, description, Address=address)

    def counterparty_rows(self) -> Iterator[dict]:
        rng = random.Random(f"{SEED}:Catalog_Counterparties")
        for n in range(1, self.counterparties + 1):
            base = COUNTERPARTIES[(n - 1) % len(COUNTERPARTIES)]
            description = base if n <= len(COUNTERPARTIES) else f"{base} ({n})"
            inn = "".join(rng.choice("0123456789") for _ in range(rng.choice((10, 12))))
            manager = guid("Catalog_Employees", rng.randint(1, EMPLOYEES)) if rng.random() < 0.8 else NIL
            yield self._catalog("Catalog_Counterparties", n, description, INN=inn, Manager_Key=manager)

    def items(self) -> list[tuple[str, Decimal, bool]]:
        """(Ref_Key, price, is service) of every goods item; documents pick products from it."""
        if self._items is None:
            for _ in self.goods_rows():
                pass
        return self._items  # type: ignore[return-value]

    def goods_rows(self) -> Iterator[dict]:
        rng = random.Random(f"{SEED}:Catalog_Goods")
        for n, (description, parent) in enumerate(FOLDERS, 1):
            yield self._catalog(
                "Catalog_Goods", n, description,
                Parent_Key=guid("Catalog_Goods", parent) if parent else NIL, IsFolder=True,
                Article="", Price=Decimal("0.00"), Unit_Key=NIL, Kind="")
        items = []
        first = len(FOLDERS) + 1
        for i in range(self.goods):
            n = first + i
            if i < 3:  # fixed cases: 3.50 matches "le 3.5", 200.00 does not match "gt 200"
                description, unit, price = [
                    ("Mug O'Neil 0.3 l", UNIT_PCS, Decimal("3.50")),
                    ("Кружка «Ромашка» 0,3 л", UNIT_PCS, Decimal("200.00")),
                    ("Кофе O'Neil зерновой", UNIT_KG, Decimal("1250.00")),
                ][i]
                service, folder = False, 1
            else:
                service = rng.random() < 0.08
                if service:
                    description, unit = f"{rng.choice(SERVICES)} {rng.choice(BRANDS)} #{i}", UNIT_H
                    folder = SERVICE_FOLDER
                else:
                    noun, unit = NOUNS[rng.randrange(len(NOUNS))]
                    description = f"{noun} {BRANDS[i % len(BRANDS)]} {rng.randint(100, 999)}-{i}"
                    folder = rng.choice(ITEM_FOLDERS) if rng.random() < 0.9 else 0
                price = self._price(rng)
            row = self._catalog(
                "Catalog_Goods", n, description,
                Parent_Key=guid("Catalog_Goods", folder) if folder else NIL, IsFolder=False,
                Article=f"{'SRV' if service else 'ART'}-{n:07d}", Price=price,
                Unit_Key=guid("Catalog_Units", unit), Kind="Service" if service else "Product")
            items.append((row["Ref_Key"], price, service))
            yield row
        self._items = items

    @staticmethod
    def _price(rng: random.Random) -> Decimal:
        r = rng.random()
        if r < 0.01:
            cents = rng.randint(10, 350)  # 0.10 .. 3.50
        elif r < 0.85:
            cents = rng.randint(351, 20000)  # 3.51 .. 200.00
        else:
            cents = rng.randint(20001, 500000)  # 200.01 .. 5000.00
        return Decimal(cents).scaleb(-2)

    # documents

    def _lines(self, rng: random.Random, price_factor: Decimal) -> tuple[list[dict], Decimal]:
        items = self.items()
        lines, total = [], Decimal("0.00")
        if not items:
            return lines, total
        for line in range(1, rng.randint(1, 6) + 1):
            key, price, service = items[rng.randrange(len(items))]
            if service:
                quantity = Decimal(rng.randint(1, 8)).quantize(Decimal("0.001"))
            else:
                quantity = Decimal(rng.randint(1, 50000)).scaleb(-3) if rng.random() < 0.2 \
                    else Decimal(rng.randint(1, 20)).quantize(Decimal("0.001"))
            price = money(price * price_factor)
            amount = money(price * quantity)
            total += amount
            lines.append({"LineNumber": line, "Product_Key": key, "Quantity": quantity,
                          "Price": price, "Amount": amount})
        return lines, total

    @staticmethod
    def _date(rng: random.Random, n: int, count: int) -> dt.datetime:
        day = dt.date(2024, 1, 1) + dt.timedelta(days=(n - 1) * 365 // max(count, 1))
        return dt.datetime(day.year, day.month, day.day, rng.randint(9, 18), rng.randint(0, 59),
                           rng.randint(0, 59))

    def receipt_rows(self) -> Iterator[dict]:
        rng = random.Random(f"{SEED}:Document_GoodsReceipt")
        for n in range(1, self.receipts + 1):
            lines, _ = self._lines(rng, Decimal("0.7"))
            yield {
                "Ref_Key": guid("Document_GoodsReceipt", n), "Number": code(n),
                "Date": self._date(rng, n, self.receipts), "DeletionMark": False, "Posted": True,
                "Supplier_Key": guid("Catalog_Counterparties", rng.randint(1, self.counterparties)),
                "Warehouse_Key": guid("Catalog_Warehouses", 1 + n % len(WAREHOUSES)),
                "Comment": rng.choice(COMMENTS), "Goods": lines,
            }
        yield from self.opening_rows()

    def opening_rows(self) -> Iterator[dict]:
        """Opening-balance receipts (Ввод остатков): 100 to 1,000 of every item per warehouse."""
        rng = random.Random(f"{SEED}:opening")
        items = self.items()
        n = self.receipts
        for warehouse in range(1, len(WAREHOUSES) + 1):
            for start in range(0, len(items), OPENING_LINES):
                n += 1
                lines = []
                for line, (key, price, _) in enumerate(items[start:start + OPENING_LINES], 1):
                    quantity = Decimal(rng.randint(100, 1000)).quantize(Decimal("0.001"))
                    unit_price = money(price * Decimal("0.7"))
                    lines.append({"LineNumber": line, "Product_Key": key, "Quantity": quantity,
                                  "Price": unit_price, "Amount": money(unit_price * quantity)})
                yield {"Ref_Key": guid("Document_GoodsReceipt", n), "Number": code(n), "Date": OPENING_DATE,
                       "DeletionMark": False, "Posted": True,
                       "Supplier_Key": guid("Catalog_Counterparties", 1),
                       "Warehouse_Key": guid("Catalog_Warehouses", warehouse),
                       "Comment": "Ввод начальных остатков", "Goods": lines}

    # approvals of orders (business process OrderApproval, in the states its route leaves them)

    def _approvals(self) -> Iterator[tuple[int, dict, list[tuple[str, str, str, bool]]]]:
        """(n, order, [(route point, performer role, description, executed)]) per approval."""
        for n, order in enumerate(itertools.islice(self.order_rows(), APPROVALS), 1):
            tasks = [("ManagerApproval", "SalesManager", "Approve the order", n % 2 == 0)]
            if n % 2 == 0 and order["Total"] >= LARGE_ORDER:
                tasks.append(("DirectorApproval", "Director", "Approve the large order", False))
            yield n, order, tasks

    def approval_rows(self) -> Iterator[dict]:
        for n, order, tasks in self._approvals():
            yield {"Ref_Key": guid("BusinessProcess_OrderApproval", n), "Number": code(n), "Date": order["Date"],
                   "DeletionMark": False, "Started": True, "Completed": all(t[3] for t in tasks),
                   "Order_Key": order["Ref_Key"], "Amount": order["Total"]}

    def approval_task_rows(self) -> Iterator[dict]:
        managers = {row["Ref_Key"]: row["Manager_Key"] for row in self.counterparty_rows()}
        number = 0
        for n, order, tasks in self._approvals():
            for point, role, description, executed in tasks:
                number += 1
                yield {"Ref_Key": guid("Task_OrderApprovalTask", number), "Number": code(number),
                       "Date": order["Date"], "DeletionMark": False, "Description": f"{description} {order['Number']}",
                       "BusinessProcess": guid("BusinessProcess_OrderApproval", n),
                       "BusinessProcess_Type": "StandardODATA.BusinessProcess_OrderApproval",
                       "RoutePoint": point, "RoutePoint_Type": "StandardODATA.BusinessProcessRoutePointRef_OrderApproval",
                       "Executed": executed, "Order_Key": order["Ref_Key"], "PerformerRole": role,
                       "Performer_Key": managers[order["Customer_Key"]] if point == "ManagerApproval" else NIL}

    # register movements (what the Posting handlers of handlers.py write)

    def _services(self) -> set[str]:
        return {key for key, _, service in self.items() if service}

    def stock_movements(self) -> Iterator[tuple[dict, list[dict]]]:
        services = self._services()
        for kind, rows, record_type in (("Document_GoodsReceipt", self.receipt_rows(), "Receipt"),
                                        ("Document_SalesOrder", self.order_rows(), "Expense")):
            for document in rows:
                movements = [{"Period": document["Date"], "RecordType": record_type,
                              "Product_Key": line["Product_Key"], "Warehouse_Key": document["Warehouse_Key"],
                              "Quantity": line["Quantity"]}
                             for line in document["Goods"] if line["Product_Key"] not in services]
                yield {"_set": kind, "Ref_Key": document["Ref_Key"]}, movements

    def sales_movements(self) -> Iterator[tuple[dict, list[dict]]]:
        for document in self.order_rows():
            yield {"_set": "Document_SalesOrder", "Ref_Key": document["Ref_Key"]}, [
                {"Period": document["Date"], "Product_Key": line["Product_Key"],
                 "Customer_Key": document["Customer_Key"], "Quantity": line["Quantity"],
                 "Amount": line["Amount"]} for line in document["Goods"]]

    # information registers

    PRICE_CHANGES = (dt.datetime(2024, 4, 1), dt.datetime(2024, 7, 1), dt.datetime(2024, 10, 1))

    def price_rows(self) -> Iterator[dict]:
        rng = random.Random(f"{SEED}:InformationRegister_Prices")
        for key, price, _ in self.items():
            yield {"Period": dt.datetime(2024, 1, 1), "Product_Key": key, "Price": price}
            for day in self.PRICE_CHANGES:
                if rng.random() < 0.5:
                    price = money(price * Decimal(rng.randint(95, 120)) / 100)
                    yield {"Period": day, "Product_Key": key, "Price": price}

    def price_count(self) -> int:
        return sum(1 for _ in self.price_rows())

    def rate_rows(self) -> list[dict]:
        rng = random.Random(f"{SEED}:InformationRegister_КурсыВалют")
        rows = [{"Period": dt.datetime(2024, 1, 1), "Валюта_Key": guid("Catalog_Валюты", 1),
                 "Курс": Decimal("1.0000"), "Кратность": 1}]
        for n, base in ((2, Decimal("90")), (3, Decimal("98"))):
            for month in range(1, 13):
                rate = (base + Decimal(rng.randint(-500, 500)) / 100).quantize(Decimal("0.0001"))
                rows.append({"Period": dt.datetime(2024, month, 1), "Валюта_Key": guid("Catalog_Валюты", n),
                             "Курс": rate, "Кратность": 1})
        return rows

    def order_rows(self) -> Iterator[dict]:
        rng = random.Random(f"{SEED}:Document_SalesOrder")
        for n in range(1, self.orders + 1):
            customer = guid("Catalog_Counterparties", rng.randint(1, self.counterparties))
            r = rng.random()
            if r < 0.15:
                basis, basis_type = customer, "StandardODATA.Catalog_Counterparties"
            elif r < 0.25:
                basis = guid("Document_GoodsReceipt", rng.randint(1, self.receipts))
                basis_type = "StandardODATA.Document_GoodsReceipt"
            elif r < 0.30:
                basis, basis_type = rng.choice(["Phone call", "Звонок O'Neil", "E-mail"]), "Edm.String"
            else:
                basis, basis_type = "", "StandardODATA.Undefined"
            lines, total = self._lines(rng, Decimal(1))
            yield {
                "Ref_Key": guid("Document_SalesOrder", n), "Number": code(n),
                "Date": self._date(rng, n, self.orders), "DeletionMark": False, "Posted": True,
                "Customer_Key": customer,
                "Warehouse_Key": guid("Catalog_Warehouses", 1 if rng.random() < 0.6 else 2),
                "Currency_Key": guid("Catalog_Валюты", 1 if rng.random() < 0.85 else rng.choice((2, 3))),
                "Comment": rng.choice(COMMENTS), "Total": total,
                "Basis": basis, "Basis_Type": basis_type, "Goods": lines,
            }


if __name__ == "__main__":  # python samples/trade/seed.py [goods]: print the row counts only
    import sys

    data = TradeData(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
    for name, total, rows in data.entity_sets():
        print(name, sum(1 for _ in rows))
