"""The ``ExchangeStore`` of the SQL providers (SQLite and PostgreSQL, the same statements): one
table of registered changes, written in the transaction of the write that made them::

    @recording(SQLExchange)
    class SQLiteProvider(...): ...

``_ibo_exchange_changes`` holds one row per (node, set, key) with the message number that carried
it (NULL: not sent yet) and when it was registered (ISO text, UTC). Registering again resets the
number (an upsert), so a confirmation never removes a change made after its message was built.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import model as m
from ..stores import Change
from .exchange import ExchangeBase, nodes_of

TABLE = "_ibo_exchange_changes"  # "_ibo_": the prefix of our own tables in a site database
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (node TEXT NOT NULL, set_name TEXT NOT NULL, "
    "key TEXT NOT NULL, message_no BIGINT, changed_at TEXT NOT NULL, PRIMARY KEY (node, set_name, key))",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_node ON {TABLE} (node, message_no)",
)


class SQLExchange(ExchangeBase):
    """Runs on ``provider.link`` (this thread's connection, inside the provider's transaction)."""

    def schema(self, db: Any) -> None:
        """Its table through the provider's schema statements (``SQLProvider._schema``)."""
        db.own_table(TABLE, _SCHEMA)

    def register(self, entity_set: m.EntitySet, key: str) -> None:
        when = self.now().isoformat(timespec="microseconds")
        rows = [(node, entity_set.name, key, when)
                for plan_set in self.plans[entity_set.name] for node in nodes_of(self.provider, plan_set)]
        if rows:
            self.provider.link.run_many(
                f"INSERT INTO {TABLE} (node, set_name, key, message_no, changed_at) VALUES (?, ?, ?, NULL, ?) "
                "ON CONFLICT (node, set_name, key) DO UPDATE SET message_no = NULL, changed_at = excluded.changed_at",
                rows)

    def select(self, plan_set: m.EntitySet, node: str, message_no: int) -> list[Change]:
        link = self.provider.link
        link.run(f"UPDATE {TABLE} SET message_no = ? WHERE node = ? AND message_no IS NULL", (message_no, node))
        cursor = link.run(f"SELECT set_name, key, changed_at FROM {TABLE} WHERE node = ? AND message_no <= ? "
                          "ORDER BY changed_at, set_name, key", (node, message_no))
        return [Change(set_name, key, _when(changed_at)) for set_name, key, changed_at in cursor.fetchall()]

    def forget(self, node: str) -> None:
        self.provider.link.run(f"DELETE FROM {TABLE} WHERE node = ?", (node,))

    def confirm(self, plan_set: m.EntitySet, node: str, message_no: int) -> int:
        cursor = self.provider.link.run(f"DELETE FROM {TABLE} WHERE node = ? AND message_no <= ?", (node, message_no))
        return cursor.rowcount


def _when(text: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(str(text))
