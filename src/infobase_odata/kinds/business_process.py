"""Business processes (бизнес-процессы, reference §1.2, §3.3, §7): ``BusinessProcess_<Name>``
with the standard properties of real dumps and the bound action ``Start``::

    POST BusinessProcess_Approval(guid'…')/Start?RoutePoint='Start'     -> 200, empty body

Standard properties in the order of the УТ dump: ``Ref_Key``, ``DataVersion``, ``Number``,
``Date``, ``DeletionMark``, ``Completed``, ``Started``, ``HeadTask`` (composite of the tasks),
the attributes, the tabular sections, then ``HeadTask_Type`` before the attributes' ``_Type``
properties. ``Started``, ``Completed`` and ``HeadTask`` change only through the route
(``route_map.py``): writes of them are ignored like other read-only properties. The route map
itself is declared in the configuration (``configuration.BusinessProcess.route``).
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..types import Boolean, Composite, Ref, ValueType
from .base import Kind

# RoutePoint_Type of a task (UNCONFIRMED: no dump shows a value; README "Compatibility notes").
ROUTE_POINT_TYPE = f"{m.NAMESPACE}.BusinessProcessRoutePointRef_{{name}}"
START_PARAMETERS = (("RoutePoint", "Edm.String"),)


def composite_of(types: tuple[ValueType, ...]) -> Composite:
    """A composite of any number of types: a standard property such as ``HeadTask`` may allow a
    single type (one task in the configuration) yet is published as ``X`` + ``X_Type``."""
    value = object.__new__(Composite)
    object.__setattr__(value, "types", tuple(types))
    return value


def standard(name: str, role: str, value_type: Any, attribute: str | None = None) -> m.Property:
    """A read-only standard property: Boolean values or the parts of a composite."""
    edm = "Edm.Boolean" if isinstance(value_type, Boolean) else "Edm.String"
    return m.Property(name, edm, role, value_type, True, attribute, None, True)


def reshape(builder: Any, obj: cfg.ReferenceObject, extra: list[m.Property], extra_types: list[m.Property],
            addressing: tuple[cfg.Attribute, ...] = ()) -> None:
    """Build ``obj`` as a reference object, then place the kind's own standard properties after
    ``DeletionMark`` and their ``_Type`` properties after the tabular sections (§3.3 order);
    ``addressing`` attributes follow the attributes (as in the УТ dump)."""
    builder.reference_object(obj)
    entity_type = builder.model.entity_sets[obj.object_id].entity_type
    props = entity_type.properties
    std = [p for p in props if p.attribute is None]
    plain = [p for p in props if p.attribute is not None and p.role not in (m.TABULAR, m.COMPOSITE_TYPE)]
    tabular = [p for p in props if p.role == m.TABULAR]
    types = [p for p in props if p.role == m.COMPOSITE_TYPE]
    more, more_types = builder.attribute_properties(addressing)
    entity_type.properties = std + extra + plain + more + tabular + extra_types + types + more_types
    entity_type.__dict__.pop("_index", None)
    entity_type.navigation += builder.navigation_for(entity_type.name, more)


def build(builder: Any, obj: cfg.BusinessProcess) -> None:
    """Add ``BusinessProcess_<Name>`` (and its tabular sections) to the model being built."""
    tasks = composite_of(tuple(Ref(f"TaskRef.{t.name}") for t in builder.conf.of_kind(cfg.Task)))
    reshape(builder, obj,
            [standard("Completed", m.VALUE, Boolean()), standard("Started", m.VALUE, Boolean()),
             standard("HeadTask", m.COMPOSITE, tasks, "HeadTask")],
            [standard("HeadTask_Type", m.COMPOSITE_TYPE, tasks, "HeadTask")])


KIND = Kind("BusinessProcess", cfg.BusinessProcess, m.OBJECT, numbering="Number", actions=("Start",),
            build=build, action_parameters=(("Start", START_PARAMETERS),))
