"""Bulk loading: many rows into the store of a service, for a configuration declared in Python
or in a file, without reaching for a provider module::

    service = make_service(Configuration("shop", [Catalog(name="Goods")]), database="shop.db")
    bulk_load(service, {"Catalog_Goods": ({"Description": f"Item {i}"} for i in range(100_000))})

Rows are stored as ``POST`` would store them (new Ref_Key, empty values, numbering, DataVersion)
but without event handlers or rights checks; one transaction per entity set.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .stores import BulkLoader, ObjectWriter, capabilities


def bulk_load(target: Any, data: Mapping[str, Iterable[Mapping[str, Any]]]) -> dict[str, int]:
    """Load ``{entity set name: rows}`` into ``target`` (an ``ODataService``, an
    ``ODataMiddleware`` or a provider with its ``model``); returns the rows stored per set.
    Uses the store's ``bulk_insert`` when it has one, else ``create`` in one transaction."""
    service = getattr(target, "service", target)
    provider = getattr(service, "provider", service)
    model = getattr(service, "model", None) or getattr(provider, "model")
    found = capabilities(provider)
    counts: dict[str, int] = {}
    for name, rows in data.items():
        entity_set = model.entity_set(name)
        if entity_set is None:
            raise KeyError(f"no entity set {name!r} in the model")
        if BulkLoader in found:
            counts[name] = provider.bulk_insert(entity_set, (dict(row) for row in rows))
            continue
        if ObjectWriter not in found:
            raise TypeError(f"{type(provider).__name__} cannot store rows (no ObjectWriter)")
        count = 0
        with provider.transaction():
            for row in rows:
                provider.create(entity_set, dict(row))
                count += 1
        counts[name] = count
    return counts
