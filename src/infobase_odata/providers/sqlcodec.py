"""How property values are stored in SQLite columns, and the row codecs built once per set.

Numbers are exact: up to 18 digits they are INTEGER scaled by ``10**scale`` (Number(15,2)
``12.34`` is stored as ``1234``), so comparisons, sorting and sums run in SQL on integers;
wider numbers are TEXT decimals, compared through registered Python functions.  Dates are TEXT
``YYYY-MM-DDTHH:MM:SS`` (the empty date ``0001-01-01T00:00:00``; text order is date order),
booleans 0/1, GUIDs lowercase TEXT::

    >>> codec = RowCodec(goods_type.properties)
    >>> codec.encode({"Price": Decimal("12.34"), ...})["Price"]
    1234
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Callable, Iterable, NamedTuple

from .. import edm, model as m
from ..types import Boolean, Date, Number, TypeDescription, ValueStorage

MAX_INTEGER_DIGITS = 18  # 10**18 - 1 fits a signed 64-bit integer with room for one addition

INT = "int"  # INTEGER holding value * 10**scale
DEC = "dec"  # TEXT decimal
STR = "str"
DATE = "date"
BOOL = "bool"
GUID = "guid"
BLOB = "blob"
JSON = "json"  # a complex value (ValueType) as JSON text


class Storage(NamedTuple):
    """How a value type is stored in a column."""

    kind: str
    scale: int = 0
    digits: int = 0

    @property
    def sql_type(self) -> type:
        return int if self.kind == INT else bool if self.kind == BOOL else bytes if self.kind == BLOB else str


def storage_of(prop: m.Property) -> Storage:
    t = prop.value_type
    if prop.role in (m.REF, m.ENUM, m.COMPOSITE, m.COMPOSITE_TYPE):
        return Storage(GUID if prop.role == m.REF else STR)
    if isinstance(t, Number):
        if t.digits <= MAX_INTEGER_DIGITS:
            return Storage(INT, t.scale, t.digits)
        return Storage(DEC, t.scale, t.digits)
    if isinstance(t, Date):
        return Storage(DATE)
    if isinstance(t, Boolean):
        return Storage(BOOL)
    if isinstance(t, ValueStorage):
        return Storage(BLOB)
    if isinstance(t, TypeDescription):
        return Storage(JSON)
    if prop.edm_type == "Edm.Guid":
        return Storage(GUID)
    return Storage(STR)


def _parse_date(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def decoder(storage: Storage) -> Callable[[Any], Any] | None:
    """Column value -> Python value (None: the stored value is already the Python value)."""
    if storage.kind == INT:
        if storage.scale == 0:
            return None
        scale = -storage.scale
        return lambda v: None if v is None else Decimal(v).scaleb(scale)
    if storage.kind == DEC:
        if storage.scale == 0:
            return lambda v: None if v is None else int(v)
        return lambda v: None if v is None else Decimal(v)
    if storage.kind == DATE:
        return lambda v: None if v is None else _parse_date(v)
    if storage.kind == BOOL:
        return lambda v: None if v is None else bool(v)
    if storage.kind == BLOB:
        return lambda v: None if v is None else bytes(v)
    if storage.kind == JSON:
        return lambda v: None if v is None else json.loads(v)
    return None


def encoder(storage: Storage, native_bool: bool = False) -> Callable[[Any], Any] | None:
    """Normalized Python value -> column value (booleans 0/1, or bool for a BOOLEAN column)."""
    if storage.kind == INT:
        if storage.scale == 0:
            return None
        scale = storage.scale
        return lambda v: None if v is None else int(v.scaleb(scale))
    if storage.kind == DEC:
        return lambda v: None if v is None else str(v)
    if storage.kind == DATE:
        return lambda v: None if v is None else edm.format_datetime(v)
    if storage.kind == BOOL:
        if native_bool:
            return lambda v: None if v is None else bool(v)
        return lambda v: None if v is None else int(bool(v))
    if storage.kind == JSON:
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True)
    return None


class RowCodec:
    """Encodes/decodes the scalar properties of one entity or row type, in model order."""

    def __init__(self, properties: Iterable[m.Property], *, native_bool: bool = False) -> None:
        self.native_bool = native_bool
        self.properties = [p for p in properties if p.role != m.TABULAR]
        self.names = [p.name for p in self.properties]
        self.storage = {p.name: storage_of(p) for p in self.properties}
        self._decoders = [(i, f) for i, p in enumerate(self.properties)
                          if (f := decoder(self.storage[p.name])) is not None]
        self._encoders = [encoder(self.storage[p.name], native_bool) for p in self.properties]

    def decode(self, values: tuple) -> dict[str, Any]:
        if self._decoders:
            values = list(values)  # type: ignore[assignment]
            for i, f in self._decoders:
                values[i] = f(values[i])  # type: ignore[index]
        return dict(zip(self.names, values))

    def encode_tuple(self, row: dict[str, Any]) -> tuple:
        return tuple(row[n] if f is None else f(row[n]) for n, f in zip(self.names, self._encoders))

    def encode(self, row: dict[str, Any]) -> dict[str, Any]:
        return dict(zip(self.names, self.encode_tuple(row)))

    def encode_value(self, name: str, value: Any) -> Any:
        f = encoder(self.storage[name], self.native_bool)
        return value if f is None else f(value)

    def value_encoder(self, name: str) -> Callable[[Any], Any] | None:
        """``encode_value`` of ``name`` as a function built once (None: stored as it is)."""
        return encoder(self.storage[name], self.native_bool)
