"""Accounting registers (регистры бухгалтерии, reference §1.5, §3.3, §6.3, §8.4): the record set
``AccountingRegister_<Name>``, its records ``…_RecordType`` and the virtual tables' result types::

    GET AccountingRegister_Хозрасчетный(Recorder_Key=guid'…')
    GET AccountingRegister_Хозрасчетный/Balance(Period=datetime'2024-04-01T00:00:00')

``_RecordType`` as in the БП 3.0 dump: recorder, ``Period``, ``LineNumber``, ``Active``,
``AccountDr_Key``, ``AccountCr_Key`` (without correspondence: ``RecordType`` + ``Account_Key``,
UNCONFIRMED), the dimensions and resources in declaration order with the non-balanced ones split
into ``…Dr``/``…Cr``, the attributes, the ``_Type`` properties; no ext-dimension properties. The
record set's ``_RowType`` adds ``ExtDimensionDr1…N`` (+``_Type``) and ``ExtDimensionTypeDr1…N_Key``
(and the ``Cr`` ones) after the attributes (UNCONFIRMED, the dump lacks the RowType).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .. import configuration as cfg, model as m
from ..accounting import AccLayout, RESULTS
from ..stores import ObjectWriter, RecordSetStore
from ..types import Boolean, Composite, Date, Number, Ref, String
from .base import Kind


def _key_nullable(prop: m.Property, key: tuple[str, ...]) -> m.Property:
    nullable = prop.name not in key
    return prop if prop.nullable == nullable else dataclasses.replace(prop, nullable=nullable)


def _split(attrs: tuple[cfg.Attribute, ...], unbalanced: set[str], sides: tuple[str, ...]) -> list[cfg.Attribute]:
    out = []
    for attr in attrs:
        names = [attr.name + side for side in sides] if attr.name in unbalanced else [attr.name]
        out += [cfg.Attribute(name, attr.type) for name in names]
    return out


def _navigation(model: m.Model, type_name: str, props: list[m.Property]) -> list[m.NavigationProperty]:
    """Navigation properties of a result type (no Association of their own in ``$metadata``)."""
    return [m.NavigationProperty(p.name[:-4], p.name, p.target, f"{type_name}_{p.name[:-4]}")
            for p in props if p.role == m.REF and p.target and model.is_published(p.target)]


def build(builder: Any, reg: cfg.AccountingRegister) -> None:
    """Add the record set, ``_RecordType``, ``_RowType``, result types and FunctionImports."""
    model: m.Model = builder.model
    chart: cfg.ChartOfAccounts = builder.conf.object(reg.chart_of_accounts)  # type: ignore[assignment]
    name = reg.object_id
    sides = ("Dr", "Cr") if reg.correspondence else ("",)
    ext_count = chart.max_ext_dimensions if chart.ext_dimension_types else 0
    ext_type = builder.conf.object(chart.ext_dimension_types).type if ext_count else None
    if ext_count and not isinstance(ext_type, Composite):
        raise cfg.ConfigurationError(f"{chart.ext_dimension_types}: the value type of ext dimensions "
                                     "is a composite type (a list of types)")
    account = Ref(f"ChartOfAccountsRef.{chart.name}")
    ext_ref = f"ChartOfCharacteristicTypesRef.{chart.ext_dimension_types.partition('_')[2]}"

    def prop(pname: str, edm: str, role: str, value_type: Any, target: str | None = None) -> m.Property:
        return m.Property(pname, edm, role, value_type, True, pname.removesuffix("_Key"), target)

    recorder, recorder_type = builder.recorder_properties(reg, nullable=True)
    props = list(recorder) + [prop("Period", "Edm.DateTime", m.VALUE, Date("datetime")),
                              m.Property("LineNumber", "Edm.Int64", m.KEY, Number(9), False, "LineNumber"),
                              prop("Active", "Edm.Boolean", m.VALUE, Boolean())]
    if reg.correspondence:
        props += [prop(f"Account{s}_Key", "Edm.Guid", m.REF, account, chart.object_id) for s in sides]
    else:
        props += [prop("RecordType", "Edm.String", m.VALUE, String(0)),
                  prop("Account_Key", "Edm.Guid", m.REF, account, chart.object_id)]
    unbalanced = set(reg.unbalanced) if reg.correspondence else set()
    dims, dim_types = builder.attribute_properties(_split(reg.dimensions, unbalanced, sides))
    rest, rest_types = builder.attribute_properties(_split(reg.resources, unbalanced, sides) + list(reg.attributes))
    record_props = props + dims + rest + recorder_type + dim_types + rest_types
    key = tuple([p.name for p in recorder] + ["LineNumber"] + [p.name for p in recorder_type])
    ext_attrs = [cfg.Attribute(f"{kind}{s}{i}", t) for s in sides for i in range(1, ext_count + 1)
                 for kind, t in (("ExtDimension", ext_type), ("ExtDimensionType", ext_ref))]
    ext_plain, ext_types = builder.attribute_properties(ext_attrs)
    row_props = props + dims + rest + ext_plain + recorder_type + dim_types + rest_types + ext_types
    row_type = m.ComplexType(f"{name}_RowType", [_key_nullable(p, key) for p in row_props])
    model.complex_types[row_type.name] = row_type

    records_name = f"{name}_RecordType"
    records_type = m.EntityType(records_name, [_key_nullable(p, key) for p in record_props], key)
    records_type.navigation = builder.navigation_for(records_name, records_type.properties)
    set_key, set_types = builder.recorder_properties(reg, nullable=False)
    record_set = m.Property("RecordSet", f"Collection({m.NAMESPACE}.{row_type.name})", m.TABULAR, None, False,
                            "RecordSet", row_type=row_type)
    set_props = set_key + [record_set] + set_types
    set_type = m.EntityType(name, set_props, tuple(p.name for p in set_key + set_types))
    set_type.navigation = builder.navigation_for(name, set_props)
    records = m.EntitySet(records_name, records_type, m.RECORDS, reg)
    register_set = m.EntitySet(name, set_type, m.RECORD_SET, reg, records=records)
    records.parent = register_set
    builder.add_set(register_set)
    builder.add_set(records)
    _virtual_tables(builder, reg, chart, register_set, ext_count, ext_type, account, ext_ref, recorder,
                    recorder_type, row_type)


def _virtual_tables(builder: Any, reg: cfg.AccountingRegister, chart: cfg.ChartOfAccounts,
                    register_set: m.EntitySet, ext_count: int, ext_type: Any, account: Ref, ext_ref: str,
                    recorder: list[m.Property], recorder_type: list[m.Property], row_type: m.ComplexType) -> None:
    model: m.Model = builder.model
    name = reg.object_id

    def ref(pname: str, target: Ref, target_id: str) -> m.Property:
        return m.Property(pname, "Edm.Guid", m.REF, target, True, pname[:-4], target_id)

    def ext(prefix: str) -> tuple[list[m.Property], list[m.Property]]:
        return builder.attribute_properties([cfg.Attribute(f"{prefix}{i}", ext_type) for i in range(1, ext_count + 1)])

    dims, dim_types = builder.attribute_properties(reg.dimensions)
    ext_plain, ext_types = ext("ExtDimension")
    bal_plain, bal_types = ext("BalancedExtDimension")
    periods = [m.Property(n, "Edm.DateTime", m.VALUE, Date("datetime"), True, n) for n in m.PERIOD_FIELDS]
    line = [m.Property("LineNumber", "Edm.Int64", m.VALUE, Number(9), True, "LineNumber")]
    recorder_cols = [_key_nullable(p, ()) for p in recorder]

    def measures(suffixes: tuple[str, ...], resources: Any = reg.resources) -> list[m.Property]:
        return [m.Property(f"{r.name}{s}", m.edm_type_of(r.type), m.VALUE, r.type, True, r.name)
                for r in resources for s in suffixes]

    acc = ref("Account_Key", account, chart.object_id)
    balanced_acc = ref("BalancedAccount_Key", account, chart.object_id)
    split3 = ("", "Dr", "Cr")
    types = {
        "Balance": [acc] + ext_plain + dims + measures(tuple(f"Balance{s}" for s in split3)) + ext_types + dim_types,
        "Turnovers": [acc, balanced_acc] + ext_plain + bal_plain + dims + periods + recorder_cols + line
        + measures(tuple(f"Turnover{s}" for s in split3)) + ext_types + bal_types + dim_types + recorder_type,
        "BalanceAndTurnovers": [acc] + ext_plain + dims + periods + recorder_cols + line
        + measures(tuple(f"{k}{s}" for k in ("OpeningBalance", "Turnover", "ClosingBalance") for s in split3))
        + ext_types + dim_types + recorder_type,
    }
    if reg.correspondence:
        sides = ("Dr", "Cr")
        unbalanced = set(reg.unbalanced)
        drcr_dims, drcr_dim_types = builder.attribute_properties(_split(reg.dimensions, unbalanced, sides))
        dr_plain, dr_types = ext("ExtDimensionDr")
        cr_plain, cr_types = ext("ExtDimensionCr")
        balanced = [r for r in reg.resources if r.name not in unbalanced]
        split = [r for r in reg.resources if r.name in unbalanced]
        types["DrCrTurnovers"] = (
            [ref("AccountDr_Key", account, chart.object_id), ref("AccountCr_Key", account, chart.object_id)]
            + dr_plain + cr_plain + drcr_dims + periods + recorder_cols + line
            + measures(("Turnover",), balanced) + measures(("TurnoverDr", "TurnoverCr"), split)
            + dr_types + cr_types + drcr_dim_types + recorder_type)
    types["RecordsWithExtDimensions"] = list(row_type.properties)
    value_type = ext_type if ext_count else String(0)
    value, value_types = builder.attribute_properties([cfg.Attribute("Value", value_type)])
    types["ExtDimensions"] = (recorder_cols + line + [m.Property("RecordType", "Edm.String", m.VALUE, String(0), True,
                                                                 "RecordType")]
                              + ([ref("ExtDimensionType_Key", Ref(ext_ref), chart.ext_dimension_types)]
                                 if ext_count else []) + value + recorder_type + value_types)
    for function, props in types.items():
        type_name = f"{name}_{RESULTS[function][0]}"
        props = [_key_nullable(p, ()) for p in props]
        model.complex_types[type_name] = m.ComplexType(type_name, props)
        entity_type = m.EntityType(type_name, list(props), ())
        entity_type.navigation = _navigation(model, type_name, props)
        model.vt_result_sets[type_name] = m.EntitySet(type_name, entity_type, "vt_result", reg)
        model.function_imports.append(m.FunctionImport(
            function, name, tuple(sorted(RESULTS[function][1])), False, f"Collection({m.NAMESPACE}.{type_name})"))
    # The movements as one line per account side (what Condition reads), never published.
    lines = (recorder_cols + line + [m.Property("Period", "Edm.DateTime", m.VALUE, Date("datetime"), True, "Period"),
                                     m.Property("Side", "Edm.String", m.VALUE, String(0), True, "Side"),
                                     acc, balanced_acc] + ext_plain + bal_plain + dims
             + [ref(f"ExtDimensionType{i}_Key", Ref(ext_ref), chart.ext_dimension_types) for i in range(1, ext_count + 1)]
             + measures(("",)) + ext_types + bal_types + dim_types + recorder_type)
    lines_type = m.EntityType(f"{name}_Lines", [_key_nullable(p, ()) for p in lines], ())
    lines_type.navigation = _navigation(model, lines_type.name, lines_type.properties)
    lines_set = m.EntitySet(lines_type.name, lines_type, "vt_lines", reg)
    model.layouts[AccLayout.key(name)] = AccLayout.build(model, register_set, lines_set, chart, ext_count)


KIND = Kind("AccountingRegister", cfg.AccountingRegister, m.RECORD_SET, write_stores=(ObjectWriter, RecordSetStore),
            build=build, store="accounting")
