"""The applied solution's declared metadata: catalogs, documents, enums, constants, registers...

Declared in Python or loaded from a JSON file of the same structure. Names are kept exactly as
written (Cyrillic included): they become entity-set names by the 1C rules in ``model.py``::

    >>> conf = Configuration("trade", [
    ...     Catalog("Units"),
    ...     Catalog("Goods", attributes=[Attribute("Unit", "CatalogRef.Units")]),
    ... ])
    >>> conf.object("Catalog_Goods").attributes[0].type
    Ref(target='CatalogRef.Units')
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Iterable, Mapping

from .config_errors import check_keys, check_unique, read_json
from .types import ConfigurationError, Date, Ref, ValueType, parse_type, Composite

__all__ = [
    "Attribute", "TabularSection", "Catalog", "Document", "Enum", "Constant",
    "ExchangePlan", "ChartOfCharacteristicTypes", "ChartOfAccounts", "ChartOfCalculationTypes",
    "BusinessProcess", "Task", "DocumentJournal", "InformationRegister", "AccumulationRegister",
    "CalculationRegister", "AccountingRegister", "PredefinedItem", "PredefinedAccount", "ACCOUNT_TYPES",
    "Configuration", "ConfigurationError", "load_configuration", "Role", "User", "RIGHTS", "RoutePoint",
]


@dataclass(frozen=True)
class Attribute:
    """An attribute (реквизит), register dimension/resource, or tabular-section column."""

    name: str
    type: ValueType
    column: str | None = None  # existing column this attribute maps to (publishing existing tables)

    def __init__(self, name: str, type: Any, column: str | None = None) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "type", parse_type(type))
        object.__setattr__(self, "column", column)


@dataclass(frozen=True)
class TabularSection:
    """A tabular section (табличная часть) and its columns."""

    name: str
    attributes: tuple[Attribute, ...] = ()

    def __init__(self, name: str, attributes: Iterable[Attribute] = ()) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "attributes", tuple(attributes))


@dataclass(frozen=True, kw_only=True)
class MetadataObject:
    """Common part of every metadata object. ``kind`` is the entity-set prefix."""

    kind = ""
    name: str
    published: bool = True
    synonym: str = ""

    @property
    def object_id(self) -> str:
        """``Catalog_Goods``: the id used in references and the main entity-set name."""
        return f"{self.kind}_{self.name}"


@dataclass(frozen=True, kw_only=True)
class ReferenceObject(MetadataObject):
    """Objects addressed by ``Ref_Key`` (catalogs, documents, charts, exchange plans, ...)."""

    attributes: tuple[Attribute, ...] = ()
    tabular_sections: tuple[TabularSection, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", tuple(self.attributes))
        object.__setattr__(self, "tabular_sections", tuple(self.tabular_sections))


@dataclass(frozen=True, kw_only=True)
class Catalog(ReferenceObject):
    """A catalog (справочник): codes, descriptions, optional hierarchy and owners."""

    kind = "Catalog"
    code_length: int = 9
    code_type: str = "String"  # "String" or "Number"
    description_length: int = 25
    hierarchical: bool = False
    hierarchy: str = "folders_and_items"  # or "items"
    owners: tuple[str, ...] = ()  # CatalogRef.X / ... of the owners (subordinate catalogs)
    code_prefix: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "owners", tuple(self.owners))
        if self.code_type not in ("String", "Number"):
            raise ConfigurationError(f"{self.object_id}: code_type must be String or Number")
        if self.hierarchy not in ("folders_and_items", "items"):
            raise ConfigurationError(f"{self.object_id}: hierarchy must be folders_and_items or items")


@dataclass(frozen=True, kw_only=True)
class Document(ReferenceObject):
    """A document: numbers, dates, and the registers it posts to."""

    kind = "Document"
    number_length: int = 9
    number_type: str = "String"
    number_prefix: str = ""
    registers: tuple[str, ...] = ()  # register object ids this document posts to

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "registers", tuple(self.registers))
        if self.number_type not in ("String", "Number"):
            raise ConfigurationError(f"{self.object_id}: number_type must be String or Number")


@dataclass(frozen=True, kw_only=True)
class ExchangePlan(ReferenceObject):
    """Nodes (узлы) of an exchange plan; every write of an object of ``content`` (catalog,
    document, chart or register ids) registers a change for each node but ``this_node``, read
    with ``SelectChanges`` (kinds/exchange_plan.py)."""

    kind = "ExchangePlan"
    code_length: int = 9
    description_length: int = 25
    content: tuple[str, ...] = ()
    this_node: str = ""  # the Code of the node that stands for this infobase ("": none)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "content", tuple(self.content))


@dataclass(frozen=True)
class PredefinedItem:
    """A predefined item of a chart of characteristic types (e.g. an ext-dimension type
    «Контрагенты» whose values are ``CatalogRef.Counterparties``)."""

    name: str
    type: ValueType
    description: str = ""
    code: str = ""

    def __init__(self, name: str, type: Any, description: str = "", code: str = "") -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "type", parse_type(type))
        object.__setattr__(self, "description", description or name)
        object.__setattr__(self, "code", code)


ACCOUNT_TYPES = ("Active", "Passive", "ActivePassive")


@dataclass(frozen=True)
class PredefinedAccount:
    """A predefined account of a chart of accounts: its code, type, parent (a predefined name),
    ext-dimension types (predefined names of the chart's characteristic types, in order; those
    listed in ``turnovers_only`` keep no balance detail) and accounting flags set on it."""

    name: str
    code: str
    description: str = ""
    type: str = "ActivePassive"
    parent: str = ""
    off_balance: bool = False
    ext_dimensions: tuple[str, ...] = ()
    turnovers_only: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for part in ("ext_dimensions", "turnovers_only", "flags"):
            object.__setattr__(self, part, tuple(getattr(self, part)))
        object.__setattr__(self, "description", self.description or self.name)
        if self.type not in ACCOUNT_TYPES:
            raise ConfigurationError(f"account {self.name}: type must be one of {', '.join(ACCOUNT_TYPES)}")
        if set(self.turnovers_only) - set(self.ext_dimensions):
            raise ConfigurationError(f"account {self.name}: turnovers_only names no ext dimension of it")


def _items(owner: str, cls: type, raw: Any) -> tuple:
    """Predefined items given as objects (JSON) or instances (Python)."""
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, cls):
            out.append(item)
            continue
        where = f"{owner}.predefined[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise ConfigurationError(f'{where}: an entry needs a "name"')
        check_keys(item, init_fields(cls), f"{where} ({item['name']})")
        try:
            out.append(cls(**item))
        except TypeError as exc:
            raise ConfigurationError(f"{where}: {exc}") from None
    names = [item.name for item in out]
    if len(set(names)) != len(names):
        raise ConfigurationError(f"{owner}: duplicate predefined name")
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class ChartOfCharacteristicTypes(ReferenceObject):
    """A chart of characteristic types (план видов характеристик)."""

    kind = "ChartOfCharacteristicTypes"
    code_length: int = 9
    description_length: int = 25
    hierarchical: bool = False
    type: ValueType = field(default_factory=lambda: parse_type("String(0)"))
    predefined: tuple[PredefinedItem, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "type", parse_type(self.type))
        object.__setattr__(self, "predefined", _items(self.object_id, PredefinedItem, self.predefined))


@dataclass(frozen=True, kw_only=True)
class ChartOfAccounts(ReferenceObject):
    """A chart of accounts (план счетов) and its ext-dimension types."""

    kind = "ChartOfAccounts"
    code_length: int = 9
    description_length: int = 25
    ext_dimension_types: str = ""  # the ChartOfCharacteristicTypes object id of ext dimensions
    max_ext_dimensions: int = 3
    accounting_flags: tuple[str, ...] = ()
    ext_dimension_accounting_flags: tuple[str, ...] = ()
    predefined: tuple[PredefinedAccount, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        for part in ("accounting_flags", "ext_dimension_accounting_flags"):
            object.__setattr__(self, part, tuple(getattr(self, part)))
        object.__setattr__(self, "predefined", _items(self.object_id, PredefinedAccount, self.predefined))
        names = {a.name for a in self.predefined}
        for account in self.predefined:
            if account.parent and account.parent not in names:
                raise ConfigurationError(f"{self.object_id}: account {account.name} has an unknown parent {account.parent}")
            if len(account.ext_dimensions) > self.max_ext_dimensions:
                raise ConfigurationError(f"{self.object_id}: account {account.name} has more than "
                                         f"{self.max_ext_dimensions} ext dimensions")
            unknown = set(account.flags) - set(self.accounting_flags)
            if unknown:
                raise ConfigurationError(f"{self.object_id}: account {account.name}: unknown flag {sorted(unknown)[0]}")


CALCULATION_DEPENDENCES = ("none", "action_period", "registration_period")


@dataclass(frozen=True, kw_only=True)
class ChartOfCalculationTypes(ReferenceObject):
    """A chart of calculation types (reference §3.3): whether its types use an action period
    (then they may displace each other), how they depend on base types, and its predefined
    types with their displacing, base and leading types (names of predefined types)."""

    kind = "ChartOfCalculationTypes"
    code_length: int = 9
    description_length: int = 25
    action_period: bool = False
    dependence: str = "none"  # none, action_period, registration_period
    predefined: tuple[str, ...] = ()
    action_period_is_basic: tuple[str, ...] = ()
    displacing: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    base: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    leading: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.dependence not in CALCULATION_DEPENDENCES:
            raise ConfigurationError(f"{self.object_id}: dependence must be one of {', '.join(CALCULATION_DEPENDENCES)}")
        object.__setattr__(self, "predefined", tuple(self.predefined))
        object.__setattr__(self, "action_period_is_basic", tuple(self.action_period_is_basic))
        known = set(self.predefined)
        for part in ("displacing", "base", "leading"):
            lists = getattr(self, part)
            if not isinstance(lists, Mapping) or not all(isinstance(v, (list, tuple)) for v in lists.values()):
                raise ConfigurationError(f"{self.object_id}: {part} is {{calculation type: [calculation types]}}")
            lists = {k: tuple(v) for k, v in lists.items()}
            unknown = sorted(({k for k in lists} | {x for v in lists.values() for x in v}) - known)
            if unknown:
                raise ConfigurationError(f"{self.object_id}.{part}: {unknown[0]} is not a predefined calculation type")
            object.__setattr__(self, part, lists)
        if (self.displacing or self.action_period_is_basic) and not self.action_period:
            raise ConfigurationError(f"{self.object_id}: displacing types need action_period")
        if self.base and self.dependence == "none":
            raise ConfigurationError(f"{self.object_id}: base types need a dependence")


ROUTE_POINT_KINDS = ("start", "activity", "condition", "end")


@dataclass(frozen=True)
class RoutePoint:
    """A point of a business process's route map (карта маршрута): ``start`` and ``activity``
    go on to ``next``; an ``activity`` (действие) creates tasks addressed by ``addressing``
    (values of the task's addressing attributes, e.g. the performer role) and waits for them;
    a ``condition`` (условие) goes to ``then`` or ``else`` as its handler decides; ``end``
    (завершение) completes the process."""

    name: str
    kind: str
    next: str = ""
    then: str = ""
    otherwise: str = ""
    description: str = ""  # the Description of the tasks an activity creates
    addressing: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"route point {self.name}"
        if self.kind not in ROUTE_POINT_KINDS:
            raise ConfigurationError(f"{where}: kind is one of {', '.join(ROUTE_POINT_KINDS)}, not {self.kind!r}")
        if self.kind in ("start", "activity") and not self.next:
            raise ConfigurationError(f"{where}: a {self.kind} point needs next")
        if self.kind == "condition" and not (self.then and self.otherwise):
            raise ConfigurationError(f"{where}: a condition point needs then and otherwise")
        if not isinstance(self.addressing, Mapping):
            raise ConfigurationError(f"{where}: addressing is {{attribute: value}}")
        object.__setattr__(self, "addressing", dict(self.addressing))

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(t for t in (self.next, self.then, self.otherwise) if t)


@dataclass(frozen=True, kw_only=True)
class BusinessProcess(ReferenceObject):
    """A business process: its ``task`` (the Task object id its activities create) and its
    ``route`` map (see :class:`RoutePoint`; handlers in ``events``: condition, on_create_tasks)."""

    kind = "BusinessProcess"
    number_length: int = 9
    task: str = ""
    route: tuple[RoutePoint, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        points = []
        for index, point in enumerate(self.route):
            if isinstance(point, Mapping):
                check_keys(point, init_fields(RoutePoint), f"{self.object_id}.route[{index}]")
                try:
                    point = RoutePoint(**point)
                except TypeError as exc:
                    raise ConfigurationError(f"{self.object_id}.route[{index}]: {exc}") from None
            if not isinstance(point, RoutePoint):
                raise ConfigurationError(f"{self.object_id}.route[{index}]: a route point is an object")
            points.append(point)
        object.__setattr__(self, "route", tuple(points))
        names = [p.name for p in points]
        if len(set(names)) != len(names):
            raise ConfigurationError(f"{self.object_id}: duplicate route point")
        for point in points:
            for target in point.targets:
                if target not in names:
                    raise ConfigurationError(f"{self.object_id}: route point {point.name} goes to unknown point {target}")
        if points and not any(p.kind == "start" for p in points):
            raise ConfigurationError(f"{self.object_id}: the route has no start point")
        if any(p.kind == "activity" for p in points) and not self.task:
            raise ConfigurationError(f"{self.object_id}: a route with activities needs a task")

    def point(self, name: str) -> RoutePoint | None:
        return next((p for p in self.route if p.name == name), None)


@dataclass(frozen=True, kw_only=True)
class Task(ReferenceObject):
    """A task (задача) of a business process."""

    kind = "Task"
    number_length: int = 9
    description_length: int = 25
    addressing: tuple[Attribute, ...] = ()  # addressing attributes (реквизиты адресации)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "addressing", tuple(self.addressing))


@dataclass(frozen=True, kw_only=True)
class Enum(MetadataObject):
    """An enumeration (перечисление): its members."""

    kind = "Enum"
    members: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "members", tuple(self.members))
        if len(set(self.members)) != len(self.members):
            raise ConfigurationError(f"{self.object_id}: duplicate enum member")


@dataclass(frozen=True, kw_only=True)
class Constant(MetadataObject):
    """A constant: one value of ``type``."""

    kind = "Constant"
    type: ValueType = field(default_factory=lambda: parse_type("String(0)"))

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", parse_type(self.type))


@dataclass(frozen=True, kw_only=True)
class DocumentJournal(MetadataObject):
    """A journal lists its documents (object ids); each column (граф) takes, per document, the
    attribute named in ``mapping[column][document]`` (by default the attribute of the same name;
    a document without one leaves the column empty)."""

    kind = "DocumentJournal"
    documents: tuple[str, ...] = ()
    columns: tuple[Attribute, ...] = ()
    mapping: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "documents", tuple(self.documents))
        object.__setattr__(self, "columns", tuple(self.columns))
        if not isinstance(self.mapping, Mapping) or not all(
                isinstance(v, Mapping) and all(isinstance(a, str) for a in v.values())
                for v in self.mapping.values()):
            raise ConfigurationError(f"{self.object_id}: mapping is {{column: {{document: attribute}}}}")
        unknown = set(self.mapping) - {c.name for c in self.columns}
        if unknown:
            raise ConfigurationError(f"{self.object_id}: mapping names no column {sorted(unknown)[0]}")
        object.__setattr__(self, "mapping", {c: dict(v) for c, v in self.mapping.items()})

    def source_attribute(self, column: str, document: str) -> str:
        return self.mapping.get(column, {}).get(document, column)


@dataclass(frozen=True, kw_only=True)
class RegisterObject(MetadataObject):
    """Common part of the registers: dimensions, resources, attributes."""

    dimensions: tuple[Attribute, ...] = ()
    resources: tuple[Attribute, ...] = ()
    attributes: tuple[Attribute, ...] = ()

    def __post_init__(self) -> None:
        for part in ("dimensions", "resources", "attributes"):
            object.__setattr__(self, part, tuple(getattr(self, part)))


# "recorder_position": by the recorder's position (по позиции регистратора): Period is the
# recorder's date and the recorder is part of the records' key (the УТ dump).
PERIODICITIES = ("none", "second", "day", "month", "quarter", "year", "recorder_position")


@dataclass(frozen=True, kw_only=True)
class InformationRegister(RegisterObject):
    """An information register (регистр сведений), periodic or not."""

    kind = "InformationRegister"
    periodicity: str = "none"  # none, second, day, month, quarter, year, recorder_position
    write_mode: str = "independent"  # or "recorder" (subordinate to recorders)
    recorders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "recorders", tuple(self.recorders))
        if self.periodicity not in PERIODICITIES:
            raise ConfigurationError(f"{self.object_id}: unknown periodicity {self.periodicity!r}")
        if self.write_mode not in ("independent", "recorder"):
            raise ConfigurationError(f"{self.object_id}: write_mode must be independent or recorder")
        if self.periodicity == "recorder_position" and self.write_mode != "recorder":
            raise ConfigurationError(f"{self.object_id}: periodicity recorder_position needs write_mode recorder")


@dataclass(frozen=True, kw_only=True)
class AccumulationRegister(RegisterObject):
    """An accumulation register (регистр накопления): balances or turnovers."""

    kind = "AccumulationRegister"
    register_kind: str = "balance"  # or "turnovers"
    recorders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "recorders", tuple(self.recorders))
        if self.register_kind not in ("balance", "turnovers"):
            raise ConfigurationError(f"{self.object_id}: register_kind must be balance or turnovers")


CALCULATION_PERIODICITIES = ("day", "month", "quarter", "year")


@dataclass(frozen=True, kw_only=True)
class CalculationRegister(RegisterObject):
    """A calculation register (reference §1.5, §6.4): records of a chart's calculation types
    per registration period, with an action period (and a schedule: an information register with
    a Date dimension and numeric resources), a base period, base registers and recalculations
    (name -> the register dimensions it keeps)."""

    kind = "CalculationRegister"
    chart: str = ""  # ChartOfCalculationTypes_X
    registration_period: str = "month"  # day, month, quarter, year
    action_period: bool = False
    base_period: bool = False
    schedule: str = ""  # InformationRegister_X
    schedule_date: str = ""  # its Date dimension (default: the first one of type Date)
    base_registers: tuple[str, ...] = ()
    recalculations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    recorders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        for part in ("base_registers", "recorders"):
            object.__setattr__(self, part, tuple(getattr(self, part)))
        if self.registration_period not in CALCULATION_PERIODICITIES:
            raise ConfigurationError(f"{self.object_id}: registration_period must be one of "
                                     f"{', '.join(CALCULATION_PERIODICITIES)}")
        if not isinstance(self.recalculations, Mapping) or not all(
                isinstance(v, (list, tuple)) for v in self.recalculations.values()):
            raise ConfigurationError(f"{self.object_id}: recalculations is {{name: [dimensions]}}")
        object.__setattr__(self, "recalculations", {k: tuple(v) for k, v in self.recalculations.items()})
        dims = {d.name for d in self.dimensions}
        for name, kept in self.recalculations.items():
            if not name or not name.replace("_", "a").isalnum():
                raise ConfigurationError(f"{self.object_id}: a recalculation name is letters, digits and '_'")
            for dim in kept:
                if dim not in dims:
                    raise ConfigurationError(f"{self.object_id}.{name}: {dim} is not a dimension")
        if self.schedule and not self.action_period:
            raise ConfigurationError(f"{self.object_id}: a schedule needs action_period")


@dataclass(frozen=True, kw_only=True)
class AccountingRegister(RegisterObject):
    """Регистр бухгалтерии: entries of a chart of accounts with (``AccountDr``/``AccountCr``) or
    without correspondence (``Account`` + ``RecordType``); dimensions and resources named in
    ``unbalanced`` are split into ``…Dr``/``…Cr`` (reference §3.3)."""

    kind = "AccountingRegister"
    chart_of_accounts: str = ""
    correspondence: bool = True
    unbalanced: tuple[str, ...] = ()
    recorders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "recorders", tuple(self.recorders))
        object.__setattr__(self, "unbalanced", tuple(self.unbalanced))
        unknown = set(self.unbalanced) - {a.name for a in self.dimensions + self.resources}
        if unknown:
            raise ConfigurationError(f"{self.object_id}: unbalanced names no dimension or resource {sorted(unknown)[0]}")


# --- users and roles (DESIGN.md "Security") ------------------------------------------------------

RIGHTS = ("Read", "Insert", "Update", "Delete", "Posting", "UndoPosting", "Start", "Execute")
PASSWORD_SCHEMES = ("pbkdf2_sha256$", "scrypt$")


@dataclass(frozen=True)
class Role:
    """Rights per object id or glob (``"Catalog_*"``, ``"*"``) and row restrictions per object id:
    a ``$filter`` expression over the object (``"Warehouse/Code eq '000000001'"``)."""

    name: str
    rights: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    restrictions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.rights, Mapping) or not isinstance(self.restrictions, Mapping):
            raise ConfigurationError(f"role {self.name}: rights and restrictions are objects")
        rights = {}
        for pattern, names in self.rights.items():
            names = (names,) if isinstance(names, str) else tuple(names)
            unknown = [n for n in names if n not in RIGHTS and n != "*"]
            if unknown:
                raise ConfigurationError(f"role {self.name}: unknown right {unknown[0]!r}; "
                                         f"rights are {', '.join(RIGHTS)} or *")
            rights[pattern] = RIGHTS if "*" in names else names
        for object_id, text in self.restrictions.items():
            if not isinstance(text, str) or not text.strip():
                raise ConfigurationError(f"role {self.name}: the restriction of {object_id} is not a filter text")
        object.__setattr__(self, "rights", rights)
        object.__setattr__(self, "restrictions", dict(self.restrictions))

    def rights_on(self, object_id: str) -> set[str]:
        """Rights this role grants on an object; any right implies Read (as in 1C)."""
        granted = {r for pattern, names in self.rights.items() if fnmatchcase(object_id, pattern) for r in names}
        return granted | {"Read"} if granted else granted


@dataclass(frozen=True)
class User:
    """An infobase user; ``password`` is a hash (``infobase-odata hash-password``), never plain
    text; without one the user cannot log in with Basic (host authentication only)."""

    name: str
    password: str = field(default="", repr=False)
    roles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", (self.roles,) if isinstance(self.roles, str) else tuple(self.roles))
        if self.password and not self.password.startswith(PASSWORD_SCHEMES):
            raise ConfigurationError(f"user {self.name}: the password must be a hash "
                                     f"(pbkdf2_sha256$… or scrypt$…, see infobase-odata hash-password)")


TOP_LEVEL_KEYS = ("$schema", "name", "objects", "handlers", "roles", "users")

OBJECT_CLASSES: dict[str, type[MetadataObject]] = {
    cls.kind: cls
    for cls in (
        Catalog, Document, Enum, Constant, ExchangePlan, ChartOfCharacteristicTypes,
        ChartOfAccounts, ChartOfCalculationTypes, BusinessProcess, Task, DocumentJournal,
        InformationRegister, AccumulationRegister, CalculationRegister, AccountingRegister,
    )
}


class Configuration:
    """A named set of metadata objects, validated on construction."""

    def __init__(self, name: str, objects: Iterable[MetadataObject], *, handlers: str | None = None,
                 roles: Iterable[Role] = (), users: Iterable[User] = ()):
        self.name = name
        self.objects: tuple[MetadataObject, ...] = tuple(objects)
        self.handlers = handlers
        self.roles: tuple[Role, ...] = tuple(roles)
        self.users: tuple[User, ...] = tuple(users)
        self._by_id: dict[str, MetadataObject] = {}
        for obj in self.objects:
            if obj.object_id in self._by_id:
                raise ConfigurationError(f"duplicate object {obj.object_id}")
            self._by_id[obj.object_id] = obj
        self._validate()
        self._validate_security()

    def object(self, object_id: str) -> MetadataObject:
        try:
            return self._by_id[object_id]
        except KeyError:
            raise ConfigurationError(f"no object {object_id} in configuration {self.name!r}") from None

    def find(self, object_id: str) -> MetadataObject | None:
        return self._by_id.get(object_id)

    def of_kind(self, cls: type) -> list:
        return [obj for obj in self.objects if isinstance(obj, cls)]

    def _validate(self) -> None:
        for obj in self.objects:
            where = obj.object_id
            if not obj.name or not obj.name.replace("_", "a").isalnum() or obj.name[0].isdigit():
                raise ConfigurationError(f"{where}: an object name is letters, digits and '_'")
            for owner, attrs in _attribute_groups(obj):
                seen: set[str] = set()
                for attr in attrs:
                    if attr.name in seen:
                        raise ConfigurationError(f"{owner}: duplicate attribute {attr.name}")
                    seen.add(attr.name)
                    self._check_type(f"{owner}.{attr.name}", attr.type)
            if isinstance(obj, ReferenceObject):
                names = [t.name for t in obj.tabular_sections]
                if len(set(names)) != len(names):
                    raise ConfigurationError(f"{where}: duplicate tabular section")
                clash = set(names) & {a.name for a in obj.attributes}
                if clash:
                    raise ConfigurationError(f"{where}: {sorted(clash)[0]} is both an attribute and a tabular section")
            if isinstance(obj, Catalog):
                for owner in obj.owners:
                    self._check_type(f"{where}.Owner", Ref(owner))
            if isinstance(obj, Constant):
                self._check_type(f"{where}.Value", obj.type)
            if isinstance(obj, DocumentJournal):
                self._validate_journal(obj)
            if isinstance(obj, BusinessProcess):
                self._validate_route(obj)
            if isinstance(obj, ExchangePlan):
                self._validate_exchange_plan(obj)
            if isinstance(obj, CalculationRegister):
                self._validate_calculation(obj)
            if isinstance(obj, (ChartOfAccounts, AccountingRegister)):
                self._validate_accounting(obj)
            if isinstance(obj, Document):
                for reg in obj.registers:
                    if reg not in self._by_id:
                        raise ConfigurationError(f"{where}: posts to unknown register {reg}")

    def _validate_accounting(self, obj: "ChartOfAccounts | AccountingRegister") -> None:
        if isinstance(obj, AccountingRegister):
            if not isinstance(self._by_id.get(obj.chart_of_accounts), ChartOfAccounts):
                raise ConfigurationError(f"{obj.object_id}: chart_of_accounts {obj.chart_of_accounts!r} "
                                         "is not a chart of accounts of the configuration")
            return
        if not obj.ext_dimension_types:
            if any(a.ext_dimensions for a in obj.predefined):
                raise ConfigurationError(f"{obj.object_id}: ext dimensions need ext_dimension_types")
            return
        types = self._by_id.get(obj.ext_dimension_types)
        if not isinstance(types, ChartOfCharacteristicTypes):
            raise ConfigurationError(f"{obj.object_id}: ext_dimension_types {obj.ext_dimension_types!r} "
                                     "is not a chart of characteristic types of the configuration")
        known = {item.name for item in types.predefined}
        for account in obj.predefined:
            for name in account.ext_dimensions:
                if name not in known:
                    raise ConfigurationError(f"{obj.object_id}: account {account.name}: {name} is no "
                                             f"predefined item of {types.object_id}")

    def _validate_journal(self, journal: DocumentJournal) -> None:
        for document in journal.documents:
            if not isinstance(self._by_id.get(document), Document):
                raise ConfigurationError(f"{journal.object_id}: lists {document}, which is not a document")
        for column, sources in journal.mapping.items():
            for document, attribute in sources.items():
                doc = self._by_id.get(document)
                if document not in journal.documents or not isinstance(doc, Document):
                    raise ConfigurationError(f"{journal.object_id}.{column}: {document} is not one of its documents")
                if attribute not in {a.name for a in doc.attributes}:
                    raise ConfigurationError(f"{journal.object_id}.{column}: {document} has no attribute {attribute}")

    def _validate_route(self, process: BusinessProcess) -> None:
        task = self._by_id.get(process.task) if process.task else None
        if process.task and not isinstance(task, Task):
            raise ConfigurationError(f"{process.object_id}: task {process.task} is not a task")
        names = {a.name for a in task.addressing} if isinstance(task, Task) else set()
        for point in process.route:
            unknown = sorted(set(point.addressing) - names)
            if unknown:
                raise ConfigurationError(f"{process.object_id}: route point {point.name} addresses "
                                         f"{unknown[0]}, which is no addressing attribute of {process.task}")
    def _validate_exchange_plan(self, plan: ExchangePlan) -> None:
        for object_id in plan.content:
            found = self._by_id.get(object_id)
            if not isinstance(found, (ReferenceObject, RegisterObject)) or isinstance(found, ExchangePlan):
                raise ConfigurationError(f"{plan.object_id}: content {object_id} is not a catalog, "
                                         "document, chart or register of the configuration")

    def _validate_calculation(self, reg: CalculationRegister) -> None:
        where = reg.object_id
        if not isinstance(self._by_id.get(reg.chart), ChartOfCalculationTypes):
            raise ConfigurationError(f"{where}: chart must name a ChartOfCalculationTypes, not {reg.chart!r}")
        if reg.action_period and not self._by_id[reg.chart].action_period:  # type: ignore[attr-defined]
            raise ConfigurationError(f"{where}: action_period needs a chart with action_period")
        for base in reg.base_registers:
            if not isinstance(self._by_id.get(base), CalculationRegister):
                raise ConfigurationError(f"{where}: base register {base} is not a calculation register")
        if reg.schedule:
            schedule = self._by_id.get(reg.schedule)
            if not isinstance(schedule, InformationRegister):
                raise ConfigurationError(f"{where}: schedule {reg.schedule} is not an information register")
            dates = [d.name for d in schedule.dimensions if isinstance(d.type, Date)]
            if (reg.schedule_date or (dates[:1] or [""])[0]) not in dates:
                raise ConfigurationError(f"{where}: the schedule {reg.schedule} has no Date dimension "
                                         f"{reg.schedule_date}".rstrip())

    def _validate_security(self) -> None:
        roles = {role.name: role for role in self.roles}
        if len(roles) != len(self.roles):
            raise ConfigurationError("duplicate role name")
        for role in self.roles:
            for pattern in role.rights:
                if not any(fnmatchcase(obj.object_id, pattern) for obj in self.objects):
                    raise ConfigurationError(f"role {role.name}: rights for {pattern}, which names no object")
            for object_id in role.restrictions:
                obj = self.find(object_id)
                if not isinstance(obj, (ReferenceObject, RegisterObject)):
                    raise ConfigurationError(f"role {role.name}: a restriction for {object_id}, "
                                             "which is not a reference object or register")
        names = [user.name.casefold() for user in self.users]  # 1C user names ignore case
        if len(set(names)) != len(names):
            raise ConfigurationError("duplicate user name")
        for user in self.users:
            missing = [r for r in user.roles if r not in roles]
            if missing:
                raise ConfigurationError(f"user {user.name}: unknown role {missing[0]}")

    def _check_type(self, where: str, value_type: ValueType) -> None:
        types = value_type.types if isinstance(value_type, Composite) else (value_type,)
        for t in types:
            if isinstance(t, Ref) and t.object_id not in self._by_id:
                raise ConfigurationError(f"{where}: type {t.target} refers to an unknown object {t.object_id}")

    # --- JSON -----------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Configuration":
        if not isinstance(data, Mapping) or "objects" not in data:
            raise ConfigurationError('a configuration is an object with "name" and "objects"')
        check_keys(data, TOP_LEVEL_KEYS, "configuration")
        for part, what in (("objects", "object"), ("roles", "role"), ("users", "user")):
            if isinstance(data.get(part), list):
                check_unique(data[part], _entry_name if part != "users" else _user_name, part, what)
        objects = []
        for index, raw in enumerate(data["objects"]):
            objects.append(_object_from_dict(raw, f"objects[{index}]"))
        roles = [_entry(Role, raw, f"roles[{i}]") for i, raw in enumerate(data.get("roles", []))]
        users = [_entry(User, raw, f"users[{i}]") for i, raw in enumerate(data.get("users", []))]
        return cls(data.get("name", "infobase"), objects, handlers=data.get("handlers"), roles=roles, users=users)


def _entry(cls: type, raw: Any, where: str) -> Any:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
        raise ConfigurationError(f'{where}: an entry needs a "name"')
    check_keys(raw, init_fields(cls), f"{where} ({raw['name']})")
    try:
        return cls(**raw)
    except TypeError as exc:
        raise ConfigurationError(f"{where}: {exc}") from None


def _entry_name(raw: Any) -> Any:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
        return None
    return f"{raw['kind']}_{raw['name']}" if isinstance(raw.get("kind"), str) else raw["name"]


def _user_name(raw: Any) -> Any:
    name = _entry_name(raw)
    return name.casefold() if isinstance(name, str) else None  # 1C user names ignore case


def init_fields(cls: type) -> tuple[str, ...]:
    """The keys a JSON entry of ``cls`` may have: the dataclass's constructor fields."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def _attribute_groups(obj: MetadataObject):
    if isinstance(obj, ReferenceObject):
        yield obj.object_id, obj.attributes + getattr(obj, "addressing", ())
        for tab in obj.tabular_sections:
            yield f"{obj.object_id}.{tab.name}", tab.attributes
    elif isinstance(obj, RegisterObject):
        yield obj.object_id, obj.dimensions + obj.resources + obj.attributes
    elif isinstance(obj, DocumentJournal):
        yield obj.object_id, obj.columns


def _attributes(raw: Any, where: str) -> tuple[Attribute, ...]:
    if not isinstance(raw, list):
        raise ConfigurationError(f"{where}: expected a list of attributes")
    result = []
    check_unique(raw, _entry_name, where, "attribute")
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or "name" not in item or "type" not in item:
            raise ConfigurationError(f'{where}[{i}]: an attribute needs "name" and "type"')
        check_keys(item, ("name", "type", "column"), f"{where}[{i}] ({item['name']})")
        try:
            result.append(Attribute(item["name"], item["type"], item.get("column")))
        except ConfigurationError as exc:
            raise ConfigurationError(f"{where}[{i}] ({item['name']}): {exc}") from None
    return tuple(result)


def _object_from_dict(raw: Any, where: str) -> MetadataObject:
    if not isinstance(raw, Mapping) or "kind" not in raw or "name" not in raw:
        raise ConfigurationError(f'{where}: an object needs "kind" and "name"')
    kind = raw["kind"]
    if kind not in OBJECT_CLASSES:
        raise ConfigurationError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(OBJECT_CLASSES)}")
    where = f"{where} ({kind}_{raw['name']})"
    cls = OBJECT_CLASSES[kind]
    check_keys(raw, ("kind", *init_fields(cls)), where)
    fields = dict(raw)
    fields.pop("kind")
    for part in ("attributes", "dimensions", "resources", "columns", "addressing"):
        if part in fields:
            fields[part] = _attributes(fields[part], f"{where}.{part}")
    if isinstance(fields.get("members"), list):
        check_unique(fields["members"], lambda member: member, f"{where}.members", "member")
    if "tabular_sections" in fields:
        if not isinstance(fields["tabular_sections"], list) or not all(
                isinstance(t, Mapping) and isinstance(t.get("name"), str) for t in fields["tabular_sections"]):
            raise ConfigurationError(f'{where}.tabular_sections: a list of {{"name": ..., "attributes": [...]}}')
        check_unique(fields["tabular_sections"], _entry_name, f"{where}.tabular_sections", "tabular section")
        for i, t in enumerate(fields["tabular_sections"]):
            check_keys(t, ("name", "attributes"), f"{where}.tabular_sections[{i}] ({t['name']})")
        fields["tabular_sections"] = tuple(
            TabularSection(t["name"], _attributes(t.get("attributes", []), f"{where}.{t['name']}"))
            for t in fields["tabular_sections"]
        )
    try:
        return cls(**fields)
    except TypeError as exc:
        raise ConfigurationError(f"{where}: {exc}") from None


def configuration_folder(path: str | Path) -> Path:
    """The folder of a configuration given as ``configuration.json`` or as its folder: where its
    ``handlers.py`` and ``seed.py`` are."""
    path = Path(path)
    return path if path.is_dir() else path.parent


def load_configuration(path: str | Path) -> Configuration:
    """Load ``configuration.json`` (or a folder holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / "configuration.json"
    return Configuration.from_dict(read_json(path, "configuration"))
