"""Reading Atom ``<entry>`` bodies of POST/PUT/PATCH (reference §8.1, §10).

The XML is parsed by a hardened lxml parser (no DTD, no entities, no network) and any
DOCTYPE is refused; properties come from ``content/m:properties`` (or ``m:properties`` directly
under the entry), related links act as ``@odata.bind``::

    >>> read_entity(b'<entry xmlns="http://www.w3.org/2005/Atom" xmlns:d="…dataservices" '
    ...             b'xmlns:m="…metadata"><content type="application/xml"><m:properties>'
    ...             b'<d:Description>Шлепанцы</d:Description></m:properties></content></entry>',
    ...             goods_set, model)
    {'Description': 'Шлепанцы'}

``m:null="true"`` is null, an empty element is ``''``. A malformed or hostile body is code 2;
a ``<category term>`` naming another entity type is code 2 too (a missing category is fine).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..i18n import Message
from ..model import NAMESPACE, TABULAR, EntitySet, Model
from .body_values import bad_request, bad_value, read_object, split_bind_url
from .values import ATOM_NS, D_NS, M_NS

if TYPE_CHECKING:
    from lxml import etree

RELATED = "http://schemas.microsoft.com/ado/2007/08/dataservices/related/"
_ENTRY = f"{{{ATOM_NS}}}entry"
_CONTENT = f"{{{ATOM_NS}}}content"
_CATEGORY = f"{{{ATOM_NS}}}category"
_LINK = f"{{{ATOM_NS}}}link"
_PROPERTIES = f"{{{M_NS}}}properties"
_NULL = f"{{{M_NS}}}null"
_ELEMENT = f"{{{D_NS}}}element"
_D_PREFIX = f"{{{D_NS}}}"
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)


def _parser() -> etree.XMLParser:
    from lxml import etree  # with the first Atom body: a JSON-only process never loads lxml (#18)

    # A new parser per body: lxml parsers are not shared between threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True,
                           collect_ids=False)


def parse_entry(body: bytes) -> etree._Element:
    """The ``<entry>`` element of ``body``; DOCTYPE, entities and malformed XML are code 2."""
    if _DTD.search(body):
        raise bad_request(Message("DOCTYPE and ENTITY declarations are not allowed"))
    if not body.strip():
        raise bad_request(Message("the body is empty"))
    from lxml import etree

    try:
        root = etree.fromstring(body, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        line, column = getattr(exc, "position", None) or (0, 0)
        if not line:
            raise bad_request(Message("malformed XML")) from None
        raise bad_request(Message("malformed XML at line {line} column {column}", line=line, column=column)) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise bad_request(Message("DOCTYPE and ENTITY declarations are not allowed"))
    if root.tag != _ENTRY:
        raise bad_request(Message("the root element must be an Atom <entry>"))
    return root


def _text(element: etree._Element, name: str) -> str | None:
    if element.get(_NULL) == "true":
        return None
    for child in element:
        if isinstance(child.tag, str):
            raise bad_value(name, Message("a value is expected, not nested elements"))
        # Entity references (left unresolved) and other node kinds are refused.
        raise bad_value(name, Message("entity references are not allowed"))
    return element.text or ""


def _values(container: etree._Element, entity_type: Any, where: str) -> dict[str, Any]:
    """``{name: text | None | [row, ...]}`` of the ``d:`` children of ``container``."""
    raw: dict[str, Any] = {}
    for element in container:
        tag = element.tag
        if not isinstance(tag, str) or not tag.startswith(_D_PREFIX):
            continue
        name = tag[len(_D_PREFIX):]
        if name in raw:
            raise bad_request(Message("property {where}{name} appears twice", where=where, name=name))
        prop = entity_type.property(name) if entity_type is not None else None
        if prop is None:
            continue  # unknown properties are ignored (§8.1)
        if prop.role == TABULAR:
            if element.get(_NULL) == "true":
                raw[name] = None
                continue
            rows = [e for e in element if e.tag == _ELEMENT]
            raw[name] = [_values(row, prop.row_type, f"{where}{name}[{i}].")
                         for i, row in enumerate(rows, 1)]
        elif prop.row_type is not None:  # a complex value (ValueType): its d: children
            raw[name] = None if element.get(_NULL) == "true" else _values(element, prop.row_type, f"{where}{name}.")
        else:
            raw[name] = _text(element, where + name)
    return raw


def read_entity(body: bytes, entity_set: EntitySet, model: Model, *, base: str = "") -> dict[str, Any]:
    """Properties present in an Atom entry body, converted for the provider.

    ``<link rel="…/related/Nav" href="Catalog_X(guid'…')"/>`` sets ``Nav_Key``; links whose
    href is a navigation URL (``…(guid'…')/Nav``, as in GET responses) are ignored."""
    entry = parse_entry(body)
    entity_type = entity_set.entity_type
    category = entry.find(_CATEGORY)
    term = category.get("term") if category is not None else None
    if term and term != f"{NAMESPACE}.{entity_type.name}":
        raise bad_request(Message("category {term} does not match {expected}",
                                  term=term, expected=f"{NAMESPACE}.{entity_type.name}"))
    properties = entry.find(f"{_CONTENT}/{_PROPERTIES}")
    if properties is None:
        properties = entry.find(_PROPERTIES)
    raw = _values(properties, entity_type, "") if properties is not None else {}
    binds: dict[str, str] = {}
    base = entry.get("{http://www.w3.org/XML/1998/namespace}base") or base
    for link in entry.iterfind(_LINK):
        rel = link.get("rel") or ""
        href = link.get("href")
        if not rel.startswith(RELATED) or href is None:
            continue
        nav = rel[len(RELATED):]
        if entity_type.navigation_property(nav) is None:
            continue  # unknown navigation: ignored like unknown properties
        if split_bind_url(href, base, name=nav)[2]:
            continue  # a navigation URL of this entity, not a bind
        binds[nav] = href
    return read_object(entity_type, raw, model, textual=True, binds=binds, base=base)
