"""Tasks (задачи, reference §1.2, §3.3, §7): ``Task_<Name>`` with the standard properties of real
dumps and the bound action ``ExecuteTask``::

    POST Task_Approval(guid'…')/ExecuteTask                              -> 200, empty body

Standard properties in the order of the УТ dump: ``Ref_Key``, ``DataVersion``, ``Description``,
``Number``, ``Date``, ``DeletionMark``, ``BusinessProcess`` (composite of the processes whose
task this is), ``RoutePoint`` (the point's name, ``RoutePoint_Type`` =
``StandardODATA.BusinessProcessRoutePointRef_<Process>``), ``Executed``, the attributes, the
addressing attributes, the tabular sections, then ``BusinessProcess_Type`` and
``RoutePoint_Type`` before the attributes' ``_Type`` properties. The route sets
``BusinessProcess``, ``RoutePoint`` and ``Executed`` (``route_map.py``); writes of them are
ignored like other read-only properties.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..types import Boolean, Ref, String
from .base import Kind
from .business_process import composite_of, reshape, standard


def build(builder: Any, obj: cfg.Task) -> None:
    """Add ``Task_<Name>`` (and its tabular sections) to the model being built."""
    processes = composite_of(tuple(Ref(f"BusinessProcessRef.{p.name}") for p in builder.conf.of_kind(cfg.BusinessProcess)
                                   if p.task == obj.object_id))
    points = composite_of((String(0),))
    reshape(builder, obj,
            [standard("BusinessProcess", m.COMPOSITE, processes, "BusinessProcess"),
             standard("RoutePoint", m.COMPOSITE, points, "RoutePoint"),
             standard("Executed", m.VALUE, Boolean())],
            [standard("BusinessProcess_Type", m.COMPOSITE_TYPE, processes, "BusinessProcess"),
             standard("RoutePoint_Type", m.COMPOSITE_TYPE, points, "RoutePoint")],
            obj.addressing)


KIND = Kind("Task", cfg.Task, m.OBJECT, numbering="Number", actions=("ExecuteTask",), build=build,
            action_parameters=(("ExecuteTask", ()),))
