"""1,000 creates as one ``$batch`` change set vs 1,000 single POSTs over one keep-alive connection.

    python3 benchmarks/batch.py                       # about half a minute
    python3 benchmarks/batch.py --creates 1000 --rounds 3

Starts two gunicorn servers on free ports of 127.0.0.1 (``-k gthread``: keep-alive
connections, one worker): the sample infobase (``ours_app.py`` on a fresh SQLite file, seeded with
100 goods) and the baseline ``raw_writes.py`` (plain ``sqlite3`` + ``json``, one transaction per
create). Each round times, for ``Catalog_Counterparties``:

- ``single``: N ``POST`` requests one after another on one persistent ``http.client`` connection;
- ``$batch change set``: one ``POST $batch`` holding one change set of N creates (one transaction);
- ``$batch operations``: one ``POST $batch`` holding N creates outside change sets (N transactions);
- ``raw single``: the baseline's N single POSTs on one persistent connection.

Every create is checked (201, and the row count after each case). The table shows the best of
the rounds; the exit status is 0 when the change set is at least 5x faster than single POSTs.
Nothing here is run by the test suite.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import _EXTRA_FLAGS, free_port  # noqa: E402

VAR = HERE / "var"
SERVICE = "/trade/odata/standard.odata/"
SET = "Catalog_Counterparties"
AUTH = {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode("ascii")}
GOAL = 5.0


class Server:
    """gunicorn with keep-alive (gthread) in its own process group."""

    def __init__(self, module: str, database: Path) -> None:
        self.port = free_port()
        self.log = open(VAR / f"batch-{module.split(':')[0]}-{self.port}.log", "wb")
        env = dict(os.environ, BENCH_DB=str(database), BENCH_GOODS="100")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "gthread", "--threads", "2",
             "--keep-alive", "120", "--timeout", "300", "-b", f"127.0.0.1:{self.port}",
             "--chdir", str(HERE), *_EXTRA_FLAGS, module],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)

    def post(self, conn: http.client.HTTPConnection, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        conn.request("POST", SERVICE + path, body=body,
                     headers={**AUTH, "Content-Type": content_type, "Accept": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()

    def wait_ready(self, deadline: float = 120) -> None:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log.name}")
            try:
                conn = self.connection()
                status, _ = self.post(conn, SET, b'{"Description": "warm-up"}', "application/json")
                conn.close()
                if status == 201:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {deadline} s; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=30)
        self.log.close()


def create_body(number: int) -> bytes:
    return json.dumps({"Description": f"Counterparty {number}", "INN": f"77{number:08d}"}).encode("utf-8")


def single_posts(server: Server, creates: int) -> float:
    conn = server.connection()
    started = time.perf_counter()
    for number in range(creates):
        status, body = server.post(conn, SET, create_body(number), "application/json")
        if status != 201:
            raise RuntimeError(f"single POST answered {status}: {body[:300]!r}")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def batch_body(creates: int, change_set: bool) -> tuple[bytes, str]:
    boundary, inner = f"batch_{uuid.uuid4().hex}", f"changeset_{uuid.uuid4().hex}"
    delimiter = inner if change_set else boundary
    parts = [f"--{delimiter}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
             f"Content-ID: {number + 1}\r\n\r\nPOST {SET} HTTP/1.1\r\nContent-Type: application/json\r\n"
             f"Accept: application/json\r\n\r\n".encode("ascii") + create_body(number) + b"\r\n"
             for number in range(creates)]
    body = b"".join(parts)
    if change_set:
        body = (f"--{boundary}\r\nContent-Type: multipart/mixed; boundary={inner}\r\n\r\n".encode("ascii")
                + body + f"--{inner}--\r\n".encode("ascii"))
    return body + f"--{boundary}--\r\n".encode("ascii"), f"multipart/mixed; boundary={boundary}"


def one_batch(server: Server, creates: int, change_set: bool) -> float:
    body, content_type = batch_body(creates, change_set)
    conn = server.connection()
    started = time.perf_counter()
    status, answer = server.post(conn, "$batch", body, content_type)
    elapsed = time.perf_counter() - started
    conn.close()
    if status != 202 or answer.count(b"HTTP/1.1 201 Created") != creates:
        raise RuntimeError(f"$batch answered {status} with {answer.count(b'HTTP/1.1 201')} creates: {answer[:300]!r}")
    return elapsed


def count(server: Server) -> int:
    conn = server.connection()
    conn.request("GET", SERVICE + SET + "/$count", headers=AUTH)
    response = conn.getresponse()
    total = int(response.read())
    conn.close()
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    VAR.mkdir(exist_ok=True)
    databases = [VAR / "batch-ours.db", VAR / "batch-raw.db"]
    for database in databases:
        for suffix in ("", "-wal", "-shm"):
            Path(str(database) + suffix).unlink(missing_ok=True)
    ours, raw = Server("ours_app:app", databases[0]), Server("raw_writes:app", databases[1])
    best: dict[str, float] = {}
    try:
        ours.wait_ready()
        raw.wait_ready()
        cases = [("single POSTs", lambda: single_posts(ours, args.creates)),
                 ("$batch, one change set", lambda: one_batch(ours, args.creates, True)),
                 ("$batch, operations outside change sets", lambda: one_batch(ours, args.creates, False))]
        for _ in range(args.rounds):
            for name, case in cases:
                before = count(ours)
                seconds = case()
                if count(ours) != before + args.creates:
                    raise RuntimeError(f"{name}: {count(ours) - before} rows created, not {args.creates}")
                best[name] = min(best.get(name, float("inf")), seconds)
            best["raw: single POSTs"] = min(best.get("raw: single POSTs", float("inf")),
                                            single_posts(raw, args.creates))
    finally:
        ours.stop()
        raw.stop()
    single = best["single POSTs"]
    print(f"{args.creates:,} creates of {SET}, best of {args.rounds} rounds, gunicorn -k gthread on 127.0.0.1, "
          f"one keep-alive connection")
    print("| case | seconds | ms per create | speed-up vs single POSTs |")
    print("|---|---:|---:|---:|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds:.3f} | {seconds * 1000 / args.creates:.3f} | {single / seconds:.1f}x |")
    ratio = single / best["$batch, one change set"]
    print(f"goal: $batch change set >= {GOAL:.0f}x faster than single POSTs: "
          f"{'met' if ratio >= GOAL else 'MISSED'} ({ratio:.1f}x)")
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
