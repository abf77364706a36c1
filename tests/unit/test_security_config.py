"""Users, roles, password hashes and Basic credentials: the parts of security without HTTP."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from webob import Request

from infobase_odata import cli
from infobase_odata.configuration import Configuration, ConfigurationError, Role, User
from infobase_odata.errors import ODataError
from infobase_odata.middleware import ODataMiddleware
from infobase_odata import build_model
from infobase_odata.security import Security, Subject
from infobase_odata.security_auth import basic_credentials, hash_password, verify_password
from infobase_odata.settings import Settings
from tests.conftest import SAMPLE, SERVICE, assert_odata_error, basic, seeded_memory_provider

FAST = hash_password("secret", iterations=1000)


def sample_data() -> dict:
    data = json.loads((SAMPLE / "configuration.json").read_text(encoding="utf-8"))
    data.pop("handlers")
    return data


def test_pbkdf2_and_scrypt_hashes_verify_in_their_formats():
    assert FAST.startswith("pbkdf2_sha256$1000$") and len(FAST.split("$")) == 4
    assert verify_password("secret", FAST) and not verify_password("Secret", FAST)
    scrypt = hash_password("пароль", algorithm="scrypt")
    assert scrypt.startswith("scrypt$") and verify_password("пароль", scrypt) and not verify_password("x", scrypt)
    assert hash_password("secret", iterations=1000, salt="s") == hash_password("secret", iterations=1000, salt="s")
    assert hash_password("secret", iterations=1000) != FAST  # a new salt each time
    with pytest.raises(ValueError):
        hash_password("x", algorithm="md5")


@pytest.mark.parametrize("stored", ["", "pbkdf2_sha256$", "pbkdf2_sha256$x$salt$abc", "scrypt$1$2$3", "md5$x",
                                    "pbkdf2_sha256$1000$соль$abc", "scrypt$3$8$1$salt$abc"])
def test_malformed_hashes_match_nothing(stored):
    assert verify_password("secret", stored) is False


def b64(text: bytes) -> str:
    return base64.b64encode(text).decode()


def test_basic_credentials():
    assert basic_credentials("Basic " + b64("Иванов:па:роль".encode())) == ("Иванов", "па:роль")
    assert basic_credentials("basic  " + b64(b"a:")) == ("a", "")
    for header in (None, "", "Basic", "Basic ***", "Bearer " + b64(b"a:b"), "Basic " + b64(b"nocolon"),
                   "Basic " + b64(b":nouser"), "Basic " + b64(b"\xff:\xfe"), "Basic " + b64(b"a\x00:b"),
                   "Basic " + "A" * 5000, "Basic " + b64(b"a:b") + "é"):
        with pytest.raises(ODataError) as failure:
            basic_credentials(header)
        assert (failure.value.status, failure.value.code) == (401, 20)


def test_roles_validate_rights_and_imply_read():
    role = Role("R", rights={"Catalog_*": ["Update"], "Document_SalesOrder": ["*"]})
    assert role.rights_on("Catalog_Goods") == {"Read", "Update"}
    assert role.rights_on("Document_SalesOrder") == {"Read", "Insert", "Update", "Delete", "Posting", "UndoPosting",
                                                        "Start", "Execute"}
    assert role.rights_on("Document_GoodsReceipt") == set()
    with pytest.raises(ConfigurationError, match="unknown right"):
        Role("R", rights={"Catalog_Goods": ["Write"]})
    with pytest.raises(ConfigurationError):
        Role("R", restrictions={"Catalog_Goods": ""})


@pytest.mark.parametrize("change, message", [
    (lambda d: d["users"].append({"name": "ADMIN", "password": FAST}), "duplicate user"),
    (lambda d: d["users"].append({"name": "x", "password": "plain", "roles": []}), "must be a hash"),
    (lambda d: d["users"].append({"name": "x", "password": FAST, "roles": ["Nope"]}), "unknown role"),
    (lambda d: d["roles"].append({"name": "Viewer"}), "duplicate role"),
    (lambda d: d["roles"].append({"name": "X", "rights": {"Catalog_Nope": ["Read"]}}), "names no object"),
    (lambda d: d["roles"].append({"name": "X", "restrictions": {"Enum_GoodsKinds": "true"}}), "not a reference"),
    (lambda d: d["roles"].append({"name": "X", "unknown": 1}), r"roles\[3\] \(X\): unknown key .unknown."),
    (lambda d: d["users"].append({"password": FAST}), "needs a"),
])
def test_configuration_rejects_bad_users_and_roles(change, message):
    data = sample_data()
    change(data)
    with pytest.raises(ConfigurationError, match=message):
        Configuration.from_dict(data)


def broken_restriction() -> dict:
    data = sample_data()
    data["roles"][2]["restrictions"]["Document_SalesOrder"] = "Warehouse/Nope eq 1"
    return data


def test_a_restriction_that_does_not_parse_is_a_configuration_error():
    configuration = Configuration.from_dict(broken_restriction())
    security = Security(configuration, build_model(configuration), Settings())  # parsed when first needed (#18)
    with pytest.raises(ConfigurationError, match="role SalesManager: restriction of Document_SalesOrder: .*Nope"):
        security.validate()
    with pytest.raises(ValueError, match="rights_status"):
        Security(Configuration.from_dict(sample_data()), build_model(configuration), Settings(rights_status=500))


def test_a_broken_restriction_a_request_meets_answers_500_and_is_logged(caplog):
    configuration = Configuration.from_dict(broken_restriction())
    app = ODataMiddleware(None, configuration, provider=seeded_memory_provider(build_model(configuration), 5),
                          prefix="trade")

    def get(path: str, user: str):
        return Request.blank(SERVICE + path + "?$format=json", headers={"Authorization": basic(user, user)}
                             ).get_response(app)

    assert get("Catalog_Goods", "manager").status_code == 200  # an object without a restriction
    with caplog.at_level("ERROR", logger="infobase_odata"):
        response = get("Document_SalesOrder", "manager")
    assert "журнал сервера" in assert_odata_error(response, 500, -1)  # not the client's fault: no 400 about a $filter it never sent
    assert "misconfigured: restriction of Document_SalesOrder: " in caplog.text and "Nope" in caplog.text
    assert get("Document_SalesOrder", "admin").status_code == 200  # FullRights has no restriction


@pytest.mark.parametrize("command", [["check"], ["serve", "--port", "0"]])
def test_check_and_a_listening_server_refuse_a_broken_restriction(tmp_path, command):
    (tmp_path / "configuration.json").write_text(json.dumps(broken_restriction()), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "infobase_odata", command[0], str(tmp_path),
                           "--db", str(tmp_path / "t.db"), *command[1:]],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == (1 if command == ["check"] else 2)
    assert "role SalesManager: restriction of Document_SalesOrder:" in done.stderr and "Nope" in done.stderr
    assert "Traceback" not in done.stderr and "Serving" not in done.stdout


def test_roles_combine_rights_and_or_restrictions():
    data = sample_data()
    data["roles"] += [
        {"name": "A", "rights": {"Document_SalesOrder": ["Read"]}, "restrictions": {"Document_SalesOrder": "Total gt 1"}},
        {"name": "B", "rights": {"Document_SalesOrder": ["Read", "Update"]},
         "restrictions": {"Document_SalesOrder": "Total lt 0"}},
        {"name": "C", "rights": {"Document_SalesOrder": ["Read"]}},
    ]
    configuration = Configuration.from_dict(data)
    both = Subject.compile(User("u", roles=("A", "B")), configuration)
    assert both.restriction_text("Document_SalesOrder", "Read") == "(Total gt 1) or (Total lt 0)"
    assert both.restriction_text("Document_SalesOrder", "Update") == "Total lt 0"
    assert not both.has("Document_SalesOrder", "Delete") and not both.has("Catalog_Goods", "Read")
    lifted = Subject.compile(User("u", roles=("A", "C")), configuration)
    assert lifted.has("Document_SalesOrder", "Read")
    assert lifted.restriction_text("Document_SalesOrder", "Read") is None
    security = Security(configuration, build_model(configuration), Settings())
    orders = security.model.entity_set("Document_SalesOrder")
    assert security.restriction(both, orders, "Read").op == "or"
    assert security.restriction(both, orders, "Read") is security.restriction(both, orders, "Read")  # parsed once


def test_users_without_a_password_cannot_log_in_with_basic():
    data = sample_data()
    data["users"].append({"name": "service", "roles": ["Viewer"]})
    configuration = Configuration.from_dict(data)
    security = Security(configuration, build_model(configuration), Settings())
    with pytest.raises(ODataError):
        security.authenticate({"HTTP_AUTHORIZATION": "Basic " + b64(b"service:")})
    trusted = Security(configuration, build_model(configuration), Settings(auth="remote_user"))
    assert trusted.authenticate({"REMOTE_USER": "service"}).has("Catalog_Goods", "Read")


def test_hash_password_command(capsys):
    assert cli.main(["hash-password", "s3cret", "--iterations", "1000"]) == 0
    printed = capsys.readouterr().out.strip()
    assert verify_password("s3cret", printed) and printed.startswith("pbkdf2_sha256$1000$")
    assert cli.main(["hash-password", "s3cret", "--algorithm", "scrypt"]) == 0
    assert verify_password("s3cret", capsys.readouterr().out.strip())


def test_cli_get_sends_credentials(tmp_path, capsys):
    args = ["serve", str(SAMPLE), "--db", str(tmp_path / "t.db"), "--seed-option", "goods=5", "--get",
            "/trade/odata/standard.odata/Catalog_Units/$count"]
    assert cli.main(args) == 1  # 401 without --user
    capsys.readouterr()
    assert cli.main(args + ["--user", "viewer:viewer"]) == 0
    assert int(capsys.readouterr().out) > 0


def test_statement_timeout_reaches_the_embedded_store(tmp_path, model):
    from infobase_odata.store import open_embedded_store

    store = open_embedded_store(model, Settings(database=str(tmp_path / "t.db"), statement_timeout_ms=1234))
    assert store.provider.statement_timeout_ms == 1234
    store = open_embedded_store(model, Settings(database=str(tmp_path / "u.db"), statement_timeout_ms=0))
    assert store.provider.statement_timeout_ms is None


def test_register_restrictions_are_over_records():
    """Issue 5's register handlers get restrictions over ``<Reg>_RecordType`` rows."""
    from infobase_odata.providers.memory import MemoryProvider
    from infobase_odata import security as sec

    data = sample_data()
    # The sample declares AccumulationRegister_Stock (dimensions Product, Warehouse).
    data["roles"].append({"name": "Stock", "rights": {"AccumulationRegister_Stock": ["Read"]},
                          "restrictions": {"AccumulationRegister_Stock": "Warehouse/Code eq '000000001'"}})
    data["users"].append({"name": "stock", "roles": ["Stock"]})
    configuration = Configuration.from_dict(data)
    model = build_model(configuration)
    security = Security(configuration, model, Settings(auth="remote_user"))
    subject = security.authenticate({"REMOTE_USER": "stock"})
    record_set = model.entity_set("AccumulationRegister_Stock")
    records = model.entity_set("AccumulationRegister_Stock_RecordType")
    assert security.restriction(subject, record_set, "Read") is not None
    assert security.restriction(subject, records, "Read") is not None

    class Ctx:
        service = type("S", (), {"security": security})()
        provider = MemoryProvider(model)

    ctx = Ctx()
    ctx.subject = subject
    key = {name: 0 for name in records.entity_type.key_names}
    key.update({"Recorder_Key": "00000000-0000-0000-0000-000000000000", "Recorder_Type": "x"})
    assert security.key_filter(records, key) is not None
    assert sec.require(ctx, records, "Read") is not None
    with pytest.raises(ODataError):
        sec.require(ctx, record_set, "Update")
