"""The CLI's built-in HTTP server: wsgiref, threaded, with request lines up to 1 MiB (1C clients
send long ``$filter``s). For production, run the same application under gunicorn::

    server = make_server("127.0.0.1", 8080, app)
    server.serve_forever()
"""

from __future__ import annotations

import sys
from socketserver import ThreadingMixIn
from typing import Callable
from wsgiref import simple_server
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

MAX_REQUEST_LINE = 1024 * 1024


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 64


class _LongLineHandler(WSGIRequestHandler):
    """wsgiref's handler with a 1 MiB request-line limit instead of 64 KiB; requests are logged
    by :class:`~infobase_odata.logs.RequestLog` (with their duration), errors here."""

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

    def log_request(self, code="-", size="-") -> None:
        pass

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


def make_server(host: str, port: int, app: Callable) -> WSGIServer:
    """A threaded server bound to ``host:port`` (OSError when it cannot listen)."""
    return simple_server.make_server(host, port, app, server_class=_ThreadingServer, handler_class=_LongLineHandler)
