"""The explorer's pages: each view asks the interface (``Client``) for its rows and returns the
template to render with its context; an interface error becomes the page's status and message::

    page = views.table(state, model.entity_set("Catalog_Goods"), {"$top": ["20"]})
    page.status, page.template, page.context
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence
from urllib.parse import quote

from markupsafe import Markup

from .. import model as m
from ..registers import function_import, vt_result_set
from ..types import format_type
from .cells import Column, Links, columns_of, html_fields, html_rows, presentation_of
from .client import PATH_SAFE, Answer, Client, encode_query

PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
KIND_LABELS = {
    "Catalog": "Catalogs", "Document": "Documents", "Constant": "Constants", "ExchangePlan": "Exchange plans",
    "ChartOfCharacteristicTypes": "Charts of characteristic types", "ChartOfAccounts": "Charts of accounts",
    "ChartOfCalculationTypes": "Charts of calculation types", "BusinessProcess": "Business processes",
    "Task": "Tasks", "InformationRegister": "Information registers",
    "AccumulationRegister": "Accumulation registers",
}
VIRTUAL_TABLES = ("Balance", "Turnovers", "BalanceAndTurnovers", "SliceLast", "SliceFirst")


@dataclass
class Page:
    template: str
    context: dict[str, Any]
    status: int = 200


@dataclass
class State:
    """What every view needs: the model, the sub-request client and the explorer's URL base."""

    model: m.Model
    client: Client
    mount: str  # decoded path of the explorer root, ending in '/'
    user: str | None = None
    links: Links = field(init=False)

    def __post_init__(self) -> None:
        self.links = Links(self.mount, self.model)

    def href(self, path: str = "", query: Sequence[tuple[str, str]] = ()) -> str:
        url = quote(self.mount + path, safe=PATH_SAFE)
        return url + ("?" + encode_query(query) if query else "")

    def rows(self, rows: list[dict], columns: list[Column]) -> list[Markup]:
        return html_rows(rows, columns, self.links)


def error_page(state: State, answer: Answer | None, status: int, message: str, **context: Any) -> Page:
    code = ""
    if answer is not None and answer.error is not None:
        code, message = answer.error
    return Page("error.html", {"title": "Not available" if status in (401, 403, 404) else "Error",
                               "message": message, "code": code, "odata_url": answer.url if answer else None,
                               **context}, status)


def _denied(state: State, answer: Answer) -> Page:
    """A rights error of the interface: the object is not shown (403, never a Basic challenge)."""
    return error_page(state, answer, 403, "")


def _failed(state: State, answer: Answer) -> Page:
    return _denied(state, answer) if answer.denied else error_page(state, answer, answer.status, "")


def probe(state: State, entity_set: m.EntitySet) -> tuple[Answer, int | None]:
    """Whether the user may read the set, and its row count (a register's: its records)."""
    if entity_set.kind == m.CONSTANT:  # a constant has no /$count: one entity
        answer = state.client.get(entity_set.name)
        return answer, len(answer.payload.get("value", [])) if answer.ok else None
    answer = state.client.get(f"{(entity_set.records or entity_set).name}/$count")
    return answer, answer.payload if answer.ok else None


def register_of(model: m.Model, entity_set: m.EntitySet) -> m.EntitySet | None:
    """The register set whose virtual tables a set shows (a records set belongs to its register)."""
    if entity_set.kind in (m.RECORD_SET, m.INDEPENDENT_RECORDS):
        return entity_set
    if entity_set.kind == m.RECORDS:
        return next((s for s in model.entity_sets.values() if s.records is entity_set), None)
    return None


def virtual_tables(model: m.Model, register: m.EntitySet | None) -> list[str]:
    if register is None:
        return []
    return [name for name in VIRTUAL_TABLES if function_import(model, register, name) is not None]


# ---- index --------------------------------------------------------------------------------------

