"""JSON "light" (OData v3) writers in 1C's dialect (reference §3.4, §9.1, §12.4-5).

A row writer is built once per :class:`~infobase_odata.shape.Shape` (and cached on it); a feed
is streamed in chunks while the provider's rows are consumed::

    >>> for chunk in feed(shape, provider_rows, base="http://host/base/odata/standard.odata/",
    ...                   count=19):
    ...     write(chunk)
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Mapping

from ..errors import ODataError
from ..model import NAMESPACE, TABULAR, EntitySet, Model, Property
from ..shape import Shape
from .values import (JSON_BOOLEAN, JSON_CALL, JSON_STRING, Lenient, encode_basestring, is_reference,
                     json_converter, json_inline, json_string, path_function, value_text)

CONTENT_TYPE = "application/json;charset=utf-8"

MINIMAL = "minimal"
NOMETADATA = "nometadata"
FULLMETADATA = "fullmetadata"
FLAVOURS = (MINIMAL, NOMETADATA, FULLMETADATA)

_CHUNK_ROWS = 64  # rows per yielded chunk of a feed

RowWriter = Callable[[Mapping[str, Any]], str]


def _encode(text: str) -> bytes:
    # "replace" only matters for lone surrogates, which UTF-8 cannot carry.
    return text.encode("utf-8", "replace")


def _tabular_converter(row_props: list[Property]) -> Callable[[Any], str]:
    write_row = _properties_writer(row_props)

    def convert(rows: Any) -> str:
        return "[" + ",".join([write_row(r) for r in rows]) + "]"

    return convert


def _properties_writer(props: list[Property]) -> RowWriter:
    """``{...}`` of a complex value (a tabular-section row): properties only."""
    fields = [(',' + json_string(p.name) + ":", p.name, json_converter(p.edm_type)) for p in props]

    def write(row: Mapping[str, Any]) -> str:
        try:
            body = "".join([f + ("null" if (v := row[n]) is None else c(v)) for f, n, c in fields])
        except KeyError:
            return write(Lenient(row))
        return "{" + body[1:] + "}"

    return write


class _EntityWriter:
    """Writes one entity object of a shape: properties, presentations, links, expansions."""

    def __init__(self, shape: Shape, flavour: str, base: str) -> None:
        entity_set = shape.entity_set
        self.path = path_function(entity_set)
        # (fragment, name, converter, text of None, inline kind): see __call__
        self.fields: list[tuple[str, str, Callable[[Any], str], str, int]] = []
        for prop in shape.properties:
            fragment = "," + json_string(prop.name) + ":"
            if prop.role == TABULAR:
                # A tabular section is written inline as a list of row objects; never null.
                convert = _tabular_converter(shape.row_properties_of(prop))
                self.fields.append((fragment, prop.name, convert, "[]", JSON_CALL))
            else:
                self.fields.append((fragment, prop.name, json_converter(prop.edm_type), "null",
                                    json_inline(prop.edm_type)))
        self.presentations = [("," + json_string(n) + ":", n) for n in shape.presentations]
        entity_type = entity_set.entity_type
        # 1C writes "Nav@navigationLinkUrl" (no odata. prefix) in minimal metadata, only for
        # non-empty references, position UNCONFIRMED: after the properties (§3.4).
        annotation = "@odata.navigationLinkUrl" if flavour == FULLMETADATA else "@navigationLinkUrl"
        self.links: list[tuple[str, str, str]] = []
        if flavour != NOMETADATA:
            for nav in shape.links:
                if nav.name in shape.expanded:
                    continue
                self.links.append(("," + json_string(nav.name + annotation) + ':"',
                                   nav.key_property, "/" + json_string(nav.name)[1:-1] + '"'))
        self.expanded: list[tuple[str, str, _EntityWriter]] = []
        for name, target in shape.expanded.items():
            self.expanded.append(("," + json_string(name) + ":", name,
                                  writer_for(target, flavour, base)))
        self.full = flavour == FULLMETADATA
        self.type_fragment = ',"odata.type":' + json_string(f"{NAMESPACE}.{entity_type.name}")
        self.base = base
        self.needs_path = bool(self.links) or self.full

    def __call__(self, row: Mapping[str, Any]) -> str:
        # The converters of strings and booleans inlined (the same text without a call per
        # field: most of a row's properties are strings, GUIDs and flags).
        try:
            parts = [f + (nl if (v := row[n]) is None
                          else encode_basestring(v) if k == JSON_STRING and v.__class__ is str
                          else ("true" if v else "false") if k == JSON_BOOLEAN
                          else c(v))
                     for f, n, c, nl, k in self.fields]
        except KeyError:
            return self(Lenient(row))
        if self.presentations:
            parts += [f + json_string(_text(row.get(n))) for f, n in self.presentations]
        if self.needs_path:
            path = self.path(row)
            path_text = json_string(path)[1:-1]
            if self.full:
                parts.insert(0, self.type_fragment + ',"odata.id":' + json_string(self.base + path)
                             + ',"odata.editLink":"' + path_text + '"')
            for fragment, key_property, suffix in self.links:
                if is_reference(row.get(key_property)):
                    parts.append(fragment + path_text + suffix)
        for fragment, name, write in self.expanded:
            target = row.get(name)
            parts.append(fragment + ("null" if target is None else write(target)))
        return "{" + "".join(parts)[1:] + "}"


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else value_text(value)


def writer_for(shape: Shape, flavour: str = MINIMAL, base: str = "") -> RowWriter:
    """The (cached) function writing one entity object of ``shape``."""
    flavour = MINIMAL if flavour == "minimalmetadata" else flavour
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown JSON flavour {flavour!r}")
    cache = shape.__dict__.setdefault("_json_writers", {})
    key = (flavour, base)
    writer = cache.get(key)
    if writer is None:
        if len(cache) >= 16:  # a shape shared by requests (projection.build_shape): one per Host
            cache.clear()
        writer = cache[key] = _EntityWriter(shape, flavour, base)
    return writer


def service_document(model: Model, base: str) -> bytes:
    """``{"odata.metadata": …, "value": [{"name", "url"}]}``, UNCONFIRMED form (§1.1)."""
    items = ",".join('{"name":%s,"url":%s}' % (json_string(n), json_string(n)) for n in model.entity_sets)
    return _encode('{"odata.metadata":%s,"value":[%s]}' % (json_string(base + "$metadata"), items))


def feed(shape: Shape, rows: Iterable[Mapping[str, Any]], *, base: str, count: int | None = None,
         flavour: str = MINIMAL, next_link: str | None = None) -> Iterator[bytes]:
    """The collection ``{"odata.metadata": …#Set, "odata.count": "n", "value": [...]}``, streamed.

    ``odata.count`` is a string (§3.1) and comes first: it is known before rows are read."""
    write = writer_for(shape, flavour, base)
    head = []
    if flavour != NOMETADATA:
        head.append('"odata.metadata":' + json_string(f"{base}$metadata#{shape.entity_set.name}"))
    if count is not None:
        head.append('"odata.count":"%d"' % count)
    head.append('"value":[')
    prefix = "{" + ",".join(head)
    buffer: list[str] = []
    for row in rows:
        buffer.append(write(row))
        if len(buffer) >= _CHUNK_ROWS:
            yield _encode(prefix + ",".join(buffer))
            prefix = ","
            buffer = []
    if not buffer and prefix == ",":
        prefix = ""  # the last chunk ended exactly at a chunk boundary
    tail = "]}" if next_link is None else '],"odata.nextLink":%s}' % json_string(next_link)
    yield _encode(prefix + ",".join(buffer) + tail)


def entry(shape: Shape, row: Mapping[str, Any], *, base: str, flavour: str = MINIMAL) -> bytes:
    """A single entity; ``odata.metadata`` ends in ``#Set/@Element`` (§3.4)."""
    body = writer_for(shape, flavour, base)(row)
    if flavour == NOMETADATA:
        return _encode(body)
    metadata = json_string(f"{base}$metadata#{shape.entity_set.name}/@Element")
    return _encode('{"odata.metadata":' + metadata + ("," + body[1:] if body != "{}" else "}"))


def property_value(entity_set: EntitySet, prop: Property, value: Any, *, base: str,
                   flavour: str = MINIMAL) -> bytes:
    """``…(key)/Prop``: ``{"odata.metadata": …#Edm.String, "value": …}`` (v3 JSON light)."""
    if prop.role == TABULAR:
        row_props = prop.row_type.properties if prop.row_type is not None else []
        text = _tabular_converter(row_props)(value or [])
    else:
        text = "null" if value is None else json_converter(prop.edm_type)(value)
    if flavour == NOMETADATA:
        return _encode('{"value":' + text + "}")
    metadata = json_string(f"{base}$metadata#{prop.edm_type}")
    return _encode('{"odata.metadata":' + metadata + ',"value":' + text + "}")


def error(err: ODataError, lang: str = "ru") -> bytes:
    """``{"odata.error":{"code":"9","message":{"lang":"ru","value":"…"}}}`` (§9.1)."""
    return _encode('{"odata.error":{"code":%s,"message":{"lang":%s,"value":%s}}}' % (
        json_string(err.code_text), json_string(lang), json_string(err.message)))
