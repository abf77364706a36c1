"""Where a cold start's time goes, in one fresh process (run by ``run.py``'s cold start)::

    python benchmarks/cold_phases.py DATABASE URL     # prints one JSON line of milliseconds

The same steps as ``infobase-odata serve samples/trade --db DATABASE --user admin:admin --get URL``
(``cli.main``), timed in-process: importing webob, importing the rest (the CLI and the library),
building the application (configuration, model, service, provider), then the first request,
of which one PBKDF2 check of the sample's 100,000-iteration admin hash (``hashlib.pbkdf2_hmac``
timed where it is called). The interpreter's own start is not in it (``run.py`` prints
``python -c pass`` beside it).
"""

from __future__ import annotations

import time

started = time.perf_counter()

import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import webob  # noqa: E402,F401

webob_done = time.perf_counter()

from infobase_odata import cli  # noqa: E402

imports_done = time.perf_counter()
spent = {"pbkdf2": 0.0, "build": 0.0}


def _timed(function, key):
    def timed(*args, **kwargs):
        begin = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - begin
    return timed


hashlib.pbkdf2_hmac = _timed(hashlib.pbkdf2_hmac, "pbkdf2")
cli._build = _timed(cli._build, "build")
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples", "trade")
body = os.dup(1)
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
# As the program runs it (argv from sys.argv: cli.main then freezes the start-up's objects).
sys.argv = ["infobase-odata", "serve", root, "--db", sys.argv[1], "--user", "admin:admin", "--get", sys.argv[2]]
status = cli.main()
sys.stdout.flush()
os.dup2(body, 1)
finished = time.perf_counter()
if status != 0:
    sys.exit(status)
ms = {
    "import webob": webob_done - started,
    "other imports": imports_done - webob_done,
    "build": spent["build"],
    "first request + arguments": finished - imports_done - spent["build"] - spent["pbkdf2"],
    "PBKDF2": spent["pbkdf2"],
    "in-process total": finished - started,
}
print(json.dumps({name: round(1000 * value, 1) for name, value in ms.items()}))
