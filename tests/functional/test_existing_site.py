"""Publishing an existing site (samples/existing_site): the shop's own tables, integer ids and
code, read and written through the mapping; the shop's code reads what the interface wrote and
the interface reads what the shop wrote. SQLite only, by design: MappedSQLiteProvider publishes a
site's own SQLite file (its views, PRAGMA table_info, the site writing the same file)."""

from __future__ import annotations

import importlib
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from decimal import Decimal

import pytest
from webob import Request

from infobase_odata.configuration import load_configuration
from infobase_odata.mapping import KeyCodec, MappingError, load_mapping
from infobase_odata import build_model
from infobase_odata.providers.mapped import MappedSQLiteProvider
from infobase_odata.query.ast import QueryOptions
from infobase_odata.query.parser import parse_filter
from tests.conftest import ROOT, AsUser, assert_odata_error

SITE = ROOT / "samples" / "existing_site"
SERVICE = "/shop/odata/standard.odata/"
NIL = "00000000-0000-0000-0000-000000000000"

sys.path.insert(0, str(SITE))
os.environ.setdefault("SHOP_DATABASE", os.path.join(tempfile.mkdtemp(), "shop.db"))  # app.py's own
shop = importlib.import_module("shop")
sample = importlib.import_module("app")  # each test publishes a fresh database with sample.publish


@pytest.fixture
def database(tmp_path) -> str:
    return str(tmp_path / "shop.db")


@pytest.fixture
def site(database):
    """The shop's Flask app (schema and demo data created by its own code), wrapped."""
    return sample.publish(shop.create_app(database), database)


@pytest.fixture
def api(site):
    return AsUser(site.wsgi_app)


@pytest.fixture
def mapping():
    return load_mapping(SITE / "mapping.json")


def keys_of(table: str) -> KeyCodec:
    return KeyCodec("shop.example.com", table)


def call(app, method: str, path: str, body=None, **headers):
    headers.setdefault("Accept", "application/json")
    request = Request.blank(SERVICE + path, method=method, headers=headers)
    if body is not None:
        request.body = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
        request.content_type = "application/json"
    return request.get_response(app)


def payload(response) -> dict:
    assert response.status_code < 300, response.body[:500]
    return json.loads(response.body, parse_float=Decimal)


def value(app, path: str) -> list[dict]:
    return payload(call(app, "GET", path))["value"]


# ---- keys ----------------------------------------------------------------------------------------

def test_integer_keys_become_stable_reversible_guids():
    goods, units = keys_of("products"), keys_of("units")
    assert goods.guid(42).endswith("-00000000002a") and goods.id(goods.guid(42)) == 42
    assert goods.guid(42) != units.guid(42) and units.id(goods.guid(42)) is None
    assert goods.id(goods.guid(42).upper()) == 42 and goods.id(NIL) is None and goods.id("x") is None
    assert KeyCodec("shop.example.com", "products").guid(7) == goods.guid(7)  # stable across processes
    with pytest.raises(MappingError):
        goods.guid(-1)


# ---- reads ---------------------------------------------------------------------------------------

def test_reads_the_sites_rows(api):
    goods = value(api, "Catalog_Goods?$orderby=Description")
    assert [(g["Description"], g["Price"], g["Article"]) for g in goods] == [
        ("Coffee beans", Decimal("24.9"), "CB-3"), ("Flip-flops", Decimal("12.5"), "FF-1"),
        ("T-shirt", Decimal("99.99"), "TS-2")]
    flip = goods[1]
    assert flip["Ref_Key"] == keys_of("products").guid(1)
    assert flip["Unit_Key"] == keys_of("units").guid(1)
    assert flip["DeletionMark"] is False and flip["Predefined"] is False
    one = payload(call(api, "GET", f"Catalog_Goods(guid'{flip['Ref_Key']}')"))
    assert one["Description"] == "Flip-flops" and one["DataVersion"] == flip["DataVersion"]
    order = value(api, "Document_SalesOrder")[0]
    assert order["Number"] == "000000001" and order["Date"] == "2024-01-31T10:30:00"
    assert order["Customer_Key"] == keys_of("customers").guid(1) and order["Total"] == Decimal("49.9")
    assert [(x["LineNumber"], x["Product_Key"][-1], x["Quantity"]) for x in order["Goods"]] == [
        ("1", "1", 2), ("2", "3", 1)]


