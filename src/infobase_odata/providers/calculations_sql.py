"""The calculation store of the SQL providers (SQLite, PostgreSQL): a composition the provider
holds as ``provider.calculations``. ``ActualActionPeriod`` finds each record's displacing
records in one SQL join (records × the chart's ``DisplacingCalculationTypes`` table × records of
the same dimensions with overlapping action periods) and ``Base<B>`` sums the base records in
one grouped SQL join; recalculation entries live in ``_recalc_<Register>_<Recalculation>``
tables. The semantics are ``calculations.py``'s (the memory provider's)::

    store = SQLCalculations(provider)
    rows = store.table(accruals, calc_parameters(model, accruals, "ActualActionPeriod", None, []))
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Mapping

from .sqlnames import q

from .. import configuration as cfg, model as m
from ..calculations import (
    CalcParams, CalculationEngine, Interval, _midnight, action_interval, schedule_sums, subtract,
)
from ..kinds import calculation_register as kind
from ..query.ast import Expr
from ..registers import Layout
from .sql import Compiler
from .sqlcodec import RowCodec

EMPTY = "0001-01-01"


def recalculation_table(register_set: m.EntitySet, name: str) -> str:
    return f"_recalc_{register_set.name}_{name}"


class SQLCalculations(CalculationEngine):
    """``host``: the SQL provider (its ``model``, ``link``, ``dialect``, ``transaction``, ``query``)."""

    def __init__(self, host: Any) -> None:
        super().__init__(host, host.model)
        self.host = host
        self._codecs: dict[str, RowCodec] = {}

    def _codec(self, result_set: m.EntitySet) -> RowCodec:
        found = self._codecs.get(result_set.name)
        if found is None:
            found = self._codecs[result_set.name] = RowCodec(result_set.entity_type.properties,
                                                             native_bool=self.host.dialect.native_bool)
        return found

    def _recalculation_sets(self):
        for result_set in self.model.vt_result_sets.values():
            reg = result_set.source
            if isinstance(reg, cfg.CalculationRegister):
                for name in reg.recalculations:
                    if result_set.name == f"{reg.object_id}_{name}":
                        yield self.model.entity_sets[reg.object_id], name, result_set

    def create_schema(self, db: Any) -> None:
        """Recalculation tables and the indexes the joins use (inside the provider's schema step)."""
        for register_set, name, result_set in self._recalculation_sets():
            codec = self._codec(result_set)
            table = recalculation_table(register_set, name)
            db.table(table, {"_id": int, **{n: codec.storage[n].sql_type for n in codec.names}}, pk="_id")
            db.index(table, codec.names, unique=True)
        for register_set in self.model.entity_sets.values():
            if register_set.kind == m.RECORD_SET and isinstance(register_set.source, cfg.CalculationRegister):
                layout = Layout.of(self.model, register_set)
                db.index(layout.records_set.name, [*layout.dimension_names, "CalculationType_Key",
                                                   "RegistrationPeriod"])

    # ---- ActualActionPeriod: displacing records by one join ------------------------------------

    def _where(self, records: m.EntitySet, condition: Expr | None, restriction: Expr | None) -> tuple[str, dict]:
        compiler = Compiler(self.model, records, dialect=self.host.dialect)
        where = compiler.where(condition, restriction)
        active = f't0."Active" = {self.host.dialect.true}'
        return (f"{active} AND ({where})" if where else active), compiler.params

    def actual_periods(self, register_set: m.EntitySet, targets: list[dict],
                       condition: Expr | None = None, restriction: Expr | None = None):
        reg: cfg.CalculationRegister = register_set.source  # type: ignore[assignment]
        layout = Layout.of(self.model, register_set)
        records = q(layout.records_set.name)
        displacing = q(f"{reg.chart}_DisplacingCalculationTypes")
        keys = [*layout.recorder, "LineNumber"]
        same = " AND ".join(f"y.{q(d)} = t0.{q(d)}" for d in layout.dimension_names)
        where, params = self._where(layout.records_set, condition, restriction)
        sql = (f"SELECT {', '.join(f't0.{q(k)}' for k in keys)}, y.\"BegOfActionPeriod\", y.\"EndOfActionPeriod\" "
               f"FROM {records} AS t0 JOIN {displacing} AS d ON d.\"Ref_Key\" = t0.\"CalculationType_Key\" "
               f"JOIN {records} AS y ON y.\"CalculationType_Key\" = d.\"CalculationType_Key\" "
               f"AND y.\"Active\" = {self.host.dialect.true} {'AND ' + same if same else ''} "
               f"AND substr(y.\"BegOfActionPeriod\", 1, 10) <= substr(t0.\"EndOfActionPeriod\", 1, 10) "
               f"AND substr(y.\"EndOfActionPeriod\", 1, 10) >= substr(t0.\"BegOfActionPeriod\", 1, 10) "
               f"AND substr(y.\"BegOfActionPeriod\", 1, 10) > '{EMPTY}' WHERE {where}")
        codec = self._codec(layout.records_set)
        cuts: dict[tuple, list[Interval]] = defaultdict(list)
        for values in self.host.link.run(sql, params).fetchall():
            key = tuple(values[:len(keys)])
            low, high = _day(values[-2]), _day(values[-1])
            if low <= high:
                cuts[key].append((low, high))
        encode = codec.encode_value
        out = []
        for row in targets:
            interval = action_interval(row)
            key = tuple(encode(k, row[k]) for k in keys)
            out.append((row, [] if interval is None else subtract(interval, cuts.get(key, ()))))
        return out

    def actual_action_period(self, register_set: m.EntitySet, params: CalcParams,
                             restriction: Expr | None) -> list[dict]:
        targets = self.records(register_set, params.condition, restriction)
        names = [p.name for p in self.model.vt_result_sets[
            f"{register_set.name}_ActualActionPeriod"].entity_type.properties]
        out = []
        for row, intervals in self.actual_periods(register_set, targets, params.condition, restriction):
            for low, high in intervals:
                item = {n: row.get(n) for n in names}
                item["BegOfActionPeriod"], item["EndOfActionPeriod"] = _midnight(low), _midnight(high)
                out.append(item)
        return out

    @staticmethod
    def _record_order(layout: Layout) -> str:
        """The records' order (the ``_RecordType`` key), as every table lists them."""
        return ", ".join(f"t0.{q(n)}" for n in (*layout.recorder, "LineNumber"))

    # ---- ScheduleData: the schedule summed by one grouped join -----------------------------------

    def _within(self, column: str, low: str, high: str) -> str:
        """``column`` (a stored date) within the days of two record columns, none when empty."""
        return (f"substr(t0.{q(low)}, 1, 10) > '{EMPTY}' AND {column} >= substr(t0.{q(low)}, 1, 10) "
                f"AND {column} <= substr(t0.{q(high)}, 1, 10) || 'T23:59:59'")

    def _same_period(self, column: str, periodicity: str) -> str:
        """``column`` in the registration period of the record (its day, month, quarter, year)."""
        mine = 't0."RegistrationPeriod"'
        length = {"day": 10, "month": 7, "year": 4}.get(periodicity)
        guard = f"substr({mine}, 1, 10) > '{EMPTY}' AND "
        if length is not None:
            return guard + f"substr({column}, 1, {length}) = substr({mine}, 1, {length})"
        quarter = "(CAST(substr({}, 6, 2) AS INTEGER) - 1) / 3"
        return guard + (f"substr({column}, 1, 4) = substr({mine}, 1, 4) "
                        f"AND {quarter.format(column)} = {quarter.format(mine)}")

    def schedule_data(self, register_set: m.EntitySet, params: CalcParams, restriction: Expr | None) -> list[dict]:
        reg: cfg.CalculationRegister = register_set.source  # type: ignore[assignment]
        layout = Layout.of(self.model, register_set)
        schedule = self.model.configuration.object(reg.schedule)
        schedule_layout = Layout.of(self.model, self.model.entity_set(reg.schedule))
        date = kind.schedule_date(reg, schedule)
        resources = [r.name for r in kind.schedule_resources(schedule)]
        keys = [p.name for p in schedule_layout.dimensions if p.attribute != date]
        record_names = set(self._codec(layout.records_set).names)
        result_set = self.model.vt_result_sets[f"{register_set.name}_ScheduleData"]
        column = f"s.{q(date)}"
        spans = {"ActionPeriod": self._within(column, "BegOfActionPeriod", "EndOfActionPeriod"),
                 "RegistrationPeriod": self._same_period(column, reg.registration_period)}
        spans["ActualActionPeriod"] = spans["ActionPeriod"]  # corrected below where displaced
        if reg.base_period:
            spans["BasePeriod"] = self._within(column, "BegOfBasePeriod", "EndOfBasePeriod")
        sums = {f"{res}{suffix}": f"COALESCE(SUM(CASE WHEN {cond} THEN s.{q(res)} END), 0)"
                for res in resources for suffix, cond in spans.items()}
        columns = [sums.get(p.name) or (f"t0.{q(p.name)}" if p.name in record_names else "NULL")
                   for p in result_set.entity_type.properties]
        join = " AND ".join(f"s.{q(k)} = t0.{q(k)}" for k in keys) if set(keys) <= record_names else "1 = 0"
        where, bound = self._where(layout.records_set, params.condition, restriction)
        sql = (f"SELECT {', '.join(columns)} FROM {q(layout.records_set.name)} AS t0 "
               f"LEFT JOIN {q(schedule_layout.records_set.name)} AS s ON {join or '1 = 1'} "
               f"WHERE {where} GROUP BY t0.\"_id\" ORDER BY {self._record_order(layout)}")
        codec = self._codec(result_set)
        rows = [codec.decode(values) for values in self.host.link.run(sql, bound).fetchall()]
        table: dict | None = None
        for row, actual in self.actual_periods(register_set, rows, params.condition, restriction):
            if actual != [action_interval(row)] and (actual or action_interval(row)):
                if table is None:
                    keys, table = self.schedule(reg)
                days = table.get(tuple(row.get(k) for k in keys), {})
                for name, total in zip(resources, schedule_sums(days, actual, len(resources))):
                    row[f"{name}ActualActionPeriod"] = total
        return rows

    # ---- Base<B>: one grouped join ---------------------------------------------------------------

    def base(self, register_set: m.EntitySet, params: CalcParams, restriction: Expr | None) -> list[dict]:
        reg: cfg.CalculationRegister = register_set.source  # type: ignore[assignment]
        base_reg: cfg.CalculationRegister = self.model.configuration.object(params.base_register)  # type: ignore
        chart: cfg.ChartOfCalculationTypes = self.model.configuration.object(reg.chart)  # type: ignore[assignment]
        if not reg.base_period:
            return super().base(register_set, params, restriction)
        base_set = self.model.entity_set(params.base_register)
        layout, base_layout = Layout.of(self.model, register_set), Layout.of(self.model, base_set)
        result_set = self.model.vt_result_sets[f"{register_set.name}_{params.function}"]
        main_cols = [p.name for a in params.main_dimensions or () for p in layout.dimensions if p.attribute == a]
        base_cols = [p.name for a in params.base_dimensions or () for p in base_layout.dimensions if p.attribute == a]
        points = {p.name.replace(p.attribute, f"{p.attribute}ViewPoint", 1): p.name
                  for a in params.view_points for p in base_layout.dimensions if p.attribute == a}
        resources = {f"{p.name}Base": p.name for p in base_layout.resources}
        record_names = set(self._codec(layout.records_set).names)
        period = "ActionPeriod" if chart.dependence == "action_period" and base_reg.action_period \
            else "RegistrationPeriod"
        columns = []
        for prop in result_set.entity_type.properties:
            if prop.name in resources:
                columns.append(f"COALESCE(SUM(b.{q(resources[prop.name])}), 0)")
            elif prop.name in points:
                columns.append(f"b.{q(points[prop.name])}")
            elif prop.name in record_names:
                columns.append(f"t0.{q(prop.name)}")
            else:
                columns.append("NULL")
        pairs = "".join(f" AND b.{q(bc)} = t0.{q(mc)}" for mc, bc in zip(main_cols, base_cols))
        where, bound = self._where(layout.records_set, params.condition, restriction)
        types = q(f"{reg.chart}_BaseCalculationTypes")
        day = f"b.{q(period)}"  # compared as text with day bounds, so the index can range over it
        sql = (f"SELECT {', '.join(columns)} FROM {q(layout.records_set.name)} AS t0 "
               f"LEFT JOIN {types} AS bt ON bt.\"Ref_Key\" = t0.\"CalculationType_Key\" "
               f"LEFT JOIN {q(base_layout.records_set.name)} AS b ON b.\"CalculationType_Key\" = bt.\"CalculationType_Key\" "
               f"AND b.\"Active\" = {self.host.dialect.true}{pairs} AND {day} > '{EMPTY}T23:59:59' "
               f"AND {day} >= substr(t0.\"BegOfBasePeriod\", 1, 10) "
               f"AND {day} <= substr(t0.\"EndOfBasePeriod\", 1, 10) || 'T23:59:59' "
               f"WHERE {where} GROUP BY t0.\"_id\"{''.join(f', b.{q(c)}' for c in points.values())} "
               f"ORDER BY {self._record_order(layout)}")
        codec = self._codec(result_set)
        rows = [codec.decode(values) for values in self.host.link.run(sql, bound).fetchall()]
        if points:  # a record without base records has one row with empty view points (as in memory)
            seen: dict[tuple, list[dict]] = defaultdict(list)
            for row in rows:
                seen[tuple(row[k] for k in (*layout.recorder, "LineNumber"))].append(row)
            rows = [r for group in seen.values() for r in group
                    if len(group) == 1 or any(r[n] is not None for n in points) or
                    all(x[n] is None for x in group for n in points)]
        return rows

    # ---- recalculations ----------------------------------------------------------------------------

    def _result(self, register_set: m.EntitySet, name: str) -> m.EntitySet:
        return self.model.vt_result_sets[f"{register_set.name}_{name}"]

    def recalculation_rows(self, register_set: m.EntitySet, name: str) -> list[dict]:
        codec = self._codec(self._result(register_set, name))
        sql = (f"SELECT {', '.join(q(n) for n in codec.names)} FROM {q(recalculation_table(register_set, name))} "
               'ORDER BY "_id"')
        return [codec.decode(values) for values in self.host.link.run(sql).fetchall()]

    def add_recalculation(self, register_set: m.EntitySet, name: str, rows: list[dict]) -> None:
        codec = self._codec(self._result(register_set, name))
        table = q(recalculation_table(register_set, name))
        same = " AND ".join(f"{q(n)} = ?" for n in codec.names)
        insert = f"INSERT INTO {table} ({', '.join(q(n) for n in codec.names)}) VALUES ({', '.join('?' for _ in codec.names)})"
        with self.host.transaction():
            for row in rows:
                values = codec.encode_tuple(row)
                if self.host.link.run(f"SELECT 1 FROM {table} WHERE {same}", values).fetchone() is None:
                    self.host.link.run(insert, values)

    def drop_recalculation(self, register_set: m.EntitySet, name: str, recorder: Mapping[str, Any]) -> None:
        codec = self._codec(self._result(register_set, name))
        wanted = {n.replace("Recorder", "RecalculationObject", 1): v for n, v in recorder.items()}
        where = " AND ".join(f"{q(n)} = ?" for n in wanted)
        with self.host.transaction():
            self.host.link.run(f"DELETE FROM {q(recalculation_table(register_set, name))} WHERE {where}",
                               [codec.encode_value(n, v) for n, v in wanted.items()])


def _day(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text[:10])
