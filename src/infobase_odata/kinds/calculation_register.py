"""Calculation registers (регистры расчета, reference §1.5, §3.3, §6.4): ``CalculationRegister_<Name>``
record sets keyed by the recorder, ``CalculationRegister_<Name>_RecordType`` records, and the
virtual tables as functions bound to the record set::

    GET CalculationRegister_Accruals/ActualActionPeriod(Condition='Employee_Key eq guid'…'')
    GET CalculationRegister_Accruals/BaseAccruals(MainRegisterDimensions='Employee',BaseRegisterDimensions='Employee')
    GET CalculationRegister_Accruals/ScheduleData()?$filter=DaysActualActionPeriod gt 0
    GET CalculationRegister_Accruals/Recalc()

Record properties (UNCONFIRMED order, README compatibility notes): the recorder, ``LineNumber``,
``Active``, ``RegistrationPeriod``, ``CalculationType_Key``, with an action period
``ActionPeriod``, ``BegOfActionPeriod``, ``EndOfActionPeriod``, with a base period
``BegOfBasePeriod``, ``EndOfBasePeriod``, with an action period ``ReversingEntry``; then
dimensions, resources, attributes and the ``_Type`` properties. Result types:
``<Reg>_ScheduleData`` (the record + ``<Res>ActionPeriod``, ``<Res>ActualActionPeriod``,
``<Res>RegistrationPeriod`` and with a base period ``<Res>BasePeriod`` per numeric schedule
resource), ``<Reg>_ActualActionPeriod`` (recorder, line, type, periods, dimensions: one row per
remaining interval), ``<Reg>_Base<B>`` (the record + ``<Res>Base`` per resource of B + a
``<Dim>ViewPoint`` column per dimension of B) and ``<Reg>_<Recalculation>``
(``RecalculationObject``, ``CalculationType_Key``, the recalculation's dimensions). The
computations are in ``calculations.py``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .. import configuration as cfg, model as m
from ..stores import ObjectWriter, RecordSetStore
from ..types import Boolean, Date, Number, Ref
from .base import Kind

VALUE_TABLES = ("ScheduleData", "ActualActionPeriod")
ALIASES = {"ScheduledData": "ScheduleData"}  # python-1c-odata's spelling; also Base, Recalculation
PERIOD_SUFFIXES = ("ActionPeriod", "ActualActionPeriod", "RegistrationPeriod", "BasePeriod")


def _std(name: str, edm: str, value_type: Any, role: str = m.VALUE, target: str | None = None) -> m.Property:
    return m.Property(name, edm, role, value_type, True, name[:-4] if role == m.REF else name, target)


def standard_properties(reg: cfg.CalculationRegister) -> list[m.Property]:
    """``LineNumber`` … ``ReversingEntry`` (the recorder comes before them)."""
    chart = Ref(f"ChartOfCalculationTypesRef.{reg.chart.partition('_')[2]}")
    day = Date("datetime")
    props = [m.Property("LineNumber", "Edm.Int64", m.KEY, Number(9), False, "LineNumber"),
             _std("Active", "Edm.Boolean", Boolean()),
             _std("RegistrationPeriod", "Edm.DateTime", Date("datetime", reg.registration_period)),
             _std("CalculationType_Key", "Edm.Guid", chart, m.REF, chart.object_id)]
    if reg.action_period:
        props += [_std(n, "Edm.DateTime", day) for n in ("ActionPeriod", "BegOfActionPeriod", "EndOfActionPeriod")]
    if reg.base_period:
        props += [_std(n, "Edm.DateTime", day) for n in ("BegOfBasePeriod", "EndOfBasePeriod")]
    if reg.action_period:
        props.append(_std("ReversingEntry", "Edm.Boolean", Boolean()))
    return props


def _nullable(prop: m.Property, key: tuple[str, ...]) -> m.Property:
    nullable = prop.name not in key
    return prop if prop.nullable == nullable else dataclasses.replace(prop, nullable=nullable)


def build(builder: Any, reg: cfg.CalculationRegister) -> None:
    """The record set, ``_RecordType``, ``_RowType``, result types and FunctionImports of ``reg``
    into a register_model.RegisterBuilder."""
    name = reg.object_id
    recorder, recorder_type = builder.recorder_properties(reg, nullable=True)
    attrs, types = builder.register_attributes(reg, key_dimensions=False)
    record_props = recorder + standard_properties(reg) + attrs + recorder_type + types
    key = tuple([p.name for p in recorder] + ["LineNumber"] + [p.name for p in recorder_type])
    row_type = m.ComplexType(f"{name}_RowType", [_nullable(p, key) for p in record_props])
    builder.model.complex_types[row_type.name] = row_type

    records_type = m.EntityType(f"{name}_RecordType", [_nullable(p, key) for p in record_props], key)
    records_type.navigation = builder.navigation_for(records_type.name, records_type.properties)
    set_key, set_type_props = builder.recorder_properties(reg, nullable=False)
    record_set_prop = m.Property("RecordSet", f"Collection({m.NAMESPACE}.{row_type.name})", m.TABULAR, None,
                                 False, "RecordSet", row_type=row_type)
    set_props = set_key + [record_set_prop] + set_type_props
    record_set_type = m.EntityType(name, set_props, tuple(p.name for p in set_key + set_type_props))
    record_set_type.navigation = builder.navigation_for(name, set_props)
    records = m.EntitySet(records_type.name, records_type, m.RECORDS, reg)
    record_set = m.EntitySet(name, record_set_type, m.RECORD_SET, reg, records=records)
    records.parent = record_set
    builder.add_set(record_set)
    builder.add_set(records)
    _virtual_tables(builder, reg, records_type)


def _virtual_tables(builder: Any, reg: cfg.CalculationRegister, records_type: m.EntityType) -> None:
    conf: cfg.Configuration = builder.conf
    record = [_nullable(p, ()) for p in records_type.properties]
    dims = {d.name for d in reg.dimensions}
    by_attribute = [p for p in record if p.attribute in dims]
    keep = {"LineNumber", "RegistrationPeriod", "CalculationType_Key", "ActionPeriod", "BegOfActionPeriod",
            "EndOfActionPeriod", "Recorder", "Recorder_Key", "Recorder_Type"}
    functions: list[tuple[str, str, list[m.Property], tuple[tuple[str, str], ...]]] = []
    condition = (("Condition", "Edm.String"),)
    if reg.action_period and reg.schedule:
        schedule = conf.object(reg.schedule)
        values = [p for p in schedule_resources(schedule)]
        suffixes = [s for s in PERIOD_SUFFIXES if s != "BasePeriod" or reg.base_period]
        extra = [m.Property(f"{res.name}{s}", m.edm_type_of(res.type), m.VALUE, res.type, True, f"{res.name}{s}")
                 for res in values for s in suffixes]
        functions.append(("ScheduleData", "ScheduleData", _before_types(record, extra), condition))
    if reg.action_period:
        props = [p for p in record if p.name in keep or p in by_attribute]
        functions.append(("ActualActionPeriod", "ActualActionPeriod", props, condition))
    for base_id in reg.base_registers:
        base = conf.object(base_id)
        assert isinstance(base, cfg.CalculationRegister)
        extra = [m.Property(f"{res.name}Base", m.edm_type_of(res.type), m.VALUE, res.type, True, f"{res.name}Base")
                 for res in base.resources if isinstance(res.type, Number)]
        points, point_types = builder.attribute_properties(
            [cfg.Attribute(f"{d.name}ViewPoint", d.type) for d in base.dimensions])
        params = (("BaseRegisterDimensions", "Edm.String"), ("Condition", "Edm.String"),
                  ("MainRegisterDimensions", "Edm.String"), ("ViewPoints", "Edm.String"))
        functions.append((f"Base{base.name}", f"Base{base.name}",
                          _before_types(record, extra + points) + point_types, params))
    for recalculation, kept in reg.recalculations.items():
        recorder = [p for p in record if p.attribute == "Recorder"]
        obj = [dataclasses.replace(p, name=p.name.replace("Recorder", "RecalculationObject", 1),
                                   attribute="RecalculationObject") for p in recorder]
        plain = [p for p in obj if p.role != m.COMPOSITE_TYPE]
        kinds = [p for p in obj if p.role == m.COMPOSITE_TYPE]
        dim_props = [p for p in record if p.attribute in kept]
        props = plain + [p for p in record if p.name == "CalculationType_Key"] + \
            [p for p in dim_props if p.role != m.COMPOSITE_TYPE] + kinds + \
            [p for p in dim_props if p.role == m.COMPOSITE_TYPE]
        functions.append((recalculation, recalculation, props, ()))
    model: m.Model = builder.model
    for function, suffix, props, params in functions:
        type_name = f"{reg.object_id}_{suffix}"
        if type_name in model.complex_types or type_name in model.entity_sets:
            raise cfg.ConfigurationError(f"{reg.object_id}: two virtual tables are named {type_name}")
        model.complex_types[type_name] = m.ComplexType(type_name, props)
        model.function_imports.append(m.FunctionImport(function, reg.object_id, params, False,
                                                       f"Collection({m.NAMESPACE}.{type_name})"))
        names = {p.name for p in props}
        entity_type = m.EntityType(type_name, list(props), ())
        entity_type.navigation = [n for n in records_type.navigation if n.key_property in names]
        model.vt_result_sets[type_name] = m.EntitySet(type_name, entity_type, "vt_result", reg)


def _before_types(record: list[m.Property], extra: list[m.Property]) -> list[m.Property]:
    """Extra plain properties go before the record's trailing ``_Type`` properties (§3.3)."""
    plain = [p for p in record if p.role != m.COMPOSITE_TYPE]
    return plain + extra + [p for p in record if p.role == m.COMPOSITE_TYPE]


