"""infobase-odata's side of the benchmark: the sample ``trade`` infobase as a bare WSGI app.

    BENCH_DB=benchmarks/var/trade-100000.db gunicorn -w 2 -k sync -b 127.0.0.1:8000 \
        --limit-request-line 0 --chdir benchmarks ours_app:app

The database must already be seeded (``run.py`` does it once); ``BENCH_GOODS`` only matters if
it is not.  The sample declares users: requests need Basic credentials (``curl -u admin:admin``;
run.py sends them to both apps, raw ignores them).  Paths outside ``/trade/odata/standard.odata`` answer 404.
"""

from __future__ import annotations

import os

from infobase_odata import ODataMiddleware

HERE = os.path.dirname(os.path.abspath(__file__))
DATABASE = os.environ.get("BENCH_DB", os.path.join(HERE, "var", "trade.db"))

app = ODataMiddleware(None, os.path.join(HERE, os.pardir, "samples", "trade"), prefix="trade",
                      database=DATABASE, seed_options="goods=" + os.environ.get("BENCH_GOODS", "100000"))
