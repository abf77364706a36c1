"""The seed example ``Catalog_Goods?$filter=Price le 3.5 or Price gt 200`` on the 100,000-goods
sample: exactly the rows the equivalent SQL returns, with the WHERE clause run by the database
(SQLite, and PostgreSQL on a schema of the throwaway cluster)."""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import quote

import pytest
from webob import Request

from infobase_odata.middleware import ODataMiddleware
from infobase_odata.providers.sqlite import SQLiteProvider
from infobase_odata.store import load_seed
from tests.conftest import SAMPLE, SERVICE, AsUser


def _goods_only(provider, model) -> None:
    """The sample's goods (and their units) only: the filter reads nothing else, and the
    documents and register movements of the full seed would triple the test's time."""
    data = load_seed(SAMPLE).__globals__["TradeData"](100_000)
    for name, _, rows in data.entity_sets():
        if name in ("Catalog_Units", "Catalog_Goods"):
            provider.bulk_insert(model.entity_set(name), rows)
    assert provider.count(model.entity_set("Catalog_Goods"), None) >= 100_000


def _sqlite(tmp_path, model, trace):
    path = str(tmp_path / "big.db")
    seeding = SQLiteProvider(model, path, statement_timeout_ms=None)  # seeding: no budget on a busy machine
    seeding.create_schema()
    _goods_only(seeding, model)
    seeding.close()

    def expected() -> list[str]:  # Price is Number(15,2), stored as hundredths
        with sqlite3.connect(path) as raw:
            return [r[0] for r in raw.execute(
                "SELECT Ref_Key FROM Catalog_Goods WHERE Price <= 350 OR Price > 20000 ORDER BY Ref_Key")]
    return SQLiteProvider(model, path, trace=trace), expected, lambda: None


def _postgresql(request, model, trace):
    import psycopg

    from infobase_odata.providers.pgconn import Pools
    from infobase_odata.providers.postgresql import PostgreSQLProvider
    url = request.getfixturevalue("pg_server").fresh_url()
    seeding = PostgreSQLProvider(model, url, statement_timeout_ms=None)
    _goods_only(seeding, model)
    seeding.close()

    def expected() -> list[str]:
        with psycopg.connect(url) as raw:
            return [r[0] for r in raw.execute(
                'SELECT "Ref_Key" FROM "Catalog_Goods" WHERE "Price" <= 350 OR "Price" > 20000 ORDER BY "Ref_Key"')]
    return PostgreSQLProvider(model, url, trace=trace), expected, lambda: Pools.close(url)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_price_filter_on_100000_goods_runs_in_the_database(engine, tmp_path, model, request):
    statements: list[str] = []
    if engine == "sqlite":
        provider, expected_of, done = _sqlite(tmp_path, model, statements.append)
    else:
        provider, expected_of, done = _postgresql(request, model, statements.append)
    app = AsUser(ODataMiddleware(None, SAMPLE, provider=provider, prefix="trade"))

    url = SERVICE + "Catalog_Goods?$format=json&$select=Ref_Key,Price&$filter=" + quote("Price le 3.5 or Price gt 200")
    response = Request.blank(url).get_response(app)
    assert response.status_code == 200
    served = [row["Ref_Key"] for row in json.loads(response.body)["value"]]

    expected = expected_of()  # the equivalent SQL, written by hand
    done()
    assert sorted(served) == expected
    assert len(expected) > 1000  # both sides of the condition are populated

    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "Catalog_Goods" in s]
    filtering = [s for s in selects if "WHERE" in s.upper() and "Price" in s.split("WHERE", 1)[-1]]
    assert filtering, selects
    # No statement reads the table without the condition: nothing is filtered in Python.
    assert all("WHERE" in s.upper() for s in selects if "FROM \"Catalog_Goods\"" in s or "FROM [Catalog_Goods]" in s)
