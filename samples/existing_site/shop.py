"""A small shop: "their" Flask site, written without any knowledge of infobase-odata.

It owns its SQLite schema (integer ids, prices in cents, text timestamps), creates it and some
demo data on first run, and serves a few JSON pages.  ``app.py`` publishes the same database
through the 1C OData interface without changing anything here::

    python -c "import shop; shop.create_app('shop.db').run()"
    curl http://127.0.0.1:5000/products
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from flask import Flask, abort, jsonify, request

SCHEMA = """
CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sku TEXT,
    price_cents INTEGER NOT NULL DEFAULT 0,
    unit_id INTEGER REFERENCES units (id),
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE IF NOT EXISTS customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    inn TEXT,
    email TEXT
);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY,
    number TEXT,
    placed_at TEXT NOT NULL,
    customer_id INTEGER REFERENCES customers (id),
    note TEXT,
    total_cents INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS order_lines (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    product_id INTEGER REFERENCES products (id),
    quantity REAL NOT NULL,
    price_cents INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS order_lines_by_order ON order_lines (order_id);
"""


def connect(database: str) -> sqlite3.Connection:
    connection = sqlite3.connect(database, timeout=10)
    connection.row_factory = sqlite3.Row
    return connection


def create_schema(database: str) -> None:
    """Create the tables and, in a new database, some demo data."""
    with connect(database) as db:
        db.executescript(SCHEMA)
        if db.execute("SELECT count(*) FROM units").fetchone()[0] == 0:
            db.executemany("INSERT INTO units (name) VALUES (?)", [("pcs",), ("kg",)])
            db.executemany("INSERT INTO products (name, sku, price_cents, unit_id) VALUES (?, ?, ?, ?)", [
                ("Flip-flops", "FF-1", 1250, 1), ("T-shirt", "TS-2", 9999, 1), ("Coffee beans", "CB-3", 2490, 2)])
            db.executemany("INSERT INTO customers (name, inn, email) VALUES (?, ?, ?)", [
                ("Romashka LLC", "7700000000", "buy@romashka.example"), ("Ivan Petrov", "", "ivan@example.com")])
    if not list_orders(database):
        place_order(database, 1, [(1, 2), (3, 1)], note="first order", when=dt.datetime(2024, 1, 31, 10, 30))


def list_products(database: str) -> list[dict[str, Any]]:
    with connect(database) as db:
        rows = db.execute("SELECT id, name, sku, price_cents, unit_id FROM products ORDER BY id").fetchall()
    return [dict(r) for r in rows]


def add_product(database: str, name: str, price_cents: int, sku: str = "", unit_id: int | None = None) -> int:
    with connect(database) as db:
        cursor = db.execute("INSERT INTO products (name, sku, price_cents, unit_id) VALUES (?, ?, ?, ?)",
                            (name, sku, price_cents, unit_id))
        return cursor.lastrowid  # type: ignore[return-value]


def set_price(database: str, product_id: int, price_cents: int) -> None:
    with connect(database) as db:
        db.execute("UPDATE products SET price_cents = ? WHERE id = ?", (price_cents, product_id))


def list_orders(database: str) -> list[dict[str, Any]]:
    with connect(database) as db:
        orders = [dict(r) for r in db.execute("SELECT * FROM orders ORDER BY id")]
        for order in orders:
            order["lines"] = [dict(r) for r in db.execute(
                "SELECT product_id, quantity, price_cents, amount_cents FROM order_lines WHERE order_id = ? "
                "ORDER BY id", (order["id"],))]
    return orders


def place_order(database: str, customer_id: int, items: list[tuple[int, float]], note: str = "",
                when: dt.datetime | None = None) -> int:
    """An order of ``(product id, quantity)`` items at the current prices."""
    when = when or dt.datetime.now().replace(microsecond=0)
    with connect(database) as db:
        prices = {r["id"]: r["price_cents"] for r in db.execute("SELECT id, price_cents FROM products")}
        lines = [(pid, qty, prices[pid], round(prices[pid] * qty)) for pid, qty in items]
        (count,) = db.execute("SELECT count(*) FROM orders").fetchone()
        cursor = db.execute(
            "INSERT INTO orders (number, placed_at, customer_id, note, total_cents) VALUES (?, ?, ?, ?, ?)",
            (f"{count + 1:09d}", str(when), customer_id, note, sum(line[3] for line in lines)))
        order_id = cursor.lastrowid
        db.executemany("INSERT INTO order_lines (order_id, product_id, quantity, price_cents, amount_cents) "
                       "VALUES (?, ?, ?, ?, ?)", [(order_id, *line) for line in lines])
    return order_id  # type: ignore[return-value]


def create_app(database: str) -> Flask:
    create_schema(database)
    app = Flask(__name__)

    @app.get("/")
    def index() -> tuple[str, int, dict[str, str]]:
        return "The shop", 200, {"Content-Type": "text/plain; charset=utf-8"}

    @app.get("/products")
    def products() -> Any:
        return jsonify(list_products(database))

    @app.post("/products")
    def new_product() -> Any:
        body = request.get_json(force=True)
        if not isinstance(body, dict) or not body.get("name"):
            abort(400)
        ident = add_product(database, body["name"], int(body.get("price_cents", 0)), body.get("sku", ""),
                            body.get("unit_id"))
        return jsonify({"id": ident}), 201

    @app.get("/orders")
    def orders() -> Any:
        return jsonify(list_orders(database))

    return app
