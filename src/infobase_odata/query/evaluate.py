"""Evaluate a validated filter/orderby AST in Python over row dicts.

This is the reference semantics: ``providers/sql.py`` compiles the same AST to SQL and must
return the same rows (a differential test runs both).  The rules both follow:

* three-valued logic: a comparison (other than ``eq``/``ne``) with a null operand is null, so
  are arithmetic and functions of null; ``and``/``or``/``not`` are Kleene; a row matches only
  when the filter is exactly true.  ``eq``/``ne`` are null-safe (``X eq null``).
* navigation through an empty or dangling reference gives null (as a 1C query's ``Ref.Field``);
* strings compare by code point; numbers are exact decimals (``div`` is decimal division to 38
  significant digits, division by zero is null; ``mod`` keeps the dividend's sign);
* composite attributes compare as (value, type) pairs: ``Basis eq cast(guid'…','Catalog_X')``;
* dates are naive whole seconds: a literal's fraction and offset are dropped; ``cast(text,
  'Number')``/``cast(text,'Date')`` read only plain decimal text / datetime-literal forms (else
  null); a reversed ``like`` range (``[z-a]``) is an empty set.

    >>> ev = Evaluator(model, model.entity_set("Catalog_Goods"), lookup=provider_lookup)
    >>> ev.matches(Binary("gt", Member(("Price",)), Literal(Decimal(5), "Edm.Decimal")), row)
    True
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any, Callable, NamedTuple

from ..i18n import Message
from .. import edm, model as m
from .ast import Binary, Call, Expr, Lambda, Literal, Member, Unary

EXACT = Context(prec=80)  # enough for every sum/product of two 38-digit numbers
DIVISION = Context(prec=38, rounding="ROUND_HALF_EVEN")
NAMESPACE = m.NAMESPACE + "."


class Typed(NamedTuple):
    """A composite value: its text (or GUID) and its type name (``StandardODATA.Catalog_X``)."""

    value: Any
    type: str


class ResolveError(ValueError):
    pass


def resolve_path(model: m.Model, start: m.ComplexType, path: tuple[str, ...]) -> tuple:
    """Model objects named by each segment (what validation puts in ``Member.resolved``)."""
    out: list[Any] = []
    current: m.ComplexType | None = start
    for segment in path:
        if current is None:
            raise ResolveError(Message("cannot resolve {path}", path='/'.join(path)))
        nav = current.navigation_property(segment) if isinstance(current, m.EntityType) else None
        if nav is not None:
            out.append(nav)
            current = model.entity_sets[nav.target_set].entity_type
            continue
        prop = current.property(segment)
        if prop is None:
            raise ResolveError(Message("no property {segment} in {name}", segment=segment, name=current.name))
        out.append(prop)
        current = tabular_row_type(model, prop) if prop.role == m.TABULAR else None
    return tuple(out)


def member_resolved(model: m.Model, start: m.ComplexType, node: Member) -> tuple:
    """``node.resolved`` without the lambda-variable segment (the parser keeps ``d`` as the
    first path segment, resolved to None), or resolved here when validation did not run."""
    path, resolved = node.path, node.resolved
    if node.variable is not None and path and path[0] == node.variable:
        path, resolved = path[1:], resolved[1:]
    return resolved or resolve_path(model, start, path)


def tabular_row_type(model: m.Model, prop: m.Property) -> m.ComplexType:
    """The entity type of a tabular section's set (its row type plus navigation properties)."""
    row_type = prop.row_type
    assert row_type is not None
    tab_set = model.entity_set(row_type.name[: -len("_RowType")])
    return tab_set.entity_type if tab_set is not None else row_type


def entity_type_name(name: str) -> str | None:
    """``'Catalog_Goods'``/``'StandardODATA.Catalog_Goods'`` -> the full type name, else None
    (a primitive type name)."""
    bare = name[len(NAMESPACE):] if name.startswith(NAMESPACE) else name
    if bare in PRIMITIVES or name in PRIMITIVES:
        return None
    return NAMESPACE + bare


