"""``POST …/standard.odata/$batch``: many requests in one (OData v3 batch), an extension beyond
the 1C platform (``batch = false`` answers 501 as 1C does).

Every operation runs through the service's own request handling (``ODataService.respond``)
as the batch's authenticated user, so rights, row-level security, event handlers, If-Match
and data-load mode apply exactly as to a single request. A change set runs in one provider
transaction: the first failing operation rolls all of it back and is its only answer.
``$<Content-ID>`` at the start of a URL, or as an ``@odata.bind`` / Atom link target, names
what an earlier operation of the same change set created::

    if batch.addressed(context, segments):
        response = batch.respond(context)
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import uuid
from typing import Any, Iterator
from urllib.parse import unquote_to_bytes, urlsplit

from webob import Request, Response

from .errors import ODataError
from .multipart import BatchLimits, ChangeSet, Operation, change_set_part, http_part, multipart, parse_batch
from .urls import SERVICE_PATH, Segment
from .writes import BODY_KEY, read_body

log = logging.getLogger("infobase_odata")

PART_MARK = "infobase_odata.batch_part"  # environ key of an operation run inside a batch
# Per-request keys of the batch's environ that an operation replaces (headers are not inherited,
# Host aside).
_OWN_KEYS = {"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "RAW_URI",
             "REQUEST_URI", "wsgi.input"}
_REFERENCE = re.compile(r"\$([^/?]+)(.*)\Z", re.S)  # $<Content-ID>[/rest][?query]
_JSON_BIND = re.compile(rb'(@odata\.bind"\s*:\s*")\$([^"/\\?]+)')
_ATOM_LINK = re.compile(rb'(<(?:[\w.-]+:)?link\b[^>]*?\bhref\s*=\s*["\'])\$([^"\'/?]+)')


def addressed(context: Any, segments: list[Segment]) -> bool:
    """True for ``$batch`` when batches are on (never for an operation inside a batch)."""
    return (len(segments) == 1 and segments[0].name == "$batch" and segments[0].args is None
            and context.settings.batch and PART_MARK not in context.request.environ)


class _Limited:
    """``read_body``'s view of the batch request: the ``max_batch_bytes`` limit."""

    def __init__(self, context: Any) -> None:
        self.request = context.request
        self.settings = context.settings.replace(max_body_bytes=context.settings.max_batch_bytes)


def respond(context: Any) -> Response:
    if context.request.method.upper() != "POST":
        raise ODataError.method_not_allowed(context.request.method.upper(), ("POST",))
    settings = context.settings
    body = read_body(_Limited(context))
    items = parse_batch(body, context.request.headers.get("Content-Type", ""),
                        BatchLimits(settings.max_batch_parts, settings.max_batch_nesting))
    runner = _Runner(context)
    parts = [runner.change_set(item) if isinstance(item, ChangeSet) else runner.single(item)
             for item in items]
    boundary = f"batchresponse_{uuid.uuid4()}"
    response = Response(status=202, body=multipart(boundary, parts))
    response.headers["Content-Type"] = f"multipart/mixed; boundary={boundary}"
    return response


class _ChangeSetFailed(Exception):
    def __init__(self, part: bytes) -> None:
        super().__init__("change set failed")
        self.part = part


