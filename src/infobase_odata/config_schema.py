"""The JSON Schema of ``configuration.json`` and the README's reference table, both generated from
the configuration classes (their dataclass fields, types and defaults), so they cannot drift.

    schema = configuration_schema()         # infobase-odata schema > configuration.schema.json
    rows = reference_rows()                 # (key, kinds, type, default, meaning) for the README
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .configuration import (
    ACCOUNT_TYPES, CALCULATION_DEPENDENCES, CALCULATION_PERIODICITIES, OBJECT_CLASSES, PERIODICITIES, RIGHTS,
    ROUTE_POINT_KINDS, Attribute, PredefinedAccount, PredefinedItem, Role, RoutePoint, TabularSection, User,
    init_fields,
)

SCHEMA_ID = "https://github.com/infobase-odata/infobase-odata/configuration.schema.json"

# Values the classes accept for some keys (checked in their __post_init__).
CHOICES: dict[str, list[str]] = {
    "code_type": ["String", "Number"],
    "number_type": ["String", "Number"],
    "hierarchy": ["folders_and_items", "items"],
    "periodicity": list(PERIODICITIES),
    "write_mode": ["independent", "recorder"],
    "register_kind": ["balance", "turnovers"],
    "dependence": list(CALCULATION_DEPENDENCES),
    "registration_period": list(CALCULATION_PERIODICITIES),
}

MEANING: dict[str, str] = {
    "kind": "Catalog, Document, Enum, Constant, ... (the entity-set prefix)",
    "name": "Name as in the Designer (letters, digits, _; Cyrillic kept)",
    "published": "false leaves the object out of the interface",
    "synonym": "Presentation of the object",
    "attributes": "Attributes: [{\"name\", \"type\"}]",
    "tabular_sections": "Tabular sections: [{\"name\", \"attributes\"}]",
    "code_length": "Length of Code (0: no Code)",
    "code_type": "Type of Code",
    "code_prefix": "Prefix of generated codes",
    "description_length": "Length of Description (0: no Description)",
    "hierarchical": "Has Parent and IsFolder",
    "hierarchy": "Groups and items, or items only",
    "owners": "Owners of a subordinate catalog (CatalogRef.X)",
    "number_length": "Length of Number",
    "number_type": "Type of Number",
    "number_prefix": "Prefix of generated numbers",
    "registers": "Register object ids the document posts to",
    "members": "Enumeration values",
    "type": "Value type: String(100), Number(15,2), Date, Boolean, CatalogRef.X, ... or a list (composite)",
    "documents": "Document object ids of the journal",
    "columns": "Journal columns (графы): [{\"name\", \"type\"}]",
    "mapping": "Journal column -> {document id: its attribute} (default: the attribute of the column's name)",
    "content": "Object ids (catalogs, documents, registers) whose changes the plan registers",
    "this_node": "Code of the node that is this infobase (it gets no changes; empty: none)",
    "dimensions": "Register dimensions: [{\"name\", \"type\"}]",
    "resources": "Register resources: [{\"name\", \"type\"}]",
    "recorders": "Recorder document ids",
    "periodicity": "Periodic information register: the Period granularity",
    "write_mode": "Independent records, or records subordinate to a recorder",
    "register_kind": "Accumulation register of balances or of turnovers",
    "task": "The Task object id the process's activities create",
    "route": "Route map: [{\"name\", \"kind\" (start, activity, condition, end), \"next\", \"then\", \"otherwise\", "
             "\"description\", \"addressing\"}]",
    "addressing": "Addressing attributes (реквизиты адресации): [{\"name\", \"type\"}]",
    "action_period": "Calculation types/records have an action period (ActionPeriod, BegOf/EndOfActionPeriod)",
    "dependence": "How calculation types depend on their base types: none, action_period, registration_period",
    "action_period_is_basic": "Predefined calculation types whose ActionPeriodIsBasic is true",
    "displacing": "Predefined calculation type -> the types that displace it",
    "base": "Predefined calculation type -> its base types",
    "leading": "Predefined calculation type -> its leading types",
    "chart": "The ChartOfCalculationTypes_X of the register's records",
    "registration_period": "Periodicity of RegistrationPeriod",
    "base_period": "Records have a base period (BegOfBasePeriod, EndOfBasePeriod)",
    "schedule": "Schedule: an InformationRegister_X with a Date dimension and numeric resources",
    "schedule_date": "The schedule's Date dimension (default: its first Date dimension)",
    "base_registers": "Calculation registers whose records make the Base<Register> virtual tables",
    "recalculations": "Recalculation name -> the register dimensions it lists",
    "predefined": "Predefined items: names (calculation types), [{\"name\", \"type\"}] (characteristic types) or accounts "
                  "[{\"name\", \"code\", \"type\", \"parent\", \"ext_dimensions\", ...}]",
    "ext_dimension_types": "The ChartOfCharacteristicTypes object id of the ext dimensions (субконто)",
    "max_ext_dimensions": "Most ext dimensions of an account",
    "accounting_flags": "Accounting flags (признаки учета) of accounts (Boolean properties)",
    "ext_dimension_accounting_flags": "Accounting flags of ext dimensions (ExtDimensionTypes columns)",
    "chart_of_accounts": "The ChartOfAccounts object id of the register",
    "correspondence": "Entries with AccountDr/AccountCr (false: Account + RecordType Debit/Credit)",
    "unbalanced": "Names of non-balanced dimensions and resources (split into …Dr/…Cr)",
}

_JSON_TYPES = {"str": "string", "int": "integer", "bool": "boolean", "ValueType": "type",
               "tuple[str, ...]": "list of strings", "tuple[Attribute, ...]": "list of attributes",
               "tuple[TabularSection, ...]": "list of tabular sections", "tuple[RoutePoint, ...]": "list of route points",
               "Mapping[str, Mapping[str, str]]": "object", "Mapping[str, tuple[str, ...]]": "object",
               "tuple[PredefinedItem, ...]": "list of predefined items",
               "tuple[PredefinedAccount, ...]": "list of predefined accounts"}

_TYPE = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}],
         "description": MEANING["type"]}


def _field_schema(annotation: str) -> dict[str, Any]:
    text = str(annotation).replace(" ", "")
    if text == "str":
        return {"type": "string"}
    if text == "int":
        return {"type": "integer", "minimum": 0}
    if text == "bool":
        return {"type": "boolean"}
    if text == "ValueType":
        return {"$ref": "#/$defs/Type"}
    if text == "Mapping[str,Mapping[str,str]]":
        return {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}}
    if text == "Mapping[str,tuple[str,...]]":
        return {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
    if text.startswith("tuple[") and text.endswith(",...]"):
        item = text[len("tuple["):-len(",...]")]
        ref = {"Attribute": "#/$defs/Attribute", "TabularSection": "#/$defs/TabularSection",
               "RoutePoint": "#/$defs/RoutePoint", "PredefinedItem": "#/$defs/PredefinedItem",
               "PredefinedAccount": "#/$defs/PredefinedAccount"}.get(item)
        return {"type": "array", "items": {"$ref": ref} if ref else _field_schema(item)}
    raise TypeError(f"no JSON Schema for a field of type {annotation}")


def _default(field: dataclasses.Field) -> Any:
    if field.default is not dataclasses.MISSING and field.default is not None:
        return list(field.default) if isinstance(field.default, tuple) else field.default
    return None


def _object_schema(cls: type) -> dict[str, Any]:
    properties: dict[str, Any] = {"kind": {"const": cls.kind, "description": MEANING["kind"]}}  # type: ignore[attr-defined]
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        schema = _field_schema(field.type)
        if field.name in CHOICES:
            schema = {"enum": CHOICES[field.name]}
        default = _default(field)
        if default is not None:
            schema["default"] = default
        if field.name in MEANING and "$ref" not in schema:
            schema["description"] = MEANING[field.name]
        properties[field.name] = schema
    return {"type": "object", "required": ["kind", "name"], "additionalProperties": False, "properties": properties}


def configuration_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a configuration file."""
    defs: dict[str, Any] = {kind: _object_schema(cls) for kind, cls in OBJECT_CLASSES.items()}
    defs["Type"] = _TYPE
    defs["Attribute"] = {"type": "object", "required": ["name", "type"], "additionalProperties": False,
                         "properties": {"name": {"type": "string"}, "type": {"$ref": "#/$defs/Type"},
                                        "column": {"type": ["string", "null"]}}}
    assert init_fields(Attribute) == ("name", "type", "column")
    assert init_fields(TabularSection) == ("name", "attributes")
    defs["TabularSection"] = {"type": "object", "required": ["name"], "additionalProperties": False,
                              "properties": {"name": {"type": "string"},
                                             "attributes": {"type": "array", "items": {"$ref": "#/$defs/Attribute"}}}}
    assert init_fields(RoutePoint) == ("name", "kind", "next", "then", "otherwise", "description", "addressing")
    defs["RoutePoint"] = {"type": "object", "required": ["name", "kind"], "additionalProperties": False,
                          "properties": {"name": {"type": "string"}, "kind": {"enum": list(ROUTE_POINT_KINDS)},
                                         **{k: {"type": "string"} for k in ("next", "then", "otherwise", "description")},
                                         "addressing": {"type": "object", "description": "Addressing attribute values"}}}
    assert init_fields(PredefinedItem) == ("name", "type", "description", "code")
    defs["PredefinedItem"] = {"type": "object", "required": ["name", "type"], "additionalProperties": False,
                              "properties": {"name": {"type": "string"}, "type": {"$ref": "#/$defs/Type"},
                                             "description": {"type": "string"}, "code": {"type": "string"}}}
    names = {"type": "array", "items": {"type": "string"}}
    defs["PredefinedAccount"] = {
        "type": "object", "required": ["name", "code"], "additionalProperties": False,
        "properties": {"name": {"type": "string"}, "code": {"type": "string"}, "description": {"type": "string"},
                       "type": {"enum": list(ACCOUNT_TYPES)}, "parent": {"type": "string"},
                       "off_balance": {"type": "boolean"}, "ext_dimensions": names, "turnovers_only": names,
                       "flags": names}}
    assert set(defs["PredefinedAccount"]["properties"]) == set(init_fields(PredefinedAccount))
    rights = {"oneOf": [{"enum": [*RIGHTS, "*"]}, {"type": "array", "items": {"enum": [*RIGHTS, "*"]}}]}
    assert init_fields(Role) == ("name", "rights", "restrictions") and init_fields(User) == ("name", "password", "roles")
    defs["Role"] = {"type": "object", "required": ["name"], "additionalProperties": False,
                    "properties": {"name": {"type": "string"},
                                   "rights": {"type": "object", "additionalProperties": rights,
                                              "description": "Rights per object id or glob (Catalog_*)"},
                                   "restrictions": {"type": "object", "additionalProperties": {"type": "string"},
                                                    "description": "Row restriction ($filter text) per object id"}}}
    defs["User"] = {"type": "object", "required": ["name"], "additionalProperties": False,
                    "properties": {"name": {"type": "string"},
                                   "password": {"type": "string", "pattern": "^(pbkdf2_sha256|scrypt)\\$",
                                                "description": "A hash from infobase-odata hash-password"},
                                   "roles": {"oneOf": [{"type": "string"},
                                                       {"type": "array", "items": {"type": "string"}}]}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "infobase-odata configuration",
        "type": "object",
        "required": ["objects"],
        "additionalProperties": False,
        "properties": {
            "$schema": {"type": "string"},
            "name": {"type": "string", "description": "Configuration name (the default publication prefix)"},
            "handlers": {"type": "string", "description": "Event handler module beside the file (handlers.py)"},
            "objects": {"type": "array", "items": {"oneOf": [{"$ref": f"#/$defs/{k}"} for k in OBJECT_CLASSES]}},
            "roles": {"type": "array", "items": {"$ref": "#/$defs/Role"}},
            "users": {"type": "array", "items": {"$ref": "#/$defs/User"}},
        },
        "$defs": defs,
    }


def reference_rows() -> list[tuple[str, str, str, str, str]]:
    """(key, kinds, type, default, meaning) of every object key, in first-declared order."""
    rows: dict[str, list[Any]] = {}
    for kind, cls in OBJECT_CLASSES.items():
        for field in [None, *dataclasses.fields(cls)]:
            name = "kind" if field is None else field.name
            if field is not None and not field.init:
                continue
            if name not in rows:
                kind_type = "string" if field is None else _JSON_TYPES[str(field.type)]
                value = None if field is None else _default(field)
                default = "" if value in (None, "") else json.dumps(value)
                rows[name] = [name, [], kind_type, default, MEANING.get(name, "")]
            rows[name][1].append(kind)
    everywhere = len(OBJECT_CLASSES)
    return [(name, "all" if len(kinds) == everywhere else ", ".join(kinds), type_, default, meaning)
            for name, kinds, type_, default, meaning in rows.values()]
