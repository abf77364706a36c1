"""Filter functions: argument checks and result types (reference §5.2).

1C's set (``like``, ``dateadd``, ``datedifference``, ``cast``/``isof`` with 1C type names) plus
the standard v3 functions 1C lacks (DESIGN.md)::

    >>> check_call("startswith", (description_member, Literal("A", "Edm.String")), model, ...)
    'Edm.Boolean'
"""

from __future__ import annotations

from typing import Any, Callable

from ..i18n import Message
from ..model import NAMESPACE
from .ast import Expr, Literal

_CATEGORIES = {
    "Edm.String": "string", "Edm.Boolean": "bool", "Edm.Guid": "guid", "Edm.Binary": "binary",
    "Edm.DateTime": "datetime", "Edm.DateTimeOffset": "datetimeoffset", "Edm.Time": "time",
    "Edm.Byte": "int", "Edm.SByte": "int", "Edm.Int16": "int", "Edm.Int32": "int", "Edm.Int64": "int",
    "Edm.Decimal": "decimal", "Edm.Double": "decimal", "Edm.Single": "decimal", "Null": "null",
}

DATE_UNITS = ("second", "minute", "hour", "day", "month", "quarter", "year")

# §5.2: 1C primitive type names in cast/isof, plus EDM names for generic v3 clients.
PRIMITIVE_TYPES = {
    "String": "Edm.String", "Number": "Edm.Decimal", "Boolean": "Edm.Boolean", "Date": "Edm.DateTime",
    **{name: name for name in _CATEGORIES if name != "Null"},
}

# name -> (allowed argument kind tuples, result type); "num" results follow the argument.
_SIGNATURES: dict[str, tuple[tuple[tuple[str, ...], ...], str]] = {
    "substringof": ((("string", "string"),), "Edm.Boolean"),
    "startswith": ((("string", "string"),), "Edm.Boolean"),
    "endswith": ((("string", "string"),), "Edm.Boolean"),
    "like": ((("string", "string"),), "Edm.Boolean"),
    "substring": ((("string", "int"), ("string", "int", "int")), "Edm.String"),
    "concat": ((("string", "string"), ("string", "string", "string")), "Edm.String"),
    "length": ((("string",),), "Edm.Int32"),
    "indexof": ((("string", "string"),), "Edm.Int32"),
    "replace": ((("string", "string", "string"),), "Edm.String"),
    "tolower": ((("string",),), "Edm.String"),
    "toupper": ((("string",),), "Edm.String"),
    "trim": ((("string",),), "Edm.String"),
    "year": ((("date",),), "Edm.Int32"),
    "month": ((("date",),), "Edm.Int32"),
    "day": ((("date",),), "Edm.Int32"),
    "hour": ((("date",),), "Edm.Int32"),
    "minute": ((("date",),), "Edm.Int32"),
    "second": ((("date",),), "Edm.Int32"),
    "dayofweek": ((("date",),), "Edm.Int32"),
    "dayofyear": ((("date",),), "Edm.Int32"),
    "quarter": ((("date",),), "Edm.Int32"),
    "dateadd": ((("date", "unit", "int"),), "Edm.DateTime"),
    "datedifference": ((("date", "date", "unit"),), "Edm.Int64"),
    "round": ((("num",), ("num", "int")), "num"),
    "floor": ((("num",),), "num"),
    "ceiling": ((("num",),), "num"),
}

FUNCTIONS = frozenset(_SIGNATURES) | {"cast", "isof"}


def type_category(edm_type: str | None) -> str | None:
    if edm_type is None:
        return None
    if edm_type.startswith(NAMESPACE + "."):
        return "entity"
    if edm_type.startswith("Collection("):
        return "collection"
    return _CATEGORIES.get(edm_type)


def _type_of(expr: Expr) -> str | None:
    return expr.edm_type if isinstance(expr, Literal) else getattr(expr, "type", None)