def index(state: State) -> Page:
    groups: dict[str, list[dict]] = {}
    for entity_set in state.model.entity_sets.values():
        if entity_set.parent is not None or entity_set.kind == m.RECORDS:
            continue
        shown = entity_set.records or entity_set  # a recorder register shows its records
        answer, count = probe(state, entity_set)
        if answer.denied:
            continue
        label = KIND_LABELS.get(type(entity_set.source).__name__, type(entity_set.source).__name__)
        groups.setdefault(label, []).append({
            "name": entity_set.name, "href": state.href(shown.name),
            "count": count,
            "error": None if answer.ok else (answer.error or ("", str(answer.status)))[1],
            "virtual": [(v, state.href(f"{entity_set.name}/{v}")) for v in virtual_tables(state.model, register_of(state.model, entity_set))],
        })
    order = list(KIND_LABELS.values())
    groups = dict(sorted(groups.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))
    return Page("index.html", {"title": "Objects", "groups": groups, "odata_url": state.client.url(""),
                               "service_url": state.client.url(""), "metadata_url": state.client.url("$metadata")})


# ---- table view ---------------------------------------------------------------------------------

def _int(values: Mapping[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(values.get(name, [""])[-1]), low), high)
    except ValueError:
        return default


def _one(values: Mapping[str, list[str]], name: str) -> str:
    return (values.get(name) or [""])[-1].strip()


