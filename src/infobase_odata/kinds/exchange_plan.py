"""Exchange plans (планы обмена, reference §1.2, §3.3, §7): ``ExchangePlan_<Name>`` sets of
nodes, and the plan's content whose changes are registered for every node::

    ExchangePlan("Shops", content=("Catalog_Goods", "Document_SalesOrder"), this_node="000")
    POST SelectChanges?DataExchangePoint='http://host/base/odata/standard.odata/ExchangePlan_Shops(guid'…')'&MessageNo=1

Standard properties in the order of the real dump (ut-real.edmx): ``Ref_Key``, ``Code``,
``Description``, ``DataVersion``, ``DeletionMark``, ``SentNo``, ``ReceivedNo``,
``ExchangeDate``, then the attributes. ``ThisNode`` is not in the dump (reference §3.3, the
dumps win): the node standing for this infobase is the one whose ``Code`` is the plan's
``this_node``; it gets no changes. Registration and the change feed are the provider's
``ExchangeStore`` (``providers/exchange.py``); the HTTP side is ``exchange_handlers.py``.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..types import Boolean, Date, Number, String, Uuid
from .base import Kind


def standard_properties(obj: cfg.ExchangePlan) -> list[m.Property]:
    def std(name: str, edm: str, value_type: Any, nullable: bool = True, role: str = m.VALUE,
            read_only: bool = False) -> m.Property:
        return m.Property(name, edm, role, value_type, nullable, None, None, read_only)

    props = [std("Ref_Key", "Edm.Guid", Uuid(), False, m.KEY)]
    if obj.code_length > 0:
        props.append(std("Code", "Edm.String", String(obj.code_length)))
    if obj.description_length > 0:
        props.append(std("Description", "Edm.String", String(obj.description_length)))
    props += [std("DataVersion", "Edm.String", String(0), read_only=True),
              std("DeletionMark", "Edm.Boolean", Boolean()),
              std("SentNo", "Edm.Int64", Number(10)), std("ReceivedNo", "Edm.Int64", Number(10)),
              std("ExchangeDate", "Edm.DateTime", Date("datetime"))]
    return props


def build(builder: Any, obj: cfg.ExchangePlan) -> None:
    """Add ``ExchangePlan_<Name>`` (and its tabular-section sets) to the model being built."""
    name = obj.object_id
    props = standard_properties(obj)
    plain, types = builder.attribute_properties(obj.attributes)
    props += plain
    tab_sets = []
    for tab in obj.tabular_sections:
        row_name = f"{name}_{tab.name}_RowType"
        row_props = [m.Property("Ref_Key", "Edm.Guid", m.KEY, Uuid(), False),
                     m.Property("LineNumber", "Edm.Int64", m.KEY, Number(5), False)]
        tab_plain, tab_types = builder.attribute_properties(tab.attributes)
        row_type = m.ComplexType(row_name, row_props + tab_plain + tab_types)
        builder.model.complex_types[row_name] = row_type
        props.append(m.Property(tab.name, f"Collection({m.NAMESPACE}.{row_name})", m.TABULAR,
                                None, True, tab.name, row_type=row_type))
        tab_type = m.EntityType(f"{name}_{tab.name}", list(row_type.properties), ("Ref_Key", "LineNumber"))
        tab_type.navigation = builder.navigation_for(tab_type.name, row_type.properties)
        tab_sets.append(m.EntitySet(tab_type.name, tab_type, m.TABULAR_SECTION, obj, tab))
    props += types
    entity_type = m.EntityType(name, props, ("Ref_Key",))
    entity_type.navigation = builder.navigation_for(name, props)
    main = m.EntitySet(name, entity_type, m.OBJECT, obj)
    builder.add_set(main)
    for tab_set in tab_sets:
        tab_set.parent = main
        builder.add_set(tab_set)


def plans_carrying(model: m.Model) -> dict[str, tuple[m.EntitySet, ...]]:
    """Entity-set name of published content -> the published plans (node sets) carrying it."""
    found: dict[str, list[m.EntitySet]] = {}
    for plan in model.configuration.of_kind(cfg.ExchangePlan):
        plan_set = model.set_for_object(plan.object_id)
        if plan_set is None:
            continue
        for object_id in plan.content:
            if model.set_for_object(object_id) is not None:
                found.setdefault(object_id, []).append(plan_set)
    return {name: tuple(sets) for name, sets in found.items()}


KIND = Kind("ExchangePlan", cfg.ExchangePlan, m.OBJECT, build=build)
