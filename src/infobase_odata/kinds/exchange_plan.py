"""Exchange plans (планы обмена, reference §1.2, §3.3, §7): ``ExchangePlan_<Name>`` sets of
nodes, and the plan's content whose changes are registered for every node::

    ExchangePlan("Shops", content=("Catalog_Goods", "Document_SalesOrder"), this_node="000")
    POST SelectChanges?DataExchangePoint='http://host/base/odata/standard.odata/ExchangePlan_Shops(guid'…')'&MessageNo=1

Standard properties in the order of the real dump (ut-real.edmx): ``Ref_Key``, ``Code``,
``Description``, ``DataVersion``, ``DeletionMark``, ``SentNo``, ``ReceivedNo``,
``ExchangeDate``, then the attributes. ``ThisNode`` is not in the dump (reference §3.3, the
dumps win): the node standing for this infobase is the one whose ``Code`` is the plan's
``this_node``; it gets no changes. Registration and the change feed are the provider's
``ExchangeStore`` (``providers/exchange.py``); the HTTP side is ``exchange_handlers.py``.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..types import Date, Number
from . import reference
from .base import Kind


def standard_properties(obj: cfg.ExchangePlan) -> list[m.Property]:
    return [m.ref_key(), *m.code(obj.code_length), *m.description(obj.description_length),
            m.data_version(), m.deletion_mark(),
            m.standard("SentNo", "Edm.Int64", value_type=Number(10)),
            m.standard("ReceivedNo", "Edm.Int64", value_type=Number(10)),
            m.standard("ExchangeDate", "Edm.DateTime", value_type=Date("datetime"))]


def build(builder: Any, obj: cfg.ExchangePlan) -> None:
    """Add ``ExchangePlan_<Name>`` (and its tabular-section sets) to the model being built."""
    reference.build(builder, obj, standard_properties(obj))


def plans_carrying(model: m.Model) -> dict[str, tuple[m.EntitySet, ...]]:
    """Entity-set name of published content -> the published plans (node sets) carrying it."""
    found: dict[str, list[m.EntitySet]] = {}
    for plan in model.configuration.of_kind(cfg.ExchangePlan):
        plan_set = model.set_for_object(plan.object_id)
        if plan_set is None:
            continue
        for object_id in plan.content:
            if model.set_for_object(object_id) is not None:
                found.setdefault(object_id, []).append(plan_set)
    return {name: tuple(sets) for name, sets in found.items()}


KIND = Kind("ExchangePlan", cfg.ExchangePlan, m.OBJECT, build=build)
