"""What differs between SQL engines, in one object the compiler and the stores ask: identifier
quoting, LIKE escaping, placeholders, LIMIT/OFFSET, null-safe equality, booleans, ordering,
replace-or-insert, key lists, the function names of the filter calls::

    SQLITE.quote("Catalog_Валюты")               # '"Catalog_Валюты"'
    SQLITE.limit(":_top", ":_skip")              # ' LIMIT :_top OFFSET :_skip' (no limit: -1)
    POSTGRESQL.same("a", "b")                    # '(a IS NOT DISTINCT FROM b)'
    POSTGRESQL.order("t0.x", dec=False, desc=False)  # 't0.x NULLS FIRST' (SQLite's null order)

Statements are written once with SQLite's placeholders (``?`` and ``:name``); the PostgreSQL
connection (``pgconn``) rewrites them to psycopg's. Date arithmetic and exact decimals are the
functions of ``sqlfunctions`` (registered on each SQLite connection) and ``pgfunctions``
(created with the PostgreSQL schema), under the same names.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

from .sqlnames import quote_identifier


class Dialect:
    """The SQLite dialect; another engine subclasses it and overrides what differs."""

    name = "sqlite"
    param = "?"  # the positional placeholder
    like_escape = "\\"  # the ESCAPE character of LIKE patterns
    no_limit: int | None = -1  # the LIMIT value meaning "all rows"
    begin_write = "BEGIN IMMEDIATE"  # takes the write lock at the start of a write transaction
    true, false = "1", "0"  # boolean constants in SQL
    temp_schema = "temp"  # the schema of temporary tables
    native_bool = False  # booleans stored as 0/1 (True: a BOOLEAN column)
    row_lock = ""  # appended to the write side's read of a stored row (SQLite: the write lock is held)

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

    def limit_values(self, top: int | None, skip: int | None) -> str:
        """LIMIT/OFFSET with literal numbers (``top`` None: all rows)."""
        return self.limit(str(self.no_limit if top is None else int(top)), str(int(skip or 0)))

    def replace_into(self, table: str, names: Iterable[str], key: str | None = None) -> str:
        """Insert a row, replacing the one with the same primary key ``key`` (default: the
        first name)."""
        names = list(names)
        return (f"INSERT OR REPLACE INTO {self.quote(table)} ({', '.join(self.quote(n) for n in names)}) "
                f"VALUES ({', '.join(self.param for _ in names)})")

    def add_into(self, table: str, keys: Sequence[str], amounts: Sequence[str]) -> str:
        """Insert a row, or add its ``amounts`` to the row with the same ``keys`` (the totals
        upsert: one statement, atomic under concurrent writers)."""
        t = self.quote(table)
        cols = [self.quote(n) for n in (*keys, *amounts)]
        increments = ", ".join(f"{c} = {t}.{c} + excluded.{c}" for c in map(self.quote, amounts))
        return (f"INSERT INTO {t} ({', '.join(cols)}) VALUES ({', '.join(self.param for _ in cols)}) "
                f"ON CONFLICT ({', '.join(map(self.quote, keys))}) DO UPDATE SET {increments}")

    # ---- expressions ------------------------------------------------------------------------

    def same(self, a: str, b: str) -> str:
        """Null-safe equality (``eq`` of OData: null eq null is true)."""
        return f"({a} IS {b})"

    def not_same(self, a: str, b: str) -> str:
        return f"({a} IS NOT {b})"

    def not_true(self, condition: str) -> str:
        """``condition`` is false or unknown (the ``all`` lambda)."""
        return f"({condition}) IS NOT 1"

    def bool_value(self, value: bool) -> Any:
        """A boolean as a bound parameter."""
        return int(value)

    def text_param(self, placeholder: str) -> str:
        """A bound text value where the engine cannot infer the type from the context."""
        return placeholder

    def order(self, sql: str, *, dec: bool, desc: bool) -> str:
        """An ORDER BY item; ``dec``: ``sql`` is decimal text. Nulls sort first (SQLite's order)."""
        return sql + (" COLLATE odata_decimal" if dec else "") + (" DESC" if desc else "")

    def modulo(self, a: str, b: str) -> str:
        """Integer remainder, truncated toward zero; null when ``b`` is 0 (``evaluate.arith``)."""
        return f"({a} % {b})"

    def position(self, text: str, part: str) -> str:
        """1-based position of ``part`` in ``text`` (0: absent)."""
        return f"instr({text}, {part})"

    def lower(self, sql: str) -> str:
        return f"py_lower({sql})"

    def upper(self, sql: str) -> str:
        return f"py_upper({sql})"

    def clamp(self, sql: str, low: int, high: int) -> str:
        """``sql`` limited to ``[low, high]`` (null stays null)."""
        return f"min(max({sql}, {low}), {high})"

    def to_integer(self, sql: str) -> str:
        """A decimal text truncated toward zero to an integer."""
        return f"CAST({sql} AS INTEGER)"

    def digits_only(self, sql: str) -> str:
        """``sql`` holds only the digits 0-9 (or is empty)."""
        return f"{sql} NOT GLOB '*[^0-9]*'"

    def total(self, sql: str) -> str:
        """SUM of integers, as an integer."""
        return f"SUM({sql})"

    def is_duplicate(self, exc: BaseException) -> bool:
        """``exc`` is a unique-key violation."""
        return "UNIQUE" in str(exc) and type(exc).__name__ == "IntegrityError"

    def in_list(self, column: str, values: list[Any]) -> tuple[str, list]:
        """``column`` is one of ``values``: the condition and its parameters."""
        return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(values)]

    def join_keys(self, columns: Sequence[str], keys: list[list[Any]]) -> tuple[str, list]:
        """``JOIN`` of the rows (alias ``t0``) whose ``columns`` equal one of ``keys``, and its
        parameters (alias ``j`` for the key list)."""
        if len(columns) == 1:
            on = f"t0.{self.quote(columns[0])} = j.value"
            return f"JOIN json_each(?) AS j ON {on}", [json.dumps([k[0] for k in keys])]
        on = " AND ".join(f"t0.{self.quote(n)} = json_extract(j.value, '$[{i}]')" for i, n in enumerate(columns))
        return f"JOIN json_each(?) AS j ON {on}", [json.dumps(keys)]


