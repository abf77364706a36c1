"""Registers in the EDM model: record sets, ``_RecordType`` records, independent information
registers, virtual-table result types and their FunctionImports (reference §1.5, §3.3, §4.2).

    >>> model = build_model(configuration)          # uses RegisterBuilder
    >>> model.entity_set("AccumulationRegister_Stock").records.name
    'AccumulationRegister_Stock_RecordType'
"""

from __future__ import annotations

import dataclasses

from . import configuration as cfg
from .model import (
    COMPOSITE, COMPOSITE_TYPE, INDEPENDENT_RECORDS, KEY, NAMESPACE, OBJECT, PERIOD_FIELDS, RECORD_SET, RECORDS, REF,
    TABULAR, VALUE, ComplexType, EntitySet, EntityType, FunctionImport, Model, Property, _Builder, edm_type_of,
)
from .kinds import kind_of
from .registers import Layout, build_result_set, recorders_of
from .types import Boolean, Composite, Date, Number, Ref, String


class RegisterBuilder(_Builder):
    def build(self) -> Model:
        super().build()
        for obj in self.conf.objects:  # kinds whose module builds them (kinds/journal.py, ...)
            kind = kind_of(obj)
            if obj.published and kind is not None and kind.build is not None:
                kind.build(self, obj)
        return self.model

    def built_by_kind(self, obj: cfg.MetadataObject) -> bool:
        kind = kind_of(obj)
        return kind is not None and kind.build is not None

    def recorder_properties(self, reg: cfg.RegisterObject, *, nullable: bool) -> tuple[list[Property], list[Property]]:
        recorders = recorders_of(self.conf, reg)
        if not recorders:
            raise cfg.ConfigurationError(f"{reg.object_id}: no document posts to this register")
        if len(recorders) == 1:
            target = Ref(_ref_text(recorders[0]))
            return [Property("Recorder_Key", "Edm.Guid", REF, target, nullable, "Recorder", target.object_id)], []
        composite = Composite(tuple(Ref(_ref_text(r)) for r in recorders))
        return ([Property("Recorder", "Edm.String", COMPOSITE, composite, nullable, "Recorder")],
                [Property("Recorder_Type", "Edm.String", COMPOSITE_TYPE, composite, nullable, "Recorder")])

    def register_attributes(self, reg: cfg.RegisterObject, key_dimensions: bool):
        dims, dim_types = self.attribute_properties(
            reg.dimensions, key_names={a.name for a in reg.dimensions} if key_dimensions else ())
        rest, rest_types = self.attribute_properties(reg.resources + reg.attributes)
        return dims + rest, dim_types + rest_types

    def independent_register(self, reg: cfg.InformationRegister) -> None:
        name = reg.object_id
        props: list[Property] = []
        key: list[str] = []
        if reg.periodicity != "none":
            props.append(Property("Period", "Edm.DateTime", KEY, Date("datetime", reg.periodicity), False, "Period"))
            key.append("Period")
        attrs, types = self.register_attributes(reg, key_dimensions=True)
        props += attrs + types
        for prop in props:
            if prop.attribute in {d.name for d in reg.dimensions}:
                key.append(prop.name)
        if not key:
            raise cfg.ConfigurationError(f"{name}: an independent register needs a periodicity or a dimension")
        entity_type = EntityType(name, props, tuple(key))
        entity_type.navigation = self.navigation_for(name, props)
        self.add_set(EntitySet(name, entity_type, INDEPENDENT_RECORDS, reg))
        for function in ("SliceLast", "SliceFirst"):
            self.model.function_imports.append(FunctionImport(
                function, name, (("Condition", "Edm.String"), ("Period", "Edm.DateTime")), False,
                f"Collection({NAMESPACE}.{name})"))

    def recorder_register(self, reg: cfg.RegisterObject) -> None:
        name = reg.object_id
        balance = isinstance(reg, cfg.AccumulationRegister) and reg.register_kind == "balance"
        periodic = not isinstance(reg, cfg.InformationRegister) or reg.periodicity != "none"
        recorder, recorder_type = self.recorder_properties(reg, nullable=True)
        record_props = list(recorder)
        if periodic:
            period = reg.periodicity if isinstance(reg, cfg.InformationRegister) else ""
            record_props.append(Property("Period", "Edm.DateTime", VALUE, Date("datetime", period), True, "Period"))
        record_props += [Property("LineNumber", "Edm.Int64", KEY, Number(9), False, "LineNumber"),
                         Property("Active", "Edm.Boolean", VALUE, Boolean(), True, "Active")]
        if balance:
            record_props.append(Property("RecordType", "Edm.String", VALUE, String(0), True, "RecordType"))
        attrs, types = self.register_attributes(reg, key_dimensions=isinstance(reg, cfg.InformationRegister))
        record_props += attrs + recorder_type + types
        if isinstance(reg, cfg.InformationRegister):
            # Period and dimensions; by recorder position also Recorder (its _Type after the
            # plain dimensions, as the УТ dump orders it).
            keyed = {d.name for d in reg.dimensions} | ({"Period"} if periodic else set())
            if reg.periodicity == "recorder_position":
                keyed.add("Recorder")
            key = [p.name for p in record_props if p.attribute in keyed]
        else:
            key = [p.name for p in recorder] + ["LineNumber"] + [p.name for p in recorder_type]
        # The RowType repeats the _RecordType's properties with the same Nullable (real dumps).
        row_type = ComplexType(f"{name}_RowType", [_key_nullable(p, key) for p in record_props])
        self.model.complex_types[row_type.name] = row_type

        records_name = f"{name}_RecordType"
        records_type = EntityType(records_name, [_key_nullable(p, key) for p in record_props], tuple(key))
        records_type.navigation = self.navigation_for(records_name, records_type.properties)

        set_key, set_type_props = self.recorder_properties(reg, nullable=False)
        record_set_prop = Property("RecordSet", f"Collection({NAMESPACE}.{row_type.name})", TABULAR, None,
                                   False, "RecordSet", row_type=row_type)
        set_props = set_key + [record_set_prop] + set_type_props
        record_set_type = EntityType(name, set_props, tuple(p.name for p in set_key + set_type_props))
        record_set_type.navigation = self.navigation_for(name, set_props)
        records = EntitySet(records_name, records_type, RECORDS, reg)
        record_set = EntitySet(name, record_set_type, RECORD_SET, reg, records=records)
        records.parent = record_set
        self.add_set(record_set)
        self.add_set(records)
        if isinstance(reg, cfg.InformationRegister):
            for function in ("SliceLast", "SliceFirst"):
                self.model.function_imports.append(FunctionImport(
                    function, records_name, (("Condition", "Edm.String"), ("Period", "Edm.DateTime")), False,
                    f"Collection({NAMESPACE}.{records_name})"))
        else:
            self.virtual_table_types(reg, attrs, types, recorder, recorder_type, balance)

    def virtual_table_types(self, reg, attrs, types, recorder, recorder_type, balance: bool) -> None:
        name = reg.object_id
        dim_names = {d.name for d in reg.dimensions}
        dims = [p for p in attrs if p.attribute in dim_names]
        dim_types = [p for p in types if p.attribute in dim_names]
        resources = [r for r in reg.resources]

        def resource_props(suffixes):
            out = []
            for res in resources:
                for suffix in suffixes:
                    out.append(Property(f"{res.name}{suffix}", edm_type_of(res.type), VALUE, res.type, True,
                                        res.name))
            return out

        def complex_type(type_name, props):
            self.model.complex_types[type_name] = ComplexType(type_name, [_key_nullable(p, ()) for p in props])

        period_props = [Property(n, "Edm.DateTime", VALUE, Date("datetime"), True, n) for n in PERIOD_FIELDS]
        line = [Property("LineNumber", "Edm.Int64", VALUE, Number(9), True, "LineNumber")]
        recorder_cols = [_key_nullable(p, ()) for p in recorder]
        turnover_suffixes = ("Turnover", "Receipt", "Expense") if balance else ("Turnover",)
        vt_params = (("Condition", "Edm.String"), ("Dimensions", "Edm.String"))
        range_params = vt_params + (("EndPeriod", "Edm.DateTime"), ("StartPeriod", "Edm.DateTime"))
        if balance:
            complex_type(f"{name}_Balance", dims + resource_props(("Balance",)) + dim_types)
            self.model.function_imports.append(FunctionImport(
                "Balance", name, vt_params + (("Period", "Edm.DateTime"),), False,
                f"Collection({NAMESPACE}.{name}_Balance)"))
        complex_type(f"{name}_Turnover", dims + period_props + recorder_cols + line
                     + resource_props(turnover_suffixes) + dim_types + recorder_type)
        self.model.function_imports.append(FunctionImport(
            "Turnovers", name, range_params, False, f"Collection({NAMESPACE}.{name}_Turnover)"))
        if balance:
            complex_type(f"{name}_BalanceAndTurnover", dims + period_props + recorder_cols + line
                         + resource_props(("OpeningBalance", "Turnover", "Receipt", "Expense", "ClosingBalance"))
                         + dim_types + recorder_type)
            self.model.function_imports.append(FunctionImport(
                "BalanceAndTurnovers", name, range_params, False,
                f"Collection({NAMESPACE}.{name}_BalanceAndTurnover)"))


