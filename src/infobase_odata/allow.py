"""The methods a resource accepts: the one source of the ``Allow`` header of 405 answers.

    >>> allowed_methods(Resource("collection", goods_set))
    ('GET', 'POST')

A method is listed only when a request with it can succeed (given rights): read-only sets
(tabular sections, register records, journals) take GET only; constants have no POST or DELETE;
record sets are written by PATCH/MERGE/PUT/DELETE on a recorder key (reference §8.4).
"""

from __future__ import annotations

from typing import Any

from .model import CONSTANT, RECORD_SET

_ENTITY_WRITES = ("GET", "PATCH", "MERGE", "PUT", "DELETE")


def allowed_methods(resource: Any) -> tuple[str, ...]:
    """``resource`` is a ``handlers.Resource``: its ``kind`` and ``entity_set`` decide."""
    entity_set = resource.entity_set
    if resource.kind == "action":
        return ("POST",)
    if resource.kind not in ("collection", "entity") or entity_set is None:
        return ("GET",)
    if entity_set.kind == RECORD_SET:
        return ("GET",) if resource.kind == "collection" else _ENTITY_WRITES
    if entity_set.read_only:
        return ("GET",)
    if entity_set.kind == CONSTANT:
        return ("GET", "PATCH", "MERGE", "PUT")
    return ("GET", "POST") if resource.kind == "collection" else _ENTITY_WRITES


def allow_header(resource: Any) -> str:
    return ", ".join(allowed_methods(resource))
