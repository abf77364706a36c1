"""What every handler works with: the request :class:`Context`, the resolved :class:`Resource`
and the helpers building a response (content type, streamed body)::

    ctx = Context(service, request, fmt, base_url, subject)
    return response(ctx, body, content_type(ctx, "ENTRY"))
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from webob import Request, Response

from .formats import atom, json as json_format
from .model import EntitySet, Property
from .negotiation import Format
from .query.ast import QueryOptions
from .query.parser import QueryLimits, parse_query_options
from .urls import decode_query_parts, split_query_string


@dataclass
class Context:
    """One request: the service, the request, its format and options."""

    service: Any  # ODataService
    request: Request
    format: Format
    base: str  # absolute service root URL ending in "/"
    subject: Any = None  # security.Subject of the request's user
    query_parts: tuple[str, ...] | None = None  # the query string split by service.respond

    @property
    def model(self):
        return self.service.model

    @property
    def provider(self):
        return self.service.reads

    @property
    def settings(self):
        return self.service.settings

    @property
    def writer(self):
        return json_format if self.format.json else atom

    @property
    def limits(self) -> QueryLimits:
        settings = self.settings
        cached = _limits.get(id(settings))
        if cached is None or cached[0] is not settings:
            if len(_limits) >= 64:
                _limits.clear()
            cached = _limits[id(settings)] = (settings, query_limits(settings))
        return cached[1]

    @functools.cached_property
    def query_pairs(self) -> list[tuple[str, str]]:
        """The query string's pairs, split once per request and percent-decoded once."""
        parts = self.query_parts if self.query_parts is not None else split_query_string(self.request.query_string)
        return decode_query_parts(parts)

    def query_options(self, entity_set: EntitySet) -> QueryOptions:
        """The validated query options (every limit, the join limit included: ``query/``).
        Clients repeat the same query strings (a key in the path, the same options): the options
        are immutable, so a valid one is kept per (text, set, model, limits)."""
        text, limits = self.request.query_string, self.limits
        key = (text, id(entity_set), id(self.model), id(limits))
        found = _options.get(key)
        if found is not None and found[0] is entity_set and found[1] is self.model and found[2] is limits:
            return found[3]
        options = parse_query_options(self.query_pairs, entity_set, self.model, limits=limits)
        if len(text) <= 2048:
            if len(_options) >= 512:
                _options.clear()
            _options[key] = (entity_set, self.model, limits, options)
        return options


def query_limits(settings: Any) -> QueryLimits:
    """The parser's limits from the service settings."""
    return QueryLimits(max_filter_depth=settings.max_filter_depth, max_filter_nodes=settings.max_filter_nodes,
                       max_expand_depth=settings.max_expand_depth, max_top=settings.max_top,
                       max_lambda_depth=settings.max_lambda_depth, max_orderby_items=settings.max_orderby_items,
                       max_select_items=settings.max_select_items, max_expand_items=settings.max_expand_items)


_limits: dict[int, tuple[Any, QueryLimits]] = {}  # id(settings) -> (settings, its limits)
_options: dict[tuple, tuple[Any, Any, QueryLimits, QueryOptions]] = {}  # see Context.query_options


@dataclass
class Resource:
    """What a resource path resolved to (its ``kind`` is the route's shape)."""

    kind: str  # service, metadata, collection, count, entity, property, value
    entity_set: EntitySet | None = None
    key: dict | None = None
    row: dict | None = None  # the addressed entity, once read (for property paths)
    prop: Property | None = None  # the addressed property (kind property / value)
    path: list[str] = field(default_factory=list)


def content_type(ctx: Context, atom_kind: str) -> str:
    """JSON's one content type, or the Atom one of this kind (FEED, ENTRY, SERVICE, XML)."""
    writer = ctx.writer
    return writer.CONTENT_TYPE if ctx.format.json else getattr(writer, f"{atom_kind}_CONTENT_TYPE")


def response(ctx: Context, body, content_type: str, status: int = 200) -> Response:
    if isinstance(body, bytes):  # the header list given whole: webob adds Content-Length
        return Response(body=body, status=status, headerlist=[("Content-Type", content_type)])
    response = Response(status=status)
    response.app_iter = body
    response.headers["Content-Type"] = content_type
    return response


def stream(first_chunks: Iterable[bytes]) -> Iterable[bytes]:
    """Start a generator so that errors before the first byte still become an error response."""
    iterator = iter(first_chunks)
    try:
        first = next(iterator)
    except StopIteration:
        return []
    return _rest(first, iterator)


def _rest(first: bytes, iterator: Iterator[bytes]) -> Iterator[bytes]:
    """``first`` then the rest, as a generator: the server's ``close()`` of the response (a
    client that went away) reaches the producing generators, down to the store's cursor."""
    yield first
    yield from iterator
