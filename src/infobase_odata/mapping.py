"""Publishing existing tables: which table and columns hold each object of the configuration.

A mapping is a JSON file (or the same structure in Python) kept beside ``configuration.json``;
:class:`~infobase_odata.providers.mapped.MappedSQLiteProvider` serves it::

    {"namespace": "shop.example.com",
     "objects": {
       "Catalog_Goods": {
         "table": "products",
         "key": {"column": "id", "kind": "integer"},
         "columns": {"Description": "name",
                     "Price": {"column": "price_cents", "scale": 2},
                     "Unit": "unit_id",
                     "Article": {"column": "sku", "read_only": true}}},
       "Document_SalesOrder": {
         "table": "orders",
         "columns": {"Date": {"column": "created_at", "format": "text"}, "Customer": "customer_id"},
         "tabular_sections": {"Goods": {"table": "order_lines", "foreign_key": "order_id",
                                        "line_number": null, "columns": {"Product": "product_id"}}}}}}

    >>> mapping = load_mapping("samples/existing_site/mapping.json").bind(model)
    >>> mapping.objects["Catalog_Goods"].keys.guid(42)
    '…-00000000002a'

Rules (checked against the model here, against the database's ``PRAGMA table_info`` when the
provider first connects; every violation is a :class:`MappingError` naming the place):

* ``columns`` names EDM properties (``Unit_Key``) or attributes (``Unit``); a property without
  a column (``DataVersion`` aside, which is computed) is kept in a library-owned side table
  ``_ibo_<object>``, so the site's tables are never altered.  Composite attributes and numbers
  wider than 18 digits cannot be mapped to a column.
* ``key``: ``{"kind": "guid"}`` columns hold the canonical lowercase GUID text; ``{"kind":
  "integer"}`` keys are published as a derived GUID: the first 20 hex digits are those of
  ``uuid5(NAMESPACE_URL, "infobase-odata:<namespace>/<table>")`` and the last 12 are the id in
  hex, so the mapping is reversible (a filter on ``Ref_Key`` becomes ``id = ?``) and distinct per
  table.  Ids must lie in 0 … 2**48-1.
* a reference attribute's column holds the target's key (the integer id of an integer-keyed
  target, else GUID text); NULL is the empty reference.
* ``scale``: the column holds value × 10**scale (``price_cents``: 2; a REAL ``price``: 0, the
  default); ``format`` of a date column: ``text`` (``2024-01-31 10:30:00``, the default, as
  Python's sqlite3 writes datetimes), ``iso`` (``2024-01-31T10:30:00``), ``date`` or ``unix``.
* ``read_only``: per column (``"read_only": true``) or a list of properties/columns: the
  interface reads them and never writes them (values sent for them are ignored).
* a tabular section maps to a child table with ``foreign_key`` (the owner's key) and either a
  ``line_number`` column or ``null`` (line numbers 1..n in rowid order); every row attribute
  needs a column.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping as MappingType

from . import model as m
from .config_errors import read_json
from .types import ConfigurationError, Number

__all__ = ["Mapping", "ObjectMapping", "ColumnMapping", "TabularMapping", "KeyCodec", "MappingError",
           "load_mapping"]

DATE_FORMATS = ("text", "iso", "date", "unix")
MAX_ID = 16 ** 12 - 1
_HEX12 = re.compile(r"^[0-9a-f]{12}$")


class MappingError(ConfigurationError):
    """The mapping does not fit the configuration or the database."""


class KeyCodec:
    """Integer id <-> derived GUID of one table (see the module docstring)."""

    def __init__(self, namespace: str, table: str) -> None:
        derived = uuid.uuid5(uuid.NAMESPACE_URL, f"infobase-odata:{namespace}/{table}")
        self.prefix = str(derived)[:24]  # "xxxxxxxx-xxxx-xxxx-xxxx-": 20 hex digits
        self.table = table

    def guid(self, ident: Any) -> str:
        number = int(ident)
        if not 0 <= number <= MAX_ID:
            raise MappingError(f"{self.table}: id {number} is outside 0..2**48-1 and has no GUID")
        return f"{self.prefix}{number:012x}"

    def id(self, guid: Any) -> int | None:
        """The id a GUID of this table carries, or None (another table's, or not derived)."""
        text = str(guid).lower()
        if len(text) != 36 or not text.startswith(self.prefix) or not _HEX12.match(text[24:]):
            return None
        return int(text[24:], 16)


@dataclass(frozen=True)
class ColumnMapping:
    column: str
    scale: int = 0
    format: str = "text"
    read_only: bool = False
    references: str | None = None  # optional check: the object id (or CatalogRef.X) referenced


@dataclass(frozen=True)
class TabularMapping:
    table: str
    foreign_key: str
    line_number: str | None = None
    columns: dict[str, ColumnMapping] = field(default_factory=dict)  # row property -> column


@dataclass(frozen=True)
class ObjectMapping:
    object_id: str
    table: str
    key_column: str = "id"
    key_kind: str = "integer"
    columns: dict[str, ColumnMapping] = field(default_factory=dict)  # property -> column
    tabular_sections: dict[str, TabularMapping] = field(default_factory=dict)
    keys: KeyCodec | None = None  # integer keys only

    @property
    def side_table(self) -> str:
        return f"_ibo_{self.object_id}"

    def side_properties(self, entity_set: m.EntitySet) -> list[m.Property]:
        """Properties kept in the side table: every scalar without a column but the key and
        DataVersion."""
        return [p for p in entity_set.entity_type.properties
                if p.role != m.TABULAR and p.name not in ("Ref_Key", "DataVersion")
                and p.name not in self.columns]


@dataclass
class Mapping:
    """Object id -> :class:`ObjectMapping`; ``bind(model)`` validates and resolves names."""

    objects: dict[str, ObjectMapping]
    namespace: str = "site"

    @classmethod
    def from_dict(cls, data: MappingType[str, Any]) -> "Mapping":
        if not isinstance(data, MappingType) or not isinstance(data.get("objects"), MappingType):
            raise MappingError('a mapping is an object with "objects": {"<ObjectId>": {...}}')
        namespace = data.get("namespace", "site")
        if not isinstance(namespace, str) or not namespace:
            raise MappingError('"namespace" is a non-empty string')
        objects = {}
        for object_id, raw in data["objects"].items():
            objects[object_id] = _object(object_id, raw, namespace)
        return cls(objects, namespace)

    def bind(self, model: m.Model) -> "Mapping":
        """A copy with property names resolved against the model (``Unit`` -> ``Unit_Key``)."""
        bound = {}
        tables: dict[str, str] = {}
        for object_id, obj in self.objects.items():
            entity_set = model.set_for_object(object_id)
            where = f"mapping of {object_id}"
            if entity_set is None or entity_set.kind != m.OBJECT:
                raise MappingError(f"{where}: no published catalog, document or other reference object {object_id}")
            if obj.table in tables:
                raise MappingError(f"{where}: table {obj.table} is already mapped by {tables[obj.table]}")
            tables[obj.table] = object_id
            columns = _resolve_columns(entity_set.entity_type, obj.columns, where)
            tabs = {}
            for name, tab in obj.tabular_sections.items():
                prop = entity_set.entity_type.property(name)
                if prop is None or prop.role != m.TABULAR or prop.row_type is None:
                    raise MappingError(f"{where}: {object_id} has no tabular section {name}")
                tab_columns = _resolve_columns(prop.row_type, tab.columns, f"{where}.{name}")
                missing = [p.name for p in prop.row_type.properties
                           if p.name not in ("Ref_Key", "LineNumber") and p.name not in tab_columns]
                if missing:
                    raise MappingError(f"{where}.{name}: every row attribute needs a column; {missing[0]} has none")
                tabs[name] = TabularMapping(tab.table, tab.foreign_key, tab.line_number, tab_columns)
            unmapped = [p.name for p in entity_set.entity_type.properties
                        if p.role == m.TABULAR and p.name not in tabs]
            if unmapped:
                raise MappingError(f"{where}: tabular section {unmapped[0]} needs a table")
            bound[object_id] = ObjectMapping(object_id, obj.table, obj.key_column, obj.key_kind, columns,
                                             tabs, obj.keys)
        return Mapping(bound, self.namespace)


def _object(object_id: str, raw: Any, namespace: str) -> ObjectMapping:
    where = f"mapping of {object_id}"
    if not isinstance(raw, MappingType) or not isinstance(raw.get("table"), str):
        raise MappingError(f'{where}: needs "table"')
    unknown = set(raw) - {"table", "key", "columns", "read_only", "tabular_sections"}
    if unknown:
        raise MappingError(f"{where}: unknown entry {sorted(unknown)[0]!r}")
    key = raw.get("key", {"column": "id", "kind": "integer"})
    if isinstance(key, str):
        key = {"column": key}
    if not isinstance(key, MappingType) or key.get("kind", "integer") not in ("integer", "guid"):
        raise MappingError(f'{where}: "key" is {{"column": ..., "kind": "integer" | "guid"}}')
    kind = key.get("kind", "integer")
    columns = _columns(raw.get("columns", {}), raw.get("read_only", []), where)
    tabs = {}
    for name, tab in (raw.get("tabular_sections") or {}).items():
        if not isinstance(tab, MappingType) or not isinstance(tab.get("table"), str) \
                or not isinstance(tab.get("foreign_key"), str):
            raise MappingError(f'{where}.{name}: a tabular section needs "table" and "foreign_key"')
        line = tab.get("line_number")
        if line is not None and not isinstance(line, str):
            raise MappingError(f'{where}.{name}: "line_number" is a column name or null')
        tabs[name] = TabularMapping(tab["table"], tab["foreign_key"], line,
                                    _columns(tab.get("columns", {}), tab.get("read_only", []), f"{where}.{name}"))
    keys = KeyCodec(namespace, raw["table"]) if kind == "integer" else None
    return ObjectMapping(object_id, raw["table"], key.get("column", "id"), kind, columns, tabs, keys)


def _columns(raw: Any, read_only: Any, where: str) -> dict[str, ColumnMapping]:
    if not isinstance(raw, MappingType):
        raise MappingError(f'{where}: "columns" is an object {{"<property>": "<column>" | {{...}}}}')
    frozen = set(read_only) if isinstance(read_only, list) else set()
    out = {}
    for name, spec in raw.items():
        if isinstance(spec, str):
            spec = {"column": spec}
        if not isinstance(spec, MappingType) or not isinstance(spec.get("column"), str):
            raise MappingError(f'{where}.{name}: a column is "<name>" or {{"column": "<name>", ...}}')
        unknown = set(spec) - {"column", "scale", "format", "read_only", "references"}
        if unknown:
            raise MappingError(f"{where}.{name}: unknown entry {sorted(unknown)[0]!r}")
        scale = spec.get("scale", 0)
        if not isinstance(scale, int) or not 0 <= scale <= 18:
            raise MappingError(f"{where}.{name}: scale is an integer 0..18")
        fmt = spec.get("format", "text")
        if fmt not in DATE_FORMATS:
            raise MappingError(f"{where}.{name}: format is one of {', '.join(DATE_FORMATS)}")
        frozen_here = bool(spec.get("read_only", False)) or name in frozen or spec["column"] in frozen
        references = spec.get("references")
        if references is not None and not isinstance(references, str):
            raise MappingError(f"{where}.{name}: references is an object id")
        out[name] = ColumnMapping(spec["column"], scale, fmt, frozen_here, references)
    return out


def _resolve_columns(row_type: m.ComplexType, columns: dict[str, ColumnMapping],
                     where: str) -> dict[str, ColumnMapping]:
    out: dict[str, ColumnMapping] = {}
    for name, spec in columns.items():
        prop = row_type.property(name) or row_type.property(f"{name}_Key")
        if prop is None:
            raise MappingError(f"{where}: {row_type.name} has no property {name}")
        if prop.role == m.TABULAR:
            raise MappingError(f'{where}: {name} is a tabular section: map it under "tabular_sections"')
        if prop.name in ("Ref_Key", "DataVersion", "LineNumber"):
            raise MappingError(f"{where}: {prop.name} cannot be mapped to a column "
                               f"({'the key' if prop.name != 'DataVersion' else 'it is computed'})")
        if prop.role in (m.COMPOSITE, m.COMPOSITE_TYPE):
            raise MappingError(f"{where}: the composite attribute {name} cannot be mapped to a column")
        if isinstance(prop.value_type, Number) and prop.value_type.digits > 18:
            raise MappingError(f"{where}: {name} has more than 18 digits and cannot be mapped to a column")
        target = spec.references
        if target is not None and prop.target not in (target, _object_id_of(target)):
            raise MappingError(f"{where}: {name} references {prop.target}, not {target}")
        if prop.name in out:
            raise MappingError(f"{where}: {prop.name} is mapped twice")
        out[prop.name] = spec
    return out


def _object_id_of(reference: str) -> str:
    kind, _, name = reference.partition(".")
    return f"{kind[:-3] if kind.endswith('Ref') else kind}_{name}"


def load_mapping(path: str | Path) -> Mapping:
    """Load a mapping JSON file (not yet bound to a model)."""
    path = Path(path)
    return Mapping.from_dict(read_json(path, "mapping", MappingError))

