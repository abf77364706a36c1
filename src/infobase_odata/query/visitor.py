"""Parse trees of :mod:`grammar` to the frozen AST of :mod:`ast`, without model checks.

    >>> parse_tree("filter", "Price gt 10").expr
    Binary(op='gt', left=Member(path=('Price',), ...), right=Literal(value=10, ...))

``positions`` maps ``id(node)`` of every AST node built to its character offset in the text, so
validation can report where a problem is.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from parsimonious.exceptions import ParseError, VisitationError
from parsimonious.nodes import Node, NodeVisitor

from ..i18n import Message
from .ast import (Binary, Call, ExpandItem, Expr, KeyValue, Lambda, Literal, Member, OrderBy,
                  SelectItem, Unary)
from .grammar import GRAMMAR
from .literals import LiteralError, decode_literal


class SyntaxProblem(ValueError):
    """The text does not match the grammar, or a literal is malformed, at ``position``."""

    def __init__(self, message: str, position: int, literal: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.literal = literal


@dataclass
class Parsed:
    value: Any
    positions: dict[int, int] = field(default_factory=dict)
    nodes: int = 0


_LITERAL_KINDS = frozenset(
    ["null", "boolean", "guid", "datetimeoffset", "datetime", "time", "binary", "string", "number"])


def _first(children: list) -> Any:
    return children[0] if children else None


class AstBuilder(NodeVisitor):
    unwrapped_exceptions = (SyntaxProblem,)

    def __init__(self) -> None:
        self.positions: dict[int, int] = {}
        self.nodes = 0

    def _at(self, node: Any, pos: int) -> Any:
        self.positions[id(node)] = pos
        self.nodes += 1
        return node

    def generic_visit(self, node: Node, visited_children: list) -> Any:
        return visited_children or node

    # entry rules -----------------------------------------------------------------------------
    def visit_filter(self, node, children):
        return children[1]

    def visit_literal_only(self, node, children):
        return children[1]

    def visit_orderby(self, node, children):
        first, rest = children[1], children[2]
        return (first, *(item[3] for item in rest)) if isinstance(rest, list) else (first,)

    def visit_order_item(self, node, children):
        expr, direction = children
        descending = isinstance(direction, list) and direction[0][1].text == "desc"
        return OrderBy(expr, descending)

    def _items(self, node, children):
        first, rest = children[1], children[2]
        return (first, *(item[3] for item in rest)) if isinstance(rest, list) else (first,)

    visit_select = visit_expand = _items

    def _path_item(self, node, children, cls):
        first, rest = children
        segments = [first] + ([item[1] for item in rest] if isinstance(rest, list) else [])
        return self._at(cls(tuple(segments)), node.start)

    def visit_select_item(self, node, children):
        return self._path_item(node, children, SelectItem)

    def visit_expand_item(self, node, children):
        return self._path_item(node, children, ExpandItem)

    def visit_select_seg(self, node, children):
        return node.text

    visit_expand_seg = visit_select_seg

    def visit_key_predicate(self, node, children):
        body = children[1][0]
        if isinstance(body, Literal):
            return (KeyValue(None, body),)
        return tuple(body)

    def visit_named_values(self, node, children):
        first, rest = children
        return [first] + ([item[3] for item in rest] if isinstance(rest, list) else [])

    def visit_named_value(self, node, children):
        return KeyValue(children[0], children[4])

    def visit_parameters(self, node, children):
        body = children[1]
        return [] if not isinstance(body, list) else self.visit_named_values(node, body[0])

    def visit_parameter(self, node, children):
        return KeyValue(children[0], children[4])

    def visit_param_value(self, node, children):
        return children[0]

    def visit_strict_param(self, node, children):
        return children[0]

    def visit_loose_string(self, node, children):
        # §6: Condition='X eq guid'…'' with the inner quotes not doubled.
        return self._at(Literal(node.text[1:-1], "Edm.String"), node.start)

    # expressions -----------------------------------------------------------------------------
    def _binary(self, node, children):
        left, rest = children
        if not isinstance(rest, list):
            return left
        for _ws, op, _ws2, right in rest:
            left = self._at(Binary(op.text, left, right), op.start)
        return left

    visit_expr = visit_and_expr = visit_eq_expr = visit_rel_expr = _binary
    visit_add_expr = visit_mul_expr = _binary

    def visit_unary_expr(self, node, children):
        return children[0]

    def visit_primary(self, node, children):
        value = children[0]
        if isinstance(value, tuple):  # a bare property path
            return self._at(Member(value), node.start)
        return value

    def visit_not_expr(self, node, children):
        return self._at(Unary("not", children[2]), node.start)

    def visit_neg_expr(self, node, children):
        return self._at(Unary("-", children[3]), node.start)

    def visit_paren(self, node, children):
        return children[2]

    def visit_call(self, node, children):
        name, _ws, _lp, _ws2, args, _ws3, _rp, path = children
        arguments = tuple(args[0]) if isinstance(args, list) else ()
        call = self._at(Call(name.text, arguments), node.start)
        if isinstance(path, list):
            segments = tuple(item[1] for item in path[0])
            return self._at(Member(segments, base=call), node.start)
        return call

    def visit_arguments(self, node, children):
        first, rest = children
        return [first] + ([item[3] for item in rest] if isinstance(rest, list) else [])

    def visit_lambda(self, node, children):
        path, _slash, kind, _ws, _lp, _ws2, body, _ws3, _rp = children
        collection = self._at(Member(path), node.start)
        variable = predicate = None
        if isinstance(body, list):
            variable, predicate = body[0]
            predicate = self._bind(predicate, variable)
        return self._at(Lambda(collection, kind.text, variable, predicate), kind.start)

    def visit_lambda_body(self, node, children):
        return children[0], children[4]

    def visit_path(self, node, children):
        first, rest = children
        return (first, *(item[1] for item in rest)) if isinstance(rest, list) else (first,)

    def visit_segment(self, node, children):
        return children[1]

    def visit_identifier(self, node, children):
        return node.text

    def visit_literal(self, node, children):
        leaf = node.children[0]
        try:
            value = decode_literal(leaf.expr_name, leaf.text)
        except LiteralError as exc:
            raise SyntaxProblem(exc.message, node.start + exc.offset, literal=True) from None
        return self._at(value, node.start)

    # lambda variables ------------------------------------------------------------------------
    def _bind(self, expr: Expr, variable: str) -> Expr:
        """Mark members ``variable/...`` inside a lambda predicate (not shadowed)."""
        pos = self.positions.get(id(expr), 0)
        new: Expr
        if isinstance(expr, Member):
            base = self._bind(expr.base, variable) if expr.base is not None else None
            if base is None and expr.variable is None and expr.path[0] == variable:
                new = dataclasses.replace(expr, variable=variable)
            elif base is not expr.base:
                new = dataclasses.replace(expr, base=base)
            else:
                return expr
        elif isinstance(expr, Binary):
            new = dataclasses.replace(expr, left=self._bind(expr.left, variable),
                                      right=self._bind(expr.right, variable))
        elif isinstance(expr, Unary):
            new = dataclasses.replace(expr, operand=self._bind(expr.operand, variable))
        elif isinstance(expr, Call):
            new = dataclasses.replace(expr, args=tuple(self._bind(a, variable) for a in expr.args))
        elif isinstance(expr, Lambda):
            collection = self._bind(expr.collection, variable)
            predicate = expr.predicate
            if predicate is not None and expr.variable != variable:
                predicate = self._bind(predicate, variable)
            new = dataclasses.replace(expr, collection=collection, predicate=predicate)
        else:
            return expr
        self.positions[id(new)] = pos
        return new


def parse_tree(rule: str, text: str) -> Parsed:
    """Parse ``text`` with entry rule ``rule``; raise :class:`SyntaxProblem` on failure."""
    expression = GRAMMAR[rule]
    error = ParseError(text)
    node = expression.match_core(text, 0, defaultdict(dict), error)
    if node is None or node.end < len(text):
        position = max(error.pos, node.end if node is not None else 0)
        raise SyntaxProblem(_describe(text, position), position)
    builder = AstBuilder()
    try:
        value = builder.visit(node)
    except (VisitationError, RecursionError) as exc:  # never a 500 for hostile input
        raise SyntaxProblem(Message("cannot parse the text: {error}", error=type(exc).__name__), 0) from None
    return Parsed(value, builder.positions, builder.nodes)


def _describe(text: str, position: int) -> str:
    rest = text[position:position + 20]
    if not rest:
        return Message("unexpected end of text")
    if rest.startswith("in ") or rest.startswith("in("):
        return Message("the operator 'in' is not supported")
    if re.match(r"-?[0-9]+(\.[0-9]+)?[eE]", rest):
        return Message("exponent notation is not supported near '{rest}'", rest=rest)  # §2: plain decimals only
    return Message("syntax error near '{rest}'", rest=rest)
