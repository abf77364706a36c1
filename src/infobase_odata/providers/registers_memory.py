"""The register side of :class:`~infobase_odata.providers.memory.MemoryProvider`: record sets,
independent information-register records and virtual tables computed in Python.

It is the reference semantics of ``registers.py`` (the SQLite provider computes the same rows in
SQL)::

    provider.write_record_set(stock, {"Recorder": ref, "Recorder_Type": "StandardODATA.Document_X"},
                              [{"Period": day, "RecordType": "Receipt", "Product_Key": p, "Quantity": 5}])
    rows = provider.virtual_table(stock, VTParams("Balance", period=day2)).rows
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .. import model as m, registers as r
from ..stores import Key, NotFound, QueryResult, Row
from ..query.ast import Expr, QueryOptions
from ..query.evaluate import Evaluator, sort_rows
from .. import rules as w, values as v

if TYPE_CHECKING:
    from ..query.evaluate import Lookup


def _key_tuple(entity_type: m.EntityType, key: Mapping[str, Any]) -> tuple:
    return tuple(v.normalize(entity_type.property(n), key[n]) for n in entity_type.key_names)


class MemoryRegisters:
    """Mixed into MemoryProvider (which supplies ``model``, ``_lock``, ``_put``, ``_objects``,
    ``transaction``, ``_lookup``)."""

    model: m.Model
    _objects: dict[str, dict[Any, Row]]
    _lookup: "Lookup"

    def _record_table(self, register_set: m.EntitySet) -> dict[tuple, list[Row]]:
        return self._objects.setdefault(register_set.name, {})  # recorder key -> its records

    # ---- record sets ------------------------------------------------------------------------

    def read_record_set(self, register_set: m.EntitySet, recorder: Key) -> list[Row]:
        with self._lock:  # type: ignore[attr-defined]
            rows = self._record_table(register_set).get(_key_tuple(register_set.entity_type, recorder), [])
            return [dict(row) for row in rows]

    def write_record_set(self, register_set: m.EntitySet, recorder: Key, rows: Iterable[Mapping[str, Any]]) -> list[Row]:
        layout = r.Layout.of(self.model, register_set)
        key = _key_tuple(register_set.entity_type, recorder)
        recorder = dict(zip(register_set.entity_type.key_names, key))
        stored = r.complete_records(layout, recorder, rows)
        with self.transaction():  # type: ignore[attr-defined]
            self._put(self._record_table(register_set), key, stored or None)  # type: ignore[attr-defined]
        return [dict(row) for row in stored]

    def bulk_write_record_sets(self, register_set: m.EntitySet,
                               items: Iterable[tuple[Key, Iterable[Mapping[str, Any]]]]) -> int:
        count = 0
        with self.transaction():  # type: ignore[attr-defined]
            for recorder, rows in items:
                count += len(self.write_record_set(register_set, recorder, rows))
        return count

    def _record_sets(self, register_set: m.EntitySet) -> list[Row]:
        out = []
        names = register_set.entity_type.key_names
        for key, rows in self._record_table(register_set).items():
            row = dict(zip(names, key))
            row["RecordSet"] = [dict(x) for x in rows]
            out.append(row)
        return out

    def _records(self, entity_set: m.EntitySet) -> list[Row]:
        """Rows of a RECORDS or INDEPENDENT_RECORDS set."""
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            return list(self._objects.get(entity_set.name, {}).values())
        assert entity_set.parent is not None
        return [row for rows in self._objects.get(entity_set.parent.name, {}).values() for row in rows]

    def _set_allowed(self, register_set: m.EntitySet, restriction: Expr | None):
        """A record set is readable when every record satisfies the restriction (over records)."""
        if restriction is None:
            return lambda row: True
        evaluator = Evaluator(self.model, register_set.records, self._lookup)  # type: ignore[arg-type]
        return lambda row: all(evaluator.matches(restriction, rec) for rec in row["RecordSet"])

    def _register_query(self, entity_set: m.EntitySet, options: QueryOptions,
                        restriction: Expr | None) -> QueryResult:
        with self._lock:  # type: ignore[attr-defined]
            if entity_set.kind == m.RECORD_SET:
                allowed = self._set_allowed(entity_set, restriction)
                evaluator = Evaluator(self.model, entity_set, self._lookup)
                rows = [x for x in self._record_sets(entity_set)
                        if evaluator.matches(options.filter, x) and allowed(x)]
            else:
                evaluator = Evaluator(self.model, entity_set, self._lookup)
                rows = [dict(x) for x in self._records(entity_set)
                        if evaluator.matches(options.filter, x) and evaluator.matches(restriction, x)]
        return _page(rows, options, entity_set.entity_type.key_names, evaluator)

    def _register_count(self, entity_set: m.EntitySet, filter: Expr | None, restriction: Expr | None) -> int:
        return len(list(self._register_query(entity_set, QueryOptions(filter=filter), restriction).rows))

    def _register_get(self, entity_set: m.EntitySet, key: Key) -> Row | None:
        with self._lock:  # type: ignore[attr-defined]
            if entity_set.kind == m.RECORD_SET:
                wanted = _key_tuple(entity_set.entity_type, key)
                row = dict(zip(entity_set.entity_type.key_names, wanted))
                row["RecordSet"] = [dict(x) for x in self._record_table(entity_set).get(wanted, [])]
                return row
            if entity_set.kind == m.INDEPENDENT_RECORDS:
                found = self._objects.get(entity_set.name, {}).get(_key_tuple(entity_set.entity_type, key))
                return None if found is None else dict(found)
            wanted = _key_tuple(entity_set.entity_type, key)
            names = entity_set.entity_type.key_names
            for row in self._records(entity_set):
                if tuple(row[n] for n in names) == wanted:
                    return dict(row)
            return None

    # ---- independent information registers (records with composite keys, §2) ------------

    def _record_create(self, entity_set: m.EntitySet, values: Row) -> Row:
        row = v.complete_row(entity_set.entity_type.properties, values)
        key = tuple(row[n] for n in entity_set.entity_type.key_names)
        with self.transaction():  # type: ignore[attr-defined]
            table = self._objects.setdefault(entity_set.name, {})
            if key in table:
                raise w.duplicate_key()
            self._put(table, key, row)  # type: ignore[attr-defined]
        return dict(row)

    def _record_update(self, entity_set: m.EntitySet, key: Key, values: Row, replace: bool) -> Row:
        wanted = _key_tuple(entity_set.entity_type, key)
        with self.transaction():  # type: ignore[attr-defined]
            table = self._objects.setdefault(entity_set.name, {})
            old = table.get(wanted)
            if old is None:
                raise NotFound(entity_set.name)
            row = record_merge(entity_set, old, values, replace)
            self._put(table, wanted, row)  # type: ignore[attr-defined]
        return dict(row)

    def _record_delete(self, entity_set: m.EntitySet, key: Key) -> None:
        wanted = _key_tuple(entity_set.entity_type, key)
        with self.transaction():  # type: ignore[attr-defined]
            table = self._objects.setdefault(entity_set.name, {})
            if wanted not in table:
                raise NotFound(entity_set.name)
            self._put(table, wanted, None)  # type: ignore[attr-defined]

    # ---- virtual tables ---------------------------------------------------------------------

    def virtual_table(self, entity_set: m.EntitySet, params: r.VTParams, *, restriction: Expr | None = None,
                      options: QueryOptions = QueryOptions(), result_set: m.EntitySet | None = None) -> QueryResult:
        """Rows of ``Balance``/``Turnovers``/``BalanceAndTurnovers`` (dicts keyed by the result
        complex type's properties) or ``SliceLast``/``SliceFirst`` (rows of the records set);
        ``options`` (filter, orderby, skip, top) apply to the result over ``result_set``."""
        layout = r.Layout.of(self.model, entity_set)
        records = layout.records_set
        evaluator = Evaluator(self.model, records, self._lookup)
        with self._lock:  # type: ignore[attr-defined]
            source = [dict(x) for x in self._records(records)
                      if r.counts(layout, x) and evaluator.matches(params.condition, x)
                      and evaluator.matches(restriction, x)]
        if params.function in ("SliceLast", "SliceFirst"):
            rows = slice_rows(layout, source, params)
            result_set = records
            keys = records.entity_type.key_names
        else:
            assert result_set is not None
            empty = dict.fromkeys(p.name for p in result_set.entity_type.properties)
            rows = [{**empty, **x} for x in aggregate_rows(layout, source, params)]
            keys = tuple(p.name for p in layout.dimension_props(params.dimensions))
        evaluator = Evaluator(self.model, result_set, self._lookup)
        rows = [x for x in rows if evaluator.matches(options.filter, x)]
        return _page(rows, options, keys, evaluator)


def _page(rows: list[Row], options: QueryOptions, keys: tuple[str, ...], evaluator: Evaluator) -> QueryResult:
    total = len(rows) if options.inlinecount else None
    rows = sort_rows(rows, options.orderby, keys, evaluator)
    start = options.skip or 0
    stop = None if options.top is None else start + options.top
    return QueryResult(iter(rows[start:stop]), total)


def record_merge(entity_set: m.EntitySet, old: Row, values: Mapping[str, Any], replace: bool) -> Row:
    """PATCH/PUT of an independent record: key properties keep their stored values."""
    keys = set(entity_set.entity_type.key_names)
    row = {}
    for prop in entity_set.entity_type.properties:
        name = prop.name
        if name in keys:
            row[name] = old[name]
        elif name in values:
            row[name] = v.normalize(prop, values[name])
        else:
            row[name] = v.empty_value(prop) if replace else old[name]
    return row


# ---- reference computations -----------------------------------------------------------------

def slice_rows(layout: r.Layout, rows: list[Row], params: r.VTParams) -> list[Row]:
    if not layout.periodic:
        return rows
    last = params.function == "SliceLast"
    best: dict[tuple, Any] = {}
    picked: dict[tuple, list[Row]] = defaultdict(list)
    names = layout.dimension_names
    for row in rows:
        period = row["Period"]
        if params.period is not None and (period > params.period if last else period < params.period):
            continue
        group = tuple(row[n] for n in names)
        current = best.get(group)
        if current is None or (period > current if last else period < current):
            best[group] = period
            picked[group] = [row]
        elif period == current:
            picked[group].append(row)
    return [row for group in picked.values() for row in group]


def _zero(prop: m.Property) -> Any:
    return v.empty_value(prop)


def aggregate_rows(layout: r.Layout, rows: list[Row], params: r.VTParams) -> list[Row]:
    """Balance / Turnovers / BalanceAndTurnovers grouped by the chosen dimensions."""
    dims = layout.dimension_props(params.dimensions)
    resources = layout.resources
    groups: dict[tuple, dict[str, list]] = {}

    def bucket(row: Row) -> dict[str, list]:
        group = tuple(row[p.name] for p in dims)
        found = groups.get(group)
        if found is None:
            found = groups[group] = {key: [_zero(p) for p in resources]
                                     for key in ("open", "receipt", "expense", "turnover")}
        return found

    fn = params.function
    for row in rows:
        period = row.get("Period")
        sign = r.sign(layout, row)
        if fn == "Balance":
            if params.period is None or period < params.period:
                sums = bucket(row)["open"]
                for i, p in enumerate(resources):
                    sums[i] += sign * row[p.name]
            continue
        if fn == "BalanceAndTurnovers" and params.start is not None and period < params.start:
            sums = bucket(row)["open"]
            for i, p in enumerate(resources):
                sums[i] += sign * row[p.name]
            continue
        if (params.start is not None and period < params.start) or (params.end is not None and period > params.end):
            continue
        b = bucket(row)
        for i, p in enumerate(resources):
            b["receipt" if sign > 0 else "expense"][i] += row[p.name]
            b["turnover"][i] += sign * row[p.name]
    out = []
    for group, b in groups.items():
        values: dict[str, Any] = {p.name: value for p, value in zip(dims, group)}
        for i, p in enumerate(resources):
            if fn == "Balance":
                values[p.name + "Balance"] = b["open"][i]
            elif fn == "Turnovers":
                values[p.name + "Turnover"] = b["turnover"][i]
                if layout.balance:
                    values[p.name + "Receipt"] = b["receipt"][i]
                    values[p.name + "Expense"] = b["expense"][i]
            else:
                values[p.name + "OpeningBalance"] = b["open"][i]
                values[p.name + "Receipt"] = b["receipt"][i]
                values[p.name + "Expense"] = b["expense"][i]
                values[p.name + "Turnover"] = b["turnover"][i]
                values[p.name + "ClosingBalance"] = b["open"][i] + b["turnover"][i]
        numbers = [x for k, x in values.items() if k not in {p.name for p in dims}]
        if any(x != 0 for x in numbers):
            out.append(values)
    return out