def schedule_resources(schedule: cfg.MetadataObject) -> list[cfg.Attribute]:
    """The numeric resources of a schedule register (summed by ScheduleData)."""
    return [res for res in getattr(schedule, "resources", ()) if isinstance(res.type, Number)]


def schedule_date(reg: cfg.CalculationRegister, schedule: cfg.MetadataObject) -> str:
    """The schedule register's Date dimension."""
    if reg.schedule_date:
        return reg.schedule_date
    return next(d.name for d in getattr(schedule, "dimensions", ()) if isinstance(d.type, Date))


def table_name(model: m.Model, register_set: m.EntitySet, name: str) -> str | None:
    """The canonical virtual table of ``name`` on a calculation register (accepting
    python-1c-odata's ``ScheduledData``, ``Base`` and ``Recalculation`` when unambiguous)."""
    reg = register_set.source
    if not isinstance(reg, cfg.CalculationRegister):
        return None
    name = ALIASES.get(name, name)
    bound = [f.name for f in model.function_imports if f.binding_type == register_set.name]
    if name in bound:
        return name
    if name == "Base" and len(reg.base_registers) == 1:
        return f"Base{reg.base_registers[0].partition('_')[2]}"
    if name == "Recalculation" and len(reg.recalculations) == 1:
        return next(iter(reg.recalculations))
    return None


KIND = Kind("CalculationRegister", cfg.CalculationRegister, m.RECORD_SET,
            write_stores=(ObjectWriter, RecordSetStore), build=build)
