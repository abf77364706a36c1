"""The AST -> SQL compiler and what the SQLite provider actually runs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from infobase_odata.configuration import Attribute, Catalog, Configuration
from infobase_odata import build_model
from infobase_odata.providers.sql import Compiler
from infobase_odata.providers.sqlcalls import escape_like
from infobase_odata.providers.sqlite import SQLiteProvider
from infobase_odata.query.ast import Binary, Call, Literal, Member, QueryOptions

from .conftest import seed


def member(entity_set, name):
    return Member((name,), resolved=(entity_set.entity_type.property(name),))


def test_where_runs_in_sqlite(model, tmp_path):
    statements: list[str] = []
    provider = SQLiteProvider(model, tmp_path / "t.db", trace=statements.append)
    seed(provider, model)
    goods = model.entity_set("Catalog_Goods")
    statements.clear()
    f = Binary("eq", member(goods, "Description"), Literal("O'Neil shirt", "Edm.String"))
    rows = list(provider.query(goods, QueryOptions(filter=f, top=10, inlinecount=True)).rows)
    assert [r["Description"] for r in rows] == ["O'Neil shirt"]
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2  # the count and the page, nothing per row
    assert all('WHERE ((t0."Description" IS ' in s for s in selects), selects
    assert "LIMIT" in selects[1] and "ORDER BY" in selects[1]


def test_tabular_sections_load_once_per_page(model, tmp_path):
    statements: list[str] = []
    provider = SQLiteProvider(model, tmp_path / "t.db", trace=statements.append)
    orders = model.entity_set("Document_SalesOrder")
    provider.bulk_insert(orders, ({"Goods": [{"Quantity": Decimal(i)}]} for i in range(30)))
    statements.clear()
    rows = list(provider.query(orders, QueryOptions()).rows)
    assert len(rows) == 30 and all(len(r["Goods"]) == 1 for r in rows)
    assert sum("Document_SalesOrder_Goods" in s for s in statements) == 1
    statements.clear()
    list(provider.get_many(orders, [{"Ref_Key": r["Ref_Key"]} for r in rows[:5]]))
    assert len([s for s in statements if s.startswith("SELECT")]) == 2  # owners + one tabular query


def test_values_are_bound_not_inlined(model):
    goods = model.entity_set("Catalog_Goods")
    c = Compiler(model, goods)
    sql = c.where(Binary("eq", member(goods, "Description"), Literal("x' OR 1=1 --", "Edm.String")))
    assert "OR 1=1" not in sql and ":p0" in sql
    assert c.params == {"p0": "x' OR 1=1 --"}


def test_decimal_literals_are_scaled_integers(model):
    goods = model.entity_set("Catalog_Goods")
    c = Compiler(model, goods)
    sql = c.where(Binary("gt", member(goods, "Price"), Literal(Decimal("12.345"), "Edm.Decimal")))
    assert sql == '(((t0."Price" * 10) > :p0))'
    assert c.params == {"p0": 12345}


def test_division_is_exact_decimal_not_integer_division(model):
    goods = model.entity_set("Catalog_Goods")
    c = Compiler(model, goods)
    sql = c.where(Binary("eq", Binary("div", Literal(1, "Edm.Int32"), Literal(3, "Edm.Int32")),
                         Literal(0, "Edm.Int32")))
    assert "dec_arith" in sql and "/" not in sql


def test_like_escaping():
    assert escape_like("100%_\\") == "100\\%\\_\\\\"


def test_startswith_uses_escaped_like(model):
    goods = model.entity_set("Catalog_Goods")
    c = Compiler(model, goods)
    sql = c.where(Call("startswith", (member(goods, "Article"), Literal("5%_", "Edm.String"))))
    assert "LIKE" in sql and "ESCAPE" in sql
    assert "5\\%\\_%" in c.params.values()


def test_navigation_compiles_to_correlated_subquery(model):
    goods = model.entity_set("Catalog_Goods")
    unit = goods.entity_type.navigation_property("Unit")
    desc = model.entity_set("Catalog_Units").entity_type.property("Description")
    c = Compiler(model, goods)
    sql = c.where(Binary("eq", Member(("Unit", "Description"), resolved=(unit, desc)),
                         Literal("шт", "Edm.String")))
    assert 'FROM "Catalog_Units" AS a1 WHERE a1."Ref_Key" = t0."Unit_Key"' in sql


def test_cyrillic_identifiers_are_quoted(model):
    currencies = model.entity_set("Catalog_Валюты")
    c = Compiler(model, currencies)
    sql = c.where(Binary("eq", member(currencies, "ПолноеНаименование"), Literal("Рубль", "Edm.String")))
    assert '"ПолноеНаименование"' in sql


@pytest.fixture
def wide_model():
    conf = Configuration("wide", [Catalog(name="Big", attributes=[
        Attribute("Amount", "Number(30,10)"), Attribute("Small", "Number(5,2)")])])
    return build_model(conf)


def test_wide_numbers_are_text_and_exact(wide_model, tmp_path):
    big = wide_model.entity_set("Catalog_Big")
    provider = SQLiteProvider(wide_model, tmp_path / "w.db")
    huge = Decimal("12345678901234567890.0123456789")
    provider.create(big, {"Amount": huge, "Small": Decimal("1.5")})
    provider.create(big, {"Amount": Decimal("-1"), "Small": Decimal("999.99")})
    assert [r["Amount"] for r in provider.query(big, QueryOptions()).rows if r["Amount"] > 0] == [huge]
    f = Binary("gt", member(big, "Amount"), Literal(Decimal("12345678901234567890.0123456788"), "Edm.Decimal"))
    assert provider.count(big, f) == 1
    f = Binary("eq", Binary("add", member(big, "Amount"), member(big, "Small")),
               Literal(Decimal("12345678901234567891.5123456789"), "Edm.Decimal"))
    assert provider.count(big, f) == 1
    f = Binary("gt", Binary("mul", member(big, "Small"), member(big, "Small")),
               Literal(Decimal("999980.0001"), "Edm.Decimal"))
    assert provider.count(big, f) == 0  # 999.99 ** 2 == 999980.0001 exactly


def test_connections_are_per_thread(model, tmp_path):
    import threading

    provider = SQLiteProvider(model, tmp_path / "t.db")
    seed(provider, model)
    goods = model.entity_set("Catalog_Goods")
    seen = {}

    def work():
        seen["count"] = provider.count(goods, None)
        seen["conn"] = provider.conn

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen["count"] == 5
    assert seen["conn"] is not provider.conn
    assert provider.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_mapped_counts_read_the_site_table_alone_unless_a_side_column_is_needed(model, tmp_path):
    from .mapped_site import make_mapped_provider

    statements: list[str] = []
    provider = make_mapped_provider(model, tmp_path / "site.db", trace=statements.append)
    seed(provider, model)
    goods = model.entity_set("Catalog_Goods")
    provider.update(goods, {"Ref_Key": next(iter(provider.query(goods, QueryOptions(top=1)).rows))["Ref_Key"]},
                    {"DeletionMark": True})
    cheap = Binary("gt", member(goods, "Price"), Literal(Decimal("10"), "Edm.Decimal"), type="Edm.Boolean")
    side = Binary("eq", member(goods, "DeletionMark"), Literal(True, "Edm.Boolean"), type="Edm.Boolean")
    counts = {}
    for name, condition in [("all", None), ("cheap", cheap), ("side", side)]:
        statements.clear()
        counts[name] = provider.count(goods, condition)
        sql = [s for s in statements if "count(*)" in s]
        assert len(sql) == 1
        assert ("_ibo_" in sql[0] or '"Catalog_Goods"' in sql[0]) == (name == "side"), sql[0]
        statements.clear()
        page = provider.query(goods, QueryOptions(filter=condition, inlinecount=True))
        assert page.total == counts[name] == len(list(page.rows))
    assert counts == {"all": 5, "cheap": 3, "side": 1}


@pytest.mark.parametrize("kind", ["sqlite", "mapped"])
def test_remembered_counts_follow_every_writer(kind, model, tmp_path):
    import sqlite3

    from .conftest import make_provider

    provider = make_provider(kind, model, tmp_path)
    seed(provider, model)
    goods = model.entity_set("Catalog_Goods")
    assert provider.count(goods, None) == provider.count(goods, None) == 5
    provider.create(goods, {"Description": "own write"})
    assert provider.count(goods, None) == 6
    other = sqlite3.connect(tmp_path / ("site.db" if kind == "mapped" else "infobase.db"))
    table = "products" if kind == "mapped" else "Catalog_Goods"
    other.execute(f'DELETE FROM "{table}" WHERE rowid = (SELECT max(rowid) FROM "{table}")')
    other.commit()
    other.close()
    assert provider.count(goods, None) == 5  # another connection's commit
    with pytest.raises(RuntimeError), provider.transaction():
        provider.create(goods, {"Description": "rolled back"})
        assert provider.count(goods, None) == 6
        raise RuntimeError
    assert provider.count(goods, None) == 5


def test_the_sql_provider_is_a_dialect_and_a_connector(model, tmp_path):
    """SQLiteProvider is SQLProvider(model, SQLITE, SQLiteConnector(path)); writes and registers
    are stores it holds, and nested transactions are savepoints of the one link code."""
    from infobase_odata.providers.dialect import SQLITE
    from infobase_odata.providers.sqlconn import SQLiteConnector
    from infobase_odata.providers.sqlprovider import SQLProvider
    from infobase_odata.providers.sqlstore import SQLStore

    statements: list[str] = []
    provider = SQLProvider(model, SQLITE, SQLiteConnector(tmp_path / "t.db", trace=statements.append))
    assert isinstance(provider.objects, SQLStore) and isinstance(provider.registers, SQLStore)
    goods = model.entity_set("Catalog_Goods")
    with provider.transaction():
        provider.create(goods, {"Description": "kept"})
        with pytest.raises(RuntimeError), provider.transaction():
            provider.create(goods, {"Description": "rolled back to the savepoint"})
            raise RuntimeError
        assert provider.in_transaction
    assert not provider.in_transaction
    assert [r["Description"] for r in provider.query(goods, QueryOptions()).rows] == ["kept"]
    assert any(s.startswith("SAVEPOINT sp1") for s in statements)
    assert any(s.startswith("ROLLBACK TO SAVEPOINT sp1") for s in statements)
    same = SQLiteProvider(model, tmp_path / "t.db")
    assert same.count(goods, None) == 1


def test_a_level_with_nothing_written_since_the_enclosing_savepoint_shares_it(model, tmp_path):
    """A $batch change set nests create_entity's transaction and the store's: the inner level
    takes no savepoint of its own when nothing was written since the enclosing one, and a
    failure there still rolls back exactly what it wrote, whoever catches it."""
    from infobase_odata.providers.dialect import SQLITE
    from infobase_odata.providers.sqlconn import SQLiteConnector
    from infobase_odata.providers.sqlprovider import SQLProvider

    statements: list[str] = []
    provider = SQLProvider(model, SQLITE, SQLiteConnector(tmp_path / "t.db", trace=statements.append))
    goods = model.entity_set("Catalog_Goods")
    names = lambda: sorted(r["Description"] for r in provider.query(goods, QueryOptions()).rows)  # noqa: E731
    provider.count(goods, None)  # the schema, outside the statements counted
    statements.clear()
    with provider.transaction():
        provider.create(goods, {"Description": "before"})
        statements.clear()
        with provider.transaction():  # sp1: something was written under BEGIN
            with provider.transaction():  # nothing written since sp1: shares it
                provider.create(goods, {"Description": "shared"})
        savepoints = [s for s in statements if s.startswith("SAVEPOINT")]
        with provider.transaction():
            with pytest.raises(RuntimeError), provider.transaction():  # shares the new sp1
                provider.create(goods, {"Description": "rolled back"})
                raise RuntimeError
            provider.create(goods, {"Description": "after the caught failure"})
            with provider.transaction():  # written since sp1 (and rolled back): a savepoint of its own
                with pytest.raises(RuntimeError), provider.transaction():
                    provider.create(goods, {"Description": "rolled back too"})
                    raise RuntimeError
                provider.create(goods, {"Description": "inner kept"})
    # the store's create nests one more level: shared as well when nothing was written before it
    assert savepoints == ["SAVEPOINT sp1"] and "RELEASE SAVEPOINT sp2" not in statements[:4]
    assert names() == ["after the caught failure", "before", "inner kept", "shared"]
    assert "SAVEPOINT sp2" in statements and not provider.in_transaction
