"""What a process start imports: ``serve --get`` on an existing database answers JSON without the
modules only other paths need (issue #18, cold start). Each of these cost 5-100 ms at start;
each is named with the path that loads it, and the second test shows those paths still load
them (so that a misspelt name here cannot pass unnoticed)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from tests.conftest import SAMPLE

JSON_GET = "/trade/odata/standard.odata/Catalog_Goods?$top=1&$format=json"

# module -> the request (or command) that loads it
LAZY = {
    "sqlite_utils": "creating the database",
    "filelock": "creating the database",
    "email.policy": "$batch (multipart)",
    "jinja2": "an explorer page",
    "markupsafe": "an explorer page",
    "infobase_odata.explorer.views": "an explorer page",
    "infobase_odata.explorer.client": "an explorer page",
    "importlib.resources": "the explorer's stylesheet",
    "lxml": "$metadata, an Atom body to read",
    "infobase_odata.formats.csdl": "$metadata",
    "parsimonious": "the first $filter/$orderby/$select/$expand or role restriction",
    "regex": "the first $filter (parsimonious)",
    "infobase_odata.query.grammar": "the first $filter",
    "infobase_odata.batch": "$batch",
    "infobase_odata.multipart": "$batch",
    "wsgiref.simple_server": "serve without --get",
    "socketserver": "serve without --get",
    "infobase_odata.httpserver": "serve without --get",
    "infobase_odata.importer.importing": "import-metadata",
    "infobase_odata.importer.edmx": "import-metadata",
    "difflib": "a configuration error's 'did you mean'",
    "infobase_odata.register_handlers": "a register's record set or virtual table, Post/Unpost",
    "infobase_odata.calculation_handlers": "a register's virtual table (register_handlers)",
    "infobase_odata.writes": "a write, a register's virtual table (register_handlers)",
    "infobase_odata.exchange_handlers": "SelectChanges/NotifyChangesReceived (a POST: see the last test)",
    "infobase_odata.process_handlers": "a business process's Start, a task's ExecuteTask (a POST: last test)",
    "uuid": "a new object's Ref_Key (a write), predefined items (a new database)",
    "platform": "uuid",
}
NOT_AT_START = list(LAZY)

# A module the interpreter loaded before ours (a site .pth file may import certifi, and with it
# importlib.resources) says nothing of our start: only modules new since then are reported.
SCRIPT = """
import os, sys
preloaded = set(sys.modules)
from infobase_odata import cli
paths = sys.argv[3].split()
out = os.dup(1)
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the bodies
statuses = [cli.main(["serve", sys.argv[1], "--db", sys.argv[2], "--user", "admin:admin", "--seed-option", "goods=5",
                      "--get", path]) for path in paths]
sys.stdout.flush()
os.dup2(out, 1)
print("status", *statuses, *[name for name in sys.argv[4:] if name in sys.modules and name not in preloaded])
"""


def start(database, *paths: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(SAMPLE), str(database), " ".join(paths or [JSON_GET]),
                           *NOT_AT_START], capture_output=True, text=True, timeout=300, check=True)
    return done.stdout.strip().splitlines()[-1].split()


def preloaded_by_the_interpreter() -> set[str]:
    done = subprocess.run([sys.executable, "-c", "import sys; print(*sys.modules)"], capture_output=True, text=True,
                          timeout=60, check=True)
    return set(done.stdout.split())


def test_a_start_on_an_existing_database_imports_only_what_the_answer_needs(tmp_path):
    database = tmp_path / "trade.db"
    first = start(database)  # creates and seeds: the schema statements need sqlite-utils
    assert first[:2] == ["status", "0"] and "sqlite_utils" in first and "filelock" in first
    assert "uuid" in first  # the seed's objects get new keys
    assert start(database) == ["status", "0"]


def test_the_paths_that_need_them_still_load_them(tmp_path):
    database = tmp_path / "trade.db"
    start(database)
    loaded = start(database, JSON_GET, "/trade/odata/standard.odata/$metadata",
                   "/trade/odata/standard.odata/Catalog_Goods?$filter=Price%20gt%201&$format=json",
                   "/trade/odata/explorer/Catalog_Goods", "/trade/odata/explorer/-/explorer.css",
                   "/trade/odata/standard.odata/AccumulationRegister_Stock/Balance()?$format=json")
    assert loaded[:7] == ["status", "0", "0", "0", "0", "0", "0"]
    assert all(importlib.util.find_spec(name) for name in NOT_AT_START)  # each name is a real module
    assert set(loaded[7:]) == {"lxml", "infobase_odata.formats.csdl", "parsimonious", "regex",
                               "infobase_odata.query.grammar", "jinja2", "markupsafe", "infobase_odata.explorer.views",
                               "infobase_odata.explorer.client", "importlib.resources", "infobase_odata.register_handlers",
                               "infobase_odata.calculation_handlers", "infobase_odata.writes"} - preloaded_by_the_interpreter()


DEFERRED = """
import importlib
from infobase_odata import routes
from infobase_odata.lazy import DeferredHandler
handlers = [route.handler for route in routes.ROUTES] + list(routes.ACTIONS.values())
deferred = [handler for handler in handlers if isinstance(handler, DeferredHandler)]
assert all(callable(getattr(importlib.import_module(h.module), h.name)) for h in deferred), deferred
print(*sorted({handler.module for handler in deferred}))
"""


def test_every_handler_imported_on_first_use_names_a_function_of_its_module():
    # A fresh process: once a handler module is imported, the table holds its functions themselves.
    done = subprocess.run([sys.executable, "-c", DEFERRED], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["infobase_odata.calculation_handlers", "infobase_odata.exchange_handlers",
                                   "infobase_odata.process_handlers", "infobase_odata.register_handlers",
                                   "infobase_odata.writes"]
