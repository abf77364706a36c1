"""A "site" schema for the contract suite: the trade objects kept in tables of its own design
(GUID text keys, other column names, REAL and scaled-integer numbers, text dates), published
through a mapping by MappedSQLiteProvider. Objects the mapping leaves out stay in the
provider's own tables of the same file."""

from __future__ import annotations

import sqlite3

from infobase_odata.providers.mapped import MappedSQLiteProvider

SITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS units (uid TEXT PRIMARY KEY, code TEXT, title TEXT NOT NULL DEFAULT '', full_name TEXT);
CREATE TABLE IF NOT EXISTS products (uid TEXT PRIMARY KEY, sku TEXT, name TEXT, article TEXT,
    price_cents INTEGER NOT NULL DEFAULT 0, unit_uid TEXT, kind TEXT, created_at TEXT DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX IF NOT EXISTS products_unit ON products (unit_uid);
CREATE TABLE IF NOT EXISTS counterparties (uid TEXT PRIMARY KEY, name TEXT, inn TEXT);
CREATE TABLE IF NOT EXISTS orders (uid TEXT PRIMARY KEY, number TEXT, created TEXT, customer_uid TEXT,
    comment TEXT, total REAL);
CREATE TABLE IF NOT EXISTS order_lines (id INTEGER PRIMARY KEY, order_uid TEXT NOT NULL, line_no INTEGER,
    product_uid TEXT, qty_milli INTEGER, price REAL, amount REAL);
CREATE INDEX IF NOT EXISTS order_lines_order ON order_lines (order_uid);
CREATE TABLE IF NOT EXISTS acts (uid TEXT PRIMARY KEY, num TEXT, made TEXT);
CREATE TABLE IF NOT EXISTS act_services (act TEXT, n INTEGER, amount_cents INTEGER);
"""

GUID = {"column": "uid", "kind": "guid"}

MAPPING = {
    "namespace": "contract.test",
    "objects": {
        "Catalog_Units": {"table": "units", "key": GUID,
                          "columns": {"Code": "code", "Description": "title", "FullName": "full_name"}},
        "Catalog_Goods": {"table": "products", "key": GUID,
                          "columns": {"Code": "sku", "Description": "name", "Article": "article",
                                      "Price": {"column": "price_cents", "scale": 2},
                                      "Unit": {"column": "unit_uid", "references": "CatalogRef.Units"},
                                      "Kind": "kind"}},
        "Catalog_Counterparties": {"table": "counterparties", "key": GUID,
                                   "columns": {"Description": "name", "INN": "inn"}},
        "Document_SalesOrder": {
            "table": "orders", "key": GUID,
            "columns": {"Number": "number", "Date": {"column": "created", "format": "text"},
                        "Customer_Key": "customer_uid", "Comment": "comment", "Total": "total"},
            "tabular_sections": {"Goods": {
                "table": "order_lines", "foreign_key": "order_uid", "line_number": "line_no",
                "columns": {"Product": "product_uid", "Quantity": {"column": "qty_milli", "scale": 3},
                            "Price": "price", "Amount": "amount"}}}},
        "Document_Акт": {
            "table": "acts", "key": GUID, "columns": {"Number": "num", "Date": {"column": "made", "format": "iso"}},
            "tabular_sections": {"Услуги": {"table": "act_services", "foreign_key": "act", "line_number": "n",
                                            "columns": {"Сумма": {"column": "amount_cents", "scale": 2}}}}},
    },
}


def make_mapped_provider(model, path, **kwargs) -> MappedSQLiteProvider:
    connection = sqlite3.connect(path)
    connection.executescript(SITE_SCHEMA)
    connection.close()
    objects = {k: v for k, v in MAPPING["objects"].items() if model.set_for_object(k) is not None}
    return MappedSQLiteProvider(model, path, {**MAPPING, "objects": objects}, **kwargs)
