"""A read-only HTML explorer of a publication at ``/<prefix>/odata/explorer/``.

``ODataMiddleware`` mounts it when the ``explorer`` setting is on (the default of
``infobase-odata serve``); the pages get their rows from the interface itself (``client.py``), so a
user sees exactly the objects and rows the interface would give them::

    app = ODataMiddleware(flask_app, "samples/trade", prefix="trade", explorer=True)
    # GET /trade/odata/explorer/Catalog_Goods?$filter=Price gt 100 -> an HTML table
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable
from urllib.parse import quote

from webob import Request, Response

from ..errors import ODataError
from ..urls import split_segments

if TYPE_CHECKING:
    from jinja2 import Environment

    from . import views

EXPLORER_PATH = "/odata/explorer"
STYLESHEET = "-/explorer.css"
HEADERS = {
    # Nothing but our own stylesheet runs or loads; forms only submit to the explorer itself.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_environment: Environment | None = None


def environment() -> Environment:
    """The Jinja2 environment (templates are package data; autoescaping on for every template)."""
    global _environment
    if _environment is None:
        from jinja2 import Environment, PackageLoader  # on the first page: not at start-up

        _environment = Environment(loader=PackageLoader("infobase_odata.explorer", "templates"),
                                   autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    return _environment


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


class Explorer:
    """The explorer of one ``ODataService`` at ``/<prefix>/odata/explorer`` (``ODataMiddleware``
    asks :meth:`claims` and hands the request to :meth:`serve`)."""

    def __init__(self, service: Any, publication: str) -> None:
        self.service = service
        self.mount = publication + EXPLORER_PATH  # /<prefix>/odata/explorer
        self._stylesheet: bytes | None = None

    @property
    def stylesheet(self) -> bytes:
        if self._stylesheet is None:  # read with the first page: a start serving JSON never needs it (#18)
            from importlib import resources

            self._stylesheet = resources.files(__name__).joinpath("static", "explorer.css").read_bytes()
        return self._stylesheet

    def claims(self, path: str) -> bool:
        """Whether a (decoded) request path belongs to the explorer."""
        return path == self.mount or path.startswith(self.mount + "/")

    def serve(self, environ: dict, start_response: Callable, path: str) -> Iterable[bytes]:
        """WSGI call for a claimed ``path``: the interface's root (for sub-requests) is the
        script name plus ``/<prefix>``."""
        root = environ.get("SCRIPT_NAME", "") + self.mount[: -len(EXPLORER_PATH)]
        return self.respond(Request(dict(environ)), root, path[len(self.mount):])(environ, start_response)

    def respond(self, request: Request, root: str, path: str) -> Response:
        from . import views  # the pages' modules load with the first page (#18)
        from .client import Client

        mount = root + EXPLORER_PATH + "/"
        if path == "":
            return Response(status=301, location=quote(mount, safe="/"))
        if request.method not in ("GET", "HEAD"):
            response = self._page(views.Page("error.html", {"title": "Read-only", "message":
                                  "The explorer only reads; write through the OData interface."}, 405), mount, None)
            response.headers["Allow"] = "GET, HEAD"
            return response
        if path == "/" + STYLESHEET:
            response = Response(body=self.stylesheet, content_type="text/css", charset="utf-8")
            response.headers.update({"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})
            return response
        try:
            subject = self.service.security.authenticate(request.environ)
        except ODataError as err:  # the interface's own authentication: ask the browser for credentials
            response = self._page(views.Page("error.html", {"title": "Authentication required",
                                                            "message": err.message}, err.status), mount, None)
            if err.status == 401:
                response.headers["WWW-Authenticate"] = err.headers.get(
                    "WWW-Authenticate", f'Basic realm="{self.service.settings.realm}"')
            return response
        state = views.State(self.service.model, Client(self.service, request.environ, root), mount, subject.name)
        return self._page(self.dispatch(state, path[1:], request), mount, state)

    def dispatch(self, state: views.State, path: str, request: Request) -> views.Page:
        from . import views

        if path == "":
            return views.index(state)
        try:
            segments = split_segments(path.replace("%", "%25"))
        except ODataError as err:
            return views.error_page(state, None, 400, err.message)
        entity_set = state.model.entity_sets.get(segments[0].name) if segments else None
        if entity_set is None or len(segments) > 2:
            return views.error_page(state, None, 404, "No such page in the explorer.")
        values = request.GET.dict_of_lists()
        first = segments[0]
        if len(segments) == 1:
            if first.args is None:
                return views.table(state, entity_set, values)
            if entity_set.kind == "object":
                return views.entity(state, entity_set, first.args)
        elif first.args is None and segments[1].args is None:
            if segments[1].name == "$metadata":
                return views.metadata(state, entity_set)
            if views.register_of(state.model, entity_set) is entity_set:
                return views.virtual(state, entity_set, segments[1].name, values)
        return views.error_page(state, None, 404, "No such page in the explorer.")

    def _page(self, page: views.Page, mount: str, state: views.State | None) -> Response:
        body = render(page.template, **page.context, mount=quote(mount, safe="/"),
                      stylesheet=quote(mount + STYLESHEET, safe="/-"), user=state.user if state else None,
                      publication=self.service.settings.prefix)
        response = Response(body=body.encode("utf-8"), status=page.status, content_type="text/html", charset="utf-8")
        response.headers.update(HEADERS)
        return response


def landing(prefix: str, explorer: bool) -> Callable:
    """A WSGI app for the CLI's other paths: ``/`` links to the explorer and the interface, the
    rest is 404."""
    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") not in ("", "/"):
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not Found"]
        root = environ.get("SCRIPT_NAME", "") + "/" + prefix.strip("/")
        body = render("landing.html", title="infobase-odata", publication=prefix, mount=quote(environ.get("SCRIPT_NAME", ""), safe="/") + "/",
                      explorer=quote(root + EXPLORER_PATH + "/", safe="/") if explorer else None,
                      service=quote(root + "/odata/standard.odata/", safe="/"),
                      metadata=quote(root + "/odata/standard.odata/$metadata", safe="/$"),
                      stylesheet=quote(root + EXPLORER_PATH + "/" + STYLESHEET, safe="/-") if explorer else None).encode("utf-8")
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                                  *HEADERS.items()])
        return [body] if environ.get("REQUEST_METHOD") != "HEAD" else []
    return app