@pytest.mark.parametrize("query,expected", [
    ("$filter=Price gt 20", ["T-shirt", "Coffee beans"]),  # by key: the ids
    ("$filter=Unit/Description eq 'kg'", ["Coffee beans"]),
    ("$filter=Unit_Key eq guid'{unit2}'", ["Coffee beans"]),
    ("$filter=Unit_Key ne guid'{unit2}'", ["Flip-flops", "T-shirt"]),
    ("$filter=Ref_Key eq guid'{product1}'", ["Flip-flops"]),
    ("$filter=Ref_Key eq guid'{unit2}'", []),  # another table's key matches nothing
    ("$filter=startswith(Article, 'T')", ["T-shirt"]),
    ("$orderby=Price desc", ["T-shirt", "Coffee beans", "Flip-flops"]),
    ("$orderby=Unit/Description desc,Description", ["Flip-flops", "T-shirt", "Coffee beans"]),
])
def test_filters_and_ordering_through_the_mapping(api, query, expected):
    query = query.format(unit2=keys_of("units").guid(2), product1=keys_of("products").guid(1))
    assert [g["Description"] for g in value(api, f"Catalog_Goods?{query}")] == expected


def test_expand_count_and_tabular_section_set(api):
    goods = value(api, "Catalog_Goods?$expand=Unit&$orderby=Description")
    assert [g["Unit"]["Description"] for g in goods] == ["kg", "pcs", "pcs"]
    orders = value(api, "Document_SalesOrder?$expand=Customer&$filter=Goods/any(d: d/Product/Description eq 'Coffee beans')")
    assert [o["Customer"]["Description"] for o in orders] == ["Romashka LLC"]
    assert call(api, "GET", "Catalog_Goods/$count").text == "3"
    lines = value(api, "Document_SalesOrder_Goods?$filter=Quantity ge 2")
    assert [(x["LineNumber"], x["Amount"]) for x in lines] == [("1", 25)]


