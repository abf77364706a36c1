"""The query AST: frozen dataclasses with Python values on literals.

The parser (``parser.py``) builds these nodes from URL text; validation against the model
fills in ``type`` and ``resolved``; each backend (``evaluate.py`` in Python,
``providers/sql.py`` for SQLite) is one visitor over them::

    >>> Binary("le", Member(("Price",)), Literal(Decimal("3.5"), "Edm.Decimal"))
    Binary(op='le', left=Member(path=('Price',), ...), right=Literal(...))

Value conventions on ``Literal.value`` (the same as entity values from providers):
  Edm.String -> str, Edm.Guid -> str (lowercase canonical), Edm.Int16/32/64 -> int,
  Edm.Decimal/Edm.Double/Edm.Single -> Decimal, Edm.Boolean -> bool,
  Edm.DateTime -> datetime.datetime (naive), Edm.DateTimeOffset -> aware datetime,
  Edm.Time -> datetime.timedelta, Edm.Binary -> bytes, null -> None with edm_type "Null".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Literal:
    """A literal value and its Edm type."""

    value: Any
    edm_type: str  # "Edm.String", "Edm.Guid", ..., or "Null"


@dataclass(frozen=True)
class Member:
    """A property path: ``Price``, ``Unit/Description``, ``d/Price`` inside a lambda
    (``variable="d"``), or a path applied to an expression (``cast(X,'Catalog_Y')/Name``,
    ``base`` set).  After validation ``resolved`` holds, per segment, the model object it names
    (a ``model.Property`` or ``model.NavigationProperty``) and ``type`` the result type."""

    path: tuple[str, ...]
    variable: str | None = None
    base: "Expr | None" = None
    type: str | None = field(default=None, compare=False)
    resolved: tuple[Any, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Unary:
    """``not x`` or ``-x``."""

    op: str  # "not" or "-"
    operand: "Expr"
    type: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Binary:
    """``left op right``."""

    op: str  # eq ne gt ge lt le and or add sub mul div mod
    left: "Expr"
    right: "Expr"
    type: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Call:
    """A function call: ``startswith(Description,'A')``, ``cast(X,'Catalog_Y')``, ``like(...)``.
    Type-name arguments of ``cast``/``isof`` stay ``Literal(str, "Edm.String")``."""

    name: str
    args: tuple["Expr", ...]
    type: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Lambda:
    """``Goods/any(d: d/Price gt 10)``; ``any()`` has ``variable`` and ``predicate`` None."""

    collection: Member
    kind: str  # "any" or "all"
    variable: str | None
    predicate: "Expr | None"
    type: str | None = field(default="Edm.Boolean", compare=False)


Expr = Union[Literal, Member, Unary, Binary, Call, Lambda]


@dataclass(frozen=True)
class OrderBy:
    """One ``$orderby`` item."""

    expr: Expr
    descending: bool = False


@dataclass(frozen=True)
class SelectItem:
    """One ``$select`` item as path segments: ``("*",)``, ``("**",)``, ``("Goods", "Price")``,
    ``("Unit", "*")``, ``("Customer____Presentation",)``, ``("*____Presentation",)``."""

    path: tuple[str, ...]


@dataclass(frozen=True)
class ExpandItem:
    """One ``$expand`` path: ``("Unit",)``, ``("Unit", "Parent")``, ``("*",)``, ``("Unit", "*")``,
    composite ``("Basis", "Document_SalesOrder", "Customer")``."""

    path: tuple[str, ...]


@dataclass(frozen=True)
class KeyValue:
    """One part of a key predicate: ``name`` is None for the unnamed single-key form."""

    name: str | None
    value: Literal


@dataclass(frozen=True)
class QueryOptions:
    """The parsed system query options of one request."""

    filter: Expr | None = None
    orderby: tuple[OrderBy, ...] = ()
    select: tuple[SelectItem, ...] = ()
    expand: tuple[ExpandItem, ...] = ()
    top: int | None = None
    skip: int | None = None
    inlinecount: bool = False
    allowed_only: bool = False
    skiptoken: str | None = None
    after_key: str | None = None  # keyset paging in insertion order: rows after this Ref_Key
    format: str | None = None  # the raw $format text; negotiation interprets it
    custom: tuple[tuple[str, str], ...] = ()  # non-$ options (virtual-table parameters, ...)
