"""Checks of a database file given on the command line (``--db``), before anything is created.

    check_database_file("var/trade.db", own_tables=embedded_tables(model))   # the embedded store
    check_database_file("shop.db", existing=True)                             # a mapped site

Each failure is a :class:`DatabaseFileError` with a one-line message: a missing directory (never
created silently), a directory or a file that is not an SQLite database, a missing file where a
mapping needs the site's database, or, for the embedded store, a database that already holds
another application's tables (``allow_foreign=True`` accepts it; publishing another
application's tables is what ``--mapping`` is for).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Iterable

from .model import Model

SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseFileError(ValueError):
    """A ``--db`` that cannot be used; the message is one line naming the file."""


def embedded_tables(model: Model) -> set[str]:
    """The tables the embedded SQLite store creates for ``model`` (recorded, not executed)."""
    from .providers.sqlite import SQLiteProvider
    from .providers.sqlschemacheck import SchemaCheck

    check = SchemaCheck()
    SQLiteProvider(model, ":memory:", statement_timeout_ms=None)._schema(check)  # opens nothing
    return check.table_names()


def check_database_file(path: str, *, own_tables: Iterable[str] | None = None, existing: bool = False,
                        allow_foreign: bool = False, label: str = "--db") -> None:
    """Refuse a ``--db`` the store cannot use (see the module docstring). ``own_tables``: the
    embedded store's tables (foreign ones are refused); ``existing``: the file must exist;
    ``label`` names where the path came from in messages."""
    where = f"{label} {path}"
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise DatabaseFileError(f"{where}: is a directory, not a database file (give a file name, e.g. "
                                f"{os.path.join(path, 'infobase.db')})")
    if not os.path.isdir(directory):
        raise DatabaseFileError(f"{where}: the directory {directory} does not exist (create it first)")
    if not os.path.exists(path):
        if existing:
            raise DatabaseFileError(f"{where}: no such file (a mapping publishes an existing database)")
        return
    try:
        with open(path, "rb") as source:
            header = source.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseFileError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    if header and header != SQLITE_HEADER:
        raise DatabaseFileError(f"{where}: not an SQLite database (is it the right file?)")
    if own_tables is None or not header:
        return
    try:
        connection = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            names = [row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name")]
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise DatabaseFileError(f"{where}: cannot be read as an SQLite database ({exc})") from None
    foreign = [name for name in names if name not in set(own_tables)]
    if foreign and not allow_foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise DatabaseFileError(f"{where}: holds tables of another application ({shown}); publish them "
                                "with --mapping, or add the infobase's tables anyway with --allow-foreign-tables")
