"""``$select`` and ``$expand`` turned into a :class:`~infobase_odata.shape.Shape` (reference §5.1).

    >>> shape = build_shape(model, goods_set, options)   # options from parse_query_options
    >>> [p.name for p in shape.properties]
    ['Ref_Key', 'Description']

Rules of 1C: ``*`` selects everything, ``**`` everything except tabular sections, otherwise the
explicit list; when ``X/*``, ``X/**`` and ``X/Field`` are mixed, ``*`` wins, then ``**``.  With a
``$select``, an expanded navigation must also be selected or it is dropped [LIVE].
"""

from __future__ import annotations

from .errors import ODataError
from .model import COMPOSITE, COMPOSITE_TYPE, TABULAR, EntitySet, Model
from .query.ast import ExpandItem, QueryOptions, SelectItem
from .shape import Shape, default_shape

PRESENTATION = "____Presentation"


def _select_error(detail: str) -> ODataError:
    return ODataError.query_option("$select", detail)


def _expand_tree(items: tuple[ExpandItem, ...], entity_set: EntitySet, model: Model) -> dict:
    """{nav name: subtree} with ``*`` expanded to every navigation property of the level."""
    tree: dict[str, dict] = {}

    def add(level: dict, target: EntitySet, path: tuple[str, ...]) -> None:
        head, rest = path[0], path[1:]
        names = [n.name for n in target.entity_type.navigation] if head == "*" else [head]
        for name in names:
            nav = target.entity_type.navigation_property(name)
            if nav is None:
                raise ODataError.query_option("$expand", f"{name} is not a navigation property of {target.name}")
            sub = level.setdefault(name, {})
            if rest:
                add(sub, model.entity_sets[nav.target_set], rest)

    for item in items:
        add(tree, entity_set, item.path)
    return tree


def _level_shape(entity_set: EntitySet, selects: list[tuple[str, ...]], expand: dict, model: Model) -> Shape:
    entity_type = entity_set.entity_type
    shape = default_shape(entity_set)
    heads = {path[0] for path in selects}
    if selects and "*" not in heads:
        if "**" in heads:
            shape.properties = [p for p in entity_type.properties if p.role != TABULAR]
        else:
            chosen = []
            for prop in entity_type.properties:
                if prop.name in heads:
                    chosen.append(prop)
                elif prop.role == COMPOSITE_TYPE and prop.attribute in heads:
                    chosen.append(prop)  # X_Type travels with the composite X
            shape.properties = chosen
        # Explicit tabular-section columns: Tab/Field.
        for prop in shape.properties:
            if prop.role != TABULAR:
                continue
            columns = [path[1] for path in selects if path[0] == prop.name and len(path) > 1]
            if columns and "*" not in columns and "**" not in columns:
                wanted = set(columns) | {"Ref_Key", "LineNumber"}
                unknown = set(columns) - {p.name for p in prop.row_type.properties}
                if unknown:
                    raise _select_error(f"{sorted(unknown)[0]} is not a column of {prop.name}")
                shape.row_properties[prop.name] = [p for p in prop.row_type.properties if p.name in wanted]
        shape.links = [n for n in entity_type.navigation if n.name in heads or n.key_property in heads]
    for path in selects:
        name = path[0]
        if name.endswith(PRESENTATION):
            base = name[: -len(PRESENTATION)]
            if base == "*":
                shape.presentations.extend(
                    p.attribute + PRESENTATION for p in entity_type.properties
                    if p.attribute and p.role not in (TABULAR, COMPOSITE_TYPE)
                    and p.attribute + PRESENTATION not in shape.presentations)
            elif any(p.attribute == base and p.role != TABULAR for p in entity_type.properties):
                if name not in shape.presentations:
                    shape.presentations.append(name)
            else:
                raise _select_error(f"{base} has no presentation in {entity_set.name}")
        elif name == "Presentation" and entity_type.property("Presentation") is None:
            shape.presentations.append("Presentation")
    for name, subtree in expand.items():
        if selects and "*" not in heads and "**" not in heads and name not in heads:
            continue  # 1C drops an expansion that $select does not list
        nav = entity_type.navigation_property(name)
        sub_selects = [path[1:] for path in selects if path[0] == name and len(path) > 1]
        shape.expanded[name] = _level_shape(model.entity_sets[nav.target_set], sub_selects, subtree, model)
    return shape


def build_shape(model: Model, entity_set: EntitySet, options: QueryOptions) -> Shape:
    if not options.select and not options.expand:
        return default_shape(entity_set)
    selects = [item.path for item in options.select]
    for path in selects:
        head = path[0]
        if head in ("*", "**", "Presentation") or head.endswith(PRESENTATION):
            continue
        if entity_set.entity_type.property(head) is None and entity_set.entity_type.navigation_property(head) is None:
            raise _select_error(f"{head} is not a property of {entity_set.name}")
    tree = _expand_tree(options.expand, entity_set, model)
    return _level_shape(entity_set, selects, tree, model)


def needs_tabular(shape: Shape) -> bool:
    return any(p.role == TABULAR for p in shape.properties)


def composite_properties(shape: Shape) -> list:
    return [p for p in shape.properties if p.role == COMPOSITE]
