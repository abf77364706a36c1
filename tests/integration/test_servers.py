"""The CLI server, gunicorn with the Flask sample and gunicorn with the PasteDeploy pipeline,
each over real HTTP."""

from __future__ import annotations

import concurrent.futures
from urllib.parse import quote

import pytest
from lxml import etree

from tests.integration.conftest import ROOT, free_port, get, gunicorn_command, server

pytestmark = pytest.mark.integration
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def cli_server(cli_server_both):
    """These tests run against the CLI server on SQLite and on PostgreSQL."""
    return cli_server_both


def test_cli_reads_service_document_metadata_collection_entity_navigation(cli_server):
    service = get(cli_server)
    assert service.status_code == 200 and service.headers["DataServiceVersion"] == "3.0"
    assert b"Catalog_Goods" in service.content
    metadata = get(cli_server + "$metadata")
    assert metadata.headers["Content-Type"].startswith("application/xml")
    assert etree.fromstring(metadata.content).tag.endswith("Edmx")
    feed = get(cli_server + "Catalog_Goods?$top=5")
    assert feed.headers["Content-Type"].startswith("application/atom+xml;type=feed")
    assert len(etree.fromstring(feed.content).findall(f"{ATOM}entry")) == 5
    goods = get(cli_server + "Catalog_Goods", params={"$format": "json", "$top": "50"}).json()["value"]
    item = next(g for g in goods if g["Unit_Key"] != "00000000-0000-0000-0000-000000000000")
    entity = get(cli_server + f"Catalog_Goods(guid'{item['Ref_Key']}')?$format=json").json()
    assert entity["Description"] == item["Description"]
    unit = get(cli_server + item["Unit@navigationLinkUrl"] + "?$format=json").json()
    assert unit["Ref_Key"] == item["Unit_Key"]
    currencies = get(cli_server + quote("Catalog_Валюты") + "?$format=json").json()["value"]
    assert {c["Code"] for c in currencies} >= {"643"}


def test_cli_accepts_a_64_kib_request_line(cli_server):
    needle = "x" * (70 * 1024)
    response = get(cli_server + "Catalog_Goods?$format=json&$filter=" + quote(f"Description eq '{needle}'"))
    assert response.status_code == 200, response.text[:300]
    assert response.json()["value"] == []


def test_cli_serves_concurrent_requests(cli_server):
    urls = [cli_server + f"Catalog_Goods?$format=json&$top=20&$skip={i}" for i in range(40)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda u: get(u, timeout=30).status_code, urls))
    assert statuses == [200] * 40


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_gunicorn_flask_sample(tmp_path, request, engine):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = gunicorn_command("--chdir", "samples", "-b", f"127.0.0.1:{port}", "flask_app:app")
    database = (request.getfixturevalue("pg_server").fresh_url() if engine == "postgresql"
                else str(tmp_path / "trade.db"))
    env = {"TRADE_DATABASE": database}
    with server(command, base + "/", tmp_path / "gunicorn.log", env=env):
        site = get(base + "/")
        assert site.status_code == 200 and "sample site" in site.text
        root = base + "/trade/odata/standard.odata/"
        assert get(root).status_code == 200
        goods = get(root + "Catalog_Goods?$format=json&$top=3").json()["value"]
        assert len(goods) == 3
        missing = get(root + "Catalog_Nope?$format=json")
        assert missing.status_code == 404 and missing.json()["odata.error"]["code"] == "8"
        assert get(base + "/nothing-here").status_code == 404  # Flask's own 404


def test_gunicorn_paste_pipeline(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = gunicorn_command("--paste", "samples/development.ini", "-b", f"127.0.0.1:{port}")
    with server(command, base + "/", tmp_path / "gunicorn.log", cwd=ROOT):
        assert "Pyramid" in get(base + "/").text
        root = base + "/trade/odata/standard.odata/"
        assert b"Catalog_Goods" in get(root).content
        entity_sets = get(root + "$metadata").content
        assert b"EnterpriseV8" in entity_sets
        units = get(root + "Catalog_Units?$format=json").json()["value"]
        assert units
