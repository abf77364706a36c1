"""Charts of characteristic types (планы видов характеристик, reference §1.2, §3.3):
``ChartOfCharacteristicTypes_<Name>``, objects keyed by ``Ref_Key`` whose ``ValueType`` is a
``StandardODATA.TypeDescription`` (the types a characteristic may take)::

    GET  ChartOfCharacteristicTypes_GoodsProperties?$select=Description,ValueType
    POST ChartOfCharacteristicTypes_GoodsProperties

Standard properties in the order of real dumps: ``Ref_Key``, ``Predefined``,
``PredefinedDataName``, ``DataVersion``, ``Description``, ``Code``, ``Parent_Key`` and
``IsFolder`` (hierarchical charts), ``DeletionMark``, ``ValueType``, then the attributes and
tabular sections. An empty ``Code`` is numbered on write. Stores: ``ObjectReader``,
``ObjectWriter`` for writes.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..types import String, TypeDescription
from . import reference
from .base import Kind


def standard(builder: Any, obj: cfg.ChartOfCharacteristicTypes) -> list[m.Property]:
    props = [m.ref_key(), *m.predefined(), m.data_version(), *m.description(obj.description_length),
             *m.code(obj.code_length)]
    if obj.hierarchical:
        props += m.parent(f"ChartOfCharacteristicTypesRef.{obj.name}", obj.object_id, folders=True)
    types = builder.model.complex_types.get("TypeDescription") or builder.add_complex_type(m.ComplexType(
        "TypeDescription", [m.Property("Types", "Edm.String", m.VALUE, String(0))]))
    return props + [m.deletion_mark(), m.Property("ValueType", m.TYPE_DESCRIPTION, m.VALUE, TypeDescription(),
                                                  row_type=types)]


def build(builder: Any, obj: cfg.ChartOfCharacteristicTypes) -> None:
    reference.build(builder, obj, standard(builder, obj))


KIND = Kind("ChartOfCharacteristicTypes", cfg.ChartOfCharacteristicTypes, m.OBJECT, numbering="Code",
            build=build)
