"""``$expand`` and presentations, one provider round trip per navigation per page of rows.

Rows stream through in pages; for each page the keys of every expanded navigation are
collected and read with one ``get_many`` call (one restricted query under row-level security),
never one call per row::

    rows = decorate_rows(ctx, shape, result.rows)   # a generator, pages of PAGE rows
"""

from __future__ import annotations

import datetime as dt
from itertools import islice
from typing import Any, Iterable, Iterator

from .edm import NIL_GUID, text_value
from .model import COMPOSITE_TYPE, ENUM, REF, TABULAR, Property
from .projection import PRESENTATION
from .security import readable
from .shape import Shape

PAGE = 500


def _pages(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while True:
        page = list(islice(iterator, size))
        if not page:
            return
        yield page


def decorate_rows(ctx: Any, shape: Shape, rows: Iterable[dict]) -> Iterable[dict]:
    if not shape.expanded and not shape.presentations:
        return rows
    return _decorated(ctx, shape, rows)


def _decorated(ctx: Any, shape: Shape, rows: Iterable[dict]) -> Iterator[dict]:
    for page in _pages(rows, PAGE):
        _decorate_page(ctx, shape, page)
        yield from page


def _decorate_page(ctx: Any, shape: Shape, page: list[dict]) -> None:
    if shape.presentations:
        _attach_presentations(ctx, shape, page)
    for nav_name, target_shape in shape.expanded.items():
        key_property, type_value = shape.expansion_keys[nav_name]
        target_set = target_shape.entity_set
        wanted = page if type_value is None else [r for r in page if r.get(key_property + "_Type") == type_value]
        keys = {row.get(key_property) for row in wanted} - {None, "", NIL_GUID}
        found = readable(ctx, target_set, keys) if keys else {}
        targets = list(found.values())
        if targets:
            _decorate_page(ctx, target_shape, targets)
        for row in page:
            matches = type_value is None or row.get(key_property + "_Type") == type_value
            row[nav_name] = found.get(row.get(key_property)) if matches else None


def _entity_presentation(entity_set, row: dict) -> str:
    source = entity_set.source
    if "Description" in row:
        return row.get("Description") or ""
    if "Number" in row:
        title = source.synonym or source.name
        date = row.get("Date")
        when = f" от {date:%d.%m.%Y %H:%M:%S}" if isinstance(date, dt.datetime) else ""
        return f"{title} {row.get('Number', '')}{when}"
    return text_value(row.get("Code", ""))


def _attach_presentations(ctx: Any, shape: Shape, page: list[dict]) -> None:
    entity_type = shape.entity_set.entity_type
    by_attribute: dict[str, Property] = {}
    for prop in entity_type.properties:
        if prop.attribute and prop.role not in (TABULAR, COMPOSITE_TYPE):
            by_attribute.setdefault(prop.attribute, prop)
    for name in shape.presentations:
        if name == "Presentation":
            for row in page:
                row[name] = _entity_presentation(shape.entity_set, row)
            continue
        prop = by_attribute[name[: -len(PRESENTATION)]]
        if prop.role == REF:
            target_set = ctx.model.set_for_object(prop.target)
            keys = {row.get(prop.name) for row in page} - {None, "", NIL_GUID}
            texts: dict[str, str] = {}
            if target_set is not None and keys:
                for target in readable(ctx, target_set, keys).values():
                    texts[target["Ref_Key"]] = _entity_presentation(target_set, target)
            for row in page:
                row[name] = texts.get(row.get(prop.name), "")
        elif prop.role == ENUM:
            for row in page:
                row[name] = row.get(prop.name) or ""
        else:
            for row in page:
                row[name] = text_value(row.get(prop.name))
