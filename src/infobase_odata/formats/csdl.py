"""The ``$metadata`` document: EDMX / CSDL v3 in the layout of real 1C dumps (reference §4).

Built with lxml once per model; the caller caches the bytes::

    >>> body = metadata_document(build_model(load_configuration("samples/trade")))
    >>> body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    True
"""

from __future__ import annotations

from lxml import etree

from ..model import NAMESPACE, CONTAINER, ComplexType, EntityType, Model

CONTENT_TYPE = "application/xml;charset=utf-8"  # UNCONFIRMED (§10)

EDMX_NS = "http://schemas.microsoft.com/ado/2007/06/edmx"
EDM_NS = "http://schemas.microsoft.com/ado/2009/11/edm"
M_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"

_EDMX = "{%s}" % EDMX_NS
_EDM = "{%s}" % EDM_NS
_M = "{%s}" % M_NS


def _qualified(name: str) -> str:
    return name if name.startswith(NAMESPACE + ".") or name.startswith("Edm.") \
        or name.startswith("Collection(") else f"{NAMESPACE}.{name}"


def _properties(parent: etree._Element, type_: ComplexType) -> None:
    # Every property carries an explicit Nullable and no facets (§4.2).
    for prop in type_.properties:
        etree.SubElement(parent, _EDM + "Property", Name=prop.name, Type=prop.edm_type,
                         Nullable="true" if prop.nullable else "false")


def _entity_type(schema: etree._Element, type_: EntityType) -> None:
    el = etree.SubElement(schema, _EDM + "EntityType", Name=type_.name)
    if type_.open_type:
        el.set("OpenType", "true")
    key = etree.SubElement(el, _EDM + "Key")
    for name in type_.key_names:
        etree.SubElement(key, _EDM + "PropertyRef", Name=name)
    _properties(el, type_)
    for nav in type_.navigation:
        etree.SubElement(el, _EDM + "NavigationProperty", Name=nav.name,
                         Relationship=f"{NAMESPACE}.{nav.association}",
                         FromRole="Begin", ToRole="End")


def metadata_tree(model: Model) -> etree._Element:
    """The ``edmx:Edmx`` element of ``model``."""
    root = etree.Element(_EDMX + "Edmx", nsmap={"edmx": EDMX_NS})
    root.set("Version", "1.0")
    services = etree.SubElement(root, _EDMX + "DataServices", nsmap={"m": M_NS})
    services.set(_M + "DataServiceVersion", "3.0")
    services.set(_M + "MaxDataServiceVersion", "3.0")
    schema = etree.SubElement(services, _EDM + "Schema", nsmap={None: EDM_NS})
    schema.set("Namespace", NAMESPACE)

    # Order in real dumps: EntityType, ComplexType, EnumType, Association, EntityContainer (§4.2).
    seen: set[str] = set()
    for type_ in model.entity_types:
        if type_.name not in seen:
            seen.add(type_.name)
            _entity_type(schema, type_)
    for complex_type in model.complex_types.values():
        el = etree.SubElement(schema, _EDM + "ComplexType", Name=complex_type.name)
        _properties(el, complex_type)
    for enum in model.enum_types.values():
        # Members by name only, no Value; properties using the enum stay Edm.String (§1.2).
        el = etree.SubElement(schema, _EDM + "EnumType", Name=enum.name, UnderlyingType="Edm.Int32")
        for member in enum.members:
            etree.SubElement(el, _EDM + "Member", Name=member)
    for assoc in model.associations:
        el = etree.SubElement(schema, _EDM + "Association", Name=assoc.name)
        etree.SubElement(el, _EDM + "End", Role="Begin", Type=_qualified(assoc.source_type), Multiplicity="*")
        etree.SubElement(el, _EDM + "End", Role="End", Type=_qualified(assoc.target_type), Multiplicity="0..1")

    container = etree.SubElement(schema, _EDM + "EntityContainer", Name=CONTAINER)
    container.set(_M + "IsDefaultEntityContainer", "true")
    # No AssociationSet elements in the container (§4.2).
    for entity_set in model.entity_sets.values():
        etree.SubElement(container, _EDM + "EntitySet", Name=entity_set.name,
                         EntityType=_qualified(entity_set.entity_type.name))
    for function in model.function_imports:
        # Bound to the entity type (not a collection), bindingParameter first, the rest as the
        # model lists them (alphabetical), no Nullable; ReturnType only on virtual tables (§4.2).
        el = etree.SubElement(container, _EDM + "FunctionImport", Name=function.name,
                              IsBindable="true",
                              IsSideEffecting="true" if function.side_effecting else "false")
        if function.return_type:
            el.set("ReturnType", _qualified(function.return_type))
        etree.SubElement(el, _EDM + "Parameter", Name="bindingParameter",
                         Type=_qualified(function.binding_type))
        for name, edm_type in function.parameters:
            if name != "bindingParameter":
                etree.SubElement(el, _EDM + "Parameter", Name=name, Type=edm_type)
    return root


def metadata_document(model: Model) -> bytes:
    """UTF-8 bytes of the ``$metadata`` document of ``model``."""
    body = etree.tostring(metadata_tree(model), encoding="UTF-8", xml_declaration=False,
                          pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
