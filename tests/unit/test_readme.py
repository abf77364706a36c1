"""The README keeps the two set-up commands and a settings table that matches Settings."""

from __future__ import annotations

from pathlib import Path

from infobase_odata.settings import help_table

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
CI = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")

RUN_COMMAND = "python3 -m pip install -e . && infobase-odata serve samples/trade"
TEST_COMMAND = "python3 -m pip install -e '.[test]' && python3 -m pytest"


def test_readme_starts_with_the_two_commands():
    setup = README.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    blocks = [b.strip() for b in setup.split("```")[1::2]]
    assert blocks == [RUN_COMMAND, TEST_COMMAND]


def test_ci_runs_the_readme_test_command():
    assert TEST_COMMAND in CI


def test_settings_table_matches_settings():
    table = README.split("<!-- settings-table", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    expected = [f"| `{name}` | `{default}` | {help} |" for name, default, help in help_table()]
    assert rows == expected
