"""Compile a validated filter/orderby AST to SQL (SQLite, PostgreSQL: ``dialect.py``) with named bound parameters.

One visitor over ``query/ast.py``; identifiers come only from the model and are quoted; every
value is a bound parameter.  The semantics are those of ``query/evaluate.py`` (the reference),
including three-valued logic, exact decimals and composite (value, type) comparisons::

    compiler = Compiler(model, model.entity_set("Catalog_Goods"))
    where = compiler.where(Binary("gt", Member(("Price",)), Literal(Decimal("5.5"), "Edm.Decimal")))
    # where == '((t0."Price" > (:p0 * 10)))', compiler.params == {"p0": 55}  (Price is scaled by 100)

Each compiled fragment carries a static kind: numbers are INT (an integer scaled by
``10**scale``, the storage of ``sqlcodec``) while they provably fit 64 bits, else DEC (decimal
text, computed by the Python functions of ``sqlfunctions``).
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from functools import wraps
from typing import Any, Callable, TypeVar

from .. import edm, model as m
from ..errors import StoreError
from ..i18n import Message
from ..query import evaluate as ev
from ..query.ast import Binary, Call, Expr, Lambda, Literal, Member, OrderBy, Unary
from .dialect import SQLITE, Dialect
from .sqlcalls import compile_call
from .sqlcodec import BOOL, DATE, DEC, GUID, INT, MAX_INTEGER_DIGITS, STR, storage_of
from .sqlfrag import NULL, ROWS, TYPED, CompileError, Frag, Scope  # noqa: F401 - re-exported

log = logging.getLogger(__name__)
COMPARE = {"eq": "IS", "ne": "IS NOT", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}


_Entry = TypeVar("_Entry", bound=Callable[..., Any])


def _safety_net(option: str) -> Callable[[_Entry], _Entry]:
    """Any error of the compiler on a validated query answers 400 code 14 for ``option`` (as a
    :class:`CompileError`) instead of a 500; an unexpected one is logged with its traceback."""
    def wrap(entry: _Entry) -> _Entry:
        @wraps(entry)
        def safe(self, *args, **kwargs):
            try:
                return entry(self, *args, **kwargs)
            except CompileError as exc:
                exc.option = option
                raise
            except (RecursionError, StoreError):
                raise  # the service answers these itself (400 code 14 for a too deep nesting)
            except Exception as exc:
                log.exception("the SQL compiler failed on a validated %s", option)
                raise CompileError(Message("the compiler does not support this combination"), option) from exc
        return safe  # type: ignore[return-value]
    return wrap


class Compiler:
    """Compiles expressions over one entity set (``root`` alias ``t0``); collects ``params``.
    What differs between SQL engines is asked of ``dialect``."""

    dialect: Dialect = SQLITE

    def __init__(self, model: m.Model, entity_set: m.EntitySet, *, alias: str = "t0",
                 dialect: Dialect | None = None) -> None:
        if dialect is not None:
            self.dialect = dialect
        self.model = model
        self.entity_set = entity_set
        self.root = Scope(alias, entity_set.entity_type)
        self.params: dict[str, Any] = {}
        self._aliases = 0

    # ---- public entry points ----------------------------------------------------------------

    @_safety_net("$filter")
    def where(self, *conditions: Expr | None) -> str:
        parts = [self.compile(c, {}).sql for c in conditions if c is not None]
        return " AND ".join(f"({p})" for p in parts)

    @_safety_net("$orderby")
    def order_by(self, items: tuple[OrderBy, ...]) -> list[str]:
        out = []
        for item in items:
            frag = self.compile(item.expr, {})
            if frag.kind == NULL:  # a constant orders nothing (PostgreSQL rejects ORDER BY NULL)
                continue
            out.append(self.dialect.order(frag.sql, dec=frag.kind == DEC, desc=item.descending))
        return out

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return ":" + name

    def alias(self) -> str:
        self._aliases += 1
        return f"a{self._aliases}"

    def compile(self, node: Expr, scope: dict[str, Scope]) -> Frag:
        method = getattr(self, "_" + type(node).__name__.lower(), None)
        if method is None:
            raise CompileError(Message("cannot compile {node!r}", node=node))
        return method(node, scope)

    # ---- leaves -----------------------------------------------------------------------------

    def _literal(self, node: Literal, scope: dict | None = None) -> Frag:
        value, edm_type = node.value, node.edm_type
        if value is None:
            return Frag("NULL", NULL, edm_type="Null")
        if isinstance(value, bool):
            return Frag(self.bind(self.dialect.bool_value(value)), BOOL, edm_type=edm_type)
        if isinstance(value, (int, Decimal)):
            return self.number(value, edm_type)
        if isinstance(value, dt.datetime):
            # whole seconds, no offset: as evaluate.Evaluator._literal
            text = edm.format_datetime(value.replace(tzinfo=None))
            return Frag(self.dialect.text_param(self.bind(text)), DATE, edm_type=edm_type)
        if edm_type == "Edm.Guid":
            return Frag(self.dialect.text_param(self.bind(str(value).lower())), GUID, edm_type=edm_type)
        if isinstance(value, str):
            return Frag(self.dialect.text_param(self.bind(value)), STR, edm_type=edm_type)
        raise CompileError(Message("literal of type {edm_type} is not supported in filters", edm_type=edm_type))

    def number(self, value: int | Decimal, edm_type: str = "Edm.Decimal") -> Frag:
        if isinstance(value, int):
            scale, scaled = 0, value
        else:
            if not value.is_finite():
                raise CompileError(Message("non-finite number"))
            scale = max(-value.as_tuple().exponent, 0)  # type: ignore[operator]
            scaled = int(ev.EXACT.scaleb(value, scale))
        digits = max(len(str(abs(scaled))), scale)
        if digits > MAX_INTEGER_DIGITS:
            return Frag(self.bind(str(value)), DEC, edm_type=edm_type)
        return Frag(self.bind(scaled), INT, scale, digits, edm_type=edm_type)

    def _column(self, alias: str, prop: m.Property) -> Frag:
        col = f"{alias}.{self.dialect.quote(prop.name)}"
        if prop.role == m.COMPOSITE:
            return Frag(col, TYPED, type_sql=f"{alias}.{self.dialect.quote(prop.name + '_Type')}")
        st = storage_of(prop)
        return Frag(col, st.kind, st.scale, st.digits, edm_type=prop.edm_type,
                    ref_target=prop.target if prop.role == m.REF else None)

    def _member(self, node: Member, scope: dict[str, Scope]) -> Frag:
        joins: list[str] = []
        conds: list[str] = []
        if node.base is not None:
            base = self.compile(node.base, scope)
            target = self.model.entity_set(base.target_set or "")
            if base.kind != TYPED or target is None:
                raise CompileError(Message("a path after an expression needs cast(X,'<EntitySet>')"))
            cur = Scope(self.alias(), target.entity_type)
            joins.append(f"{self.dialect.quote(target.name)} AS {cur.alias}")
            conds.append(f'{cur.alias}."Ref_Key" = {base.sql}')
        elif node.variable is not None:
            cur = scope[node.variable]
        else:
            cur = self.root
        resolved = ev.member_resolved(self.model, cur.entity_type, node)
        last: Frag | None = None
        for obj in resolved:
            if isinstance(obj, m.NavigationProperty):
                target = self.model.entity_sets[obj.target_set]
                nxt = Scope(self.alias(), target.entity_type)
                on = f'{nxt.alias}."Ref_Key" = {cur.alias}.{self.dialect.quote(obj.key_property)}'
                if joins:
                    joins.append(f"JOIN {self.dialect.quote(target.name)} AS {nxt.alias} ON {on}")
                else:
                    joins.append(f"{self.dialect.quote(target.name)} AS {nxt.alias}")
                    conds.append(on)
                cur = nxt
                continue
            if obj.role == m.TABULAR:
                return Frag("", ROWS, owner=cur, prop=obj)
            last = self._column(cur.alias, obj)
        if last is None:
            raise CompileError(Message("path {path} does not end in a property", path="/".join(node.path)))
        if not joins:
            return last
        source = f" FROM {' '.join(joins)} WHERE {' AND '.join(conds)}"
        last.sql = f"(SELECT {last.sql}{source})"
        if last.type_sql is not None:
            last.type_sql = f"(SELECT {last.type_sql}{source})"
        return last

    # ---- operators --------------------------------------------------------------------------

    def _unary(self, node: Unary, scope) -> Frag:
        f = self.compile(node.operand, scope)
        if node.op == "not":
            return Frag(f"(NOT {f.sql})", BOOL)
        if f.kind == NULL:  # -null is null (an untyped NULL has no unary minus on PostgreSQL)
            return f
        if f.kind == INT:
            return Frag(f"(-{f.sql})", INT, f.scale, f.digits)
        if f.kind == DEC:
            return Frag(f"dec_neg({f.sql})", DEC)
        return Frag(f"(-{f.sql})", f.kind)

    def _binary(self, node: Binary, scope) -> Frag:
        op = node.op
        left = self.compile(node.left, scope)
        right = self.compile(node.right, scope)
        if op in ("and", "or"):
            return Frag(f"({left.sql} {op.upper()} {right.sql})", BOOL)
        if op in ("add", "sub", "mul", "div", "mod"):
            return self.arithmetic(op, left, right)
        if TYPED in (left.kind, right.kind):
            if op not in ("eq", "ne"):
                return Frag("NULL", NULL)
            lv, lt = self.typed_parts(left, node.left)
            rv, rt = self.typed_parts(right, node.right)
            same = f"({self.dialect.same(lv, rv)} AND {self.dialect.same(lt, rt)})"
            return Frag(same if op == "eq" else f"(NOT {same})", BOOL)
        if self.numeric(left) and self.numeric(right) and DEC in (left.kind, right.kind) or (
                left.kind == INT and right.kind == INT and not self.fits(left, right)):
            a, b = self.as_dec(left), self.as_dec(right)
            if op == "eq":
                return Frag(f"dec_eq({a}, {b})", BOOL)
            if op == "ne":
                return Frag(f"(NOT dec_eq({a}, {b}))", BOOL)
            return Frag(f"(dec_cmp({a}, {b}) {COMPARE[op]} 0)", BOOL)
        a, b = left.sql, right.sql
        if left.kind == INT and right.kind == INT:
            scale = max(left.scale, right.scale)
            a, b = self.scaled(left, scale), self.scaled(right, scale)
        if op == "eq":
            return Frag(self.dialect.same(a, b), BOOL)
        if op == "ne":
            return Frag(self.dialect.not_same(a, b), BOOL)
        return Frag(f"({a} {COMPARE[op]} {b})", BOOL)

    @staticmethod
    def numeric(f: Frag) -> bool:
        return f.kind in (INT, DEC, NULL)

    @staticmethod
    def fits(left: Frag, right: Frag, extra: int = 0) -> bool:
        scale = max(left.scale, right.scale)
        return max(left.int_digits, right.int_digits) + extra + scale <= MAX_INTEGER_DIGITS

    @staticmethod
    def scaled(f: Frag, scale: int) -> str:
        return f.sql if f.scale == scale else f"({f.sql} * {10 ** (scale - f.scale)})"

    def as_dec(self, f: Frag) -> str:
        if f.kind == INT and f.scale:
            return f"dec_from_int({f.sql}, {f.scale})"
        return f.sql

    def arithmetic(self, op: str, left: Frag, right: Frag) -> Frag:
        if NULL in (left.kind, right.kind):
            return Frag("NULL", NULL)
        if left.kind == INT and right.kind == INT:
            scale = max(left.scale, right.scale)
            if op in ("add", "sub") and self.fits(left, right, 1):
                sign = "+" if op == "add" else "-"
                digits = max(left.int_digits, right.int_digits) + 1 + scale
                return Frag(f"({self.scaled(left, scale)} {sign} {self.scaled(right, scale)})", INT, scale, digits)
            if op == "mul" and left.digits + right.digits <= MAX_INTEGER_DIGITS:
                return Frag(f"({left.sql} * {right.sql})", INT, left.scale + right.scale,
                            left.digits + right.digits)
            if op == "mod" and self.fits(left, right):
                digits = max(left.int_digits, right.int_digits) + scale
                return Frag(self.dialect.modulo(self.scaled(left, scale), self.scaled(right, scale)),
                            INT, scale, digits)
        return Frag(f"dec_arith({self.bind(op)}, {self.as_dec(left)}, {self.as_dec(right)})", DEC)

    def typed_parts(self, f: Frag, node: Expr) -> tuple[str, str]:
        if f.kind == TYPED:
            return f.sql, f.type_sql or "NULL"
        if f.ref_target is not None:
            return f.sql, self.bind(ev.NAMESPACE + f.ref_target)
        edm_type = f.edm_type or getattr(node, "type", None) or KIND_EDM.get(f.kind, "Edm.String")
        if f.kind == GUID or edm_type == "Edm.Guid":
            return f.sql, self.bind(ev.composite_type_of_literal(edm_type))
        return self.text_of(f), self.bind(ev.composite_type_of_literal(edm_type))

    def text_of(self, f: Frag) -> str:
        """SQL for ``edm.text_value`` of a plain value (the text it has inside a composite)."""
        if f.kind == INT:
            return f"CAST({f.sql} AS TEXT)" if f.scale == 0 else f"dec_format({self.as_dec(f)})"
        if f.kind == DEC:
            return f"dec_format({f.sql})"
        if f.kind == BOOL:
            d = self.dialect
            return f"(CASE {f.sql} WHEN {d.true} THEN 'true' WHEN {d.false} THEN 'false' END)"
        return f.sql

    # ---- lambdas and functions --------------------------------------------------------------

    def _lambda(self, node: Lambda, scope) -> Frag:
        coll = self.compile(node.collection, scope)
        if coll.kind != ROWS:
            raise CompileError(Message("any/all apply to tabular sections"))
        owner, prop = coll.owner, coll.prop
        assert owner is not None and prop is not None
        records = self._register_records(prop)
        if records is not None:
            # RecordSet/any(...) of a register record set: the records of the same recorder (§5.2).
            inner = Scope(self.alias(), records.entity_type)
            same = " AND ".join(f"{inner.alias}.{self.dialect.quote(n)} = {owner.alias}.{self.dialect.quote(n)}" for n in records.parent.entity_type.key_names)
            head = f"SELECT 1 FROM {self.dialect.quote(records.name)} AS {inner.alias} WHERE {same}"
        else:
            table = f"{owner.entity_type.name}_{prop.name}"
            tab_set = self.model.entity_set(table)
            inner = Scope(self.alias(), tab_set.entity_type if tab_set else prop.row_type)  # type: ignore[arg-type]
            head = f'SELECT 1 FROM {self.dialect.quote(table)} AS {inner.alias} WHERE {inner.alias}."Ref_Key" = {owner.alias}."Ref_Key"'
        if node.predicate is None:
            return Frag(f"EXISTS ({head})", BOOL)
        pred = self.compile(node.predicate, {**scope, node.variable: inner}).sql  # type: ignore[dict-item]
        if node.kind == "any":
            return Frag(f"EXISTS ({head} AND {pred})", BOOL)
        return Frag(f"(NOT EXISTS ({head} AND {self.dialect.not_true(pred)}))", BOOL)

    def _register_records(self, prop: m.Property) -> m.EntitySet | None:
        """The ``_RecordType`` set when ``prop`` is the RecordSet of this register, else None."""
        entity_set = self.entity_set
        if prop.name != "RecordSet" or not entity_set.is_register:
            return None
        return entity_set if entity_set.kind == m.RECORDS else entity_set.records

    def _call(self, node: Call, scope) -> Frag:
        return compile_call(self, node, scope)


KIND_EDM = {INT: "Edm.Double", DEC: "Edm.Double", STR: "Edm.String", BOOL: "Edm.Boolean",
            DATE: "Edm.DateTime", GUID: "Edm.Guid"}
