"""The EDM model, built from a configuration by the fixed naming rules of 1C (reference §1-4).

Providers never supply metadata: they read this model to know tables and columns::

    >>> model = build_model(configuration)
    >>> goods = model.entity_set("Catalog_Goods")
    >>> [p.name for p in goods.entity_type.key]
    ['Ref_Key']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from . import configuration as cfg
from .types import Boolean, Composite, Date, Number, Ref, String, TypeDescription, Uuid, ValueStorage, ValueType

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


@dataclass(frozen=True)
class NavigationProperty:
    name: str
    key_property: str  # the X_Key property that holds the target's key
    target_set: str  # entity-set name of the (published) target
    association: str  # <SourceEntityTypeName>_<PropertyName>


@dataclass
class ComplexType:
    name: str
    properties: list[Property] = field(default_factory=list)

    def property(self, name: str) -> Property | None:
        return self._by_name().get(name)

    def _by_name(self) -> dict[str, Property]:
        cached = self.__dict__.get("_index")
        if cached is None or len(cached) != len(self.properties):
            cached = {p.name: p for p in self.properties}
            self.__dict__["_index"] = cached
        return cached


@dataclass
class EntityType(ComplexType):
    key_names: tuple[str, ...] = ()
    navigation: list[NavigationProperty] = field(default_factory=list)
    always_open: bool = False  # document journals are open types without a composite (§3.3)

    @property
    def open_type(self) -> bool:
        """OpenType="true" on types with a composite (X_Type) property (§4.2) and on journals."""
        return self.always_open or any(p.role == COMPOSITE_TYPE for p in self.properties)

    @property
    def key(self) -> list[Property]:
        return [self.property(n) for n in self.key_names]  # type: ignore[misc]

    def navigation_property(self, name: str) -> NavigationProperty | None:
        for nav in self.navigation:
            if nav.name == name:
                return nav
        return None


@dataclass(frozen=True)
class EnumType:
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Association:
    name: str
    source_type: str
    target_type: str


@dataclass(frozen=True)
class FunctionImport:
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
class EntitySet:
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


class Model:
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

    @property
    def entity_types(self) -> Iterator[EntityType]:
        for entity_set in self.entity_sets.values():
            yield entity_set.entity_type

    def is_published(self, object_id: str) -> bool:
        obj = self.configuration.find(object_id)
        return obj is not None and obj.published


def edm_type_of(value_type: ValueType) -> str:
    """EDM type of a declared 1C type (§3.1): numbers with a scale are Edm.Double."""
    if isinstance(value_type, String):
        return "Edm.String"
    if isinstance(value_type, Number):
        if value_type.scale:
            return "Edm.Double"
        if value_type.digits <= 4:
            return "Edm.Int16"
        if value_type.digits <= 9:
            return "Edm.Int32"
        return "Edm.Int64"
    if isinstance(value_type, Date):
        return "Edm.DateTime"
    if isinstance(value_type, Boolean):
        return "Edm.Boolean"
    if isinstance(value_type, Uuid):
        return "Edm.Guid"
    if isinstance(value_type, Ref):
        return "Edm.String" if value_type.is_enum else "Edm.Guid"
    if isinstance(value_type, ValueStorage):
        return "Edm.Binary"
    return "Edm.String"


class _Builder:
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

    def add_set(self, entity_set: EntitySet) -> None:
        if entity_set.name in self.model.entity_sets or entity_set.name in self.model.complex_types:
            raise cfg.ConfigurationError(f"two published objects produce the name {entity_set.name}")
        self.model.entity_sets[entity_set.name] = entity_set

    def build(self) -> Model:
        for obj in self.conf.objects:
            if not obj.published:
                continue
            if isinstance(obj, cfg.Enum):
                self.model.enum_types[obj.name] = EnumType(obj.name, obj.members)
            elif isinstance(obj, cfg.Constant):
                self.constant(obj)
            elif isinstance(obj, cfg.ReferenceObject) and not self.built_by_kind(obj):
                self.reference_object(obj)
            # The register methods live in register_model.RegisterBuilder, the class build_model uses.
            elif isinstance(obj, cfg.InformationRegister) and obj.write_mode == "independent":
                self.independent_register(obj)
            elif isinstance(obj, (cfg.InformationRegister, cfg.AccumulationRegister)):
                self.recorder_register(obj)
            # Document journals, accounting and calculation registers: declared objects of those
            # kinds are accepted in configurations but not published yet.
        return self.model

    def built_by_kind(self, obj: cfg.MetadataObject) -> bool:
        """True when a kind module builds the object (register_model.RegisterBuilder knows them)."""
        return False

    def standard_properties(self, obj: cfg.ReferenceObject) -> list[Property]:
        def std(name, edm, role=VALUE, value_type=None, nullable=True, target=None, read_only=False):
            return Property(name, edm, role, value_type, nullable, None, target, read_only)

        props = [std("Ref_Key", "Edm.Guid", KEY, Uuid(), nullable=False)]
        if isinstance(obj, (cfg.Catalog, cfg.ChartOfCharacteristicTypes, cfg.ChartOfAccounts,
                            cfg.ChartOfCalculationTypes)):
            props += [std("Predefined", "Edm.Boolean", value_type=Boolean(), read_only=True),
                      std("PredefinedDataName", "Edm.String", value_type=String(0), read_only=True)]
        props.append(std("DataVersion", "Edm.String", value_type=String(0), read_only=True))
        if isinstance(obj, (cfg.Catalog, cfg.ExchangePlan, cfg.ChartOfCharacteristicTypes,
                            cfg.ChartOfAccounts, cfg.ChartOfCalculationTypes, cfg.Task)):
            if obj.description_length > 0:
                props.append(std("Description", "Edm.String", value_type=String(obj.description_length)))
        if isinstance(obj, cfg.Catalog) and obj.code_length > 0:
            if obj.code_type == "Number":
                props.append(std("Code", "Edm.Int64", value_type=Number(obj.code_length)))
            else:
                props.append(std("Code", "Edm.String", value_type=String(obj.code_length)))
        elif isinstance(obj, (cfg.ExchangePlan, cfg.ChartOfCharacteristicTypes, cfg.ChartOfAccounts,
                              cfg.ChartOfCalculationTypes)) and obj.code_length > 0:
            props.append(std("Code", "Edm.String", value_type=String(obj.code_length)))
        if isinstance(obj, (cfg.Document, cfg.BusinessProcess, cfg.Task)):
            if getattr(obj, "number_type", "String") == "Number":
                props.append(std("Number", "Edm.Int64", value_type=Number(obj.number_length)))
            else:
                props.append(std("Number", "Edm.String", value_type=String(obj.number_length)))
            props.append(std("Date", "Edm.DateTime", value_type=Date("datetime")))
        if isinstance(obj, cfg.Catalog):
            if len(obj.owners) == 1:
                owner = Ref(obj.owners[0])
                props.append(std("Owner_Key", "Edm.Guid", REF, owner, target=owner.object_id))
            elif obj.owners:
                owner_type = Composite(tuple(Ref(o) for o in obj.owners))
                props.append(Property("Owner", "Edm.String", COMPOSITE, owner_type, True, "Owner"))
            if obj.hierarchical:
                parent = Ref(f"CatalogRef.{obj.name}")
                props.append(std("Parent_Key", "Edm.Guid", REF, parent, target=obj.object_id))
                if obj.hierarchy == "folders_and_items":
                    props.append(std("IsFolder", "Edm.Boolean", value_type=Boolean()))
        if isinstance(obj, cfg.ChartOfCharacteristicTypes) and obj.hierarchical:
            parent = Ref(f"ChartOfCharacteristicTypesRef.{obj.name}")
            props.append(std("Parent_Key", "Edm.Guid", REF, parent, target=obj.object_id))
            props.append(std("IsFolder", "Edm.Boolean", value_type=Boolean()))
        props.append(std("DeletionMark", "Edm.Boolean", value_type=Boolean()))
        if isinstance(obj, cfg.ChartOfCharacteristicTypes):
            types = self.model.complex_types.setdefault("TypeDescription", ComplexType(
                "TypeDescription", [Property("Types", "Edm.String", VALUE, String(0))]))
            props.append(Property("ValueType", TYPE_DESCRIPTION, VALUE, TypeDescription(), row_type=types))
        if isinstance(obj, cfg.Document):
            props.append(std("Posted", "Edm.Boolean", value_type=Boolean(), read_only=True))
        return props

    def reference_object(self, obj: cfg.ReferenceObject) -> None:
        name = obj.object_id
        props = self.standard_properties(obj)
        trailing: list[Property] = []
        if isinstance(obj, cfg.Catalog) and len(obj.owners) > 1:
            trailing.append(Property("Owner_Type", "Edm.String", COMPOSITE_TYPE, props[-1].value_type, True, "Owner"))
        plain, types = self.attribute_properties(obj.attributes)
        props += plain
        tab_sets = []
        for tab in obj.tabular_sections:
            row_name = f"{name}_{tab.name}_RowType"
            row_props = [
                Property("Ref_Key", "Edm.Guid", KEY, Uuid(), False),
                Property("LineNumber", "Edm.Int64", KEY, Number(5), False),
            ]
            tab_plain, tab_types = self.attribute_properties(tab.attributes)
            row_props += tab_plain + tab_types
            row_type = ComplexType(row_name, row_props)
            self.model.complex_types[row_name] = row_type
            props.append(Property(tab.name, f"Collection({NAMESPACE}.{row_name})", TABULAR,
                                  None, True, tab.name, row_type=row_type))
            # The same rows as a read-only entity set keyed by (Ref_Key, LineNumber) (§1.4).
            tab_type_name = f"{name}_{tab.name}"
            tab_type = EntityType(tab_type_name, list(row_props), ("Ref_Key", "LineNumber"))
            tab_type.navigation = self.navigation_for(tab_type_name, row_props)
            tab_sets.append(EntitySet(tab_type_name, tab_type, TABULAR_SECTION, obj, tab))
        props += trailing + types
        entity_type = EntityType(name, props, ("Ref_Key",))
        entity_type.navigation = self.navigation_for(name, props)
        main = EntitySet(name, entity_type, OBJECT, obj)
        self.add_set(main)
        for tab_set in tab_sets:
            tab_set.parent = main
            self.add_set(tab_set)

    def constant(self, obj: cfg.Constant) -> None:
        plain, types = self.attribute_properties([cfg.Attribute("Value", obj.type)])
        props = plain + types + [Property("SurrogateKey", "Edm.Int16", KEY, Number(1), False)]
        entity_type = EntityType(obj.object_id, props, ("SurrogateKey",))
        entity_type.navigation = self.navigation_for(obj.object_id, props)
        self.add_set(EntitySet(obj.object_id, entity_type, CONSTANT, obj))

