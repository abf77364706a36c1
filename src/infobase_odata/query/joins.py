"""The join limit of a query: navigation steps and lambdas in ``$filter`` + ``$orderby`` each
join a table, and a database statement holds only so many (SQLite: 200 FROM terms)::

    check_joins(options, limit=60)      # ODataError 400 code 14 beyond the limit

Checked by ``parser.parse_query_options`` with the other limits (``QueryLimits.max_joins``).
"""

from __future__ import annotations

from typing import Any

from ..i18n import Message
from ..errors import ODataError
from .ast import Binary, Call, Lambda, Member, QueryOptions, Unary


def check_joins(options: QueryOptions, limit: int) -> None:
    """Refuse a query that would join more than ``limit`` tables."""
    stack: list[Any] = [options.filter, *(item.expr for item in options.orderby)]
    joins = 0
    while stack:
        node = stack.pop()
        if isinstance(node, Member):
            joins += len(node.path) - 1
            stack.append(node.base)
        elif isinstance(node, Lambda):
            joins += len(node.collection.path)
            stack += [node.collection.base, node.predicate]
        elif isinstance(node, Binary):
            stack += [node.left, node.right]
        elif isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, Call):
            stack += list(node.args)
        if joins > limit:
            raise ODataError.query_option("$filter", Message("more than {limit} navigation steps", limit=limit))
