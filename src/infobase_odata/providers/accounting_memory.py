"""The accounting-register store of the Python providers (memory, JSON file): entries live with
the provider's other record sets (``_RowType`` rows, ext dimensions included); virtual tables are
computed in Python by ``accounting.compute`` (the reference the SQL store must agree with)::

    provider.accounting.write_record_set(register, {"Recorder_Key": ref},
        [{"Period": day, "AccountDr_Key": a41, "AccountCr_Key": a60, "Сумма": 100,
          "ExtDimensionsDr": {"Номенклатура": goods}, "ExtDimensionsCr": {"Контрагенты": supplier}}])
    provider.accounting.virtual_table(register, AccParams("Balance", period=day2), result_set=balance_set)
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .. import accounting as a, accounting_tables as t, model as m
from ..query.ast import Expr, QueryOptions
from ..query.evaluate import Evaluator
from ..stores import Key, QueryResult, Row


class AccountingEntries:
    """What every accounting store shares: entries completed with their ext dimensions before the
    provider stores them (``accounting.complete_entries``)."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider
        self.model: m.Model = provider.model

    def _lookup(self, entity_set: m.EntitySet, ref: Any) -> Row | None:
        return self.provider.get(entity_set, {entity_set.entity_type.key_names[0]: str(ref).lower()})

    def _complete(self, register_set: m.EntitySet, rows: Iterable[Mapping[str, Any]]) -> list[dict]:
        layout = a.AccLayout.of(self.model, register_set)
        chart_set = self.model.set_for_object(layout.chart_id)
        cache: dict[str, Any] = {}

        def account_of(key: str) -> Any:
            if key not in cache:
                cache[key] = None if chart_set is None else self.provider.get(chart_set, {"Ref_Key": key})
            return cache[key]

        return a.complete_entries(layout, self.model, rows, account_of)

    def read_record_set(self, register_set: m.EntitySet, recorder: Key) -> list[Row]:
        return self.provider.read_record_set(register_set, recorder)

    def write_record_set(self, register_set: m.EntitySet, recorder: Key, rows: Iterable[Mapping[str, Any]]) -> list[Row]:
        return self.provider.write_record_set(register_set, recorder, self._complete(register_set, rows))

    def bulk_write_record_sets(self, register_set: m.EntitySet,
                               items: Iterable[tuple[Key, Iterable[Mapping[str, Any]]]]) -> int:
        return self.provider.bulk_write_record_sets(
            register_set, ((key, self._complete(register_set, rows)) for key, rows in items))

    def query(self, entity_set: m.EntitySet, options: QueryOptions, *, restriction: Expr | None = None) -> QueryResult:
        return self.provider.query(entity_set, options, restriction=restriction)

    def count(self, entity_set: m.EntitySet, filter: Expr | None, *, restriction: Expr | None = None) -> int:
        return self.provider.count(entity_set, filter, restriction=restriction)

    def get(self, entity_set: m.EntitySet, key: Key) -> Row | None:
        return self.provider.get(entity_set, key)

    def get_many(self, entity_set: m.EntitySet, keys: Iterable[Key]) -> Any:
        return self.provider.get_many(entity_set, keys)

    def _finish(self, layout: a.AccLayout, params: a.AccParams, rows: list[dict], keys: tuple[str, ...],
                options: QueryOptions, result_set: m.EntitySet) -> QueryResult:
        evaluator = Evaluator(self.model, result_set, self._lookup)
        page, total = t.page(rows, options, keys, evaluator)
        return QueryResult(iter(page), total)


class MemoryAccounting(AccountingEntries):
    """Virtual tables in Python over the provider's stored entries."""

    def virtual_table(self, register_set: m.EntitySet, params: a.AccParams, *, restriction: Expr | None = None,
                      options: QueryOptions = QueryOptions(), result_set: m.EntitySet | None = None) -> QueryResult:
        layout = a.AccLayout.of(self.model, register_set)
        result_set = result_set or a.result_set(self.model, layout, params.function)
        chart = a.prepare(self.provider, self.model, layout, params)
        records = self.provider.query(layout.records_set, QueryOptions(), restriction=restriction).rows
        rows, keys = t.compute(layout, self.model, params, list(records), chart, result_set, self._lookup)
        return self._finish(layout, params, rows, keys, options, result_set)
