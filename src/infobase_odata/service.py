"""One published infobase as a WSGI application: the only error boundary of the interface.

The service answers paths relative to ``…/odata/standard.odata``; ``ODataMiddleware`` mounts it
under a prefix in front of another application::

    service = ODataService(configuration, SQLiteProvider(model, "trade.db"))
    response = webob.Request.blank("/Catalog_Goods?$top=1").get_response(service)
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any, Iterable
from urllib.parse import quote

from webob import Request, Response

from . import errors
from .configuration import Configuration, ConfigurationError
from .errors import ODataError, StoreError, WriteConflict, from_store_error
from .context import Context, query_limits
from .events import EventHandlers
from .formats import atom, json as json_format
from .kinds.reads import KindReads
from .model import Model
from .negotiation import ATOM_FORMAT, Format, format_from_accept, negotiate
from .query.parser import ensure_recursion_limit
from .register_model import build_model
from .routes import dispatch
from .security import Security
from .security_auth import Authenticate
from .settings import Settings
from .stores import capabilities
from .urls import SERVICE_PATH, service_relative_path, split_query_string, split_segments

log = logging.getLogger(__name__)
CONFLICT_ATTEMPTS = 3  # runs of one request whose transaction a write conflict rolled back
CONFLICT_BACKOFF_SECONDS = 0.05


class ODataService:
    """The OData interface of one infobase as a WSGI application answering paths relative to the
    service root (``ODataMiddleware`` mounts it under ``/<prefix>/odata/standard.odata``).

    :param configuration: the declared :class:`Configuration` (users and roles included).
    :param provider: the data source (the Protocol of ``provider.py``).
    :param settings: limits, paging, authentication and error options (default: ``Settings()``).
    :param model: the EDM model, when already built from ``configuration``.
    :param events: event handlers (BeforeWrite, OnWrite, Posting, ...).
    :param authenticate: ``fn(environ)`` returning a user name, a ``User`` or None, when the host
        authenticates instead of HTTP Basic.
    """

    def __init__(self, configuration: Configuration, provider: Any, settings: Settings | None = None,
                 *, model: Model | None = None, events: EventHandlers | None = None,
                 authenticate: Authenticate | None = None) -> None:
        self.configuration = configuration
        self.model = model or build_model(configuration)
        self.provider = provider
        self.stores = capabilities(provider)  # the store Protocols it implements (TypeError: none)
        self.settings = settings or Settings()
        self.events = events or EventHandlers()
        self.security = Security(configuration, self.model, self.settings, authenticate)
        ensure_recursion_limit(query_limits(self.settings))  # once, never while answering
        self._metadata: bytes | None = None
        self.shapes: dict = {}  # default shapes per set name (projection.build_shape), never on the model
        self._base_urls: dict[tuple, str] = {}
        self._reads: KindReads | None = None

    @property
    def reads(self) -> KindReads:
        """The provider as handlers read it: journal sets answered by their kind module."""
        if self._reads is None or self._reads.provider is not self.provider:
            self._reads = KindReads(self.provider, self.model)
        return self._reads

    @property
    def metadata_bytes(self) -> bytes:
        if self._metadata is None:
            from .formats.csdl import metadata_document  # lxml loads with the first $metadata (#18)

            self._metadata = metadata_document(self.model)
        return self._metadata

    def base_url(self, request: Request) -> str:
        """Absolute service root ending in '/', percent-encoded (it also goes into headers)."""
        environ = request.environ
        root = environ.get("infobase_odata.root")
        # Keyed by what it is made of (host_url's parts, the root): a few values per deployment.
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SERVER_NAME"),
               environ.get("SERVER_PORT"), environ.get("SCRIPT_NAME") if root is None else None, root)
        found = self._base_urls.get(key)
        if found is None:
            path = request.script_name if root is None else root + SERVICE_PATH
            if len(self._base_urls) >= 64:
                self._base_urls.clear()
            found = self._base_urls[key] = request.host_url + quote(path, safe="/") + "/"
        return found

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        request = Request(environ)
        response = self.respond(request)
        return response(environ, start_response)

    def respond(self, request: Request, subject: Any = None) -> Response:
        """The answer to one request; ``subject`` skips authentication (operations of a batch)."""
        fmt: Format = ATOM_FORMAT
        query_parts = split_query_string(request.query_string)  # the one split of the request
        try:
            try:
                fmt = negotiate(request, query_parts)
            except ODataError:
                fmt = format_from_accept(request)
                raise
            if subject is None:
                subject = self.security.authenticate(request.environ)
            request.environ["infobase_odata.user"] = subject.name
            segments = split_segments(service_relative_path(request.environ))
            context = Context(self, request, fmt, self.base_url(request), subject, query_parts)
            if segments and segments[0].name == "$batch" and _batch().addressed(context, segments):
                response = _batch().respond(context)  # an extension beyond the platform
            else:
                response = self._dispatch(context, segments)
        except ODataError as err:
            response = self.error_response(err, fmt)
        except StoreError as exc:
            response = self.error_response(from_store_error(exc), fmt)
        except RecursionError:
            log.warning("request too deeply nested: %s", request.path_qs[:200])
            response = self.error_response(
                ODataError.of(errors.QUERY_OPTION, "The request is too deeply nested"), fmt)
        except ConfigurationError as exc:
            # A mapping that does not fit the database: every request fails this same way (the
            # schema is not marked ready) until the mapping or the database is fixed.
            log.error("the service is misconfigured: %s", exc)
            err = ODataError.of(errors.INTERNAL, "An internal error of the OData service occurred. Details can be found in "
                                "the technological log. (a configuration error of the service, see the server log)")
            if self.settings.debug:
                err = ODataError.of(errors.INTERNAL, "An internal error of the OData service occurred. Details can be found in "
                                    "the technological log. (a configuration error of the service, see the server "
                                    "log): {detail}",
                                    detail=str(exc))
            response = self.error_response(err, fmt)
        except Exception as exc:
            log.exception("unexpected error answering %s %s", request.method, request.path_qs[:500])
            err = ODataError.internal()
            if self.settings.debug:
                err = ODataError.of(errors.INTERNAL, errors.INTERNAL_TEMPLATE + " ({detail})",
                                    detail=f"{type(exc).__name__}: {exc}")
            response = self.error_response(err, fmt)
        response.headerlist.append(("DataServiceVersion", "3.0"))  # nothing else sets it
        return response

    def _dispatch(self, context: Context, segments: list[str]) -> Response:
        """``dispatch``, run again (at most ``CONFLICT_ATTEMPTS`` times, with a short random
        backoff) when the store reports a write conflict that rolled the request's own
        transaction back: a request outside a caller's transaction (not in a ``$batch`` change
        set) whose body is already read can be run again as a whole, event handlers included
        (they run inside the transaction and their database writes were rolled back too)."""
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                return dispatch(context, segments)
            except WriteConflict:
                if attempt == CONFLICT_ATTEMPTS or getattr(self.provider, "in_transaction", True):
                    raise  # 503: a caller's transaction must be run again by the caller
                log.info("write conflict, running %s %s again (attempt %d)", context.request.method,
                         context.request.path_qs[:200], attempt + 1)
                time.sleep(random.uniform(0, CONFLICT_BACKOFF_SECONDS * attempt))
                context = Context(self, context.request, context.format, context.base, context.subject)
        raise AssertionError("unreachable")

    def error_response(self, err: ODataError, fmt: Format) -> Response:
        err.message = err.localized(self.settings.language)  # i18n.py: the language setting
        body = json_format.error(err, lang=self.settings.language) if fmt.json else atom.error(err)
        response = Response(status=err.status, body=body)
        response.headers["Content-Type"] = json_format.CONTENT_TYPE if fmt.json else atom.XML_CONTENT_TYPE
        for name, value in err.headers.items():
            response.headers[name] = value
        if err.status == 401 and "WWW-Authenticate" not in err.headers:
            response.headers["WWW-Authenticate"] = f'Basic realm="{self.settings.realm}"'
        return response


def _batch() -> Any:
    """``batch.py`` (with multipart and the email package), loaded by the first ``$batch`` (#18)."""
    from . import batch

    return batch
