"""Virtual-table results (complex-type collections, reference §6) in JSON and Atom.

JSON is a collection ``{"odata.metadata": "…/$metadata#<Reg>_Balance", "value": [...]}`` (the
fragment is the result type's name: UNCONFIRMED, §14.14); Atom is the ``<d:Result>`` document of
a Java client's XSD, one ``<d:element>`` per row, nulls as ``m:null="true"``::

    chunks = result_collection(shape, rows, base=base, json=True, flavour="minimal")

``shape`` is built over the result's entity set (``vt_result_set``) so ``$select``, ``$expand``
(JSON only) and presentations work as on entity sets.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from ..shape import Shape
from . import atom, json as json_format
from .values import D_NS, M_NS, XML_DECLARATION, Lenient, escape_text, value_text

CONTENT_TYPE_JSON = json_format.CONTENT_TYPE
CONTENT_TYPE_ATOM = atom.XML_CONTENT_TYPE


def result_collection(shape: Shape, rows: Iterable[Mapping[str, Any]], *, base: str, json: bool,
                      flavour: str = "minimal", count: int | None = None) -> Iterator[bytes]:
    if json:
        # Result rows have no key, so no links or ids: fullmetadata writes as minimal.
        flavour = json_format.NOMETADATA if flavour == json_format.NOMETADATA else json_format.MINIMAL
        return json_format.feed(shape, rows, base=base, count=count, flavour=flavour)
    return _atom(shape, rows, count)


def _atom(shape: Shape, rows: Iterable[Mapping[str, Any]], count: int | None) -> Iterator[bytes]:
    fields = atom._fields([p for p in shape.properties], shape.row_properties_of)
    presentations = shape.presentations
    buffer = [f'{XML_DECLARATION}<d:Result xmlns:d="{D_NS}" xmlns:m="{M_NS}">']
    for row in rows:
        try:
            body = atom._write_fields(fields, row)
        except KeyError:
            body = atom._write_fields(fields, Lenient(row))
        for name in presentations:
            text = row.get(name)
            text = "" if text is None else escape_text(text if isinstance(text, str) else value_text(text))
            body += f"<d:{name}>{text}</d:{name}>" if text else f"<d:{name}/>"
        buffer.append("<d:element>" + body + "</d:element>")
        if len(buffer) >= 64:
            yield "".join(buffer).encode("utf-8", "replace")
            buffer = []
    if count is not None:
        buffer.append("<m:count>%d</m:count>" % count)
    buffer.append("</d:Result>")
    yield "".join(buffer).encode("utf-8", "replace")
