"""The provider as the HTTP side reads it: sets whose rows a kind module computes (journals)
are answered by that module's reader, everything else by the provider itself::

    reads = KindReads(provider, model)
    reads.query(model.entity_set("DocumentJournal_Warehouse"), QueryOptions(top=5))
"""

from __future__ import annotations

from typing import Any

from .. import model as m
from . import KINDS, kind_of


class KindReads:
    """Delegates every attribute to the provider, the four reads of computed sets excepted."""

    def __init__(self, provider: Any, model: m.Model) -> None:
        self.provider = provider
        self._readers = {kind.set_kind: kind.reader(provider, model) for kind in KINDS if kind.reader}
        # sets of kinds with a store of their own (accounting registers: provider.accounting)
        self._stores = {kind.name: store for kind in KINDS
                        if kind.store and (store := getattr(provider, kind.store, None)) is not None}
        self._routes: dict[str, Any] = {}  # entity-set name -> what answers it

    def _for(self, entity_set: m.EntitySet) -> Any:
        found = self._routes.get(entity_set.name)
        if found is None:
            kind = kind_of(entity_set.source)
            found = self._stores.get(kind.name) if kind is not None else None
            if found is None:
                found = self._readers.get(entity_set.kind, self.provider)
            self._routes[entity_set.name] = found
        return found

    def read_record_set(self, entity_set: m.EntitySet, *args: Any, **kwargs: Any) -> Any:
        return self._for(entity_set).read_record_set(entity_set, *args, **kwargs)

    def write_record_set(self, entity_set: m.EntitySet, *args: Any, **kwargs: Any) -> Any:
        return self._for(entity_set).write_record_set(entity_set, *args, **kwargs)

    def bulk_write_record_sets(self, entity_set: m.EntitySet, *args: Any, **kwargs: Any) -> Any:
        return self._for(entity_set).bulk_write_record_sets(entity_set, *args, **kwargs)

    def virtual_table(self, entity_set: m.EntitySet, *args: Any, **kwargs: Any) -> Any:
        return self._for(entity_set).virtual_table(entity_set, *args, **kwargs)

    def query(self, entity_set: m.EntitySet, *args: Any, **kwargs: Any) -> Any:
        return self._for(entity_set).query(entity_set, *args, **kwargs)

    def count(self, entity_set: m.EntitySet, *args: Any, **kwargs: Any) -> Any:
        return self._for(entity_set).count(entity_set, *args, **kwargs)

    def get(self, entity_set: m.EntitySet, key: Any) -> Any:  # the hot path: no argument packing
        return self._for(entity_set).get(entity_set, key)

    def get_many(self, entity_set: m.EntitySet, *args: Any, **kwargs: Any) -> Any:
        return self._for(entity_set).get_many(entity_set, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.provider, name)
