"""Per entity set of the SQLite store: table name, row codec and prepared statement texts,
built once and shared by the provider's read, write and register parts::

    info = SetInfo(model.entity_set("Catalog_Goods"))
    link.run(info.insert, info.codec.encode_tuple(row))
"""

from __future__ import annotations

from .sqlnames import q

from .. import model as m, rules as w, values as v
from .sqlcodec import RowCodec


class SetInfo:
    """Per entity set: table name, codec and the prepared statement texts (built once)."""

    def __init__(self, entity_set: m.EntitySet, *, native_bool: bool = False) -> None:
        self.entity_set = entity_set
        self.table = entity_set.name
        self.codec = RowCodec(entity_set.entity_type.properties, native_bool=native_bool)
        cols = ", ".join(f"t0.{q(n)}" for n in self.codec.names)
        self.select = f"SELECT {cols} FROM {q(self.table)} AS t0"
        self.insert = (f"INSERT INTO {q(self.table)} ({', '.join(q(n) for n in self.codec.names)}) "
                       f"VALUES ({', '.join('?' for _ in self.codec.names)})")
        self.update = (f"UPDATE {q(self.table)} SET {', '.join(f'{q(n)} = ?' for n in self.codec.names)} "
                       f'WHERE _id = ? AND "DataVersion" = ?')
        self.tabs = v.tabular_properties(entity_set.entity_type)
        self.key_names = entity_set.entity_type.key_names
        self.select_by_key = f"{self.select} WHERE " + " AND ".join(f"t0.{q(n)} = ?" for n in self.key_names)
        self.key_encoders = tuple((n, self.codec.value_encoder(n)) for n in self.key_names)
        self.numbering = w.numbering(entity_set)

    def key_params(self, key: dict) -> list:
        """The bound parameters of ``select_by_key`` for ``key`` (normalized, encoded)."""
        return [key_value(n, key[n]) if f is None else f(key_value(n, key[n])) for n, f in self.key_encoders]


def key_value(name: str, value: object) -> object:
    """A key part as stored: GUIDs lowercase, line numbers and surrogate keys integers."""
    return str(value).lower() if name == "Ref_Key" else int(value) if name in (  # type: ignore[call-overload]
        "LineNumber", "SurrogateKey") else value
