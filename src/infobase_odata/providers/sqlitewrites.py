"""The object writes of the SQL provider (``provider.objects``; reference §8).

Every write is one transaction (or a savepoint of the caller's
``provider.transaction()``) of prepared statements with bound parameters; the row itself is
built by :mod:`infobase_odata.rules`, shared with the memory provider::

    with provider.transaction():                        # e.g. around business-logic handlers
        row = provider.create(currencies, {"Description": "юань"})   # Code "001" assigned
        provider.update(currencies, {"Ref_Key": row["Ref_Key"]}, {"ПолноеНаименование": "…"},
                        if_match=row["DataVersion"])

Optimistic locking is a compare-and-set: ``UPDATE … WHERE _id = ? AND DataVersion = ?`` with a
rowcount check, inside the write transaction that also read the stored row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from .sqlnames import q

from .. import model as m
from ..stores import Key, Row
from .sqlstore import SQLStore
from .. import rules as w, values as v

if TYPE_CHECKING:
    from .sqltables import SetInfo

BULK_BATCH = 5000


class SQLObjectWrites(SQLStore):
    """Creates, updates and deletes of objects and constants (independent records are the
    register store's)."""

    def _load(self, info: "SetInfo", ref: str) -> tuple[int, Row] | None:
        return self.sql._load(info, ref)

    # ---- numbering --------------------------------------------------------------------------

    def _max_number(self, info: "SetInfo") -> int:
        rule = info.numbering
        assert rule is not None
        self._lock(f"number {info.table}")  # the next number is read and used by one host at a time
        if rule.numeric:
            (top,) = self.link.run(f"SELECT max({q(rule.name)}) FROM {q(info.table)}").fetchone()
            return int(top or 0)
        # One probe per code length on the (length(code), code) index: the greatest all-digit
        # code of that length after the prefix. Lengths are compared as numbers afterwards
        # ("000000123" sorts below "999" as text).
        column, start = q(rule.name), len(rule.prefix) + 1
        probes = [
            f"(SELECT {column} FROM {q(info.table)} WHERE length({column}) = {start - 1 + width} "
            f"AND {column} BETWEEN ? AND ? AND {self.dialect.digits_only(f'substr({column}, {start})')} "
            f"ORDER BY {column} DESC LIMIT 1)"
            for width in range(1, rule.width + 1)]
        params: list[str] = []
        for width in range(1, rule.width + 1):
            params += [rule.prefix + "0" * width, rule.prefix + "9" * width]
        found = self.link.run(f"SELECT {', '.join(probes)}", params).fetchone()
        return w.max_number(rule, (code for code in found if code is not None))

    def _number(self, info: "SetInfo", rows: list[Row], current: int | None = None) -> int | None:
        """Assign empty codes of ``rows``; returns the largest number now used (for batches)."""
        rule = info.numbering
        if rule is None:
            return None
        if current is None:
            current = self._numbered(info)
        if current is None:
            current = self._max_number(info)
        w.assign_numbers(rule, rows, current)
        return max(current, w.max_number(rule, (r[rule.name] for r in rows)))

    # The largest number of a set is remembered after a create, inside its write transaction: the
    # next create of the same transaction (a $batch change set) skips the MAX probes. It is used
    # only while the connection changed no row since (``link.changes()``, SQLite's ``total_changes``: an update, a delete or a
    # handler's write makes the next create ask again); other connections cannot write meanwhile
    # (the transaction holds the write lock), and a rolled-back savepoint clears the memo.

    def _numbered(self, info: "SetInfo") -> int | None:
        link = self.link
        memo = getattr(link, "memo", None)
        if not memo or not link.depth:
            return None
        found = memo.get(("number", info.table))
        if found is None or found[1] != link.changes():
            return None
        return found[0]

    def _remember_number(self, info: "SetInfo", top: int | None) -> None:
        link = self.link
        memo = getattr(link, "memo", None)
        stamp = link.changes()
        if top is not None and memo is not None and link.depth and stamp is not None:
            memo[("number", info.table)] = (top, stamp)

    # ---- statements -------------------------------------------------------------------------

    def _insert_rows(self, info: "SetInfo", rows: list[Row]) -> None:
        encode = info.codec.encode_tuple
        try:
            if len(rows) == 1:
                self.link.run(info.insert, encode(rows[0]))
            else:
                self.link.run_many(info.insert, [encode(r) for r in rows])
        except Exception as exc:
            if not self.dialect.is_duplicate(exc):
                raise
            raise w.duplicate_key() from None
        self._insert_tabs(info, rows)

    def _insert_tabs(self, info: "SetInfo", rows: list[Row], tabs: Iterable[m.Property] | None = None) -> None:
        for tab in info.tabs if tabs is None else tabs:
            tab_info = self._info[f"{info.table}_{tab.name}"]
            lines = [tab_info.codec.encode_tuple(line) for r in rows for line in r[tab.name]]
            if lines:
                self.link.run_many(tab_info.insert, lines)

    def _delete_tabs(self, info: "SetInfo", ref: str, tabs: Iterable[m.Property]) -> None:
        for tab in tabs:
            self.link.run(f'DELETE FROM {q(info.table + "_" + tab.name)} WHERE "Ref_Key" = ?', (ref,))

    # ---- the write API ----------------------------------------------------------------------

    def create(self, entity_set: m.EntitySet, values: Row) -> Row:
        """A new object (see :func:`infobase_odata.rules.new_object`); an empty Code/Number gets the
        next one; a duplicate Ref_Key is 409 code 15 and writes nothing."""
        if entity_set.kind == m.CONSTANT:
            return self.set_constant(entity_set, v.constant_input(entity_set.entity_type, values))
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            return self.sql.registers._record_create(entity_set, values)
        w.check_writable(entity_set, "create")
        info = self._info[entity_set.name]
        row = w.new_object(entity_set, values)
        with self.transaction():
            top = self._number(info, [row])
            self._insert_rows(info, [row])
            self._remember_number(info, top)
        return row

    def bulk_insert(self, entity_set: m.EntitySet, rows: Iterable[Row]) -> int:
        """Many objects in one transaction (seeding): prepared statements in batches."""
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            return self.sql.registers._bulk_insert_records(entity_set, rows)
        info = self._info[entity_set.name]
        count = 0
        with self.transaction():
            current: int | None = None
            batch: list[Row] = []
            for values in rows:
                batch.append(w.new_object(entity_set, values))
                if len(batch) >= BULK_BATCH:
                    current = self._number(info, batch, current)
                    self._insert_rows(info, batch)
                    count += len(batch)
                    batch = []
            if batch:
                self._number(info, batch, current)
                self._insert_rows(info, batch)
                count += len(batch)
        return count

    def set_constant(self, entity_set: m.EntitySet, value: Any, *, if_match: str | None = None) -> Row:
        """Constants carry no DataVersion (reference §3.3), so ``if_match`` is not checked."""
        info = self._info[entity_set.name]
        row = v.constant_row(entity_set.entity_type, v.constant_values(entity_set.entity_type, value))
        with self.transaction():
            self.link.run(self.dialect.replace_into(info.table, info.codec.names, "SurrogateKey"), info.codec.encode_tuple(row))
        return row

    def update(self, entity_set: m.EntitySet, key: Key, values: Row, *,
               if_match: str | None = None, replace: bool = False) -> Row:
        """PATCH (``replace=False``) or PUT (see :func:`infobase_odata.rules.merge`); 404 when
        missing, 412 on a stale ``if_match`` (nothing changed); DataVersion changes only when
        the row does. Returns the stored row."""
        if entity_set.kind == m.CONSTANT:
            return self.set_constant(entity_set, v.constant_input(entity_set.entity_type, values))
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            return self.sql.registers._record_update(entity_set, key, values, replace)
        w.check_writable(entity_set, "update")
        info = self._info[entity_set.name]
        with self.transaction():
            rowid, old = self._load(info, w.key_ref(key)) or (None, None)
            row = w.updated(entity_set, old, values, if_match=if_match, replace=replace)
            if row is None:
                return old  # type: ignore[return-value]
            assert old is not None
            cursor = self.link.run(info.update, (*info.codec.encode_tuple(row), rowid, old["DataVersion"]))
            if cursor.rowcount != 1:
                raise w.stale_version()
            changed = [tab for tab in info.tabs if row[tab.name] != old[tab.name]]
            self._delete_tabs(info, row["Ref_Key"], changed)
            self._insert_tabs(info, [row], changed)
        return row

    def delete(self, entity_set: m.EntitySet, key: Key, *, if_match: str | None = None) -> None:
        """Physical delete of the object and its tabular rows; 404 / 412 as ``update``."""
        if entity_set.kind == m.INDEPENDENT_RECORDS:
            return self.sql.registers._record_delete(entity_set, key)
        w.check_writable(entity_set, "delete")
        info = self._info[entity_set.name]
        ref = w.key_ref(key)
        with self.transaction():
            found = self.link.run(f'SELECT _id, "DataVersion" FROM {q(info.table)} WHERE "Ref_Key" = ?',
                                  (ref,)).fetchone()
            w.check_stored(entity_set, None if found is None else {"DataVersion": found[1]}, if_match)
            cursor = self.link.run(f'DELETE FROM {q(info.table)} WHERE _id = ? AND "DataVersion" = ?', found)
            if cursor.rowcount != 1:
                raise w.stale_version()
            self._delete_tabs(info, ref, info.tabs)
