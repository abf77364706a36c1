"""One published infobase as a WSGI application: the only error boundary of the interface.

The service answers paths relative to ``…/odata/standard.odata``; ``ODataMiddleware`` mounts it
under a prefix in front of another application::

    service = ODataService(configuration, SQLiteProvider(model, "trade.db"))
    response = webob.Request.blank("/Catalog_Goods?$top=1").get_response(service)
"""

from __future__ import annotations

import itertools
import logging
from typing import Any, Iterable
from urllib.parse import quote

from webob import Request, Response

from . import errors
from .configuration import Configuration
from .errors import ODataError
from .events import EventHandlers
from .handlers import Context, dispatch
from .model import Model, build_model
from .negotiation import ATOM_FORMAT, Format, format_from_accept, negotiate
from .security import Security
from .security_auth import Authenticate
from .settings import Settings
from .urls import SERVICE_PATH, service_relative_path, split_segments

log = logging.getLogger("infobase_odata")


class ODataService:
    def __init__(self, configuration: Configuration, provider: Any, settings: Settings | None = None,
                 *, model: Model | None = None, events: EventHandlers | None = None,
                 authenticate: Authenticate | None = None) -> None:
        self.configuration = configuration
        self.model = model or build_model(configuration)
        self.provider = provider
        self.settings = settings or Settings()
        self.events = events or EventHandlers()
        self.security = Security(configuration, self.model, self.settings, authenticate)
        self._metadata: bytes | None = None

    @property
    def metadata_bytes(self) -> bytes:
        if self._metadata is None:
            from .formats.csdl import metadata_document

            self._metadata = metadata_document(self.model)
        return self._metadata

    def base_url(self, request: Request) -> str:
        """Absolute service root ending in '/', percent-encoded (it also goes into headers)."""
        root = request.environ.get("infobase_odata.root")
        path = request.script_name if root is None else root + SERVICE_PATH
        return request.host_url + quote(path, safe="/") + "/"

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        request = Request(environ)
        response = self.respond(request)
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        fmt: Format = ATOM_FORMAT
        try:
            try:
                fmt = negotiate(request)
            except ODataError:
                fmt = format_from_accept(request)
                raise
            subject = self.security.authenticate(request.environ)
            request.environ["infobase_odata.user"] = subject.name
            segments = split_segments(service_relative_path(request.environ))
            context = Context(self, request, fmt, self.base_url(request), subject)
            response = dispatch(context, segments)
        except ODataError as err:
            response = self.error_response(err, fmt)
        except RecursionError:
            log.warning("request too deeply nested: %s", request.path_qs[:200])
            response = self.error_response(
                ODataError.of(errors.QUERY_OPTION, "The request is too deeply nested"), fmt)
        except Exception as exc:
            log.exception("unexpected error answering %s %s", request.method, request.path_qs[:500])
            err = ODataError.internal()
            if self.settings.debug:
                err = ODataError.of(errors.INTERNAL, errors.INTERNAL_TEMPLATE + " ({detail})",
                                    detail=f"{type(exc).__name__}: {exc}")
            response = self.error_response(err, fmt)
        response.headers["DataServiceVersion"] = "3.0"
        return response

    def error_response(self, err: ODataError, fmt: Format) -> Response:
        from .formats import atom, json as json_format

        err.message = err.localized(self.settings.language)  # i18n.py: the language setting
        body = json_format.error(err, lang=self.settings.language) if fmt.json else atom.error(err)
        response = Response(status=err.status, body=body)
        response.headers["Content-Type"] = json_format.CONTENT_TYPE if fmt.json else atom.XML_CONTENT_TYPE
        for name, value in err.headers.items():
            response.headers[name] = value
        if err.status == 401 and "WWW-Authenticate" not in err.headers:
            response.headers["WWW-Authenticate"] = f'Basic realm="{self.settings.realm}"'
        return response


def stream(first_chunks: Iterable[bytes]) -> Iterable[bytes]:
    """Start a generator so that errors before the first byte still become an error response."""
    iterator = iter(first_chunks)
    try:
        first = next(iterator)
    except StopIteration:
        return []
    return itertools.chain([first], iterator)
