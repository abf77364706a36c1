"""``$batch`` from a generic OData client over real HTTP: odatapy's batch builder and
multipart reader against the Flask sample under gunicorn.

odatapy (PyPI ``odatapy[client]``) is an OData v4 client, but its ``multipart/mixed`` batch
(OData 4.0) is the v3 wire format: ``application/http`` parts, change sets as nested
``multipart/mixed``, ``Content-ID`` and ``$<id>`` references; it reads our JSON entities as
plain property bags. pyodata, the best-known Python client, speaks the same batch format but is
OData v2 only: it parses our ``$metadata``, then fails on every JSON answer (it expects the
verbose ``{"d": …}`` wrapper, which neither 1C nor this library writes), and its wheel installs
a top-level ``tests`` package that shadows this project's.
"""

from __future__ import annotations

import pytest
from odatapy.client import BasicAuth, ODataClient
from odatapy.client.transport import HttpxTransport

from tests.integration.conftest import get
from tests.integration.test_writes_server import flask_server

pytestmark = pytest.mark.integration
PARTIES = "Catalog_Counterparties"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("batch")
    database = (request.getfixturevalue("pg_server").fresh_url() if request.param == "postgresql"
                else tmp_path / "batch.db")
    base, running = flask_server(tmp_path, database, workers=2)
    with running:
        root = base + "/trade/odata/standard.odata"
        transport = HttpxTransport(auth=BasicAuth("admin", "admin"), timeout=120)
        yield ODataClient(root, transport, odata_version="3.0")
        transport.close()


def count(client, name: str) -> int:
    return int(get(f"{client.service_root}/{name}/$count").text)


def test_reads_and_a_change_set_with_references(client):
    before = count(client, PARTIES)
    batch = client.batch()
    batch.default_headers["Accept"] = "application/json"  # else Atom, which this v4 client cannot read
    read = batch.add_retrieve(f"{client.service_root}/{PARTIES}?$top=2", accept="application/json")
    changes = batch.add_changeset()
    party = changes.create(PARTIES, {"Description": "ООО Клиент пакета"})
    order = changes.create("Document_SalesOrder", {"Customer@odata.bind": party.ref, "Comment": "batch"})
    renamed = changes.update(party.ref, {"Description": "ООО Переименован"})
    counted = batch.add_retrieve(f"{client.service_root}/{PARTIES}/$count")
    result = client.execute_batch(batch)
    assert result.status_code == 202
    assert [r.status_code for r in result.responses] == [200, 201, 201, 200, 200]
    assert len(read.response.entity_collection().entities) == 2
    assert len(result.changesets) == 1 and len(result.changesets[0]) == 3
    key = party.entity().get_value("Ref_Key")
    assert order.entity().get_value("Customer_Key") == key
    assert int(counted.response.content) == before + 1
    assert renamed.response.status_code == 200
    stored = get(f"{client.service_root}/{PARTIES}(guid'{key}')?$format=json")
    assert stored.json()["Description"] == "ООО Переименован", stored.text
    assert result.by_content_id(party.content_id) is party.response


@pytest.mark.parametrize("creates, failing", [(1000, False), (999, True)])  # max_batch_parts: 1000
def test_a_change_set_of_1000_creates_is_all_or_nothing(client, creates, failing):
    before = count(client, PARTIES)
    batch = client.batch()
    changes = batch.add_changeset()
    for number in range(creates):
        changes.create(PARTIES, {"Description": f"Партнёр {number}"})
    if failing:
        changes.create(PARTIES, {"Description": "bad", "Manager_Key": "not a GUID"})
    result = client.execute_batch(batch)
    if failing:
        failed = result.parts[0]  # the failing operation's error is the change set's only answer
        assert result.changesets == [] and failed.status_code == 400 and b"<m:error" in failed.content
    else:
        assert [r.status_code for r in result.changesets[0]] == [201] * creates
    assert count(client, PARTIES) == before + (0 if failing else creates)


def test_malformed_batch_is_an_odata_error(client):
    response = client.transport.send("POST", client.service_root + "/$batch",
                                     {"Content-Type": "multipart/mixed", "Accept": "application/json"},
                                     b"--x\r\n\r\n--x--")
    assert response.status_code == 400
    assert b'"odata.error"' in response.content
