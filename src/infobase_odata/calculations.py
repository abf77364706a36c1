"""Calculation-register semantics (reference §6.4): the virtual tables computed from records, the
chart's displacing/base types and the schedule, and the recalculation entries a base change
causes. Stores compute the same rows (``providers/calculations_memory.py`` here in Python,
``providers/calculations_sql.py`` in SQL)::

    params = calc_parameters(model, accruals, "BaseAccruals", "MainRegisterDimensions='Employee'", [])
    rows = CalculationEngine(provider, model).table(accruals, params)

Semantics (UNCONFIRMED, README compatibility notes), at day granularity (times are ignored):

* Only ``Active`` records count. ``Condition`` (and a row restriction) select the records
  reported; displacing and base records are every active record.
* ``ActualActionPeriod``: a record's [BegOfActionPeriod, EndOfActionPeriod] minus the action
  periods of the records with the same dimensions whose calculation type is among the record's
  ``DisplacingCalculationTypes``; one row per remaining interval (none when fully displaced).
* ``ScheduleData``: per record and numeric schedule resource, the sum over the schedule rows
  whose other dimensions equal the record's properties of the same name and whose date lies in
  the action period, the actual action period, the registration period, the base period.
* ``Base<B>``: per record (and ViewPoints values), the sum of each resource of the base
  register's records whose calculation type is among the record's ``BaseCalculationTypes``, whose
  ``BaseRegisterDimensions`` equal the record's ``MainRegisterDimensions`` (default: the
  dimensions of the same name), and whose period lies in the record's base period (by
  ``RegistrationPeriod``, or ``ActionPeriod`` when the chart depends by action period; without a
  base period: the same registration period).
* Recalculations: when a record set of a base register is written, every other recorder's
  record of a register having it as base whose base (or leading) types include a changed
  record's type and whose dimensions and base period match is listed once (recalculation
  object = its recorder, its calculation type, the recalculation's dimensions); writing that
  recorder's record set again takes it off the list.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from . import configuration as cfg, model as m
from .errors import QUERY_OPTION, ODataError
from .i18n import Message
from .kinds import calculation_register as kind
from .query.ast import Expr, QueryOptions
from .stores import QueryResult
from .query.evaluate import Evaluator, sort_rows
from .query.parser import parse_filter
from .registers import Layout, function_arguments, not_supported

Interval = tuple[dt.date, dt.date]
EMPTY_DAY = dt.date(1, 1, 1)


@dataclass
class CalcParams:
    """The parameters of a calculation register's virtual-table call."""

    function: str  # the canonical name: ScheduleData, ActualActionPeriod, Base<B>, <Recalculation>
    condition: Expr | None = None
    main_dimensions: tuple[str, ...] | None = None
    base_dimensions: tuple[str, ...] | None = None
    view_points: tuple[str, ...] = ()
    base_register: str | None = None  # object id of B for Base<B>


@dataclass
class CalcType:
    """The dependences of one calculation type."""

    displacing: set[str] = field(default_factory=set)
    base: set[str] = field(default_factory=set)
    leading: set[str] = field(default_factory=set)
    action_period_is_basic: bool = False


def is_calculation(entity_set: m.EntitySet | None) -> bool:
    return entity_set is not None and isinstance(entity_set.source, cfg.CalculationRegister)


def _names(text: Any, known: Mapping[str, Any], what: str, register: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in str(text).split(",") if n.strip()))
    for name in names:
        if name not in known:
            raise ODataError(QUERY_OPTION, Message("Parameter {what}: {name} is not a dimension of {register}",
                                                       what=what, name=name, register=register), status=400)
    return names


