"""The object kinds of 1C as data: one row per kind, stating in one place its configuration
class, the kind of its entity set, how it numbers new objects, its bound actions and the store
Protocols its writes need (reference §1, §3.3, §7)::

    kind = kind_of(configuration.find("Document_SalesOrder"))
    kind.numbering, kind.actions          # ("Number", ("Post", "Unpost"))

A kind with a module of its own (``kinds/journal.py``) states there its configuration class,
standard properties in 1C order, URL forms, actions and the reader of its set kind; the others
still get their standard properties from ``model.py``/``register_model.py``. ``routes.py`` maps
set kinds to handlers. Kinds whose ``config_class`` is None are known to the protocol but not
modelled yet (they are the next issues).
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..stores import ConstantStore, ObjectWriter, RecordSetStore
from . import accounting_register, chart_of_accounts, journal
from .base import Kind

__all__ = ["Kind", "KINDS", "kind_of"]

KINDS: tuple[Kind, ...] = (
    Kind("Catalog", cfg.Catalog, m.OBJECT, numbering="Code"),
    Kind("Document", cfg.Document, m.OBJECT, numbering="Number", actions=("Post", "Unpost"),
         write_stores=(ObjectWriter, RecordSetStore)),
    journal.KIND,
    Kind("Constant", cfg.Constant, m.CONSTANT, write_stores=(ObjectWriter, ConstantStore)),
    Kind("Enum", cfg.Enum, "enum", write_stores=(), read_only=True),
    Kind("ExchangePlan", cfg.ExchangePlan, m.OBJECT),
    chart_of_accounts.KIND,
    Kind("ChartOfCharacteristicTypes", cfg.ChartOfCharacteristicTypes, m.OBJECT, numbering="Code"),
    Kind("ChartOfCalculationTypes", cfg.ChartOfCalculationTypes, m.OBJECT, numbering="Code"),
    Kind("InformationRegister", cfg.InformationRegister, m.RECORD_SET,
         write_stores=(ObjectWriter, RecordSetStore)),
    Kind("AccumulationRegister", cfg.AccumulationRegister, m.RECORD_SET,
         write_stores=(ObjectWriter, RecordSetStore)),
    accounting_register.KIND,
    Kind("CalculationRegister", None, m.RECORD_SET, write_stores=(ObjectWriter, RecordSetStore)),
    Kind("BusinessProcess", cfg.BusinessProcess, m.OBJECT, numbering="Number"),
    Kind("Task", cfg.Task, m.OBJECT, numbering="Number"),
)
_BY_CLASS = {kind.config_class: kind for kind in KINDS if kind.config_class is not None}


def kind_of(source: object) -> Kind | None:
    """The kind of a configuration object (None for anything else, e.g. a tabular section)."""
    for klass in type(source).__mro__:
        if klass in _BY_CLASS:
            return _BY_CLASS[klass]
    return None

