"""In-process JSON sub-requests to the interface, as the explorer's user.

The explorer never reads the provider: every row it shows comes from a GET to the service with
the original request's environ (so its credentials, ``REMOTE_USER`` or whatever the host's
``authenticate`` callable reads), ``$format=json`` and ``allowedOnly=true``; rights and row-level
security are therefore the interface's own::

    answer = Client(service, environ).get("Catalog_Goods", [("$top", "10")])
    answer.status, answer.payload["value"], answer.url
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any, Sequence
from urllib.parse import quote, unquote

from webob import Request

from ..urls import SERVICE_PATH

# Characters left readable in the equivalent URLs (all valid in a path or query value).
PATH_SAFE = "/()'=,:$*-_.~"
VALUE_SAFE = "$'(),/:;=*-_.~"
# Request headers a GET of the explorer must not pass on to the interface.
_DROPPED = ("CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_ACCEPT", "HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH",
            "HTTP_X_HTTP_METHOD", "HTTP_1C_ODATA_DATALOADMODE", "HTTP_PREFER", "RAW_URI", "REQUEST_URI")


@dataclass
class Answer:
    status: int
    payload: Any  # parsed JSON (a dict), an int for $count, None for an empty body
    url: str  # the equivalent absolute OData URL, percent-encoded

    @property
    def ok(self) -> bool:
        return self.status < 300

    @property
    def error(self) -> tuple[str, str] | None:
        """(code, message) of an ``odata.error`` answer."""
        if self.ok or not isinstance(self.payload, dict) or "odata.error" not in self.payload:
            return None
        err = self.payload["odata.error"]
        return str(err.get("code", "")), str(err.get("message", {}).get("value", ""))

    @property
    def denied(self) -> bool:
        """A rights error (code 20): the object or row is not the user's to see."""
        return self.status in (401, 403) and (self.error or ("",))[0] == "20"


def encode_query(pairs: Sequence[tuple[str, str]]) -> str:
    """``name=value&…`` with spaces as %20 (a ``+`` is a literal plus for the interface, §1.7)."""
    return "&".join(f"{quote(n, safe='$')}={quote(v, safe=VALUE_SAFE)}" for n, v in pairs)


class Client:
    """GETs below ``<root>/odata/standard.odata/`` for one explorer request."""

    def __init__(self, service: Any, environ: dict, root: str) -> None:
        self.service = service
        self.root = root  # SCRIPT_NAME + "/<prefix>", decoded text
        self.environ = {k: v for k, v in environ.items() if k not in _DROPPED}
        self.environ["REQUEST_METHOD"] = "GET"
        self.environ["SCRIPT_NAME"] = ""
        self.environ["infobase_odata.root"] = root
        self.host_url = Request(environ).host_url

    def url(self, path: str, query: Sequence[tuple[str, str]] = ()) -> str:
        """The percent-encoded absolute URL of ``path`` (relative to the service root)."""
        raw = quote(self.root + SERVICE_PATH + "/" + path, safe=PATH_SAFE)
        return self.host_url + raw + ("?" + encode_query(query) if query else "")

    def request_url(self, path: str, query: Sequence[tuple[str, str]] = ()) -> str:
        """The URL :meth:`get` requests: ``query`` plus the JSON format and ``allowedOnly``."""
        return self.url(path, [*query, ("$format", "application/json;odata=nometadata"), ("allowedOnly", "true")])

    def get(self, path: str, query: Sequence[tuple[str, str]] = ()) -> Answer:
        """GET ``path`` with ``query`` plus ``allowedOnly=true`` in JSON without metadata (the
        explorer knows the model; smaller answers to write and parse)."""
        url = self.request_url(path, query)
        raw = url[len(self.host_url):]
        environ = dict(self.environ)
        environ["RAW_URI"] = raw
        target, _, query_string = raw.partition("?")
        environ["PATH_INFO"] = unquote(target).encode("utf-8").decode("latin-1")  # PEP 3333 form
        environ["QUERY_STRING"] = query_string
        environ["wsgi.input"] = io.BytesIO()
        response = self.service.respond(Request(environ))
        body = response.body
        if not body:
            payload: Any = None
        elif response.content_type == "text/plain":
            text = body.decode("utf-8", "replace").strip()
            payload = int(text) if text.isdigit() else text
        else:
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
        return Answer(response.status_code, payload, url)
