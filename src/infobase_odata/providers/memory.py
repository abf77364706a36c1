"""MemoryProvider: the infobase in Python dicts, queried with ``query/evaluate.py``.

It is the reference implementation of the provider Protocol (the SQLite provider must return
the same rows) and a convenient store for tests and small demos::

    provider = MemoryProvider(model)
    goods = model.entity_set("Catalog_Goods")
    row = provider.create(goods, {"Description": "Шлепанцы", "Price": Decimal("12.50")})
    provider.get(goods, {"Ref_Key": row["Ref_Key"]})["Description"]  # 'Шлепанцы'

Objects are stored per object set keyed by ``Ref_Key`` with their tabular sections inside the
row (as lists of row dicts); tabular-section sets are views over those lists.  Returned rows are
copies: callers may change them freely.

Writes follow :mod:`providers.writes` (shared with SQLite).  ``transaction()`` holds the
provider's re-entrant lock (other threads' reads and writes wait) and keeps an undo journal of
every replaced row, replayed backwards when the block raises::

    with provider.transaction():
        provider.create(goods, {"Description": "временный"})
        raise RuntimeError          # the row is gone again
"""

from __future__ import annotations

import contextlib
import copy
import threading
from typing import Any, Iterable, Iterator

from .. import model as m
from ..errors import ODataError
from ..provider import Key, QueryResult, Row
from ..query.ast import Binary, Expr, QueryOptions
from ..query.evaluate import Evaluator, sort_rows
from . import values as v, writes as w
from .registers_memory import MemoryRegisters

_MISSING = object()


