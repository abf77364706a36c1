"""MemoryProvider: the infobase in Python dicts, queried with ``query/evaluate.py``.

It is the reference implementation of the provider Protocol (the SQLite provider must return
the same rows) and a convenient store for tests and small demos::

    provider = MemoryProvider(model)
    goods = model.entity_set("Catalog_Goods")
    row = provider.create(goods, {"Description": "Шлепанцы", "Price": Decimal("12.50")})
    provider.get(goods, {"Ref_Key": row["Ref_Key"]})["Description"]  # 'Шлепанцы'

It is the simplest :class:`~infobase_odata.providers.python.PythonProvider`: its storage methods
are plain dicts (one per entity set, objects keyed by ``Ref_Key`` with their tabular sections
inside the row as lists of row dicts, a constant's row under ``"0"``), so queries, writes
(:mod:`infobase_odata.rules`, shared with SQLite), numbering and tabular-section sets come from the
base class; registers come from :class:`~.registers_memory.MemoryRegisters`.  Returned rows are
copies: callers may change them freely.

``transaction()`` holds the provider's re-entrant lock (other threads' reads and writes wait)
and keeps an undo journal of every replaced row, replayed backwards when the block raises::

    with provider.transaction():
        provider.create(goods, {"Description": "временный"})
        raise RuntimeError          # the row is gone again
"""

from __future__ import annotations

import functools
from typing import Any, Iterable

from .. import model as m
from ..calculations import CalculationEngine
from ..stores import Key, QueryResult, Row
from ..query.ast import Expr, QueryOptions
from .accounting_memory import MemoryAccounting
from .exchange import MemoryExchange, recording
from .python import PythonProvider
from .registers_memory import MemoryRegisters


@recording(MemoryExchange)  # exchange-plan changes in every write's transaction (exchange.py)
class MemoryProvider(MemoryRegisters, PythonProvider):
    def __init__(self, model: m.Model) -> None:
        super().__init__(model)
        self._objects: dict[str, dict[Any, Row]] = {}  # entity set name -> key -> row
        self.accounting = MemoryAccounting(self)  # accounting registers (kinds/reads.py routes them)

    # ---- storage: one dict per entity set -----------------------------------------------------

    def _table(self, where: m.EntitySet | dict) -> dict:
        """The dict of an entity set; the register mixin passes its record tables (already
        dicts, also in ``_objects``) to ``_put`` directly."""
        return where if isinstance(where, dict) else self._objects.setdefault(where.name, {})

    def rows(self, entity_set: m.EntitySet) -> Iterable[Row]:
        return self._objects.get(entity_set.name, {}).values()

    def fetch(self, entity_set: m.EntitySet, key: Any) -> Row | None:
        return self._table(entity_set).get(key)

    def store(self, entity_set: m.EntitySet, key: Any, row: Row) -> None:
        self._table(entity_set)[key] = row

    def remove(self, entity_set: m.EntitySet, key: Any) -> None:
        self._table(entity_set).pop(key, None)

    # ---- registers: record sets, records and independent records go to the mixin ---------

    def query(self, entity_set: m.EntitySet, options: QueryOptions, *,
              restriction: Expr | None = None) -> QueryResult:
        if entity_set.is_register:
            return self._register_query(entity_set, options, restriction)
        return super().query(entity_set, options, restriction=restriction)

    def get(self, entity_set: m.EntitySet, key: Key) -> Row | None:
        if entity_set.is_register:
            return self._register_get(entity_set, key)
        return super().get(entity_set, key)

    def count(self, entity_set: m.EntitySet, filter: Expr | None, *,
              restriction: Expr | None = None) -> int:
        if entity_set.is_register:
            return self._register_count(entity_set, filter, restriction)
        return super().count(entity_set, filter, restriction=restriction)

    # ---- calculation registers: a composed store (calculations.CalculationEngine) ----------

    @functools.cached_property
    def calculations(self) -> CalculationEngine:
        return CalculationEngine(self, self.model)

    def calculation_table(self, register_set: m.EntitySet, params: Any, **kwargs: Any) -> QueryResult:
        return self.calculations.query(register_set, params, **kwargs)

    def calculation_written(self, register_set: m.EntitySet, recorder: Key, old: list, new: list) -> None:
        self.calculations.record_set_written(register_set, recorder, old, new)

    def create(self, entity_set: m.EntitySet, values: Row) -> Row:
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            return self._record_create(entity_set, values)
        return super().create(entity_set, values)

    def bulk_insert(self, entity_set: m.EntitySet, rows: Iterable[Row]) -> int:
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            with self.transaction():
                return sum(1 for row in rows if self._record_create(entity_set, row))
        return super().bulk_insert(entity_set, rows)

    def update(self, entity_set: m.EntitySet, key: Key, values: Row, *,
               if_match: str | None = None, replace: bool = False) -> Row:
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            return self._record_update(entity_set, key, values, replace)
        return super().update(entity_set, key, values, if_match=if_match, replace=replace)

    def delete(self, entity_set: m.EntitySet, key: Key, *, if_match: str | None = None) -> None:
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            return self._record_delete(entity_set, key)
        return super().delete(entity_set, key, if_match=if_match)
