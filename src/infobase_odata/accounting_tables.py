"""Accounting virtual tables in Python (reference §6.3): the aggregation the memory store runs
over the entries' lines, and what every store runs over its grouped rows (the Dr/Cr split of
balances by account type, ``$filter``/``$orderby``/``$skip``/``$top``)::

    rows, order = compute(layout, model, params, entries, chart, result_set, lookup)
    rows, order = compute(layout, model, params, (), chart, result_set, lookup, groups=sql_groups)

Semantics in ``accounting.py``.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from . import model as m
from .accounting import CREDIT, DEBIT, AccLayout, AccParams, Chart, condition_set, in_range, lines_of, remap
from .query.ast import QueryOptions
from .query.evaluate import Evaluator, sort_rows
from .values import empty_value


def group_names(layout: AccLayout, params: AccParams) -> list[str]:
    """The group columns of Balance/Turnovers/BalanceAndTurnovers (result property names)."""
    names = ["Account_Key"] + layout.ext_names()
    if params.function == "Turnovers" and params.balanced_grouping:
        names += ["BalancedAccount_Key"] + layout.ext_names("BalancedExtDimension")
    return names + layout.dim_names(params.dimensions)


def selected(layout: AccLayout, params: AccParams, line: Mapping[str, Any]) -> bool:
    if not line.get("Active", True):
        return False
    if params.accounts is not None and line["Account_Key"] not in params.accounts:
        return False
    return params.balanced_accounts is None or line.get("BalancedAccount_Key") in params.balanced_accounts


def aggregate(layout: AccLayout, params: AccParams, lines: Iterable[dict[str, Any]],
              evaluator: Evaluator) -> list[dict[str, Any]]:
    """Groups ``{group columns…, "o:R": opening Dr−Cr, "d:R": debit, "c:R": credit}``."""
    names = group_names(layout, params)
    groups: dict[tuple, dict[str, Any]] = {}
    fn = params.function
    for line in lines:
        if not selected(layout, params, line):
            continue
        remap(layout, line, params.extra, "ExtDimension")
        remap(layout, line, params.balanced_extra, "BalancedExtDimension", balanced=True)
        if not evaluator.matches(params.condition, line):
            continue
        period = line["Period"]
        if fn == "Balance":
            if params.period is not None and period >= params.period:
                continue
            slot = "o"
        elif fn == "BalanceAndTurnovers" and params.start is not None and period < params.start:
            slot = "o"
        elif (params.start is not None and period < params.start) or (params.end is not None and period > params.end):
            continue
        else:
            slot = "d" if line["Side"] == "Dr" else "c"
        key = tuple(line.get(n) for n in names)
        group = groups.get(key)
        if group is None:
            group = groups[key] = dict(zip(names, key))
            for _, _, prop in layout.resources:
                for s in "odc":
                    group[f"{s}:{prop.name}"] = empty_value(prop)
        for _, _, prop in layout.resources:
            value = line[prop.name] or 0
            group[f"{slot}:{prop.name}"] += (-value if slot == "o" and line["Side"] == "Cr" else value)
    return list(groups.values())


def _split(kind: str, value: Any, zero: Any) -> tuple[Any, Any]:
    if kind == "Active":
        return value, zero
    if kind == "Passive":
        return zero, -value
    return (value, zero) if value > 0 else (zero, -value)


def finish(layout: AccLayout, params: AccParams, groups: Iterable[dict[str, Any]], chart: Chart,
           result: m.EntitySet) -> list[dict[str, Any]]:
    """Result rows of Balance/Turnovers/BalanceAndTurnovers from the groups (zero rows left out)."""
    empty = dict.fromkeys(p.name for p in result.entity_type.properties)
    out = []
    for group in groups:
        row = dict(empty)
        row.update({k: v for k, v in group.items() if ":" not in k})
        kind = (chart.get(group.get("Account_Key") or "") or {}).get("Type") or "ActivePassive"
        figures = []
        for _, _, prop in layout.resources:
            zero = empty_value(prop)
            opening, debit, credit = (group.get(f"{s}:{prop.name}", zero) for s in "odc")
            name = prop.name
            if params.function == "Balance":
                values = {f"{name}Balance": opening}
                values[f"{name}BalanceDr"], values[f"{name}BalanceCr"] = _split(kind, opening, zero)
            elif params.function == "Turnovers":
                values = {f"{name}Turnover": debit - credit, f"{name}TurnoverDr": debit, f"{name}TurnoverCr": credit}
            else:
                closing = opening + debit - credit
                values = {f"{name}OpeningBalance": opening, f"{name}Turnover": debit - credit,
                          f"{name}TurnoverDr": debit, f"{name}TurnoverCr": credit, f"{name}ClosingBalance": closing}
                values[f"{name}OpeningBalanceDr"], values[f"{name}OpeningBalanceCr"] = _split(kind, opening, zero)
                values[f"{name}ClosingBalanceDr"], values[f"{name}ClosingBalanceCr"] = _split(kind, closing, zero)
            figures += [opening, debit, credit]
            row.update(values)
        if any(x != 0 for x in figures):
            out.append(row)
    return out


def drcr_row(layout: AccLayout, record: Mapping[str, Any], result: m.EntitySet) -> dict[str, Any]:
    """One entry as a DrCrTurnovers input row (before grouping)."""
    row = dict.fromkeys(p.name for p in result.entity_type.properties)
    for name in row:
        if name in record and not name.endswith("Turnover") and not name.endswith(("TurnoverDr", "TurnoverCr")):
            row[name] = record[name]
    for attribute, unbalanced, prop in layout.resources:
        if unbalanced:
            row[f"{attribute}TurnoverDr"] = record[f"{attribute}Dr"]
            row[f"{attribute}TurnoverCr"] = record[f"{attribute}Cr"]
        else:
            row[f"{attribute}Turnover"] = record[attribute]
    for name in ("LineNumber", "Period", *layout.recorder):
        row[name] = None
    return row


def drcr_turnovers(layout: AccLayout, params: AccParams, records: Iterable[Mapping[str, Any]],
                   result: m.EntitySet, evaluator: Evaluator) -> list[dict[str, Any]]:
    """DrCrTurnovers: entries between the accounts of AccountCondition (debit) and
    BalancedAccountCondition (credit), summed per account pair, ext dimensions and dimensions."""
    measures = [p.name for p in result.entity_type.properties if p.name.endswith(("Turnover", "TurnoverDr", "TurnoverCr"))]
    dropped = [layout.record_name(n, attribute, unbalanced, side)
               for attribute, unbalanced, names in layout.dims
               if params.dimensions is not None and attribute not in params.dimensions
               for side in (layout.sides if unbalanced else ("",)) for n in names]
    groups: dict[tuple, dict[str, Any]] = {}
    for record in records:
        if not record.get("Active", True) or not in_range(params, record["Period"]):
            continue
        if params.accounts is not None and record["AccountDr_Key"] not in params.accounts:
            continue
        if params.balanced_accounts is not None and record["AccountCr_Key"] not in params.balanced_accounts:
            continue
        row = drcr_row(layout, record, result)
        if not evaluator.matches(params.condition, row):
            continue
        for name in dropped:
            row[name] = None
        key = tuple(v for k, v in row.items() if k not in measures)
        found = groups.get(key)
        if found is None:
            groups[key] = row
        else:
            for name in measures:
                found[name] += row[name]
    return [row for row in groups.values() if any(row[n] != 0 for n in measures)]


def ext_dimension_rows(layout: AccLayout, records: Iterable[Mapping[str, Any]], result: m.EntitySet) -> list[dict]:
    """ExtDimensions: one row per set ext dimension of every entry (UNCONFIRMED fields)."""
    empty = dict.fromkeys(p.name for p in result.entity_type.properties)
    out = []
    for record in records:
        for side in layout.sides:
            for i in range(1, layout.ext_count + 1):
                kind = record.get(f"ExtDimensionType{side}{i}_Key")
                if not kind or kind == m.NIL_GUID:
                    continue
                row = dict(empty)
                row.update({n: record.get(n) for n in layout.recorder})
                row.update(LineNumber=record["LineNumber"], ExtDimensionType_Key=kind,
                           RecordType=CREDIT if side == "Cr" or record.get("RecordType") == CREDIT else DEBIT,
                           Value=record.get(f"ExtDimension{side}{i}"), Value_Type=record.get(f"ExtDimension{side}{i}_Type"))
                out.append(row)
    return out


def page(rows: list[dict], options: QueryOptions, keys: Iterable[str], evaluator: Evaluator) -> tuple[list[dict], int | None]:
    """``$filter``, ``$orderby`` (then the group columns), ``$skip``, ``$top`` over result rows."""
    rows = [row for row in rows if evaluator.matches(options.filter, row)]
    total = len(rows) if options.inlinecount else None
    rows = sort_rows(rows, options.orderby, tuple(keys), evaluator)
    start = options.skip or 0
    stop = None if options.top is None else start + options.top
    return rows[start:stop], total


def compute(layout: AccLayout, model: m.Model, params: AccParams, records: Iterable[Mapping[str, Any]],
            chart: Chart, result: m.EntitySet, lookup: Callable[[m.EntitySet, str], Any],
            groups: list[dict[str, Any]] | None = None) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """Result rows of any accounting virtual table from the entries (``_RowType`` rows) in Python,
    or, for Balance/Turnovers/BalanceAndTurnovers, from ``groups`` a store aggregated itself.
    Returns the rows and their default order (the group columns)."""
    fn = params.function
    evaluator = Evaluator(model, condition_set(model, layout, fn), lookup)
    if fn == "RecordsWithExtDimensions":
        rows = [dict(r) for r in records if r.get("Active", True) and in_range(params, r["Period"])
                and (params.accounts is None or _touches(layout, r, params.accounts))
                and evaluator.matches(params.condition, r)]
        rows.sort(key=lambda r: (r["Period"], *(str(r.get(n)) for n in layout.recorder), r["LineNumber"]))
        return rows[:params.top] if params.top else rows, ()
    if fn == "ExtDimensions":
        return [r for r in ext_dimension_rows(layout, records, result) if evaluator.matches(params.condition, r)], ()
    if fn == "DrCrTurnovers":
        rows = drcr_turnovers(layout, params, records, result, evaluator)
        keys = tuple(p.name for p in result.entity_type.properties if p.role != m.VALUE or p.name.startswith("Ext"))
        return rows, keys
    if groups is None:
        lines = (line for record in records for line in lines_of(layout, record))
        groups = aggregate(layout, params, lines, evaluator)
    return finish(layout, params, groups, chart, result), tuple(group_names(layout, params))


def _touches(layout: AccLayout, record: Mapping[str, Any], accounts: frozenset[str]) -> bool:
    return any(record.get(f"Account{side}_Key") in accounts for side in layout.sides)
