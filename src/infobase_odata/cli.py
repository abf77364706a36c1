"""Command line: ``infobase-odata serve CONFIG`` publishes an infobase on the embedded store.

    $ infobase-odata serve samples/trade --port 8080
    Serving http://127.0.0.1:8080/trade/odata/standard.odata/
    $ infobase-odata serve shop/configuration.json --mapping shop/mapping.json --db shop.db
    $ infobase-odata check samples/trade             # what a start would check; non-zero on problems

``--get PATH`` answers one request in-process and prints the body (handy in scripts and docs;
``--user NAME:PASSWORD`` sends Basic credentials). ``infobase-odata hash-password`` prints the
password hash for a user of the configuration; ``infobase-odata schema`` the JSON Schema of
``configuration.json``. Every failure to start is one line on stderr and exit status 2.
The built-in server is threaded and accepts request lines up to 1 MiB (1C clients send long
``$filter``s); for production, run the same application under gunicorn.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import logging
import os
import sys
import time
from urllib.parse import quote

from . import __version__
from .configuration import ConfigurationError, configuration_folder, load_configuration
from .dbfile import DatabaseFileError, check_database_file, embedded_tables
from .store import is_server_database
from .listening import bind_error, is_loopback
from .importer import commands as local_double
from .logs import RequestLog, seed_progress, sql_trace
from .middleware import ODataMiddleware, is_open
from .security_auth import PBKDF2_ITERATIONS, hash_password
from .settings import SETTING_NAMES, Settings

DESCRIPTION = "The 1C:Enterprise standard OData interface (OData v3, Atom and JSON) for any WSGI application."
CLI_ONLY = ("database", "prefix", "seed_options")  # settings with a flag of their own


class StartError(Exception):
    """A reason not to start: printed as one line, exit status 2."""


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; given the ``command`` a command line names, only its sub-parser gets the
    long list of infobase arguments (each ``add_argument`` costs; a start pays for one command)."""
    parser = argparse.ArgumentParser(prog="infobase-odata", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="publish an infobase over HTTP",
                                description="Publish an infobase over HTTP (the built-in threaded server).")
    check = commands.add_parser("check", help="check a configuration, mapping and database as a start would",
                                description="Check everything a start would, change nothing; exit 1 with the problems.")
    for name, sub in (("serve", serve), ("check", check)):
        if command in (None, name):
            _infobase_arguments(sub)
    serve.add_argument("--get", metavar="PATH", help="answer one GET request for PATH and exit")
    serve.add_argument("--user", metavar="NAME:PASSWORD", help="Basic credentials of the --get request")
    serve.add_argument("--quiet", action="store_true", help="do not log requests")
    hasher = commands.add_parser("hash-password", help="print a password hash for the configuration's users")
    hasher.add_argument("password", nargs="?", help="the password (default: asked for, or read from stdin)")
    hasher.add_argument("--algorithm", choices=("pbkdf2_sha256", "scrypt"), default="pbkdf2_sha256",
                        help="hash algorithm (default: %(default)s)")
    hasher.add_argument("--iterations", type=int, default=PBKDF2_ITERATIONS,
                        help="PBKDF2 iterations (default: %(default)s)")
    commands.add_parser("schema", help="print the JSON Schema of configuration.json")
    local_double.add_arguments(commands, serve)
    return parser


def _infobase_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("configuration", help="configuration JSON file, or a folder holding configuration.json")
    command.add_argument("--mapping", metavar="MAPPING.json",
                         help="publish an existing SQLite database (--db) through this mapping file")
    command.add_argument("--db", dest="database", metavar="FILE|URL",
                         help="SQLite file (default: var/<prefix>.db; with --mapping, the site's database), "
                              "or a PostgreSQL server: postgresql://user@host/dbname (pip extra [postgresql])")
    command.add_argument("--allow-foreign-tables", action="store_true",
                         help="add the infobase's tables to a database that holds another application's")
    command.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    command.add_argument("--port", type=int, default=8080, help="port to listen on (default: %(default)s)")
    command.add_argument("--prefix", help="publication name (default: the configuration's name)")
    command.add_argument("--seed-option", dest="seed_option", action="append", metavar="NAME=VALUE",
                         help="an option of the configuration folder's seed hook, e.g. goods=100000 (repeatable)")
    for field in Settings.__dataclass_fields__.values():
        if field.name in CLI_ONLY:
            continue
        flag = "--" + field.name.replace("_", "-")
        if field.type in (bool, "bool"):
            command.add_argument(flag, dest=field.name, action=argparse.BooleanOptionalAction, default=None,
                                 help=f"{field.metadata['help']} (default: {'on' if field.default else 'off'})")
        else:
            command.add_argument(flag, dest=field.name, metavar=field.name.upper(),
                                 help=f"{field.metadata['help']} (default: {field.default})")


def hash_command(args: argparse.Namespace) -> int:
    password = args.password
    if password is None:
        if sys.stdin.isatty():
            import getpass

            password = getpass.getpass("Password: ")
        else:
            password = sys.stdin.readline().rstrip("\r\n")
    print(hash_password(password, algorithm=args.algorithm, iterations=args.iterations))
    return 0


