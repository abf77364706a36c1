"""SQL pieces of the mapped SQLite provider: key-aware codec and compiler, DataVersion functions.

Inside the database an integer-keyed mapped object is identified by its integer id everywhere:
its view's ``Ref_Key``, every ``X_Key`` column referring to it (in views and in library-owned
tables alike) and its tabular rows' ``Ref_Key``.  The joins the compiler writes
(``a1."Ref_Key" = t0."Unit_Key"``, tabular ``any``/``all``) therefore compare integers and use
the site's primary key; GUIDs exist only at the edges::

    codec = MappedCodec(goods_type.properties, "Catalog_Goods", {"Catalog_Goods": keys})
    codec.decode((42, ...))["Ref_Key"]          # keys.guid(42)
    compiler = MappedCompiler(model, goods, {"Catalog_Goods": keys})
    compiler.where(parse("Ref_Key eq guid'…00000000002a'"))   # '(t0."Ref_Key" IS :p0)', p0 = 42

``Ref_Key eq guid'…'`` / ``X_Key ne guid'…'`` bind the decoded id (a GUID of another shape
matches nothing); every other use of such a key (functions, ordering, ``gt``) sees the GUID text
computed with ``printf``.  ``ibo_version`` and the ``ibo_lines`` aggregate compute DataVersion
from a row's presented values (see ``mappedschema``); they are registered on the provider's
connections only.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ..i18n import Message
from .. import edm, model as m
from ..mapping import KeyCodec
from ..query import evaluate as ev
from ..query.ast import Binary, Expr, Literal, Member
from .. import rules as w
from .sql import Compiler, Frag
from .sqlcodec import BOOL, GUID, INT, RowCodec, Storage

NIL = edm.NIL_GUID


def key_codec_of(prop: m.Property, type_name: str, codecs: dict[str, KeyCodec]) -> KeyCodec | None:
    """The integer-key codec a property's values use, or None (stored as GUID text)."""
    if prop.role == m.KEY and prop.name == "Ref_Key":
        return codecs.get(type_name)
    if prop.role == m.REF and prop.target is not None:
        return codecs.get(prop.target)
    return None


class MappedCodec(RowCodec):
    """A RowCodec whose integer-keyed ``Ref_Key``/``X_Key`` columns hold ids (NULL: empty)."""

    def __init__(self, properties, type_name: str, codecs: dict[str, KeyCodec]) -> None:
        super().__init__(properties)
        self.keys: dict[str, KeyCodec] = {}
        for index, prop in enumerate(self.properties):
            kc = key_codec_of(prop, type_name, codecs)
            if kc is None:
                continue
            self.keys[prop.name] = kc
            self.storage[prop.name] = Storage(INT)
            self._encoders[index] = _encode_key(kc, prop.name)
            self._decoders = [(i, f) for i, f in self._decoders if i != index] + [(index, _decode_key(kc))]

    def encode_value(self, name: str, value: Any) -> Any:
        kc = self.keys.get(name)
        return _encode_key(kc, name)(value) if kc is not None else super().encode_value(name, value)


def _decode_key(kc: KeyCodec):
    return lambda value: NIL if value is None else kc.guid(value)


def _encode_key(kc: KeyCodec, name: str):
    def encode(value: Any) -> int | None:
        if value in (None, "", NIL):
            return None
        ident = kc.id(value)
        if ident is None:
            raise w.bad_value(name, Message("'{value}' is not a reference to an object of table {table}",
                                             value=value, table=kc.table))
        return ident
    return encode


class MappedCompiler(Compiler):
    """The SQL compiler over views whose integer-keyed columns hold ids (module docstring)."""

    def __init__(self, model: m.Model, entity_set: m.EntitySet, codecs: dict[str, KeyCodec], *,
                 alias: str = "t0") -> None:
        super().__init__(model, entity_set, alias=alias)
        self.codecs = codecs
        self._owners: list[str | None] = []
        self._raw = False

    def _owner(self, node: Member, scope: dict) -> tuple[str, Any] | None:
        """(entity type name owning the last segment, that segment) of a plain path."""
        if node.base is not None:
            return None
        start = scope[node.variable].entity_type if node.variable is not None else self.root.entity_type
        resolved = ev.member_resolved(self.model, start, node)
        current = start
        for obj in resolved[:-1]:
            if isinstance(obj, m.NavigationProperty):
                current = self.model.entity_sets[obj.target_set].entity_type
            else:
                return None
        return (current.name, resolved[-1]) if resolved else None

    def _member(self, node: Member, scope: dict) -> Frag:
        owner = self._owner(node, scope)
        self._owners.append(owner[0] if owner else None)
        try:
            return super()._member(node, scope)
        finally:
            self._owners.pop()

    def _column(self, alias: str, prop: m.Property) -> Frag:
        frag = super()._column(alias, prop)
        owner = self._owners[-1] if self._owners else None
        kc = key_codec_of(prop, owner or "", self.codecs)
        if kc is None or self._raw:
            return frag
        text = f"printf('%s%012x', '{kc.prefix}', {frag.sql})"
        frag.sql = text if prop.role == m.KEY else f"(CASE WHEN {frag.sql} IS NULL THEN '{NIL}' ELSE {text} END)"
        frag.kind = GUID
        return frag

    def _binary(self, node: Binary, scope) -> Frag:
        if node.op in ("eq", "ne"):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                fast = self._key_equality(node.op, side, other, scope)
                if fast is not None:
                    return fast
        return super()._binary(node, scope)

    def _key_equality(self, op: str, side: Expr, other: Expr, scope: dict) -> Frag | None:
        if not (isinstance(side, Member) and isinstance(other, Literal) and other.edm_type == "Edm.Guid"
                and other.value is not None):
            return None
        owner = self._owner(side, scope)
        if owner is None or not isinstance(owner[1], m.Property):
            return None
        kc = key_codec_of(owner[1], owner[0], self.codecs)
        if kc is None:
            return None
        self._raw = True
        try:
            frag = self.compile(side, scope)
        finally:
            self._raw = False
        text = str(other.value).lower()
        value: Any = None if text == NIL else kc.id(text)
        if value is None and text != NIL:
            value = text  # text never equals an integer id: matches nothing
        return Frag(f"({frag.sql} {'IS' if op == 'eq' else 'IS NOT'} {self.bind(value)})", BOOL)


# ---- DataVersion ------------------------------------------------------------------------------

def _version(*values: Any) -> str:
    digest = hashlib.blake2b(repr(values).encode("utf-8"), digest_size=8).digest()
    return base64.b64encode(digest).decode("ascii")


class _Lines:
    """``ibo_lines(sort_key, v1, v2, ...)``: a digest of rows sorted by their first argument."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def step(self, *values: Any) -> None:
        self.rows.append(values)

    def finalize(self) -> str | None:
        if not self.rows:
            return None
        ordered = sorted(self.rows, key=lambda r: (r[0] is None, r[0] if isinstance(r[0], (int, float)) else 0))
        return hashlib.blake2b(repr([r[1:] for r in ordered]).encode("utf-8"), digest_size=8).hexdigest()


def register(conn) -> None:
    conn.create_function("ibo_version", -1, _version, deterministic=True)
    conn.create_aggregate("ibo_lines", -1, _Lines)
