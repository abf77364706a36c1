"""JSONFileProvider: an infobase kept in one JSON file, the example of a non-SQL provider.

Built on :class:`~infobase_odata.providers.python.PythonProvider`, it implements only where the
objects live (the four storage methods) and when they are persisted (the transaction hooks);
everything else (queries, numbering, If-Match, tabular-section sets) comes from the base class
and it passes the same contract suite as the built-in providers::

    provider = JSONFileProvider(model, "infobase.json")
    ODataMiddleware(app.wsgi_app, "configuration.json", provider=provider)

The file holds ``{"<entity set>": {"<Ref_Key>": {<property>: <value>, ...}}}`` with numbers
and dates as text (``"12.50"``, ``"2024-01-31T10:30:00"``); it is read on first use and again
whenever another process replaced it, and written (to a temporary file, then renamed) when a
transaction commits.  Writers of several processes are serialized by a file lock on
``<file>.lock`` (``filelock``: portable to Windows).  Everything is held in memory: meant for small data sets.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from decimal import Decimal
from typing import Any, Iterable

from filelock import FileLock

from .. import edm, model as m
from ..stores import Row
from .. import values as v
from .python import PythonProvider


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return edm.format_datetime(value)
    if isinstance(value, bytes):  # a ValueStorage payload
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list):
        return [{k: _plain(x) for k, x in line.items()} for line in value]
    return value


class JSONFileProvider(PythonProvider):
    def __init__(self, model: m.Model, path: str | os.PathLike) -> None:
        super().__init__(model)
        self.path = os.fspath(path)
        self._data: dict[str, dict[str, Row]] = {}
        self._stamp: tuple[int, int] | None = None
        self._file_lock = FileLock(self.path + ".lock", thread_local=False)

    # ---- storage ------------------------------------------------------------------------------

    def rows(self, entity_set: m.EntitySet) -> Iterable[Row]:
        return list(self._data.get(entity_set.name, {}).values())

    def fetch(self, entity_set: m.EntitySet, key: str) -> Row | None:
        return self._data.get(entity_set.name, {}).get(key)

    def store(self, entity_set: m.EntitySet, key: str, row: Row) -> None:
        self._data.setdefault(entity_set.name, {})[key] = row

    def remove(self, entity_set: m.EntitySet, key: str) -> None:
        self._data.get(entity_set.name, {}).pop(key, None)

    # ---- the file -----------------------------------------------------------------------------

    def _file_stamp(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def refresh(self) -> None:
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return
        with open(self.path, encoding="utf-8") as source:
            raw = json.load(source)
        self._data = {name: {key: self._decode(name, row) for key, row in rows.items()}
                      for name, rows in raw.items() if name in self.model.entity_sets}
        self._stamp = stamp

    def _decode(self, set_name: str, raw: dict[str, Any]) -> Row:
        entity_type = self.model.entity_sets[set_name].entity_type
        row = v.complete_row(v.scalar_properties(entity_type), raw)
        for prop in v.tabular_properties(entity_type):
            assert prop.row_type is not None
            row[prop.name] = [v.complete_row(prop.row_type.properties, line) for line in raw.get(prop.name, [])]
        return row

    def begin(self) -> None:
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        self._file_lock.acquire()
        self.refresh()  # another process may have written while we waited for the lock

    def commit(self) -> None:
        try:
            data = {name: {key: {k: _plain(x) for k, x in row.items()} for key, row in rows.items()}
                    for name, rows in self._data.items()}
            temporary = f"{self.path}.{os.getpid()}.tmp"
            with open(temporary, "w", encoding="utf-8") as target:
                json.dump(data, target, ensure_ascii=False, indent=1)
            os.replace(temporary, self.path)
            self._stamp = self._file_stamp()
        finally:
            self._unlock()

    def rollback(self) -> None:
        self._unlock()

    def _unlock(self) -> None:
        if self._file_lock.is_locked:
            self._file_lock.release(force=True)
