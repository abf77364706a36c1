"""What every reference kind (catalog, document, chart, exchange plan, business process, task)
publishes around its standard properties: the attributes, the tabular sections, the trailing
``X_Type`` properties and the entity sets (reference §3.3)::

    build(builder, obj, [m.ref_key(), m.data_version(), *m.description(25), m.deletion_mark()])

A kind module lists its standard properties in 1C order and calls :func:`build`.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from . import tabular_section


def build(builder: Any, obj: cfg.ReferenceObject, standard: list[m.Property],
          trailing: list[m.Property] | None = None) -> m.EntitySet:
    """Add ``obj``'s entity set and its tabular-section sets; ``trailing`` (e.g. a composite
    owner's ``Owner_Type``) goes before the attributes' ``X_Type`` properties."""
    plain, types = builder.attribute_properties(obj.attributes)
    tab_props, tab_sets = tabular_section.build(builder, obj)
    props = [*standard, *plain, *tab_props, *(trailing or ()), *types]
    main = m.EntitySet(obj.object_id, builder.entity_type(obj.object_id, props, ("Ref_Key",)), m.OBJECT, obj)
    builder.add_set(main)
    for tab_set in tab_sets:
        tab_set.parent = main
        builder.add_set(tab_set)
    return main