class _Runner:
    """Runs operations as sub-requests of the batch's environ, as the batch's user."""

    def __init__(self, context: Any) -> None:
        self.service = context.service
        self.subject = context.subject
        self.format = context.format
        self.base = context.base
        self.max_body_bytes = context.settings.max_body_bytes
        environ = context.request.environ
        self.environ = {key: value for key, value in environ.items()
                        if not key.startswith(("HTTP_", "webob.")) and key not in _OWN_KEYS}
        if "HTTP_HOST" in environ:  # the connection's, for URLs in answers (Location, links)
            self.environ["HTTP_HOST"] = environ["HTTP_HOST"]
        self.environ[PART_MARK] = True
        info = environ.get("PATH_INFO", "").rstrip("/")
        self.path_root = info[: info.rfind("/") + 1]  # PATH_INFO of the service root, "/" ended
        self.raw_keys = [key for key in ("RAW_URI", "REQUEST_URI") if environ.get(key)]
        raw = environ.get(self.raw_keys[0], "").split("?", 1)[0].rstrip("/") if self.raw_keys else ""
        self.raw_root = raw[: raw.rfind("/") + 1]

    # --- one operation --------------------------------------------------------------------

    def _relative(self, target: str, ids: dict[str, str]) -> str:
        """The target relative to the service root (still percent-encoded, query kept)."""
        reference = _REFERENCE.match(target)
        if reference and reference[1] in ids:
            return ids[reference[1]] + reference[2]
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or target.startswith("/"):
            path = parts.path
            marker = path.find(SERVICE_PATH + "/")
            relative = path[marker + len(SERVICE_PATH) + 1:] if marker >= 0 else path.lstrip("/")
            return relative + ("?" + parts.query if parts.query else "")
        return target

    def _environ(self, operation: Operation, relative: str, body: bytes) -> dict:
        path, _, query = relative.partition("?")
        environ = dict(self.environ)
        environ["REQUEST_METHOD"] = operation.method
        environ["PATH_INFO"] = self.path_root + unquote_to_bytes(path).decode("latin-1")
        environ["QUERY_STRING"] = query
        for key in self.raw_keys:
            environ[key] = self.raw_root + relative
        stream = environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        if len(body) <= self.max_body_bytes:  # what read_body would read back (413 above it)
            environ[BODY_KEY] = (stream, body)
        else:
            environ.pop(BODY_KEY, None)
        for name, value in operation.headers:
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ[key] = value
            elif key != "CONTENT_LENGTH":
                key = "HTTP_" + key
                environ[key] = f"{environ[key]}, {value}" if key in environ else value
        return environ

    def _bind(self, body: bytes, ids: dict[str, str]) -> bytes:
        """``$<Content-ID>`` as an ``@odata.bind`` value or an Atom link href: the entity's URL."""
        if not ids or b"$" not in body:
            return body

        def url(match: re.Match) -> bytes:
            name = match[2].decode("utf-8", "replace")
            if name not in ids:
                return match[0]
            return match[1] + (self.base + ids[name]).encode("utf-8")

        return _ATOM_LINK.sub(url, _JSON_BIND.sub(url, body))

    def run(self, operation: Operation, ids: dict[str, str]) -> tuple[Response, bytes, str]:
        """(response, its whole body, the target relative to the service root)."""
        relative = self._relative(operation.target, ids)
        environ = self._environ(operation, relative, self._bind(operation.body, ids))
        response = self.service.respond(Request(environ), subject=self.subject)
        try:
            body = response.body  # collections stream from a cursor: read it here
        except ODataError as err:
            response = self.service.error_response(err, self.format)
            body = response.body
        except Exception:
            log.exception("unexpected error writing a $batch answer of %s %s", operation.method,
                          operation.target[:500])
            response = self.service.error_response(ODataError.internal(), self.format)
            body = response.body
        return response, body, relative

    def _part(self, operation: Operation, response: Response, body: bytes) -> bytes:
        return http_part(response.status, response.headerlist, body, operation.content_id)

    # --- parts of the answer ----------------------------------------------------------------

    def single(self, operation: Operation) -> bytes:
        response, body, _ = self.run(operation, {})
        return self._part(operation, response, body)

    def change_set(self, change_set: ChangeSet) -> bytes:
        ids: dict[str, str] = {}
        parts: list[bytes] = []
        try:
            with self._transaction():
                for operation in change_set.operations:
                    response, body, relative = self.run(operation, ids)
                    if response.status_code >= 400:
                        raise _ChangeSetFailed(self._part(operation, response, body))
                    parts.append(self._part(operation, response, body))
                    if operation.content_id:
                        ids[operation.content_id] = self._created(response, relative)
        except _ChangeSetFailed as failed:
            return failed.part
        except ODataError as err:  # the transaction itself: busy (503), commit failure
            return self._error_part(err)
        except Exception:
            log.exception("unexpected error committing a $batch change set")
            return self._error_part(ODataError.internal())
        return change_set_part(f"changesetresponse_{uuid.uuid4()}", parts)

    def _created(self, response: Response, relative: str) -> str:
        """What ``$<Content-ID>`` stands for: the created entity (Location), else the target."""
        location = response.headers.get("Location", "")
        marker = location.find(SERVICE_PATH + "/")
        if marker >= 0:
            return location[marker + len(SERVICE_PATH) + 1:]
        return relative.partition("?")[0]

    def _error_part(self, err: ODataError) -> bytes:
        response = self.service.error_response(err, self.format)
        response.headers["DataServiceVersion"] = "3.0"
        return http_part(response.status, response.headerlist, response.body)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        transaction = getattr(self.service.provider, "transaction", None)
        if transaction is None:  # a read-only provider: its writes all fail anyway
            yield
            return
        with transaction():
            yield