def table(state: State, entity_set: m.EntitySet, values: Mapping[str, list[str]]) -> Page:
    top = _int(values, "$top", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    skip = _int(values, "$skip", 0, 0, 2**31 - 1)
    orderby, filter_ = _one(values, "$orderby"), _one(values, "$filter")
    selected = [n.strip() for v in values.get("$select", []) for n in v.split(",") if n.strip()]
    options = [("$filter", filter_), ("$orderby", orderby), ("$select", ",".join(selected))]
    options = [(n, v) for n, v in options if v]
    query = [("$top", str(top)), *([("$skip", str(skip))] if skip else []), *options, ("$inlinecount", "allpages")]
    answer = state.client.get(entity_set.name, query)
    entity_type = entity_set.entity_type
    all_columns = columns_of(state.model, entity_type.properties, entity_type.navigation)
    columns = [c for c in all_columns if c.name in selected] if selected else all_columns
    linked = entity_set.kind == m.OBJECT
    rows: list[str] = []
    total = None
    if answer.ok:
        payload = answer.payload or {}
        total = int(payload.get("odata.count", 0))
        values = payload.get("value", [])
        rows = [f"<tr>{_open_cell(state, entity_set, row) if linked else ''}{cells}</tr>"
                for row, cells in zip(values, state.rows(values, columns))]
    elif answer.denied:
        return _denied(state, answer)
    elif answer.status not in (400, 501):
        return error_page(state, answer, answer.status, "")

    set_href = state.href(entity_set.name)
    current = {"$top": "" if top == PAGE_SIZE else str(top), "$skip": str(skip or ""), **dict(options)}

    def link(**changes: str) -> str:
        pairs = [(k, v) for k, v in {**current, **changes}.items() if v]
        return set_href + ("?" + encode_query(pairs) if pairs else "")

    unsorted = encode_query([(k, v) for k, v in current.items() if v and k not in ("$orderby", "$skip")])
    sort_base = f"{set_href}?{unsorted}{'&' if unsorted else ''}$orderby="
    sort_links = {}
    for column in columns:
        if column.role != m.TABULAR:
            ascending = orderby not in (column.name, f"{column.name} asc")
            sort_links[column.name] = (sort_base + _quoted(column.name) + ("%20asc" if ascending else "%20desc"),
                                       "" if ascending and orderby != f"{column.name} desc" else "▲" if not ascending else "▼")
    pager = {"first": skip + 1 if rows else 0, "last": skip + len(rows), "total": total,
             "prev": link(**{"$skip": str(max(skip - top, 0) or "")}) if skip > 0 else None,
             "next": link(**{"$skip": str(skip + top)}) if total is not None and skip + top < total else None}
    register = register_of(state.model, entity_set)
    return Page("table.html", {
        "title": entity_set.name, "set": entity_set, "columns": columns, "body": Markup("\n".join(rows)),
        "pager": pager, "sort_links": sort_links, "linked": linked,
        "filter": filter_, "orderby": orderby, "top": top, "selected": set(selected),
        "all_columns": [c.name for c in all_columns], "error": answer.error, "odata_url": answer.url,
        "action": set_href, "metadata_href": state.href(f"{entity_set.name}/$metadata"),
        "tabular": [(s.name, state.href(s.name)) for s in entity_set.tabular_sets(state.model)],
        "owner": (entity_set.parent.name, state.href(entity_set.parent.name)) if entity_set.parent else None,
        "virtual": [(v, state.href(f"{register.name}/{v}")) for v in virtual_tables(state.model, register)],
        "register": register.name if register is not None else None,
    }, 400 if answer.status in (400, 501) else 200)


@functools.lru_cache(maxsize=4096)
def _quoted(name: str) -> str:
    return quote(name, safe="")


def _open_cell(state: State, entity_set: m.EntitySet, row: dict) -> str:
    key = row.get("Ref_Key")
    if type(key) is not str:
        return "<td></td>"
    return f'<td><a class="open" href="{state.links.entity(entity_set.name, key)}">open</a></td>'


def _expanded(state: State, path: str, query: list[tuple[str, str]], navigation: list[str]) -> Answer:
    """GET with the references expanded (their targets' names label the links); without them
    when the user may not read a target."""
    if not navigation:
        return state.client.get(path, query)
    answer = state.client.get(path, [*query, ("$expand", ",".join(navigation))])
    return state.client.get(path, query) if answer.denied else answer


# ---- object page --------------------------------------------------------------------------------

def entity(state: State, entity_set: m.EntitySet, key: str) -> Page:
    entity_type = entity_set.entity_type
    answer = _expanded(state, f"{entity_set.name}({key})", [], [nav.name for nav in entity_type.navigation])
    if not answer.ok:
        return _failed(state, answer)
    row = answer.payload
    columns = columns_of(state.model, entity_type.properties, entity_type.navigation)
    fields, sections = [], []
    for column, value in zip(columns, html_fields(row, columns, state.links)):
        prop = entity_type.property(column.name)
        if column.role == m.TABULAR and prop is not None and prop.row_type is not None:
            row_columns = columns_of(state.model, prop.row_type.properties[1:])  # without the owner's Ref_Key
            tab_set = state.model.entity_sets.get(f"{entity_set.name}_{column.name}")
            if tab_set is not None:
                row_columns = columns_of(state.model, prop.row_type.properties[1:], tab_set.entity_type.navigation)
            sections.append({"name": column.name, "columns": row_columns,
                             "rows": state.rows(row.get(column.name) or [], row_columns)})
        else:
            fields.append((column.name, value))
    title = presentation_of(row) or entity_set.name
    return Page("entity.html", {
        "title": title, "set": entity_set, "fields": fields, "sections": sections,
        "data_version": row.get("DataVersion"), "odata_url": answer.url, "set_href": state.href(entity_set.name),
        "metadata_href": state.href(f"{entity_set.name}/$metadata"),
    })


# ---- $metadata of one object --------------------------------------------------------------------

def _type_rows(state: State, entity_type: m.ComplexType, navigation: Sequence[m.NavigationProperty] = ()) -> list[dict]:
    keys = getattr(entity_type, "key_names", ())
    targets = {nav.key_property: nav for nav in navigation}
    rows = []
    for prop in entity_type.properties:
        nav = targets.get(prop.name)
        rows.append({"name": prop.name, "edm": prop.edm_type,
                     "declared": _declared(prop.value_type),
                     "nullable": prop.nullable, "key": prop.name in keys, "read_only": prop.read_only,
                     "navigation": (nav.name, nav.target_set, state.href(f"{nav.target_set}/$metadata")) if nav else None})
    return rows


def _declared(value_type: Any) -> str:
    if value_type is None:
        return ""
    text = format_type(value_type)
    return ", ".join(text) if isinstance(text, list) else text


def metadata(state: State, entity_set: m.EntitySet) -> Page:
    answer, _ = probe(state, entity_set)  # rights: the object must be readable
    if not answer.ok:
        return _failed(state, answer)
    entity_type = entity_set.entity_type
    sections = []
    for prop in entity_type.properties:
        if prop.row_type is not None:
            sections.append({"name": prop.name, "type": prop.row_type.name, "rows": _type_rows(state, prop.row_type)})
    register = register_of(state.model, entity_set)
    functions = [{"name": f.name, "parameters": f.parameters, "href": state.href(f"{register.name}/{f.name}")}
                 for f in state.model.function_imports if register is not None and f.binding_type == register.name
                 and f.name in VIRTUAL_TABLES]
    actions = [f for f in state.model.function_imports if f.binding_type == entity_set.name and f.name not in VIRTUAL_TABLES]
    return Page("metadata.html", {
        "title": f"{entity_set.name}: $metadata", "set": entity_set, "type_name": f"{m.NAMESPACE}.{entity_type.name}",
        "keys": entity_type.key_names, "rows": _type_rows(state, entity_type, entity_type.navigation),
        "sections": sections, "functions": functions, "actions": actions, "set_href": state.href(entity_set.name),
        "odata_url": state.client.url("$metadata"), "open_type": entity_type.open_type,
    })


# ---- register virtual tables --------------------------------------------------------------------

def _literal(value: str, edm_type: str) -> str:
    if edm_type == "Edm.DateTime":
        text = value.strip()
        if len(text) == 16:  # <input type="datetime-local"> without seconds
            text += ":00"
        elif len(text) == 10:
            text += "T00:00:00"
        return f"datetime'{text}'"
    return "'" + value.replace("'", "''") + "'"


def _input_value(value: str, edm_type: str) -> str:
    """A datetime as <input type="datetime-local"> shows it again."""
    if edm_type == "Edm.DateTime":
        try:
            return dt.datetime.fromisoformat(value.strip()).isoformat(timespec="seconds")
        except ValueError:
            return value
    return value


def virtual(state: State, register: m.EntitySet, name: str, values: Mapping[str, list[str]]) -> Page:
    function = function_import(state.model, register, name)
    if function is None or name not in VIRTUAL_TABLES:
        return error_page(state, None, 404, f"{register.name} has no virtual table {name}")
    records = register.records or register
    gate, _ = probe(state, register)
    if not gate.ok:
        return _failed(state, gate)
    given = {p: _one(values, p) for p, _ in function.parameters}
    top = _int(values, "$top", 100, 1, MAX_PAGE_SIZE)
    fields = [{"name": p, "edm": t, "value": _input_value(given[p], t),
               "hint": ", ".join(d.attribute or d.name for d in _dimensions(records)) if p == "Dimensions" else ""}
              for p, t in function.parameters]
    context: dict[str, Any] = {"title": f"{register.name}: {name}", "register": register, "function": name,
                               "fields": fields, "top": top, "action": state.href(f"{register.name}/{name}"),
                               "records_href": state.href(records.name), "ran": "run" in values,
                               "virtual": [(v, state.href(f"{register.name}/{v}")) for v in virtual_tables(state.model, register)]}
    arguments = ",".join(f"{p}={_literal(v, t)}" for (p, t), v in zip(function.parameters, given.values()) if v)
    path = f"{register.name}/{name}" + (f"({arguments})" if arguments else "")
    if "run" not in values:  # the form alone: the URL it would ask
        return Page("virtual.html", {**context, "odata_url": state.client.request_url(path, [("$top", str(top))])})
    result = records if name.startswith("Slice") else vt_result_set(state.model, register, name)
    answer = _expanded(state, path, [("$top", str(top))],
                       [nav.name for nav in result.entity_type.navigation])
    context.update(odata_url=answer.url, error=answer.error)
    if answer.denied:
        return _denied(state, answer)
    if not answer.ok:
        return Page("virtual.html", context, answer.status if answer.status < 500 else 400)
    rows = (answer.payload or {}).get("value", [])
    shown = [p for p in result.entity_type.properties if any(r.get(p.name) is not None for r in rows)]
    columns = columns_of(state.model, shown, result.entity_type.navigation)
    context.update(columns=columns, rows=state.rows(rows, columns))
    return Page("virtual.html", context)


def _dimensions(records: m.EntitySet) -> list[m.Property]:
    register = records.source
    names = {d.name for d in getattr(register, "dimensions", ())}
    return [p for p in records.entity_type.properties if p.attribute in names]
