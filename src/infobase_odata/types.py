"""Value types of the applied solution's attributes (1C "type qualifiers").

A type is declared in Python with these frozen dataclasses, or in a configuration file with the
same text the 1C Designer shows::

    >>> parse_type("Number(15,2)")
    Number(digits=15, scale=2, nonnegative=False)
    >>> parse_type(["String(10)", "CatalogRef.Goods"]).types[1]
    Ref(target='CatalogRef.Goods')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

# Reference type prefixes (English names of the platform's ...Ref types) -> entity-set prefix.
REF_KINDS: dict[str, str] = {
    "CatalogRef": "Catalog",
    "DocumentRef": "Document",
    "EnumRef": "Enum",
    "ExchangePlanRef": "ExchangePlan",
    "ChartOfAccountsRef": "ChartOfAccounts",
    "ChartOfCalculationTypesRef": "ChartOfCalculationTypes",
    "ChartOfCharacteristicTypesRef": "ChartOfCharacteristicTypes",
    "BusinessProcessRef": "BusinessProcess",
    "TaskRef": "Task",
}


class ConfigurationError(ValueError):
    """The declared configuration is inconsistent; the message names the offending place."""


@dataclass(frozen=True)
class String:
    """Строка: ``length`` 0 is unlimited."""

    length: int = 0  # 0 = unlimited
    fixed: bool = False  # fixed-length strings are padded with spaces (reference §3.1)

    def __post_init__(self) -> None:
        if self.length < 0:
            raise ConfigurationError(f"String length must be >= 0, not {self.length}")


@dataclass(frozen=True)
class Number:
    """Число: ``digits`` in all, ``scale`` of them after the point."""

    digits: int = 10
    scale: int = 0
    nonnegative: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.digits <= 38:
            raise ConfigurationError(f"Number digits must be 1..38, not {self.digits}")
        if not 0 <= self.scale <= self.digits:
            raise ConfigurationError(f"Number scale must be 0..digits, not {self.scale}")


@dataclass(frozen=True)
class Date:
    """Дата: ``parts`` is date, time or datetime."""

    parts: str = "datetime"  # "date", "time" or "datetime" (1C "Состав даты")
    # The Period of a periodic information register: written values are truncated to the start
    # of their second, day, month, quarter or year ("" for any other date).
    period: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.parts not in ("date", "time", "datetime"):
            raise ConfigurationError(f"Date parts must be date, time or datetime, not {self.parts!r}")


@dataclass(frozen=True)
class Boolean:
    """Булево."""


@dataclass(frozen=True)
class Uuid:
    """УникальныйИдентификатор."""


@dataclass(frozen=True)
class TypeDescription:
    """ОписаниеТипов, the ``ValueType`` of a characteristic type: published as the complex type
    ``StandardODATA.TypeDescription`` whose ``Types`` lists 1C type names (structure UNCONFIRMED,
    §3.1): ``{"Types": "Number(15,2), CatalogRef.Goods"}``."""


@dataclass(frozen=True)
class ValueStorage:
    """ХранилищеЗначения: published as ``X_Base64Data`` (Edm.Binary) + ``X_Type`` (§3.1)."""


@dataclass(frozen=True)
class Ref:
    """A reference to an object of the configuration: ``CatalogRef.Goods``, ``EnumRef.Kinds``."""

    target: str

    def __post_init__(self) -> None:
        kind, _, name = self.target.partition(".")
        if kind not in REF_KINDS or not name:
            raise ConfigurationError(
                f"unknown reference type {self.target!r}; expected one of "
                + ", ".join(f"{k}.<Name>" for k in REF_KINDS)
            )

    @property
    def kind(self) -> str:
        return REF_KINDS[self.target.partition(".")[0]]

    @property
    def name(self) -> str:
        return self.target.partition(".")[2]

    @property
    def object_id(self) -> str:
        """The target's id in the configuration and its entity-set name: ``Catalog_Goods``."""
        return f"{self.kind}_{self.name}"

    @property
    def is_enum(self) -> bool:
        return self.kind == "Enum"


