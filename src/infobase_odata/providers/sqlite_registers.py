"""The register store of the SQL provider (``provider.registers``).

Tables: ``<Reg>_RecordType`` (records of a register with recorders) or ``<Reg>`` (an
independent information register), named as their entity sets, indexed by recorder and by
(dimensions, Period); for balance registers ``_totals_<Reg>`` keeps the balance at the start of
every month (see ``registers_sql``), maintained inside the transaction that writes a record set::

    with provider.transaction():
        provider.write_record_set(stock, {"Recorder_Key": ref}, rows)   # replaces, updates totals
    provider.virtual_table(stock, VTParams("Balance", period=day), result_set=balance_set)
    provider.use_totals = False          # compare: Balance from every movement

Record-set and virtual-table reads are prepared statements; every value is a bound parameter.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from .sqlnames import q

from .. import edm, model as m, registers as r
from ..stores import Key, NotFound, QueryResult, Row
from ..query.ast import Expr, QueryOptions
from ..types import ConfigurationError
from .. import rules as w, values as v
from .registers_memory import record_merge
from .registers_sql import VTSql, totals_table
from .sql import Compiler
from .sqlcodec import INT, RowCodec, storage_of
from .sqlstore import SQLStore

if TYPE_CHECKING:
    from .sqlschema import PostgreSQLDDL, SQLiteDDL
    from .sqltables import SetInfo


def _month_text(value) -> str:
    return edm.format_datetime(r.month_start(value))


def _months(first, last) -> Iterator:
    """Month starts from ``first`` to ``last`` inclusive."""
    current = first
    while current <= last:
        yield current
        current = r.next_month(current)


class SQLRegisters(SQLStore):
    """Record sets, independent records, totals and virtual tables; record-set writes and
    totals rebuilds take the register's lock (one writer per register across hosts)."""

    use_totals: bool = True  # read Balance through the totals tables (False: every movement)

    def _limit(self, options: QueryOptions) -> str:
        return self.dialect.limit_values(options.top, options.skip)

    # ---- schema -----------------------------------------------------------------------------

    def _create_register_schema(self, db: "SQLiteDDL | PostgreSQLDDL") -> None:
        for entity_set in self.model.entity_sets.values():
            if entity_set.kind not in (m.RECORDS, m.INDEPENDENT_RECORDS):
                continue
            layout = r.Layout.of(self.model, entity_set)
            # Only accumulation-register resources are summed (information-register resources
            # may be of any type: String, Boolean, Date, references).
            summed = layout.resources if isinstance(entity_set.source, m.cfg.AccumulationRegister) else ()
            for prop in summed:
                if storage_of(prop).kind != INT:
                    raise ConfigurationError(f"{entity_set.name}.{prop.name}: register resources are "
                                             "summed in SQL and may have at most 18 digits")
            info = self._info[entity_set.name]
            columns: dict[str, Any] = {"_id": int}
            columns.update({n: info.codec.storage[n] for n in info.codec.names})
            db.table(info.table, columns, pk="_id")
            keys = list(entity_set.entity_type.key_names)
            unique = entity_set.kind == m.INDEPENDENT_RECORDS or not isinstance(layout.register_set.source,
                                                                                  m.cfg.InformationRegister)
            db.index(info.table, keys, unique=unique)
            if layout.recorder:
                db.index(info.table, list(layout.recorder))
            dims = list(layout.dimension_names)
            if layout.periodic:
                db.index(info.table, dims + ["Period"])
                db.index(info.table, ["Period"])
            if layout.balance:
                totals: dict[str, Any] = {"Month": str}
                totals.update({p.name: storage_of(p) for p in layout.dimensions})
                totals.update({p.name: int for p in layout.resources})
                # Dimensions are never NULL in totals: stored records hold the empty value of an
                # unset dimension, so (Month, dimensions) can be the clustered key.
                db.clustered_table(totals_table(layout.register_set), totals, ["Month"] + dims)

    # ---- record sets ------------------------------------------------------------------------

    def _records_info(self, register_set: m.EntitySet) -> "SetInfo":
        return self._info[r.Layout.of(self.model, register_set).records_set.name]

    @staticmethod
    def _recorder(register_set: m.EntitySet, key: Key) -> dict[str, Any]:
        return {n: v.normalize(register_set.entity_type.property(n), key[n])
                for n in register_set.entity_type.key_names}

    def _recorder_where(self, layout: r.Layout, recorder: Mapping[str, Any]) -> tuple[str, list]:
        return " AND ".join(f"t0.{q(n)} = ?" for n in layout.recorder), [recorder[n] for n in layout.recorder]

    def read_record_set(self, register_set: m.EntitySet, recorder: Key) -> list[Row]:
        layout = r.Layout.of(self.model, register_set)
        info = self._records_info(register_set)
        where, params = self._recorder_where(layout, self._recorder(register_set, recorder))
        cursor = self.link.run(f'{info.select} WHERE {where} ORDER BY t0."LineNumber"', params)
        return [info.codec.decode(values) for values in cursor.fetchall()]

    def write_record_set(self, register_set: m.EntitySet, recorder: Key,
                         rows: Iterable[Mapping[str, Any]]) -> list[Row]:
        """Replace the recorder's records (inside the caller's transaction, if any); balance
        registers' totals follow in the same transaction."""
        layout = r.Layout.of(self.model, register_set)
        info = self._records_info(register_set)
        key = self._recorder(register_set, recorder)
        stored = r.complete_records(layout, key, rows)
        where, params = self._recorder_where(layout, key)
        with self.transaction():
            self._lock(f"register {register_set.name}")
            old = self.read_record_set(register_set, key) if layout.balance else []
            self.link.run(f"DELETE FROM {q(info.table)} WHERE {where.replace('t0.', '')}", params)
            if stored:
                self.link.run_many(info.insert, [info.codec.encode_tuple(row) for row in stored])
            if layout.balance:
                self._apply_totals(layout, info, old, stored)
        return stored

    def bulk_write_record_sets(self, register_set: m.EntitySet,
                               items: Iterable[tuple[Key, Iterable[Mapping[str, Any]]]]) -> int:
        """Many record sets of new recorders at once (seeding): plain inserts, then the totals
        rebuilt from the records in one pass."""
        layout = r.Layout.of(self.model, register_set)
        info = self._records_info(register_set)
        count = 0
        with self.transaction():
            batch: list[tuple] = []
            for recorder, rows in items:
                for row in r.complete_records(layout, self._recorder(register_set, recorder), rows):
                    batch.append(info.codec.encode_tuple(row))
                if len(batch) >= 5000:
                    self.link.run_many(info.insert, batch)
                    count += len(batch)
                    batch = []
            if batch:
                self.link.run_many(info.insert, batch)
                count += len(batch)
            if layout.balance:
                self.rebuild_totals(register_set)
        return count

    # ---- totals -----------------------------------------------------------------------------

    def _deltas(self, layout: r.Layout, info: "SetInfo", rows: list[Row], sign: int,
                into: dict[tuple, list[int]]) -> None:
        encode = info.codec.encode_value
        for row in rows:
            if not r.counts(layout, row):
                continue
            key = (_month_text(row["Period"]),) + tuple(encode(p.name, row[p.name]) for p in layout.dimensions)
            sums = into[key]
            factor = sign * r.sign(layout, row)
            for i, p in enumerate(layout.resources):
                sums[i] += factor * encode(p.name, row[p.name])

    def _apply_totals(self, layout: r.Layout, info: "SetInfo", old: list[Row], new: list[Row]) -> None:
        deltas: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(layout.resources))
        self._deltas(layout, info, old, -1, deltas)
        self._deltas(layout, info, new, 1, deltas)
        deltas = {k: d for k, d in deltas.items() if any(d)}  # type: ignore[assignment]
        if not deltas:
            return
        table = q(totals_table(layout.register_set))
        (horizon,) = self.link.run(f'SELECT max("Month") FROM {table}').fetchone()
        if horizon is None:
            self.rebuild_totals(layout.register_set)
            return
        parse = edm_datetime
        top = parse(horizon)
        needed = max(r.next_month(parse(k[0])) for k in deltas)
        dims = [q(p.name) for p in layout.dimensions]
        if needed > top:
            copy_cols = ", ".join(dims + [q(p.name) for p in layout.resources])
            for month in _months(r.next_month(top), needed):
                self.link.run(f"INSERT INTO {table} (\"Month\", {copy_cols}) SELECT ?, {copy_cols} "
                              f'FROM {table} WHERE "Month" = ?', (edm.format_datetime(month), horizon))
            top = needed
        upsert = self.dialect.add_into(totals_table(layout.register_set),
                                       ["Month", *layout.dimension_names], [p.name for p in layout.resources])
        batch = []
        for key, sums in deltas.items():
            for month in _months(r.next_month(parse(key[0])), top):
                batch.append((edm.format_datetime(month),) + key[1:] + tuple(sums))
        self.link.run_many(upsert, batch)

    def rebuild_totals(self, register_set: m.EntitySet) -> None:
        """Totals of a balance register recomputed from its records (one pass over them)."""
        layout = r.Layout.of(self.model, register_set)
        info = self._records_info(register_set)
        table, records = q(totals_table(register_set)), q(info.table)
        sql = VTSql(layout, info.table, None, None, self.dialect)
        dims = [q(p.name) for p in layout.dimensions]
        res = [q(p.name) for p in layout.resources]
        with self.transaction():
            self._lock(f"register {register_set.name}")
            self.link.run(f"DELETE FROM {table}")
            active = f' WHERE t0."Active" = {self.dialect.true}' if layout.active else ""
            low, high = self.link.run(f'SELECT min(t0."Period"), max(t0."Period") FROM {records} AS t0{active}'
                                      ).fetchone()
            if low is None:
                return
            temp = f"{self.dialect.temp_schema}._register_turnovers"
            self.link.run(f"DROP TABLE IF EXISTS {temp}")
            signed = ", ".join(f"{self.dialect.total(sql.signed(p))} AS {q(p.name)}" for p in layout.resources)
            dim_cols = ", ".join(f"t0.{d}" for d in dims)
            self.link.run(f"CREATE TEMP TABLE _register_turnovers AS SELECT substr(t0.\"Period\", 1, 7) || "
                          f"'-01T00:00:00' AS \"Month\", {dim_cols}, {signed} FROM {records} AS t0"
                          f"{active} GROUP BY 1, {dim_cols}")
            sums = ", ".join(self.dialect.total(c) for c in res)
            cols = ", ".join(dims + res)
            first, last = r.month_start(edm_datetime(low)), r.month_start(edm_datetime(high))
            for month in _months(r.next_month(first), r.next_month(last)):
                text = edm.format_datetime(month)
                self.link.run(f'INSERT INTO {table} ("Month", {cols}) SELECT ?, {", ".join(dims)}, {sums} '
                              f'FROM {temp} WHERE "Month" < ? GROUP BY {", ".join(dims)}',
                              (text, text))
            self.link.run(f"DROP TABLE {temp}")

    # ---- reads of register sets -------------------------------------------------------------

    def _record_set_sql(self, register_set: m.EntitySet, options_filter: Expr | None,
                        restriction: Expr | None) -> tuple[str, Compiler]:
        """Distinct recorders (alias t0) matching the filter whose records all satisfy the
        restriction."""
        layout = r.Layout.of(self.model, register_set)
        info = self._records_info(register_set)
        compiler = Compiler(self.model, layout.records_set, dialect=self.dialect)
        where = compiler.where(options_filter)
        keys = ", ".join(f"t0.{q(n)}" for n in layout.recorder)
        sql = f"SELECT DISTINCT {keys} FROM {q(info.table)} AS t0" + (f" WHERE {where}" if where else "")
        sql = f"SELECT * FROM ({sql}) AS t0"
        if restriction is not None:
            inner = Compiler(self.model, layout.records_set, alias="r1", dialect=self.dialect)
            inner.params = compiler.params
            same = " AND ".join(f"r1.{q(n)} = t0.{q(n)}" for n in layout.recorder)
            sql += (f" WHERE NOT EXISTS (SELECT 1 FROM {q(info.table)} AS r1 WHERE {same} "
                    f"AND {self.dialect.not_true(inner.where(restriction))})")
        return sql, compiler

    def _register_query(self, entity_set: m.EntitySet, options: QueryOptions,
                        restriction: Expr | None) -> QueryResult:
        sql, compiler = self._record_set_sql(entity_set, options.filter, restriction)
        params = compiler.params
        total = None
        if options.inlinecount:
            total = self.link.run(f"SELECT count(*) FROM ({sql}) AS c", params).fetchone()[0]
        order = compiler.order_by(options.orderby) + [f"t0.{q(n)}" for n in entity_set.entity_type.key_names]
        sql += f" ORDER BY {', '.join(order)}"
        if options.top is not None or options.skip:
            sql += self._limit(options)
        recorders = self.link.run(sql, params).fetchall()
        return QueryResult(self._with_records(entity_set, recorders), total)

    def _with_records(self, register_set: m.EntitySet, recorders: list[tuple]) -> Iterator[Row]:
        layout = r.Layout.of(self.model, register_set)
        info = self._records_info(register_set)
        names = layout.recorder
        for start in range(0, len(recorders), 500):
            chunk = recorders[start:start + 500]
            join, params = self.dialect.join_keys(names, [list(k) for k in chunk])
            sql = f'{info.select} {join} ORDER BY t0."LineNumber"'
            by_key: dict[tuple, list[Row]] = {tuple(k): [] for k in chunk}
            for values in self.link.run(sql, params).fetchall():
                row = info.codec.decode(values)
                by_key[tuple(row[n] for n in names)].append(row)
            for key in chunk:
                out: Row = dict(zip(names, key))
                out["RecordSet"] = by_key[tuple(key)]
                yield out

    def _register_count(self, entity_set: m.EntitySet, filter: Expr | None, restriction: Expr | None) -> int:
        sql, compiler = self._record_set_sql(entity_set, filter, restriction)
        return self.link.run(f"SELECT count(*) FROM ({sql}) AS c", compiler.params).fetchone()[0]

    def _register_get(self, entity_set: m.EntitySet, key: Key) -> Row:
        recorder = self._recorder(entity_set, key)
        return {**recorder, "RecordSet": self.read_record_set(entity_set, recorder)}

    # ---- independent information registers --------------------------------------------------

    def _key_where(self, entity_set: m.EntitySet, key: Key) -> tuple[str, list]:
        info = self._info[entity_set.name]
        names = entity_set.entity_type.key_names
        values = [info.codec.encode_value(n, v.normalize(entity_set.entity_type.property(n), key[n])) for n in names]
        return " AND ".join(f"{q(n)} = ?" for n in names), values

    def _record_create(self, entity_set: m.EntitySet, values: Row) -> Row:
        info = self._info[entity_set.name]
        row = v.complete_row(entity_set.entity_type.properties, values)
        with self.transaction():
            try:
                self.link.run(info.insert, info.codec.encode_tuple(row))
            except Exception as exc:  # the unique key
                if self.dialect.is_duplicate(exc):
                    raise w.duplicate_key() from None
                raise
        return row

    def _bulk_insert_records(self, entity_set: m.EntitySet, rows: Iterable[Row]) -> int:
        info = self._info[entity_set.name]
        properties = entity_set.entity_type.properties
        count = 0
        with self.transaction():
            batch = []
            for values in rows:
                batch.append(info.codec.encode_tuple(v.complete_row(properties, values)))
                if len(batch) >= 5000:
                    self.link.run_many(info.insert, batch)
                    count, batch = count + len(batch), []
            if batch:
                self.link.run_many(info.insert, batch)
                count += len(batch)
        return count

    def _record_update(self, entity_set: m.EntitySet, key: Key, values: Row, replace: bool) -> Row:
        info = self._info[entity_set.name]
        where, params = self._key_where(entity_set, key)
        with self.transaction():
            columns = ", ".join(q(n) for n in info.codec.names)
            found = self.link.run(f"SELECT {columns} FROM {q(info.table)} WHERE {where}", params).fetchone()
            if found is None:
                raise NotFound(entity_set.name)
            row = record_merge(entity_set, info.codec.decode(found), values, replace)
            sets = ", ".join(f"{q(n)} = ?" for n in info.codec.names)
            self.link.run(f"UPDATE {q(info.table)} SET {sets} WHERE {where}", (*info.codec.encode_tuple(row), *params))
        return row

    def _record_delete(self, entity_set: m.EntitySet, key: Key) -> None:
        where, params = self._key_where(entity_set, key)
        with self.transaction():
            cursor = self.link.run(f"DELETE FROM {q(entity_set.name)} WHERE {where}", params)
            if cursor.rowcount == 0:
                raise NotFound(entity_set.name)

    # ---- virtual tables ---------------------------------------------------------------------

    def _totals_month(self, layout: r.Layout, period, *exprs: Expr | None) -> str | None:
        if not (self.use_totals and layout.balance and r.dimension_only(layout, *exprs)):
            return None
        (horizon,) = self.link.run(f'SELECT max("Month") FROM {q(totals_table(layout.register_set))}').fetchone()
        if horizon is None:
            return None
        if period is None:
            return horizon
        return min(_month_text(period), horizon)

    def virtual_table(self, entity_set: m.EntitySet, params: r.VTParams, *, restriction: Expr | None = None,
                      options: QueryOptions = QueryOptions(), result_set: m.EntitySet | None = None) -> QueryResult:
        """See the Protocol in ``provider.py``: the rows of a virtual table, computed in SQL."""
        layout = r.Layout.of(self.model, entity_set)
        records = layout.records_set
        info = self._info[records.name]
        compiler = Compiler(self.model, records, dialect=self.dialect)
        bound: dict[str, Any] = compiler.params
        where = compiler.where(params.condition, restriction)
        fn = params.function
        if fn in ("SliceLast", "SliceFirst"):
            again = Compiler(self.model, records, alias="r", dialect=self.dialect)
            again.params = bound
            where_r = again.where(params.condition, restriction)
            if params.period is not None:
                bound["_period"] = edm.format_datetime(params.period)
            sql = VTSql(layout, info.table, None, None, self.dialect).slice(
                info.codec.names, fn == "SliceLast", where, where_r, ":_period" if params.period else None)
            result_set, codec = records, info.codec
            keys = list(records.entity_type.key_names)
        else:
            assert result_set is not None
            result = result_set.entity_type
            vt = VTSql(layout, info.table, totals_table(layout.register_set) if layout.balance else None, result,
                       self.dialect)
            grouped = layout.dimension_props(params.dimensions)
            for name, value in (("_period", params.period), ("_start", params.start), ("_end", params.end)):
                if value is not None:
                    bound[name] = edm.format_datetime(value)
            if fn == "Balance":
                month = self._totals_month(layout, params.period, params.condition, restriction)
                if month is not None:
                    bound["_month"] = month
                sql = vt.balance(grouped, where, ":_period" if params.period else None,
                                 ":_month" if month else None)
            elif fn == "Turnovers":
                sql = vt.turnovers(grouped, where, ":_start" if params.start else None,
                                   ":_end" if params.end else None)
            else:
                month = self._totals_month(layout, params.start, params.condition, restriction) \
                    if params.start else None
                if month is not None:
                    bound["_month"] = month
                sql = vt.balance_and_turnovers(grouped, where, ":_start" if params.start else None,
                                               ":_end" if params.end else None, ":_month" if month else None)
            codec = RowCodec(result.properties)
            keys = [p.name for p in grouped]
        outer = Compiler(self.model, result_set, dialect=self.dialect)
        outer.params = bound
        filtered = outer.where(options.filter)
        sql = f"SELECT * FROM ({sql}) AS t0" + (f" WHERE {filtered}" if filtered else "")
        total = None
        if options.inlinecount:
            total = self.link.run(f"SELECT count(*) FROM ({sql}) AS c", bound).fetchone()[0]
        order = outer.order_by(options.orderby) + [f"t0.{q(k)}" for k in keys]
        if order:
            sql += " ORDER BY " + ", ".join(order)
        if options.top is not None or options.skip:
            sql += self._limit(options)
        rows = [codec.decode(values) for values in self.link.run(sql, bound).fetchall()]
        return QueryResult(iter(rows), total)


def edm_datetime(text: str):
    import datetime as dt

    return dt.datetime.fromisoformat(text)
