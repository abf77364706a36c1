"""The write side of :class:`~infobase_odata.providers.mapped.MappedSQLiteProvider`.

Rows are built by :mod:`infobase_odata.rules` exactly as for the provider's own tables, then split:
mapped, writable columns go to the site's table, the rest to the side table, tabular rows to
the child table, all in one ``BEGIN IMMEDIATE`` transaction (or a savepoint of the caller's)::

    with provider.transaction():
        row = provider.create(goods, {"Description": "Шлепанцы", "Price": Decimal("12.50")})
        # INSERT INTO products (name, price_cents) VALUES (?, ?) RETURNING id -> Ref_Key derived
        provider.update(goods, {"Ref_Key": row["Ref_Key"]}, {"Price": 13}, if_match=row["DataVersion"])
        # UPDATE products SET price_cents = ? WHERE id = ?   (only the changed columns)

* New integer keys come from the site's table (``INSERT`` without the id, ``RETURNING``): a
  ``Ref_Key`` given for a new object is kept only in the derived form of that table (an
  explicit id), any other GUID is replaced by the derived key of the new row (the response and
  its ``Location`` carry it); a GUID key column keeps the given key or gets a version-1 UUID.
* Updates write only the columns whose value changed, so the site's concurrent changes to other
  columns survive; the stored row is read inside the transaction, so ``If-Match`` compares the
  current DataVersion (a content hash: a site change in between is 412).
* A tabular section given in an update replaces the child rows of the owner (DELETE + INSERT:
  child-row ids are not kept).  Read-only columns are never written.
* Constraint failures of the site's schema: a duplicate key is 409 code 15, anything else
  (NOT NULL, CHECK, another UNIQUE) 400 code 4 naming the constraint.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any, Iterable

from .sqlnames import q

from ..i18n import Message
from .. import edm, model as m
from ..mapping import ObjectMapping
from ..stores import Invalid, Key, Row
from ..supplied import given_names
from .sqlitewrites import SQLObjectWrites
from .. import rules as w, values as v

if TYPE_CHECKING:
    from .mappedschema import SchemaPlan


class MappedObjectWrites(SQLObjectWrites):
    """The object writes of MappedSQLiteProvider (``provider.objects``): mapped sets here, the
    others as the SQL provider writes them."""

    sql: Any  # the MappedSQLiteProvider

    @property
    def mapping(self) -> Any:
        return self.sql.mapping

    def plan(self, object_id: str) -> "SchemaPlan":
        return self.sql.plan(object_id)

    def stored_key(self, entity_set: m.EntitySet, ref: Any) -> Any:
        return self.sql.stored_key(entity_set, ref)

    def get(self, entity_set: m.EntitySet, key: Key) -> Row | None:
        return self.sql.get(entity_set, key)

    def _mapped(self, entity_set: m.EntitySet) -> ObjectMapping | None:
        return self.mapping.objects.get(entity_set.name) if entity_set.kind == m.OBJECT else None

    # ---- create -----------------------------------------------------------------------------

    def _new_row(self, entity_set: m.EntitySet, obj: ObjectMapping, values: Row) -> Row:
        row = w.new_object(entity_set, values)
        if obj.keys is not None and obj.keys.id(row["Ref_Key"]) is None:
            # The service proposes a fresh GUID for every new object (handlers see it before the
            # write); an integer-keyed table assigns the key itself, so only the derived form
            # (an explicit id) is kept.
            row["Ref_Key"] = edm.NIL_GUID
        return row

    def create(self, entity_set: m.EntitySet, values: Row) -> Row:
        obj = self._mapped(entity_set)
        if obj is None:
            return super().create(entity_set, values)
        w.check_writable(entity_set, "create")
        with self.transaction():
            row = self._new_row(entity_set, obj, values)
            self._number(self._info[entity_set.name], [row])
            ref = self._insert(entity_set, obj, row, given_names(values))
            return self.get(entity_set, {"Ref_Key": ref})  # type: ignore[return-value]

    def bulk_insert(self, entity_set: m.EntitySet, rows: Iterable[Row]) -> int:
        obj = self._mapped(entity_set)
        if obj is None:
            return super().bulk_insert(entity_set, rows)
        with self.transaction():
            new = [(self._new_row(entity_set, obj, values), given_names(values)) for values in rows]
            self._number(self._info[entity_set.name], [row for row, _ in new])
            for row, given in new:
                self._insert(entity_set, obj, row, given)
        return len(new)

    def _insert(self, entity_set: m.EntitySet, obj: ObjectMapping, row: Row, given: set[str]) -> str:
        """A property neither given nor numbered is left out of the INSERT: the site's column
        DEFAULT applies, and a NOT NULL column without one is 400 naming the property."""
        plan = self.plan(obj.object_id)
        codec = plan.codec
        names, params = [], []
        if obj.keys is None or obj.keys.id(row["Ref_Key"]) is not None:
            names.append(obj.key_column)
            params.append(row["Ref_Key"] if obj.keys is None else obj.keys.id(row["Ref_Key"]))
        for name, column in plan.columns.items():
            if name not in given and row[name] == v.empty_value(column.prop):
                continue
            if not column.spec.read_only:
                names.append(column.name)
                params.append(column.to_column(codec.encode_value(name, row[name])))
        table = q(obj.table)
        if names:
            sql = (f"INSERT INTO {table} ({', '.join(q(n) for n in names)}) "
                   f"VALUES ({', '.join('?' for _ in names)}) RETURNING {q(obj.key_column)}")
        else:
            sql = f"INSERT INTO {table} DEFAULT VALUES RETURNING {q(obj.key_column)}"
        with self._constraints(obj):
            ident = self.link.run(sql, params).fetchone()[0]
            self._write_side(plan, ident, row)
            self._insert_lines(plan, obj, ident, row)
        return ident if obj.keys is None else obj.keys.guid(ident)

    def _write_side(self, plan: SchemaPlan, ident: Any, row: Row) -> None:
        names = [p.name for p in plan.side]
        values = [plan.codec.encode_value(n, row[n]) for n in names]
        self.link.run(self.dialect.replace_into(plan.mapping.side_table, ["id", *names]), [ident, *values])

    def _insert_lines(self, plan: SchemaPlan, obj: ObjectMapping, ident: Any, row: Row,
                      tabs: Iterable[str] | None = None) -> None:
        for name in obj.tabular_sections if tabs is None else tabs:
            tab = obj.tabular_sections[name]
            columns, codec = plan.tabs[name]
            writable = [c for c in columns.values() if not c.spec.read_only]
            names = [tab.foreign_key] + ([tab.line_number] if tab.line_number else []) + [c.name for c in writable]
            lines = []
            for line in row[name]:
                values = [ident] + ([line["LineNumber"]] if tab.line_number else [])
                values += [c.to_column(codec.encode_value(c.prop.name, line[c.prop.name])) for c in writable]
                lines.append(values)
            if lines:
                self.link.run_many(f"INSERT INTO {q(tab.table)} ({', '.join(q(n) for n in names)}) "
                                   f"VALUES ({', '.join('?' for _ in names)})", lines)

    def _delete_lines(self, obj: ObjectMapping, ident: Any, tabs: Iterable[str]) -> None:
        for name in tabs:
            tab = obj.tabular_sections[name]
            self.link.run(f"DELETE FROM {q(tab.table)} WHERE {q(tab.foreign_key)} = ?", (ident,))

    # ---- update / delete --------------------------------------------------------------------

    def _stored(self, entity_set: m.EntitySet, key: Key, if_match: str | None) -> tuple[Any, Row]:
        ident = self.stored_key(entity_set, w.key_ref(key))
        old = None if ident is None else self.get(entity_set, key)
        w.check_stored(entity_set, old, if_match)
        return ident, old  # type: ignore[return-value]

    def update(self, entity_set: m.EntitySet, key: Key, values: Row, *,
               if_match: str | None = None, replace: bool = False) -> Row:
        obj = self._mapped(entity_set)
        if obj is None:
            return super().update(entity_set, key, values, if_match=if_match, replace=replace)
        w.check_writable(entity_set, "update")
        with self.transaction():
            ident = self.stored_key(entity_set, w.key_ref(key))
            old = None if ident is None else self.get(entity_set, key)
            row = w.updated(entity_set, old, values, if_match=if_match, replace=replace)
            if row is None:
                return old  # type: ignore[return-value]
            assert old is not None
            plan = self.plan(obj.object_id)
            changed = {n for n in row if n != "DataVersion" and row[n] != old[n]}  # a content hash here
            sets = [(c.name, c.to_column(plan.codec.encode_value(n, row[n])))
                    for n, c in plan.columns.items() if n in changed and not c.spec.read_only]
            with self._constraints(obj):
                if sets:
                    self.link.run(f"UPDATE {q(obj.table)} SET {', '.join(f'{q(c)} = ?' for c, _ in sets)} "
                                  f"WHERE {q(obj.key_column)} = ?", [*(val for _, val in sets), ident])
                if any(p.name in changed for p in plan.side):
                    self._write_side(plan, ident, row)
                tabs = [t for t in obj.tabular_sections if t in changed]
                self._delete_lines(obj, ident, tabs)
                self._insert_lines(plan, obj, ident, row, tabs)
            return self.get(entity_set, key)  # type: ignore[return-value]

    def delete(self, entity_set: m.EntitySet, key: Key, *, if_match: str | None = None) -> None:
        obj = self._mapped(entity_set)
        if obj is None:
            return super().delete(entity_set, key, if_match=if_match)
        w.check_writable(entity_set, "delete")
        with self.transaction():
            ident, _ = self._stored(entity_set, key, if_match)
            with self._constraints(obj):
                self._delete_lines(obj, ident, obj.tabular_sections)
                self.link.run(f"DELETE FROM {q(obj.table)} WHERE {q(obj.key_column)} = ?", (ident,))
                self.link.run(f'DELETE FROM {q(obj.side_table)} WHERE "id" = ?', (ident,))

    # ---- errors -----------------------------------------------------------------------------

    def _constraints(self, obj: ObjectMapping) -> "_Constraints":
        return _Constraints(obj)


class _Constraints:
    """sqlite3.IntegrityError of the site's schema -> 409 code 15 (the key) or 400 code 4."""

    def __init__(self, obj: ObjectMapping) -> None:
        self.obj = obj

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:
        if not isinstance(exc, sqlite3.IntegrityError):
            return False
        text = str(exc)
        if "UNIQUE" in text and f"{self.obj.table}.{self.obj.key_column}" in text or "PRIMARY KEY" in text:
            raise w.duplicate_key() from None
        prop = self._property(text)
        if prop is not None and "NOT NULL" in text:
            raise Invalid(Message("The value of property {prop} is not filled (column {column} does not allow NULL)",
                                  prop=prop, column=text.rsplit(' ', 1)[-1])) from None
        if prop is not None:
            raise Invalid(Message("The write is refused by a constraint of table {table} (property {prop}): {detail}",
                                  table=self.obj.table, prop=prop, detail=text)) from None
        raise Invalid(Message("The write is refused by a constraint of table {table}: {detail}",
                              table=self.obj.table, detail=text)) from None

    def _property(self, text: str) -> str | None:
        """The property mapped to the ``table.column`` SQLite names in a constraint failure."""
        places = {f"{self.obj.table}.{c.column}": name for name, c in self.obj.columns.items()}
        for tab_name, tab in self.obj.tabular_sections.items():
            places.update({f"{tab.table}.{c.column}": f"{tab_name}.{name}" for name, c in tab.columns.items()})
        for place, name in places.items():
            if text.endswith(place) or f"{place}," in text or f"{place} " in text:
                return name
        return None
