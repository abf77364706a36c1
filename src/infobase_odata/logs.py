"""Logs of the command line and of servers: the request log, the SQL trace, seeding progress.

    app = RequestLog(app, sys.stderr)      # 2026-01-31T10:30:00Z 127.0.0.1 "GET /… HTTP/1.1" 200 3.1 ms
    SQLiteProvider(model, path, trace=sql_trace)            # logger infobase_odata.sql, INFO
    seed(provider, model, progress=seed_progress)           # logged under gunicorn too

Progress and trace go to the ``infobase_odata`` loggers when the host configured logging, and
straight to stderr otherwise (gunicorn does not configure them), so a worker seeding a new
database is never silent for minutes.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
import time
from typing import Callable, Iterable, TextIO
from urllib.parse import quote

log = logging.getLogger("infobase_odata")
sql_log = logging.getLogger("infobase_odata.sql")


def _emit(logger: logging.Logger, message: str) -> None:
    if logger.hasHandlers() and logger.isEnabledFor(logging.INFO):
        logger.info(message)
    else:
        print(message, file=sys.stderr, flush=True)


def seed_progress(name: str, done: int, total: int) -> None:
    """``progress`` of a seed function: one line per batch, with the process id."""
    _emit(log, f"[{os.getpid()}] seeding {name}: {done}/{total}")


def sql_trace(statement: str) -> None:
    """``trace`` of the SQLite provider: every statement executed."""
    _emit(sql_log, f"SQL: {statement}")


def _ascii(text: str) -> str:
    """WSGI strings carry the request's bytes as latin-1: logged percent-encoded."""
    return quote(text.encode("latin-1", "replace"), safe="/?&=%:@!$'()*+,;-._~")


def timestamp() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class RequestLog:
    """WSGI wrapper writing one line per request once its body was sent: UTC time, client
    address, request line, status and duration."""

    def __init__(self, app: Callable, stream: TextIO) -> None:
        self.app, self.stream = app, stream

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = ["-"]

        def start(code: str, headers: list, exc_info=None):
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        body = self.app(environ, start)
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            target = _ascii(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
            query = _ascii(environ.get("QUERY_STRING", ""))
            target += "?" + query if query else ""
            millis = (time.perf_counter() - started) * 1000
            self.stream.write(f"{timestamp()} {environ.get('REMOTE_ADDR', '-')} "
                              f"\"{environ.get('REQUEST_METHOD', '-')} {target[:2000]} "
                              f"{environ.get('SERVER_PROTOCOL', '')}\" {status[0]} {millis:.1f} ms\n")
            self.stream.flush()
