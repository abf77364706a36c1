"""SQL for filter function calls (the ``Call`` nodes), part of the compiler in ``sql.py``.

String functions use SQLite built-ins where they agree with Python exactly (``instr``,
``substr``, ``length``, ``replace``, ``trim``, and ``LIKE`` with escaped patterns under
``PRAGMA case_sensitive_like``); case mapping, 1C ``like`` templates and calendar arithmetic
call the registered functions of ``sqlfunctions``::

    compile_call(compiler, Call("startswith", (Member(("Description",)), Literal("Ш", "Edm.String"))), {})
    # Frag('("t0"."Description" LIKE :p0 ESCAPE \'\\\')', 'bool') with p0 = 'Ш%'
"""

from __future__ import annotations

from typing import Any, Protocol

from ..i18n import Message
from ..query import evaluate as ev
from ..query.ast import Call, Literal
from .dialect import SQLITE
from .sqlcodec import BOOL, DATE, DEC, GUID, INT, STR
from .sqlfrag import NULL, TYPED, CompileError, Frag



class Compiler(Protocol):
    """What the calls need of ``sql.Compiler`` (a Protocol here: ``sql`` imports this module)."""

    dialect: Any
    entity_set: Any

    def bind(self, value: Any) -> str: ...
    def compile(self, node: Any, scope: dict) -> Frag: ...
    def as_dec(self, f: Frag) -> str: ...
    def typed_parts(self, f: Frag, node: Any) -> tuple[str, str]: ...
    def text_of(self, f: Frag) -> str: ...

ESCAPE = SQLITE.like_escape
MAX_TEXT = 10**9  # SQLITE_MAX_LENGTH: no text is longer
DATE_SLICES = {"year": (1, 4), "month": (6, 2), "day": (9, 2), "hour": (12, 2),
               "minute": (15, 2), "second": (18, 2)}
PLAIN_TYPE = {INT: "Edm.Double", DEC: "Edm.Double", STR: "Edm.String", GUID: "Edm.String",
              BOOL: "Edm.Boolean", DATE: "Edm.DateTime"}


escape_like = SQLITE.escape_like


def _pattern(c: "Compiler", node, frag: Frag, prefix: str, suffix: str) -> str:
    if isinstance(node, Literal) and isinstance(node.value, str):
        return c.bind(prefix + c.dialect.escape_like(node.value) + suffix)
    esc = c.bind(c.dialect.like_escape)
    escaped = (f"replace(replace(replace({frag.sql}, {esc}, {esc} || {esc}), '%', {esc} || '%'), "
               f"'_', {esc} || '_')")
    return " || ".join(x for x in (repr(prefix) if prefix else "", escaped,
                                   repr(suffix) if suffix else "") if x)


def _like(c: "Compiler", subject: Frag, pattern: str) -> Frag:
    return Frag(c.dialect.like(subject.sql, pattern, c.bind(c.dialect.like_escape)), BOOL)


def int_sql(c: "Compiler", f: Frag) -> str:
    """An integer argument (positions, lengths, amounts), truncated toward zero like ``int()``."""
    if f.kind == INT:
        return f.sql if f.scale == 0 else f"({f.sql} / {10 ** f.scale})"
    if f.kind == NULL:
        return "NULL"
    return c.dialect.to_integer(f.sql)


def compile_call(c: "Compiler", node: Call, scope: dict) -> Frag:
    name = node.name
    if name in ("cast", "isof"):
        return _cast(c, node, scope)
    args = [c.compile(a, scope) for a in node.args]
    if name == "substringof":
        return _like(c, args[1], _pattern(c, node.args[0], args[0], "%", "%"))
    if name == "startswith":
        return _like(c, args[0], _pattern(c, node.args[1], args[1], "", "%"))
    if name == "endswith":
        return _like(c, args[0], _pattern(c, node.args[1], args[1], "%", ""))
    if name == "like":
        return Frag(f"odata_like({args[0].sql}, {args[1].sql})", BOOL)
    if name == "concat":
        return Frag(f"({c.text_of(args[0])} || {c.text_of(args[1])})", STR)
    if name == "length":
        return Frag(f"length({args[0].sql})", INT, 0, 10)
    if name == "indexof":
        return Frag(f"({c.dialect.position(args[0].sql, args[1].sql)} - 1)", INT, 0, 10)
    if name == "replace":
        # SQLite's replace(x, '', NULL) is x; a function of null is null (evaluate.replace).
        new = args[2].sql
        return Frag(f"(CASE WHEN {new} IS NOT NULL THEN replace({args[0].sql}, {args[1].sql}, {new}) END)",
                    STR)
    if name == "tolower":
        return Frag(c.dialect.lower(args[0].sql), STR)
    if name == "toupper":
        return Frag(c.dialect.upper(args[0].sql), STR)
    if name == "trim":
        return Frag(f"trim({args[0].sql})", STR)
    if name == "substring":
        # Clamped: SQLite's substr misbehaves when start + length passes 2**31 (no string is
        # longer than SQLITE_MAX_LENGTH, 10**9, anyway).
        start = f"{c.dialect.clamp(int_sql(c, args[1]), 0, MAX_TEXT)} + 1"
        if len(args) == 2:
            return Frag(f"substr({args[0].sql}, {start})", STR)
        return Frag(f"substr({args[0].sql}, {start}, {c.dialect.clamp(int_sql(c, args[2]), 0, MAX_TEXT)})", STR)
    if name in DATE_SLICES:
        a, n = DATE_SLICES[name]
        return Frag(f"CAST(substr({args[0].sql}, {a}, {n}) AS INTEGER)", INT, 0, 4)
    if name == "quarter":
        return Frag(f"((CAST(substr({args[0].sql}, 6, 2) AS INTEGER) + 2) / 3)", INT, 0, 1)
    if name in ("dayofweek", "dayofyear"):
        return Frag(f"date_part({c.bind(name)}, {args[0].sql})", INT, 0, 3)
    if name == "dateadd":
        return Frag(f"date_add({args[0].sql}, {args[1].sql}, {c.as_dec(args[2])})", DATE)
    if name == "datedifference":
        return Frag(f"date_difference({args[0].sql}, {args[1].sql}, {args[2].sql})", INT, 0, 12)
    if name in ("round", "floor", "ceiling"):
        return _round(c, name, args[0])
    raise CompileError(Message("unknown function {name}", name=name))


