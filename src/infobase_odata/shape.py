"""What a response writes for each entity of a set: properties, links, expansions.

Built once per request from ``$select``/``$expand`` (or the default: every property and every
navigation link); serializers only walk it, so every entry of a type carries the same elements::

    >>> shape = default_shape(model.entity_set("Catalog_Goods"))
    >>> [p.name for p in shape.properties][:3]
    ['Ref_Key', 'Predefined', 'PredefinedDataName']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import EntitySet, NavigationProperty, Property


@dataclass
class Shape:
    """What an entry of ``entity_set`` is written with: properties, links, expansions."""

    entity_set: EntitySet
    properties: list[Property]
    links: list[NavigationProperty]  # navigation links written for non-empty references
    expanded: dict[str, "Shape"] = field(default_factory=dict)  # nav name -> shape of target
    # Expanded name -> (property holding the target key, X_Type value required or None); a
    # composite X expands into "X_Expanded" only on rows whose X_Type names the type.
    expansion_keys: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    presentations: list[str] = field(default_factory=list)  # X____Presentation / Presentation
    # Tabular section name -> the row properties to write (a subset with Tab/Field in $select).
    row_properties: dict[str, list[Property]] = field(default_factory=dict)

    @property
    def type_name(self) -> str:
        return self.entity_set.entity_type.name

    def row_properties_of(self, prop: Property) -> list[Property]:
        selected = self.row_properties.get(prop.name)
        if selected is not None:
            return selected
        return prop.row_type.properties if prop.row_type is not None else []


def default_shape(entity_set: EntitySet) -> Shape:
    entity_type = entity_set.entity_type
    return Shape(entity_set, list(entity_type.properties), list(entity_type.navigation))


def shared_shape(entity_set: EntitySet, shapes: dict[str, Shape]) -> Shape:
    """The default shape kept in ``shapes`` (the service's cache, ``ODataService.shapes``: never
    on the frozen model), for callers that never change it: the writers the formats build for a
    shape are cached on it, so every answer of the set reuses them."""
    cached = shapes.get(entity_set.name)
    if cached is None or cached.entity_set is not entity_set:
        cached = shapes[entity_set.name] = default_shape(entity_set)
    return cached