def _ref_text(object_id: str) -> str:
    kind, _, name = object_id.partition("_")
    return f"{kind}Ref.{name}"


def _key_nullable(prop: Property, key_names) -> Property:
    """A copy with Nullable="false" exactly on key properties (§4.2)."""
    nullable = prop.name not in key_names
    return prop if prop.nullable == nullable else dataclasses.replace(prop, nullable=nullable)


def build_model(configuration: cfg.Configuration) -> Model:
    """The EDM model of a configuration (every published object, registers included), with
    everything derived from it computed here, once: nothing changes it while answering."""
    model = RegisterBuilder(configuration).build()
    for entity_set in list(model.entity_sets.values()):
        kind = kind_of(entity_set.source)
        for action in kind.actions if kind is not None and entity_set.kind == OBJECT else ():
            model.function_imports.append(FunctionImport(
                action, entity_set.name, (("PostingModeOperational", "Edm.Boolean"),), True))
    for entity_set in list(model.entity_sets.values()):
        if entity_set.is_register:
            model.layouts[entity_set.name] = Layout.build(model, entity_set)
        for function in ("Balance", "Turnovers", "BalanceAndTurnovers"):
            if entity_set.kind == RECORD_SET or entity_set.kind == INDEPENDENT_RECORDS:
                result = build_result_set(model, entity_set, function)
                if result is not None:  # a kind module may have built its own (accounting)
                    model.vt_result_sets.setdefault(result.name, result)
    for complex_type in [*model.complex_types.values(), *model.entity_types,
                         *(s.entity_type for s in model.vt_result_sets.values())]:
        complex_type.property("")  # builds the name index now
    return model
