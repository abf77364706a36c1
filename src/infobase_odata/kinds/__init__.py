"""The object kinds of 1C as data: one row per kind, stating in one place its configuration
class, the kind of its entity set, how it numbers new objects, its bound actions and the store
Protocols its writes need (reference §1, §3.3, §7)::

    kind = kind_of(configuration.find("Document_SalesOrder"))
    kind.numbering, kind.actions          # ("Number", ("Post", "Unpost"))

A kind with a module of its own (``kinds/catalog.py``, ``document.py``, ``journal.py``, ...)
states there its configuration class, standard properties in 1C order (its ``build``), URL
forms, actions, write rules, stores and the reader of its set kind; the sub-resources are
``tabular_section.py``, ``record_set.py`` and ``virtual_table.py``. A row without ``build``
(exchange plans, charts of accounts and calculation types, business processes, tasks) is built
as a generic reference object (``reference.py`` + ``model._Builder.standard_properties``)
until its module lands. ``routes.py`` maps set kinds to handlers. Kinds whose
``config_class`` is None are known to the protocol but not modelled yet.
"""

from __future__ import annotations

from . import (accumulation_register, business_process, calculation_register, catalog,
               chart_of_calculation_types, chart_of_characteristic_types, constant, document, enumeration,
               exchange_plan, information_register, journal, task, accounting_register, chart_of_accounts)
from .base import Kind

__all__ = ["Kind", "KINDS", "kind_of"]

KINDS: tuple[Kind, ...] = (
    catalog.KIND,
    document.KIND,
    journal.KIND,
    constant.KIND,
    enumeration.KIND,
    exchange_plan.KIND,
    chart_of_accounts.KIND,
    chart_of_characteristic_types.KIND,
    chart_of_calculation_types.KIND,
    information_register.KIND,
    accumulation_register.KIND,
    accounting_register.KIND,
    calculation_register.KIND,
    business_process.KIND,
    task.KIND,
)
_BY_CLASS = {kind.config_class: kind for kind in KINDS if kind.config_class is not None}


def kind_of(source: object) -> Kind | None:
    """The kind of a configuration object (None for anything else, e.g. a tabular section)."""
    for klass in type(source).__mro__:
        if klass in _BY_CLASS:
            return _BY_CLASS[klass]
    return None