# 1C and EDM primitive type names accepted by cast/isof -> the X_Type text stored for them.
PRIMITIVES = {
    "String": "Edm.String", "Edm.String": "Edm.String",
    "Number": "Edm.Double", "Edm.Double": "Edm.Double", "Edm.Decimal": "Edm.Double",
    "Edm.Single": "Edm.Double", "Edm.Int16": "Edm.Double", "Edm.Int32": "Edm.Double",
    "Edm.Int64": "Edm.Double", "Edm.Byte": "Edm.Double", "Edm.SByte": "Edm.Double",
    "Boolean": "Edm.Boolean", "Edm.Boolean": "Edm.Boolean",
    "Date": "Edm.DateTime", "Edm.DateTime": "Edm.DateTime",
    "Guid": "Edm.Guid", "Edm.Guid": "Edm.Guid", "UUID": "Edm.Guid",
}


def composite_type_of_literal(edm_type: str) -> str:
    """X_Type a plain literal would have inside a composite (a Guid never matches a ref)."""
    return PRIMITIVES.get(edm_type, edm_type)


# ---- shared scalar helpers: SQLite registers these same functions --------------------------

def dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(value) if not isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        return None


def arith(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if op == "div":
        a, b = dec(a), dec(b)
        if not b:
            return None
        return DIVISION.divide(a, b)
    if op == "mod":
        if not b:
            return None
        if isinstance(a, int) and isinstance(b, int):
            return int(Decimal(a) % Decimal(b))
        return EXACT.remainder(dec(a), dec(b))
    if isinstance(a, int) and isinstance(b, int):
        return a + b if op == "add" else a - b if op == "sub" else a * b
    a, b = dec(a), dec(b)
    if op == "add":
        return EXACT.add(a, b)
    if op == "sub":
        return EXACT.subtract(a, b)
    return EXACT.multiply(a, b)


def round_number(kind: str, value: Any) -> Any:
    if value is None or isinstance(value, int):
        return value
    rounding = {"round": ROUND_HALF_UP, "floor": ROUND_FLOOR, "ceiling": ROUND_CEILING}[kind]
    return Context(prec=80, rounding=rounding).quantize(value, Decimal(1))


@functools.lru_cache(maxsize=256)
def like_regex(template: str) -> re.Pattern:
    """1C ``ПОДОБНО`` template: ``%`` any run, ``_`` one character, ``[…]``/``[^…]`` sets
    with ``a-z`` ranges; everything else literal."""
    out, i = [], 0
    while i < len(template):
        ch = template[i]
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch == "[" and "]" in template[i + 1:]:
            end = template.index("]", i + 1)
            body = template[i + 1:end]
            negate = body.startswith("^")
            body = body[1:] if negate else body
            parts = []
            j = 0
            while j < len(body):
                if j + 2 < len(body) and body[j + 1] == "-":
                    if body[j] <= body[j + 2]:  # a reversed range such as [z-a] is empty
                        parts.append(re.escape(body[j]) + "-" + re.escape(body[j + 2]))
                    j += 3
                else:
                    parts.append(re.escape(body[j]))
                    j += 1
            out.append(("[^" if negate else "[") + "".join(parts) + "]" if parts else
                       ("." if negate else "(?!)"))
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def like(value: str | None, template: str | None) -> bool | None:
    if value is None or template is None:
        return None
    return like_regex(template).fullmatch(value) is not None


def substring(s: str | None, start: int | None, length: int | None = None) -> str | None:
    if s is None or start is None:
        return None
    start = max(int(start), 0)
    if length is None:
        return s[start:]
    return s[start:start + max(int(length), 0)]


def replace(s: str | None, old: str | None, new: str | None) -> str | None:
    if s is None or old is None or new is None:
        return None
    return s.replace(old, new) if old else s


def _add_months(value: dt.datetime, months: int) -> dt.datetime:
    total = value.year * 12 + value.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    day = min(value.day, calendar.monthrange(year, month)[1])  # 1C clamps to the month's end
    return value.replace(year=year, month=month, day=day)


DATE_UNITS = ("second", "minute", "hour", "day", "month", "quarter", "year")


def date_add(value: dt.datetime | None, unit: str | None, amount: Any) -> dt.datetime | None:
    if value is None or unit is None or amount is None:
        return None
    n = int(amount)
    try:
        if unit in ("second", "minute", "hour", "day"):
            return value + dt.timedelta(**{unit + "s": n})
        if unit in ("month", "quarter", "year"):
            return _add_months(value, n * {"month": 1, "quarter": 3, "year": 12}[unit])
    except (OverflowError, ValueError):
        return None
    return None


def date_difference(start: dt.datetime | None, end: dt.datetime | None, unit: str | None) -> int | None:
    """``end - start`` in whole units; as 1C ``РАЗНОСТЬДАТ``, both dates are first truncated to
    the start of the unit (minute, hour, day, month, quarter, year)."""
    if start is None or end is None or unit is None:
        return None
    if unit == "second":
        return int((end - start).total_seconds())
    if unit in ("minute", "hour", "day"):
        size = {"minute": 60, "hour": 3600, "day": 86400}[unit]
        base = dt.datetime(1, 1, 1)
        return (int((end - base).total_seconds()) // size) - (int((start - base).total_seconds()) // size)
    if unit == "month":
        return (end.year * 12 + end.month) - (start.year * 12 + start.month)
    if unit == "quarter":
        return (end.year * 4 + (end.month - 1) // 3) - (start.year * 4 + (start.month - 1) // 3)
    if unit == "year":
        return end.year - start.year
    return None


DATE_PARTS: dict[str, Callable[[dt.datetime], int]] = {
    "year": lambda d: d.year, "month": lambda d: d.month, "day": lambda d: d.day,
    "hour": lambda d: d.hour, "minute": lambda d: d.minute, "second": lambda d: d.second,
    "dayofweek": lambda d: d.isoweekday(),  # 1C ДЕНЬНЕДЕЛИ: Monday = 1 ... Sunday = 7
    "dayofyear": lambda d: d.timetuple().tm_yday,
    "quarter": lambda d: (d.month - 1) // 3 + 1,
}


_NUMBER_TEXT = re.compile(r" *([+-]?[0-9]+(?:\.[0-9]+)?) *\Z")
_DATE_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
                        r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?)?\Z")


def number_from_text(text: str | None) -> Decimal | None:
    """A text read as a number by cast(x,'Number'): plain decimal digits (surrounding spaces,
    as in fixed-length strings, are ignored); anything else (``1e3``, ``NaN``, ``1_000``) is null."""
    if text is None:
        return None
    match = _NUMBER_TEXT.match(text)
    return Decimal(match.group(1)) if match else None


def date_from_text(text: str | None) -> dt.datetime | None:
    """A text read as a date by cast(x,'Date'): ``yyyy-mm-dd[Thh:mm[:ss[.f]]]`` (the forms of a
    datetime literal), whole seconds as 1C dates; anything else (offsets, no separators) is null."""
    if text is None:
        return None
    match = _DATE_TEXT.match(text)
    if not match:
        return None
    try:
        return dt.datetime(*(int(part or 0) for part in match.groups()))
    except ValueError:  # 2024-02-30
        return None


def cast_primitive(value: Any, edm_type: str) -> Any:
    """cast() of a plain value (or a composite's text) to a primitive EDM type; null when the
    text cannot be read as that type."""
    if value is None:
        return None
    try:
        if edm_type == "Edm.String":
            return value if isinstance(value, str) else edm.text_value(value)
        if edm_type == "Edm.Double":
            if isinstance(value, bool):
                return None
            return value if isinstance(value, (int, Decimal)) else number_from_text(str(value))
        if edm_type == "Edm.Boolean":
            return value if isinstance(value, bool) else {"true": True, "false": False}.get(value)
        if edm_type == "Edm.DateTime":
            return value if isinstance(value, dt.datetime) else date_from_text(value)
        if edm_type == "Edm.Guid":
            return str(value).lower()
    except (InvalidOperation, ValueError, TypeError):
        return None
    return None


def compare(op: str, a: Any, b: Any) -> bool | None:
    if op == "eq":
        return a == b if a is not None and b is not None else (a is None and b is None)
    if op == "ne":
        return a != b if a is not None and b is not None else not (a is None and b is None)
    if a is None or b is None:
        return None
    if op == "gt":
        return a > b
    if op == "ge":
        return a >= b
    if op == "lt":
        return a < b
    return a <= b


# ---- the evaluator --------------------------------------------------------------------------

Lookup = Callable[[m.EntitySet, str], "dict | None"]


class Evaluator:
    """Evaluates expressions of one entity set; ``lookup(set, ref_key)`` reads navigation targets."""

    def __init__(self, model: m.Model, entity_set: m.EntitySet, lookup: Lookup) -> None:
        self.model = model
        self.entity_set = entity_set
        self.lookup = lookup

    def matches(self, expr: Expr | None, row: dict) -> bool:
        return expr is None or self.value(expr, row, {}) is True

    def value(self, expr: Expr, row: dict, scope: dict) -> Any:
        method = getattr(self, "_" + type(expr).__name__.lower())
        return method(expr, row, scope)

    def _literal(self, node: Literal, row, scope) -> Any:
        value = node.value
        if isinstance(value, dt.datetime) and (value.microsecond or value.tzinfo is not None):
            # A 1C date is a naive wall-clock time in whole seconds: the literal's fraction and
            # offset are dropped, as when such a text is assigned to a Date (§3.1).
            return value.replace(microsecond=0, tzinfo=None)
        return value

    def member_parts(self, node: Member, row: dict, scope: dict) -> tuple[Any, tuple, m.ComplexType]:
        if node.base is not None:
            base = self.value(node.base, row, scope)
            if not isinstance(base, Typed) or base.value is None:
                return None, (), self.entity_set.entity_type
            target = self.model.entity_set(base.type[len(NAMESPACE):])
            if target is None:
                return None, (), self.entity_set.entity_type
            start_row = self.lookup(target, base.value)
            start_type: m.ComplexType = target.entity_type
        elif node.variable is not None:
            start_row, start_type = scope[node.variable]
        else:
            start_row, start_type = row, self.entity_set.entity_type
        return start_row, member_resolved(self.model, start_type, node), start_type

    def _member(self, node: Member, row, scope) -> Any:
        current, resolved, _ = self.member_parts(node, row, scope)
        for index, obj in enumerate(resolved):
            if current is None:
                return None
            if isinstance(obj, m.NavigationProperty):
                key = current.get(obj.key_property)
                target = self.model.entity_sets[obj.target_set]
                current = self.lookup(target, key) if key and key != edm.NIL_GUID else None
                continue
            value = current.get(obj.name)
            if obj.role == m.COMPOSITE:
                return Typed(value, current.get(obj.name + "_Type"))
            if index < len(resolved) - 1:
                current = value
                continue
            return value
        return current

    def _unary(self, node: Unary, row, scope) -> Any:
        value = self.value(node.operand, row, scope)
        if value is None:
            return None
        if node.op == "not":
            return not value
        return EXACT.minus(value) if isinstance(value, Decimal) else -value

    def _binary(self, node: Binary, row, scope) -> Any:
        op = node.op
        if op in ("and", "or"):
            left = self.value(node.left, row, scope)
            if op == "and" and left is False or op == "or" and left is True:
                return left
            right = self.value(node.right, row, scope)
            if op == "and":
                return False if right is False else (None if left is None or right is None else True)
            return True if right is True else (None if left is None or right is None else False)
        left = self.value(node.left, row, scope)
        right = self.value(node.right, row, scope)
        if op in ("add", "sub", "mul", "div", "mod"):
            return arith(op, left, right)
        if isinstance(left, Typed) or isinstance(right, Typed):
            if op not in ("eq", "ne"):
                return None
            left = self._as_typed(left, node.left, row, scope)
            right = self._as_typed(right, node.right, row, scope)
            equal = left == right
            return equal if op == "eq" else not equal
        return compare(op, left, right)

    def _as_typed(self, value: Any, node: Expr, row: dict, scope: dict) -> Typed:
        """A plain value as a composite would hold it: a reference keeps its GUID and gets its
        target type; other values become their text with the primitive's Edm type."""
        if isinstance(value, Typed):
            return value
        if isinstance(node, Member):
            last = self.member_parts(node, row, scope)[1][-1:]
            prop = last[0] if last and isinstance(last[0], m.Property) else None
            if prop is not None and prop.role == m.REF:
                return Typed(value, NAMESPACE + str(prop.target))
            edm_type = prop.edm_type if prop is not None else "Edm.String"
        elif isinstance(node, Literal):
            edm_type = node.edm_type
        else:
            edm_type = node.type or _python_type(value)
        if value is not None and edm_type != "Edm.Guid":
            value = cast_primitive(value, "Edm.String")
        return Typed(value, composite_type_of_literal(edm_type))

    def _lambda(self, node: Lambda, row, scope) -> Any:
        rows = self._member(node.collection, row, scope) or []
        resolved = self.member_parts(node.collection, row, scope)[1]
        row_type = tabular_row_type(self.model, resolved[-1])
        if node.predicate is None:
            return bool(rows)
        results = (self.value(node.predicate, row, {**scope, node.variable: (item, row_type)})
                   for item in rows)
        if node.kind == "any":
            return any(r is True for r in results)
        return all(r is True for r in results)

    def _call(self, node: Call, row, scope) -> Any:
        name = node.name
        if name in ("cast", "isof"):
            return self._cast(node, row, scope)
        args = [self.value(a, row, scope) for a in node.args]
        if name in DATE_PARTS:
            return None if args[0] is None else DATE_PARTS[name](args[0])
        if name in ("round", "floor", "ceiling"):
            return round_number(name, args[0])
        if name == "like":
            return like(*args)
        if name == "substring":
            return None if None in args else substring(*args)
        if name == "replace":
            return replace(*args)
        if name == "dateadd":
            return date_add(args[0], args[1], args[2])
        if name == "datedifference":
            return date_difference(args[0], args[1], args[2])
        if any(a is None for a in args):
            return None
        if name == "substringof":
            return args[0] in args[1]
        if name == "startswith":
            return args[0].startswith(args[1])
        if name == "endswith":
            return args[0].endswith(args[1])
        if name == "concat":
            return args[0] + args[1]
        if name == "length":
            return len(args[0])
        if name == "indexof":
            return args[0].find(args[1])
        if name == "tolower":
            return args[0].lower()
        if name == "toupper":
            return args[0].upper()
        if name == "trim":
            return args[0].strip(" ")
        raise ValueError(f"unknown function {name}")

    def _cast(self, node: Call, row, scope) -> Any:
        if len(node.args) == 1:  # isof('Type') / cast('Type') applied to the entity itself
            type_name = node.args[0].value
            own = NAMESPACE + self.entity_set.entity_type.name
            return entity_type_name(type_name) == own if node.name == "isof" else None
        value = self.value(node.args[0], row, scope)
        type_name = node.args[1].value
        target = entity_type_name(type_name)
        if target is not None:
            if isinstance(value, Typed):
                matched = value.type == target
            else:
                matched = value is not None and \
                    self._as_typed(value, node.args[0], row, scope).type == target
            if node.name == "isof":
                return matched
            if not isinstance(value, Typed):  # a GUID literal or a ref value gets the type
                return Typed(value, target)
            return Typed(value.value if matched else None, target)
        primitive = PRIMITIVES[type_name]
        if isinstance(value, Typed):
            if node.name == "isof":
                return value.type == primitive
            return cast_primitive(value.value, primitive) if value.type == primitive else None
        if node.name == "isof":
            return value is not None and cast_primitive(value, primitive) is not None and \
                _python_type(value) == primitive
        return cast_primitive(value, primitive)


def _python_type(value: Any) -> str:
    if isinstance(value, bool):
        return "Edm.Boolean"
    if isinstance(value, (int, Decimal)):
        return "Edm.Double"
    if isinstance(value, dt.datetime):
        return "Edm.DateTime"
    return "Edm.String"


def both(filter: Expr | None, restriction: Expr | None) -> Expr | None:
    """``filter and restriction`` (either may be None): a query's condition under a row-level
    restriction."""
    if filter is None or restriction is None:
        return filter if restriction is None else restriction
    return Binary("and", filter, restriction, "Edm.Boolean")


def sort_rows(rows: list[dict], orderby, key_names: tuple[str, ...], evaluator: Evaluator) -> list[dict]:
    """Order by ``orderby`` then by key; nulls first ascending and last descending (SQLite)."""
    rows = sorted(rows, key=lambda r: tuple(r[k] for k in key_names))
    for item in reversed(orderby):
        def sort_key(r, expr=item.expr):
            v = evaluator.value(expr, r, {})
            if isinstance(v, Typed):
                v = v.value
            return (v is not None, v if v is not None else 0)
        rows.sort(key=sort_key, reverse=item.descending)
    return rows
