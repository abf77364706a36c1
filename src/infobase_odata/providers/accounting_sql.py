"""The accounting-register store of the SQL providers (SQLite and PostgreSQL through their
``Dialect``), held by the provider as ``provider.accounting``.

Entries stay in the register's ``<Reg>_RecordType`` table (the provider's own record-set code);
this store keeps next to it, in the same transaction:

* ``_acclines_<Reg>``: one row per account side of an entry (the line of ``accounting.py``:
  account, ext dimensions with their types, dimensions, resources, the correspondent account),
  what virtual tables aggregate and where the record set's ext dimensions are read from;
* ``_acctotals_<Reg>``: per month start the balance (Dr − Cr) per account, ext dimensions and
  dimensions, so ``Balance`` reads one month of totals plus that month's lines::

    with provider.transaction():
        provider.accounting.write_record_set(register, {"Recorder_Key": ref}, entries)
    provider.accounting.virtual_table(register, AccParams("Balance", period=day), result_set=balance_set)

Balance, Turnovers and BalanceAndTurnovers are grouped in SQL (``ExtraDimensions`` as CASE over
the stored ext-dimension types, Condition compiled by ``sql.Compiler``); the split of balances
into Dr/Cr by account type and ``$filter``/``$orderby`` over the grouped rows follow in Python.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Iterator, Mapping

from .sqlnames import q

from .. import accounting as a, accounting_tables as vt, edm, model as m, registers as r
from ..query.ast import Expr, QueryOptions
from ..query.parser import parse_filter
from ..stores import Key, QueryResult, Row
from ..types import Boolean, String, Uuid
from .accounting_memory import AccountingEntries
from .sql import Compiler
from .sqlcodec import RowCodec


def lines_table(layout: a.AccLayout) -> str:
    return f"_acclines_{layout.register_set.name}"


def totals_table(layout: a.AccLayout) -> str:
    return f"_acctotals_{layout.register_set.name}"


def _extra_props(layout: a.AccLayout) -> list[m.Property]:
    return ([m.Property("Active", "Edm.Boolean", m.VALUE, Boolean())]
            + [m.Property(f"_BalancedType{i}", "Edm.Guid", m.VALUE, Uuid()) for i in range(1, layout.ext_count + 1)])


class _Tables:
    """Codecs and names of one register's lines and totals tables."""

    def __init__(self, layout: a.AccLayout, native_bool: bool) -> None:
        self.layout = layout
        props = layout.lines_set.entity_type.properties
        self.lines = RowCodec(list(props) + _extra_props(layout), native_bool=native_bool)
        self.resources = [prop for _, _, prop in layout.resources]
        key_names = ["Account_Key"] + [f"ExtDimension{i}{s}" for i in range(1, layout.ext_count + 1)
                                       for s in ("", "_Type")]
        key_names += [f"ExtDimensionType{i}_Key" for i in range(1, layout.ext_count + 1)] + layout.dim_names()
        self.total_keys = [layout.lines_set.entity_type.property(n) for n in key_names]
        self.totals = RowCodec([m.Property("Month", "Edm.String", m.VALUE, String(0))] + self.total_keys
                               + self.resources, native_bool=native_bool)
        cols = self.lines.names
        self.insert = (f"INSERT INTO {q(lines_table(layout))} ({', '.join(q(n) for n in cols)}) "
                       f"VALUES ({', '.join('?' for _ in cols)})")


