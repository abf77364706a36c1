"""Key predicates, function parameters and query options: text -> validated AST.

The service calls only the functions below; every failure is an :class:`ODataError`::

    >>> parse_key_predicate("Ref_Key=guid'8d04ce3c-6360-11e9-dd92-fa163e8ba11d',LineNumber=1")
    (KeyValue(name='Ref_Key', value=Literal(...)), KeyValue(name='LineNumber', value=Literal(1, 'Edm.Int32')))
    >>> options = parse_query_options([("$filter", "Price gt 10"), ("$top", "5")], goods_set, model)

Parsed and validated results are cached (keyed by the raw text, the option and the entity type),
because parsing a filter costs about 250 µs (DESIGN.md).
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Any, NamedTuple

from ..i18n import Message
from ..errors import KEY_MISSING, PARSE_STRING, ODataError
from .ast import ExpandItem, Expr, KeyValue, Literal, OrderBy, QueryOptions, SelectItem
from .joins import check_joins
from .validate import Validator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .visitor import Parsed


class QueryLimits(NamedTuple):
    """Bounds on the size of a query's expressions (4xx beyond)."""

    max_filter_depth: int = 100
    max_filter_nodes: int = 1000
    max_expand_depth: int = 5
    max_top: int = 2**31 - 1
    max_lambda_depth: int = 4
    max_joins: int = 60  # navigation steps and lambdas in $filter + $orderby (query/joins.py)
    max_orderby_items: int = 100
    max_select_items: int = 1000
    max_expand_items: int = 100


DEFAULT_LIMITS = QueryLimits()

# Literals-with-quotes first, so parentheses inside strings are not counted.
_QUOTED = re.compile(r"'[^']*(?:''[^']*)*'")
_TOKEN = re.compile(r"\w*'[^']*(?:''[^']*)*'|\w+|-")
_PAREN = re.compile(r"[()]")
_PREFIX_OP = re.compile(r"not|-")
_PREFIX_RUN = re.compile(r"(?:(?<!\w)not(?:\s+|(?=\())|-(?![\s\d])|-\s+)+")
_FRAMES_PER_LEVEL = 30  # parsimonious + NodeVisitor frames per parenthesis level (measured ~20)


# --- keys, literals, function parameters ------------------------------------------------------

def parse_key_predicate(text: str) -> tuple[KeyValue, ...]:
    """The key inside ``Set(...)``: ``guid'…'``, ``0``, ``'x'`` or ``Name=lit, Name=lit`` (§2)."""
    plain = _PLAIN_GUID_KEY.match(text)
    if plain:  # the usual key, as the grammar reads it, without the grammar (~35 µs)
        return (KeyValue(None, Literal(plain[1].lower(), "Edm.Guid")),)
    return _key_predicate(text) if len(text) <= _CACHED_TEXT else _key_predicate.__wrapped__(text)


_PLAIN_GUID_KEY = re.compile(r"guid'([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})'\Z")


@lru_cache(maxsize=4096)
def _key_predicate(text: str) -> tuple[KeyValue, ...]:
    if not text.strip():
        raise ODataError(KEY_MISSING, Message("Invalid entity key: the key is empty"))
    parsed = _parse_simple("key_predicate", text, KEY_MISSING, Message("entity key"))
    names = [part.name for part in parsed.value if part.name is not None]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise ODataError(KEY_MISSING, Message("Invalid entity key: {duplicate} is given twice", duplicate=duplicate))
    return parsed.value


def parse_literal(text: str) -> Literal:
    """One URI literal: ``guid'…'``, ``datetime'…'``, ``'text'``, ``1``, ``1.5``, ``true``, ``null``..."""
    return _parse_simple("literal_only", text, PARSE_STRING, Message("literal")).value


def parse_function_parameters(text: str) -> dict[str, Literal]:
    """``Period=datetime'…',Condition='…'`` of a virtual-table call (§6).

    String values may use OData-doubled quotes or (as the 1C docs do) un-doubled ones; an
    un-doubled value runs up to the ``'`` followed by ``,<Name>=`` or the end."""
    if len(text) > _CACHED_TEXT:
        return dict(_function_parameters.__wrapped__(text))
    return dict(_function_parameters(text))


@lru_cache(maxsize=1024)
def _function_parameters(text: str) -> tuple[tuple[str, Literal], ...]:
    parsed = _parse_simple("parameters", text, PARSE_STRING, Message("function parameters"))
    result: dict[str, Literal] = {}
    for part in parsed.value:
        if part.name in result:
            raise ODataError(PARSE_STRING, Message("Function parameter {name} is given twice", name=part.name))
        result[part.name] = part.value
    return tuple(result.items())


