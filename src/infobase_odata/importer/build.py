"""Turn a parsed ``$metadata`` (:class:`~.edmx.Edm`) into a configuration dict and a report.

Everything the EDM tells is recovered by the 1C naming rules (reference §1-4); what it cannot
tell (string lengths, number digits, periodicity, code lengths, composite and recorder types of
trimmed dumps, ...) gets a default that is listed in the report::

    >>> config, report = build_configuration(read_edmx(data), name="ut")
    >>> config["objects"][0]["kind"]
    'Enum'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import PERIOD_FIELDS
from .edmx import Edm, EdmProperty, EdmStructure

REFERENCE_KINDS = ("Catalog", "Document", "ExchangePlan", "ChartOfCharacteristicTypes", "ChartOfAccounts",
                   "ChartOfCalculationTypes", "BusinessProcess", "Task")
REGISTER_KINDS = ("InformationRegister", "AccumulationRegister", "AccountingRegister", "CalculationRegister")
KINDS = REFERENCE_KINDS + REGISTER_KINDS + ("Constant", "DocumentJournal")
# Kinds whose own attributes are imported but whose standard properties and functions the
# project does not model yet (their issues are open): the round trip differs there.
PARTLY_MODELLED = {
    "ChartOfAccounts": "chart-of-accounts standard properties (Order, OffBalance, Kind, ExtDimensionTypes)",
    "ChartOfCalculationTypes": "chart-of-calculation-types standard properties",
}
NOT_MODELLED = {
    "AccountingRegister": "accounting registers are not modelled by the project yet",
    "CalculationRegister": "calculation registers are not modelled by the project yet",
}

# Standard properties per kind (reference §3.2); the model regenerates the supported ones.
_COMMON = {"Ref_Key", "DataVersion", "DeletionMark"}
STANDARD: dict[str, set[str]] = {
    "Catalog": _COMMON | {"Predefined", "PredefinedDataName", "Description", "Code", "Owner_Key", "Owner",
                          "Owner_Type", "Parent_Key", "IsFolder"},
    "Document": _COMMON | {"Number", "Date", "Posted"},
    "ExchangePlan": _COMMON | {"Code", "Description", "SentNo", "ReceivedNo", "ExchangeDate", "ThisNode"},
    "ChartOfCharacteristicTypes": _COMMON | {"Predefined", "PredefinedDataName", "Description", "Code",
                                             "Parent_Key", "IsFolder", "ValueType"},
    "ChartOfAccounts": _COMMON | {"Predefined", "PredefinedDataName", "Description", "Code", "Parent_Key",
                                  "Order", "OffBalance", "Kind", "ExtDimensionTypes"},
    "ChartOfCalculationTypes": _COMMON | {"Predefined", "PredefinedDataName", "Description", "Code",
                                          "ActionPeriodIsBasic", "LeadingCalculationTypes",
                                          "DisplacingCalculationTypes", "BaseCalculationTypes"},
    "BusinessProcess": _COMMON | {"Number", "Date", "Started", "Completed", "HeadTask", "HeadTask_Type"},
    "Task": _COMMON | {"Number", "Date", "Description", "BusinessProcess", "BusinessProcess_Type",
                       "RoutePoint", "RoutePoint_Type", "Executed"},
}
MODELLED_STANDARD = {"Ref_Key", "DataVersion", "DeletionMark", "Predefined", "PredefinedDataName", "Description",
                     "Code", "Owner_Key", "Owner", "Owner_Type", "Parent_Key", "IsFolder", "Number", "Date", "Posted",
                     "ValueType", "Started", "Completed", "HeadTask", "HeadTask_Type", "BusinessProcess",
                     "BusinessProcess_Type", "RoutePoint", "RoutePoint_Type", "Executed", "SentNo", "ReceivedNo", "ExchangeDate"}
JOURNAL_STANDARD = {"Ref", "Type", "Date", "DeletionMark", "Number", "Posted", "Ref_Type"}
REGISTER_STANDARD = {"Recorder", "Recorder_Key", "Recorder_Type", "Period", "LineNumber", "Active", "RecordType"}

# Defaults for what the EDM cannot tell.
STRING = "String(0)"
NUMBERS = {"Edm.Int16": "Number(4,0)", "Edm.Int32": "Number(9,0)", "Edm.Int64": "Number(10,0)",
           "Edm.Double": "Number(15,2)", "Edm.Decimal": "Number(15,2)", "Edm.Byte": "Number(3,0)",
           "Edm.SByte": "Number(2,0)"}
SCALARS = {"Edm.String": STRING, "Edm.DateTime": "DateTime", "Edm.DateTimeOffset": "DateTime",
           "Edm.Boolean": "Boolean", "Edm.Guid": "UUID", **NUMBERS}
COMPOSITE = ["String(0)", "Number(15,2)"]
CODE_LENGTH = 9
DESCRIPTION_LENGTH = 100
NUMBER_LENGTH = 11
PERIODICITY = "day"
UNPUBLISHED = "НеопубликованныйОбъект"  # stand-in target of references to objects the dump lacks
UNKNOWN = "НеизвестныйОбъект"  # stand-in target of navigation properties whose Association is missing


@dataclass
class Report:
    """What the importer chose: ``defaults`` (EDM cannot tell), ``guesses`` (inferred from
    names or order), ``stand_ins`` (objects created for targets the dump lacks) and
    ``not_imported`` (kinds or properties the project does not model)."""

    defaults: list[dict[str, str]] = field(default_factory=list)
    guesses: list[dict[str, str]] = field(default_factory=list)
    stand_ins: list[dict[str, str]] = field(default_factory=list)
    not_imported: list[dict[str, str]] = field(default_factory=list)

    def default(self, where: str, what: str, chosen: Any, why: str) -> None:
        self.defaults.append({"object": where, "item": what, "chosen": chosen, "why": why})

    def as_dict(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "guesses": self.guesses, "stand_ins": self.stand_ins,
                "not_imported": self.not_imported}


def kind_of(name: str) -> str:
    """The 1C kind of an entity-set / type name (``Catalog_X_Tab`` -> ``Catalog``), or ''."""
    prefix = name.split("_", 1)[0]
    return prefix if prefix in KINDS else ""


def ref_text(object_id: str) -> str:
    kind, _, name = object_id.partition("_")
    return f"{kind}Ref.{name}"


class _Importer:
    def __init__(self, edm: Edm) -> None:
        self.edm = edm
        self.report = Report()
        self.objects: dict[str, dict[str, Any]] = {}  # object id -> configuration entry
        self.stand_ins: dict[str, dict[str, Any]] = {}
        self.documents = [n for n, t in edm.entity_sets.items() if n == t and kind_of(n) == "Document"]

    # --- references -------------------------------------------------------------------------

    def stand_in(self, kind: str, name: str, published: bool, why: str) -> str:
        object_id = f"{kind}_{name}"
        if object_id not in self.stand_ins and object_id not in self.objects:
            entry: dict[str, Any] = {"kind": kind, "name": name}
            if not published:
                entry["published"] = False
            self.stand_ins[object_id] = entry
            self.report.stand_ins.append({"object": object_id, "published": published, "why": why})
        return object_id

    def target_of(self, structure: EdmStructure | None, attribute: str, where: str) -> str:
        """Object id a ``<attribute>_Key`` property refers to."""
        relationship = None
        if structure is not None:
            relationship = dict(structure.navigation).get(attribute)
        if relationship is None and structure is None:
            relationship = f"{where}_{attribute}" if f"{where}_{attribute}" in self.edm.associations else None
        if relationship and relationship in self.edm.associations:
            target = self.edm.associations[relationship][1]
            kind, _, name = target.partition("_")
            if kind in REFERENCE_KINDS and name and target not in self.objects:
                self.stand_in(kind, name, True, f"target of {relationship}, absent from the dump")
            if kind in REFERENCE_KINDS and name:
                return target
        if relationship:
            self.report.guesses.append({"object": where, "item": f"{attribute}_Key",
                                        "guess": ref_text(f"Catalog_{UNKNOWN}"),
                                        "why": f"navigation property without its Association {relationship}"})
            return self.stand_in("Catalog", UNKNOWN, True, "target of navigation properties whose Association "
                                 "the dump lacks (the target type cannot be known)")
        self.report.default(where, f"{attribute}_Key", ref_text(f"Catalog_{UNPUBLISHED}"),
                            "a reference without a navigation property points to an unpublished object "
                            "whose type the EDM does not name")
        return self.stand_in("Catalog", UNPUBLISHED, False, "target of references to unpublished objects")

    # --- attributes -------------------------------------------------------------------------

    def attributes(self, props: list[EdmProperty], structure: EdmStructure | None, where: str,
                   skip: set[str] = frozenset()) -> tuple[list[dict], list[dict]]:
        """Attributes (in order) and tabular sections from the properties not in ``skip``."""
        names = {p.name for p in props}
        attributes: list[dict] = []
        tabular: list[dict] = []
        for prop in props:
            name = prop.name
            if name in skip:
                continue
            if name.endswith("_Type") and name[: -len("_Type")] in names:
                continue  # the type part of a composite X / X_Type
            if prop.type.startswith("Collection("):
                tabular.append(self.tabular_section(name, prop.type[len("Collection("):-1], where))
            elif f"{name}_Type" in names:
                attributes.append({"name": name, "type": list(COMPOSITE)})
                self.report.default(where, name, COMPOSITE, "the EDM does not list the types of a composite")
            elif name.endswith("_Key") and prop.type == "Edm.Guid":
                attribute = name[: -len("_Key")]
                attributes.append({"name": attribute, "type": ref_text(self.target_of(structure, attribute, where))})
            else:
                attributes.append({"name": name, "type": self.scalar(prop, where)})
        return attributes, tabular

    def scalar(self, prop: EdmProperty, where: str) -> str:
        if prop.type == "Edm.String" and prop.name in self.edm.enum_types:
            self.report.guesses.append({"object": where, "item": prop.name, "guess": f"EnumRef.{prop.name}",
                                        "why": "an Edm.String property named like an EnumType"})
            return f"EnumRef.{prop.name}"
        chosen = SCALARS.get(prop.type)
        if chosen is None:
            self.report.not_imported.append({"object": where, "item": prop.name,
                                             "why": f"type {prop.type} is not modelled; imported as String(0)"})
            return STRING
        if chosen.startswith(("String", "Number")):
            self.report.default(where, prop.name, chosen, f"the EDM does not tell the {chosen.split('(')[0].lower()} "
                                "qualifiers (length / digits)")
        return chosen

    def tabular_section(self, name: str, row_type: str, owner: str) -> dict:
        structure = self.edm.complex_types.get(row_type)
        entity = self.edm.entity_types.get(f"{owner}_{name}")
        source = structure or entity
        props = source.properties if source else []
        attributes, _ = self.attributes(props, entity, f"{owner}_{name}", {"Ref_Key", "LineNumber"})
        return {"name": name, "attributes": attributes}

    # --- objects ----------------------------------------------------------------------------

    def reference_object(self, type_name: str, structure: EdmStructure) -> dict:
        kind, _, name = type_name.partition("_")
        entry: dict[str, Any] = {"kind": kind, "name": name}
        names = set(structure.names)
        standard = STANDARD[kind]
        for prop in structure.properties:
            if prop.name in standard and prop.name not in MODELLED_STANDARD:
                self.report.not_imported.append({"object": type_name, "item": prop.name,
                                                 "why": f"standard property of {kind} not modelled yet"})
        if kind in ("Catalog", "ExchangePlan", "ChartOfCharacteristicTypes", "ChartOfAccounts",
                    "ChartOfCalculationTypes", "Task"):
            if "Description" in names:
                entry["description_length"] = DESCRIPTION_LENGTH
                self.report.default(type_name, "Description", f"String({DESCRIPTION_LENGTH})", "length not in the EDM")
            else:
                entry["description_length"] = 0
        if kind in ("Catalog", "ExchangePlan", "ChartOfCharacteristicTypes", "ChartOfAccounts",
                    "ChartOfCalculationTypes"):
            code = structure.get("Code")
            if code is None:
                entry["code_length"] = 0
            else:
                entry["code_length"] = CODE_LENGTH
                if kind == "Catalog" and code.type == "Edm.Int64":
                    entry["code_type"] = "Number"
                self.report.default(type_name, "Code", f"length {CODE_LENGTH}", "length not in the EDM")
        if kind in ("Document", "BusinessProcess", "Task"):
            entry["number_length"] = NUMBER_LENGTH
            number = structure.get("Number")
            if kind == "Document" and number is not None and number.type == "Edm.Int64":
                entry["number_type"] = "Number"
            self.report.default(type_name, "Number", f"length {NUMBER_LENGTH}", "length not in the EDM")
        if kind in ("Catalog", "ChartOfCharacteristicTypes") and "Parent_Key" in names:
            entry["hierarchical"] = True
            if kind == "Catalog" and "IsFolder" not in names:
                entry["hierarchy"] = "items"
        if kind == "Catalog":
            if "Owner_Key" in names:
                entry["owners"] = [ref_text(self.target_of(structure, "Owner", type_name))]
            elif "Owner" in names:
                entry["owners"] = [ref_text(self.stand_in("Catalog", f"{UNPUBLISHED}{i}", False,
                                                          "owners of catalogs with a composite Owner"))
                                   for i in (1, 2)]
                self.report.default(type_name, "Owner", entry["owners"], "the EDM does not list the owners")
        attributes, tabular = self.attributes(structure.properties, structure, type_name, standard)
        if attributes:
            entry["attributes"] = attributes
        if tabular:
            entry["tabular_sections"] = tabular
        if kind == "Catalog" or kind == "ChartOfCharacteristicTypes":
            self.report.default(type_name, "predefined items", [], "the EDM does not list predefined items")
        return entry

    def journal(self, type_name: str, structure: EdmStructure) -> dict:
        columns, _ = self.attributes(structure.properties, structure, type_name, JOURNAL_STANDARD)
        documents = [d for d in self.documents  # a document whose type the dump lacks is not one
                     if d in self.edm.entity_types and self.edm.entity_types[d].key == ("Ref_Key",)]
        self.report.default(type_name, "documents", documents,
                            "the EDM does not list a journal's documents: every document of the dump")
        self.report.default(type_name, "mapping", {}, "the EDM does not tell which attribute of each document "
                            "fills a column: the attribute of the column's name")
        entry: dict[str, Any] = {"kind": "DocumentJournal", "name": type_name.partition("_")[2],
                                 "documents": documents}
        if columns:
            entry["columns"] = columns
        return entry

    def constant(self, type_name: str, structure: EdmStructure) -> dict:
        attributes, _ = self.attributes(structure.properties, structure, type_name, {"SurrogateKey"})
        value = next((a for a in attributes if a["name"] == "Value"), {"type": STRING})
        return {"kind": "Constant", "name": type_name.partition("_")[2], "type": value["type"]}

    def register(self, name: str) -> dict | None:
        kind, _, short = name.partition("_")
        set_type = self.edm.entity_types.get(name)
        records = self.edm.entity_types.get(f"{name}_RecordType")
        row_type = self.edm.complex_types.get(f"{name}_RowType")
        if kind in NOT_MODELLED:
            self.report.not_imported.append({"object": name, "item": "", "why": NOT_MODELLED[kind]})
            return None
        entry: dict[str, Any] = {"kind": kind, "name": short}
        independent = (kind == "InformationRegister" and set_type is not None
                       and set_type.get("RecordSet") is None)
        if independent:
            source, nav = set_type, set_type
            keys = set(set_type.key)
            periodic = "Period" in keys
            entry["write_mode"] = "independent"
        else:
            source = records or row_type or set_type
            nav = records
            keys = set(records.key) if records else set()
            periodic = source is not None and source.get("Period") is not None
            if kind == "InformationRegister":
                entry["write_mode"] = "recorder"
            self.recorders(entry, name, source, set_type, records)
        if source is None:
            source = self.from_virtual_tables(name)
            periodic = True
        if source is None:
            return None
        by_recorder = records is not None and ("Recorder" in records.key or "Recorder_Key" in records.key)
        if kind == "InformationRegister" and by_recorder:
            entry["periodicity"] = "recorder_position"  # the records are keyed by the recorder
        elif kind == "InformationRegister":
            entry["periodicity"] = PERIODICITY if periodic else "none"
            if periodic:
                self.report.default(name, "periodicity", PERIODICITY, "the EDM tells only that the register is periodic")
        else:
            balance = (source.get("RecordType") is not None or f"{name}_Balance" in self.edm.complex_types
                       or any(f.binding == name and f.name == "Balance" for f in self.edm.functions))
            entry["register_kind"] = "balance" if balance else "turnovers"
        props = [p for p in source.properties if p.name not in REGISTER_STANDARD and p.name != "RecordSet"]
        attributes, _ = self.attributes(props, nav, f"{name}_RecordType" if not independent else name)
        entry.update(self.split_register_fields(name, kind, attributes, props, keys))
        return entry

    def from_virtual_tables(self, name: str) -> EdmStructure | None:
        """Register fields recovered from a virtual-table result type alone (trimmed dumps)."""
        for suffix, resource_suffixes in (("Balance", ("Balance",)), ("Turnover", ("Turnover", "Receipt", "Expense"))):
            vt = self.edm.complex_types.get(f"{name}_{suffix}")
            if vt is None:
                continue
            skip = set(PERIOD_FIELDS) | REGISTER_STANDARD | {"Recorder_Key"}
            structure = EdmStructure(name)
            for prop in vt.properties:
                if prop.name in skip:
                    continue
                base = next((prop.name[: -len(s)] for s in resource_suffixes if prop.name.endswith(s)), None)
                if base is None:
                    structure.properties.append(prop)
                elif structure.get(base) is None:
                    structure.properties.append(EdmProperty(base, prop.type, True))
            # Plain fields first, then the X_Type parts (the order of the record type).
            structure.properties.sort(key=lambda p: p.name.endswith("_Type") and structure.get(p.name[:-5]) is not None)
            self.report.guesses.append({"object": name, "item": "fields",
                                        "guess": structure.names,
                                        "why": f"only {name}_{suffix} is in the dump: fields recovered from it"})
            return structure
        return None

    def recorders(self, entry: dict, name: str, source, set_type, records) -> None:
        props = source.names if source else []
        if "Recorder_Key" in props:
            if records is not None:
                target = self.target_of(records, "Recorder", f"{name}_RecordType")
            else:
                target = self.target_of(set_type, "Recorder", name)
            if not target.startswith("Document_"):
                target = self.stand_in("Document", UNPUBLISHED, False, "recorder of registers whose recorder "
                                       "the dump does not name")
            entry["recorders"] = [target]
        else:
            documents = list(self.documents)
            for i in range(len(documents), 2):
                documents.append(self.stand_in("Document", f"{UNPUBLISHED}{i + 1}", False,
                                               "recorders of composite-recorder registers when the dump "
                                               "has fewer than two documents"))
            entry["recorders"] = documents
            self.report.default(name, "recorders", documents, "the EDM does not list the recorder types of a "
                                "composite Recorder: every document of the dump")

    def split_register_fields(self, name: str, kind: str, attributes: list[dict], props: list[EdmProperty],
                              keys: set[str]) -> dict:
        def prop_names(attribute: dict) -> set[str]:
            return {attribute["name"], f"{attribute['name']}_Key", f"{attribute['name']}_Type"}

        if kind == "InformationRegister":
            dims = [a for a in attributes if prop_names(a) & keys]
            rest = [a for a in attributes if a not in dims]
            # Resources are summed in SQL by the embedded store, so only numbers can be resources:
            # the leading run of numeric fields; the first other field starts the attributes.
            numeric = {p.name for p in props if p.type in NUMBERS}
            cut = next((i for i, a in enumerate(rest) if a["name"] not in numeric), len(rest))
            if rest:
                self.report.default(name, "resources/attributes",
                                    {"resources": [a["name"] for a in rest[:cut]],
                                     "attributes": [a["name"] for a in rest[cut:]]},
                                    "the EDM does not separate resources from attributes: the leading "
                                    "numeric fields are resources, the rest attributes")
            return {"dimensions": dims, "resources": rest[:cut], "attributes": rest[cut:]}
        vt = [self.edm.complex_types.get(f"{name}_{suffix}") for suffix in ("Balance", "Turnover", "BalanceAndTurnover")]
        vt = [t for t in vt if t is not None]
        if vt:
            vt_names = {p.name for t in vt for p in t.properties}
            dims = [a for a in attributes if prop_names(a) & vt_names]
            resources = [a for a in attributes if any(f"{a['name']}{s}" in vt_names for s in ("Turnover", "Balance"))]
        else:
            numeric = {p.name for p in props if p.type in NUMBERS}
            dims, resources = [], []
            for attribute in attributes:
                if not resources and attribute["name"] not in numeric:
                    dims.append(attribute)
                elif attribute["name"] in numeric and len(dims) + len(resources) == attributes.index(attribute):
                    resources.append(attribute)
                else:
                    break
            self.report.guesses.append({"object": name, "item": "dimensions/resources",
                                        "guess": {"dimensions": [a["name"] for a in dims],
                                                  "resources": [a["name"] for a in resources]},
                                        "why": "no virtual-table type in the dump: the leading non-numeric fields "
                                               "are dimensions, the numeric run after them resources"})
        rest = [a for a in attributes if a not in dims and a not in resources]
        return {"dimensions": dims, "resources": resources, "attributes": rest}

    # --- the whole document -----------------------------------------------------------------

    def main_types(self) -> list[str]:
        """Names of the objects' main entity types, in entity-set order, then the rest."""
        tabular_rows = set()
        for structure in self.edm.entity_types.values():
            for prop in structure.properties:
                if prop.type.startswith("Collection(") and prop.name != "RecordSet":
                    tabular_rows.add(f"{structure.name}_{prop.name}")
        names = list(dict.fromkeys(list(self.edm.entity_sets.values()) + list(self.edm.entity_types)))
        mains = []
        for type_name in names:
            structure = self.edm.entity_types.get(type_name)
            kind = kind_of(type_name)
            if structure is not None and not kind:
                self.report.not_imported.append({"object": type_name, "item": "",
                                                 "why": "not a 1C object kind (unknown entity-set prefix)"})
            if structure is None or not kind or type_name in tabular_rows:
                continue
            if structure.key == ("Ref_Key", "LineNumber"):
                continue  # a tabular section whose owner is absent from the dump
            mains.append(type_name)
        return mains

    def run(self) -> list[dict]:
        registers: list[str] = []
        for type_name in self.main_types():
            kind = kind_of(type_name)
            if kind in REGISTER_KINDS:
                base = type_name[: -len("_RecordType")] if type_name.endswith("_RecordType") else type_name
                if base not in registers:
                    registers.append(base)
                    self.objects[base] = {}
                continue
            if kind == "DocumentJournal":
                self.objects[type_name] = self.journal(type_name, self.edm.entity_types[type_name])
                continue
            self.objects[type_name] = {}
        for name in self.edm.complex_types:
            for suffix in ("_RowType", "_Balance", "_Turnover", "_BalanceAndTurnover"):
                if name.endswith(suffix) and kind_of(name) in REGISTER_KINDS:
                    base = name[: -len(suffix)]
                    if base not in registers:
                        registers.append(base)
                        self.objects[base] = {}
                    break
        for function in self.edm.functions:
            kind, _, short = function.binding.partition("_")
            if kind in REFERENCE_KINDS and function.binding not in self.objects and short:
                self.stand_in(kind, short, True, f"only its FunctionImport {function.name} is in the dump")
        for type_name in list(self.objects):
            kind = kind_of(type_name)
            if kind in REFERENCE_KINDS:
                self.objects[type_name] = self.reference_object(type_name, self.edm.entity_types[type_name])
                if kind in PARTLY_MODELLED:
                    self.report.not_imported.append({"object": type_name, "item": "", "why": PARTLY_MODELLED[kind]})
            elif kind == "Constant":
                self.objects[type_name] = self.constant(type_name, self.edm.entity_types[type_name])
        for name in registers:
            entry = self.register(name)
            if entry is None:
                del self.objects[name]
            else:
                self.objects[name] = entry
        enums = [{"kind": "Enum", "name": name, "members": list(members)}
                 for name, members in self.edm.enum_types.items()]
        stand_ins = [entry for object_id, entry in self.stand_ins.items() if object_id not in self.objects]
        return enums + list(self.objects.values()) + stand_ins


def build_configuration(edm: Edm, name: str = "infobase") -> tuple[dict[str, Any], Report]:
    """The configuration (the JSON structure of ``configuration.json``) and the import report."""
    importer = _Importer(edm)
    objects = importer.run()
    return {"name": name, "objects": objects}, importer.report


__all__ = ["build_configuration", "kind_of", "Report", "PARTLY_MODELLED", "NOT_MODELLED"]