def calc_parameters(model: m.Model, register_set: m.EntitySet, name: str, args: str | None,
                    custom: Iterable[tuple[str, str]], limits: Any = None) -> CalcParams:
    """Parameters in the parentheses and/or the query string; an unknown one is 501 code 0."""
    reg: cfg.CalculationRegister = register_set.source  # type: ignore[assignment]
    function = next(f for f in model.function_imports
                    if f.binding_type == register_set.name and f.name == name and not f.side_effecting)
    given = function_arguments(dict(function.parameters), args, custom)
    params = CalcParams(name)
    layout = Layout.of(model, register_set)
    condition = str(given.get("Condition") or "").strip()
    if condition:
        params.condition = parse_filter(condition, layout.records_set, model, option="Condition", limits=limits)
    if name.startswith("Base") and name in [f"Base{b.partition('_')[2]}" for b in reg.base_registers]:
        base_id = next(b for b in reg.base_registers if f"Base{b.partition('_')[2]}" == name)
        base = model.configuration.object(base_id)
        params.base_register = base_id
        main_dims = {d.name: d for d in reg.dimensions}
        base_dims = {d.name: d for d in base.dimensions}  # type: ignore[attr-defined]
        if given.get("MainRegisterDimensions") is not None:
            params.main_dimensions = _names(given["MainRegisterDimensions"], main_dims,
                                            "MainRegisterDimensions", reg.object_id)
        if given.get("BaseRegisterDimensions") is not None:
            params.base_dimensions = _names(given["BaseRegisterDimensions"], base_dims,
                                            "BaseRegisterDimensions", base_id)
        if params.main_dimensions is None and params.base_dimensions is None:
            params.main_dimensions = params.base_dimensions = tuple(n for n in main_dims if n in base_dims)
        elif params.main_dimensions is None or params.base_dimensions is None or \
                len(params.main_dimensions) != len(params.base_dimensions):
            raise ODataError(QUERY_OPTION, Message("MainRegisterDimensions and BaseRegisterDimensions: lists of dimensions "
                                                    "of the same length"), status=400)
        if given.get("ViewPoints"):
            params.view_points = _names(given["ViewPoints"], base_dims, "ViewPoints", base_id)
    return params


# ---- periods ----------------------------------------------------------------------------------

def day(value: Any) -> dt.date | None:
    """The day of a stored date (None for an empty one)."""
    if value is None:
        return None
    found = value.date() if isinstance(value, dt.datetime) else value
    return None if found <= EMPTY_DAY else found


