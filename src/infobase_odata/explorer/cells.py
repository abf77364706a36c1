"""Values of JSON answers as table cells: text, an optional explorer link and a CSS class.

Columns come from the model (the interface's own EDM): a reference (``X_Key`` with a
navigation property, or a composite value typed by ``X_Type``) links to the target's object
page; every text is escaped by the templates::

    columns = columns_of(model, entity_set.entity_type.properties, entity_set.entity_type.navigation)
    cells = [cell(row, column, link) for column in columns]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..model import COMPOSITE, KEY, NAMESPACE, NIL_GUID, OBJECT, REF, TABULAR, Model, NavigationProperty, Property

Link = Callable[[str, str], str]  # (entity-set name, GUID) -> href of its object page


@dataclass(frozen=True)
class Column:
    name: str
    edm_type: str
    role: str
    target: str | None = None  # entity set a reference links to (published objects only)


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    css: str = ""


NULL = Cell("null", css="null")
EMPTY_REF = Cell("(empty)", css="null")


def columns_of(model: Model, properties: Iterable[Property],
               navigation: Iterable[NavigationProperty] = ()) -> list[Column]:
    targets = {nav.key_property: nav.target_set for nav in navigation}
    columns = []
    for prop in properties:
        target = targets.get(prop.name)
        if target is None and prop.role == REF and prop.target:
            found = model.set_for_object(prop.target)
            target = found.name if found is not None and found.kind == OBJECT else None
        columns.append(Column(prop.name, prop.edm_type, prop.role, target))
    return columns


def text_of(value: Any, edm_type: str = "") -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if edm_type == "Edm.DateTime" and isinstance(value, str):
        return value.replace("T", " ")
    return str(value)


def cell(row: dict, column: Column, link: Link, model: Model, presentation: str | None = None) -> Cell:
    value = row.get(column.name)
    if value is None:
        return NULL
    if column.role == TABULAR or isinstance(value, list):
        return Cell(f"{len(value)} rows", css="rows")
    if value == NIL_GUID and column.role == REF:
        return EMPTY_REF
    if column.target is not None and isinstance(value, str):
        return Cell(presentation or value, link(column.target, value), "ref")
    if column.role == COMPOSITE and isinstance(value, str):
        kind = str(row.get(f"{column.name}_Type") or "")
        target = model.entity_sets.get(kind[len(NAMESPACE) + 1:]) if kind.startswith(NAMESPACE + ".") else None
        if target is not None and target.kind == OBJECT and value != NIL_GUID:
            return Cell(value, link(target.name, value), "ref")
    return Cell(text_of(value, column.edm_type), css="key" if column.role == KEY else "")


def presentation_of(entity: Any) -> str | None:
    """How an expanded reference reads: its Description, or Number and Date, or None."""
    if not isinstance(entity, dict):
        return None
    if entity.get("Description"):
        return str(entity["Description"])
    if entity.get("Number"):
        return f"{entity['Number']} of {text_of(entity.get('Date', ''), 'Edm.DateTime')}".strip()
    return None
