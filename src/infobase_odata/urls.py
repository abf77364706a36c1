"""Resource paths: the part of the URL after ``…/odata/standard.odata/`` split into segments.

The path is percent-decoded exactly once, segment by segment, from the raw request URI when
the server provides it (gunicorn's ``RAW_URI``), so ``%2F`` inside a key literal stays a
character of the literal::

    >>> split_segments("Catalog_Goods(guid'1c…')/Unit/Description")
    [Segment(name='Catalog_Goods', args="guid'1c…'"), Segment('Unit'), Segment('Description')]
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import unquote

from .i18n import Message
from .errors import BAD_URL, ODataError

SERVICE_PATH = "/odata/standard.odata"


class Segment(NamedTuple):  # a tuple: built for every request, cheaper than a frozen dataclass
    name: str
    args: str | None = None  # text between the parentheses, None when there are none


def _decode(raw: str) -> str:
    try:
        text = unquote(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ODataError(BAD_URL, Message("The URL is not valid UTF-8 after percent-decoding")) from None
    if "\x00" in text:
        raise ODataError(BAD_URL, Message("The URL contains a NUL character"))
    return text


def wsgi_path(environ: dict) -> str:
    """SCRIPT_NAME + PATH_INFO as text, decoded once (PEP 3333 strings are latin-1 bytes)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    script = environ.get("SCRIPT_NAME", "")
    path = environ.get("PATH_INFO", "")
    if raw:
        raw_path = raw.split("?", 1)[0]
        if "://" in raw_path:  # absolute-form request target
            raw_path = "/" + raw_path.split("://", 1)[1].partition("/")[2]
        return raw_path  # still percent-encoded: decoded per segment by split_segments
    try:
        decoded = (script + path).encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise ODataError(BAD_URL, Message("The URL is not valid UTF-8")) from None
    # Re-encode the characters that would change meaning so split_segments sees one form.
    return decoded.replace("%", "%25")


def service_relative_path(environ: dict) -> str:
    """The (percent-encoded) path below the service root. Under ``ODataMiddleware`` the root is
    the ``/odata/standard.odata`` marker in the raw path; a bare service answers PATH_INFO."""
    if "infobase_odata.root" in environ:
        raw = wsgi_path(environ)
        marker = raw.find(SERVICE_PATH)
        return raw[marker + len(SERVICE_PATH):] if marker >= 0 else ""
    return wsgi_path({"PATH_INFO": environ.get("PATH_INFO", "")})


def split_segments(path: str) -> list[Segment]:
    """Split a (still percent-encoded) resource path into segments; ``/`` inside quotes or
    parentheses does not split. Empty trailing segments are ignored."""
    inner = path.lstrip("/")  # leading slashes only make empty segments
    if "/" not in inner:  # one segment (an entity, a set): nothing to split
        return _segments([inner])
    raw_segments: list[str] = []
    depth, quoted, start = 0, False, 0
    for index, char in enumerate(path):
        if char == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "/" and depth == 0:
            raw_segments.append(path[start:index])
            start = index + 1
    raw_segments.append(path[start:])
    return _segments(raw_segments)


def _segments(raw_segments: list[str]) -> list[Segment]:
    segments = []
    for raw in raw_segments:
        if raw == "":
            continue
        text = _decode(raw)
        name, paren, rest = text.partition("(")
        if paren:
            if not rest.endswith(")"):
                raise ODataError(BAD_URL, Message("Unbalanced parentheses in URL segment {text!r}", text=text))
            segments.append(Segment(name, rest[:-1]))
        else:
            segments.append(Segment(name))
    return segments


def split_query_string(query_string: str) -> tuple[str, ...]:
    """The non-empty ``&``-separated parts of a query string, still percent-encoded: split once
    per request (``service.respond``), read by negotiation and decoded by ``Context.query_pairs``."""
    return tuple(part for part in query_string.split("&") if part)


def decode_query_parts(parts: tuple[str, ...]) -> list[tuple[str, str]]:
    """Query-string pairs, percent-decoded once; ``+`` stays ``+`` (1C clients send %20, §1.7)."""
    pairs = []
    for part in parts:
        name, _, value = part.partition("=")
        try:
            pairs.append((unquote(name, errors="strict"), unquote(value, errors="strict")))
        except UnicodeDecodeError:
            raise ODataError(BAD_URL, Message("The query string is not valid UTF-8 after percent-decoding")) from None
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            raise ODataError(BAD_URL, Message("The query string contains a NUL character"))
    return pairs


def parse_query_string(query_string: str) -> list[tuple[str, str]]:
    """Query-string pairs, percent-decoded once (``split_query_string`` + ``decode_query_parts``)."""
    return decode_query_parts(split_query_string(query_string))
