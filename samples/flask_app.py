"""A tiny Flask site with the ``trade`` sample infobase published under ``/trade/odata/``.

    gunicorn --chdir samples flask_app:app -b 127.0.0.1:8000
    curl http://127.0.0.1:8000/                                  # the site
    curl http://127.0.0.1:8000/trade/odata/standard.odata/       # the OData service document

The SQLite database is created and seeded by the first request, at ``$TRADE_DATABASE`` or
``var/trade.db`` next to the ``samples`` folder (outside the source tree's tracked files).
"""

from __future__ import annotations

import os

from flask import Flask

from infobase_odata.middleware import ODataMiddleware

HERE = os.path.dirname(os.path.abspath(__file__))
DATABASE = os.environ.get("TRADE_DATABASE", os.path.join(HERE, os.pardir, "var", "trade.db"))

app = Flask(__name__)


@app.get("/")
def index() -> tuple[str, int, dict[str, str]]:
    return "infobase-odata sample site", 200, {"Content-Type": "text/plain; charset=utf-8"}


app.wsgi_app = ODataMiddleware(  # type: ignore[method-assign]
    app.wsgi_app, os.path.join(HERE, "trade"), prefix="trade",
    database=DATABASE if "://" in DATABASE else os.path.normpath(DATABASE),  # a file or a postgresql:// URL
)
