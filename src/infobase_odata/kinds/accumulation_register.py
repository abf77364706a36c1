"""Accumulation registers (регистры накопления, reference §1.5, §3.3, §6): record sets of their
recorders (``record_set.py``), records keyed by the recorder and ``LineNumber``, with the
virtual tables ``Turnovers`` and, for balance registers, ``Balance`` and ``BalanceAndTurnovers``
(``virtual_table.py``)::

    GET   AccumulationRegister_Stock_RecordType?$filter=RecordType eq 'Receipt'
    PATCH AccumulationRegister_Stock(Recorder_Key=guid'…')  {"RecordSet": [...]}
    GET   AccumulationRegister_Stock/Balance(Period=datetime'…')

Standard properties of a record: the recorder, ``Period``, ``LineNumber``, ``Active``,
``RecordType`` (balance registers), then dimensions, resources, attributes. Writes need
``ObjectWriter`` and ``RecordSetStore``; virtual tables ``VirtualTableStore``.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..stores import ObjectWriter, RecordSetStore
from . import record_set, virtual_table
from .base import Kind


def build(builder: Any, reg: cfg.AccumulationRegister) -> None:
    balance = getattr(reg, "register_kind", "turnovers") == "balance"
    built = record_set.build(builder, reg, period="", record_type=balance, keyed=None)
    virtual_table.add_register_tables(builder, reg, built, balance)


KIND = Kind("AccumulationRegister", cfg.AccumulationRegister, m.RECORD_SET,
            write_stores=(ObjectWriter, RecordSetStore), build=build)
