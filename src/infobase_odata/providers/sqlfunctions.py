"""Python functions registered on every SQLite connection, so SQL agrees with ``evaluate.py``.

SQLite's own ``lower``/``upper`` fold ASCII only, its date modifiers roll month overflow
forward (1C clamps ``dateadd`` to the month's end) and it has no exact decimal type; these
functions call the very helpers the Python evaluator uses::

    register(conn)
    conn.execute("SELECT odata_like(?, ?)", ("Шлепанцы", "Шл%")).fetchone()  # (1,)
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from typing import Any

from .. import edm
from ..query import evaluate as ev


def _date(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _dec(text: Any) -> Decimal | None:
    return ev.dec(text)


def _dec_text(value: Decimal | int | None) -> str | None:
    return None if value is None else str(value)


def dec_from_int(value: int | None, scale: int) -> str | None:
    return None if value is None else str(Decimal(value).scaleb(-scale))


def dec_arith(op: str, a: Any, b: Any) -> str | None:
    return _dec_text(ev.arith(op, _dec(a), _dec(b)))


def dec_cmp(a: Any, b: Any) -> int | None:
    a, b = _dec(a), _dec(b)
    if a is None or b is None:
        return None
    return (a > b) - (a < b)


def dec_eq(a: Any, b: Any) -> int:
    """Null-safe equality (``IS``) of two decimal texts."""
    a, b = _dec(a), _dec(b)
    if a is None or b is None:
        return int(a is None and b is None)
    return int(a == b)


def dec_neg(a: Any) -> str | None:
    a = _dec(a)
    return None if a is None else str(ev.EXACT.minus(a))


def dec_round(kind: str, a: Any) -> str | None:
    a = _dec(a)
    return None if a is None else str(ev.round_number(kind, a))


def dec_format(a: Any) -> str | None:
    """The text a number has inside a composite / after cast(x,'String'): ``12.5``."""
    a = _dec(a)
    if a is None:
        return None
    return edm.format_decimal(int(a) if a == a.to_integral_value() and a.as_tuple().exponent >= 0 else a)


def dec_norm(a: Any) -> str | None:
    """A text read as a number (cast to 'Number'): null unless plain decimal digits."""
    if a is None or isinstance(a, (int, float)):
        return _dec_text(_dec(a))
    return _dec_text(ev.number_from_text(a))


def date_norm(text: Any) -> str | None:
    """A text read as a date (cast to 'Date'): stored date text, or null."""
    value = ev.date_from_text(text) if isinstance(text, str) else None
    return None if value is None else edm.format_datetime(value)


def like(value: str | None, template: str | None) -> int | None:
    result = ev.like(value, template)
    return None if result is None else int(result)


def date_part(part: str, text: str | None) -> int | None:
    d = _date(text)
    return None if d is None else ev.DATE_PARTS[part](d)


def date_add(text: str | None, unit: str | None, amount: Any) -> str | None:
    amount = _dec(amount)
    result = ev.date_add(_date(text), unit, amount)
    return None if result is None else edm.format_datetime(result)


def date_difference(a: str | None, b: str | None, unit: str | None) -> int | None:
    return ev.date_difference(_date(a), _date(b), unit)


def py_lower(s: str | None) -> str | None:
    return None if s is None else s.lower()


def py_upper(s: str | None) -> str | None:
    return None if s is None else s.upper()


def decimal_collation(a: str, b: str) -> int:
    x, y = Decimal(a), Decimal(b)
    return (x > y) - (x < y)


FUNCTIONS: list[tuple[str, int, Any]] = [
    ("dec_from_int", 2, dec_from_int), ("dec_arith", 3, dec_arith), ("dec_cmp", 2, dec_cmp),
    ("dec_eq", 2, dec_eq), ("dec_neg", 1, dec_neg), ("dec_round", 2, dec_round),
    ("dec_format", 1, dec_format), ("dec_norm", 1, dec_norm), ("date_norm", 1, date_norm),
    ("odata_like", 2, like),
    ("date_part", 2, date_part), ("date_add", 3, date_add), ("date_difference", 3, date_difference),
    ("py_lower", 1, py_lower), ("py_upper", 1, py_upper),
]


def register(conn: sqlite3.Connection) -> None:
    for name, nargs, func in FUNCTIONS:
        conn.create_function(name, nargs, func, deterministic=True)
    conn.create_collation("odata_decimal", decimal_collation)
