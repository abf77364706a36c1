"""The EDM model, built from a configuration by the fixed naming rules of 1C (reference §1-4).

Providers never supply metadata: they read this model to know tables and columns::

    >>> model = build_model(configuration)
    >>> goods = model.entity_set("Catalog_Goods")
    >>> [p.name for p in goods.entity_type.key]
    ['Ref_Key']
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass, field
from types import MappingProxyType
from typing import Any, Iterator, NamedTuple

from . import configuration as cfg
from .types import Boolean, Composite, Date, Number, Ref, String, Uuid, ValueStorage, ValueType

NAMESPACE = "StandardODATA"
CONTAINER = "EnterpriseV8"
NIL_GUID = "00000000-0000-0000-0000-000000000000"
TYPE_DESCRIPTION = f"{NAMESPACE}.TypeDescription"  # the ValueType of characteristic types (§3.3)

# What a property holds; serializers, parsers and providers switch on this.
KEY = "key"  # a key GUID (Ref_Key) or key part
VALUE = "value"  # a plain scalar value (string, number, date, boolean, uuid)
REF = "ref"  # X_Key of a single-type reference
ENUM = "enum"  # enum member name
COMPOSITE = "composite"  # X of a composite attribute (value as text)
COMPOSITE_TYPE = "composite_type"  # X_Type of a composite attribute
TABULAR = "tabular"  # Collection(<Owner>_<Tab>_RowType)


@dataclass(frozen=True)
class Property:
    """A property of an entity or complex type, with its role."""

    name: str
    edm_type: str  # Edm.String, Edm.Guid, ..., Collection(StandardODATA.X_RowType)
    role: str  # one of the roles above
    value_type: ValueType | None = None  # the declared 1C type (String(100), Number(15,2), ...)
    nullable: bool = True
    attribute: str | None = None  # the configuration attribute this property comes from
    target: str | None = None  # REF: object id of the referenced object (published or not)
    read_only: bool = False
    row_type: "ComplexType | None" = field(default=None, compare=False, repr=False)

    @property
    def is_collection(self) -> bool:
        return self.role == TABULAR


class NavigationProperty(NamedTuple):
    """A reference published as a navigation link to ``target_set``."""

    name: str
    key_property: str  # the X_Key property that holds the target's key
    target_set: str  # entity-set name of the (published) target
    association: str  # <SourceEntityTypeName>_<PropertyName>


class _Freezable:
    """Assembled by the builders, then frozen by ``build_model``: no attribute changes afterwards,
    so nothing changes the model while requests are answered (``FrozenInstanceError``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__dict__.get("_frozen"):
            raise FrozenInstanceError(f"cannot assign to field {name!r}: the model is frozen")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if self.__dict__.get("_frozen"):
            raise FrozenInstanceError(f"cannot delete field {name!r}: the model is frozen")
        object.__delattr__(self, name)

    def _freeze(self, **read_only: Any) -> None:
        """Replace containers by read-only ones (tuples, mapping proxies), then refuse changes."""
        for name, value in read_only.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_frozen", True)


@dataclass
class ComplexType(_Freezable):
    """A complex type (a tabular-section row, a composite) of the model."""

    name: str
    properties: list[Property] = field(default_factory=list)

    def property(self, name: str) -> Property | None:
        return self._by_name().get(name)

    def _by_name(self) -> dict[str, Property]:
        cached = self.__dict__.get("_index")
        if cached is None or len(cached) != len(self.properties):
            cached = {p.name: p for p in self.properties}
            if not self.__dict__.get("_frozen"):
                self.__dict__["_index"] = cached
        return cached

    def freeze(self) -> None:
        if not self.__dict__.get("_frozen"):
            # The private name index stays a dict: lookups by name are the hot path of serializing.
            self._freeze(properties=tuple(self.properties), _index={p.name: p for p in self.properties})


@dataclass
class EntityType(ComplexType):
    """An entity type: its key and navigation properties."""

    key_names: tuple[str, ...] = ()
    navigation: list[NavigationProperty] = field(default_factory=list)
    always_open: bool = False  # document journals are open types without a composite (§3.3)

    @property
    def open_type(self) -> bool:
        """OpenType="true" on types with a composite (X_Type) property (§4.2) and on journals."""
        return self.always_open or any(p.role == COMPOSITE_TYPE for p in self.properties)

    @property
    def key(self) -> tuple[Property, ...]:
        frozen = self.__dict__.get("_key")  # set by freeze: the hot path of every key lookup
        return frozen if frozen is not None else tuple(self.property(n) for n in self.key_names)  # type: ignore[misc]

    def navigation_property(self, name: str) -> NavigationProperty | None:
        for nav in self.navigation:
            if nav.name == name:
                return nav
        return None

    def freeze(self) -> None:
        if not self.__dict__.get("_frozen"):
            object.__setattr__(self, "navigation", tuple(self.navigation))
            super().freeze()
            self.__dict__["_key"] = tuple(self.property(n) for n in self.key_names)


class EnumType(NamedTuple):
    """An enumeration's published type."""

    name: str
    members: tuple[str, ...]


class Association(NamedTuple):
    """An association between two entity types ($metadata)."""

    name: str
    source_type: str
    target_type: str


class FunctionImport(NamedTuple):
    """A function of the service (virtual tables, actions) bound to ``binding_type``."""

    name: str
    binding_type: str
    parameters: tuple[tuple[str, str], ...]  # (name, Edm type), alphabetical (§4.2)
    side_effecting: bool
    return_type: str | None = None


# Entity-set kinds.
OBJECT = "object"  # catalog, document, chart, ... keyed by Ref_Key
TABULAR_SECTION = "tabular_section"  # <Owner>_<Tab>, keyed by Ref_Key + LineNumber, read-only
CONSTANT = "constant"  # Constant_X, keyed by SurrogateKey
RECORD_SET = "record_set"  # <Reg>: keyed by the recorder, holds RecordSet (§1.5)
RECORDS = "records"  # <Reg>_RecordType: one register record per entity
INDEPENDENT_RECORDS = "independent_records"  # independent information register: Period + dimensions
JOURNAL = "journal"  # DocumentJournal_X: read-only rows of its documents, keyed by Ref + Ref_Type

PERIOD_FIELDS = ("Period", "SecondPeriod", "MinutePeriod", "HourPeriod", "DayPeriod", "WeekPeriod",
                 "TenDaysPeriod", "MonthPeriod", "QuarterPeriod", "HalfYearPeriod", "YearPeriod")


@dataclass
class EntitySet(_Freezable):
    """A published entity set: its type, kind and the configuration object it comes from."""

    name: str
    entity_type: EntityType
    kind: str
    source: cfg.MetadataObject
    tabular_section: cfg.TabularSection | None = None  # for TABULAR_SECTION sets
    parent: "EntitySet | None" = field(default=None, repr=False)  # owner set of a tabular section

    records: "EntitySet | None" = field(default=None, repr=False)  # RECORD_SET -> its RECORDS set

    @property
    def read_only(self) -> bool:
        return self.kind in (TABULAR_SECTION, RECORDS, JOURNAL)

    @property
    def insertion_ordered(self) -> bool:
        """Without ``$orderby`` an object set is read in insertion order (the store's clustered
        row id, as the platform's clustered index; README "Compatibility notes"); tabular
        sections, constants and registers keep the order of their keys."""
        return self.kind == OBJECT

    @property
    def is_register(self) -> bool:
        return self.kind in (RECORD_SET, RECORDS, INDEPENDENT_RECORDS)

    def tabular_sets(self, model: "Model") -> list["EntitySet"]:
        return [s for s in model.entity_sets.values() if s.parent is self]

    def freeze(self) -> None:
        self.entity_type.freeze()
        self._freeze()


class Model(_Freezable):
    """Every published entity set, type, enum and association; lookups by exact name."""

    def __init__(self, configuration: cfg.Configuration) -> None:
        self.configuration = configuration
        self.entity_sets: dict[str, EntitySet] = {}
        self.complex_types: dict[str, ComplexType] = {}
        self.enum_types: dict[str, EnumType] = {}
        self.associations: list[Association] = []
        self.function_imports: list[FunctionImport] = []
        # Derived by build_model, never changed afterwards: register layouts, virtual-table results.
        self.layouts: dict[str, Any] = {}
        self.vt_result_sets: dict[str, EntitySet] = {}

    def entity_set(self, name: str) -> EntitySet | None:
        return self.entity_sets.get(name)

    def set_for_object(self, object_id: str) -> EntitySet | None:
        """The main entity set of a published object, or None when it is not published."""
        entity_set = self.entity_sets.get(object_id)
        return entity_set if entity_set is not None and entity_set.parent is None else None

    def freeze(self) -> "Model":
        """Make the model read-only (``build_model`` does, once everything derived is built)."""
        for complex_type in self.complex_types.values():
            complex_type.freeze()
        for entity_set in [*self.entity_sets.values(), *self.vt_result_sets.values()]:
            entity_set.freeze()
        self._freeze(entity_sets=MappingProxyType(self.entity_sets), complex_types=MappingProxyType(self.complex_types),
                     enum_types=MappingProxyType(self.enum_types), associations=tuple(self.associations),
                     function_imports=tuple(self.function_imports), layouts=MappingProxyType(self.layouts),
                     vt_result_sets=MappingProxyType(self.vt_result_sets))
        return self

    @property
    def entity_types(self) -> Iterator[EntityType]:
        for entity_set in self.entity_sets.values():
            yield entity_set.entity_type

    def is_published(self, object_id: str) -> bool:
        obj = self.configuration.find(object_id)
        return obj is not None and obj.published


_EDM_TYPES: dict[type, str] = {String: "Edm.String", Date: "Edm.DateTime", Boolean: "Edm.Boolean", Uuid: "Edm.Guid",
                                ValueStorage: "Edm.Binary"}


def edm_type_of(value_type: ValueType) -> str:
    """EDM type of a declared 1C type (§3.1): numbers with a scale are Edm.Double."""
    if isinstance(value_type, Number):
        if value_type.scale:
            return "Edm.Double"
        return "Edm.Int16" if value_type.digits <= 4 else "Edm.Int32" if value_type.digits <= 9 else "Edm.Int64"
    if isinstance(value_type, Ref):
        return "Edm.String" if value_type.is_enum else "Edm.Guid"
    return next((edm for klass, edm in _EDM_TYPES.items() if isinstance(value_type, klass)), "Edm.String")


def standard(name: str, edm: str, role: str = VALUE, value_type: ValueType | None = None, nullable: bool = True,
             target: str | None = None, read_only: bool = False) -> Property:
    """A standard property (not from an attribute) of an object (reference §3.3)."""
    return Property(name, edm, role, value_type, nullable, None, target, read_only)


# The standard properties several kinds share, for the kind modules to list in 1C order (§3.3).
def ref_key() -> Property:
    return standard("Ref_Key", "Edm.Guid", KEY, Uuid(), nullable=False)


def predefined() -> list[Property]:
    return [standard("Predefined", "Edm.Boolean", value_type=Boolean(), read_only=True),
            standard("PredefinedDataName", "Edm.String", value_type=String(0), read_only=True)]


def data_version() -> Property:
    return standard("DataVersion", "Edm.String", value_type=String(0), read_only=True)


def description(length: int) -> list[Property]:
    return [standard("Description", "Edm.String", value_type=String(length))] if length > 0 else []


def code(length: int, numeric: bool = False) -> list[Property]:
    if length <= 0:
        return []
    if numeric:
        return [standard("Code", "Edm.Int64", value_type=Number(length))]
    return [standard("Code", "Edm.String", value_type=String(length))]


def number_and_date(length: int, numeric: bool) -> list[Property]:
    number = Number(length) if numeric else String(length)
    return [standard("Number", "Edm.Int64" if numeric else "Edm.String", value_type=number),
            standard("Date", "Edm.DateTime", value_type=Date("datetime"))]


def parent(ref_text: str, object_id: str, folders: bool) -> list[Property]:
    """``Parent_Key`` of a hierarchical object, and ``IsFolder`` when it has folders."""
    props = [standard("Parent_Key", "Edm.Guid", REF, Ref(ref_text), target=object_id)]
    return props + [standard("IsFolder", "Edm.Boolean", value_type=Boolean())] if folders else props


def deletion_mark() -> Property:
    return standard("DeletionMark", "Edm.Boolean", value_type=Boolean())


class _Builder:
    """The generic steps of building a model; ``register_model.RegisterBuilder`` runs them with
    the kinds table (``kinds/``), whose modules state what each kind publishes."""

    def __init__(self, configuration: cfg.Configuration) -> None:
        self.conf = configuration
        self.model = Model(configuration)

    def published(self, object_id: str) -> bool:
        return self.model.is_published(object_id)

    def attribute_properties(self, attrs, *, key_names=()) -> tuple[list[Property], list[Property]]:
        """Properties of attributes in declaration order, plus the trailing X_Type ones (§3.3)."""
        plain: list[Property] = []
        types: list[Property] = []
        for attr in attrs:
            nullable = attr.name not in key_names
            t = attr.type
            if isinstance(t, Composite):
                plain.append(Property(attr.name, "Edm.String", COMPOSITE, t, nullable, attr.name))
                types.append(Property(f"{attr.name}_Type", "Edm.String", COMPOSITE_TYPE, t, nullable, attr.name))
            elif isinstance(t, Ref) and t.is_enum:
                plain.append(Property(attr.name, "Edm.String", ENUM, t, nullable, attr.name, t.object_id))
            elif isinstance(t, Ref):
                plain.append(Property(f"{attr.name}_Key", "Edm.Guid", REF, t, nullable, attr.name, t.object_id))
            elif isinstance(t, ValueStorage):  # no plain property: the payload and its type (§3.1)
                plain.append(Property(f"{attr.name}_Base64Data", "Edm.Binary", VALUE, t, nullable, attr.name))
                plain.append(Property(f"{attr.name}_Type", "Edm.String", VALUE, String(0), nullable, attr.name))
            else:
                plain.append(Property(attr.name, edm_type_of(t), VALUE, t, nullable, attr.name))
        return plain, types

    def navigation_for(self, type_name: str, properties: list[Property]) -> list[NavigationProperty]:
        navs = []
        for prop in properties:
            if prop.role == REF and prop.target and self.published(prop.target):
                nav_name = prop.name[: -len("_Key")]
                assoc = f"{type_name}_{nav_name}"
                navs.append(NavigationProperty(nav_name, prop.name, prop.target, assoc))
                self.model.associations.append(Association(assoc, type_name, prop.target))
        return navs

    def entity_type(self, name: str, properties: list[Property], key_names: tuple[str, ...], *,
                    always_open: bool = False) -> EntityType:
        """An entity type with its navigation properties (and their associations)."""
        entity_type = EntityType(name, properties, key_names, always_open=always_open)
        entity_type.navigation = self.navigation_for(name, properties)
        return entity_type

    def add_set(self, entity_set: EntitySet) -> None:
        if entity_set.name in self.model.entity_sets or entity_set.name in self.model.complex_types:
            raise cfg.ConfigurationError(f"two published objects produce the name {entity_set.name}")
        self.model.entity_sets[entity_set.name] = entity_set

    def add_complex_type(self, complex_type: ComplexType) -> ComplexType:
        self.model.complex_types[complex_type.name] = complex_type
        return complex_type

    def standard_properties(self, obj: cfg.ReferenceObject) -> list[Property]:
        """Standard properties of the reference kinds without a kind module yet (exchange plans,
        charts of accounts and of calculation types, business processes, tasks: issues #13-#15);
        the other kinds state theirs in ``kinds/<kind>.py``."""
        props = [ref_key()]
        if isinstance(obj, (cfg.ChartOfAccounts, cfg.ChartOfCalculationTypes)):
            props += predefined()
        props.append(data_version())
        if not isinstance(obj, cfg.BusinessProcess):
            props += description(obj.description_length)
        if isinstance(obj, (cfg.ExchangePlan, cfg.ChartOfAccounts, cfg.ChartOfCalculationTypes)):
            props += code(obj.code_length)
        if isinstance(obj, (cfg.BusinessProcess, cfg.Task)):
            props += number_and_date(obj.number_length, getattr(obj, "number_type", "String") == "Number")
        return props + [deletion_mark()]
