"""Quoted SQL identifiers, the same text as sqlite-utils' ``quote_identifier`` without importing
sqlite-utils (about 100 ms at process start: click, dateutil, pluggy), which only the schema
statements need::

    >>> print(q('Catalog_Goods'), q('a"b'))
    "Catalog_Goods" "a""b"
"""

from __future__ import annotations


def q(identifier: str) -> str:
    """``"identifier"`` with inner double quotes doubled (SQLite and PostgreSQL alike)."""
    return '"' + identifier.replace('"', '""') + '"'


quote_identifier = q
