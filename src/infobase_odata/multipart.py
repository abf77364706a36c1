"""``multipart/mixed`` bodies of ``$batch`` (OData v3 batch format): read with the standard
library's ``email`` parser after cheap size checks, written back as one part per answer::

    items = parse_batch(body, "multipart/mixed; boundary=b", BatchLimits(max_parts=1000))
    items[0]  # Operation('GET', 'Catalog_Goods?$top=1', ...) or ChangeSet([...])

The parser (``email.feedparser``) is lenient and line-based: it records defects instead of
failing and spends time per line and per nesting level, so the body is bounded *before*
parsing (delimiter lines and lines in total, derived from ``max_parts``), fed in chunks that
stop at the first part nested deeper than ``max_nesting``, and every recorded defect is a 400.
Each part's own HTTP request head is read strictly (at most 100 headers of 8 KiB, no folding).
"""

from __future__ import annotations

import email.message
import re
from dataclasses import dataclass, field
from email.feedparser import FeedParser

from .i18n import Message
from . import errors
from .errors import ODataError

METHODS = ("GET", "POST", "PUT", "PATCH", "MERGE", "DELETE")
CHANGE_METHODS = ("POST", "PUT", "PATCH", "MERGE", "DELETE")
LINES_PER_PART = 400  # average lines per operation a body may have (pretty-printed JSON included)
MIN_LINES = 20_000
MAX_PART_HEADER_BYTES = 16 * 1024  # MIME headers of one part
MAX_REQUEST_HEADERS = 100  # HTTP headers of one operation (as http.client)
MAX_LINE = 8192  # bytes in its request line or one header line
CHUNK = 8192  # characters fed to the parser between two nesting checks
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]\Z")  # RFC 2046 §5.1.1
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_HEADER = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*\Z")  # RFC 9110 token ":" value
_REQUEST_LINE = re.compile(r"(?P<method>[A-Za-z]+) +(?P<target>\S+)(?: +HTTP/\d(?:\.\d)?)?\Z")


@dataclass(frozen=True)
class BatchLimits:
    max_parts: int = 1000  # operations in the whole batch, change sets included
    max_nesting: int = 2  # multipart levels: 1 = batch only, 2 = batch and change sets


@dataclass
class Operation:
    method: str
    target: str  # the request target as sent: relative, absolute path or URL, or $<Content-ID>…
    headers: list[tuple[str, str]]  # the part's HTTP request headers (latin-1 text, as WSGI)
    body: bytes
    content_id: str | None = None


@dataclass
class ChangeSet:
    operations: list[Operation] = field(default_factory=list)


def bad_batch(message: str) -> ODataError:
    return ODataError(errors.BAD_REQUEST, Message("Malformed $batch request: {message}", message=message))


def boundary_of(content_type: str) -> str:
    """The boundary of a ``multipart/mixed`` Content-Type; anything else is a 400."""
    if any(char in content_type for char in "\r\n\x00"):
        raise bad_batch(Message("invalid Content-Type"))
    header = email.message.Message()
    header["Content-Type"] = content_type
    boundary = header.get_boundary()
    if header.get_content_type() != "multipart/mixed" or not boundary:
        raise bad_batch(Message("the body must be multipart/mixed with a boundary parameter"))
    if not _BOUNDARY.match(boundary):
        raise bad_batch(Message("the boundary must be 1 to 70 characters allowed by RFC 2046"))
    return boundary


def _check_bounds(body: bytes, limits: BatchLimits) -> None:
    """Refuse bodies whose parsing alone would be costly, before parsing them."""
    delimiters = body.count(b"\n--") + body.startswith(b"--")
    if delimiters > 3 * limits.max_parts + 2:  # one per operation, three per change set, the close
        raise ODataError(errors.BAD_REQUEST, Message("A $batch request may hold at most {limit} operations",
                                                     limit=limits.max_parts),
                         status=413)
    if body.count(b"\n") > max(MIN_LINES, LINES_PER_PART * limits.max_parts):
        raise ODataError(errors.BAD_REQUEST, Message("The $batch body has too many lines"), status=413)


def _check_defects(message: email.message.Message, where: str) -> None:
    if message.defects:
        names = ", ".join(type(defect).__name__ for defect in message.defects)
        raise bad_batch(Message("{where}: malformed MIME ({names})", where=where, names=names))
    size = sum(len(name) + len(value) + 4 for name, value in message.items())
    if size > MAX_PART_HEADER_BYTES:
        raise bad_batch(Message("{where}: the part headers exceed {limit} bytes",
                                where=where, limit=MAX_PART_HEADER_BYTES))


def _parse(data: bytes, max_nesting: int) -> email.message.Message:
    """``BytesParser.parsebytes`` fed in chunks, stopped as soon as parts nest deeper than
    allowed (the parser's work grows with the depth times the lines)."""
    parser = FeedParser()  # policy compat32, its default (email.policy costs ~15 ms to import)
    text = data.decode("ascii", "surrogateescape")  # as BytesParser does
    try:
        for start in range(0, len(text), CHUNK):
            parser.feed(text[start: start + CHUNK])
            # _msgstack: the messages open at this point, the batch's included (batch > change
            # set > operation is 3); a private attribute, hence the default.
            if len(getattr(parser, "_msgstack", ())) > max_nesting + 1:
                raise bad_batch(Message("multipart parts are nested too deeply"))
        return parser.close()
    except RecursionError:
        raise bad_batch(Message("multipart parts are nested too deeply")) from None