def period_end(start: dt.date, periodicity: str) -> dt.date:
    """The last day of the period (day, month, quarter, year) starting at ``start``."""
    if periodicity == "day":
        return start
    months = {"month": 1, "quarter": 3, "year": 12}[periodicity]
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def period_start(value: dt.date, periodicity: str) -> dt.date:
    """The first day of the period (day, month, quarter, year) holding ``value``."""
    if periodicity == "day":
        return value
    if periodicity == "month":
        return value.replace(day=1)
    if periodicity == "quarter":
        return dt.date(value.year, (value.month - 1) // 3 * 3 + 1, 1)
    return dt.date(value.year, 1, 1)


def registration_interval(reg: cfg.CalculationRegister, row: Mapping[str, Any]) -> Interval | None:
    found = day(row.get("RegistrationPeriod"))
    if found is None:
        return None
    start = period_start(found, reg.registration_period)
    return start, period_end(start, reg.registration_period)


def subtract(interval: Interval, cuts: Iterable[Interval]) -> list[Interval]:
    """``interval`` minus the union of ``cuts`` (inclusive day intervals)."""
    left = [interval]
    for low, high in sorted(cuts):
        out = []
        for a, b in left:
            if high < a or low > b:
                out.append((a, b))
                continue
            if a < low:
                out.append((a, low - dt.timedelta(days=1)))
            if high < b:
                out.append((high + dt.timedelta(days=1), b))
        left = out
    return left


def _midnight(value: dt.date) -> dt.datetime:
    return dt.datetime(value.year, value.month, value.day)


def action_interval(row: Mapping[str, Any]) -> Interval | None:
    low, high = day(row.get("BegOfActionPeriod")), day(row.get("EndOfActionPeriod"))
    return None if low is None or high is None or high < low else (low, high)


def base_interval(reg: cfg.CalculationRegister, row: Mapping[str, Any]) -> Interval | None:
    """The record's base period; its registration period without a base period."""
    if reg.base_period:
        low, high = day(row.get("BegOfBasePeriod")), day(row.get("EndOfBasePeriod"))
        return None if low is None or high is None or high < low else (low, high)
    return registration_interval(reg, row)


def base_period_of(chart: cfg.ChartOfCalculationTypes, base: cfg.CalculationRegister, row: Mapping[str, Any]):
    """The day by which a base record falls into a base period (§ module docstring)."""
    if chart.dependence == "action_period" and base.action_period:
        return day(row.get("ActionPeriod"))
    return day(row.get("RegistrationPeriod"))


def _dim_names(layout: Layout, attributes: Iterable[str]) -> list[str]:
    """Property names (X_Key, X, X_Type) of the named dimensions."""
    wanted = list(attributes)
    return [p.name for a in wanted for p in layout.dimensions if p.attribute == a]


# ---- the engine --------------------------------------------------------------------------------

class CalculationEngine:
    """The virtual tables computed in Python from any provider's reads (``query`` over the
    ``_RecordType``, chart and schedule sets). ``recalculation_rows``/``add_recalculation``/
    ``drop_recalculation`` are the storage of recalculation entries (here: in memory)."""

    def __init__(self, provider: Any, model: m.Model) -> None:
        self.provider, self.model = provider, model
        self._recalculations: dict[tuple[str, str], dict[tuple, dict]] = {}

    # -- inputs

    def records(self, register_set: m.EntitySet, condition: Expr | None = None,
                restriction: Expr | None = None) -> list[dict]:
        records = Layout.of(self.model, register_set).records_set
        rows = self.provider.query(records, QueryOptions(filter=condition), restriction=restriction).rows
        return [row for row in rows if row.get("Active", True)]

    def chart(self, reg: cfg.CalculationRegister) -> dict[str, CalcType]:
        chart_set = self.model.entity_set(reg.chart)
        types: dict[str, CalcType] = defaultdict(CalcType)
        if chart_set is None:
            return types
        for row in self.provider.query(chart_set, QueryOptions()).rows:
            found = types[row["Ref_Key"]]
            for section, part in (("DisplacingCalculationTypes", found.displacing),
                                  ("BaseCalculationTypes", found.base), ("LeadingCalculationTypes", found.leading)):
                part.update(line["CalculationType_Key"] for line in row.get(section) or ())
            found.action_period_is_basic = bool(row.get("ActionPeriodIsBasic"))
        return types

    # -- virtual tables

    def query(self, register_set: m.EntitySet, params: CalcParams, *, restriction: Expr | None = None,
              options: QueryOptions = QueryOptions(), result_set: m.EntitySet | None = None) -> QueryResult:
        """The rows of a calculation virtual table with ``options`` (filter, orderby, skip, top,
        inlinecount) applied over ``result_set``; default order: the records' order (recorder,
        line), then the interval or view point."""
        rows = self.table(register_set, params, restriction=restriction)
        result_set = result_set or self.model.vt_result_sets[f"{register_set.name}_{params.function}"]
        evaluator = Evaluator(self.model, result_set, _lookup(self.provider))
        if options.filter is not None:
            rows = [row for row in rows if evaluator.matches(options.filter, row)]
        total = len(rows) if options.inlinecount else None
        if options.orderby or params.function in register_set.source.recalculations:  # type: ignore[attr-defined]
            # The tables come in the records' order (recorder, line, then interval or view point).
            keys = [p.name for p in result_set.entity_type.properties
                    if p.name.startswith(("Recorder", "RecalculationObject")) or p.name in (
                        "LineNumber", "BegOfActionPeriod", "CalculationType_Key")]
            rows = sort_rows(rows, options.orderby, tuple(keys), evaluator)
        start = options.skip or 0
        stop = None if options.top is None else start + options.top
        return QueryResult(iter(rows[start:stop]), total)

    def table(self, register_set: m.EntitySet, params: CalcParams, *, restriction: Expr | None = None) -> list[dict]:
        reg: cfg.CalculationRegister = register_set.source  # type: ignore[assignment]
        fn = params.function
        if fn == "ActualActionPeriod":
            return self.actual_action_period(register_set, params, restriction)
        if fn == "ScheduleData":
            return self.schedule_data(register_set, params, restriction)
        if params.base_register is not None:
            return self.base(register_set, params, restriction)
        if fn in reg.recalculations:
            return self.recalculation_rows(register_set, fn)
        raise not_supported(fn)

    def actual_periods(self, register_set: m.EntitySet, targets: list[dict]) -> list[tuple[dict, list[Interval]]]:
        """Each target record with its remaining action intervals."""
        reg: cfg.CalculationRegister = register_set.source  # type: ignore[assignment]
        layout = Layout.of(self.model, register_set)
        types = self.chart(reg)
        dims = layout.dimension_names
        by_group: dict[tuple, list[dict]] = defaultdict(list)
        if any(types[t["CalculationType_Key"]].displacing for t in targets):
            for row in self.records(register_set):
                by_group[tuple(row[d] for d in dims)].append(row)
        out = []
        for row in targets:
            interval = action_interval(row)
            if interval is None:
                out.append((row, []))
                continue
            displacing = types[row["CalculationType_Key"]].displacing
            cuts = [found for other in by_group.get(tuple(row[d] for d in dims), ())
                    if other["CalculationType_Key"] in displacing and other is not row
                    and (found := action_interval(other)) is not None]
            out.append((row, subtract(interval, cuts)))
        return out

    def actual_action_period(self, register_set: m.EntitySet, params: CalcParams,
                             restriction: Expr | None) -> list[dict]:
        names = [p.name for p in self.model.vt_result_sets[
            f"{register_set.name}_ActualActionPeriod"].entity_type.properties]
        out = []
        for row, intervals in self.actual_periods(register_set, self.records(register_set, params.condition,
                                                                               restriction)):
            for low, high in intervals:
                item = {n: row.get(n) for n in names}
                item["BegOfActionPeriod"], item["EndOfActionPeriod"] = _midnight(low), _midnight(high)
                out.append(item)
        return out

    def schedule(self, reg: cfg.CalculationRegister) -> tuple[list[str], dict[tuple, dict[dt.date, list]]]:
        """(the schedule's other dimensions, {their values: {day: [resource values]}})."""
        schedule = self.model.configuration.object(reg.schedule)
        schedule_set = self.model.entity_set(reg.schedule)
        date_dim = kind.schedule_date(reg, schedule)
        resources = kind.schedule_resources(schedule)
        schedule_layout = Layout.of(self.model, schedule_set)
        keys = [p.name for p in schedule_layout.dimensions if p.attribute != date_dim]
        table: dict[tuple, dict[dt.date, list]] = defaultdict(dict)
        for row in self.provider.query(schedule_set, QueryOptions()).rows:
            when = day(row.get(date_dim))
            if when is not None:
                table[tuple(row[k] for k in keys)][when] = [row.get(r.name) or 0 for r in resources]
        return keys, table

    def schedule_data(self, register_set: m.EntitySet, params: CalcParams, restriction: Expr | None) -> list[dict]:
        reg: cfg.CalculationRegister = register_set.source  # type: ignore[assignment]
        schedule = self.model.configuration.object(reg.schedule)
        resources = [r.name for r in kind.schedule_resources(schedule)]
        keys, table = self.schedule(reg)
        out = []
        targets = self.records(register_set, params.condition, restriction)
        for row, actual in self.actual_periods(register_set, targets):
            days = table.get(tuple(row.get(k) for k in keys), {})
            spans = {"ActionPeriod": [action_interval(row)], "ActualActionPeriod": actual,
                     "RegistrationPeriod": [registration_interval(reg, row)]}
            if reg.base_period:
                spans["BasePeriod"] = [base_interval(reg, row)]
            item = dict(row)
            for suffix, intervals in spans.items():
                for name, total in zip(resources, schedule_sums(days, intervals, len(resources))):
                    item[f"{name}{suffix}"] = total
            out.append(item)
        return out

    def base(self, register_set: m.EntitySet, params: CalcParams, restriction: Expr | None) -> list[dict]:
        reg: cfg.CalculationRegister = register_set.source  # type: ignore[assignment]
        base_reg: cfg.CalculationRegister = self.model.configuration.object(params.base_register)  # type: ignore
        base_set = self.model.entity_set(params.base_register)
        chart: cfg.ChartOfCalculationTypes = self.model.configuration.object(reg.chart)  # type: ignore[assignment]
        layout, base_layout = Layout.of(self.model, register_set), Layout.of(self.model, base_set)
        main_cols = _dim_names(layout, params.main_dimensions or ())
        base_cols = _dim_names(base_layout, params.base_dimensions or ())
        point_cols = _dim_names(base_layout, params.view_points)
        point_names = {p.name: p.name.replace(p.attribute, f"{p.attribute}ViewPoint", 1)
                       for p in base_layout.dimensions if p.name in point_cols and p.attribute}
        resources = [p.name for p in base_layout.resources if f"{p.name}Base" in self._result_names(
            register_set, params.function)]
        types = self.chart(reg)
        by_dims: dict[tuple, list[dict]] = defaultdict(list)
        for row in self.records(base_set):
            by_dims[tuple(row[c] for c in base_cols)].append(row)
        out = []
        for row in self.records(register_set, params.condition, restriction):
            wanted = types[row["CalculationType_Key"]].base
            span = base_interval(reg, row)
            groups: dict[tuple, list] = {}
            for other in by_dims.get(tuple(row[c] for c in main_cols), ()):
                when = base_period_of(chart, base_reg, other)
                if other["CalculationType_Key"] in wanted and span and when and span[0] <= when <= span[1]:
                    sums = groups.setdefault(tuple(other[c] for c in point_cols), [0] * len(resources))
                    for i, name in enumerate(resources):
                        sums[i] += other.get(name) or 0
            if not groups:
                groups[tuple(None for _ in point_cols)] = [0] * len(resources)
            for points, sums in groups.items():
                item = dict(row)
                item.update({f"{name}Base": total for name, total in zip(resources, sums)})
                item.update({point_names[c]: value for c, value in zip(point_cols, points)})
                out.append(item)
        return out

    def _result_names(self, register_set: m.EntitySet, function: str) -> set[str]:
        return {p.name for p in self.model.vt_result_sets[f"{register_set.name}_{function}"].entity_type.properties}

    # -- recalculations

    def recalculation_rows(self, register_set: m.EntitySet, name: str) -> list[dict]:
        return [dict(row) for row in self._recalculations.get((register_set.name, name), {}).values()]

    def add_recalculation(self, register_set: m.EntitySet, name: str, rows: list[dict]) -> None:
        table = self._recalculations.setdefault((register_set.name, name), {})
        with self.provider.transaction():
            for row in rows:
                key = tuple(sorted(row.items()))
                if key not in table:
                    self._put(table, key, row)

    def drop_recalculation(self, register_set: m.EntitySet, name: str, recorder: Mapping[str, Any]) -> None:
        table = self._recalculations.get((register_set.name, name), {})
        wanted = {n.replace("Recorder", "RecalculationObject", 1): v for n, v in recorder.items()}
        with self.provider.transaction():
            for key, row in list(table.items()):
                if all(row.get(n) == v for n, v in wanted.items()):
                    self._put(table, key, None)

    def _put(self, table: dict, key: tuple, row: dict | None) -> None:
        """Through the memory provider's undo journal when it has one (rolled back with it)."""
        put = getattr(self.provider, "_put", None)
        if put is not None:
            put(table, key, row)
        elif row is None:
            table.pop(key, None)
        else:
            table[key] = row

    def record_set_written(self, register_set: m.EntitySet, recorder: Mapping[str, Any],
                           old: list[dict], new: list[dict]) -> None:
        """Recalculation entries after ``register_set``'s record set of ``recorder`` was replaced."""
        reg: cfg.CalculationRegister = register_set.source  # type: ignore[assignment]
        for name in reg.recalculations:
            self.drop_recalculation(register_set, name, recorder)

        def plain(row: Mapping[str, Any]) -> tuple:
            return tuple(sorted((k, v) for k, v in row.items() if k != "LineNumber"))

        before, after = {plain(r) for r in old}, {plain(r) for r in new}
        changed = [r for r in old if plain(r) not in after] + [r for r in new if plain(r) not in before]
        changed = [r for r in changed if r.get("Active", True)]
        if not changed:
            return
        for main_set in self.model.entity_sets.values():
            main = main_set.source
            if main_set.kind != m.RECORD_SET or not isinstance(main, cfg.CalculationRegister) or \
                    reg.object_id not in main.base_registers or not main.recalculations:
                continue
            entries = self.dependent_records(main_set, register_set, changed, recorder)
            for name, kept in main.recalculations.items():
                rows = [_recalculation_row(Layout.of(self.model, main_set), x, kept) for x in entries]
                self.add_recalculation(main_set, name, rows)

    def dependent_records(self, main_set: m.EntitySet, base_set: m.EntitySet, changed: list[dict],
                          recorder: Mapping[str, Any]) -> list[dict]:
        main: cfg.CalculationRegister = main_set.source  # type: ignore[assignment]
        base: cfg.CalculationRegister = base_set.source  # type: ignore[assignment]
        chart: cfg.ChartOfCalculationTypes = self.model.configuration.object(main.chart)  # type: ignore
        layout, base_layout = Layout.of(self.model, main_set), Layout.of(self.model, base_set)
        shared = [d.name for d in main.dimensions if d.name in {b.name for b in base.dimensions}]
        main_cols, base_cols = _dim_names(layout, shared), _dim_names(base_layout, shared)
        types = self.chart(main)
        own = {n.replace("Recorder", "", 1): v for n, v in recorder.items()}
        out = []
        for row in self.records(main_set):
            if {n.replace("Recorder", "", 1): row[n] for n in layout.recorder} == own:
                continue
            kinds = types[row["CalculationType_Key"]]
            span = base_interval(main, row)
            for c in changed:
                when = base_period_of(chart, base, c)
                if c["CalculationType_Key"] in kinds.base | kinds.leading and span and when and \
                        span[0] <= when <= span[1] and \
                        tuple(row[x] for x in main_cols) == tuple(c[x] for x in base_cols):
                    out.append(row)
                    break
        return out


def schedule_sums(days: Mapping[dt.date, list], intervals: Iterable[Interval | None], width: int) -> list:
    """Per schedule resource, the sum of the values of the days inside any of ``intervals``."""
    sums = [0] * width
    spans = [span for span in intervals if span]
    for when, values in days.items():
        if any(low <= when <= high for low, high in spans):
            sums = [a + b for a, b in zip(sums, values)]
    return sums


def _recalculation_row(layout: Layout, row: Mapping[str, Any], kept: Iterable[str]) -> dict[str, Any]:
    out = {n.replace("Recorder", "RecalculationObject", 1): row[n] for n in layout.recorder}
    out["CalculationType_Key"] = row["CalculationType_Key"]
    for name in _dim_names(layout, kept):
        out[name] = row[name]
    return out



def _lookup(provider: Any):
    """The Evaluator's lookup of referenced rows (navigation in $filter) through ``provider.get``."""
    def lookup(entity_set: m.EntitySet, ref: Any) -> Any:
        return provider.get(entity_set, {"Ref_Key": str(ref).lower()})
    return lookup
