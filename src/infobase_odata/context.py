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
        return query_limits(self.settings)

    @functools.cached_property
    def query_pairs(self) -> list[tuple[str, str]]:
        """The query string's pairs, split once per request and percent-decoded once."""
        parts = self.query_parts if self.query_parts is not None else split_query_string(self.request.query_string)
        return decode_query_parts(parts)

    def query_options(self, entity_set: EntitySet) -> QueryOptions:
        """The validated query options (every limit, the join limit included: ``query/``)."""
        return parse_query_options(self.query_pairs, entity_set, self.model, limits=self.limits)


def query_limits(settings: Any) -> QueryLimits:
    """The parser's limits from the service settings."""
    return QueryLimits(max_filter_depth=settings.max_filter_depth, max_filter_nodes=settings.max_filter_nodes,
                       max_expand_depth=settings.max_expand_depth, max_top=settings.max_top,
                       max_lambda_depth=settings.max_lambda_depth, max_orderby_items=settings.max_orderby_items,
                       max_select_items=settings.max_select_items, max_expand_items=settings.max_expand_items)


@dataclass
class Resource:
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
    response = Response(status=status)
    if isinstance(body, bytes):
        response.body = body
    else:
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