def _parse_simple(rule: str, text: str, code: int, what: str) -> Parsed:
    from .visitor import SyntaxProblem, parse_tree  # parsimonious loads on the first parse (cold start)

    try:
        return parse_tree(rule, text)
    except SyntaxProblem as exc:
        code = PARSE_STRING if exc.literal else code
        shown = text if len(text) <= 100 else text[:100] + "…"
        raise ODataError(code, Message("Invalid {what} '{shown}' at position {position}: {message}",
                                       what=what, shown=shown, position=exc.position, message=exc.message)) from None


# --- query options ----------------------------------------------------------------------------

def parse_filter(text: str, entity_type: Any, model: Any, *, option: str = "$filter",
                 limits: QueryLimits | None = None) -> Expr:
    """Parse and validate a boolean filter over ``entity_type`` (an entity set is accepted too).
    Also used for virtual-table ``Condition`` and row-level-security restrictions."""
    return _cached("filter", text, _Ident(_type_of(entity_type)), model, option, limits or DEFAULT_LIMITS)


def parse_orderby(text: str, entity_type: Any, model: Any, *, limits: QueryLimits | None = None
                  ) -> tuple[OrderBy, ...]:
    return _cached("orderby", text, _Ident(_type_of(entity_type)), model, "$orderby", limits or DEFAULT_LIMITS)


def parse_select(text: str, entity_type: Any, model: Any) -> tuple[SelectItem, ...]:
    return _cached("select", text, _Ident(_type_of(entity_type)), model, "$select", DEFAULT_LIMITS)


def parse_expand(text: str, entity_type: Any, model: Any, *, limits: QueryLimits | None = None
                 ) -> tuple[ExpandItem, ...]:
    return _cached("expand", text, _Ident(_type_of(entity_type)), model, "$expand", limits or DEFAULT_LIMITS)


_RULES = {"$filter": "filter", "$orderby": "orderby", "$select": "select", "$expand": "expand"}
_KNOWN = {"$filter", "$orderby", "$select", "$expand", "$top", "$skip", "$inlinecount", "$format",
          "$skiptoken", "$allowedOnly", "allowedOnly"}


def parse_query_options(params: list[tuple[str, str]], entity_set: Any, model: Any, *,
                        limits: QueryLimits | None = None) -> QueryOptions:
    """All query options of a request (percent-decoded pairs, in order) -> :class:`QueryOptions`."""
    limits = limits or DEFAULT_LIMITS
    entity_type = _Ident(_type_of(entity_set))
    seen: set[str] = set()
    values: dict[str, Any] = {}
    custom: list[tuple[str, str]] = []
    for name, raw in params:
        if not name.startswith("$") and name != "allowedOnly":
            custom.append((name, raw))
            continue
        if name not in _KNOWN:
            raise ODataError.query_option(name, Message("unknown system query option"))
        canonical = "allowedOnly" if name == "$allowedOnly" else name
        if canonical in seen:
            raise ODataError.query_option(name, Message("the option is given more than once"))
        seen.add(canonical)
        if name in _RULES:
            values[_RULES[name]] = _cached(_RULES[name], raw, entity_type, model, name, limits)
        elif name in ("$top", "$skip"):
            values[name[1:]] = _count(name, raw, limits.max_top)
        elif name == "$inlinecount":
            if raw not in ("allpages", "none"):
                raise ODataError.query_option(name, Message("expected allpages or none, not '{raw}'", raw=raw))
            values["inlinecount"] = raw == "allpages"
        elif name == "$format":
            values["format"] = raw
        elif name == "$skiptoken":
            values["skiptoken"] = raw
        else:
            if raw.lower() not in ("true", "false"):
                raise ODataError.query_option(name, Message("expected true or false, not '{raw}'", raw=raw))
            values["allowed_only"] = raw.lower() == "true"
    options = QueryOptions(custom=tuple(custom), **values)
    check_joins(options, limits.max_joins)
    return options


def _count(option: str, raw: str, ceiling: int) -> int:
    if not re.fullmatch(r"[0-9]{1,12}", raw.strip()):
        raise ODataError.query_option(option, Message("expected a non-negative integer, not '{raw}'", raw=raw[:50]))
    value = int(raw)
    if value > min(ceiling, 2**31 - 1):
        raise ODataError.query_option(option, Message("{value} exceeds the limit {ceiling}",
                                                      value=value, ceiling=min(ceiling, 2 ** 31 - 1)))
    return value


# --- shared machinery -------------------------------------------------------------------------

