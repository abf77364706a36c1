"""Shared fixtures: the sample configuration, its model, and the sample published in-process."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from lxml import etree

from infobase_odata.configuration import load_configuration
from infobase_odata.middleware import ODataMiddleware
from infobase_odata import build_model

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "trade"
SERVICE = "/trade/odata/standard.odata/"
M_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
D_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices"
ATOM_NS = "http://www.w3.org/2005/Atom"


@pytest.fixture(scope="session")
def pg_server():
    """The throwaway PostgreSQL cluster of this test session (``tests/pgserver.py``)."""
    import shutil
    import tempfile

    from tests.pgserver import PgServer
    directory = Path(tempfile.mkdtemp(prefix="infobase-pg-"))
    server = PgServer.start(directory)
    yield server
    server.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def configuration():
    return load_configuration(SAMPLE)


@pytest.fixture(scope="session")
def model(configuration):
    return build_model(configuration)


def seeded_memory_provider(model, goods: int):
    from infobase_odata.providers.memory import MemoryProvider
    from infobase_odata.store import load_seed

    provider = MemoryProvider(model)
    load_seed(SAMPLE)(provider, model, goods=goods)
    return provider


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")


class AsUser:
    """WSGI wrapper: requests without an Authorization header are sent as ``user`` (the sample
    configuration declares users, so tests that are not about security run as admin)."""

    def __init__(self, app, user: str = "admin", password: str = "admin") -> None:
        self.app = app
        self.authorization = basic(user, password)

    def __call__(self, environ, start_response):
        environ.setdefault("HTTP_AUTHORIZATION", self.authorization)
        return self.app(environ, start_response)

    def __getattr__(self, name):
        return getattr(self.app, name)


@pytest.fixture(scope="session", params=["sqlite", "memory", "postgresql"])
def sample_app(request, tmp_path_factory, model):
    """The sample infobase mounted at /trade (no wrapped app), requests sent as admin: on a
    seeded SQLite file (the embedded store), on the in-memory provider and on PostgreSQL (a
    schema of the session's throwaway cluster)."""
    if request.param == "memory":
        return AsUser(ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 120), prefix="trade"))
    if request.param == "postgresql":
        database = request.getfixturevalue("pg_server").fresh_url()
        return AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=database, seed_options="goods=120"))
    database = tmp_path_factory.mktemp("sample") / "trade.db"
    return AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(database), seed_options="goods=120"))


def assert_odata_error(response, status: int, code: int | None) -> str:
    """The one error shape, in JSON or XML by Content-Type; returns the message."""
    assert response.status_code == status, response.body[:500]
    assert response.headers["DataServiceVersion"] == "3.0"
    content_type = response.headers["Content-Type"]
    body = response.body
    assert b"Traceback" not in body and b"SELECT" not in body and b"sqlite" not in body.lower()
    expected_code = "" if code is None else str(code)
    if content_type.startswith("application/json"):
        payload = json.loads(body)
        assert list(payload) == ["odata.error"]
        error = payload["odata.error"]
        assert set(error) == {"code", "message"}
        assert error["code"] == expected_code
        assert set(error["message"]) == {"lang", "value"}
        assert error["message"]["value"]
        return error["message"]["value"]
    assert content_type.startswith("application/xml"), content_type
    root = etree.fromstring(body)
    assert root.tag == f"{{{M_NS}}}error"
    assert [child.tag for child in root] == [f"{{{M_NS}}}code", f"{{{M_NS}}}message"]
    assert (root[0].text or "") == expected_code
    assert root[1].text
    return root[1].text
