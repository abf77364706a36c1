"""A minimal Pyramid application; ``development.ini`` puts the OData filter in front of it.

    gunicorn --paste samples/development.ini -b 127.0.0.1:8080     # from the repository root
    curl http://127.0.0.1:8080/trade/odata/standard.odata/

It can also be wrapped in Python::

    from infobase_odata.middleware import ODataMiddleware
    app = ODataMiddleware(main({}), "samples/trade", prefix="trade", database="var/trade.db")
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response


def index(request: Request) -> Response:
    return Response("infobase-odata sample site (Pyramid)", content_type="text/plain", charset="utf-8")


def main(global_config: dict[str, Any], **settings: Any):
    """PasteDeploy ``paste.app_factory``: returns the WSGI application."""
    with Configurator(settings=settings) as config:
        config.add_route("index", "/")
        config.add_view(index, route_name="index")
        return config.make_wsgi_app()
