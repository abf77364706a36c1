"""SQL of register virtual tables (reference §6.1, §6.2): text builders, no I/O.

Every statement reads the records table (``<Reg>_RecordType`` or the independent register's
table, alias ``t0``) and, for balances, the per-month totals table; conditions arrive compiled
by :class:`~infobase_odata.providers.sql.Compiler` (alias ``t0``), values as bound parameters::

    sql = VTSql(layout, records_table="AccumulationRegister_Stock_RecordType",
                totals_table="_totals_AccumulationRegister_Stock", result=balance_type)
    text = sql.balance(dims, where="(t0.\\"Warehouse_Key\\" = :p0)", period=":P", totals=":T")

A totals row ``(Month, dimensions…, resources…)`` holds the balance at the *start* of ``Month``
(movements with ``Period < Month``), so ``Balance(P)`` = totals at ``T`` + movements in
``[T, P)`` with ``T`` = min(month of P, last totals month).
"""

from __future__ import annotations

from .sqlnames import q

from .. import model as m
from ..registers import EXPENSE, RECEIPT, Layout
from .dialect import SQLITE, Dialect


def totals_table(register_set: m.EntitySet) -> str:
    return f"_totals_{register_set.name}"


class VTSql:
    def __init__(self, layout: Layout, records_table: str, totals_table: str | None,
                 result: m.ComplexType | None, dialect: Dialect = SQLITE) -> None:
        self.layout = layout
        self.dialect = dialect
        self.records = q(records_table)
        self.totals = q(totals_table) if totals_table else None
        self.result = result
        self.active = f't0."Active" = {dialect.true}' if layout.active else "1"

    # ---- pieces -----------------------------------------------------------------------------

    def signed(self, prop: m.Property) -> str:
        col = f"t0.{q(prop.name)}"
        if not self.layout.balance:
            return col
        return f"(CASE WHEN t0.\"RecordType\" = '{EXPENSE}' THEN -{col} ELSE {col} END)"

    @staticmethod
    def kind_only(prop: m.Property, kind: str) -> str:
        return f"(CASE WHEN t0.\"RecordType\" = '{kind}' THEN t0.{q(prop.name)} ELSE 0 END)"

    def dims(self) -> str:
        return ", ".join(f"t0.{q(p.name)}" for p in self.layout.dimensions)

    def _output(self, grouped: tuple[m.Property, ...], measures: dict[str, str]) -> tuple[str, str]:
        """The select list in result-type order (absent columns NULL) and the GROUP BY list."""
        assert self.result is not None
        names = {p.name for p in grouped}
        exprs = []
        for prop in self.result.properties:
            if prop.name in measures:
                exprs.append(f"{measures[prop.name]} AS {q(prop.name)}")
            elif prop.name in names:
                exprs.append(f"t0.{q(prop.name)} AS {q(prop.name)}")
            else:
                exprs.append(f"NULL AS {q(prop.name)}")
        group = ", ".join(f"t0.{q(p.name)}" for p in grouped)
        return ", ".join(exprs), (f" GROUP BY {group}" if group else "")

    @staticmethod
    def _having(sums: list[str]) -> str:
        return " HAVING " + " OR ".join(f"coalesce({s}, 0) <> 0" for s in sums)

    @staticmethod
    def _and(*parts: str | None) -> str:
        parts = tuple(p for p in parts if p and p != "1")
        return " WHERE " + " AND ".join(parts) if parts else ""

    # ---- balances ---------------------------------------------------------------------------

    def opening_source(self, where: str, period: str | None, totals: str | None) -> str:
        """Rows ``(dimensions…, resource balances…)`` whose sums are the balance before ``period``
        (a parameter name, or None: every movement); ``totals`` is the totals month parameter."""
        resources = self.layout.resources
        cols = self.dims()
        moved = ", ".join(f"{self.signed(p)} AS {q(p.name)}" for p in resources)
        upper = f't0."Period" < {period}' if period else None
        if totals is None:
            return f"SELECT {cols}, {moved} FROM {self.records} AS t0{self._and(self.active, upper, where)}"
        kept = ", ".join(f"t0.{q(p.name)} AS {q(p.name)}" for p in resources)
        month = f't0."Month" = {totals}'
        since = f't0."Period" >= {totals}'
        return (f"SELECT {cols}, {kept} FROM {self.totals} AS t0{self._and(month, where)}"
                f" UNION ALL SELECT {cols}, {moved} FROM {self.records} AS t0"
                f"{self._and(self.active, since, upper, where)}")

    def balance(self, grouped: tuple[m.Property, ...], where: str, period: str | None,
                totals: str | None) -> str:
        sums = {f"{p.name}Balance": self.dialect.total(f"t0.{q(p.name)}") for p in self.layout.resources}
        select, group = self._output(grouped, sums)
        source = self.opening_source(where, period, totals)
        return f"SELECT {select} FROM ({source}) AS t0{group}{self._having(list(sums.values()))}"

    def _range(self, start: str | None, end: str | None) -> tuple[str | None, str | None]:
        return (f't0."Period" >= {start}' if start else None, f't0."Period" <= {end}' if end else None)

    def turnovers(self, grouped: tuple[m.Property, ...], where: str, start: str | None, end: str | None) -> str:
        sums: dict[str, str] = {}
        for p in self.layout.resources:
            sums[f"{p.name}Turnover"] = self.dialect.total(self.signed(p))
            if self.layout.balance:
                sums[f"{p.name}Receipt"] = self.dialect.total(self.kind_only(p, RECEIPT))
                sums[f"{p.name}Expense"] = self.dialect.total(self.kind_only(p, EXPENSE))
        select, group = self._output(grouped, sums)
        low, high = self._range(start, end)
        return (f"SELECT {select} FROM {self.records} AS t0{self._and(self.active, low, high, where)}"
                f"{group}{self._having(list(sums.values()))}")

    def balance_and_turnovers(self, grouped: tuple[m.Property, ...], where: str, start: str | None,
                              end: str | None, totals: str | None) -> str:
        cols = self.dims()
        resources = self.layout.resources
        parts = []
        if start:
            opening = ", ".join(f"t0.{q(p.name)} AS {q('o_' + p.name)}, 0 AS {q('r_' + p.name)}, "
                                f"0 AS {q('e_' + p.name)}" for p in resources)
            parts.append(f"SELECT {cols}, {opening} FROM ({self.opening_source(where, start, totals)}) AS t0")
        moved = ", ".join(f"0 AS {q('o_' + p.name)}, {self.kind_only(p, RECEIPT)} AS {q('r_' + p.name)}, "
                          f"{self.kind_only(p, EXPENSE)} AS {q('e_' + p.name)}" for p in resources)
        low, high = self._range(start, end)
        parts.append(f"SELECT {cols}, {moved} FROM {self.records} AS t0{self._and(self.active, low, high, where)}")
        sums: dict[str, str] = {}
        for p in resources:
            o, rc, ex = (self.dialect.total(f"t0.{q(prefix + p.name)}") for prefix in ("o_", "r_", "e_"))
            sums[f"{p.name}OpeningBalance"] = o
            sums[f"{p.name}Receipt"] = rc
            sums[f"{p.name}Expense"] = ex
            sums[f"{p.name}Turnover"] = f"({rc} - {ex})"
            sums[f"{p.name}ClosingBalance"] = f"({o} + {rc} - {ex})"
        select, group = self._output(grouped, sums)
        return (f"SELECT {select} FROM ({' UNION ALL '.join(parts)}) AS t0{group}"
                f"{self._having(list(sums.values()))}")

    # ---- slices -----------------------------------------------------------------------------

    def slice(self, columns: list[str], last: bool, where: str, where_r: str, period: str | None) -> str:
        """SliceLast/SliceFirst: per dimension combination the records at the greatest (least)
        Period up to (from) ``period``; ``where_r`` is the same condition over alias ``r``."""
        cols = ", ".join(f"r.{q(c)}" for c in columns)
        if not self.layout.periodic:
            return f"SELECT {cols} FROM {self.records} AS r{self._and(where_r)}"
        bound = (f't0."Period" <= {period}' if last else f't0."Period" >= {period}') if period else None
        dims = [q(p.name) for p in self.layout.dimensions]
        inner_dims = ", ".join(f"t0.{d}" for d in dims)
        pick = "MAX" if last else "MIN"
        head = f"{inner_dims}, " if dims else ""
        group = f" GROUP BY {inner_dims}" if dims else ""
        inner = (f'SELECT {head}{pick}(t0."Period") AS _period FROM {self.records} AS t0'
                 f"{self._and(self.active, bound, where)}{group}")
        join = " AND ".join([f"r.{d} = s.{d}" for d in dims] + ['r."Period" = s._period'])
        active = f'r."Active" = {self.dialect.true}' if self.layout.active else None
        return f"SELECT {cols} FROM ({inner}) AS s JOIN {self.records} AS r ON {join}{self._and(active, where_r)}"