def parse_batch(body: bytes, content_type: str, limits: BatchLimits) -> list[Operation | ChangeSet]:
    """The operations and change sets of a ``$batch`` body, in order; 400/413 when malformed."""
    boundary = boundary_of(content_type)
    _check_bounds(body, limits)
    head = f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode("ascii")
    message = _parse(head + body, limits.max_nesting)
    _check_defects(message, Message("the batch"))
    if not message.is_multipart() or not message.get_payload():
        raise bad_batch(Message("no parts between the boundaries"))
    items: list[Operation | ChangeSet] = []
    count = 0
    for number, part in enumerate(message.get_payload(), 1):
        where = Message("part {number}", number=number)
        _check_defects(part, where)
        if part.get_content_maintype() == "multipart":
            if part.get_content_type() != "multipart/mixed" or not part.is_multipart():
                raise bad_batch(Message("{where}: a change set must be multipart/mixed", where=where))
            if limits.max_nesting < 2:
                raise bad_batch(Message("{where}: change sets are not accepted (max_batch_nesting)", where=where))
            change_set = ChangeSet()
            for inner_number, inner in enumerate(part.get_payload(), 1):
                inner_where = Message("part {number}", number=f"{number}.{inner_number}")
                _check_defects(inner, inner_where)
                if inner.is_multipart():
                    raise bad_batch(Message("{where}: change sets cannot be nested", where=inner_where))
                operation = _operation(inner, inner_where)
                if operation.method not in CHANGE_METHODS:
                    raise bad_batch(Message("{where}: a change set holds only POST, PUT, PATCH, MERGE and DELETE, not {method}",
                                            where=inner_where, method=operation.method))
                change_set.operations.append(operation)
            if not change_set.operations:
                raise bad_batch(Message("{where}: an empty change set", where=where))
            count += len(change_set.operations)
            items.append(change_set)
        else:
            items.append(_operation(part, where))
            count += 1
        if count > limits.max_parts:
            raise ODataError(errors.BAD_REQUEST,
                             Message("A $batch request may hold at most {limit} operations",
                                     limit=limits.max_parts), status=413)
    return items


def _operation(part: email.message.Message, where: str) -> Operation:
    """One ``application/http`` part: request line, headers, body."""
    if part.get_content_type() != "application/http":
        raise bad_batch(Message("{where}: Content-Type must be application/http", where=where))
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise bad_batch(Message("{where}: no request", where=where))
    split = _BLANK_LINE.search(payload)
    head, body = (payload[: split.start()], payload[split.end():]) if split else (payload, b"")
    lines = head.strip(b"\r\n").split(b"\n")
    if len(lines) > MAX_REQUEST_HEADERS + 1 or any(len(line) > MAX_LINE for line in lines):
        raise bad_batch(Message("{where}: more than {headers} request headers or a line over {line} bytes",
                                where=where, headers=MAX_REQUEST_HEADERS, line=MAX_LINE))
    match = _REQUEST_LINE.match(lines[0].decode("latin-1").strip())
    if not match or match["method"].upper() not in METHODS:
        raise bad_batch(Message("{where}: expected a request line such as GET Catalog_X HTTP/1.1", where=where))
    headers = []
    for line in lines[1:]:
        header = _HEADER.match(line.rstrip(b"\r"))
        if header is None:
            raise bad_batch(Message("{where}: malformed request header", where=where))
        headers.append((header[1].decode("ascii"), header[2].decode("latin-1")))
    found = {name.lower(): value for name, value in headers}
    length = found.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise bad_batch(Message("{where}: invalid Content-Length", where=where))
        body = body[: int(length)]
    content_id = part.get("Content-ID") or found.get("content-id")
    return Operation(match["method"].upper(), match["target"], headers, body,
                     content_id.strip() if content_id else None)


# --- writing -----------------------------------------------------------------------------------

def http_part(status: str, headers: list[tuple[str, str]], body: bytes,
              content_id: str | None = None) -> bytes:
    """One ``application/http`` MIME part holding an HTTP response (headers are latin-1 text)."""
    mime = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
    if content_id:
        mime += f"Content-ID: {content_id}\r\n"
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{name}: {value}" for name, value in headers if name.lower() != "content-length"]
    lines.append(f"Content-Length: {len(body)}")
    return (mime + "\r\n" + "\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def multipart(boundary: str, parts: list[bytes]) -> bytes:
    """A multipart body of already encoded parts (each with its MIME headers)."""
    delimiter = f"--{boundary}\r\n".encode("ascii")
    chunks = [delimiter + part + b"\r\n" for part in parts]
    return b"".join(chunks) + f"--{boundary}--\r\n".encode("ascii")


def change_set_part(boundary: str, parts: list[bytes]) -> bytes:
    """A change set's answers as one nested ``multipart/mixed`` part."""
    head = f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n".encode("ascii")
    return head + multipart(boundary, parts)
