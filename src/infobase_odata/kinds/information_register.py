"""Information registers (регистры сведений, reference §1.5, §3.3, §8.4):
``InformationRegister_<Name>``. Independent ones are sets of records keyed by ``Period`` (when
periodic) and the dimensions; subordinate ones are record sets of their recorder
(``record_set.py``), their records keyed by ``Period`` and the dimensions (by recorder position
also ``Recorder``)::

    GET   InformationRegister_Prices?$filter=Product_Key eq guid'…'
    POST  InformationRegister_Prices  {"Period": …, "Product_Key": …, "Price": …}   (independent)
    PATCH InformationRegister_Prices(Period=datetime'…',Product_Key=guid'…')
    GET   InformationRegister_Prices/SliceLast(Period=datetime'…')           (virtual_table.py)

Standard properties of an independent record: ``Period`` (periodic registers), then dimensions,
resources, attributes. Writes need ``ObjectWriter`` (independent records) and
``RecordSetStore`` (record sets); slices need ``VirtualTableStore``.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..stores import ObjectWriter, RecordSetStore
from ..types import Date
from . import record_set, virtual_table
from .base import Kind


def independent(builder: Any, reg: cfg.InformationRegister) -> None:
    name = reg.object_id
    props: list[m.Property] = []
    key: list[str] = []
    if reg.periodicity != "none":
        props.append(m.Property("Period", "Edm.DateTime", m.KEY, Date("datetime", reg.periodicity), False, "Period"))
        key.append("Period")
    attrs, types = record_set.register_attributes(builder, reg, key_dimensions=True)
    props += attrs + types
    dimensions = {d.name for d in reg.dimensions}
    key += [prop.name for prop in props if prop.attribute in dimensions]
    if not key:
        raise cfg.ConfigurationError(f"{name}: an independent register needs a periodicity or a dimension")
    builder.add_set(m.EntitySet(name, builder.entity_type(name, props, tuple(key)), m.INDEPENDENT_RECORDS, reg))
    virtual_table.add_slices(builder, name)


def subordinate(builder: Any, reg: cfg.InformationRegister) -> None:
    periodic = reg.periodicity != "none"
    keyed = {d.name for d in reg.dimensions} | ({"Period"} if periodic else set())
    if reg.periodicity == "recorder_position":  # Recorder in the key (its _Type after the dimensions)
        keyed.add("Recorder")
    built = record_set.build(builder, reg, period=reg.periodicity if periodic else None, record_type=False,
                             keyed=keyed)
    virtual_table.add_slices(builder, built.records_name)


def build(builder: Any, reg: cfg.InformationRegister) -> None:
    if reg.write_mode == "independent":
        independent(builder, reg)
    else:
        subordinate(builder, reg)


KIND = Kind("InformationRegister", cfg.InformationRegister, m.RECORD_SET,
            write_stores=(ObjectWriter, RecordSetStore), build=build)
