"""Views and side tables that present a site's own tables in the SQLite provider's layout.

For a mapped object the provider creates (never touching the site's tables):

* ``_ibo_<object>``: the side table, keyed by the site's key, holding the properties the site's
  table lacks (DeletionMark, Predefined, Posted, Code, ... as mapped);
* a view named exactly as the entity set, with the columns the SQLite provider reads, in its
  storage encoding (``sqlcodec``): numbers scaled to integers, dates as ISO text, booleans 0/1,
  integer keys as ids (``mappedsql``), side-table properties through ``COALESCE`` with their
  empty values, and ``DataVersion`` = ``ibo_version(<every presented value>, <digest of each
  tabular section's rows>)``: a content hash, so it changes when the site's own code changes
  the row too;
* a view per tabular section (``Document_SalesOrder_Goods``) over the child table.

    plan = SchemaPlan(conn, mapping, entity_set, codecs)     # checks PRAGMA table_info
    for sql in plan.statements():
        conn.execute(sql)
    plan.to_column("Price", 1250)                            # value for the site's column
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .sqlnames import q

from .. import edm, model as m
from ..config_errors import did_you_mean
from ..mapping import ColumnMapping, MappingError, ObjectMapping
from .. import values as v
from .sqlcodec import BOOL, DATE, GUID, INT, STR, RowCodec

NIL = edm.NIL_GUID
EMPTY_DATE = "0001-01-01T00:00:00"
ISO = "'%Y-%m-%dT%H:%M:%S'"


@dataclass(frozen=True)
class ColumnInfo:
    decltype: str
    notnull: bool
    pk: bool
    default: str | None = None  # the column's DEFAULT expression (PRAGMA table_info)

    @property
    def affinity(self) -> str:
        """SQLite's affinity rules (https://sqlite.org/datatype3.html §3.1)."""
        t = self.decltype.upper()
        if "INT" in t:
            return "INTEGER"
        if "CHAR" in t or "CLOB" in t or "TEXT" in t:
            return "TEXT"
        if not t or "BLOB" in t:
            return "BLOB"
        if "REAL" in t or "FLOA" in t or "DOUB" in t:
            return "REAL"
        return "NUMERIC"


def table_info(conn, table: str, where: str) -> dict[str, ColumnInfo]:
    rows = conn.execute(f"PRAGMA table_info({q(table)})").fetchall()
    if not rows:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        raise MappingError(f"{where}: the database has no table {table}{did_you_mean(table, tables)}")
    return {r[1]: ColumnInfo(r[2] or "", bool(r[3]), bool(r[5]), r[4]) for r in rows}


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


class Column:
    """One mapped column: SQL that presents it in storage encoding, and the inverse in Python."""

    def __init__(self, prop: m.Property, spec: ColumnMapping, info: ColumnInfo, storage) -> None:
        self.prop, self.spec, self.info, self.storage = prop, spec, info, storage
        self.name = spec.column

    def present(self, alias: str) -> str:
        col = f"{alias}.{q(self.name)}"
        kind, nullable = self.storage.kind, not self.info.notnull
        if self.prop.role == m.REF and kind == INT:
            return col  # an integer-keyed reference: NULL is the empty reference
        if kind == STR:
            expr = col if self.info.affinity == "TEXT" else f"CAST({col} AS TEXT)"
            return f"COALESCE({expr}, '')" if nullable else expr
        if kind == INT:
            diff = self.storage.scale - self.spec.scale
            if diff == 0 and self.info.affinity == "INTEGER":
                expr = col
            elif diff >= 0:
                expr = f"CAST(round({col} * {10 ** diff}) AS INTEGER)"
            else:
                expr = f"CAST(round({col} / {10.0 ** -diff!r}) AS INTEGER)"
            return f"COALESCE({expr}, 0)" if nullable else expr
        if kind == DATE:
            if self.spec.format == "iso":
                return f"COALESCE({col}, '{EMPTY_DATE}')" if nullable else col
            extra = ", 'unixepoch'" if self.spec.format == "unix" else ""
            return f"COALESCE(strftime({ISO}, {col}{extra}), '{EMPTY_DATE}')"
        if kind == BOOL:
            return f"COALESCE({col}, 0)" if nullable else col
        if kind == GUID:
            return f"COALESCE({col}, '{NIL}')" if nullable else col
        raise MappingError(f"{self.prop.name}: values of this type cannot be kept in a column")

    def to_column(self, value: Any) -> Any:
        """The site's column value for a stored (encoded) value."""
        kind, nullable = self.storage.kind, not self.info.notnull
        if value is None:
            return None
        if kind == INT and not (self.prop.role == m.REF):
            diff = self.storage.scale - self.spec.scale
            if diff < 0:
                return value * 10 ** -diff
            if diff == 0 and self.info.affinity == "INTEGER":
                return value
            number = Decimal(value).scaleb(-diff)
            return int(number) if number == number.to_integral_value() and self.info.affinity != "REAL" \
                else float(number)
        if kind == DATE:
            if value == EMPTY_DATE and nullable:
                return None
            fmt = self.spec.format
            if fmt == "unix":
                return calendar.timegm(dt.datetime.fromisoformat(value).timetuple())
            return value if fmt == "iso" else value[:10] if fmt == "date" else value.replace("T", " ")
        if kind == GUID and value == NIL and nullable:
            return None
        return value


