"""The schema of an existing SQLite file is recognised in one catalog read (``sqlschemacheck``):
a process start runs no schema statements and does not import sqlite-utils, while anything
missing is still created."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from sqlite_utils.db import quote_identifier

from tests.conftest import SAMPLE

from infobase_odata.providers.sqlite import SQLiteProvider
from infobase_odata.providers.sqlnames import q
from infobase_odata.providers.sqlschemacheck import SchemaCheck


@pytest.mark.parametrize("name", ["Catalog_Goods", 'a"b', 'Справочник "Товары"', '""', "x y"])
def test_quoting_is_sqlite_utils_own(name):
    assert q(name) == quote_identifier(name)


def schema_objects(path) -> set[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    finally:
        conn.close()


def test_a_created_schema_is_recognised_and_a_missing_part_recreated(model, tmp_path):
    path = tmp_path / "infobase.db"
    first = SQLiteProvider(model, path)
    first.create_schema()
    created = schema_objects(path)
    first.close()
    check = SchemaCheck()
    second = SQLiteProvider(model, path)
    second._schema(check)
    assert check.present(second.conn)
    # Every index the check expects is one the statements made (the names follow sqlite-utils).
    assert {("index", name) for name in check.indexes} <= created
    assert check.tables and check.indexes and check.rows and check.clustered
    index = check.indexes[-1]
    constant = check.rows[0]
    with second.transaction() as conn:
        conn.execute(f"DROP INDEX {q(index)}")
        conn.execute(f"DELETE FROM {q(constant)}")
    assert not check.present(second.conn)
    second.create_schema()
    assert schema_objects(path) == created
    assert check.present(second.conn)
    second.close()


def test_serving_an_existing_database_imports_no_sqlite_utils(model, tmp_path):
    path = tmp_path / "infobase.db"
    provider = SQLiteProvider(model, path)
    provider.create_schema()
    provider.close()
    script = (
        "import sys\n"
        "from infobase_odata import build_model, load_configuration\n"
        "from infobase_odata.providers.sqlite import SQLiteProvider\n"
        "from infobase_odata.query.ast import QueryOptions\n"
        "p = SQLiteProvider(build_model(load_configuration(sys.argv[2])), sys.argv[1])\n"
        "rows = p.query(p.model.entity_set('Catalog_Goods'), QueryOptions(top=1)).rows\n"
        "print(len(list(rows)), 'sqlite_utils' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", script, str(path), str(SAMPLE)], capture_output=True,
                         text=True, check=True).stdout
    assert out.split() == ["0", "False"]


def test_embedded_tables_are_the_tables_the_schema_statements_create(model, tmp_path):
    from infobase_odata.dbfile import embedded_tables

    provider = SQLiteProvider(model, tmp_path / "infobase.db")
    provider.create_schema()
    provider.close()
    assert embedded_tables(model) == {name for kind, name in schema_objects(tmp_path / "infobase.db")
                                      if kind in ("table", "view")}