def _round(c: "Compiler", name: str, f: Frag) -> Frag:
    if f.kind == INT and f.scale == 0:
        return f
    if f.kind == INT:
        p, a = 10 ** f.scale, f.sql
        digits = f.int_digits + 1
        if name == "round":
            h = p // 2
            sql = f"(CASE WHEN {a} < 0 THEN ({a} - {h}) / {p} ELSE ({a} + {h}) / {p} END)"
        elif name == "floor":
            sql = f"(CASE WHEN {a} < 0 THEN -((-{a} + {p - 1}) / {p}) ELSE {a} / {p} END)"
        else:
            sql = f"(CASE WHEN {a} > 0 THEN ({a} + {p - 1}) / {p} ELSE -((-{a}) / {p}) END)"
        return Frag(sql, INT, 0, digits)
    if f.kind == NULL:
        return f
    return Frag(f"dec_round({c.bind(name)}, {f.sql})", DEC)


def _from_text(c: "Compiler", sql: str, primitive: str) -> Frag:
    """A text (a composite's value or a string) read as ``primitive``; null when unreadable."""
    if primitive == "Edm.String":
        return Frag(sql, STR)
    if primitive == "Edm.Double":
        return Frag(f"dec_norm({sql})", DEC)
    if primitive == "Edm.Boolean":
        return Frag(f"(CASE {sql} WHEN 'true' THEN {c.dialect.true} WHEN 'false' THEN {c.dialect.false} END)", BOOL)
    if primitive == "Edm.DateTime":
        return Frag(f"date_norm({sql})", DATE)
    if primitive == "Edm.Guid":
        return Frag(c.dialect.lower(sql), GUID)
    return Frag("NULL", NULL)


def _cast(c: "Compiler", node: Call, scope: dict) -> Frag:
    if len(node.args) == 1:  # isof('Type') / cast('Type') on the entity itself
        if node.name == "cast":
            return Frag("NULL", NULL)
        own = ev.NAMESPACE + c.entity_set.entity_type.name
        return Frag(c.dialect.true if ev.entity_type_name(node.args[0].value) == own else c.dialect.false, BOOL)
    value = c.compile(node.args[0], scope)
    type_name = node.args[1].value
    target = ev.entity_type_name(type_name)
    if target is not None:
        bound = c.bind(target)
        if value.kind == TYPED:
            if node.name == "isof":
                return Frag(c.dialect.same(value.type_sql or "NULL", bound), BOOL)
            return Frag(f"(CASE WHEN {c.dialect.same(value.type_sql or 'NULL', bound)} THEN {value.sql} END)", TYPED,
                        type_sql=bound, target_set=target[len(ev.NAMESPACE):])
        if node.name == "isof":
            _, own_type = c.typed_parts(value, node.args[0])
            return Frag(f"({value.sql} IS NOT NULL AND {c.dialect.same(own_type, bound)})", BOOL)
        return Frag(value.sql, TYPED, type_sql=bound, target_set=target[len(ev.NAMESPACE):])
    if type_name not in ev.PRIMITIVES:
        raise CompileError(Message("unknown type {name}", name=type_name))
    primitive = ev.PRIMITIVES[type_name]
    bound = c.bind(primitive)
    if value.kind == TYPED:
        if node.name == "isof":
            return Frag(c.dialect.same(value.type_sql or "NULL", bound), BOOL)
        inner = _from_text(c, value.sql, primitive)
        inner.sql = f"(CASE WHEN {c.dialect.same(value.type_sql or 'NULL', bound)} THEN {inner.sql} END)"
        return inner
    if node.name == "isof":
        if value.kind == NULL or PLAIN_TYPE.get(value.kind) != primitive:
            return Frag(c.dialect.false, BOOL)
        if isinstance(node.args[0], Literal):  # a literal of the type: true (PostgreSQL cannot type "? IS NOT NULL")
            return Frag(c.dialect.true, BOOL)
        return Frag(f"({value.sql} IS NOT NULL)", BOOL)
    if value.kind == NULL:
        return value
    if primitive == "Edm.String":
        return Frag(c.text_of(value), STR)
    if primitive == "Edm.Double":
        if value.kind in (INT, DEC):
            return value
        return _from_text(c, value.sql, primitive) if value.kind in (STR, GUID) else Frag("NULL", NULL)
    if primitive == "Edm.Boolean":
        if value.kind == BOOL:
            return value
        return _from_text(c, value.sql, primitive) if value.kind == STR else Frag("NULL", NULL)
    if primitive == "Edm.DateTime":
        if value.kind == DATE:
            return value
        return _from_text(c, value.sql, primitive) if value.kind == STR else Frag("NULL", NULL)
    if primitive == "Edm.Guid" and value.kind in (STR, GUID):
        return _from_text(c, value.sql, primitive)
    return Frag("NULL", NULL)