def test_key_filters_use_the_sites_primary_key(database, site):
    statements: list[str] = []
    model = build_model(load_configuration(SITE))
    provider = MappedSQLiteProvider(model, database, SITE / "mapping.json", trace=statements.append)
    goods = model.entity_set("Catalog_Goods")
    text = f"Ref_Key eq guid'{keys_of('products').guid(2)}'"
    rows = list(provider.query(goods, QueryOptions(filter=parse_filter(text, goods.entity_type, model))).rows)
    assert [r["Description"] for r in rows] == ["T-shirt"]
    sql = [s for s in statements if 'FROM "Catalog_Goods"' in s][-1]
    assert 't0."Ref_Key" IS 2' in sql  # the GUID literal was decoded to the id
    plan = " ".join(r[-1] for r in provider.conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
    assert "INTEGER PRIMARY KEY" in plan or "rowid" in plan, plan
    assert provider.get(goods, {"Ref_Key": keys_of("products").guid(2)})["Price"] == Decimal("99.99")
    assert provider.get(goods, {"Ref_Key": keys_of("units").guid(2)}) is None


# ---- writes, and the site's own code -------------------------------------------------------------

def test_interface_creates_are_the_sites_rows(api, database):
    unit = keys_of("units").guid(2)
    created = payload(call(api, "POST", "Catalog_Goods",
                           {"Description": "Green tea", "Price": "7.35", "Article": "GT-4", "Unit_Key": unit}))
    assert created["Ref_Key"] == keys_of("products").guid(4) and created["Price"] == Decimal("7.35")
    assert shop.list_products(database)[-1] == {"id": 4, "name": "Green tea", "sku": "GT-4",
                                                 "price_cents": 735, "unit_id": 2}
    customer = payload(call(api, "POST", "Catalog_Counterparties", {"Description": "Vasilek", "INN": "5000000000"}))
    order = payload(call(api, "POST", "Document_SalesOrder", {
        "Date": "2024-03-01T09:00:00", "Customer_Key": customer["Ref_Key"], "Comment": "by 1C", "Total": "22.05",
        "Goods": [{"LineNumber": 1, "Product_Key": created["Ref_Key"], "Quantity": "3", "Price": "7.35", "Amount": "22.05"}]}))
    assert order["Number"] == "000000002"  # numbered after the site's own orders
    stored = shop.list_orders(database)[-1]
    assert (stored["number"], stored["placed_at"], stored["customer_id"], stored["note"], stored["total_cents"]) == (
        "000000002", "2024-03-01 09:00:00", 3, "by 1C", 2205)
    assert stored["lines"] == [{"product_id": 4, "quantity": 3.0, "price_cents": 735, "amount_cents": 2205}]


def test_site_writes_are_read_by_the_interface(api, database):
    before = value(api, "Catalog_Goods?$filter=Description eq 'Flip-flops'")[0]
    ident = shop.add_product(database, "Sunglasses", 4500, "SG-5", 1)
    found = payload(call(api, "GET", f"Catalog_Goods(guid'{keys_of('products').guid(ident)}')"))
    assert (found["Description"], found["Price"], found["DeletionMark"]) == ("Sunglasses", Decimal("45"), False)
    shop.set_price(database, 1, 1300)
    after = value(api, "Catalog_Goods?$filter=Description eq 'Flip-flops'")[0]
    assert after["Price"] == Decimal("13") and after["DataVersion"] != before["DataVersion"]
    order_id = shop.place_order(database, 2, [(ident, 2)])
    order = payload(call(api, "GET", f"Document_SalesOrder(guid'{keys_of('orders').guid(order_id)}')"))
    assert order["Customer_Key"] == keys_of("customers").guid(2) and order["Total"] == Decimal("90")
    assert [(x["Product_Key"], x["Quantity"]) for x in order["Goods"]] == [(keys_of("products").guid(ident), 2)]


def test_update_writes_changed_columns_and_side_attributes(api, database):
    key = keys_of("products").guid(2)
    row = payload(call(api, "PATCH", f"Catalog_Goods(guid'{key}')", {"Price": "89.90", "DeletionMark": True,
                                                                    "Created": "2000-01-01T00:00:00"}))
    assert row["Price"] == Decimal("89.9") and row["DeletionMark"] is True
    assert row["Created"] != "2000-01-01T00:00:00"  # a read-only column is never written
    assert [p["price_cents"] for p in shop.list_products(database)] == [1250, 8990, 2490]
    with sqlite3.connect(database) as db:
        assert db.execute('SELECT "id", "DeletionMark" FROM "_ibo_Catalog_Goods"').fetchall() == [(2, 1)]
    order_key = keys_of("orders").guid(1)
    lines = [{"LineNumber": 1, "Product_Key": keys_of("products").guid(2), "Quantity": "1", "Price": "89.9",
              "Amount": "89.9"}]
    payload(call(api, "PATCH", f"Document_SalesOrder(guid'{order_key}')", {"Goods": lines, "Total": "89.9"}))
    assert shop.list_orders(database)[0]["lines"] == [
        {"product_id": 2, "quantity": 1.0, "price_cents": 8990, "amount_cents": 8990}]


def test_site_change_between_read_and_write_is_412(api, database):
    key = keys_of("products").guid(1)
    seen = payload(call(api, "GET", f"Catalog_Goods(guid'{key}')"))
    shop.set_price(database, 1, 1999)  # the site changes the row after the client read it
    response = call(api, "PATCH", f"Catalog_Goods(guid'{key}')", {"Description": "Slippers"},
                    **{"If-Match": seen["DataVersion"]})
    assert_odata_error(response, 412, None)
    assert shop.list_products(database)[0]["name"] == "Flip-flops"
    fresh = payload(call(api, "GET", f"Catalog_Goods(guid'{key}')"))
    ok = payload(call(api, "PATCH", f"Catalog_Goods(guid'{key}')", {"Description": "Slippers"},
                      **{"If-Match": fresh["DataVersion"]}))
    assert ok["Price"] == Decimal("19.99") and shop.list_products(database)[0]["name"] == "Slippers"


def test_interface_write_waits_for_a_site_transaction(api, database):
    key = keys_of("products").guid(3)
    payload(call(api, "GET", f"Catalog_Goods(guid'{key}')"))  # connected: the file is in WAL mode now
    site_db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    site_db.execute("BEGIN IMMEDIATE")
    site_db.execute("UPDATE products SET price_cents = 3000 WHERE id = 3")
    release = threading.Timer(0.3, lambda: site_db.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    row = payload(call(api, "PATCH", f"Catalog_Goods(guid'{key}')", {"Article": "CB-30"}))
    assert time.monotonic() - started >= 0.25
    release.join()
    site_db.close()
    assert (row["Price"], row["Article"]) == (Decimal("30"), "CB-30")  # both writes kept


def test_delete_removes_the_sites_rows(api, database):
    key = keys_of("orders").guid(1)
    assert call(api, "DELETE", f"Document_SalesOrder(guid'{key}')").status_code == 204
    assert shop.list_orders(database) == []
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM order_lines").fetchone()[0] == 0
    assert_odata_error(call(api, "GET", f"Document_SalesOrder(guid'{key}')"), 404, 9)


def test_new_keys_come_from_the_sites_table(api, database):
    response = call(api, "POST", "Catalog_Goods", {"Ref_Key": "0c1b0d7a-8b27-11e6-80c4-0050569f2e9f",
                                                   "Description": "x"})
    assert payload(response)["Ref_Key"] == keys_of("products").guid(4)  # the table's next id
    assert response.headers["Location"].endswith(f"Catalog_Goods(guid'{keys_of('products').guid(4)}')")
    derived = keys_of("products").guid(77)
    assert payload(call(api, "POST", "Catalog_Goods", {"Ref_Key": derived, "Description": "y"}))["Ref_Key"] == derived
    assert shop.list_products(database)[-1]["id"] == 77
    assert_odata_error(call(api, "POST", "Catalog_Goods", {"Ref_Key": derived, "Description": "z"}), 409, 15)
    response = call(api, "POST", "Catalog_Goods", {"Description": "w", "Unit_Key": keys_of("products").guid(1)})
    assert_odata_error(response, 400, 4)  # not a key of the units table


def test_site_schema_is_never_altered(database, api):
    def schema():
        with sqlite3.connect(database) as db:
            return {r[0]: (r[1], r[2]) for r in db.execute("SELECT name, type, sql FROM sqlite_master")}

    before = schema()
    call(api, "POST", "Catalog_Goods", {"Description": "z", "DeletionMark": True})
    after = schema()
    assert {k: v for k, v in after.items() if k in before} == before
    added = {k: v[0] for k, v in after.items() if k not in before}
    assert all(k.startswith("_ibo_") and t == "table" or t in ("view", "index") and not k.startswith(
        ("products", "orders", "customers", "units", "order_lines")) for k, t in added.items()), added


def test_the_sites_pages_still_work(site):
    client = site.test_client()
    assert client.get("/").status_code == 200
    assert [p["name"] for p in client.get("/products").get_json()] == ["Flip-flops", "T-shirt", "Coffee beans"]
    assert client.post("/products", json={"name": "Mug", "price_cents": 500}).status_code == 201
    assert "Mug" in [g["Description"] for g in value(AsUser(site.wsgi_app), "Catalog_Goods")]


# ---- mapping errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("change,message", [
    (lambda m: m["objects"]["Catalog_Goods"]["columns"].update(Weight="weight"), "has no property Weight"),
    (lambda m: m["objects"]["Catalog_Goods"]["columns"].update(Description="title"), "has no column title"),
    (lambda m: m["objects"]["Catalog_Goods"].update(table="goods"), "has no table goods"),
    (lambda m: m["objects"]["Document_SalesOrder"]["tabular_sections"]["Goods"]["columns"].pop("Amount"),
     "Amount has none"),
    (lambda m: m["objects"]["Catalog_Goods"]["columns"]["Unit_Key"].update(references="Catalog_Goods"),
     "references Catalog_Units"),
    (lambda m: m["objects"].update(Catalog_Nothing={"table": "units"}), "Catalog_Nothing"),
])
def test_mapping_errors_are_clear(database, site, change, message):
    raw = json.loads((SITE / "mapping.json").read_text())
    change(raw)
    model = build_model(load_configuration(SITE))
    with pytest.raises(MappingError, match=message):
        provider = MappedSQLiteProvider(model, database, raw)
        provider.count(model.entity_set("Catalog_Goods"), None)

