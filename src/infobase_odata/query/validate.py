"""Check a parsed AST against the model; fill ``type`` and ``resolved`` (reference §3.2, §5.2).

Returns new frozen nodes (``dataclasses.replace``); every problem is an
``ODataError.query_option`` (code 14, 400) naming the option and the position::

    >>> Validator(model, "$filter", parsed.positions, limits).filter(parsed.value, goods_type)
    Binary(op='gt', left=Member(path=('Price',), type='Edm.Decimal'), ...)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

from ..i18n import Message
from ..errors import BAD_FUNCTION, ODataError
from ..model import (COMPOSITE, NAMESPACE, REF, TABULAR, TYPE_DESCRIPTION, ComplexType, NavigationProperty,
                     Property)
from ..types import Composite, Ref
from .ast import Binary, Call, ExpandItem, Expr, Lambda, Literal, Member, OrderBy, SelectItem, Unary
from .functions import check_call, type_category

NUMERIC = {"int", "decimal"}
PRESENTATION = "____Presentation"  # §3.2: four underscores


class Scope(NamedTuple):
    """What bare names and lambda variables refer to while validating."""

    root: Any  # EntityType or ComplexType the bare names refer to
    variables: tuple[tuple[str, ComplexType], ...] = ()

    def variable(self, name: str) -> ComplexType | None:
        return dict(self.variables).get(name)


def navigation(model: Any, scope: Any, name: str) -> NavigationProperty | None:
    """A navigation property of an entity type; for complex row types (which have none in
    ``$metadata``) a reference column ``X_Key`` to a published object navigates as ``X``."""
    finder = getattr(scope, "navigation_property", None)
    if finder is not None:
        return finder(name)
    prop = scope.property(f"{name}_Key")
    if prop is not None and prop.role == REF and prop.target and model.set_for_object(prop.target):
        return NavigationProperty(name, prop.name, prop.target, "")
    return None


def property_type(prop: Property) -> str:
    # Fractional numbers are declared Edm.Double but are exact decimals (§3.1).
    return "Edm.Decimal" if prop.edm_type in ("Edm.Double", "Edm.Single") else prop.edm_type


def is_composite(expr: Expr) -> bool:
    return (isinstance(expr, Member) and bool(expr.resolved)
            and isinstance(expr.resolved[-1], Property) and expr.resolved[-1].role == COMPOSITE)


def type_of(expr: Expr) -> str | None:
    return expr.edm_type if isinstance(expr, Literal) else expr.type


class Validator:
    def __init__(self, model: Any, option: str, positions: dict[int, int], limits: Any) -> None:
        self.model = model
        self.option = option
        self.positions = positions
        self.limits = limits
        self.subqueries = 0  # nesting of lambdas and cast paths: each is a nested SQL subquery

    def nested(self, node: Any) -> None:
        limit = getattr(self.limits, "max_lambda_depth", None)
        if limit is not None and self.subqueries >= limit:
            raise self.error(node, Message("lambdas (any/all) and cast paths nested deeper than {limit} levels",
                                           limit=limit))
        self.subqueries += 1

    def error(self, node: Any, detail: str, code: int | None = None) -> ODataError:
        if len(detail) > 300:
            detail = detail.shortened(100) if isinstance(detail, Message) else detail[:300] + "…"
        error = ODataError.query_option(self.option, detail, self.positions.get(id(node)))
        if code is not None:
            error.code = code
        return error

    # entry points ----------------------------------------------------------------------------
    def filter(self, expr: Expr, entity_type: Any) -> Expr:
        result = self.expr(expr, Scope(entity_type))
        if type_category(type_of(result)) != "bool":
            raise self.error(expr, Message("the expression must be boolean, not {type}", type=type_of(result)))
        return result

    def orderby(self, items: tuple[OrderBy, ...], entity_type: Any) -> tuple[OrderBy, ...]:
        result = []
        for item in items:
            expr = self.expr(item.expr, Scope(entity_type))
            if type_category(type_of(expr)) in ("collection", "null") or type_of(expr) == TYPE_DESCRIPTION:
                raise self.error(item.expr, Message("cannot order by a value of type {type}", type=type_of(expr)))
            result.append(replace(item, expr=expr))
        return tuple(result)

    def select(self, items: tuple[SelectItem, ...], entity_type: Any) -> tuple[SelectItem, ...]:
        for item in items:
            self._select_item(item, entity_type)
        return tuple(items)

    def expand(self, items: tuple[ExpandItem, ...], entity_type: Any) -> tuple[ExpandItem, ...]:
        for item in items:
            self._expand_item(item, entity_type)
        return tuple(items)

    # expressions -----------------------------------------------------------------------------
    def expr(self, expr: Expr, scope: Scope) -> Expr:
        if isinstance(expr, Literal):
            if expr.edm_type in ("Edm.Time", "Edm.Binary"):
                # No 1C attribute has these types: such literals compare with nothing (and the
                # SQL stores have no representation for them).
                raise self.error(expr, Message("literals of type {edm_type} cannot be used here",
                                               edm_type=expr.edm_type))
            return expr
        if isinstance(expr, Member):
            member = self.member(expr, scope)
            last = member.resolved[-1] if member.resolved else None
            if isinstance(last, NavigationProperty):
                # A bare navigation property is an object, not a value (the SQL has no column
                # for it): its reference is the X_Key property.
                raise self.error(expr, Message("the navigation property {name} is not a value; "
                                               "use {key_property} (or {name}/<property>)",
                                               name=last.name, key_property=last.key_property))
            return member
        if isinstance(expr, Binary):
            return self.binary(expr, scope)
        if isinstance(expr, Unary):
            return self.unary(expr, scope)
        if isinstance(expr, Call):
            return self.call(expr, scope)
        if isinstance(expr, Lambda):
            return self.lambda_(expr, scope)
        raise self.error(expr, Message("unexpected expression {expr!r}", expr=expr))  # pragma: no cover

    def member(self, member: Member, scope: Scope) -> Member:
        base = None
        resolved: list[Any] = []
        segments = member.path
        if member.base is not None:
            self.nested(member)
            try:
                base = self.expr(member.base, scope)
            finally:
                self.subqueries -= 1
            current = self.entity_type_named(type_of(base))
            if current is None:
                raise self.error(member, Message("a path can follow only a cast to an entity type"))
        elif member.variable is not None:
            current = scope.variable(member.variable)
            if current is None:
                raise self.error(member, Message("unknown lambda variable {variable}", variable=member.variable))
            resolved.append(None)
            segments = segments[1:]
            if not segments:
                raise self.error(member, Message("the lambda variable {variable} needs a property",
                                                 variable=member.variable))
        else:
            current = scope.root
        edm_type = None
        for index, name in enumerate(segments):
            last = index == len(segments) - 1
            if current is None:
                raise self.error(member, Message("{previous} is not a navigation property, so {name} cannot follow it",
                                                 previous=segments[index - 1], name=name))
            prop = current.property(name)
            nav = None if prop is not None else navigation(self.model, current, name)
            if prop is not None:
                resolved.append(prop)
                edm_type = property_type(prop)
                current = None
            elif nav is not None:
                resolved.append(nav)
                edm_type = f"{NAMESPACE}.{nav.target_set}"
                current = self.model.entity_set(nav.target_set).entity_type
            else:
                raise self.error(member, Message("{entity} has no property {name}", entity=current.name, name=name))
            if prop is not None and prop.role == TABULAR and not last:
                raise self.error(member, Message("the tabular section {name} can be used only with any/all",
                                                 name=name))
        return replace(member, base=base, type=edm_type, resolved=tuple(resolved))

    def entity_type_named(self, edm_type: str | None) -> Any:
        if not edm_type or not edm_type.startswith(NAMESPACE + "."):
            return None
        entity_set = self.model.entity_set(edm_type[len(NAMESPACE) + 1:])
        return entity_set.entity_type if entity_set is not None else None

    def unary(self, expr: Unary, scope: Scope) -> Unary:
        operand = self.expr(expr.operand, scope)
        category = type_category(type_of(operand))
        if expr.op == "not":
            if category not in ("bool", "null"):
                raise self.error(expr, Message("not needs a boolean operand, not {type}", type=type_of(operand)))
            return replace(expr, operand=operand, type="Edm.Boolean")
        if category not in NUMERIC and category != "null":
            raise self.error(expr, Message("unary minus needs a number, not {type}", type=type_of(operand)))
        return replace(expr, operand=operand, type=type_of(operand))

    def binary(self, expr: Binary, scope: Scope) -> Binary:
        left = self.expr(expr.left, scope)
        right = self.expr(expr.right, scope)
        lt, rt = type_of(left), type_of(right)
        lc, rc = type_category(lt), type_category(rt)
        op = expr.op
        if op in ("and", "or"):
            for side, category, edm in ((expr.left, lc, lt), (expr.right, rc, rt)):
                if category not in ("bool", "null"):
                    raise self.error(side if category else expr, Message("{op} needs boolean operands, not {edm}",
                                                                         op=op, edm=edm))
            return replace(expr, left=left, right=right, type="Edm.Boolean")
        if op in ("eq", "ne", "gt", "ge", "lt", "le"):
            self.check_comparison(expr, left, right)
            return replace(expr, left=left, right=right, type="Edm.Boolean")
        for category, edm in ((lc, lt), (rc, rt)):
            if category not in NUMERIC and category != "null":
                raise self.error(expr, Message("{op} needs numbers, not {edm}", op=op, edm=edm))
        return replace(expr, left=left, right=right, type=arithmetic_type(op, lt, rt))

    def check_comparison(self, expr: Binary, left: Expr, right: Expr) -> None:
        lt, rt = type_of(left), type_of(right)
        lc, rc = type_category(lt), type_category(rt)
        if "collection" in (lc, rc):
            raise self.error(expr, Message("a tabular section cannot be compared (use any/all)"))
        if expr.op not in ("eq", "ne"):
            for category, edm in ((lc, lt), (rc, rt)):
                if category in ("guid", "entity", "binary"):
                    raise self.error(expr, Message("{op} cannot compare values of type {edm} "
                                                   "(references support only eq and ne)",
                                                   op=expr.op, edm=edm))
        # §5.2: a composite compared with anything is valid (with a bare guid it is just false).
        if is_composite(left) or is_composite(right) or "null" in (lc, rc):
            return
        if lc == rc or (lc in NUMERIC and rc in NUMERIC):
            return
        if {lc, rc} <= {"guid", "entity"} or {lc, rc} == {"datetime", "datetimeoffset"}:
            return
        raise self.error(expr, Message("cannot compare {lt} with {rt}", lt=lt, rt=rt))

    def call(self, call: Call, scope: Scope) -> Call:
        args = tuple(self.cast_source(arg, scope) if call.name in ("cast", "isof") and index == 0
                     else self.expr(arg, scope) for index, arg in enumerate(call.args))
        try:
            result_type = check_call(call.name, args, self.model, is_composite)
        except LookupError as exc:
            raise self.error(call, exc.args[0], BAD_FUNCTION) from None
        except ValueError as exc:  # wrong number or types of arguments: code 21 (§9.2)
            raise self.error(call, exc.args[0], BAD_FUNCTION) from None
        return replace(call, args=args, type=result_type)

    def cast_source(self, expr: Expr, scope: Scope) -> Expr:
        """§5.2 chains cast a reference: ``cast(cast(Basis,'Document_Y')/Warehouse,'Catalog_Z')``;
        a bare navigation property there stands for its reference ``Warehouse_Key``."""
        if isinstance(expr, Member):
            member = self.member(expr, scope)
            last = member.resolved[-1] if member.resolved else None
            if isinstance(last, NavigationProperty):
                return self.member(replace(expr, path=expr.path[:-1] + (last.key_property,)), scope)
        return self.expr(expr, scope)

    def lambda_(self, expr: Lambda, scope: Scope) -> Lambda:
        if expr.kind not in ("any", "all"):
            raise self.error(expr, Message("unknown lambda function {kind} (only any and all)",
                                           kind=expr.kind), BAD_FUNCTION)
        collection = self.member(expr.collection, scope)
        prop = collection.resolved[-1]
        if not isinstance(prop, Property) or prop.role != TABULAR or prop.row_type is None:
            raise self.error(expr, Message("{kind} applies only to tabular sections, not to {path}",
                                           kind=expr.kind, path='/'.join(expr.collection.path)))
        if expr.predicate is None:
            if expr.kind == "all":
                raise self.error(expr, Message("all needs a predicate"))
            return replace(expr, collection=collection)
        inner = Scope(scope.root, scope.variables + ((expr.variable, prop.row_type),))
        self.nested(expr)
        try:
            predicate = self.expr(expr.predicate, inner)
        finally:
            self.subqueries -= 1
        if type_category(type_of(predicate)) != "bool":
            raise self.error(expr, Message("the {kind} predicate must be boolean", kind=expr.kind))
        return replace(expr, collection=collection, predicate=predicate)

    # $select / $expand ----------------------------------------------------------------------
    def _select_item(self, item: SelectItem, scope: Any) -> None:
        *heads, last = item.path
        composite: Property | None = None
        for index, name in enumerate(heads):
            if composite is not None:  # §5.1: Comp/Document_Y/Field: this segment names the type
                target = self.model.set_for_object(name)
                if name not in composite_targets(composite) or target is None:
                    raise self.error(item, Message("{name} is not a published type of {composite}",
                                                   name=name, composite=composite.name))
                scope, composite = target.entity_type, None
                continue
            prop = scope.property(name)
            nav = None if prop is not None else navigation(self.model, scope, name)
            if nav is not None:
                scope = self.model.entity_set(nav.target_set).entity_type
            elif prop is not None and prop.role == TABULAR and index == len(heads) - 1:
                scope = prop.row_type
            elif prop is not None and prop.role == COMPOSITE:
                composite = prop
            else:
                raise self.error(item, Message("{name} cannot be followed by a path in $select", name=name))
        if composite is not None:
            raise self.error(item, Message("the composite attribute {name} must be followed by "
                                           "a type name and a field",
                                           name=composite.name))
        if last in ("*", "**", "*" + PRESENTATION, "Presentation"):
            return
        if last.endswith(PRESENTATION):
            base = last[: -len(PRESENTATION)]
            prop = scope.property(base) or scope.property(f"{base}_Key")
            if (prop is not None and prop.role != TABULAR) or navigation(self.model, scope, base):
                return
            raise self.error(item, Message("{scope} has no attribute {base}",
                                           scope=getattr(scope, 'name', ''), base=base))
        if scope.property(last) is None and navigation(self.model, scope, last) is None:
            raise self.error(item, Message("{scope} has no property {last}",
                                           scope=getattr(scope, 'name', ''), last=last))

    def _expand_item(self, item: ExpandItem, scope: Any) -> None:
        depth = 0
        path = item.path
        index = 0
        while index < len(path):
            name = path[index]
            depth += 1
            if depth > self.limits.max_expand_depth:
                raise self.error(item, Message("$expand deeper than {limit} levels",
                                               limit=self.limits.max_expand_depth))
            if name == "*":
                if index != len(path) - 1:
                    raise self.error(item, Message("* must be the last segment of an $expand path"))
                return
            prop = scope.property(name)
            nav = None if prop is not None else navigation(self.model, scope, name)
            if nav is not None:
                scope = self.model.entity_set(nav.target_set).entity_type
            elif prop is not None and prop.role == COMPOSITE:
                # §5.1: a composite is expanded through a type segment: Comp/Document_Y[/...]
                if index + 1 >= len(path) or path[index + 1] not in composite_targets(prop):
                    raise self.error(item, Message("the composite attribute {name} must be followed by "
                                                   "one of its reference types",
                                                   name=name))
                index += 1
                target = self.model.set_for_object(path[index])
                if target is None:
                    raise self.error(item, Message("{path} is not published", path=path[index]))
                scope = target.entity_type
            elif prop is not None and prop.role == TABULAR:
                raise self.error(item, Message("the tabular section {name} cannot be expanded", name=name))
            elif prop is not None:
                raise self.error(item, Message("{name} is not a navigation property", name=name))
            else:
                raise self.error(item, Message("{scope} has no navigation property {name}",
                                               scope=getattr(scope, 'name', ''), name=name))
            index += 1


def composite_targets(prop: Property) -> set[str]:
    value_type = prop.value_type
    if not isinstance(value_type, Composite):
        return set()
    return {t.object_id for t in value_type.types if isinstance(t, Ref) and not t.is_enum}


def arithmetic_type(op: str, left: str | None, right: str | None) -> str:
    types = {t for t in (left, right) if t and t != "Null"}
    if op == "div" or any(type_category(t) == "decimal" for t in types):
        return "Edm.Decimal"  # 1C numbers are exact decimals: 7 div 2 = 3.5
    return "Edm.Int64" if "Edm.Int64" in types else "Edm.Int32"