class SQLAccounting(AccountingEntries):
    """Accounting registers of ``SQLiteProvider`` and ``PostgreSQLProvider``."""

    use_totals: bool = True  # read Balance through the totals table (False: every line)

    def __init__(self, provider: Any) -> None:
        super().__init__(provider)
        self._tables: dict[str, _Tables] = {}

    def _layouts(self) -> Iterator[a.AccLayout]:
        for entity_set in self.model.entity_sets.values():
            if entity_set.kind == m.RECORD_SET and isinstance(entity_set.source, m.cfg.AccountingRegister):
                yield a.AccLayout.of(self.model, entity_set)

    def tables(self, layout: a.AccLayout) -> _Tables:
        found = self._tables.get(layout.register_set.name)
        if found is None:
            found = self._tables[layout.register_set.name] = _Tables(layout, self.provider.dialect.native_bool)
        return found

    @property
    def _link(self) -> Any:
        return self.provider.link

    # ---- schema -----------------------------------------------------------------------------

    def create_schema(self, db: Any) -> None:
        """Called by the provider's ``create_schema`` inside its transaction."""
        for layout in self._layouts():
            t = self.tables(layout)
            columns: dict[str, Any] = {"_id": int}
            columns.update(t.lines.storage)
            db.table(lines_table(layout), columns, pk="_id")
            db.index(lines_table(layout), list(layout.recorder) + ["LineNumber"])
            db.index(lines_table(layout), ["Account_Key", "Period"])
            db.index(lines_table(layout), ["Period"])
            db.clustered_table(totals_table(layout), dict(t.totals.storage),
                               ["Month"] + [p.name for p in t.total_keys])

    # ---- record sets ------------------------------------------------------------------------

    def _stored_lines(self, layout: a.AccLayout, recorder: Mapping[str, Any]) -> list[dict]:
        t = self.tables(layout)
        where = " AND ".join(f"{q(n)} = ?" for n in layout.recorder)
        cursor = self._link.run(f"SELECT {', '.join(q(n) for n in t.lines.names)} FROM {q(lines_table(layout))} "
                                f"WHERE {where}", [recorder[n] for n in layout.recorder])
        return [t.lines.decode(values) for values in cursor.fetchall()]

    def _recorder(self, register_set: m.EntitySet, key: Key) -> dict[str, Any]:
        return self.provider.registers._recorder(register_set, key)

    def _with_ext(self, layout: a.AccLayout, recorder: Mapping[str, Any], rows: list[Row]) -> list[Row]:
        """Records with their ext dimensions, read from their lines."""
        if not rows or not layout.ext_count:
            return rows
        by_line: dict[tuple, dict] = {}
        for line in self._stored_lines(layout, recorder):
            by_line[(line["LineNumber"], line["Side"])] = line
        for row in rows:
            for side in layout.sides:
                line = by_line.get((row["LineNumber"], side or ("Cr" if row.get("RecordType") == a.CREDIT else "Dr")))
                if line is None:
                    continue
                for i in range(1, layout.ext_count + 1):
                    row[f"ExtDimension{side}{i}"] = line[f"ExtDimension{i}"]
                    row[f"ExtDimension{side}{i}_Type"] = line[f"ExtDimension{i}_Type"]
                    row[f"ExtDimensionType{side}{i}_Key"] = line[f"ExtDimensionType{i}_Key"]
        return rows

    def read_record_set(self, register_set: m.EntitySet, recorder: Key) -> list[Row]:
        layout = a.AccLayout.of(self.model, register_set)
        key = self._recorder(register_set, recorder)
        return self._with_ext(layout, key, self.provider.read_record_set(register_set, key))

    def get(self, entity_set: m.EntitySet, key: Key) -> Row | None:
        row = self.provider.get(entity_set, key)
        if row is not None and entity_set.kind == m.RECORD_SET:
            layout = a.AccLayout.of(self.model, entity_set)
            self._with_ext(layout, self._recorder(entity_set, row), row["RecordSet"])
        return row

    def query(self, entity_set: m.EntitySet, options: QueryOptions, *, restriction: Expr | None = None) -> QueryResult:
        result = self.provider.query(entity_set, options, restriction=restriction)
        if entity_set.kind != m.RECORD_SET:
            return result
        layout = a.AccLayout.of(self.model, entity_set)

        def decorated() -> Iterator[Row]:
            for row in result.rows:
                self._with_ext(layout, self._recorder(entity_set, row), row["RecordSet"])
                yield row
        return QueryResult(decorated(), result.total)

    def write_record_set(self, register_set: m.EntitySet, recorder: Key, rows: Iterable[Mapping[str, Any]]) -> list[Row]:
        layout = a.AccLayout.of(self.model, register_set)
        entries = self._complete(register_set, rows)
        with self.provider.transaction():
            key = self._recorder(register_set, recorder)
            # the provider's write first: on PostgreSQL it takes the register's lock
            stored = self.provider.write_record_set(register_set, key, entries)
            old = self._stored_lines(layout, key)
            where = " AND ".join(f"{q(n)} = ?" for n in layout.recorder)
            self._link.run(f"DELETE FROM {q(lines_table(layout))} WHERE {where}", [key[n] for n in layout.recorder])
            new = [line for row in stored for line in a.lines_of(layout, row)]
            self._insert_lines(layout, new)
            self._apply_totals(layout, old, new)
        return stored

    def _insert_lines(self, layout: a.AccLayout, lines: list[dict]) -> None:
        t = self.tables(layout)
        if lines:
            self._link.run_many(t.insert, [t.lines.encode_tuple(line) for line in lines])

    def bulk_write_record_sets(self, register_set: m.EntitySet,
                               items: Iterable[tuple[Key, Iterable[Mapping[str, Any]]]]) -> int:
        """Entries of new recorders at once (seeding): plain inserts, then the totals rebuilt."""
        layout = a.AccLayout.of(self.model, register_set)
        count = 0
        with self.provider.transaction():
            for key, rows in items:
                stored = self.provider.write_record_set(register_set, self._recorder(register_set, key),
                                                        self._complete(register_set, rows))
                self._insert_lines(layout, [line for row in stored for line in a.lines_of(layout, row)])
                count += len(stored)
            self.rebuild_totals(register_set)
        return count

    def insert_entries(self, register_set: m.EntitySet, entries: Iterable[tuple[Key, list[dict]]]) -> int:
        """Completed entries of new recorders in batches (benchmarks, bulk loads): records and
        lines inserted, totals NOT updated (call :meth:`rebuild_totals`)."""
        layout = a.AccLayout.of(self.model, register_set)
        info = self.provider.registers._records_info(register_set)
        t = self.tables(layout)
        count, records, lines = 0, [], []
        with self.provider.transaction():
            for key, rows in entries:
                for row in r.complete_records(r.Layout.of(self.model, register_set),
                                              self._recorder(register_set, key), rows):
                    records.append(info.codec.encode_tuple(row))
                    lines += [t.lines.encode_tuple(line) for line in a.lines_of(layout, row)]
                if len(records) >= 5000:
                    self._link.run_many(info.insert, records)
                    self._link.run_many(t.insert, lines)
                    count, records, lines = count + len(records), [], []
            if records:
                self._link.run_many(info.insert, records)
                self._link.run_many(t.insert, lines)
                count += len(records)
        return count

    # ---- totals -----------------------------------------------------------------------------

    def _deltas(self, layout: a.AccLayout, lines: list[dict], sign: int, into: dict[tuple, list[int]]) -> None:
        t = self.tables(layout)
        encode = t.totals.encode_value
        for line in lines:
            if not line.get("Active", True):
                continue
            key = (edm.format_datetime(r.month_start(line["Period"])),) + tuple(
                encode(p.name, line[p.name]) for p in t.total_keys)
            sums = into[key]
            factor = -sign if line["Side"] == "Cr" else sign
            for i, p in enumerate(t.resources):
                sums[i] += factor * (encode(p.name, line[p.name]) or 0)

    def _apply_totals(self, layout: a.AccLayout, old: list[dict], new: list[dict]) -> None:
        """Totals follow a replaced record set in its transaction: the difference of its lines is
        added to every month start after each line's month (months added up to the latest)."""
        t = self.tables(layout)
        deltas: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(t.resources))
        self._deltas(layout, old, -1, deltas)
        self._deltas(layout, new, 1, deltas)
        deltas = {k: d for k, d in deltas.items() if any(d)}  # type: ignore[assignment]
        if not deltas:
            return
        table = q(totals_table(layout))
        (horizon,) = self._link.run(f'SELECT max("Month") FROM {table}').fetchone()
        needed = max(r.next_month(edm_datetime(k[0])) for k in deltas)
        top = needed if horizon is None else edm_datetime(horizon)
        cols = ", ".join(q(p.name) for p in t.total_keys + t.resources)
        if horizon is not None and needed > top:
            for month in _months(r.next_month(top), needed):
                self._link.run(f'INSERT INTO {table} ("Month", {cols}) SELECT ?, {cols} FROM {table} '
                               f'WHERE "Month" = ?', (edm.format_datetime(month), horizon))
            top = needed
        upsert = self.provider.dialect.add_into(totals_table(layout), ["Month", *(p.name for p in t.total_keys)],
                                                [p.name for p in t.resources])
        batch = [(edm.format_datetime(month),) + key[1:] + tuple(sums)
                 for key, sums in deltas.items() for month in _months(r.next_month(edm_datetime(key[0])), top)]
        self._link.run_many(upsert, batch)

    def rebuild_totals(self, register_set: m.EntitySet) -> None:
        """The totals recomputed from the lines (one GROUP BY, then one INSERT per month)."""
        layout = a.AccLayout.of(self.model, register_set)
        t = self.tables(layout)
        dialect = self.provider.dialect
        table, lines = q(totals_table(layout)), q(lines_table(layout))
        keys = ", ".join(q(p.name) for p in t.total_keys)
        with self.provider.transaction():
            lock = getattr(self.provider, "_lock", None)  # PostgreSQL: the register's advisory lock
            if lock is not None:
                lock(f"register {register_set.name}")
            self._link.run(f"DELETE FROM {table}")
            low, high = self._link.run(f'SELECT min("Period"), max("Period") FROM {lines} '
                                       f'WHERE "Active" = {dialect.true}').fetchone()
            if low is None:
                return
            if not isinstance(low, str):
                low, high = edm.format_datetime(low), edm.format_datetime(high)
            temp = f"{dialect.temp_schema}._acc_turnovers"
            self._link.run(f"DROP TABLE IF EXISTS {temp}")
            signed = ", ".join(f"{dialect.total(_signed(p.name))} AS {q(p.name)}" for p in t.resources)
            self._link.run(f"CREATE TEMP TABLE _acc_turnovers AS SELECT substr(\"Period\", 1, 7) || '-01T00:00:00' "
                           f"AS \"Month\", {keys}, {signed} FROM {lines} AS t0 WHERE \"Active\" = {dialect.true} "
                           f"GROUP BY 1, {keys}")
            sums = ", ".join(dialect.total(q(p.name)) for p in t.resources)
            res = ", ".join(q(p.name) for p in t.resources)
            first, last = r.month_start(edm_datetime(low)), r.month_start(edm_datetime(high))
            for month in _months(r.next_month(first), r.next_month(last)):
                text = edm.format_datetime(month)
                self._link.run(f'INSERT INTO {table} ("Month", {keys}, {res}) SELECT ?, {keys}, {sums} '
                               f'FROM {temp} WHERE "Month" < ? GROUP BY {keys}', (text, text))
            self._link.run(f"DROP TABLE {temp}")

    # ---- virtual tables ---------------------------------------------------------------------

    def virtual_table(self, register_set: m.EntitySet, params: a.AccParams, *, restriction: Expr | None = None,
                      options: QueryOptions = QueryOptions(), result_set: m.EntitySet | None = None) -> QueryResult:
        layout = a.AccLayout.of(self.model, register_set)
        result_set = result_set or a.result_set(self.model, layout, params.function)
        chart = a.prepare(self.provider, self.model, layout, params)
        if params.function in ("Balance", "Turnovers", "BalanceAndTurnovers"):
            groups = self._groups(layout, params, restriction)
            rows, keys = vt.compute(layout, self.model, params, (), chart, result_set, self._lookup, groups=groups)
        else:  # one row per entry: the entries of the range, Condition and grouping in Python
            records = self._entries(layout, params, restriction)
            rows, keys = vt.compute(layout, self.model, params, records, chart, result_set, self._lookup)
        return self._finish(layout, params, rows, keys, options, result_set)

    def _entries(self, layout: a.AccLayout, params: a.AccParams, restriction: Expr | None) -> list[Row]:
        """The entries of the period (bounds in SQL) with their ext dimensions."""
        bounds = [f"Period {op} datetime'{value.isoformat()}'" for op, value in (("ge", params.start), ("le", params.end))
                  if value is not None]
        period = parse_filter(" and ".join(bounds), layout.records_set, self.model) if bounds else None
        rows = self.provider.query(layout.records_set, QueryOptions(filter=period), restriction=restriction).rows
        selected = list(rows)
        by_recorder: dict[tuple, list[Row]] = defaultdict(list)
        for row in selected:
            by_recorder[tuple(row[n] for n in layout.recorder)].append(row)
        for key, found in by_recorder.items():
            self._with_ext(layout, dict(zip(layout.recorder, key)), found)
        return selected

    def _groups(self, layout: a.AccLayout, params: a.AccParams, restriction: Expr | None) -> list[dict]:
        t = self.tables(layout)
        dialect = self.provider.dialect
        compiler = Compiler(self.model, layout.lines_set, dialect=dialect)
        bound: dict[str, Any] = compiler.params
        fn = params.function
        names = vt.group_names(layout, params)
        # the source rows: lines (and totals rows), with the bounds and account lists
        where = [f't0."Active" = {dialect.true}']
        if params.accounts is not None:
            sql, values = dialect.in_list('t0."Account_Key"', sorted(params.accounts))
            where.append(sql.replace("?", ":_accounts"))
            bound["_accounts"] = values[0]
        if params.balanced_accounts is not None:
            sql, values = dialect.in_list('t0."BalancedAccount_Key"', sorted(params.balanced_accounts))
            where.append(sql.replace("?", ":_balanced"))
            bound["_balanced"] = values[0]
        if restriction is not None:
            inner = Compiler(self.model, layout.records_set, alias="r1", dialect=dialect)
            inner.params = bound
            same = " AND ".join(f"r1.{q(n)} = t0.{q(n)}" for n in (*layout.recorder, "LineNumber"))
            info = self.provider.registers._records_info(layout.register_set)
            where.append(f"EXISTS (SELECT 1 FROM {q(info.table)} AS r1 WHERE {same} AND {inner.where(restriction)})")
        start, end, period = (":_start" if params.start else None, ":_end" if params.end else None,
                              ":_period" if params.period else None)
        for pname, value in (("_start", params.start), ("_end", params.end), ("_period", params.period)):
            if value is not None:
                bound[pname] = edm.format_datetime(value)
        month = None
        if fn == "Balance":
            if period:
                where.append(f't0."Period" < {period}')
            month = self._totals_month(layout, params, params.period, restriction)
        elif fn == "Turnovers":
            where += [f't0."Period" >= {start}'] if start else []
            where += [f't0."Period" <= {end}'] if end else []
        else:
            where += [f't0."Period" <= {end}'] if end else []
            month = self._totals_month(layout, params, params.start, restriction) if start else None
        line_cols = [p.name for p in layout.lines_set.entity_type.properties] + [
            f"_BalancedType{i}" for i in range(1, layout.ext_count + 1)]
        source = f"SELECT {', '.join(f't0.{q(c)}' for c in line_cols)} FROM {q(lines_table(layout))} AS t0"
        if month is not None:  # the totals at the month start, then the lines since
            bound["_month"] = month
            kept = {p.name for p in t.total_keys} | {p.name for p in t.resources}
            cols = ", ".join(f"t0.{q(c)}" if c in kept else f"{chr(39) + 'Dr' + chr(39) if c == 'Side' else 'NULL'} "
                             f"AS {q(c)}" for c in line_cols)
            accounts = [w for w in where if "Account_Key" in w]
            source = (f"SELECT {cols} FROM {q(totals_table(layout))} AS t0 WHERE "
                      + " AND ".join(['t0."Month" = :_month'] + accounts)
                      + f" UNION ALL {source} WHERE " + " AND ".join(where + ['t0."Period" >= :_month']))
        else:
            source += " WHERE " + " AND ".join(where)
        # the lines as Condition sees them: ext dimensions by the requested types
        select = []
        for c in [p.name for p in layout.lines_set.entity_type.properties]:
            select.append(f"{self._remapped(layout, params, c, bound)} AS {q(c)}")
        for _, _, prop in layout.resources:
            col = f"t0.{q(prop.name)}"
            opening = _signed(prop.name)
            if fn == "BalanceAndTurnovers" and start:
                early = f'(t0."Period" IS NULL OR t0."Period" < {start})'
                o = f"CASE WHEN {early} THEN {opening} ELSE 0 END"
                d = f"CASE WHEN NOT {early} AND t0.\"Side\" = 'Dr' THEN {col} ELSE 0 END"
                c = f"CASE WHEN NOT {early} AND t0.\"Side\" = 'Cr' THEN {col} ELSE 0 END"
            elif fn == "Balance":
                o, d, c = opening, "0", "0"
            else:
                o = "0"
                d = f"CASE WHEN t0.\"Side\" = 'Dr' THEN {col} ELSE 0 END"
                c = f"CASE WHEN t0.\"Side\" = 'Cr' THEN {col} ELSE 0 END"
            select += [f"{o} AS {q('o:' + prop.name)}", f"{d} AS {q('d:' + prop.name)}", f"{c} AS {q('c:' + prop.name)}"]
        lines = f"SELECT {', '.join(select)} FROM ({source}) AS t0"
        condition = compiler.where(params.condition)
        measures = [f"{s}:{prop.name}" for _, _, prop in layout.resources for s in "odc"]
        group = ", ".join(f"t0.{q(n)}" for n in names)
        sql = (f"SELECT {group}, {', '.join(dialect.total(f't0.{q(n)}') for n in measures)} FROM ({lines}) AS t0"
               + (f" WHERE {condition}" if condition else "") + f" GROUP BY {group}")
        codec = RowCodec([layout.lines_set.entity_type.property(n) for n in names]
                         + [m.Property(n, p.edm_type, m.VALUE, p.value_type)
                            for _, _, p in layout.resources for n in (f"o:{p.name}", f"d:{p.name}", f"c:{p.name}")])
        return [codec.decode(values) for values in self._link.run(sql, bound).fetchall()]

    def _remapped(self, layout: a.AccLayout, params: a.AccParams, column: str, bound: dict[str, Any]) -> str:
        for prefix, extra, kinds in (("BalancedExtDimension", params.balanced_extra, "_BalancedType{}"),
                                     ("ExtDimension", params.extra, "ExtDimensionType{}_Key")):
            if extra is None or not column.startswith(prefix) or column.startswith("ExtDimensionType"):
                continue
            number = column[len(prefix):].removesuffix("_Type")
            if not number.isdigit():
                continue
            j = int(number)
            if j > len(extra):
                return "NULL"
            name = f"_x_{prefix}_{j}"
            bound[name] = extra[j - 1]
            suffix = "_Type" if column.endswith("_Type") else ""
            cases = " ".join(f"WHEN t0.{q(kinds.format(i))} = :{name} THEN t0.{q(f'{prefix}{i}{suffix}')}"
                             for i in range(1, layout.ext_count + 1))
            return f"CASE {cases} END"
        return f"t0.{q(column)}"

    def _totals_month(self, layout: a.AccLayout, params: a.AccParams, period: Any,
                      restriction: Expr | None) -> str | None:
        allowed = {"Account_Key", *layout.ext_names(), *layout.dim_names()}
        if not self.use_totals or restriction is not None or params.balanced_accounts is not None \
                or not r.root_names(params.condition) <= allowed:
            return None
        (horizon,) = self._link.run(f'SELECT max("Month") FROM {q(totals_table(layout))}').fetchone()
        if horizon is None:
            return None
        return horizon if period is None else min(edm.format_datetime(r.month_start(period)), horizon)


def _signed(name: str) -> str:
    return f"(CASE WHEN t0.\"Side\" = 'Cr' THEN -t0.{q(name)} ELSE t0.{q(name)} END)"


def _months(first: Any, last: Any) -> Iterator:
    current = first
    while current <= last:
        yield current
        current = r.next_month(current)


def edm_datetime(text: Any) -> Any:
    import datetime as dt
    return text if isinstance(text, dt.datetime) else dt.datetime.fromisoformat(text)
