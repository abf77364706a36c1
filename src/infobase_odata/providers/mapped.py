"""MappedSQLiteProvider: publish a site's existing SQLite tables through a mapping.

    mapping = load_mapping("mapping.json")              # see infobase_odata.mapping
    provider = MappedSQLiteProvider(model, "shop.db", mapping)
    goods = model.entity_set("Catalog_Goods")
    provider.query(goods, QueryOptions(filter=...))      # SQL over the view "Catalog_Goods"

    # or let the middleware build the model and hand it over:
    ODataMiddleware(app.wsgi_app, "configuration.json",
                    provider=MappedSQLiteProvider.factory("shop.db", "mapping.json"))

Mapped objects are read through views named like their entity sets (``mappedschema``), so the
SQLite provider's read path and SQL compiler run unchanged: filters, ordering, paging, counts,
navigation and ``any``/``all`` stay in SQL, joining on the site's own keys (``mappedsql``).
Objects the mapping does not name are stored in the provider's own tables in the same file.

Writes (``mappedwrites``) go to the site's tables (mapped, writable columns only) and the side
table in one ``BEGIN IMMEDIATE`` transaction.  The site may write the same file at the same
time: connections use WAL and a busy timeout; DataVersion is a hash of the row's presented
values, compared inside the write transaction, so a row the site changed after a client read it
is 412 for that client rather than a lost update.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .sqlnames import q

from .. import model as m
from ..mapping import KeyCodec, Mapping, load_mapping
from ..stores import Key, Row
from . import mappedsql
from .mappedschema import SchemaPlan, check_view_names, install
from .mappedwrites import MappedObjectWrites
from .sql import Compiler
from .sqlconn import Link
from .sqlite import SQLiteProvider
from .sqlprovider import SQLProvider
from .sqltables import SetInfo


class MappedSQLiteProvider(SQLiteProvider):
    """``mapping``: a :class:`~infobase_odata.mapping.Mapping`, its dict, or a JSON file path.
    Other keyword arguments are those of :class:`SQLiteProvider`."""

    def __init__(self, model: m.Model, path: str | os.PathLike, mapping: Mapping | dict | str | os.PathLike,
                 **kwargs: Any) -> None:
        if isinstance(mapping, (str, os.PathLike)):
            mapping = load_mapping(mapping)
        elif isinstance(mapping, dict):
            mapping = Mapping.from_dict(mapping)
        self.mapping = mapping.bind(model)
        self.key_codecs: dict[str, KeyCodec] = {}
        self.mapped_sets: set[str] = set()
        for object_id, obj in self.mapping.objects.items():
            names = [object_id] + [f"{object_id}_{tab}" for tab in obj.tabular_sections]
            self.mapped_sets.update(names)
            if obj.keys is not None:
                self.key_codecs.update(dict.fromkeys(names, obj.keys))
        super().__init__(model, path, **kwargs)
        for info in self._info.values():
            es = info.entity_set
            info.codec = mappedsql.MappedCodec(es.entity_type.properties, es.name, self.key_codecs)
        self._plans: dict[str, SchemaPlan] = {}

    def _build_stores(self) -> None:
        super()._build_stores()
        self.objects = MappedObjectWrites(self)

    @classmethod
    def factory(cls, path: str | os.PathLike, mapping: Mapping | dict | str | os.PathLike,
                **kwargs: Any) -> Callable[[m.Model], "MappedSQLiteProvider"]:
        """A ``provider=`` for :class:`~infobase_odata.middleware.ODataMiddleware` that is built
        with the service's model."""
        return lambda model: cls(model, path, mapping, **kwargs)

    # ---- connections and schema ------------------------------------------------------------

    @property
    def link(self) -> Link:
        link = SQLProvider.link.fget(self)  # type: ignore[attr-defined]
        local = self._local
        if getattr(local, "mapped_conn", None) is not link.conn:
            mappedsql.register(link.conn)
            local.mapped_conn = link.conn
        return link

    def _stored_sets(self) -> Iterable[SetInfo]:
        return [info for name, info in self._info.items() if name not in self.mapped_sets]

    def create_schema(self) -> None:
        """The provider's own tables, then per mapped object: check the site's tables (PRAGMA
        table_info), create the side table and (re)create the views whose SQL changed."""
        super().create_schema()
        codecs = {name: info.codec for name, info in self._info.items()}
        with self.transaction() as conn:
            for object_id, obj in self.mapping.objects.items():
                plan = SchemaPlan(conn, obj, self.model.entity_sets[object_id], codecs)
                install(conn, plan)
                self._plans[object_id] = plan

    def verify(self) -> None:
        """Check the mapping against the database without changing it (``infobase-odata check``):
        the same :class:`MappingError` the first connection would raise."""
        conn = sqlite3.connect(Path(self.path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            codecs = {name: info.codec for name, info in self._info.items()}
            for object_id, obj in self.mapping.objects.items():
                check_view_names(conn, SchemaPlan(conn, obj, self.model.entity_sets[object_id], codecs))
        finally:
            conn.close()

    def plan(self, object_id: str) -> SchemaPlan:
        conn = self.conn  # the first connection of the process builds the plans
        plan = self._plans.get(object_id)
        if plan is None:  # another thread is still creating the schema: only read table_info
            codecs = {name: info.codec for name, info in self._info.items()}
            plan = SchemaPlan(conn, self.mapping.objects[object_id], self.model.entity_sets[object_id], codecs)
            self._plans[object_id] = plan
        return plan

    def _count(self, info: SetInfo, where_sql: str, params: dict) -> int:
        """``$count``/``$inlinecount`` of a mapped object: over the site's table alone when the
        conditions name no column of the view that comes from the side table (or DataVersion)."""
        name = info.entity_set.name
        if name not in self.mapping.objects:
            return super()._count(info, where_sql, params)
        plan = self.plan(name)
        site = {"Ref_Key", *plan.columns}
        if any(f't0."{n}"' in where_sql for n in info.codec.names if n not in site):
            return super()._count(info, where_sql, params)
        if not where_sql:
            sql = f"SELECT count(*) FROM {q(plan.mapping.table)}"
        else:
            sql = plan.lean_count_sql() + where_sql
        return self._counted(sql, params)

    def _compiler(self, entity_set: m.EntitySet) -> Compiler:
        return mappedsql.MappedCompiler(self.model, entity_set, self.key_codecs)

    # ---- reads by key ----------------------------------------------------------------------

    def stored_key(self, entity_set: m.EntitySet, ref: Any) -> Any:
        """The value the database holds for a Ref_Key (an id for integer keys; None when a GUID
        cannot be one of this set's keys)."""
        kc = self.key_codecs.get(entity_set.name)
        return str(ref).lower() if kc is None else kc.id(ref)

    def get(self, entity_set: m.EntitySet, key: Key) -> Row | None:
        if entity_set.name not in self.key_codecs:
            return super().get(entity_set, key)
        info = self._info[entity_set.name]
        ident = self.stored_key(entity_set, key["Ref_Key"])
        if ident is None:
            return None
        sql, params = f'{info.select} WHERE t0."Ref_Key" = ?', [ident]
        if entity_set.kind == m.TABULAR_SECTION:
            sql, params = sql + ' AND t0."LineNumber" = ?', params + [int(key["LineNumber"])]
        return self._one(info, sql, params)

    def get_many(self, entity_set: m.EntitySet, keys: Iterable[Key]) -> Iterator[Row]:
        if entity_set.name not in self.key_codecs:
            return super().get_many(entity_set, keys)
        info = self._info[entity_set.name]
        tabular = entity_set.kind == m.TABULAR_SECTION
        packed = []
        for key in keys:
            ident = self.stored_key(entity_set, key["Ref_Key"])
            if ident is not None:
                packed.append([ident, int(key["LineNumber"])] if tabular else [ident])
        on = "t0.\"Ref_Key\" = json_extract(j.value, '$[0]')"
        if tabular:
            on += " AND t0.\"LineNumber\" = json_extract(j.value, '$[1]')"
        cursor = self.link.run(f"{info.select} JOIN json_each(?) AS j ON {on}", (json.dumps(packed),))
        return self._rows(info, cursor, info.tabs)

    def _owner_ids(self, info: SetInfo, rows: list[Row]) -> list[Any]:
        kc = self.key_codecs.get(info.entity_set.name)
        return super()._owner_ids(info, rows) if kc is None else [kc.id(r["Ref_Key"]) for r in rows]
