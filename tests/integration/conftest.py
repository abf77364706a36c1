"""Real server processes on 127.0.0.1 and a free port, stopped when the test ends."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("admin", "admin")  # the sample configuration's full-rights user


def get(url: str, **kwargs) -> requests.Response:
    """``requests.get`` as the sample's admin."""
    return requests.get(url, auth=ADMIN, **kwargs)


def admin_session() -> requests.Session:
    session = requests.Session()
    session.auth = ADMIN
    return session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server(command: list[str], ready_url: str, log: Path, *, cwd: Path = ROOT, env: dict | None = None,
           timeout: float = 90):
    """Start ``command``, wait until ``ready_url`` answers, yield the process, then stop it."""
    environment = dict(os.environ, **(env or {}))
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=environment, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    pytest.fail(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
                try:
                    if requests.get(ready_url, timeout=30).status_code < 500:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"server did not answer within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.2)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def gunicorn_command(*args: str) -> list[str]:
    """gunicorn as the README recommends it for 1C clients (underscored headers, long URLs)."""
    return [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "2", "--timeout", "60",
            "--header-map", "dangerous", "--limit-request-line", "0", *args]


@contextlib.contextmanager
def cli_serving(folder: Path, database: str):
    """``python -m infobase_odata serve samples/trade --db DATABASE`` on a free port; yields the
    service root."""
    port = free_port()
    root = f"http://127.0.0.1:{port}/trade/odata/standard.odata/"
    command = [sys.executable, "-m", "infobase_odata", "serve", "samples/trade", "--db", database,
               "--port", str(port), "--seed-option", "goods=300", "--quiet"]
    with server(command, root, folder / "server.log"):
        yield root


@pytest.fixture(scope="module")
def cli_server(tmp_path_factory):
    """``python -m infobase_odata serve samples/trade`` on a free port; yields the service root."""
    folder = tmp_path_factory.mktemp("cli")
    with cli_serving(folder, str(folder / "trade.db")) as root:
        yield root


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cli_server_both(request, tmp_path_factory):
    """``cli_server`` on a SQLite file, and on a schema of the session's throwaway PostgreSQL
    cluster (``--db postgresql://…``)."""
    folder = tmp_path_factory.mktemp("cli")
    database = (request.getfixturevalue("pg_server").fresh_url() if request.param == "postgresql"
                else str(folder / "trade.db"))
    with cli_serving(folder, database) as root:
        yield root
