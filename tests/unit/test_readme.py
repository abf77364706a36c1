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


def test_configuration_reference_matches_the_classes():
    from infobase_odata.config_schema import reference_rows

    table = README.split("<!-- configuration-reference", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    expected = [f"| `{key}` | {kinds} | {kind} | {f'`{default}`' if default else ''} | {meaning} |"
                for key, kinds, kind, default, meaning in reference_rows()]
    assert rows == expected


def test_troubleshooting_lists_the_one_line_errors():
    section = README.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    for start in ("is already in use", "the name does not resolve", "does not exist (create it first)",
                  "is a directory, not a database file", "not an SQLite database", "holds tables of another application",
                  "refusing to listen on 0.0.0.0 without users", "declares no users", "unknown key 'atributes' (did you mean",
                  "duplicate object, first declared at", "has no column nme (did you mean name?)"):
        assert start in section, start


def test_readme_names_the_samples_extra_where_servers_are_used():
    using = README.split("## Using it", 1)[1].split("\n### ", 1)[0]
    assert using.index("pip install -e '.[samples]'") < using.index("gunicorn --chdir samples")