def _fits(kind: str, arg: Expr, composite: bool) -> bool:
    category = type_category(_type_of(arg))
    if category == "null":
        return kind != "unit"
    if kind == "string":
        return category == "string" or composite
    if kind == "int":
        return category == "int"
    if kind == "num":
        return category in ("int", "decimal")
    if kind == "date":
        return category in ("datetime", "datetimeoffset")
    if kind == "unit":
        return isinstance(arg, Literal) and arg.value in DATE_UNITS
    return False  # pragma: no cover


def resolve_type_name(name: Any, model: Any) -> str:
    """``'Catalog_X'``, ``'StandardODATA.Catalog_X'``, ``'String'``, ``'Edm.Int32'`` -> EDM type."""
    if not isinstance(name, str):
        raise ValueError(Message("the type name must be a string literal such as 'Catalog_Goods'"))
    bare = name[len(NAMESPACE) + 1:] if name.startswith(NAMESPACE + ".") else name
    if bare in PRIMITIVE_TYPES:
        return PRIMITIVE_TYPES[bare]
    if model.set_for_object(bare) is not None:
        return f"{NAMESPACE}.{bare}"
    raise ValueError(Message("unknown type '{name}'", name=name))


def check_call(name: str, args: tuple[Expr, ...], model: Any,
               is_composite: Callable[[Expr], bool]) -> str:
    """Result type of ``name(args)``; LookupError for an unknown function, ValueError for misuse."""
    if name in ("cast", "isof"):
        return _cast_or_isof(name, args, model, is_composite)
    if name not in _SIGNATURES:
        raise LookupError(Message("unknown function {name}", name=name))
    variants, result = _SIGNATURES[name]
    for kinds in variants:
        if len(kinds) == len(args) and all(
                _fits(kind, arg, is_composite(arg)) for kind, arg in zip(kinds, args)):
            if result == "num":
                arg_type = _type_of(args[0])
                return "Edm.Decimal" if type_category(arg_type) != "int" else arg_type  # type: ignore[return-value]
            return result
    counts = sorted({len(kinds) for kinds in variants})
    if len(args) not in counts:
        raise ValueError(Message("{name} takes {counts} arguments, not {count}",
                                 name=name, counts="/".join(map(str, counts)), count=len(args)))
    if "unit" in variants[0]:
        raise ValueError(Message("{name}: the unit must be one of {units} as a string literal",
                                 name=name, units=', '.join(DATE_UNITS)))
    given = ", ".join(str(_type_of(arg)) for arg in args)
    wanted = " or ".join("(" + ", ".join(kinds) + ")" for kinds in variants)
    raise ValueError(Message("{name} expects arguments {wanted}, not ({given})",
                             name=name, wanted=wanted, given=given))


def _cast_or_isof(name: str, args: tuple[Expr, ...], model: Any,
                  is_composite: Callable[[Expr], bool]) -> str:
    if not 1 <= len(args) <= 2 or (name == "cast" and len(args) != 2):
        raise ValueError(Message("{name} takes {counts} arguments, not {count}",
                                 name=name, counts="2" if name == "cast" else "1/2", count=len(args)))
    type_arg = args[-1]
    if not isinstance(type_arg, Literal) or type_arg.edm_type != "Edm.String":
        raise ValueError(Message("the last argument of {name} must be a type name in quotes", name=name))
    target = resolve_type_name(type_arg.value, model)
    if len(args) == 2 and target.startswith(NAMESPACE + "."):
        # §5.2: entity casts apply to composites, guids, references and earlier casts.
        source = args[0]
        category = type_category(_type_of(source))
        if not (is_composite(source) or category in ("guid", "entity", "null")):
            raise ValueError(Message("{name} to {value} needs a composite attribute or a guid, not {source}",
                                     name=name, value=type_arg.value, source=_type_of(source)))
    if len(args) == 2 and type_category(_type_of(args[0])) == "collection":
        raise ValueError(Message("{name} cannot be applied to a tabular section", name=name))
    return "Edm.Boolean" if name == "isof" else target
