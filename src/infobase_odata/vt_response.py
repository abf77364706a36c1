"""The answer of a virtual table whose rows are a result type (reference §6): a collection of
complex values in the negotiated format, shared by the register, accounting and calculation
handlers::

    result = ctx.provider.virtual_table(entity_set, params, options=options, result_set=result_set)
    return result_table(ctx, result_set, options, result)
"""

from __future__ import annotations

from typing import Any

from webob import Response

from .context import content_type, response, stream
from .expansion import decorate_rows
from .formats.results import result_collection
from .model import EntitySet
from .projection import build_shape
from .query.ast import QueryOptions


def result_table(ctx: Any, result_set: EntitySet, options: QueryOptions, result: Any) -> Response:
    """``result`` (a store's ``QueryResult``) as a collection of ``result_set``'s rows."""
    shape = build_shape(ctx.model, result_set, options)
    rows = decorate_rows(ctx, shape, result.rows)
    shape.links = []
    chunks = result_collection(shape, rows, base=ctx.base, json=ctx.format.json, flavour=ctx.format.flavour,
                               count=result.total)
    return response(ctx, stream(chunks), content_type(ctx, "XML"))
