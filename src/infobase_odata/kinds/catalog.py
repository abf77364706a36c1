"""Catalogs (справочники, reference §1.2, §3.3): ``Catalog_<Name>``, objects keyed by ``Ref_Key``::

    GET  Catalog_Goods?$filter=Price gt 10        POST Catalog_Goods
    GET  Catalog_Goods(guid'…')                   PATCH/PUT/DELETE Catalog_Goods(guid'…')
    GET  Catalog_Goods(guid'…')/Unit              GET  Catalog_Goods_<Tab> (tabular_section.py)

Standard properties in the order of real dumps: ``Ref_Key``, ``Predefined``,
``PredefinedDataName``, ``DataVersion``, ``Description``, ``Code``, ``Owner_Key`` (or a
composite ``Owner`` + trailing ``Owner_Type`` for several owners), ``Parent_Key``, ``IsFolder``,
``DeletionMark``, then the attributes and tabular sections. An empty ``Code`` is numbered on
write (``rules.numbering``). Stores: ``ObjectReader``, ``ObjectWriter`` for writes.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..types import Composite, Ref
from . import reference
from .base import Kind


def standard(obj: cfg.Catalog) -> tuple[list[m.Property], list[m.Property]]:
    """The standard properties, and the trailing ones (a composite owner's ``Owner_Type``)."""
    props = [m.ref_key(), *m.predefined(), m.data_version(), *m.description(obj.description_length),
             *m.code(obj.code_length, numeric=obj.code_type == "Number")]
    trailing = []
    if len(obj.owners) == 1:
        owner = Ref(obj.owners[0])
        props.append(m.standard("Owner_Key", "Edm.Guid", m.REF, owner, target=owner.object_id))
    elif obj.owners:
        owner_type = Composite(tuple(Ref(o) for o in obj.owners))
        props.append(m.Property("Owner", "Edm.String", m.COMPOSITE, owner_type, True, "Owner"))
        trailing.append(m.Property("Owner_Type", "Edm.String", m.COMPOSITE_TYPE, owner_type, True, "Owner"))
    if obj.hierarchical:
        props += m.parent(f"CatalogRef.{obj.name}", obj.object_id, obj.hierarchy == "folders_and_items")
    return props + [m.deletion_mark()], trailing


def build(builder: Any, obj: cfg.Catalog) -> None:
    reference.build(builder, obj, *standard(obj))


KIND = Kind("Catalog", cfg.Catalog, m.OBJECT, numbering="Code", build=build)
