"""``multipart/mixed`` bodies of ``$batch`` (OData v3 batch format): read with the ``multipart``
library's push parser after cheap size checks, written back as one part per answer::

    items = parse_batch(body, "multipart/mixed; boundary=b", BatchLimits(max_parts=1000))
    items[0]  # Operation('GET', 'Catalog_Goods?$top=1', ...) or ChangeSet([...])

The body is bounded *before* parsing (delimiter lines and lines in total, derived from
``max_parts``); the parser then scans for delimiters (CRLF line breaks, as RFC 2046 requires;
bodies written with bare LF and delimiters with transport padding are normalized first),
limits each part's MIME headers and raises on anything malformed, which is a 400. Only two
levels are ever parsed: the batch, then each change set, whose own parts may not be multipart.
Each part's own HTTP request head is read strictly (at most 100 headers of 8 KiB, no folding).
The library (``multipart``, imported on the first ``$batch``) parses ``multipart/form-data`` by
default; ``_create_segment`` is its documented hook for other multipart types.
"""

from __future__ import annotations

import binascii
import email.message
import functools
import quopri
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .i18n import Message
from . import errors
from .errors import ODataError

if TYPE_CHECKING:
    from multipart import MultipartSegment

METHODS = ("GET", "POST", "PUT", "PATCH", "MERGE", "DELETE")
CHANGE_METHODS = ("POST", "PUT", "PATCH", "MERGE", "DELETE")
LINES_PER_PART = 400  # average lines per operation a body may have (pretty-printed JSON included)
MIN_LINES = 20_000
MAX_PART_HEADER_BYTES = 16 * 1024  # MIME headers of one part
MAX_REQUEST_HEADERS = 100  # HTTP headers of one operation (as http.client)
MAX_LINE = 8192  # bytes in its request line or one header line
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


@functools.cache
def _library() -> tuple[Any, Any, Any]:
    """(parser class, segment class, error class) of ``multipart``, imported on first use."""
    import multipart

    class MixedParser(multipart.PushMultipartParser):
        """Parts of any ``multipart/*`` body: no ``Content-Disposition: form-data`` required."""

        def _create_segment(self, headerlist: list[tuple[str, str]]) -> multipart.MultipartSegment:
            return multipart.MultipartSegment(headerlist)

    return MixedParser, multipart.MultipartSegment, multipart.MultipartError


def _lenient(data: bytes, boundary: str) -> bytes:
    """The body as the parser wants it (CRLF, no blanks after delimiters), for two forms the
    parser refuses but clients send and the old ``email`` parser took: a body written with
    bare LF line breaks throughout (a hand-written script's), and RFC 2046's transport padding
    (blanks after a delimiter). A body that has CRLF anywhere keeps its LFs: they may be data."""
    if b"\r\n" not in data and b"\n" in data:
        data = data.replace(b"\n", b"\r\n")
    delimiter = b"--" + boundary.encode("latin-1")
    if delimiter + b" " in data or delimiter + b"\t" in data or delimiter + b"-- " in data \
            or delimiter + b"--\t" in data:
        data = re.sub(re.escape(delimiter) + rb"(--)?[ \t]+(?=\r\n|\Z)", lambda m: m[0].rstrip(b" \t"), data)
    return data


def _segments(data: bytes, boundary: str, where: str, prefix: str = "") -> list[tuple[MultipartSegment, bytes]]:
    """The parts of one ``multipart/mixed`` level: (MIME headers, payload) each; 400 when the
    parser refuses it, or when a part's MIME headers exceed ``MAX_PART_HEADER_BYTES``."""
    MixedParser, MultipartSegment, MultipartError = _library()
    data = _lenient(data, boundary)
    parser = MixedParser(boundary, len(data), max_header_size=MAX_PART_HEADER_BYTES,
                          max_header_count=MAX_REQUEST_HEADERS, header_charset="latin1")
    parts: list[tuple[MultipartSegment, bytes]] = []
    chunks: list[bytes] = []
    try:
        for event in parser.parse(data):
            if isinstance(event, MultipartSegment):
                chunks = []
                parts.append((event, b""))
            elif event is None:
                parts[-1] = (parts[-1][0], b"".join(chunks))
            else:
                chunks.append(event)
        parser.close()
    except MultipartError as err:
        detail = str(err).replace("(", "").replace(")", "")  # the library's own words (English)
        raise bad_batch(Message("{where}: malformed MIME ({names})", where=where, names=detail)) from None
    for number, (segment, _) in enumerate(parts, 1):
        if sum(len(name) + len(value) + 4 for name, value in segment.headerlist) > MAX_PART_HEADER_BYTES:
            raise bad_batch(Message("{where}: the part headers exceed {limit} bytes",
                                    where=Message("part {number}", number=f"{prefix}{number}"),
                                    limit=MAX_PART_HEADER_BYTES))
    return parts


