"""The embedded store (SQLite, or PostgreSQL for a ``postgresql://`` database): created and
seeded once, lazily, safe across gunicorn workers and hosts.

    provider = open_embedded_store(model, settings, seed_folder=Path("samples/trade"))
    provider.get(...)        # the first call creates the schema and seeds a new database

The seed hook of a configuration folder is ``<folder>/seed.py`` defining
``seed(provider, model, *, progress=None, **options)``; ``options`` come from the
``seed_options`` setting (``goods=100000`` -> ``goods=100000`` as an int; the CLI's
``--seed-option``). The library knows nothing of what a sample seeds.

A new database is recognised by ``PRAGMA user_version = 0``; creation and seeding run under an
exclusive file lock (``filelock``, portable to Windows) on ``<database>.lock`` so concurrent
workers wait for the first one. On PostgreSQL the version is a row of ``_infobase_odata_version``
and the lock an advisory lock, so the hosts of one database wait for the first one.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any, Callable

from .kinds.chart_of_calculation_types import ensure_predefined
from .logs import seed_progress, sql_trace
from .model import Model
from .providers.sqlite import SQLiteProvider
from .settings import Settings

SEEDED_VERSION = 1


def seed_options(text: str) -> dict[str, Any]:
    """``"goods=100000,name=x"`` -> ``{"goods": 100000, "name": "x"}`` (integers converted)."""
    options: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ValueError(f"seed option {item!r}: expected NAME=VALUE")
        value = value.strip()
        options[name.strip()] = int(value) if value.lstrip("-").isdigit() else value
    return options


def load_seed(folder: Path | None) -> Callable | None:
    """The ``seed(provider, model, *, progress, **options)`` hook of ``<folder>/seed.py``."""
    if folder is None or not (folder / "seed.py").is_file():
        return None
    name = f"infobase_odata_seed_{abs(hash(str(folder.resolve())))}"
    if name in sys.modules:
        return sys.modules[name].seed
    spec = importlib.util.spec_from_file_location(name, folder / "seed.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.seed


def with_predefined(model: Model, seed: Callable | None) -> Callable | None:
    """The seed of a new database: the configuration's predefined items (accounts, ext-dimension
    types) first, then the folder's seed hook."""
    from .kinds.chart_of_accounts import create_predefined, predefined_rows
    if next(predefined_rows(model), None) is None:
        return seed

    def run(provider: Any, model: Model, *, progress: Callable | None = None, **options: Any) -> Any:
        create_predefined(provider, model)
        return None if seed is None else seed(provider, model, progress=progress, **options)
    return run


def is_server_database(database: str) -> bool:
    """``postgresql://…`` / ``postgres://…``: a PostgreSQL server, not a SQLite file."""
    return database.startswith(("postgresql://", "postgres://"))


def prepare_database(provider: Any, model: Model, path: str, seed: Callable | None,
                     options: dict[str, Any], progress: Callable | None = None) -> bool:
    """Create the schema and seed a new database. Returns True when this call seeded it."""
    if is_server_database(path):
        return provider.prepare(lambda: (ensure_predefined(provider, model),
                                         seed(provider, model, progress=progress, **options) if seed else None),
                                SEEDED_VERSION) and seed is not None
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    if os.path.exists(path) and _version(path) >= SEEDED_VERSION:
        # Seeded once and for all: no lock to wait for; the schema step only checks the
        # catalog (or adds what a changed configuration needs, in its own write transaction).
        provider.create_schema()
        return False
    from filelock import FileLock  # only a process preparing a new SQLite file needs it

    with FileLock(path + ".lock"):
        version = _version(path)
        provider.create_schema()
        if version >= SEEDED_VERSION:
            return False
        ensure_predefined(provider, model)  # predefined calculation types (kinds/chart_of_calculation_types.py)
        if seed is not None:  # seeding (index builds, totals) runs without the statement budget
            seeding = SQLiteProvider(model, path, statement_timeout_ms=None)
            try:
                seed(seeding, model, progress=progress, **options)
            finally:
                seeding.close()
        connection = sqlite3.connect(path)
        try:
            connection.execute(f"PRAGMA user_version = {SEEDED_VERSION}")
            connection.commit()
        finally:
            connection.close()
        return seed is not None


def _version(path: str) -> int:
    """``PRAGMA user_version`` of a SQLite file (0: new or not seeded yet)."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA user_version").fetchone()[0]
    finally:
        connection.close()


class LazyStore:
    """Delegates to the SQLite provider after preparing the database once per process."""

    store_class = SQLiteProvider  # what stores.capabilities checks (without opening the database)

    def __init__(self, model: Model, settings: Settings, seed_folder: Path | None) -> None:
        self._model = model
        self._settings = settings
        self._seed_folder = seed_folder
        self._seed_options = seed_options(settings.seed_options)  # ValueError at start-up
        self._provider: Any = None
        self._pid = None
        self._lock = threading.Lock()
        self.progress: Callable | None = seed_progress  # logged under gunicorn too

    @property
    def provider(self) -> Any:
        if self._provider is None or self._pid != os.getpid():
            with self._lock:
                if self._provider is None or self._pid != os.getpid():
                    path = self._settings.database_path
                    provider_class: Any = SQLiteProvider
                    if is_server_database(path):
                        from .providers.postgresql import PostgreSQLProvider  # psycopg: an extra
                        provider_class = PostgreSQLProvider
                    provider = provider_class(self._model, path,
                                              statement_timeout_ms=self._settings.statement_timeout_ms or None,
                                              trace=sql_trace if self._settings.trace_sql else None)
                    prepare_database(provider, self._model, path,
                                     with_predefined(self._model, load_seed(self._seed_folder)),
                                     self._seed_options, self.progress)
                    self._provider, self._pid = provider, os.getpid()
        return self._provider

    def __getattr__(self, name: str) -> Any:
        return getattr(self.provider, name)

    # The reads of every request, delegated directly: ``__getattr__`` runs only after a failed
    # lookup, whose AttributeError cost about a twentieth of an entity-by-key request.
    def get(self, entity_set: Any, key: Any) -> Any:
        return self.provider.get(entity_set, key)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self.provider.get_many(*args, **kwargs)

    def query(self, *args: Any, **kwargs: Any) -> Any:
        return self.provider.query(*args, **kwargs)

    def count(self, *args: Any, **kwargs: Any) -> Any:
        return self.provider.count(*args, **kwargs)


def open_embedded_store(model: Model, settings: Settings, seed_folder: Path | None = None) -> LazyStore:
    return LazyStore(model, settings, seed_folder)
