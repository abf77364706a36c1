"""Cross-site request forgery guard of state-changing requests (writes and actions).

A browser sends a POST/PUT/… cross-site without a CORS preflight only with a "simple" body
(``text/plain``, ``application/x-www-form-urlencoded``, ``multipart/form-data``), and it attaches
the user's cached Basic credentials. So, for every method but GET/HEAD/OPTIONS:

* a body declared with one of those types is 415 (the interface reads JSON and Atom only);
* an ``Origin`` that is not the service's own (nor listed in ``allowed_origins``), or
  ``Sec-Fetch-Site: cross-site``, is 403.

Clients that are not browsers send neither header and are not affected::

    check_request(request, settings)  # raises ODataError(…, status=403 or 415)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .errors import ACCESS_DENIED, FORMAT_NOT_SUPPORTED, ODataError

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# The body types a cross-site HTML form or fetch() may send without a preflight.
FORM_TYPES = ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_request(request: Any, settings: Any, method: str | None = None) -> None:
    """Refuse a forged state-changing request; ``request`` is a webob Request."""
    method = (method or request.method).upper()
    if method in SAFE_METHODS:
        return
    if request.headers.get("Sec-Fetch-Site", "").strip().lower() == "cross-site":
        raise ODataError.of(ACCESS_DENIED, "Insufficient rights: a cross-site request cannot change data",
                            status=403)
    origin = request.headers.get("Origin")
    if origin is not None and not _own_origin(origin, request, settings):
        raise ODataError.of(ACCESS_DENIED, "Insufficient rights: requests from the origin {origin} "
                            "cannot change data", status=403, origin=origin[:100])
    content_type = (request.content_type or "").strip().lower()
    if content_type in FORM_TYPES and _has_body(request):
        raise ODataError.of(FORMAT_NOT_SUPPORTED, "Unsupported request Content-Type {content_type}: "
                            "send application/json or application/atom+xml", status=415,
                            content_type=content_type[:100])


def _has_body(request: Any) -> bool:
    """The standard library's WSGI server reports a missing Content-Type as text/plain, so the
    415 rule applies only to requests that carry a body (not to DELETE or Post/Unpost)."""
    length = request.content_length
    if length is not None:
        return length > 0
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _normalized(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname, port


def _own_origin(origin: str, request: Any, settings: Any) -> bool:
    given = _normalized(origin)
    if given is None:  # "null" (sandboxed frames, file:), garbage
        return False
    allowed = [_normalized(o) for o in settings.allowed_origins.replace(",", " ").split()]
    if given in allowed:
        return True
    # The Host header names the server the browser talks to (a page cannot forge it); the
    # scheme is not compared, because a TLS-terminating proxy forwards plain HTTP.
    own = _normalized(f"{given[0]}://{request.host}")
    return own is not None and own[1:] == given[1:]
