"""PythonProvider: the whole provider Protocol over four storage methods a subclass writes.

For data that is not in SQL (an in-process structure, a JSON file, another service), subclass
and implement where the objects live; queries, counts, ``$filter``/``$orderby`` (evaluated in
Python by ``query/evaluate.py``, the reference semantics), numbering, If-Match/DataVersion
(``rules.py``), transactions with rollback and tabular-section sets come from here::

    class DictProvider(PythonProvider):
        def __init__(self, model):
            super().__init__(model)
            self.data = {}                                  # set name -> key -> row

        def rows(self, entity_set):
            return self.data.get(entity_set.name, {}).values()

        def fetch(self, entity_set, key):
            return self.data.get(entity_set.name, {}).get(key)

        def store(self, entity_set, key, row):
            self.data.setdefault(entity_set.name, {})[key] = row

        def remove(self, entity_set, key):
            self.data.get(entity_set.name, {}).pop(key, None)

Rows are complete dicts keyed by property name (``Ref_Key`` lowercase text, ``Decimal``
numbers, naive ``datetime`` dates, tabular sections as lists of row dicts inside the object);
``key`` is the object's ``Ref_Key`` (``"0"`` for a constant's one row).  The base class never
mutates a row it got from ``rows``/``fetch`` and hands out copies.

:class:`~infobase_odata.providers.memory.MemoryProvider` (dicts) and
:class:`~infobase_odata.providers.jsonfile.JSONFileProvider` (a JSON file) are built this way.

Optional hooks: ``refresh()`` before every read and write (reload changed data), ``begin()`` /
``commit()`` / ``rollback()`` around the outermost transaction (persist, lock a file).  Every
filter is evaluated by scanning ``rows()``: fine for thousands of objects; a provider that can
do better overrides ``query``/``count``/``get_many`` and keeps the rest.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from typing import Any, Iterable, Iterator

from ..i18n import Message
from .. import model as m
from ..stores import InvalidQuery, Key, QueryResult, Row
from ..query.ast import Expr, QueryOptions
from ..query.evaluate import Evaluator, both, sort_rows
from .. import rules as w, values as v

CONSTANT_KEY = "0"


class PythonProvider:
    def __init__(self, model: m.Model) -> None:
        self.model = model
        self._lock = threading.RLock()
        self._journal: list[tuple[m.EntitySet, str, Row | None]] | None = None
        self._rules: dict[str, w.Numbering | None] = {}

    # ---- the storage a subclass provides -----------------------------------------------------

    def rows(self, entity_set: m.EntitySet) -> Iterable[Row]:
        """Every stored object of an object set (or a constant set's stored row)."""
        raise NotImplementedError

    def fetch(self, entity_set: m.EntitySet, key: str) -> Row | None:
        raise NotImplementedError

    def store(self, entity_set: m.EntitySet, key: str, row: Row) -> None:
        """Insert or replace the object ``key`` with ``row`` (complete, tabular rows inside)."""
        raise NotImplementedError

    def remove(self, entity_set: m.EntitySet, key: str) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        """Called (under the provider's lock) before every operation."""

    def begin(self) -> None:
        """Called when the outermost transaction starts."""

    def commit(self) -> None:
        """Called when the outermost transaction ends without an exception."""

    def rollback(self) -> None:
        """Called when the outermost transaction raised, after its changes were undone."""

    # ---- read side ----------------------------------------------------------------------------

    def _all_rows(self, entity_set: m.EntitySet) -> list[Row]:
        if entity_set.kind == m.CONSTANT:
            return [self._constant(entity_set)]
        if entity_set.kind == m.TABULAR_SECTION:
            assert entity_set.parent is not None and entity_set.tabular_section is not None
            name = entity_set.tabular_section.name
            return [line for owner in self.rows(entity_set.parent) for line in owner.get(name, [])]
        return list(self.rows(entity_set))

    def _constant(self, entity_set: m.EntitySet) -> Row:
        row = self.fetch(entity_set, CONSTANT_KEY)
        return row if row is not None else v.constant_row(entity_set.entity_type)

    def _lookup(self, entity_set: m.EntitySet, ref: Any) -> Row | None:
        return self.fetch(entity_set, str(ref).lower())

    @staticmethod
    def _copy(row: Row, tabs: list[m.Property] | None = None) -> Row:
        out = {k: (copy.deepcopy(val) if isinstance(val, list) else val) for k, val in row.items()}
        if tabs is not None:
            for name in [k for k, val in out.items() if isinstance(val, list)]:
                if name not in {p.name for p in tabs}:
                    del out[name]
        return out

    def query(self, entity_set: m.EntitySet, options: QueryOptions, *,
              restriction: Expr | None = None) -> QueryResult:
        condition = both(options.filter, restriction)
        evaluator = Evaluator(self.model, entity_set, self._lookup)
        with self._lock:
            self.refresh()
            rows = [r for r in self._all_rows(entity_set) if evaluator.matches(condition, r)]
            total = len(rows) if options.inlinecount else None
            if options.orderby or not entity_set.insertion_ordered:
                rows = sort_rows(rows, options.orderby, entity_set.entity_type.key_names, evaluator)
            elif options.after_key is not None:  # $skiptoken in insertion order
                refs = [r["Ref_Key"] for r in rows]
                after = str(options.after_key).lower()
                if after in refs:
                    rows = rows[refs.index(after) + 1:]
                elif self._lookup(entity_set, after) is None:
                    raise InvalidQuery("$skiptoken", Message("the row of the token no longer exists"))
                else:  # the token's row is filtered out: find its place among all rows
                    order = {r["Ref_Key"]: i for i, r in enumerate(self._all_rows(entity_set))}
                    rows = [r for r in rows if order[r["Ref_Key"]] > order[after]]
        start = options.skip or 0
        stop = None if options.top is None else start + options.top
        tabs = v.tabular_to_load(entity_set.entity_type, options.select)
        return QueryResult((self._copy(r, tabs) for r in rows[start:stop]), total)

    def count(self, entity_set: m.EntitySet, filter: Expr | None, *,
              restriction: Expr | None = None) -> int:
        condition = both(filter, restriction)
        evaluator = Evaluator(self.model, entity_set, self._lookup)
        with self._lock:
            self.refresh()
            return sum(1 for r in self._all_rows(entity_set) if evaluator.matches(condition, r))

    def get(self, entity_set: m.EntitySet, key: Key) -> Row | None:
        with self._lock:
            self.refresh()
            if entity_set.kind == m.CONSTANT:
                return self._copy(self._constant(entity_set))
            if entity_set.kind == m.TABULAR_SECTION:
                assert entity_set.parent is not None and entity_set.tabular_section is not None
                owner = self._lookup(entity_set.parent, key["Ref_Key"])
                lines = owner.get(entity_set.tabular_section.name, []) if owner else []
                found = [line for line in lines if line["LineNumber"] == int(key["LineNumber"])]
                return self._copy(found[0]) if found else None
            row = self._lookup(entity_set, key["Ref_Key"])
            return None if row is None else self._copy(row)

    def get_many(self, entity_set: m.EntitySet, keys: Iterable[Key]) -> Iterator[Row]:
        with self._lock:
            found = [row for row in (self.get(entity_set, key) for key in keys) if row is not None]
        return iter(found)

    # ---- transactions ----------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator["PythonProvider"]:
        """The provider's lock; an exception undoes every ``store``/``remove`` made inside
        (a nested transaction undoes back to its own start)."""
        with self._lock:
            outer = self._journal is None
            if outer:
                self.refresh()
                self.begin()
                self._journal = []
            journal = self._journal
            assert journal is not None
            mark = len(journal)
            try:
                yield self
            except BaseException:
                while len(journal) > mark:
                    entity_set, key, previous = journal.pop()
                    if previous is None:
                        self.remove(entity_set, key)
                    else:
                        self.store(entity_set, key, previous)
                if outer:
                    self._journal = None
                    self.rollback()
                raise
            if outer:
                self._journal = None
                self.commit()

    def _put(self, entity_set: m.EntitySet, key: str, row: Row | None) -> None:
        if self._journal is not None:
            self._journal.append((entity_set, key, self.fetch(entity_set, key)))
        if row is None:
            self.remove(entity_set, key)
        else:
            self.store(entity_set, key, row)

    # ---- write side ---------------------------------------------------------------------------

    def _insert(self, entity_set: m.EntitySet, rows: list[Row]) -> None:
        if entity_set.name not in self._rules:
            self._rules[entity_set.name] = w.numbering(entity_set)
        rule = self._rules[entity_set.name]
        if rule is not None:
            w.assign_numbers(rule, rows, w.max_number(rule, (r[rule.name] for r in self.rows(entity_set))))
        seen: set[str] = set()
        for row in rows:
            if row["Ref_Key"] in seen or self.fetch(entity_set, row["Ref_Key"]) is not None:
                raise w.duplicate_key()
            seen.add(row["Ref_Key"])
        for row in rows:
            self._put(entity_set, row["Ref_Key"], row)

    def create(self, entity_set: m.EntitySet, values: Row) -> Row:
        if entity_set.kind == m.CONSTANT:
            return self.set_constant(entity_set, v.constant_input(entity_set.entity_type, values))
        w.check_writable(entity_set, "create")
        row = w.new_object(entity_set, values)
        with self.transaction():
            self._insert(entity_set, [row])
        return self._copy(row)

    def bulk_insert(self, entity_set: m.EntitySet, rows: Iterable[Row]) -> int:
        new = [w.new_object(entity_set, r) for r in rows]
        with self.transaction():
            self._insert(entity_set, new)
        return len(new)

    def set_constant(self, entity_set: m.EntitySet, value: Any, *, if_match: str | None = None) -> Row:
        """Constants carry no DataVersion (reference §3.3), so ``if_match`` is not checked."""
        row = v.constant_row(entity_set.entity_type, v.constant_values(entity_set.entity_type, value))
        with self.transaction():
            self._put(entity_set, CONSTANT_KEY, row)
        return self._copy(row)

    def update(self, entity_set: m.EntitySet, key: Key, values: Row, *,
               if_match: str | None = None, replace: bool = False) -> Row:
        """See :func:`infobase_odata.rules.merge`; DataVersion changes only when the row does."""
        if entity_set.kind == m.CONSTANT:
            return self.set_constant(entity_set, v.constant_input(entity_set.entity_type, values))
        w.check_writable(entity_set, "update")
        with self.transaction():
            ref = w.key_ref(key)
            old = self.fetch(entity_set, ref)
            row = w.updated(entity_set, old, values, if_match=if_match, replace=replace)
            if row is None:
                return self._copy(old)  # type: ignore[arg-type]
            self._put(entity_set, ref, row)
        return self._copy(row)

    def delete(self, entity_set: m.EntitySet, key: Key, *, if_match: str | None = None) -> None:
        w.check_writable(entity_set, "delete")
        with self.transaction():
            ref = w.key_ref(key)
            w.check_stored(entity_set, self.fetch(entity_set, ref), if_match)
            self._put(entity_set, ref, None)