class PostgreSQLDialect(Dialect):
    """PostgreSQL: ``IS NOT DISTINCT FROM``, native booleans, ``LIMIT ALL``, ``ON CONFLICT``,
    nulls first, text compared and ordered by code point (``COLLATE "C"`` columns) while case
    mapping uses ICU (as Python's ``str.lower``)."""

    name = "postgresql"
    no_limit = None
    begin_write = "BEGIN"
    true, false = "TRUE", "FALSE"
    temp_schema = "pg_temp"
    native_bool = True
    row_lock = " FOR UPDATE"

    def limit_values(self, top: int | None, skip: int | None) -> str:
        return self.limit("ALL" if top is None else str(int(top)), str(int(skip or 0)))

    def replace_into(self, table: str, names: Iterable[str], key: str | None = None) -> str:
        names = list(names)
        key = key or names[0]
        sets = ", ".join(f"{self.quote(n)} = EXCLUDED.{self.quote(n)}" for n in names if n != key)
        return (f"INSERT INTO {self.quote(table)} ({', '.join(self.quote(n) for n in names)}) "
                f"VALUES ({', '.join(self.param for _ in names)}) ON CONFLICT ({self.quote(key)}) "
                + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING"))

    def same(self, a: str, b: str) -> str:
        return f"({a} IS NOT DISTINCT FROM {b})"

    def not_same(self, a: str, b: str) -> str:
        return f"({a} IS DISTINCT FROM {b})"

    def not_true(self, condition: str) -> str:
        return f"({condition}) IS NOT TRUE"

    def bool_value(self, value: bool) -> Any:
        return bool(value)

    def text_param(self, placeholder: str) -> str:
        return f"CAST({placeholder} AS TEXT)"

    def order(self, sql: str, *, dec: bool, desc: bool) -> str:
        if dec:
            sql = f"CAST({sql} AS NUMERIC)"
        return sql + (" DESC NULLS LAST" if desc else " NULLS FIRST")

    def modulo(self, a: str, b: str) -> str:
        return f"({a} % NULLIF({b}, 0))"  # x % 0 raises division_by_zero; SQLite gives null

    def position(self, text: str, part: str) -> str:
        return f"strpos({text}, {part})"

    def lower(self, sql: str) -> str:
        return f'(lower({sql} COLLATE "und-x-icu") COLLATE "C")'

    def upper(self, sql: str) -> str:
        return f'(upper({sql} COLLATE "und-x-icu") COLLATE "C")'

    def clamp(self, sql: str, low: int, high: int) -> str:
        return f"CAST(CASE WHEN {sql} IS NOT NULL THEN LEAST(GREATEST({sql}, {low}), {high}) END AS INTEGER)"

    def to_integer(self, sql: str) -> str:
        return f"CAST(TRUNC(CAST({sql} AS NUMERIC)) AS BIGINT)"

    def digits_only(self, sql: str) -> str:
        return f"{sql} !~ '[^0-9]'"

    def total(self, sql: str) -> str:
        return f"CAST(SUM({sql}) AS BIGINT)"

    def is_duplicate(self, exc: BaseException) -> bool:
        return getattr(exc, "sqlstate", None) == "23505"

    def in_list(self, column: str, values: list[Any]) -> tuple[str, list]:
        return f"{column} = ANY(?)", [list(values)]

    def join_keys(self, columns: Sequence[str], keys: list[list[Any]]) -> tuple[str, list]:
        names = [f"k{i}" for i in range(len(columns))]
        values = ", ".join("(" + ", ".join("?" for _ in columns) + ")" for _ in keys)
        on = " AND ".join(f"t0.{self.quote(n)} = j.{k}" for n, k in zip(columns, names))
        return (f"JOIN (VALUES {values}) AS j({', '.join(names)}) ON {on}",
                [x for k in keys for x in k])


SQLITE = Dialect()
POSTGRESQL = PostgreSQLDialect()
