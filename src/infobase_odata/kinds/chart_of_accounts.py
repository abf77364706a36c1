"""Charts of accounts (планы счетов, reference §1.2, §3.3): ``ChartOfAccounts_<Name>``, objects
keyed by ``Ref_Key`` with the account's standard properties and the standard tabular section
``ExtDimensionTypes`` (the account's ext-dimension types, субконто)::

    GET ChartOfAccounts_Хозрасчетный?$filter=Code eq '62.01'&$expand=Parent
    GET ChartOfAccounts_Хозрасчетный(guid'…')/ExtDimensionTypes

Standard properties (UNCONFIRMED order, §3.3): ``Ref_Key, Predefined, PredefinedDataName,
DataVersion, Description, Code, Parent_Key, DeletionMark, Order, Type, OffBalance``, one Boolean
per accounting flag, then the attributes and tabular sections (``ExtDimensionTypes`` first:
``ExtDimensionType_Key, TurnoversOnly, Predefined`` and the ext-dimension accounting flags).
``Type`` is ``Active``, ``Passive`` or ``ActivePassive``. Predefined accounts declared in the
configuration are created with the store (:func:`predefined_rows`) and cannot be deleted.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterator

from .. import configuration as cfg, model as m
from ..accounting import predefined_key
from ..stores import ObjectWriter
from ..types import Boolean, Ref, String, format_type
from .base import Kind

EXT_DIMENSION_TYPES = "ExtDimensionTypes"

def ext_dimension_section(obj: cfg.ChartOfAccounts) -> cfg.TabularSection | None:
    if not obj.ext_dimension_types:
        return None
    name = obj.ext_dimension_types.partition("_")[2]
    columns = [cfg.Attribute("ExtDimensionType", f"ChartOfCharacteristicTypesRef.{name}"),
               cfg.Attribute("TurnoversOnly", "Boolean"), cfg.Attribute("Predefined", "Boolean")]
    columns += [cfg.Attribute(flag, "Boolean") for flag in obj.ext_dimension_accounting_flags]
    return cfg.TabularSection(EXT_DIMENSION_TYPES, columns)


def build(builder: Any, obj: cfg.ChartOfAccounts) -> None:
    """Add ``ChartOfAccounts_<Name>`` (and its tabular-section sets) to the model being built."""
    section = ext_dimension_section(obj)
    sections = ((section,) if section else ()) + obj.tabular_sections
    builder.reference_object(dataclasses.replace(obj, tabular_sections=sections))
    main = builder.model.entity_sets[obj.object_id]
    for entity_set in [main, *main.tabular_sets(builder.model)]:
        entity_set.source = obj
        if entity_set is not main:
            entity_set.tabular_section = section if entity_set.tabular_section.name == EXT_DIMENSION_TYPES \
                else entity_set.tabular_section

    def std(name: str, edm: str, value_type: Any, role: str = m.VALUE, target: str | None = None) -> m.Property:
        return m.Property(name, edm, role, value_type, True, None, target)

    parent = std("Parent_Key", "Edm.Guid", Ref(f"ChartOfAccountsRef.{obj.name}"), m.REF, obj.object_id)
    account = [std("Order", "Edm.String", String(0)), std("Type", "Edm.String", String(0)),
               std("OffBalance", "Edm.Boolean", Boolean())]
    account += [std(flag, "Edm.Boolean", Boolean()) for flag in obj.accounting_flags]
    props = main.entity_type.properties
    at = [p.name for p in props].index("DeletionMark")
    main.entity_type.properties = props[:at] + [parent, props[at]] + account + props[at + 1:]
    main.entity_type.navigation = builder.navigation_for(obj.object_id, [parent]) + main.entity_type.navigation


def predefined_rows(model: m.Model) -> Iterator[tuple[m.EntitySet, dict]]:
    """The rows of every predefined item (characteristic types, then accounts, parents first)."""
    conf = model.configuration
    for chart in conf.of_kind(cfg.ChartOfCharacteristicTypes):
        entity_set = model.set_for_object(chart.object_id)
        for item in chart.predefined if entity_set is not None else ():
            yield entity_set, {"Ref_Key": predefined_key(chart.object_id, item.name), "Predefined": True,
                               "PredefinedDataName": item.name, "Description": item.description,
                               "Code": item.code or item.name[:chart.code_length],
                               "ValueType": {"Types": ", ".join(_type_names(item.type))}}
    for chart in conf.of_kind(cfg.ChartOfAccounts):
        entity_set = model.set_for_object(chart.object_id)
        for account in chart.predefined if entity_set is not None else ():
            row = {"Ref_Key": predefined_key(chart.object_id, account.name), "Predefined": True,
                   "PredefinedDataName": account.name, "Description": account.description,
                   "Code": account.code, "Order": account.code, "Type": account.type,
                   "OffBalance": account.off_balance,
                   "Parent_Key": predefined_key(chart.object_id, account.parent) if account.parent else None}
            row.update({flag: flag in account.flags for flag in chart.accounting_flags})
            if chart.ext_dimension_types:
                row[EXT_DIMENSION_TYPES] = [
                    {"LineNumber": i, "ExtDimensionType_Key": predefined_key(chart.ext_dimension_types, name),
                     "TurnoversOnly": name in account.turnovers_only, "Predefined": True}
                    for i, name in enumerate(account.ext_dimensions, 1)]
            yield entity_set, row


def _type_names(value_type: Any) -> list[str]:
    formatted = format_type(value_type)
    return formatted if isinstance(formatted, list) else [formatted]


def create_predefined(provider: Any, model: m.Model) -> int:
    """Create the predefined items a store lacks (a new database); returns how many."""
    created = 0
    with provider.transaction():
        for entity_set, row in predefined_rows(model):
            if provider.get(entity_set, {"Ref_Key": row["Ref_Key"]}) is None:
                provider.create(entity_set, row)
                created += 1
    return created


KIND = Kind("ChartOfAccounts", cfg.ChartOfAccounts, m.OBJECT, write_stores=(ObjectWriter,), build=build)
