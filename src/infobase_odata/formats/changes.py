"""The Atom feed of ``SelectChanges`` (reference §7, §10): changed objects as ``<entry>``,
deleted ones as RFC 6721 tombstones, in registration order::

    body = b"".join(changes_feed([(shape, row, path, when), (None, None, path, when)], base=base))
    # <feed …><entry>…</entry><at:deleted-entry ref="http://…/Catalog_Goods(guid'…')" when="…Z"/></feed>

A tombstone's ``ref`` is the absolute URL the entry's ``<id>`` had and ``when`` the time the
deletion was registered, in UTC (RFC 3339, which RFC 6721 requires); the attributes 1C writes
are UNCONFIRMED (§14.13).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Iterator, Mapping

from ..shape import Shape
from .atom import _FEED_NAMESPACES, _encode, now_text, writer_for
from .values import XML_DECLARATION, escape_attr, escape_text

NAME = "SelectChanges"

# (the entity's shape and row, or None twice for a deletion; its path; when it was registered)
Item = tuple["Shape | None", "Mapping[str, Any] | None", str, dt.datetime]


def changes_feed(items: Iterable[Item], *, base: str) -> Iterator[bytes]:
    updated = now_text()
    yield _encode(f'{XML_DECLARATION}<feed {_FEED_NAMESPACES} xml:base="{escape_attr(base)}">'
                  f"<id>{escape_text(base + NAME)}</id><title type=\"text\">{NAME}</title>"
                  f'<updated>{updated}</updated><link rel="self" href="{NAME}" title="{NAME}"/>')
    for shape, row, path, when in items:
        if shape is None or row is None:
            stamp = when.replace(microsecond=0).isoformat() + "Z"
            yield _encode(f'<at:deleted-entry ref="{escape_attr(base + path)}" when="{stamp}"/>')
        else:
            yield _encode(writer_for(shape, base)(row, updated))
    yield b"</feed>"
