"""The first hour with the command line: one-line errors instead of tracebacks, safe defaults
for a configuration without users, --version, on/off flags, check, the request log, --trace-sql
and publishing an existing database with --mapping."""

from __future__ import annotations

import errno
import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infobase_odata import __version__
from infobase_odata.cli import main
from infobase_odata.listening import bind_error, is_loopback
from tests.conftest import ROOT

TRADE = str(ROOT / "samples" / "trade")
SITE = ROOT / "samples" / "existing_site"
OPEN_CONFIGURATION = {"name": "open", "objects": [{"kind": "Catalog", "name": "Books"}]}


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infobase_odata", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout)


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def open_configuration(tmp_path) -> str:
    path = tmp_path / "configuration.json"
    path.write_text(json.dumps(OPEN_CONFIGURATION), encoding="utf-8")
    return str(path)


# ---- --version, help, description ----------------------------------------------------------------

def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"infobase-odata {__version__}"


def test_help_shows_defaults_and_on_off_flags_without_markup(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--port PORT port to listen on (default: 8080)" in text
    assert "--host HOST address to listen on (default: 127.0.0.1)" in text
    assert "--debug, --no-debug" in text and "--trace-sql, --no-trace-sql" in text
    assert "--check-if-match, --no-check-if-match" in text
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "``" not in capsys.readouterr().out


def test_on_off_flags_set_boolean_settings(tmp_path, capsys):
    database = str(tmp_path / "trade.db")
    base = ["serve", TRADE, "--db", database, "--seed-option", "goods=10", "--user", "admin:admin"]
    assert main(base + ["--no-check-if-match", "--debug", "--get", "/trade/odata/standard.odata/"]) == 0
    capsys.readouterr()
    assert main(base + ["--page-size", "2", "--get", "/trade/odata/standard.odata/Catalog_Units?$format=json"]) == 0
    assert "odata.nextLink" in capsys.readouterr().out


def test_get_of_a_cyrillic_path_is_answered(tmp_path, capsys):
    base = ["serve", TRADE, "--db", str(tmp_path / "trade.db"), "--seed-option", "goods=5", "--user", "admin:admin"]
    assert main(base + ["--get", "/trade/odata/standard.odata/Catalog_Валюты?$format=json"]) == 0
    assert '"value"' in capsys.readouterr().out


# ---- --db ----------------------------------------------------------------------------------------

def test_db_in_a_missing_directory_is_refused(tmp_path):
    result = run_cli("serve", TRADE, "--db", str(tmp_path / "nowhere" / "trade.db"), "--get", "/")
    assert result.returncode == 2
    assert one_line(result.stderr) == (f"infobase-odata: --db {tmp_path / 'nowhere' / 'trade.db'}: "
                                       f"the directory {tmp_path / 'nowhere'} does not exist (create it first)")
    assert not (tmp_path / "nowhere").exists()


def test_db_that_is_a_directory_or_not_sqlite_is_one_line(tmp_path):
    result = run_cli("serve", TRADE, "--db", str(tmp_path), "--get", "/")
    assert result.returncode == 2 and "is a directory, not a database file" in one_line(result.stderr)
    text = tmp_path / "notes.txt"
    text.write_text("hello, not a database\n")
    result = run_cli("serve", TRADE, "--db", str(text), "--get", "/")
    assert result.returncode == 2 and one_line(result.stderr).endswith("not an SQLite database (is it the right file?)")
    assert text.read_text() == "hello, not a database\n"


def test_db_of_another_application_is_refused_unless_told(tmp_path, capsys):
    database = tmp_path / "crm.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    assert main(["serve", TRADE, "--db", str(database), "--get", "/"]) == 2
    message = capsys.readouterr().err.strip()
    assert message.endswith("holds tables of another application (customers); publish them with --mapping, "
                            "or add the infobase's tables anyway with --allow-foreign-tables")
    with sqlite3.connect(database) as connection:
        assert [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["customers"]
    assert main(["serve", TRADE, "--db", str(database), "--seed-option", "goods=5", "--allow-foreign-tables",
                 "--user", "admin:admin", "--get", "/trade/odata/standard.odata/Catalog_Units/$count"]) == 0
    assert capsys.readouterr().out.strip() == "6"
    # the infobase's own database is accepted again without the flag: all its tables are known
    own = ["serve", TRADE, "--db", str(tmp_path / "own.db"), "--seed-option", "goods=5", "--user", "admin:admin",
           "--get", "/trade/odata/standard.odata/$metadata"]
    assert main(own) == 0
    assert main(own) == 0


# ---- listening -----------------------------------------------------------------------------------

def test_port_in_use_is_one_line_suggesting_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run_cli("serve", TRADE, "--db", str(tmp_path / "trade.db"), "--seed-option", "goods=5", "--port", str(port))
    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[-1]
    assert line == (f"infobase-odata: port {port} on 127.0.0.1 is already in use (another server running?); "
                    f"choose another with --port, e.g. --port {port + 1}")
    assert "Traceback" not in result.stderr


def test_bad_host_is_one_line(tmp_path):
    result = run_cli("serve", TRADE, "--db", str(tmp_path / "trade.db"), "--seed-option", "goods=5", "--host", "no-such-host.invalid")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("infobase-odata: cannot listen on host 'no-such-host.invalid': the name does not resolve")
    assert line.endswith("give an address of this machine with --host (default 127.0.0.1)")


# ---- a configuration without users ---------------------------------------------------------------

def test_no_users_warns_at_start_naming_the_risk(open_configuration, tmp_path):
    command = ["serve", open_configuration, "--db", str(tmp_path / "open.db"), "--get", "/open/odata/standard.odata/"]
    # created first: on a busy machine the creation adds its own "database ready in 1.1 s" line
    assert run_cli(*command, "--allow-anonymous").returncode == 0
    result = run_cli(*command)
    assert result.returncode == 0, result.stderr
    assert one_line(result.stderr) == (
        "configuration 'open' declares no users: authentication is off and anyone who reaches the server may "
        "read, change and delete every object; declare users (README, Security) or set allow_anonymous to "
        "acknowledge")
    result = run_cli(*command, "--allow-anonymous")
    assert result.returncode == 0 and result.stderr == ""


def test_no_users_refuses_a_non_loopback_address(open_configuration, tmp_path):
    result = run_cli("serve", open_configuration, "--db", str(tmp_path / "open.db"), "--host", "0.0.0.0")
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "infobase-odata: refusing to listen on 0.0.0.0 without users: anyone on the network could change "
        "every object; declare users in the configuration, listen on 127.0.0.1, or pass --allow-anonymous")
    assert not (tmp_path / "open.db").exists()


def test_allow_anonymous_lets_it_listen_anywhere(open_configuration, tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "infobase_odata", "serve", open_configuration, "--db",
                                str(tmp_path / "open.db"), "--host", "0.0.0.0", "--port", "0", "--allow-anonymous"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert re.match(r"Serving http://0\.0\.0\.0:\d+/open/odata/standard\.odata/", line), line
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert "declares no users" not in process.stderr.read()


# ---- check ---------------------------------------------------------------------------------------

def test_check_accepts_the_sample_without_creating_anything(tmp_path):
    result = run_cli("check", TRADE, "--db", str(tmp_path / "trade.db"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: configuration 'trade'")
    assert not (tmp_path / "trade.db").exists()


def test_check_reports_configuration_problems(tmp_path):
    raw = json.loads((ROOT / "samples" / "trade" / "configuration.json").read_text(encoding="utf-8"))
    index = next(i for i, obj in enumerate(raw["objects"]) if obj["kind"] == "Catalog")
    raw["objects"][index]["atributes"] = raw["objects"][index].pop("attributes", [])
    (tmp_path / "configuration.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    result = run_cli("check", str(tmp_path))
    assert result.returncode == 1
    name = raw["objects"][index]["name"]
    assert one_line(result.stderr) == (f"infobase-odata check: objects[{index}] (Catalog_{name}): unknown key "
                                       "'atributes' (did you mean 'attributes'?)")


def test_check_and_serve_with_a_broken_then_fixed_mapping(tmp_path):
    database = tmp_path / "shop.db"
    shop_schema(database)
    mapping = json.loads((SITE / "mapping.json").read_text(encoding="utf-8"))
    mapping["objects"]["Catalog_Goods"]["columns"]["Description"] = "nme"
    broken = tmp_path / "mapping.json"
    broken.write_text(json.dumps(mapping), encoding="utf-8")
    configuration = str(SITE / "configuration.json")
    result = run_cli("check", configuration, "--mapping", str(broken), "--db", str(database))
    assert result.returncode == 1
    assert one_line(result.stderr) == ("infobase-odata check: mapping of Catalog_Goods: table products has no "
                                       "column nme (did you mean name?)")
    result = run_cli("serve", configuration, "--mapping", str(broken), "--db", str(database), "--get", "/")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == ("infobase-odata: mapping of Catalog_Goods: table products "
                                                      "has no column nme (did you mean name?)")
    result = run_cli("check", configuration, "--mapping", str(SITE / "mapping.json"), "--db", str(database))
    assert result.returncode == 0, result.stderr


def test_mapping_needs_an_existing_database(tmp_path):
    result = run_cli("serve", str(SITE / "configuration.json"), "--mapping", str(SITE / "mapping.json"),
                     "--db", str(tmp_path / "missing.db"))
    assert result.returncode == 2
    assert one_line(result.stderr).endswith("no such file (a mapping publishes an existing database)")


# ---- serve --mapping, request log, --trace-sql ------------------------------------------------------

def shop_schema(database: Path) -> None:
    sys.path.insert(0, str(SITE))
    try:
        import shop
    finally:
        sys.path.remove(str(SITE))
    shop.create_app(str(database))  # the shop's own code creates its schema and demo rows


def test_serve_publishes_an_existing_database_through_a_mapping(tmp_path):
    database = tmp_path / "shop.db"
    shop_schema(database)
    result = run_cli("serve", str(SITE / "configuration.json"), "--mapping", str(SITE / "mapping.json"),
                     "--db", str(database), "--user", "admin:admin",
                     "--get", "/shop/odata/standard.odata/Catalog_Goods?$format=json&$orderby=Description")
    assert result.returncode == 0, result.stderr
    names = [row["Description"] for row in json.loads(result.stdout)["value"]]
    with sqlite3.connect(database) as connection:
        assert names == [r[0] for r in connection.execute("SELECT name FROM products ORDER BY name")]


def test_request_log_has_timestamp_and_duration_and_trace_sql_logs_statements(tmp_path):
    import requests

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "server.log"
    with open(log, "w") as output:
        process = subprocess.Popen([sys.executable, "-m", "infobase_odata", "serve", TRADE, "--db",
                                    str(tmp_path / "trade.db"), "--seed-option", "goods=5", "--port", str(port), "--trace-sql"],
                                   cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/trade/odata/standard.odata/Catalog_Units/$count"
            for _ in range(300):
                try:
                    answer = requests.get(url, auth=("admin", "admin"), timeout=10)
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            assert answer.status_code == 200 and answer.text == "6"
            # The server logs the request after answering it: wait for the line before stopping
            # the server (a loaded machine may be slower than the client).
            for _ in range(100):
                if "Catalog_Units/$count HTTP/1.1" in log.read_text():
                    break
                time.sleep(0.1)
        finally:
            process.terminate()
            process.wait(timeout=15)
    text = log.read_text()
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1 \"GET /trade/odata/standard\.odata/"
                     r"Catalog_Units/\$count HTTP/1\.1\" 200 \d+\.\d ms$", text, re.M), text
    assert re.search(r"^SQL: .*SELECT count\(\*\)", text, re.M), text
    assert re.search(r"^\[\d+\] seeding Catalog_Units: 6/6$", text, re.M), text


@pytest.mark.integration
def test_seeding_progress_is_logged_under_gunicorn(tmp_path):
    from tests.integration.conftest import free_port, get, gunicorn_command, server

    port = free_port()
    root = f"http://127.0.0.1:{port}/trade/odata/standard.odata/"
    log = tmp_path / "gunicorn.log"
    command = gunicorn_command("--chdir", str(ROOT / "samples"), "-b", f"127.0.0.1:{port}", "flask_app:app")
    with server(command, root + "$metadata", log, env={"TRADE_DATABASE": str(tmp_path / "trade.db")}):
        assert get(root + "Catalog_Units/$count", timeout=120).text == "6"  # the first request seeds
    assert re.search(r"\[\d+\] seeding Catalog_Goods: \d+/\d+", log.read_text()), log.read_text()[-2000:]


@pytest.mark.parametrize("error, expected", [
    (OSError(errno.EACCES, "Permission denied"),
     "no permission to listen on port 80 on 0.0.0.0 (ports below 1024 need privileges); choose another with --port, "
     "e.g. --port 8080"),
    (OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address"),
     "cannot listen on host 0.0.0.0: not an address of this machine; give one with --host (default 127.0.0.1)"),
    (OverflowError("bind(): port must be 0-65535."), "port 80 is not a valid port number (0-65535); choose another with --port"),
])
def test_other_bind_errors_are_one_line(error, expected):
    assert bind_error(error, "0.0.0.0", 80) == expected


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("no-such-host.invalid")


def test_the_default_database_is_checked_too_when_it_exists(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "trade.db").write_text("not a database")
    result = run_cli("serve", TRADE, "--get", "/", cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == ("infobase-odata: database var/trade.db: not an SQLite database "
                                       "(is it the right file?)")


def test_a_failing_handler_module_is_one_line_without_debug(tmp_path):
    raw = json.loads((ROOT / "samples" / "trade" / "configuration.json").read_text(encoding="utf-8"))
    raw["handlers"] = "broken.py"
    (tmp_path / "configuration.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    result = run_cli("check", str(tmp_path))
    assert result.returncode == 1
    assert one_line(result.stderr) == f"infobase-odata check: handler module {tmp_path / 'broken.py'} not found"
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom')\n")
    result = run_cli("serve", str(tmp_path), "--db", str(tmp_path / "trade.db"))
    assert result.returncode == 2
    assert one_line(result.stderr) == "infobase-odata: cannot start: RuntimeError: boom (--debug shows the traceback)"
    result = run_cli("serve", str(tmp_path), "--db", str(tmp_path / "trade.db"), "--debug")
    assert result.returncode == 1 and "Traceback" in result.stderr and "RuntimeError: boom" in result.stderr
