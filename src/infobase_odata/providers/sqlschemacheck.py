"""Whether a SQLite file already holds everything ``create_schema`` would create: one read of
``sqlite_master`` at a process's first connection instead of the schema statements (each
``IF NOT EXISTS`` costs sqlite-utils several catalog queries, and importing sqlite-utils ~100 ms)::

    check = SchemaCheck()
    provider._schema(check)          # records the tables, indexes and constant rows it would make
    if not check.present(conn):
        ...                          # run the statements (SQLiteDDL), as on a new database

Index names follow sqlite-utils' ``create_index`` (``idx_<table>_<columns>``, spaces of the table
name as ``_``) and ``SQLiteDDL.length_index``. Anything missing or different sends the caller
down the full path, which creates only what is missing.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Sequence

from .sqlnames import q


def index_name(table: str, columns: Sequence[str]) -> str:
    return "idx_{}_{}".format(table.replace(" ", "_"), "_".join(columns))


class SchemaCheck:
    """Records the calls of the schema interface of ``sqlschema`` (``SQLiteDDL``) without
    executing them; :meth:`present` tells whether the database already has their result."""

    def __init__(self) -> None:
        self.tables: list[str] = []
        self.indexes: list[str] = []
        self.clustered: list[tuple[str, str]] = []  # (table, the unique index a rowid table needs)
        self.rows: list[str] = []  # constant tables whose single row must exist

    def table(self, name: str, columns: dict[str, Any], pk: str | None = None) -> None:
        self.tables.append(name)

    def index(self, table: str, columns: Sequence[str], unique: bool = False) -> None:
        self.indexes.append(index_name(table, columns))

    def clustered_table(self, name: str, columns: dict[str, Any], key: Sequence[str]) -> None:
        self.clustered.append((name, index_name(name, key)))

    def length_index(self, table: str, column: str) -> None:
        self.indexes.append(f"idx_{table}_{column}_length")

    def insert_ignore(self, table: str, row: dict[str, Any]) -> None:
        self.rows.append(table)

    def own_table(self, name: str, statements: Sequence[str]) -> None:
        self.tables.append(name)

    def table_names(self) -> set[str]:
        return set(self.tables) | {name for name, _ in self.clustered}

    def present(self, conn: sqlite3.Connection) -> bool:
        found = {(kind, name): sql for kind, name, sql in
                 conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'index')")}
        if any(("table", name) not in found for name in self.tables):
            return False
        if any(("index", name) not in found for name in self.indexes):
            return False
        for name, index in self.clustered:
            sql = found.get(("table", name))
            if sql is None or ("WITHOUT ROWID" not in sql.upper() and ("index", index) not in found):
                return False
        return all(conn.execute(f'SELECT 1 FROM {q(table)} WHERE "SurrogateKey" = 0').fetchone()
                   for table in self.rows)
