"""infobase-odata over a hand-written site's tables: the benchmark's mapped-provider side.

    BENCH_PLAIN_DB=benchmarks/var/plain-100000.db gunicorn -w 2 -k sync -b 127.0.0.1:8002 \
        --limit-request-line 0 --chdir benchmarks mapped_app:app

``run.py`` builds the plain file once from the seeded database: tables ``goods`` and ``units``
with ``Ref_Key TEXT PRIMARY KEY`` and no other index, rows in the seed's order (what the
plain-table raw baseline reads).  This app publishes them as the sample's ``Catalog_Goods`` and
``Catalog_Units`` through ``MappedSQLiteProvider`` (GUID text keys, ``Price`` as cents); the
mapping leaves only ``DataVersion`` to the library (a content hash), so rows match the raw
app's apart from it.  Requests need Basic credentials, as ``ours_app``.
"""

from __future__ import annotations

import os

from infobase_odata import ODataMiddleware
from infobase_odata.providers.mapped import MappedSQLiteProvider

HERE = os.path.dirname(os.path.abspath(__file__))
DATABASE = os.environ.get("BENCH_PLAIN_DB", os.path.join(HERE, "var", "plain.db"))

GOODS = ["Predefined", "PredefinedDataName", "Description", "Code", "Parent_Key", "IsFolder",
         "DeletionMark", "Article", "Unit_Key", "Kind"]
UNITS = ["Predefined", "PredefinedDataName", "Description", "Code", "DeletionMark", "FullName"]
KEY = {"column": "Ref_Key", "kind": "guid"}
MAPPING = {"namespace": "bench.example.com", "objects": {
    "Catalog_Goods": {"table": "goods", "key": KEY,
                      "columns": {**{n: n for n in GOODS}, "Price": {"column": "Price", "scale": 2}}},
    "Catalog_Units": {"table": "units", "key": KEY, "columns": {n: n for n in UNITS}}}}

app = ODataMiddleware(None, os.path.join(HERE, os.pardir, "samples", "trade"), prefix="trade",
                      provider=MappedSQLiteProvider.factory(DATABASE, MAPPING))
