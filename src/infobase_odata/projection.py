"""``$select`` and ``$expand`` turned into a :class:`~infobase_odata.shape.Shape` (reference §5.1).

    >>> shape = build_shape(model, goods_set, options)   # options from parse_query_options
    >>> [p.name for p in shape.properties]
    ['Ref_Key', 'Description']

Rules of 1C: ``*`` selects everything, ``**`` everything except tabular sections, otherwise the
explicit list; when ``X/*``, ``X/**`` and ``X/Field`` are mixed, ``*`` wins, then ``**``.  With a
``$select``, an expanded navigation must also be selected or it is dropped [LIVE].
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .i18n import Message
from .errors import ODataError
from .model import COMPOSITE, COMPOSITE_TYPE, NAMESPACE, TABULAR, EntitySet, Model
from .query.ast import ExpandItem, QueryOptions
from .shape import Shape, default_shape, shared_shape
from .types import Ref

PRESENTATION = "____Presentation"


def _select_error(detail: str) -> ODataError:
    return ODataError.query_option("$select", detail)


@dataclass
class _Expansion:
    """One expanded property: the target set, the property holding the key and, for a composite
    attribute, the ``X_Type`` value the row must have (``Basis/Document_GoodsReceipt``)."""

    target: EntitySet
    key_property: str
    type_value: str | None = None
    children: dict = field(default_factory=dict)


def _composite_target(prop, type_name: str, model: Model) -> EntitySet | None:
    type_name = type_name.removeprefix(NAMESPACE + ".")
    for value_type in prop.value_type.types:
        if isinstance(value_type, Ref) and value_type.object_id == type_name:
            return model.set_for_object(type_name)
    return None


def _expand_tree(items: tuple[ExpandItem, ...], entity_set: EntitySet, model: Model) -> dict:
    """{name: _Expansion} with ``*`` expanded to every navigation property of the level and a
    composite ``X/Type/...`` expanded into ``X_Expanded`` (§5.1; one type per composite)."""
    tree: dict[str, _Expansion] = {}

    def add(level: dict, target: EntitySet, path: tuple[str, ...]) -> None:
        head, rest = path[0], path[1:]
        entity_type = target.entity_type
        prop = entity_type.property(head)
        if prop is not None and prop.role == COMPOSITE:
            if not rest:
                raise ODataError.query_option("$expand", Message("{head} is composite: name the type, {head}/<Type>",
                                                                 head=head))
            type_set = _composite_target(prop, rest[0], model)
            if type_set is None:
                raise ODataError.query_option("$expand", Message("{rest} is not a published type of {head}",
                                                                 rest=rest[0], head=head))
            name = f"{head}_Expanded"
            node = level.setdefault(name, _Expansion(type_set, head, f"{NAMESPACE}.{type_set.name}"))
            if node.target is not type_set:
                raise ODataError.query_option("$expand", Message("{head} can be expanded as one type per request",
                                                                 head=head))
            if rest[1:]:
                add(node.children, type_set, rest[1:])
            return
        names = [n.name for n in entity_type.navigation] if head == "*" else [head]
        for name in names:
            nav = entity_type.navigation_property(name)
            if nav is None:
                raise ODataError.query_option("$expand", Message("{name} is not a navigation property of {target}",
                                                                 name=name, target=target.name))
            node = level.setdefault(name, _Expansion(model.entity_sets[nav.target_set], nav.key_property))
            if rest:
                add(node.children, node.target, rest)

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
                    raise _select_error(Message("{column} is not a column of {name}",
                                                column=sorted(unknown)[0], name=prop.name))
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
                raise _select_error(Message("{base} has no presentation in {name}", base=base, name=entity_set.name))
        elif name == "Presentation" and entity_type.property("Presentation") is None:
            shape.presentations.append("Presentation")
    for name, node in expand.items():
        selected_as = node.key_property if node.type_value else name
        if selects and "*" not in heads and "**" not in heads and selected_as not in heads:
            continue  # 1C drops an expansion that $select does not list
        if node.type_value:  # §5.1: Basis/Document_GoodsReceipt/Number narrows Basis_Expanded
            type_names = (node.target.name, node.type_value)
            sub_selects = [path[2:] for path in selects
                           if path[0] == node.key_property and len(path) > 2 and path[1] in type_names]
        else:
            sub_selects = [path[1:] for path in selects if path[0] == name and len(path) > 1]
        shape.expanded[name] = _level_shape(node.target, sub_selects, node.children, model)
        shape.expansion_keys[name] = (node.key_property, node.type_value)
    return shape


def build_shape(model: Model, entity_set: EntitySet, options: QueryOptions, *,
                shared: dict[str, Shape] | None = None) -> Shape:
    """``shared``: the service's cache of default shapes (``ODataService.shapes``); without
    $select/$expand the one default shape of the set is kept there (with the writers cached on
    the shape, never on the frozen model) for a caller that never changes it."""
    if not options.select and not options.expand:
        if shared is not None:
            return shared_shape(entity_set, shared)
        return default_shape(entity_set)
    selects = [item.path for item in options.select]
    for path in selects:
        head = path[0]
        if head in ("*", "**", "Presentation") or head.endswith(PRESENTATION):
            continue
        if entity_set.entity_type.property(head) is None and entity_set.entity_type.navigation_property(head) is None:
            raise _select_error(Message("{head} is not a property of {name}", head=head, name=entity_set.name))
    tree = _expand_tree(options.expand, entity_set, model)
    return _level_shape(entity_set, selects, tree, model)
