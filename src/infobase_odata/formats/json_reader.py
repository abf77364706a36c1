"""Reading JSON entity bodies of POST/PUT/PATCH (reference §8.1-8.3, §3.4).

The body is parsed strictly (no NaN/Infinity, exact decimals, bounded integers and nesting,
no duplicate keys) and converted by :mod:`.body_values`; only the properties present are
returned::

    >>> read_entity('{"Description": "Шлепанцы", "Price": 10.5}'.encode(), goods_set, model)
    {'Description': 'Шлепанцы', 'Price': Decimal('10.50')}

Every malformed body is ``ODataError`` code 2 (HTTP 400); duplicate keys are rejected (code 2)
rather than "last wins", so that a body never means two things. Invalid values are code 4.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from itertools import accumulate
from typing import Any

from ..i18n import Message
from ..model import EntitySet, Model
from .body_values import bad_request, read_object

MAX_DEPTH = 20  # entity, tabular list, row: 3 levels are needed
MAX_INT_DIGITS = 40  # Number has at most 38 digits (§3.1)
MAX_FLOAT_CHARS = 100

# A string literal, or an unterminated one up to the end: this never fails to match, so the
# scan stays linear (a failing pattern would retry from every quote: quadratic).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*\\?(?:"|\Z)', re.S)
_BRACKET = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _depth(text: str) -> int:
    """Deepest bracket nesting outside strings, without recursion (C-speed scans)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0  # the common case: too few brackets to nest too deeply
    brackets = _BRACKET.findall(_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _reject_constant(name: str) -> Any:
    raise bad_request(Message("{name} is not a JSON number", name=name))


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise bad_request(Message("an integer literal longer than {limit} digits", limit=MAX_INT_DIGITS))
    return int(text)


def _parse_float(text: str) -> Decimal:
    if len(text) > MAX_FLOAT_CHARS:
        raise bad_request(Message("a number literal longer than {limit} characters", limit=MAX_FLOAT_CHARS))
    return Decimal(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise bad_request(Message('duplicate key "{duplicate}"', duplicate=duplicate))
    return result


# One decoder for every body, as ``json.loads`` keeps one for its defaults (building one per
# call was a tenth of reading a small entity).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_parse_float, parse_int=_parse_int,
                            object_pairs_hook=_object)


def parse_object(body: bytes) -> dict[str, Any]:
    """The top-level JSON object of ``body``; any malformation is code 2 / HTTP 400."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bad_request(Message("the body is not valid UTF-8 (byte {start})", start=exc.start)) from None
    if not text.strip():
        raise bad_request(Message("the body is empty"))
    if _depth(text) > MAX_DEPTH:
        raise bad_request(Message("JSON nested deeper than {limit} levels", limit=MAX_DEPTH))
    try:
        data = _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise bad_request(Message("malformed JSON at line {lineno} column {colno}",
                                      lineno=exc.lineno, colno=exc.colno)) from None
        raise bad_request(Message("malformed JSON")) from None
    if not isinstance(data, dict):
        raise bad_request(Message("the top-level JSON value must be an object"))
    return data


def read_entity(body: bytes, entity_set: EntitySet, model: Model, *, base: str = "") -> dict[str, Any]:
    """Properties present in a JSON entity body, converted for the provider.

    ``odata.metadata``/``odata.type`` and ``X@odata.*`` annotations are ignored;
    ``Nav@odata.bind`` sets ``Nav_Key``; ``DataVersion`` comes back as ``__DataVersion``."""
    data = parse_object(body)
    return read_object(entity_set.entity_type, data, model, textual=False, base=base)
