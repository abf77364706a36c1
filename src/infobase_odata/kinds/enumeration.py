"""Enumerations (перечисления, reference §1.2, §3.1): no entity set, an ``EnumType`` in
``$metadata`` whose members are the values of ``X`` properties typed ``EnumRef.<Name>``::

    GET Catalog_Goods?$filter=Kind eq 'Product'

Read-only by nature; no store.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from .base import Kind


def build(builder: Any, obj: cfg.Enum) -> None:
    builder.model.enum_types[obj.name] = m.EnumType(obj.name, obj.members)


KIND = Kind("Enum", cfg.Enum, "enum", write_stores=(), read_only=True, build=build)
