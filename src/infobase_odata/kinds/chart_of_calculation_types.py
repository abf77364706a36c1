"""Charts of calculation types (планы видов расчета, reference §1.2, §3.3):
``ChartOfCalculationTypes_<Name>``, objects keyed by ``Ref_Key`` with the standard tabular
sections that tie calculation types together::

    GET ChartOfCalculationTypes_Accruals?$select=Description,DisplacingCalculationTypes
    GET ChartOfCalculationTypes_Accruals_BaseCalculationTypes?$filter=Ref_Key eq guid'…'

Standard properties (UNCONFIRMED order, README compatibility notes): ``Ref_Key``,
``Predefined``, ``PredefinedDataName``, ``DataVersion``, ``Description``, ``Code``,
``DeletionMark``, ``ActionPeriodIsBasic`` (a chart with a dependence on base types), the
chart's attributes, then the standard tabular sections ``LeadingCalculationTypes``,
``DisplacingCalculationTypes`` (charts with an action period) and ``BaseCalculationTypes``
(charts with a dependence), each with the column ``CalculationType_Key``, then its own ones.
Predefined types get fixed ``Ref_Key``s (``predefined_ref``) and are written by
``ensure_predefined``; their lists are the chart's ``displacing``/``base``/``leading``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .. import configuration as cfg, model as m
from ..types import Boolean
from . import reference
from .base import Kind

TABULAR_SECTIONS = ("LeadingCalculationTypes", "DisplacingCalculationTypes", "BaseCalculationTypes")
_LISTS = {"LeadingCalculationTypes": "leading", "DisplacingCalculationTypes": "displacing",
          "BaseCalculationTypes": "base"}
_NAMESPACE = "6f1c0a52-3d7e-4f0e-9a51-0c5d2b1e7a10"


def standard_sections(chart: cfg.ChartOfCalculationTypes) -> tuple[cfg.TabularSection, ...]:
    """The standard tabular sections the chart has (1C creates them from its settings)."""
    column = (cfg.Attribute("CalculationType", f"ChartOfCalculationTypesRef.{chart.name}"),)
    names = ["LeadingCalculationTypes"]
    if chart.action_period:
        names.append("DisplacingCalculationTypes")
    if chart.dependence != "none":
        names.append("BaseCalculationTypes")
    return tuple(cfg.TabularSection(name, column) for name in names)


def standard(chart: cfg.ChartOfCalculationTypes) -> list[m.Property]:
    props = [m.ref_key(), *m.predefined(), m.data_version(), *m.description(chart.description_length),
             *m.code(chart.code_length), m.deletion_mark()]
    if chart.dependence != "none":
        props.append(m.standard("ActionPeriodIsBasic", "Edm.Boolean", value_type=Boolean()))
    return props


def build(builder: Any, chart: cfg.ChartOfCalculationTypes) -> None:
    """``ChartOfCalculationTypes_<Name>`` and its tabular-section sets, into a model._Builder."""
    clash = {t.name for t in chart.tabular_sections} & set(TABULAR_SECTIONS)
    if clash:
        raise cfg.ConfigurationError(f"{chart.object_id}: {sorted(clash)[0]} is a standard tabular section")
    source = dataclasses.replace(chart, tabular_sections=standard_sections(chart) + chart.tabular_sections)
    reference.build(builder, source, standard(chart))


def predefined_ref(chart: cfg.ChartOfCalculationTypes, name: str) -> str:
    """The fixed ``Ref_Key`` of a predefined calculation type."""
    import uuid  # only where there are predefined calculation types, not at every start (#18)

    return str(uuid.uuid5(uuid.UUID(_NAMESPACE), f"{chart.object_id}.{name}"))


def predefined_rows(chart: cfg.ChartOfCalculationTypes) -> list[dict[str, Any]]:
    """The chart's predefined types as rows to create (codes 1, 2, ... in declaration order)."""
    sections = {t.name for t in standard_sections(chart)}
    rows = []
    for index, name in enumerate(chart.predefined, 1):
        row: dict[str, Any] = {"Ref_Key": predefined_ref(chart, name), "Predefined": True,
                               "PredefinedDataName": name, "Description": name[:chart.description_length]}
        if chart.code_length:
            row["Code"] = str(index).zfill(chart.code_length)[-chart.code_length:]
        if chart.dependence != "none":
            row["ActionPeriodIsBasic"] = name in chart.action_period_is_basic
        for section, part in _LISTS.items():
            if section in sections:
                row[section] = [{"LineNumber": i, "CalculationType_Key": predefined_ref(chart, other)}
                                for i, other in enumerate(getattr(chart, part).get(name, ()), 1)]
        rows.append(row)
    return rows


def ensure_predefined(provider: Any, model: m.Model) -> int:
    """Create the predefined calculation types missing from the store; returns how many."""
    created = 0
    with provider.transaction():
        for chart in model.configuration.of_kind(cfg.ChartOfCalculationTypes):
            entity_set = model.set_for_object(chart.object_id)
            if entity_set is None:
                continue
            for row in predefined_rows(chart):
                if provider.get(entity_set, {"Ref_Key": row["Ref_Key"]}) is None:
                    provider.create(entity_set, row)
                    created += 1
    return created


KIND = Kind("ChartOfCalculationTypes", cfg.ChartOfCalculationTypes, m.OBJECT, numbering="Code", build=build)
