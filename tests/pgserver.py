"""A throwaway PostgreSQL cluster for the tests: ``initdb`` + ``pg_ctl`` on a free port in a
temporary directory (as the ``postgres`` system user when the tests run as root, since
PostgreSQL refuses to run as root), stopped at the end of the session::

    server = PgServer.start(tmp_path)
    url = server.fresh_url()      # a new, empty schema: postgresql://...?options=-csearch_path%3Dt_1
    server.stop()

Debian's ``postgresql`` package provides the binaries (``.ci/run`` installs it); without them
the tests that need the server fail with this explanation rather than being skipped.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import quote

import psycopg


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("PostgreSQL is not installed (initdb not found): `apt-get install postgresql` "
                           "(.ci/run does it) to run the PostgreSQL tests")
    return os.path.dirname(initdb)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, directory: Path, port: int, as_user: list[str]) -> None:
        self.directory, self.port, self.as_user = directory, port, as_user
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        self._schemas = itertools.count(1)

    @classmethod
    def start(cls, directory: Path) -> "PgServer":
        bindir = _bindir()
        as_user: list[str] = []
        if os.geteuid() == 0:
            as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(directory, "postgres", "postgres")
        data = directory / "data"
        port = _free_port()
        run = lambda *args: subprocess.run([*as_user, *args], check=True, capture_output=True, text=True)  # noqa: E731
        run(f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
            "--locale=C.UTF-8")
        options = (f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        run(f"{bindir}/pg_ctl", "-D", str(data), "-o", options, "-l", str(directory / "log"), "-w", "start")
        server = cls(directory, port, as_user)
        server.bindir = bindir
        return server

    def fresh_url(self) -> str:
        """A URL whose connections see only a new, empty schema (``search_path``)."""
        name = f"t_{os.getpid()}_{next(self._schemas)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        return f"{self.url}?options={quote(f'-csearch_path={name}')}"

    def stop(self) -> None:
        subprocess.run([*self.as_user, f"{self.bindir}/pg_ctl", "-D", str(self.directory / "data"),
                        "-m", "immediate", "stop"], capture_output=True)
