"""Tabular sections (табличные части, reference §1.4, §3.3) as a sub-resource of their owner:
a ``Collection(<Owner>_<Tab>_RowType)`` property of the owner's entity type, and the same rows
as a read-only entity set ``<Owner>_<Tab>`` keyed by ``Ref_Key`` + ``LineNumber``::

    GET Document_SalesOrder(guid'…')/Goods          the owner's property
    GET Document_SalesOrder_Goods?$filter=Quantity gt 1

Rows are written only through their owner (POST on the set: 400 code 13, ``rules.check_writable``;
PATCH/DELETE: 405). No store of its own: the owner's ``ObjectReader``/``ObjectWriter`` keep them.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..types import Number, Uuid

KEY = ("Ref_Key", "LineNumber")


def build(builder: Any, owner: cfg.ReferenceObject) -> tuple[list[m.Property], list[m.EntitySet]]:
    """The owner's tabular-section properties and their entity sets (parent set by the caller)."""
    props: list[m.Property] = []
    sets: list[m.EntitySet] = []
    name = owner.object_id
    for tab in owner.tabular_sections:
        row_name = f"{name}_{tab.name}_RowType"
        row_props = [m.Property("Ref_Key", "Edm.Guid", m.KEY, Uuid(), False),
                     m.Property("LineNumber", "Edm.Int64", m.KEY, Number(5), False)]
        tab_plain, tab_types = builder.attribute_properties(tab.attributes)
        row_props += tab_plain + tab_types
        row_type = builder.add_complex_type(m.ComplexType(row_name, row_props))
        props.append(m.Property(tab.name, f"Collection({m.NAMESPACE}.{row_name})", m.TABULAR,
                                None, True, tab.name, row_type=row_type))
        tab_type = builder.entity_type(f"{name}_{tab.name}", list(row_props), KEY)
        sets.append(m.EntitySet(tab_type.name, tab_type, m.TABULAR_SECTION, owner, tab))
    return props, sets
