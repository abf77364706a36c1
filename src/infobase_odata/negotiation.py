"""Response format: ``$format`` first, then ``Accept``, default Atom (reference §5.1, §12.1).

    >>> negotiate(webob.Request.blank("/x?$format=json")).json
    True
"""

from __future__ import annotations

from typing import Iterable, NamedTuple
from urllib.parse import unquote

from webob import Request

from .i18n import Message
from .errors import FORMAT_NOT_SUPPORTED, ODataError
from .urls import split_query_string

ATOM = "atom"
JSON = "json"
FLAVOURS = ("minimalmetadata", "nometadata", "fullmetadata")


class Format(NamedTuple):
    """The negotiated response format: Atom or JSON (and its flavour)."""

    kind: str  # ATOM or JSON
    flavour: str = "minimal"  # JSON only: minimal, nometadata, fullmetadata

    @property
    def json(self) -> bool:
        return self.kind == JSON


ATOM_FORMAT = Format(ATOM)
JSON_FORMAT = Format(JSON)

_ATOM_MEDIA = ("application/atom+xml", "application/xml", "text/xml", "application/atomsvc+xml")


def _parse_format_value(value: str) -> Format | None:
    text = value.strip().lower().replace(" ", "")
    if text == "json":
        return JSON_FORMAT
    if text in ("atom", "xml"):
        return ATOM_FORMAT
    media, _, params = text.partition(";")
    if media == "application/json":
        flavour = "minimal"
        for param in filter(None, params.split(";")):
            name, _, val = param.partition("=")
            if name == "odata":
                if val not in FLAVOURS and val != "verbose":
                    return None
                flavour = "minimal" if val in ("minimalmetadata", "verbose") else val
        return Format(JSON, flavour)
    if media in _ATOM_MEDIA:
        return ATOM_FORMAT
    return None


def format_from_query(value: str | None) -> Format | None:
    """The format a ``$format`` value asks for; an unknown value is a 406 error (code 3)."""
    if value is None:
        return None
    parsed = _parse_format_value(value)
    if parsed is None:
        raise ODataError(FORMAT_NOT_SUPPORTED, Message("Unsupported $format value: {value}", value=value), status=406)
    return parsed


def format_from_accept(request: Request) -> Format:
    """The most preferred media range of ``Accept`` that names JSON or Atom/XML explicitly
    decides (ties in header order); wildcards and anything unknown give Atom, as 1C does."""
    header = request.environ.get("HTTP_ACCEPT")
    if not header:
        return ATOM_FORMAT
    found = _accepted.get(header)
    if found is None:
        if len(_accepted) >= 256:  # clients send few distinct headers; a flood only refills it
            _accepted.clear()
        found = _accepted[header] = _format_of_accept(request)
    return found


_accepted: dict[str, Format] = {}  # Accept header text -> its format (parsing it is ~30 µs)


def _format_of_accept(request: Request) -> Format:
    try:
        ranges = [(media, q) for media, q, _params, _ext in request.accept.parsed or () if q > 0]
    except (ValueError, TypeError, AttributeError):
        return ATOM_FORMAT
    ranges.sort(key=lambda item: -item[1])  # stable: header order among equal q
    for media, _q in ranges:
        parsed = _parse_format_value(media)
        if parsed is not None:
            return parsed
    return ATOM_FORMAT


def raw_format_option(parts: Iterable[str]) -> str | None:
    """``$format`` read from the query string's parts (``urls.split_query_string``) before full
    option parsing, so that even an error in another option is answered in the requested format."""
    for part in parts:
        name, sep, value = part.partition("=")
        if sep and unquote(name) == "$format":
            try:
                return unquote(value, errors="strict")
            except UnicodeDecodeError:
                return None
    return None


def negotiate(request: Request, parts: Iterable[str] | None = None) -> Format:
    """$format wins over Accept; an unusable $format falls back to Accept for the error body.
    ``parts``: the request's query string already split (else it is split here)."""
    if parts is None:
        parts = split_query_string(request.query_string)
    return format_from_query(raw_format_option(parts)) or format_from_accept(request)
