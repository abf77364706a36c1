"""The shop of ``shop.py`` published through the 1C OData interface, its code unchanged.

    gunicorn --header-map dangerous --limit-request-line 0 --chdir samples/existing_site app:app
    curl http://127.0.0.1:8000/products                                       # the shop
    curl -u admin:admin 'http://127.0.0.1:8000/shop/odata/standard.odata/Catalog_Goods?$format=json'

The database is ``$SHOP_DATABASE`` (default ``var/shop.db`` next to the ``samples`` folder).
``configuration.json`` declares the objects, ``mapping.json`` maps them onto the shop's tables.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # shop.py beside this file

from shop import create_app  # noqa: E402  (the site, unchanged)

from infobase_odata import ODataMiddleware  # noqa: E402
from infobase_odata.providers.mapped import MappedSQLiteProvider  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATABASE = os.environ.get("SHOP_DATABASE", os.path.join(HERE, os.pardir, os.pardir, "var", "shop.db"))


def publish(flask_app, database: str):
    """The only change to the site: its WSGI app wrapped by the OData middleware."""
    flask_app.wsgi_app = ODataMiddleware(
        flask_app.wsgi_app, os.path.join(HERE, "configuration.json"), prefix="shop",
        provider=MappedSQLiteProvider.factory(database, os.path.join(HERE, "mapping.json")))
    return flask_app


os.makedirs(os.path.dirname(os.path.abspath(DATABASE)), exist_ok=True)
app = publish(create_app(DATABASE), DATABASE)
