"""What a process start imports: ``serve --get`` on an existing database answers without the
modules only other paths need (issue #18, cold start). Each of these cost 15-100 ms at start."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import SAMPLE

NOT_AT_START = ["sqlite_utils", "jinja2", "filelock", "email.policy"]

SCRIPT = """
import sys
from infobase_odata import cli
status = cli.main(["serve", sys.argv[1], "--db", sys.argv[2], "--user", "admin:admin", "--seed-option", "goods=5",
                   "--get", "/trade/odata/standard.odata/Catalog_Goods?$top=1&$format=json"])
print("status", status, *[name for name in sys.argv[3:] if name in sys.modules])
"""


def start(database) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(SAMPLE), str(database), *NOT_AT_START],
                          capture_output=True, text=True, timeout=300, check=True)
    return done.stdout.strip().splitlines()[-1].split()


def test_a_start_on_an_existing_database_imports_only_what_the_answer_needs(tmp_path):
    database = tmp_path / "trade.db"
    first = start(database)  # creates and seeds: the schema statements need sqlite-utils
    assert first[:2] == ["status", "0"] and "sqlite_utils" in first and "filelock" in first
    assert start(database) == ["status", "0"]
