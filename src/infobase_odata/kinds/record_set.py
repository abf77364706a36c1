"""Record sets (наборы записей, reference §1.5, §3.3, §8.4): the sub-resource of a register
subordinate to recorders. ``<Register>`` is keyed by the recorder and holds the records in
``RecordSet``; ``<Register>_RecordType`` has one register record per entity (read-only)::

    GET   AccumulationRegister_Stock(Recorder_Key=guid'…')
    PATCH AccumulationRegister_Stock(Recorder_Key=guid'…')  {"RecordSet": [...]}   (PUT too)
    DELETE AccumulationRegister_Stock(Recorder_Key=guid'…')  (clears the set)
    GET   AccumulationRegister_Stock_RecordType?$filter=Active eq true

A register posted by several documents has a composite key ``Recorder`` + ``Recorder_Type``.
POST on the set is refused (records are written by recorder, ``routes.py``); writes need
``ObjectWriter`` and ``RecordSetStore``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, NamedTuple

from .. import configuration as cfg, model as m
from ..registers import recorders_of
from ..types import Boolean, Composite, Date, Number, Ref, String


def ref_text(object_id: str) -> str:
    """``Document_X`` -> ``DocumentRef.X``."""
    kind, _, name = object_id.partition("_")
    return f"{kind}Ref.{name}"


def key_nullable(prop: m.Property, key_names: Iterable[str]) -> m.Property:
    """A copy with Nullable="false" exactly on key properties (§4.2)."""
    nullable = prop.name not in key_names
    return prop if prop.nullable == nullable else dataclasses.replace(prop, nullable=nullable)


def recorder_properties(builder: Any, reg: cfg.RegisterObject, *, nullable: bool
                        ) -> tuple[list[m.Property], list[m.Property]]:
    """``Recorder_Key`` (one recorder kind), or ``Recorder`` and its trailing ``Recorder_Type``."""
    recorders = recorders_of(builder.conf, reg)
    if not recorders:
        raise cfg.ConfigurationError(f"{reg.object_id}: no document posts to this register")
    if len(recorders) == 1:
        target = Ref(ref_text(recorders[0]))
        return [m.Property("Recorder_Key", "Edm.Guid", m.REF, target, nullable, "Recorder", target.object_id)], []
    composite = Composite(tuple(Ref(ref_text(r)) for r in recorders))
    return ([m.Property("Recorder", "Edm.String", m.COMPOSITE, composite, nullable, "Recorder")],
            [m.Property("Recorder_Type", "Edm.String", m.COMPOSITE_TYPE, composite, nullable, "Recorder")])


def register_attributes(builder: Any, reg: cfg.RegisterObject, key_dimensions: bool
                        ) -> tuple[list[m.Property], list[m.Property]]:
    """Dimensions, resources and attributes, and their trailing ``X_Type`` properties."""
    dims, dim_types = builder.attribute_properties(
        reg.dimensions, key_names={a.name for a in reg.dimensions} if key_dimensions else ())
    rest, rest_types = builder.attribute_properties(reg.resources + reg.attributes)
    return dims + rest, dim_types + rest_types


class Built(NamedTuple):
    """What the register kinds build their virtual tables from."""
    records_name: str
    attrs: list[m.Property]
    types: list[m.Property]
    recorder: list[m.Property]
    recorder_type: list[m.Property]


def build(builder: Any, reg: cfg.RegisterObject, *, period: str | None, record_type: bool,
          keyed: set[str] | None) -> Built:
    """Add ``<Register>`` and ``<Register>_RecordType``. ``period``: the periodicity of
    ``Period`` (None: no Period); ``record_type``: records carry ``RecordType`` (balance
    registers); ``keyed``: the attributes keying a record (None: recorder + ``LineNumber``)."""
    name = reg.object_id
    recorder, recorder_type = recorder_properties(builder, reg, nullable=True)
    record_props = list(recorder)
    if period is not None:
        record_props.append(m.Property("Period", "Edm.DateTime", m.VALUE, Date("datetime", period), True, "Period"))
    record_props += [m.Property("LineNumber", "Edm.Int64", m.KEY, Number(9), False, "LineNumber"),
                     m.Property("Active", "Edm.Boolean", m.VALUE, Boolean(), True, "Active")]
    if record_type:
        record_props.append(m.Property("RecordType", "Edm.String", m.VALUE, String(0), True, "RecordType"))
    attrs, types = register_attributes(builder, reg, key_dimensions=keyed is not None)
    record_props += attrs + recorder_type + types
    if keyed is not None:
        key = [p.name for p in record_props if p.attribute in keyed]
    else:
        key = [p.name for p in recorder] + ["LineNumber"] + [p.name for p in recorder_type]
    # The RowType repeats the _RecordType's properties with the same Nullable (real dumps).
    row_type = builder.add_complex_type(m.ComplexType(f"{name}_RowType", [key_nullable(p, key) for p in record_props]))

    records_name = f"{name}_RecordType"
    records_type = builder.entity_type(records_name, [key_nullable(p, key) for p in record_props], tuple(key))
    set_key, set_type_props = recorder_properties(builder, reg, nullable=False)
    record_set_prop = m.Property("RecordSet", f"Collection({m.NAMESPACE}.{row_type.name})", m.TABULAR, None,
                                 False, "RecordSet", row_type=row_type)
    set_props = set_key + [record_set_prop] + set_type_props
    record_set_type = builder.entity_type(name, set_props, tuple(p.name for p in set_key + set_type_props))
    records = m.EntitySet(records_name, records_type, m.RECORDS, reg)
    record_set = m.EntitySet(name, record_set_type, m.RECORD_SET, reg, records=records)
    records.parent = record_set
    builder.add_set(record_set)
    builder.add_set(records)
    return Built(records_name, attrs, types, recorder, recorder_type)