def parse_batch(body: bytes, content_type: str, limits: BatchLimits) -> list[Operation | ChangeSet]:
    """The operations and change sets of a ``$batch`` body, in order; 400/413 when malformed."""
    boundary = boundary_of(content_type)
    _check_bounds(body, limits)
    parts = _segments(body, boundary, Message("the batch"))
    if not parts:
        raise bad_batch(Message("no parts between the boundaries"))
    items: list[Operation | ChangeSet] = []
    count = 0
    for number, (part, payload) in enumerate(parts, 1):
        where = Message("part {number}", number=number)
        if (part.content_type or "").startswith("multipart/"):
            if part.content_type != "multipart/mixed":
                raise bad_batch(Message("{where}: a change set must be multipart/mixed", where=where))
            if limits.max_nesting < 2:
                raise bad_batch(Message("{where}: change sets are not accepted (max_batch_nesting)", where=where))
            change_set = ChangeSet()
            inner_parts = _segments(payload, boundary_of(part.header("Content-Type", "")), where, f"{number}.")
            for inner_number, (inner, inner_payload) in enumerate(inner_parts, 1):
                inner_where = Message("part {number}", number=f"{number}.{inner_number}")
                if (inner.content_type or "").startswith("multipart/"):
                    raise bad_batch(Message("{where}: change sets cannot be nested", where=inner_where))
                operation = _operation(inner, inner_payload, inner_where)
                if operation.method not in CHANGE_METHODS:
                    raise bad_batch(Message("{where}: a change set holds only POST, PUT, PATCH, MERGE and DELETE, not {method}",
                                            where=inner_where, method=operation.method))
                change_set.operations.append(operation)
            if not change_set.operations:
                raise bad_batch(Message("{where}: an empty change set", where=where))
            count += len(change_set.operations)
            items.append(change_set)
        else:
            items.append(_operation(part, payload, where))
            count += 1
        if count > limits.max_parts:
            raise ODataError(errors.BAD_REQUEST,
                             Message("A $batch request may hold at most {limit} operations",
                                     limit=limits.max_parts), status=413)
    return items


def _decoded(payload: bytes, encoding: str, where: str) -> bytes:
    """The part's payload under its Content-Transfer-Encoding (binary, as OData sends, or
    base64 / quoted-printable, which the stdlib parser used before decoded too)."""
    encoding = encoding.strip().lower()
    if encoding == "base64":
        try:
            return binascii.a2b_base64(payload)
        except binascii.Error:
            raise bad_batch(Message("{where}: malformed MIME ({names})", where=where, names="base64")) from None
    if encoding == "quoted-printable":
        return quopri.decodestring(payload)
    return payload


def _operation(part: MultipartSegment, payload: bytes, where: str) -> Operation:
    """One ``application/http`` part: request line, headers, body."""
    if part.content_type != "application/http":
        raise bad_batch(Message("{where}: Content-Type must be application/http", where=where))
    payload = _decoded(payload, part.header("Content-Transfer-Encoding", ""), where)
    split = _BLANK_LINE.search(payload)
    head, body = (payload[: split.start()], payload[split.end():]) if split else (payload, b"")
    lines = head.strip(b"\r\n").split(b"\n")
    if len(lines) > MAX_REQUEST_HEADERS + 1 or (len(head) > MAX_LINE and any(len(line) > MAX_LINE for line in lines)):
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
    content_id = part.header("Content-ID") or found.get("content-id")
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