class _Ident:
    """Hashes an (unhashable, mutable) entity type by identity for the cache key."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Ident) and other.obj is self.obj


def _type_of(target: Any) -> Any:
    return getattr(target, "entity_type", target)


def _cached(rule: str, text: str, entity_type: _Ident, model: Any, option: str, limits: QueryLimits):
    if len(text) > _CACHED_TEXT:  # huge texts are parsed but never kept in memory
        return _parse_option(rule, text, entity_type, model, option, limits)
    return _parse_option_cached(rule, text, entity_type, model, option, limits)


def _parse_option(rule: str, text: str, entity_type: _Ident, model: Any, option: str, limits: QueryLimits):
    from .visitor import SyntaxProblem, parse_tree  # parsimonious loads on the first parse (cold start)

    _precheck(text, option, limits)
    try:
        parsed = parse_tree(rule, text)
    except SyntaxProblem as exc:
        raise ODataError.query_option(option, exc.message, exc.position) from None
    if parsed.nodes > limits.max_filter_nodes:
        raise ODataError.query_option(option, Message("more than {limit} expression nodes",
                                                      limit=limits.max_filter_nodes))
    _check_items(rule, option, parsed.value, limits)
    validator = Validator(model, option, parsed.positions, limits)
    if rule == "filter":
        return validator.filter(parsed.value, entity_type.obj)
    if rule == "orderby":
        return validator.orderby(parsed.value, entity_type.obj)
    if rule == "select":
        return validator.select(parsed.value, entity_type.obj)
    return validator.expand(parsed.value, entity_type.obj)


def _check_items(rule: str, option: str, items: Any, limits: QueryLimits) -> None:
    """Long lists (issue #11): each $orderby item is an ORDER BY term and often a subquery, each
    $expand item a join; bound them like the other limits."""
    limit = {"orderby": limits.max_orderby_items, "select": limits.max_select_items,
             "expand": limits.max_expand_items}.get(rule)
    if limit is not None and len(items) > limit:
        raise ODataError.query_option(option, Message("more than {limit} items in the list", limit=limit))


_parse_option_cached = lru_cache(maxsize=2048)(_parse_option)
_CACHED_TEXT = 8192


def _precheck(text: str, option: str, limits: QueryLimits) -> None:
    """Reject over-deep or over-large input before parsimonious (which recurses) sees it."""
    if not text.strip():
        raise ODataError.query_option(option, Message("the value is empty"))
    tokens = 0
    ceiling = 3 * limits.max_filter_nodes
    for match in _TOKEN.finditer(text):
        tokens += 1
        if tokens > ceiling:
            raise ODataError.query_option(
                option, Message("more than {limit} expression nodes", limit=limits.max_filter_nodes), match.start())
    bare = _QUOTED.sub(_blank, text) if "'" in text else text  # same length, no quoted parens
    if bare.count("(") > 2 * limits.max_filter_nodes:
        raise ODataError.query_option(option, Message("too many parentheses"))
    runs = [len(_PREFIX_OP.findall(m.group())) for m in _PREFIX_RUN.finditer(bare)]
    longest = max(runs, default=0)
    depth = 0
    for match in _PAREN.finditer(bare):
        depth += 1 if match.group() == "(" else -1
        if depth + longest > limits.max_filter_depth:
            raise ODataError.query_option(
                option, Message("nesting deeper than {limit} levels", limit=limits.max_filter_depth), match.start())
    if longest > limits.max_filter_depth:
        raise ODataError.query_option(option, Message("nesting deeper than {limit} levels",
                                                      limit=limits.max_filter_depth))
    needed = recursion_needed(limits, sum(runs))
    if sys.getrecursionlimit() < needed:  # a caller without ensure_recursion_limit (a service never)
        sys.setrecursionlimit(needed)


def recursion_needed(limits: QueryLimits, prefix_operators: int | None = None) -> int:
    """Interpreter frames the parser may need for a filter within ``limits``."""
    runs = limits.max_filter_nodes if prefix_operators is None else prefix_operators
    return _FRAMES_PER_LEVEL * (limits.max_filter_depth + 2) + 5 * runs + 4 * limits.max_filter_nodes + 1000


def ensure_recursion_limit(limits: QueryLimits) -> None:
    """Raise the recursion limit once, when a service starts, for the deepest filter ``limits``
    accept, so that answering a request never changes process-global state (only ever raised)."""
    if sys.getrecursionlimit() < recursion_needed(limits):
        sys.setrecursionlimit(recursion_needed(limits))


def _blank(match: re.Match) -> str:
    return "'" + " " * (len(match.group()) - 2) + "'"
