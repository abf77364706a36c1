"""Virtual tables (виртуальные таблицы, reference §1.5, §4.2, §6): functions bound to a register,
answered by the provider's ``VirtualTableStore`` (501 without one, ``routes.py``)::

    GET AccumulationRegister_Stock/Balance(Period=datetime'2024-01-31T00:00:00', Dimensions='Product')
    GET AccumulationRegister_Stock/Turnovers(StartPeriod=…, EndPeriod=…)
    GET InformationRegister_Prices/SliceLast(Period=…, Condition='…')

Each is a ``FunctionImport`` bound to the register's set; its result rows have a complex type
``<Register>_Balance`` / ``_Turnover`` / ``_BalanceAndTurnover`` (information registers' slices
return their own records). Parameters and result sets: ``registers.py``.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..types import Date, Number
from .record_set import Built, key_nullable

PARAMETERS = (("Condition", "Edm.String"), ("Dimensions", "Edm.String"))
RANGE = PARAMETERS + (("EndPeriod", "Edm.DateTime"), ("StartPeriod", "Edm.DateTime"))


def add_slices(builder: Any, records: str) -> None:
    """``SliceLast`` and ``SliceFirst`` of an information register, bound to and returning its
    records (the independent register's set, or the ``_RecordType`` set of a subordinate one)."""
    for function in ("SliceLast", "SliceFirst"):
        builder.model.function_imports.append(m.FunctionImport(
            function, records, (("Condition", "Edm.String"), ("Period", "Edm.DateTime")), False,
            f"Collection({m.NAMESPACE}.{records})"))


def _function(builder: Any, function: str, register_set: str, parameters: tuple, result: str,
              props: list[m.Property]) -> None:
    builder.add_complex_type(m.ComplexType(result, [key_nullable(p, ()) for p in props]))
    builder.model.function_imports.append(m.FunctionImport(
        function, register_set, parameters, False, f"Collection({m.NAMESPACE}.{result})"))


def add_register_tables(builder: Any, reg: cfg.RegisterObject, built: Built, balance: bool) -> None:
    """``Balance`` and ``BalanceAndTurnovers`` (balance registers) and ``Turnovers``."""
    name = reg.object_id
    dim_names = {d.name for d in reg.dimensions}
    dims = [p for p in built.attrs if p.attribute in dim_names]
    dim_types = [p for p in built.types if p.attribute in dim_names]

    def resources(*suffixes: str) -> list[m.Property]:
        return [m.Property(f"{res.name}{suffix}", m.edm_type_of(res.type), m.VALUE, res.type, True, res.name)
                for res in reg.resources for suffix in suffixes]

    periods = [m.Property(n, "Edm.DateTime", m.VALUE, Date("datetime"), True, n) for n in m.PERIOD_FIELDS]
    line = [m.Property("LineNumber", "Edm.Int64", m.VALUE, Number(9), True, "LineNumber")]
    recorder = [key_nullable(p, ()) for p in built.recorder]
    movements = dims + periods + recorder + line
    if balance:
        _function(builder, "Balance", name, PARAMETERS + (("Period", "Edm.DateTime"),), f"{name}_Balance",
                  dims + resources("Balance") + dim_types)
    turnovers = ("Turnover", "Receipt", "Expense") if balance else ("Turnover",)
    _function(builder, "Turnovers", name, RANGE, f"{name}_Turnover",
              movements + resources(*turnovers) + dim_types + built.recorder_type)
    if balance:
        _function(builder, "BalanceAndTurnovers", name, RANGE, f"{name}_BalanceAndTurnover",
                  movements + resources("OpeningBalance", "Turnover", "Receipt", "Expense", "ClosingBalance")
                  + dim_types + built.recorder_type)