def _build(args: argparse.Namespace, *, prepare: bool) -> ODataMiddleware:
    """The application a start would serve; ``prepare`` creates (and seeds) or installs the
    database, else it is only checked."""
    overrides = {name: getattr(args, name) for name in SETTING_NAMES
                 if getattr(args, name, None) is not None}
    if args.seed_option:
        overrides["seed_options"] = ",".join(args.seed_option)
    if args.command == "serve":
        overrides.setdefault("explorer", True)  # on by default here, off when wrapping a site
    provider = None
    if args.mapping:
        from .providers.mapped import MappedSQLiteProvider

        if args.database and is_server_database(args.database):
            raise StartError("--mapping publishes a SQLite database: --db must be a file")
        if not args.database:
            raise StartError("--mapping needs --db: the site's SQLite database the mapping describes")
        check_database_file(args.database, existing=True)
        trace = sql_trace if overrides.get("trace_sql") else None
        provider = MappedSQLiteProvider.factory(args.database, args.mapping, trace=trace)
    configuration = load_configuration(args.configuration)  # read once: the service is built from it
    settings = Settings().replace(**{k: v for k, v in overrides.items() if k in ("auth", "allow_anonymous")})
    if is_open(configuration, settings) and not settings.allow_anonymous and not is_loopback(args.host):
        raise StartError(f"refusing to listen on {args.host} without users: anyone on the network could "
                         "change every object; declare users in the configuration, listen on 127.0.0.1, "
                         "or pass --allow-anonymous")
    app = ODataMiddleware(None, configuration, provider=provider, folder=configuration_folder(args.configuration),
                          **overrides)
    service = app.service
    if not getattr(args, "get", None):  # check, or a server that will listen: every restriction parses
        service.security.validate()
    default = service.settings.database_path
    if is_server_database(default):
        pass  # a PostgreSQL server: its schema is created on first use, next to other tables
    elif not args.mapping and (args.database or os.path.exists(default)):  # the default place is created
        check_database_file(default, own_tables=embedded_tables(service.model),
                            allow_foreign=args.allow_foreign_tables, label="--db" if args.database else "database")
    store = service.provider
    if args.mapping:
        store.verify() if not prepare else store.conn  # the first connection installs the views
    elif prepare:
        if getattr(args, "fake", None):
            local_double.fill_database(service, args.fake, args.seed)
        if hasattr(store, "progress"):
            store.progress = seed_progress
        started = time.monotonic()
        store.provider  # noqa: B018 - create and seed before serving
        if time.monotonic() - started > 1:
            print(f"database ready in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return app


def _start(args: argparse.Namespace, *, prepare: bool, prefix: str) -> ODataMiddleware | None:
    """``_build``, or None after printing why not as one line (a traceback only with --debug)."""
    try:
        return _build(args, prepare=prepare)
    except (ConfigurationError, DatabaseFileError, StartError, ValueError, OSError) as exc:
        print(f"{prefix}: {exc}", file=sys.stderr)
    except Exception as exc:  # the configuration's handler or seed module failed
        if args.debug:
            raise
        print(f"{prefix}: cannot start: {type(exc).__name__}: {exc} (--debug shows the traceback)", file=sys.stderr)
    return None


def check_command(args: argparse.Namespace) -> int:
    app = _start(args, prepare=False, prefix="infobase-odata check")
    if app is None:
        return 1
    settings = app.service.settings
    source = f"mapping {args.mapping} on {args.database}" if args.mapping else f"database {settings.database_path}"
    print(f"OK: configuration {app.service.configuration.name!r} ({len(app.service.model.entity_sets)} entity sets), "
          f"{source}; would serve http://{args.host}:{args.port}/{settings.prefix}/odata/standard.odata/")
    return 0


def main(argv: list[str] | None = None) -> int:
    program = argv is None  # run as the program (console script, python -m), not called in-process
    argv = sys.argv[1:] if argv is None else argv
    args = _parser(next((word for word in argv if not word.startswith("-")), None)).parse_args(argv)
    if program and args.command == "serve":
        # The process serves (or answers --get) until it ends: what the start-up imported stays,
        # and collections need not walk it again (gc.freeze; #18, cold start).
        gc.freeze()
    if args.command == "hash-password":
        return hash_command(args)
    if args.command in local_double.COMMANDS:
        return local_double.run(args)
    if args.command == "schema":
        from .config_schema import configuration_schema

        print(json.dumps(configuration_schema(), ensure_ascii=False, indent=1))
        return 0
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    if args.command == "check":
        return check_command(args)
    app = _start(args, prepare=True, prefix="infobase-odata")
    if app is None:
        return 2
    from .explorer import landing

    app.app = landing(app.service.settings.prefix, app.explorer is not None)  # / links to both
    prefix = app.service.settings.prefix
    if args.get:
        from webob import Request

        # Non-ASCII (Cyrillic set names) is percent-encoded as a client would; escapes stay.
        request = Request.blank(quote(args.get, safe="/?&=$%(),'+:;@*!~-._"))
        if args.user:
            request.headers["Authorization"] = "Basic " + base64.b64encode(args.user.encode("utf-8")).decode("ascii")
        response = request.get_response(app)
        sys.stdout.buffer.write(response.body + b"\n")
        return 0 if response.status_code < 400 else 1
    from .httpserver import make_server  # wsgiref and socketserver: only for a server that listens

    served = app if args.quiet else RequestLog(app, sys.stderr)
    try:
        server = make_server(args.host, args.port, served)
    except (OSError, OverflowError, UnicodeError) as exc:
        print(f"infobase-odata: {bind_error(exc, args.host, args.port)}", file=sys.stderr)  # type: ignore[arg-type]
        return 2
    print(f"Serving http://{args.host}:{server.server_port}/{prefix}/odata/standard.odata/", flush=True)
    if app.explorer is not None:
        print(f"Explorer http://{args.host}:{server.server_port}/{prefix}/odata/explorer/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