class MemoryProvider(MemoryRegisters):
    def __init__(self, model: m.Model) -> None:
        self.model = model
        self._objects: dict[str, dict[str, Row]] = {}
        self._constants: dict[str, Row] = {}
        self._lock = threading.RLock()
        self._journal: list[tuple[dict, Any, Any]] | None = None  # undo log of the open transaction
        self._rules: dict[str, w.Numbering | None] = {}

    # ---- storage helpers --------------------------------------------------------------------

    def _table(self, entity_set: m.EntitySet) -> dict[str, Row]:
        return self._objects.setdefault(entity_set.name, {})

    def _lookup(self, entity_set: m.EntitySet, ref_key: Any) -> Row | None:
        return self._objects.get(entity_set.name, {}).get(ref_key)

    def _all_rows(self, entity_set: m.EntitySet) -> Iterable[Row]:
        if entity_set.kind == m.CONSTANT:
            return [self._constant(entity_set)]
        if entity_set.kind == m.TABULAR_SECTION:
            assert entity_set.parent is not None and entity_set.tabular_section is not None
            name = entity_set.tabular_section.name
            owners = list(self._objects.get(entity_set.parent.name, {}).values())
            return [r for owner in owners for r in owner.get(name, [])]
        return list(self._objects.get(entity_set.name, {}).values())

    def _constant(self, entity_set: m.EntitySet) -> Row:
        row = self._constants.get(entity_set.name)
        return row if row is not None else v.constant_row(entity_set.entity_type)

    def _evaluator(self, entity_set: m.EntitySet) -> Evaluator:
        return Evaluator(self.model, entity_set, self._lookup)

    @staticmethod
    def _both(filter: Expr | None, restriction: Expr | None) -> Expr | None:
        if filter is None or restriction is None:
            return filter if restriction is None else restriction
        return Binary("and", filter, restriction, "Edm.Boolean")

    @staticmethod
    def _output(row: Row, tabs: list[m.Property] | None) -> Row:
        out = {k: (copy.deepcopy(val) if isinstance(val, list) else val) for k, val in row.items()}
        if tabs is not None:
            keep = {p.name for p in tabs}
            for name, val in row.items():
                if isinstance(val, list) and name not in keep:
                    del out[name]
        return out

    # ---- read side --------------------------------------------------------------------------

    def query(self, entity_set: m.EntitySet, options: QueryOptions, *,
              restriction: Expr | None = None) -> QueryResult:
        if entity_set.is_register:
            return self._register_query(entity_set, options, restriction)
        condition = self._both(options.filter, restriction)
        evaluator = self._evaluator(entity_set)
        with self._lock:
            rows = [r for r in self._all_rows(entity_set) if evaluator.matches(condition, r)]
        total = len(rows) if options.inlinecount else None
        rows = sort_rows(rows, options.orderby, entity_set.entity_type.key_names, evaluator)
        start = options.skip or 0
        stop = None if options.top is None else start + options.top
        tabs = v.tabular_to_load(entity_set.entity_type, options.select)
        page = rows[start:stop]
        return QueryResult((self._output(r, tabs) for r in page), total)

    def get(self, entity_set: m.EntitySet, key: Key) -> Row | None:
        if entity_set.is_register:
            return self._register_get(entity_set, key)
        with self._lock:
            if entity_set.kind == m.CONSTANT:
                return self._output(self._constant(entity_set), None)
            if entity_set.kind == m.TABULAR_SECTION:
                for r in self._all_rows(entity_set):
                    if r["Ref_Key"] == str(key["Ref_Key"]).lower() and r["LineNumber"] == int(key["LineNumber"]):
                        return self._output(r, None)
                return None
            row = self._table(entity_set).get(str(key["Ref_Key"]).lower())
            return None if row is None else self._output(row, None)

    def get_many(self, entity_set: m.EntitySet, keys: Iterable[Key]) -> Iterator[Row]:
        names = entity_set.entity_type.key_names
        wanted = {tuple(str(k[n]).lower() if n == "Ref_Key" else k[n] for n in names) for k in keys}
        with self._lock:
            found = [r for r in self._all_rows(entity_set) if tuple(r[n] for n in names) in wanted]
        return (self._output(r, None) for r in found)

    def count(self, entity_set: m.EntitySet, filter: Expr | None, *,
              restriction: Expr | None = None) -> int:
        if entity_set.is_register:
            return self._register_count(entity_set, filter, restriction)
        condition = self._both(filter, restriction)
        evaluator = self._evaluator(entity_set)
        with self._lock:
            return sum(1 for r in self._all_rows(entity_set) if evaluator.matches(condition, r))

    # ---- write side -------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator["MemoryProvider"]:
        """Hold the provider's lock; on an exception undo every change made inside (nested
        transactions undo back to their own start, like SQLite savepoints)."""
        with self._lock:
            outer = self._journal is None
            if outer:
                self._journal = []
            journal = self._journal
            assert journal is not None
            mark = len(journal)
            try:
                yield self
            except BaseException:
                while len(journal) > mark:
                    table, key, previous = journal.pop()
                    if previous is _MISSING:
                        table.pop(key, None)
                    else:
                        table[key] = previous
                raise
            finally:
                if outer:
                    self._journal = None

    def _put(self, table: dict, key: Any, row: Row | None) -> None:
        """The one way stored rows change (rows are replaced, never mutated in place), so the
        undo journal of the open transaction sees every change."""
        if self._journal is not None:
            self._journal.append((table, key, table.get(key, _MISSING)))
        if row is None:
            table.pop(key, None)
        else:
            table[key] = row

    def _numbering(self, entity_set: m.EntitySet) -> w.Numbering | None:
        if entity_set.name not in self._rules:
            self._rules[entity_set.name] = w.numbering(entity_set)
        return self._rules[entity_set.name]

    def _insert(self, entity_set: m.EntitySet, rows: list[Row]) -> None:
        table = self._table(entity_set)
        rule = self._numbering(entity_set)
        if rule is not None:
            current = w.max_number(rule, (r[rule.name] for r in table.values()))
            w.assign_numbers(rule, rows, current)
        seen: set[str] = set()
        for row in rows:
            if row["Ref_Key"] in table or row["Ref_Key"] in seen:
                raise w.duplicate_key()
            seen.add(row["Ref_Key"])
        for row in rows:
            self._put(table, row["Ref_Key"], row)

    def create(self, entity_set: m.EntitySet, values: Row) -> Row:
        if entity_set.kind == m.CONSTANT:
            return self.set_constant(entity_set, v.constant_input(entity_set.entity_type, values))
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            return self._record_create(entity_set, values)
        w.check_writable(entity_set, "create")
        row = w.new_object(entity_set, values)
        with self.transaction():
            self._insert(entity_set, [row])
        return self._output(row, None)

    def bulk_insert(self, entity_set: m.EntitySet, rows: Iterable[Row]) -> int:
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            with self.transaction():
                return sum(1 for row in rows if self._record_create(entity_set, row))
        new = [w.new_object(entity_set, r) for r in rows]
        with self.transaction():
            self._insert(entity_set, new)
        return len(new)

    def set_constant(self, entity_set: m.EntitySet, value: Any, *, if_match: str | None = None) -> Row:
        """Constants carry no DataVersion (reference §3.3), so ``if_match`` is not checked."""
        row = v.constant_row(entity_set.entity_type, v.constant_values(entity_set.entity_type, value))
        with self.transaction():
            self._put(self._constants, entity_set.name, row)
        return dict(row)

    def update(self, entity_set: m.EntitySet, key: Key, values: Row, *,
               if_match: str | None = None, replace: bool = False) -> Row:
        """See :func:`providers.writes.merge`; DataVersion changes only when the row does."""
        if entity_set.kind == m.CONSTANT:
            return self.set_constant(entity_set, v.constant_input(entity_set.entity_type, values))
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            return self._record_update(entity_set, key, values, replace)
        w.check_writable(entity_set, "update")
        with self.transaction():
            table = self._table(entity_set)
            ref = w.key_ref(key)
            old = table.get(ref)
            if old is None:
                raise ODataError.not_found(entity_set.name)
            w.check_if_match(old, if_match)
            row = w.merge(entity_set, old, values, replace=replace)
            if row != old:
                row["DataVersion"] = v.new_data_version()
                self._put(table, ref, row)
            else:
                row = old
        return self._output(row, None)

    def delete(self, entity_set: m.EntitySet, key: Key, *, if_match: str | None = None) -> None:
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            return self._record_delete(entity_set, key)
        w.check_writable(entity_set, "delete")
        with self.transaction():
            table = self._table(entity_set)
            ref = w.key_ref(key)
            old = table.get(ref)
            if old is None:
                raise ODataError.not_found(entity_set.name)
            w.check_if_match(old, if_match)
            self._put(table, ref, None)