@dataclass(frozen=True)
class Composite:
    """A composite type (составной тип): one value of any of ``types``."""

    types: tuple["ValueType", ...]

    def __post_init__(self) -> None:
        if len(self.types) < 2:
            raise ConfigurationError("a composite type needs at least two types")
        if any(isinstance(t, Composite) for t in self.types):
            raise ConfigurationError("composite types cannot nest")


ValueType = Union[String, Number, Date, Boolean, Uuid, ValueStorage, TypeDescription, Ref, Composite]

_SIMPLE = re.compile(r"^\s*(\w+)\s*(?:\(([^)]*)\))?\s*$")


def parse_type(spec: "str | list | tuple | ValueType") -> ValueType:
    """Parse ``"String(100)"``, ``"Number(15,2,nonnegative)"``, ``"Date"``, ``"DateTime"``,
    ``"Time"``, ``"Boolean"``, ``"UUID"``, ``"CatalogRef.Goods"`` or a list of them (composite)."""
    if isinstance(spec, (String, Number, Date, Boolean, Uuid, ValueStorage, Ref, Composite)):
        return spec
    if isinstance(spec, (list, tuple)):
        return Composite(tuple(parse_type(item) for item in spec))
    if not isinstance(spec, str):
        raise ConfigurationError(f"a type must be a string or a list of strings, not {spec!r}")
    if "." in spec:
        return Ref(spec.strip())
    match = _SIMPLE.match(spec)
    if not match:
        raise ConfigurationError(f"cannot read type {spec!r}")
    name, raw_args = match.group(1), match.group(2)
    args = [a.strip() for a in raw_args.split(",")] if raw_args not in (None, "") else []
    try:
        if name == "String":
            return String(int(args[0]) if args else 0, fixed="fixed" in args[1:])
        if name == "Number":
            flags = args[2:]
            return Number(
                int(args[0]) if args else 10,
                int(args[1]) if len(args) > 1 else 0,
                nonnegative="nonnegative" in flags,
            )
    except ValueError as exc:
        raise ConfigurationError(f"cannot read type {spec!r}: {exc}") from None
    if args:
        raise ConfigurationError(f"type {name} takes no arguments: {spec!r}")
    simple = {
        "Date": Date("date"),
        "DateTime": Date("datetime"),
        "Time": Date("time"),
        "Boolean": Boolean(),
        "UUID": Uuid(),
        "ValueStorage": ValueStorage(),
    }
    if name not in simple:
        raise ConfigurationError(
            f"unknown type {spec!r}; expected String, Number, Date, DateTime, Time, Boolean, "
            "UUID, ValueStorage, a reference such as CatalogRef.Goods, or a list of these"
        )
    return simple[name]


def format_type(value_type: ValueType) -> "str | list[str]":
    """The inverse of :func:`parse_type` (used to write configurations back to JSON)."""
    if isinstance(value_type, Composite):
        return [format_type(t) for t in value_type.types]  # type: ignore[misc]
    if isinstance(value_type, String):
        return f"String({value_type.length}{',fixed' if value_type.fixed else ''})"
    if isinstance(value_type, Number):
        flag = ",nonnegative" if value_type.nonnegative else ""
        return f"Number({value_type.digits},{value_type.scale}{flag})"
    if isinstance(value_type, Date):
        return {"date": "Date", "datetime": "DateTime", "time": "Time"}[value_type.parts]
    if isinstance(value_type, Boolean):
        return "Boolean"
    if isinstance(value_type, Uuid):
        return "UUID"
    if isinstance(value_type, ValueStorage):
        return "ValueStorage"
    if isinstance(value_type, TypeDescription):
        return "TypeDescription"  # a standard property's type, never declared
    return value_type.target
