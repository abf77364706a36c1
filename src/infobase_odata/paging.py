"""Server-driven paging (opt-in ``page_size``): keyset ``$skiptoken`` and ``odata.nextLink``.

1C never pages on its own (reference §5.1), so this is off by default.  With ``page_size`` set,
a collection answers at most that many rows and a next link whose ``$skiptoken`` holds the
sort values and key of the last row, written as a named key predicate::

    $skiptoken=Price=200.00M,Ref_Key=guid'…'

The next page is then "rows after that one" in the same order, a condition added to the
filter (so it runs in the database), not an offset.  Without ``$orderby`` an object set is in
insertion order: the token is the last row's ``Ref_Key`` and the provider resumes after that
row's place (``QueryOptions.after_key``).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from urllib.parse import quote

from .i18n import Message
from .edm import uri_literal
from .errors import ODataError
from .keys import COMPATIBLE_LITERALS
from .model import EntitySet
from .query.ast import Binary, Expr, Literal, Member, QueryOptions
from .query.parser import parse_key_predicate

_AST_TYPES = {"Edm.Double": "Edm.Decimal"}


def _sort_members(entity_set: EntitySet, options: QueryOptions) -> list[tuple[Member, bool]] | None:
    """The orderby keys followed by the entity key, or None when an orderby item is not a plain
    property of the entity (such orders cannot be resumed from a row's values)."""
    entity_type = entity_set.entity_type
    keys: list[tuple[Member, bool]] = []
    for item in options.orderby:
        expr = item.expr
        if not (isinstance(expr, Member) and expr.base is None and expr.variable is None and len(expr.path) == 1):
            return None
        if entity_type.property(expr.path[0]) is None:
            return None
        keys.append((expr, item.descending))
    for prop in entity_type.key:
        if all(m.path != (prop.name,) for m, _ in keys):
            member = Member((prop.name,), type=_AST_TYPES.get(prop.edm_type, prop.edm_type), resolved=(prop,))
            keys.append((member, False))
    return keys


def _literal(prop, literal: Literal) -> Literal:
    if literal.edm_type not in COMPATIBLE_LITERALS.get(prop.edm_type, {prop.edm_type}):
        raise ValueError(f"{prop.name} needs a {prop.edm_type} value")
    value = literal.value
    edm = _AST_TYPES.get(prop.edm_type, prop.edm_type)
    if edm == "Edm.Decimal" and not isinstance(value, Decimal):
        value = Decimal(value)
    return Literal(value, edm)


def _after(keys: list[tuple[Member, bool]], values: list[Literal]) -> Expr:
    """(k1 > v1) or (k1 = v1 and k2 > v2) or ... with > replaced by < on descending keys."""
    condition: Expr | None = None
    for index, (member, descending) in enumerate(keys):
        term: Expr = Binary("lt" if descending else "gt", member, values[index], type="Edm.Boolean")
        for prior in range(index - 1, -1, -1):
            term = Binary("and", Binary("eq", keys[prior][0], values[prior], type="Edm.Boolean"), term,
                          type="Edm.Boolean")
        condition = term if condition is None else Binary("or", condition, term, type="Edm.Boolean")
    assert condition is not None
    return condition


def page_options(entity_set: EntitySet, options: QueryOptions, page_size: int) -> QueryOptions | None:
    """The options of one page (``$top`` at most page_size + 1 so that a further row shows,
    the skiptoken turned into a filter, no inline count); None when paging does not apply."""
    if page_size <= 0:
        if options.skiptoken is not None:
            raise ODataError.query_option("$skiptoken", Message("server-driven paging is off"))
        return None
    if options.skiptoken is None and options.top is not None and options.top <= page_size:
        return None
    keys = _sort_members(entity_set, options)
    if keys is None:
        if options.skiptoken is not None:
            raise ODataError.query_option("$skiptoken", Message("this $orderby cannot be resumed"))
        return None
    top = page_size + 1 if options.top is None or options.top > page_size else options.top
    changes: dict = {"top": top, "inlinecount": False}
    if options.skiptoken is not None:
        try:
            parts = parse_key_predicate(options.skiptoken)
        except ODataError as err:
            raise ODataError.query_option("$skiptoken", err.message) from None
        names = [m.path[0] for m, _ in keys]
        if [p.name for p in parts] != names:
            raise ODataError.query_option("$skiptoken", Message("the token does not match this query's order"))
        try:
            values = [_literal(m.resolved[0], p.value) for (m, _), p in zip(keys, parts)]
        except (ArithmeticError, TypeError, ValueError):
            raise ODataError.query_option("$skiptoken", Message("a value of the token has the wrong type")) from None
        if not options.orderby and entity_set.insertion_ordered:
            changes["after_key"] = values[0].value  # insertion order: the provider resumes after the row
        else:
            after = _after(keys, values)
            changes["filter"] = after if options.filter is None else Binary("and", options.filter, after,
                                                                             type="Edm.Boolean")
        changes["skip"] = None  # $skip applied to the first page only
    return dataclasses.replace(options, **changes)


def skiptoken(entity_set: EntitySet, options: QueryOptions, row: dict) -> str:
    keys = _sort_members(entity_set, options)
    parts = []
    for member, _ in keys or ():
        prop = member.resolved[0] if member.resolved else entity_set.entity_type.property(member.path[0])
        parts.append(f"{prop.name}={uri_literal(row[prop.name], prop.edm_type)}")
    return ",".join(parts)


def next_link(base: str, entity_set: EntitySet, query_pairs: list[tuple[str, str]], token: str,
              served: int, top: int | None) -> str:
    """The original query without $skip/$skiptoken, the remaining $top, and the new token."""
    pairs = [(n, v) for n, v in query_pairs if n not in ("$skiptoken", "$skip", "$top")]
    if top is not None:
        pairs.append(("$top", str(top - served)))
    pairs.append(("$skiptoken", token))
    query = "&".join(f"{quote(n, safe='$')}={quote(v, safe=chr(39) + '=,()$:')}" for n, v in pairs)
    return f"{base}{quote(entity_set.name)}?{query}"
