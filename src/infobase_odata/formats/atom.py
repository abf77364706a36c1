"""Atom/XML writers in 1C's layout (reference §1.1, §9.1, §10).

Entries are written from escaped string templates built once per
:class:`~infobase_odata.shape.Shape` (an element tree per entry is ~8x slower); feeds stream::

    >>> body = b"".join(feed(shape, rows, base="http://host/base/odata/standard.odata/", count=19))
    >>> body.rstrip().endswith(b"<m:count>19</m:count></feed>")
    True
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Iterable, Iterator, Mapping

from ..errors import ODataError
from ..model import NAMESPACE, TABULAR, EntitySet, Model, Property
from ..shape import Shape
from .values import (ATOM_NS, AT_NS, APP_NS, D_NS, M_NS, XML_DECLARATION, Lenient, escape_attr,
                     escape_text, is_reference, path_function, row_type_name, strip_invalid_xml,
                     text_converter, value_text)

FEED_CONTENT_TYPE = "application/atom+xml;type=feed;charset=utf-8"  # UNCONFIRMED (§10)
ENTRY_CONTENT_TYPE = "application/atom+xml;type=entry;charset=utf-8"
SERVICE_CONTENT_TYPE = "application/atomsvc+xml;charset=utf-8"
XML_CONTENT_TYPE = "application/xml;charset=utf-8"

RELATED = "http://schemas.microsoft.com/ado/2007/08/dataservices/related/"
SCHEME = "http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"
_NAMESPACES = f'xmlns="{ATOM_NS}" xmlns:d="{D_NS}" xmlns:m="{M_NS}"'
_FEED_NAMESPACES = f'xmlns="{ATOM_NS}" xmlns:at="{AT_NS}" xmlns:d="{D_NS}" xmlns:m="{M_NS}"'
_DM_NAMESPACES = f'xmlns:d="{D_NS}" xmlns:m="{M_NS}"'

_CHUNK_ROWS = 64  # entries per yielded chunk of a feed

# (property name, text converter, open tag, close tag, empty element, null element)
_Field = tuple[str, Callable[[Any], str], str, str, str, str]
# (link start, link end, key property, navigation name, inline entry writer or None)
_Link = tuple[str, str, str, str, "_EntryWriter | None"]


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "replace")


def now_text() -> str:
    """``<updated>``: a local timestamp without a timezone designator (§10)."""
    return dt.datetime.now().isoformat("T", "seconds")


def _fields(props: list[Property], row_props_of: Callable[[Property], list[Property]]) -> list[_Field]:
    fields: list[_Field] = []
    for prop in props:
        name = prop.name
        null = f'<d:{name} m:null="true"/>'
        if prop.role == TABULAR:
            # Always typed: Collection(…_RowType), each row a typed <d:element> (§10).
            typed = f'<d:{name} m:type="{escape_attr(prop.edm_type)}"'
            convert = _rows_converter(row_type_name(prop), _fields(row_props_of(prop), row_props_of))
            fields.append((name, convert, typed + ">", f"</d:{name}>", typed + "/>", typed + "/>"))
        elif prop.row_type is not None:  # a complex value (ValueType): typed like a tabular section
            typed = f'<d:{name} m:type="{escape_attr(prop.edm_type)}"'
            fields.append((name, text_converter(prop.edm_type), typed + ">", f"</d:{name}>", typed + "/>", null))
        elif prop.edm_type == "Edm.Double":
            # m:type is omitted on primitives except Edm.Double, as in the 1C sample (§10).
            fields.append((name, text_converter(prop.edm_type), f'<d:{name} m:type="Edm.Double">',
                           f"</d:{name}>", f"<d:{name}/>", null))
        else:
            fields.append((name, text_converter(prop.edm_type), f"<d:{name}>", f"</d:{name}>",
                           f"<d:{name}/>", null))
    return fields


def _write_fields(fields: list[_Field], row: Mapping[str, Any]) -> str:
    return "".join([null if (value := row[name]) is None
                    else (open_ + text + close if (text := convert(value)) else empty)
                    for name, convert, open_, close, empty, null in fields])


def _rows_converter(type_name: str, fields: list[_Field]) -> Callable[[Any], str]:
    open_ = f'<d:element m:type="{escape_attr(type_name)}">'

    def convert(rows: Any) -> str:
        parts = []
        for row in rows:
            try:
                body = _write_fields(fields, row)
            except KeyError:
                body = _write_fields(fields, Lenient(row))
            parts.append(open_ + body + "</d:element>")
        return "".join(parts)

    return convert


class _EntryWriter:
    """Writes one ``<entry>`` of a shape (without namespace declarations)."""

    def __init__(self, shape: Shape, base: str) -> None:
        entity_set = shape.entity_set
        entity_type = entity_set.entity_type
        self.path = path_function(entity_set)
        self.fields = _fields(shape.properties, shape.row_properties_of)
        self.presentations = [(f"<d:{n}>", f"</d:{n}>", f"<d:{n}/>", n) for n in shape.presentations]
        self.id_prefix = "<entry><id>" + escape_text(base)
        self.head = ('</id><category term="%s" scheme="%s"/><title type="text"/><updated>'
                     % (escape_attr(f"{NAMESPACE}.{entity_type.name}"), SCHEME))
        # One related link per navigation property, written only for non-empty references
        # (UNCONFIRMED for Atom, §14.16; JSON omits them, §3.4). Expanded ones always appear.
        self.links: list[_Link] = []
        expanded = shape.expanded
        for nav in shape.links:
            if nav.name not in expanded:
                self.links.append(self._link(nav.name, nav.key_property, None))
        for name, target in expanded.items():
            nav = entity_type.navigation_property(name)
            self.links.append(self._link(name, nav.key_property if nav else name, writer_for(target, base)))

    @staticmethod
    def _link(name: str, key_property: str, inline: "_EntryWriter | None") -> _Link:
        start = f'<link rel="{escape_attr(RELATED + name)}" href="'
        end = f'/{escape_attr(name)}" type="application/atom+xml;type=entry;charset=utf-8" title="{escape_attr(name)}"'
        return (start, end, key_property, name, inline)

    def __call__(self, row: Mapping[str, Any], updated: str) -> str:
        try:
            props = _write_fields(self.fields, row)
        except KeyError:
            return self(Lenient(row), updated)
        for open_, close, empty, name in self.presentations:
            text = row.get(name)
            text = "" if text is None else escape_text(text if isinstance(text, str) else value_text(text))
            props += open_ + text + close if text else empty
        path = self.path(row)
        path_attr = escape_attr(path)
        links = []
        for start, end, key_property, name, inline in self.links:
            if inline is None:
                if is_reference(row.get(key_property)):
                    links.append(start + path_attr + end + "/>")
            else:
                target = row.get(name)
                body = "<m:inline/>" if target is None else "<m:inline>" + inline(target, updated) + "</m:inline>"
                links.append(start + path_attr + end + ">" + body + "</link>")
        return (self.id_prefix + path_attr + self.head + updated
                + "</updated><author/><summary/>" + "".join(links)
                + '<link rel="edit" href="' + path_attr + '" title="edit-link"/>'
                + '<content type="application/xml"><m:properties ' + _DM_NAMESPACES + ">"
                + props + "</m:properties></content></entry>")


def writer_for(shape: Shape, base: str) -> _EntryWriter:
    """The (cached) entry writer of ``shape``."""
    cache = shape.__dict__.setdefault("_atom_writers", {})
    writer = cache.get(base)
    if writer is None:
        if len(cache) >= 16:  # a shape shared by requests (projection.build_shape): one per Host
            cache.clear()
        writer = cache[base] = _EntryWriter(shape, base)
    return writer


def service_document(model: Model, base: str) -> bytes:
    """The AtomPub service document; the ``<collection>`` form is UNCONFIRMED (§1.1).

    ``xml:base`` keeps its trailing slash so that relative hrefs resolve under the service root."""
    collections = "".join(
        f'<collection href="{escape_attr(name)}"><atom:title>{escape_text(name)}</atom:title></collection>'
        for name in model.entity_sets)
    return _encode(f'{XML_DECLARATION}<service xmlns="{APP_NS}" xmlns:atom="{ATOM_NS}" '
                   f'xml:base="{escape_attr(base)}"><workspace><atom:title>Default</atom:title>'
                   f"{collections}</workspace></service>")


def feed(shape: Shape, rows: Iterable[Mapping[str, Any]], *, base: str, count: int | None = None,
         flavour: str = "minimal", next_link: str | None = None) -> Iterator[bytes]:
    """``<feed>`` streamed entry by entry; ``<m:count>`` at the end when given (§10), then the
    ``<link rel="next">`` of server-driven paging."""
    write = writer_for(shape, base)
    updated = now_text()
    name = shape.entity_set.name
    buffer = [f'{XML_DECLARATION}<feed {_FEED_NAMESPACES} xml:base="{escape_attr(base)}">'
              f"<id>{escape_text(base + name)}</id><title type=\"text\">{escape_text(name)}</title>"
              f'<updated>{updated}</updated><link rel="self" href="{escape_attr(name)}" '
              f'title="{escape_attr(name)}"/>']
    for row in rows:
        buffer.append(write(row, updated))
        if len(buffer) >= _CHUNK_ROWS:
            yield _encode("".join(buffer))
            buffer = []
    if count is not None:
        buffer.append("<m:count>%d</m:count>" % count)
    if next_link is not None:
        buffer.append(f'<link rel="next" href="{escape_attr(next_link)}"/>')
    buffer.append("</feed>")
    yield _encode("".join(buffer))


def entry(shape: Shape, row: Mapping[str, Any], *, base: str, flavour: str = "minimal") -> bytes:
    """A single ``<entry>`` document with namespaces and ``xml:base``."""
    body = writer_for(shape, base)(row, now_text())
    return _encode(f'{XML_DECLARATION}<entry {_NAMESPACES} xml:base="{escape_attr(base)}">'
                   + body[len("<entry>"):])


def property_value(entity_set: EntitySet, prop: Property, value: Any, *, base: str,
                   flavour: str = "minimal") -> bytes:
    """``…(key)/Prop`` as ``<d:Prop xmlns:d xmlns:m>text</d:Prop>`` (standard v3 XML)."""
    name = prop.name
    open_ = f"<d:{name} {_DM_NAMESPACES}"
    if prop.role == TABULAR:
        row_props = prop.row_type.properties if prop.row_type is not None else []
        convert = _rows_converter(row_type_name(prop), _fields(row_props, lambda p: p.row_type.properties))
        open_ += f' m:type="{escape_attr(prop.edm_type)}"'
        text = convert(value or [])
    elif value is None:
        return _encode(XML_DECLARATION + open_ + ' m:null="true"/>')
    else:
        if prop.edm_type == "Edm.Double":
            open_ += ' m:type="Edm.Double"'
        text = text_converter(prop.edm_type)(value)
    if not text:
        return _encode(XML_DECLARATION + open_ + "/>")
    return _encode(XML_DECLARATION + open_ + ">" + text + f"</d:{name}>")


def error(err: ODataError) -> bytes:
    """``<m:error><m:code>…</m:code><m:message>…</m:message></m:error>`` (§9.1)."""
    return _encode(f'{XML_DECLARATION}<m:error xmlns:m="{M_NS}">'
                   f"<m:code>{escape_text(err.code_text)}</m:code>"
                   f"<m:message>{escape_text(strip_invalid_xml(err.message))}</m:message></m:error>")
