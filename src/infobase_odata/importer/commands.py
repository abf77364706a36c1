"""The CLI side of the local double: ``import-metadata``, ``fake`` and ``serve --fake N``.

    $ infobase-odata import-metadata ut-metadata.xml --out var/ut
    $ infobase-odata fake var/ut --rows 100 --seed 1 --db var/ut.db
    $ infobase-odata serve var/ut --fake 100 --seed 1
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from ..store import prepare_database

COMMANDS = ("import-metadata", "fake")


def add_arguments(commands: Any, serve: argparse.ArgumentParser) -> None:
    importer = commands.add_parser("import-metadata", help="import a 1C $metadata (file or service URL) "
                                   "as a configuration folder")
    importer.add_argument("source", help="a $metadata file, or the URL of a service (…/odata/standard.odata/)")
    importer.add_argument("--out", required=True, help="folder for configuration.json and import-report.json")
    importer.add_argument("--user", help="HTTP Basic user name for a URL")
    importer.add_argument("--password", default="", help="HTTP Basic password for a URL")
    importer.add_argument("--name", help="publication name (default: the --out folder's name)")
    importer.add_argument("--no-check", dest="check", action="store_false",
                          help="skip the round trip (serving the result and comparing the $metadata)")
    fake = commands.add_parser("fake", help="fill a new database with plausible rows (Faker, ru_RU)")
    fake.add_argument("configuration", help="configuration JSON file, or a folder holding configuration.json")
    fake.add_argument("--db", dest="database", help="SQLite file (default: <prefix>.db)")
    fake.add_argument("--rows", type=int, default=100, help="objects per catalog, document, ... (default 100)")
    fake.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same rows")
    serve.add_argument("--fake", type=int, metavar="N", help="fill a new database with N plausible rows per object")
    serve.add_argument("--seed", type=int, default=0, help="random seed of --fake")


def run(args: argparse.Namespace) -> int:
    from .edmx import MetadataError

    try:
        if args.command == "import-metadata":
            return import_command(args)
        return fake_command(args)
    except MetadataError as exc:
        print(f"infobase-odata: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"infobase-odata: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def import_command(args: argparse.Namespace) -> int:
    from . import import_metadata

    started = time.monotonic()
    result = import_metadata(args.source, args.out, user=args.user, password=args.password, name=args.name,
                             check=args.check)
    objects = len(result.configuration["objects"])
    checked = (f"{len(result.report['round_trip']['differences'])} round-trip differences" if args.check
               else "round trip not checked")
    print(f"{objects} objects imported in {time.monotonic() - started:.1f} s into {args.out}/configuration.json; "
          f"{len(result.report['defaults'])} defaults, {checked} (see {args.out}/import-report.json)")
    return 0


def fake_command(args: argparse.Namespace) -> int:
    from ..configuration import ConfigurationError
    from ..middleware import make_service

    overrides = {"database": args.database} if args.database else {}
    try:
        service = make_service(args.configuration, **overrides)
    except (ConfigurationError, ValueError) as exc:
        print(f"infobase-odata: {exc}", file=sys.stderr)
        return 2
    path = service.settings.database_path
    try:
        filled = fill_database(service, args.rows, args.seed)
    except (ConfigurationError, ValueError) as exc:
        print(f"infobase-odata: {exc}", file=sys.stderr)
        return 2
    if filled:
        print(f"{path}: {args.rows} rows per object (seed {args.seed})")
        return 0
    print(f"infobase-odata: {path} already holds data; remove it to fill a new one", file=sys.stderr)
    return 1


def fill_database(service: Any, rows: int, seed: int) -> bool:
    """Create and fill ``service``'s embedded database unless it already exists (True when filled)."""
    from ..fake import fill
    from ..providers.sqlite import SQLiteProvider

    path = service.settings.database_path
    provider = SQLiteProvider(service.model, path)

    def seed_function(provider: Any, model: Any, *, progress: Any) -> None:
        fill(provider, model, rows=rows, seed=seed, events=service.events, progress=progress)

    def progress(name: str, done: int, total: int) -> None:
        print(f"  faking {name}: {done}/{total}", file=sys.stderr, flush=True)

    return prepare_database(provider, service.model, path, seed_function, {}, progress)
