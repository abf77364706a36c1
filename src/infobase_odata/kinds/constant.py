"""Constants (константы, reference §1.2, §3.3, §8.5): ``Constant_<Name>``, one entity keyed by
``SurrogateKey`` holding ``Value`` (a composite value adds ``Value_Type``)::

    GET   Constant_CompanyName                    (always one entity; no /$count)
    PATCH Constant_CompanyName  {"Value": "…"}    (PUT/MERGE too; on the set or its one entity)

POST and DELETE are refused (405, ``routes.py``). Writes need ``ObjectWriter`` and
``ConstantStore``.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..stores import ConstantStore, ObjectWriter
from ..types import Number
from .base import Kind


def build(builder: Any, obj: cfg.Constant) -> None:
    plain, types = builder.attribute_properties([cfg.Attribute("Value", obj.type)])
    props = plain + types + [m.Property("SurrogateKey", "Edm.Int16", m.KEY, Number(1), False)]
    builder.add_set(m.EntitySet(obj.object_id, builder.entity_type(obj.object_id, props, ("SurrogateKey",)),
                                m.CONSTANT, obj))


KIND = Kind("Constant", cfg.Constant, m.CONSTANT, write_stores=(ObjectWriter, ConstantStore), build=build)
