"""What differs between SQL engines, in one object the compiler and the stores ask: identifier
quoting, LIKE escaping, the placeholder, LIMIT/OFFSET, replace-or-insert, the write lock.

    SQLITE.quote("Catalog_Валюты")               # '"Catalog_Валюты"'
    SQLITE.limit(":_top", ":_skip")              # ' LIMIT :_top OFFSET :_skip' (no limit: -1)
    SQLITE.replace_into("Constant_X", ["SurrogateKey", "Value"])

A PostgreSQL store would be a sibling of the SQLite one with another ``Dialect`` (``%s``
placeholders, ``LIMIT NULL``, ``INSERT … ON CONFLICT (key) DO UPDATE``, ``SELECT … FOR
UPDATE``) and another connection, the compiler (``sql.py``) unchanged. Date arithmetic and
exact decimals are the functions ``sqlfunctions`` registers on each SQLite connection.
"""

from __future__ import annotations

from typing import Iterable

from sqlite_utils.db import quote_identifier


class Dialect:
    """The SQLite dialect; another engine subclasses it and overrides what differs."""

    name = "sqlite"
    param = "?"  # the positional placeholder
    like_escape = "\\"  # the ESCAPE character of LIKE patterns
    no_limit: int | None = -1  # the LIMIT value meaning "all rows"
    begin_write = "BEGIN IMMEDIATE"  # takes the write lock at the start of a write transaction

    def quote(self, identifier: str) -> str:
        return quote_identifier(identifier)

    def escape_like(self, text: str) -> str:
        """``text`` matched literally inside a LIKE pattern (``%`` and ``_`` escaped)."""
        esc = self.like_escape
        return text.replace(esc, esc * 2).replace("%", esc + "%").replace("_", esc + "_")

    def like(self, subject: str, pattern: str, escape: str) -> str:
        """``subject LIKE pattern`` with ``escape`` (a bound parameter holding ``like_escape``)."""
        return f"({subject} LIKE {pattern} ESCAPE {escape})"

    def limit(self, top: str, skip: str) -> str:
        return f" LIMIT {top} OFFSET {skip}"

    def replace_into(self, table: str, names: Iterable[str]) -> str:
        """Insert a row, replacing the one with the same primary or unique key."""
        names = list(names)
        return (f"INSERT OR REPLACE INTO {self.quote(table)} ({', '.join(self.quote(n) for n in names)}) "
                f"VALUES ({', '.join(self.param for _ in names)})")


SQLITE = Dialect()
