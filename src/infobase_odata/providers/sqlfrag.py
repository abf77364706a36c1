"""The pieces of compiled SQL shared by the compiler (``sql.py``) and its function calls
(``sqlcalls.py``): a fragment with its static kind, a table scope, the compile error::

    Frag('"t0"."Price"', INT, scale=2, digits=15)
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import model as m
from ..errors import InvalidQuery
from ..i18n import Message

TYPED = "typed"  # a composite: sql = value text, type_sql = its X_Type
NULL = "null"
ROWS = "rows"  # a tabular section (only inside lambdas)


class CompileError(InvalidQuery, ValueError):
    """The expression cannot run in SQL. The validation (``query/validate.py``) refuses every
    such input first; should one slip through, it is the client's query that the store cannot
    answer, 400 code 14 (an :class:`~infobase_odata.errors.InvalidQuery`), never a 500."""

    def __init__(self, detail: str, option: str = "$filter") -> None:
        super().__init__(option, Message("the expression cannot be run by this data store: {detail}", detail=detail))


@dataclass
class Frag:
    """A SQL fragment, its kind and scale."""

    sql: str
    kind: str
    scale: int = 0
    digits: int = 0
    type_sql: str | None = None  # TYPED only
    edm_type: str | None = None  # the EDM type a plain value would have inside a composite
    ref_target: str | None = None  # a REF column: the object id it references
    target_set: str | None = None  # TYPED from cast(X,'<EntitySet>'): the set a path continues in
    owner: "Scope | None" = None  # ROWS: the scope owning the tabular section
    prop: m.Property | None = None  # ROWS: the tabular-section property

    @property
    def int_digits(self) -> int:
        return max(self.digits - self.scale, 0)


@dataclass
class Scope:
    """The table alias and type an expression's names refer to."""

    alias: str
    entity_type: m.ComplexType
