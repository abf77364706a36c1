"""Command line: ``infobase-odata serve CONFIG`` publishes an infobase on the embedded store.

    $ infobase-odata serve samples/trade --port 8080
    Serving http://127.0.0.1:8080/trade/odata/standard.odata/

``--get PATH`` answers one request in-process and prints the body (handy in scripts and docs;
``--user NAME:PASSWORD`` sends Basic credentials). ``infobase-odata hash-password`` prints the
password hash for a user of the configuration.
The built-in server is threaded and accepts request lines up to 1 MiB (1C clients send long
``$filter``s); for production, run the same application under gunicorn.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from socketserver import ThreadingMixIn
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

from .configuration import ConfigurationError
from .middleware import ODataMiddleware
from .security_auth import PBKDF2_ITERATIONS, hash_password
from .settings import SETTING_NAMES, Settings

MAX_REQUEST_LINE = 1024 * 1024


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64


class _LongLineHandler(WSGIRequestHandler):
    """wsgiref's handler with a 1 MiB request-line limit instead of 64 KiB."""

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = ServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(),
                                multithread=True)
        handler.request_handler = self
        handler.run(self.server.get_app())

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


def _progress(name: str, done: int, total: int) -> None:
    print(f"  seeding {name}: {done}/{total}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="infobase-odata", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="publish an infobase over HTTP")
    serve.add_argument("configuration", help="configuration JSON file, or a folder holding configuration.json")
    serve.add_argument("--db", dest="database", help="SQLite file of the embedded store (default: <prefix>.db)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--prefix", help="publication name (default: the configuration's name)")
    serve.add_argument("--seed-option", dest="seed_option", action="append", metavar="NAME=VALUE",
                       help="an option of the configuration folder's seed hook, e.g. goods=100000 (repeatable)")
    serve.add_argument("--get", metavar="PATH", help="answer one GET request for PATH and exit")
    serve.add_argument("--user", metavar="NAME:PASSWORD", help="Basic credentials of the --get request")
    serve.add_argument("--quiet", action="store_true", help="do not log requests")
    for field in Settings.__dataclass_fields__.values():
        if field.name in ("database", "prefix", "seed_options"):
            continue
        flag = "--" + field.name.replace("_", "-")
        serve.add_argument(flag, dest=field.name, help=field.metadata["help"])
    hasher = commands.add_parser("hash-password", help="print a password hash for the configuration's users")
    hasher.add_argument("password", nargs="?", help="the password (default: asked for, or read from stdin)")
    hasher.add_argument("--algorithm", choices=("pbkdf2_sha256", "scrypt"), default="pbkdf2_sha256")
    hasher.add_argument("--iterations", type=int, default=PBKDF2_ITERATIONS, help="PBKDF2 iterations")
    return parser


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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "hash-password":
        return hash_command(args)
    overrides = {name: getattr(args, name) for name in SETTING_NAMES
                 if getattr(args, name, None) is not None}
    if args.seed_option:
        overrides["seed_options"] = ",".join(args.seed_option)
    try:
        app = ODataMiddleware(None, args.configuration, **overrides)
    except (ConfigurationError, ValueError) as exc:
        print(f"infobase-odata: {exc}", file=sys.stderr)
        return 2
    store = app.service.provider
    if hasattr(store, "progress"):
        store.progress = _progress
    started = time.monotonic()
    store.provider if hasattr(store, "provider") else None  # create and seed before serving
    if time.monotonic() - started > 1:
        print(f"database ready in {time.monotonic() - started:.1f} s", file=sys.stderr)
    prefix = app.service.settings.prefix
    if args.get:
        from webob import Request

        request = Request.blank(args.get)
        if args.user:
            request.headers["Authorization"] = "Basic " + base64.b64encode(args.user.encode("utf-8")).decode("ascii")
        response = request.get_response(app)
        sys.stdout.buffer.write(response.body + b"\n")
        return 0 if response.status_code < 400 else 1
    handler = _LongLineHandler
    if args.quiet:
        handler = type("_QuietHandler", (_LongLineHandler,), {"log_message": lambda *a: None})
    server = make_server(args.host, args.port, app, server_class=_ThreadingServer, handler_class=handler)
    print(f"Serving http://{args.host}:{server.server_port}/{prefix}/odata/standard.odata/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
