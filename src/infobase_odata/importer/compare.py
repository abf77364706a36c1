"""Compare two ``$metadata`` documents element by element (the importer's round-trip check).

Types are compared property by property (name, EDM type, nullability, order), with their key
and navigation properties; associations by their ends, entity sets by their type, function
imports by binding, parameters and return type::

    >>> [d.text for d in compare_metadata(read_edmx(original), read_edmx(regenerated))]
    ['entity type Catalog_X: property 3 is Code Edm.String, expected Code Edm.Int64']
"""

from __future__ import annotations

from dataclasses import dataclass

from .edmx import Edm, EdmStructure


@dataclass(frozen=True)
class Difference:
    category: str  # entity type, complex type, enum type, association, entity set, function import
    name: str  # the element's name (function imports: "<binding>/<name>")
    detail: str
    extra: bool = False  # present only in the regenerated document

    @property
    def text(self) -> str:
        return f"{self.category} {self.name}: {self.detail}"


def _props(structure: EdmStructure) -> list[str]:
    return [f"{p.name} {p.type}{'' if p.nullable else ' not null'}" for p in structure.properties]


def _structure_details(original: EdmStructure, regenerated: EdmStructure, entity: bool) -> list[str]:
    details = []
    if entity and original.key != regenerated.key:
        details.append(f"key {list(regenerated.key)}, expected {list(original.key)}")
    theirs, ours = _props(original), _props(regenerated)
    if theirs != ours:
        missing = [p for p in theirs if p not in ours]
        added = [p for p in ours if p not in theirs]
        if missing:
            details.append(f"missing properties {missing}")
        if added:
            details.append(f"extra properties {added}")
        if not missing and not added:
            details.append(f"property order {[p.split()[0] for p in ours]}, expected {[p.split()[0] for p in theirs]}")
    if entity and original.navigation != regenerated.navigation:
        details.append(f"navigation {regenerated.navigation}, expected {original.navigation}")
    if entity and original.open_type != regenerated.open_type:
        details.append(f"OpenType {regenerated.open_type}, expected {original.open_type}")
    return details


def _compare_maps(category: str, original: dict, regenerated: dict, describe) -> list[Difference]:
    differences = []
    for name, theirs in original.items():
        if name not in regenerated:
            differences.append(Difference(category, name, "missing"))
            continue
        for detail in describe(theirs, regenerated[name]):
            differences.append(Difference(category, name, detail))
    for name in regenerated:
        if name not in original:
            differences.append(Difference(category, name, "not in the original", extra=True))
    return differences


def compare_metadata(original: Edm, regenerated: Edm) -> list[Difference]:
    """Every difference between the two documents (extras of ``regenerated`` flagged)."""
    def simple(a, b):
        return [] if a == b else [f"{b}, expected {a}"]

    def functions(edm: Edm) -> dict:
        return {f"{f.binding}/{f.name}": (f.parameters, f.return_type, f.side_effecting) for f in edm.functions}

    return (
        _compare_maps("entity type", original.entity_types, regenerated.entity_types,
                      lambda a, b: _structure_details(a, b, True))
        + _compare_maps("complex type", original.complex_types, regenerated.complex_types,
                        lambda a, b: _structure_details(a, b, False))
        + _compare_maps("enum type", original.enum_types, regenerated.enum_types, simple)
        + _compare_maps("association", original.associations, regenerated.associations, simple)
        + _compare_maps("entity set", original.entity_sets, regenerated.entity_sets, simple)
        + _compare_maps("function import", functions(original), functions(regenerated), simple)
    )