class SchemaPlan:
    """The side table and views of one mapped object, checked against the database."""

    def __init__(self, conn, mapping: ObjectMapping, entity_set: m.EntitySet,
                 codecs: dict[str, RowCodec]) -> None:
        where = f"mapping of {mapping.object_id}"
        self.mapping, self.entity_set = mapping, entity_set
        self.codec = codecs[entity_set.name]
        site = table_info(conn, mapping.table, where)
        table_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (mapping.table,)).fetchone()
        self.has_rowid = not (table_sql and table_sql[0] and "WITHOUT ROWID" in table_sql[0].upper())
        self.key = self._column_info(site, mapping.key_column, mapping.table, where)
        if mapping.key_kind == "integer" and self.key.affinity != "INTEGER":
            raise MappingError(f"{where}: the integer key {mapping.table}.{mapping.key_column} is declared "
                               f"{self.key.decltype or 'without a type'}")
        self.columns = {name: Column(entity_set.entity_type.property(name), spec,  # type: ignore[arg-type]
                                     self._column_info(site, spec.column, mapping.table, where),
                                     self.codec.storage[name])
                        for name, spec in mapping.columns.items()}
        self.side = mapping.side_properties(entity_set)
        self.tabs: dict[str, tuple[dict[str, Column], RowCodec]] = {}
        for name, tab in mapping.tabular_sections.items():
            tab_name = f"{entity_set.name}_{name}"
            tab_codec = codecs[tab_name]
            child = table_info(conn, tab.table, f"{where}.{name}")
            self._column_info(child, tab.foreign_key, tab.table, f"{where}.{name}")
            if tab.line_number is not None:
                self._column_info(child, tab.line_number, tab.table, f"{where}.{name}")
            cols = {p.name: Column(p, tab.columns[p.name],
                                   self._column_info(child, tab.columns[p.name].column, tab.table, f"{where}.{name}"),
                                   tab_codec.storage[p.name])
                    for p in tab_codec.properties if p.name in tab.columns}
            self.tabs[name] = (cols, tab_codec)

    @staticmethod
    def _column_info(site: dict[str, ColumnInfo], column: str, table: str, where: str) -> ColumnInfo:
        if column not in site:
            raise MappingError(f"{where}: table {table} has no column {column}{did_you_mean(column, site)}")
        return site[column]

    # ---- SQL ----------------------------------------------------------------------------------

    def empty_literal(self, prop: m.Property) -> str:
        return literal(self.codec.encode_value(prop.name, v.empty_value(prop)))

    def side_table_sql(self) -> str:
        key_type = "INTEGER" if self.mapping.key_kind == "integer" else "TEXT"
        cols = [f'"id" {key_type} PRIMARY KEY']
        cols += [f"{q(p.name)} {self.side_type(p)}" for p in self.side]
        return f"CREATE TABLE IF NOT EXISTS {q(self.mapping.side_table)} ({', '.join(cols)})"

    def side_type(self, prop: m.Property) -> str:
        return "TEXT" if self.codec.storage[prop.name].sql_type is str else "INTEGER"

    def _lines_digest(self, name: str) -> str:
        tab = self.mapping.tabular_sections[name]
        cols, _ = self.tabs[name]
        sort = f"l.{q(tab.line_number)}" if tab.line_number else "l.rowid"
        values = [sort] + ([sort] if tab.line_number else []) + [c.present("l") for c in cols.values()]
        return (f"(SELECT ibo_lines({', '.join(values)}) FROM {q(tab.table)} AS l "
                f"WHERE l.{q(tab.foreign_key)} = t.{q(self.mapping.key_column)})")

    def _site_presented(self) -> dict[str, str]:
        """Ref_Key and the mapped columns as presented (SQL over the site's table ``t``)."""
        presented = {"Ref_Key": f"t.{q(self.mapping.key_column)}"}
        presented.update((name, column.present("t")) for name, column in self.columns.items())
        return presented

    def lean_count_sql(self) -> str:
        """``count(*)`` over the site's table alone (alias ``t0``: the view's names for the mapped
        columns), for counts whose conditions read no side-table column (no join per row)."""
        select = ", ".join(f"{sql} AS {q(name)}" for name, sql in self._site_presented().items())
        return f"SELECT count(*) FROM (SELECT {select} FROM {q(self.mapping.table)} AS t) AS t0"

    def object_view_sql(self) -> str:
        presented: dict[str, str] = {}
        site = self._site_presented()
        side = {p.name for p in self.side}
        for prop in self.codec.properties:
            name = prop.name
            if name in site:
                presented[name] = site[name]
            elif name in side:
                empty = self.empty_literal(prop)
                presented[name] = f"s.{q(name)}" if empty == "NULL" else f"COALESCE(s.{q(name)}, {empty})"
        hashed = [presented[n] for n in self.codec.names if n != "DataVersion"]
        hashed += [self._lines_digest(name) for name in self.mapping.tabular_sections]
        presented["DataVersion"] = f"ibo_version({', '.join(hashed)})"
        select = ", ".join(f"{presented[n]} AS {q(n)}" for n in self.codec.names)
        # "_id": the site table's clustered order (rowid, or the key of a WITHOUT ROWID table),
        # the default order of collections (SQLiteProvider._order)
        select += f', t.{"rowid" if self.has_rowid else q(self.mapping.key_column)} AS "_id"'
        return (f"CREATE VIEW {q(self.entity_set.name)} AS SELECT {select} FROM {q(self.mapping.table)} AS t "
                f"LEFT JOIN {q(self.mapping.side_table)} AS s ON s.\"id\" = t.{q(self.mapping.key_column)}")

    def tab_view_sql(self, name: str) -> str:
        tab = self.mapping.tabular_sections[name]
        cols, codec = self.tabs[name]
        fk = f"l.{q(tab.foreign_key)}"
        if tab.line_number:
            line = f"l.{q(tab.line_number)}"
        else:
            line = f"(SELECT count(*) FROM {q(tab.table)} AS x WHERE x.{q(tab.foreign_key)} = {fk} AND x.rowid <= l.rowid)"
        presented = {"Ref_Key": fk, "LineNumber": line}
        presented.update({n: c.present("l") for n, c in cols.items()})
        select = ", ".join(f"{presented[n]} AS {q(n)}" for n in codec.names)
        return (f"CREATE VIEW {q(self.entity_set.name + '_' + name)} AS SELECT {select} "
                f"FROM {q(tab.table)} AS l WHERE {fk} IS NOT NULL")

    def views(self) -> dict[str, str]:
        out = {self.entity_set.name: self.object_view_sql()}
        for name in self.mapping.tabular_sections:
            out[f"{self.entity_set.name}_{name}"] = self.tab_view_sql(name)
        return out


def install(conn, plan: SchemaPlan) -> None:
    """Create or update the side table and (re)create the views whose SQL changed."""
    conn.execute(plan.side_table_sql())
    have = {r[1] for r in conn.execute(f"PRAGMA table_info({q(plan.mapping.side_table)})")}
    for prop in plan.side:
        if prop.name not in have:  # the library's own table: columns may be added
            conn.execute(f"ALTER TABLE {q(plan.mapping.side_table)} ADD COLUMN {q(prop.name)} {plan.side_type(prop)}")
    check_view_names(conn, plan)
    for name, sql in plan.views().items():
        found = conn.execute("SELECT type, sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        if found is not None and found[1] == sql:
            continue
        if found is not None:
            conn.execute(f"DROP VIEW {q(name)}")
        conn.execute(sql)


def check_view_names(conn, plan: SchemaPlan) -> None:
    """Refuse a site table (or index, trigger) already named like one of the plan's views."""
    for name in plan.views():
        found = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", (name,)).fetchone()
        if found is not None and found[0] != "view":
            raise MappingError(f"the database already has a {found[0]} named {name}; "
                               "the mapped object's view needs that name")
