"""The seed example ``Catalog_Goods?$filter=Price le 3.5 or Price gt 200`` on the 100,000-goods
sample: exactly the rows the equivalent SQL returns, with the WHERE clause run by SQLite."""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import quote

from webob import Request

from infobase_odata.middleware import ODataMiddleware
from infobase_odata.providers.sqlite import SQLiteProvider
from infobase_odata.store import load_seed
from tests.conftest import SAMPLE, SERVICE, AsUser


def test_price_filter_on_100000_goods_runs_in_sqlite(tmp_path, model):
    statements: list[str] = []
    path = str(tmp_path / "big.db")
    provider = SQLiteProvider(model, path)
    provider.create_schema()
    counts = load_seed(SAMPLE)(provider, model, goods=100_000)
    assert counts["Catalog_Goods"] >= 100_000
    provider = SQLiteProvider(model, path, trace=statements.append)
    app = AsUser(ODataMiddleware(None, SAMPLE, provider=provider, prefix="trade"))

    url = SERVICE + "Catalog_Goods?$format=json&$select=Ref_Key,Price&$filter=" + quote("Price le 3.5 or Price gt 200")
    response = Request.blank(url).get_response(app)
    assert response.status_code == 200
    served = [row["Ref_Key"] for row in json.loads(response.body)["value"]]

    # The equivalent SQL, written by hand: Price is Number(15,2), stored as hundredths.
    with sqlite3.connect(path) as raw:
        expected = [r[0] for r in raw.execute(
            'SELECT Ref_Key FROM Catalog_Goods WHERE Price <= 350 OR Price > 20000 ORDER BY Ref_Key')]
    assert sorted(served) == expected
    assert len(expected) > 1000  # both sides of the condition are populated

    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "Catalog_Goods" in s]
    filtering = [s for s in selects if "WHERE" in s.upper() and "Price" in s.split("WHERE", 1)[-1]]
    assert filtering, selects
    # No statement reads the table without the condition: nothing is filtered in Python.
    assert all("WHERE" in s.upper() for s in selects if "FROM \"Catalog_Goods\"" in s or "FROM [Catalog_Goods]" in s)
