"""Read a ``$metadata`` (EDMX / CSDL) document into plain structures, with a hardened parser.

Namespaces are ignored (real dumps mix the 2009/11 CSDL namespace with others, and some put the
EntityContainer in a second schema), so only local names and attributes matter::

    >>> edm = read_edmx(open("metadata.xml", "rb").read())
    >>> edm.entity_types["Catalog_Валюты"].key
    ('Ref_Key',)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree


class MetadataError(ValueError):
    """The source is not a readable ``$metadata`` document; the message is one line."""


@dataclass(frozen=True)
class EdmProperty:
    name: str
    type: str
    nullable: bool


@dataclass
class EdmStructure:
    """An EntityType or ComplexType: properties in document order."""

    name: str
    properties: list[EdmProperty] = field(default_factory=list)
    key: tuple[str, ...] = ()
    navigation: list[tuple[str, str]] = field(default_factory=list)  # (name, relationship name)
    open_type: bool = False

    def get(self, name: str) -> EdmProperty | None:
        for prop in self.properties:
            if prop.name == name:
                return prop
        return None

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.properties]


@dataclass(frozen=True)
class EdmFunction:
    name: str
    binding: str  # unqualified entity type name of bindingParameter
    parameters: tuple[tuple[str, str], ...]  # other parameters, in document order
    return_type: str | None
    side_effecting: bool


@dataclass
class Edm:
    namespace: str = ""
    entity_types: dict[str, EdmStructure] = field(default_factory=dict)
    complex_types: dict[str, EdmStructure] = field(default_factory=dict)
    enum_types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    associations: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (Begin, End) types
    entity_sets: dict[str, str] = field(default_factory=dict)  # set name -> entity type name
    functions: list[EdmFunction] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    # No DTDs, no entities, no network: a $metadata document never needs them.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=True, remove_comments=True, remove_pis=True)


@lru_cache(maxsize=65536)
def _local(name: str | None) -> str:
    """``StandardODATA.Catalog_X`` -> ``Catalog_X``; ``Collection(NS.X)`` -> ``Collection(X)``."""
    if not name:
        return ""
    if name.startswith("Collection(") and name.endswith(")"):
        return f"Collection({_local(name[len('Collection('):-1])})"
    if name.startswith("Edm."):
        return name
    return name.rsplit(".", 1)[-1]


def _children(element: etree._Element, local: str):
    return element.iterchildren("{*}" + local)


def _localname(element: etree._Element) -> str:
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""


def _structure(element: etree._Element) -> EdmStructure:
    name = element.get("Name") or ""
    if not name:
        raise MetadataError(f"line {element.sourceline}: a type without a Name")
    structure = EdmStructure(name, open_type=element.get("OpenType") == "true")
    properties = structure.properties
    for child in element:  # one pass: this loop is most of the import time of large dumps
        local = _localname(child)
        if local == "Property":
            prop_name, prop_type = child.get("Name"), child.get("Type")
            if not prop_name or not prop_type:
                raise MetadataError(f"line {child.sourceline}: a Property needs Name and Type")
            properties.append(EdmProperty(prop_name, _local(prop_type), child.get("Nullable") != "false"))
        elif local == "NavigationProperty":
            structure.navigation.append((child.get("Name", ""), _local(child.get("Relationship"))))
        elif local == "Key":
            structure.key = tuple(ref.get("Name", "") for ref in _children(child, "PropertyRef"))
    return structure


def read_edmx(data: bytes) -> Edm:
    """Parse ``data``; raises :class:`MetadataError` (one line) for anything that is not EDMX."""
    if not data.strip():
        raise MetadataError("the source is empty")
    if b"<!DOCTYPE" in data[:4096].upper() or b"<!ENTITY" in data.upper():
        raise MetadataError("a $metadata document has no DOCTYPE or entity declarations (refused)")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise MetadataError(f"not XML: {str(exc).splitlines()[0]}") from None
    except ValueError as exc:  # e.g. an encoding declaration lxml refuses
        raise MetadataError(f"not XML: {exc}") from None
    if _localname(root) != "Edmx":
        raise MetadataError(f"not an EDMX document: the root element is <{_localname(root)}>, "
                            "not <edmx:Edmx>")
    schemas = [s for services in _children(root, "DataServices") for s in _children(services, "Schema")]
    if not schemas:
        raise MetadataError("not a $metadata document: no edmx:DataServices/Schema")
    edm = Edm(namespace=schemas[0].get("Namespace", ""))
    for schema in schemas:
        for element in schema:
            local = _localname(element)
            if local == "EntityType":
                structure = _structure(element)
                edm.entity_types[structure.name] = structure
            elif local == "ComplexType":
                structure = _structure(element)
                edm.complex_types[structure.name] = structure
            elif local == "EnumType":
                edm.enum_types[element.get("Name", "")] = tuple(
                    m.get("Name", "") for m in _children(element, "Member"))
            elif local == "Association":
                ends = {end.get("Role"): _local(end.get("Type")) for end in _children(element, "End")}
                edm.associations[element.get("Name", "")] = (ends.get("Begin", ""), ends.get("End", ""))
            elif local == "EntityContainer":
                _container(element, edm)
    if not edm.entity_types and not edm.entity_sets:
        raise MetadataError("the $metadata document declares no entity types")
    return edm


def _container(container: etree._Element, edm: Edm) -> None:
    for entity_set in _children(container, "EntitySet"):
        edm.entity_sets[entity_set.get("Name", "")] = _local(entity_set.get("EntityType"))
    for function in _children(container, "FunctionImport"):
        binding = ""
        params = []
        for param in _children(function, "Parameter"):
            if param.get("Name") == "bindingParameter":
                binding = _local(param.get("Type"))
            else:
                params.append((param.get("Name", ""), _local(param.get("Type"))))
        returns = function.get("ReturnType")
        edm.functions.append(EdmFunction(function.get("Name", ""), binding, tuple(params),
                                         _local(returns) if returns else None,
                                         function.get("IsSideEffecting", "true") == "true"))
