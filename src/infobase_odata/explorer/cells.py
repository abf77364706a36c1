"""Values of JSON answers as escaped HTML table cells.

Columns come from the model (the interface's own EDM): a reference (``X_Key`` with a navigation
property, or a composite value typed by ``X_Type``) links to the target's object page, showing
the expanded target's Description (or Number and Date) when the answer has it. Every text is
escaped here (``html.escape``: ``& < > " '``) and a row reaches the template as ``Markup``;
cells are built column by column, so the 100 x 13 cells of a page stay cheap next to the JSON
request they come from (``benchmarks/explorer.py``)::

    columns = columns_of(model, entity_type.properties, entity_type.navigation)
    rows = html_rows(answer_rows, columns, Links(mount, model))   # [Markup('<td>…</td>…'), …]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Any, Iterable
from urllib.parse import quote

from markupsafe import Markup

from ..model import COMPOSITE, KEY, NAMESPACE, NIL_GUID, OBJECT, REF, Model, NavigationProperty, Property

_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SPECIAL = re.compile(r"[&<>\"']").search
_SEPARATOR = "\x1f"
_NUMBERS = (int, float)
NULL = '<span class="null">null</span>'
EMPTY_REF = '<span class="null">(empty)</span>'


@dataclass(frozen=True)
class Column:
    name: str
    edm_type: str
    role: str
    target: str | None = None  # entity set a reference links to (published objects only)
    navigation: str | None = None  # the navigation property whose expansion names the target


def columns_of(model: Model, properties: Iterable[Property],
               navigation: Iterable[NavigationProperty] = ()) -> list[Column]:
    navs = {nav.key_property: nav for nav in navigation}
    columns = []
    for prop in properties:
        nav = navs.get(prop.name)
        target = nav.target_set if nav is not None else None
        if target is None and prop.role == REF and prop.target:
            found = model.set_for_object(prop.target)
            target = found.name if found is not None and found.kind == OBJECT else None
        columns.append(Column(prop.name, prop.edm_type, prop.role, target, nav.name if nav else None))
    return columns


class Links:
    """Escaped hrefs of object pages: ``<mount><Set>(guid'…')``, the set's prefix built once."""

    def __init__(self, mount: str, model: Model) -> None:
        self.mount = mount
        self.model = model
        self._prefixes: dict[str, str] = {}

    def entity(self, set_name: str, guid: str) -> str:
        """The href, escaped for an attribute value (the set's part is quoted once per page)."""
        prefix = self._prefixes.get(set_name)
        if prefix is None:
            prefix = self._prefixes[set_name] = escape(quote(f"{self.mount}{set_name}(guid'", safe="/()'"))
        return prefix + (guid if _GUID.fullmatch(guid) else escape(quote(guid, safe=""))) + "&#x27;)"


def esc(text: str) -> str:
    return escape(text) if _SPECIAL(text) else text


def text_of(value: Any, edm_type: str = "") -> str:
    """A value as plain (unescaped) text."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if edm_type == "Edm.DateTime" and isinstance(value, str):
        return value.replace("T", " ")
    return str(value)


def plain(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return esc(value)
    if value is None:
        return NULL
    if kind is bool:
        return "true" if value else "false"
    if kind is int or kind is float:
        return str(value)
    if kind is list:
        return f'<span class="rows">{len(value)} rows</span>'
    return escape(str(value))


def presentation_of(entity: Any) -> str | None:
    """How an expanded reference reads: its Description, or Number and Date, or None."""
    if not isinstance(entity, dict):
        return None
    if entity.get("Description"):
        return str(entity["Description"])
    if entity.get("Number"):
        return f"{entity['Number']} of {text_of(entity.get('Date', ''), 'Edm.DateTime')}".strip()
    return None


def column_cells(rows: list[dict], column: Column, links: Links) -> list[str]:
    """This column's escaped cell HTML for every row. Strings are checked (and escaped) for the
    whole column at once: a page is 100 x 13 cells next to the JSON request they come from."""
    name = column.name
    values = [row.get(name) for row in rows]
    if column.target is not None or column.role == REF:
        target, navigation = column.target, column.navigation
        cells = []
        for row, value in zip(rows, values):
            if value == NIL_GUID:
                cells.append(EMPTY_REF)
            elif target is None or type(value) is not str:
                cells.append(plain(value))
            else:
                expanded = row.get(navigation) if navigation else None
                label = presentation_of(expanded) if expanded else None
                cells.append(f'<a class="ref" href="{links.entity(target, value)}">{esc(label or value)}</a>')
        return cells
    if column.role == COMPOSITE:
        return [_composite(row, value, name, links) for row, value in zip(rows, values)]
    try:
        joined = _SEPARATOR.join(values)  # TypeError unless every value is a string
    except TypeError:  # booleans and numbers inline, the rest through plain()
        cells = [("true" if v else "false") if type(v) is bool else str(v) if type(v) in _NUMBERS else plain(v)
                 for v in values]
    else:
        if joined.count(_SEPARATOR) != len(values) - 1:  # a value holds the separator itself
            cells = [esc(v) for v in values]
        else:
            if column.edm_type == "Edm.DateTime":
                joined = joined.replace("T", " ")
            cells = (escape(joined) if _SPECIAL(joined) else joined).split(_SEPARATOR) if values else []
    if column.role == KEY:
        return [f'<span class="key">{c}</span>' for c in cells]
    return cells


def _composite(row: dict, value: Any, name: str, links: Links) -> str:
    kind = str(row.get(f"{name}_Type") or "")
    found = links.model.entity_sets.get(kind[len(NAMESPACE) + 1:]) if kind.startswith(NAMESPACE + ".") else None
    if found is None or found.kind != OBJECT or type(value) is not str or value in ("", NIL_GUID):
        return plain(value)
    return f'<a class="ref" href="{links.entity(found.name, value)}">{esc(value)}</a>'


def html_rows(rows: list[dict], columns: list[Column], links: Links) -> list[Markup]:
    """``<td>…</td>`` per column for every row, every value escaped."""
    if not columns:
        return [Markup("") for _ in rows]
    cells = [column_cells(rows, column, links) for column in columns]
    return [Markup("<td>" + "</td><td>".join(row) + "</td>") for row in zip(*cells)]


def html_fields(row: dict, columns: list[Column], links: Links) -> list[Markup]:
    """One row's cells, one per column (the object page's name/value table)."""
    return [Markup(column_cells([row], column, links)[0]) for column in columns]
