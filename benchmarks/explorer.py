"""The explorer's table page against the JSON request it is built on, in-process (webob
``Request.blank`` -> the WSGI apps, no HTTP), with the raw ``sqlite3`` + ``json`` baseline:

    python benchmarks/explorer.py                      # 10,000 goods, 300 rounds
    python benchmarks/explorer.py --goods 100000 --repeat 500

Cases, timed interleaved (one request of each per round, so that a drift of a shared machine's
speed hits them alike); the figures are the median CPU time of this process per request (steady
on a shared machine), its p90, and the median wall time:

- raw:  the baseline app (``raw_app.py``) answering ``Catalog_Goods?$top=100&$format=json``
- json: infobase-odata answering the same URL (Basic credentials of the sample's admin)
- json+count: what the explorer asks: the same with ``$inlinecount=allpages&allowedOnly=true``
  and ``$format=application/json;odata=nometadata``
- page: the explorer's ``/trade/odata/explorer/Catalog_Goods?$top=100`` (the JSON sub-request
  with the count, parsing it, 100 rows x 13 columns of Jinja2 HTML)

Target: page <= 2 x json (median). Exit status 1 when it is missed.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import time
from pathlib import Path

from webob import Request

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from infobase_odata import ODataMiddleware  # noqa: E402

SERVICE = "/trade/odata/standard.odata/"
EXPLORER = "/trade/odata/explorer/"
AUTHORIZATION = "Basic " + base64.b64encode(b"admin:admin").decode("ascii")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--goods", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    database = HERE / "var" / f"explorer-{args.goods}.db"
    database.parent.mkdir(exist_ok=True)
    os.environ["BENCH_DB"] = str(database)
    started = time.perf_counter()
    ours = ODataMiddleware(None, HERE.parent / "samples" / "trade", prefix="trade", database=str(database),
                           seed_options=f"goods={args.goods}", explorer=True)
    assert call(ours, SERVICE + "Catalog_Goods/$count").status_code == 200  # creates and seeds the file
    sys.path.insert(0, str(HERE))
    import raw_app  # noqa: E402  (reads BENCH_DB when imported)

    cases = {
        "raw": (raw_app.app, SERVICE + "Catalog_Goods?$top=100&$format=json"),
        "json": (ours, SERVICE + "Catalog_Goods?$top=100&$format=json"),
        "json+count": (ours, SERVICE + "Catalog_Goods?$top=100&$inlinecount=allpages"
                             "&$format=application/json;odata=nometadata&allowedOnly=true"),
        "page": (ours, EXPLORER + "Catalog_Goods?$top=100"),
    }
    for name, (app, url) in cases.items():  # warm up (and seed a new database)
        response = call(app, url)
        assert response.status_code == 200, (name, response.body[:300])
    rows = call(ours, EXPLORER + "Catalog_Goods?$top=100").body.count(b"<tr>") - 1
    print(f"database {database} ready in {time.perf_counter() - started:.1f} s; the page shows {rows} rows")
    times: dict[str, list[float]] = {name: [] for name in cases}
    walls: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeat):
        for name, (app, url) in cases.items():
            t0, w0 = time.process_time(), time.perf_counter()
            call(app, url)
            times[name].append(time.process_time() - t0)
            walls[name].append(time.perf_counter() - w0)
    print(f"\n{'case':<12} {'CPU ms':>8} {'p90':>7} {'wall ms':>8}  URL")
    for name, (_, url) in cases.items():
        median = statistics.median(times[name]) * 1000
        p90 = statistics.quantiles(times[name], n=10)[-1] * 1000
        print(f"{name:<12} {median:>8.2f} {p90:>7.2f} {statistics.median(walls[name]) * 1000:>8.2f}  {url}")
    ratio = statistics.median(times["page"]) / statistics.median(times["json"])
    print(f"\npage / json   = {ratio:.2f} x (target <= 2.0)")
    print(f"page / json+count = {statistics.median(times['page']) / statistics.median(times['json+count']):.2f} x")
    print(f"json / raw    = {statistics.median(times['json']) / statistics.median(times['raw']):.2f} x")
    print(f"page / json by wall time = {statistics.median(walls['page']) / statistics.median(walls['json']):.2f} x")
    return 0 if ratio <= 2.0 else 1


def call(app, url: str):
    request = Request.blank(url, headers={"Authorization": AUTHORIZATION})
    response = request.get_response(app)
    response.body  # the JSON answers stream: read them to the end
    return response


if __name__ == "__main__":
    sys.exit(main())
