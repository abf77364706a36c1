"""Exchange plans over HTTP (reference §1.2, §3.3, §7): ExchangePlan_Sites of the sample, its
standard properties against the real dump, SelectChanges feeds (entries and RFC 6721
tombstones) across catalogs, documents and record sets, NotifyChangesReceived, and every bad
request answered with a clear OData error; SQLite and memory providers."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from lxml import etree
from webob import Request

from infobase_odata import Attribute, Catalog, Configuration, ExchangePlan, ODataService, build_model
from infobase_odata.configuration import ConfigurationError
from infobase_odata.formats.csdl import EDM_NS, EDMX_NS, metadata_document
from infobase_odata.middleware import ODataMiddleware
from infobase_odata.providers.jsonfile import JSONFileProvider
from infobase_odata.providers.memory import MemoryProvider
from tests.conftest import (ATOM_NS, D_NS, M_NS, SAMPLE, SERVICE, AsUser, assert_odata_error,
                            seeded_memory_provider)

DUMP = Path(__file__).resolve().parents[3] / "shared" / "1c-metadata" / "ut-real.edmx"
AT_NS = "http://purl.org/atompub/tombstones/1.0"
PLAN = "ExchangePlan_Sites"
BASE = "http://localhost" + SERVICE
E = "{%s}" % EDM_NS


def call(app, path: str, method: str = "GET", body=None, headers=None):
    request = Request.blank(SERVICE + path, method=method, headers=headers or {})
    if body is not None:
        request.body = json.dumps(body).encode("utf-8")
        request.content_type = "application/json"
    return request.get_response(app)


def ok_json(app, path: str, method: str = "GET", body=None) -> dict:
    response = call(app, path + ("&" if "?" in path else "?") + "$format=json", method, body)
    assert response.status_code in (200, 201), response.body[:500]
    return response.json


@pytest.fixture(scope="module", params=["sqlite", "memory"])
def app(request, tmp_path_factory, model):
    if request.param == "memory":
        return AsUser(ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 20), prefix="trade"))
    database = tmp_path_factory.mktemp("exchange") / "trade.db"
    return AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(database), seed_options="goods=20"))


def new_node(app, code: str) -> str:
    """A node of its own per test: it sees only the changes made after it was created."""
    return ok_json(app, PLAN, "POST", {"Code": code, "Description": f"node {code}"})["Ref_Key"]


def point(node: str, *, base: str = BASE) -> str:
    return quote(f"'{base}{PLAN}(guid'{node}')'")


def select(app, node: str, number: int, **kwargs) -> tuple[dict, set[str]]:
    """SelectChanges: {entry id: its properties}, {tombstone refs}."""
    response = call(app, f"SelectChanges?DataExchangePoint={point(node, **kwargs)}&MessageNo={number}", "POST")
    assert response.status_code == 200, response.body[:500]
    assert response.content_type == "application/atom+xml"
    feed = etree.fromstring(response.body)
    assert feed.tag == f"{{{ATOM_NS}}}feed"
    entries = {}
    for entry in feed.findall(f"{{{ATOM_NS}}}entry"):
        props = entry.find(f"{{{ATOM_NS}}}content/{{{M_NS}}}properties")
        entries[entry.findtext(f"{{{ATOM_NS}}}id")] = {el.tag[len(D_NS) + 2:]: el for el in props}
    tombstones = set()
    for gone in feed.findall(f"{{{AT_NS}}}deleted-entry"):
        assert gone.get("when").endswith("Z")
        tombstones.add(gone.get("ref"))
    return entries, tombstones


def notify(app, node: str, number: int):
    return call(app, f"NotifyChangesReceived?DataExchangePoint={point(node)}&MessageNo={number}", "POST")


def first_ref(app, set_name: str) -> str:
    return ok_json(app, f"{set_name}?$top=1")["value"][0]["Ref_Key"]


def test_a_node_sees_exactly_the_changes_since_its_last_confirmation(app):
    node = new_node(app, "T1")
    assert select(app, node, 1) == ({}, set())
    unit = first_ref(app, "Catalog_Units")
    item = ok_json(app, "Catalog_Goods", "POST", {"Description": "Чай", "Unit_Key": unit})["Ref_Key"]
    gone = ok_json(app, "Catalog_Goods", "POST", {"Description": "Кофе"})["Ref_Key"]
    assert call(app, f"Catalog_Goods(guid'{gone}')", "DELETE").status_code == 204
    order = ok_json(app, "Document_SalesOrder", "POST", {
        "Date": "2024-05-01T10:00:00", "Warehouse_Key": first_ref(app, "Catalog_Warehouses"),
        "Customer_Key": first_ref(app, "Catalog_Counterparties"),
        "Goods": [{"LineNumber": 1, "Product_Key": item, "Quantity": 2, "Price": 5, "Amount": 10}]})["Ref_Key"]
    assert call(app, f"Document_SalesOrder(guid'{order}')/Post", "POST").status_code == 200
    ok_json(app, "Catalog_Counterparties", "POST", {"Description": "not carried by the plan"})
    entries, tombstones = select(app, node, 1)
    stock = f"AccumulationRegister_Stock(Recorder='{order}',Recorder_Type='StandardODATA.Document_SalesOrder')"
    assert set(entries) == {BASE + f"Catalog_Goods(guid'{item}')", BASE + f"Document_SalesOrder(guid'{order}')",
                            BASE + stock}
    assert tombstones == {BASE + f"Catalog_Goods(guid'{gone}')"}
    assert entries[BASE + f"Catalog_Goods(guid'{item}')"]["Description"].text == "Чай"
    assert entries[BASE + f"Document_SalesOrder(guid'{order}')"]["Posted"].text == "true"
    records = entries[BASE + stock]["RecordSet"].findall(f"{{{D_NS}}}element")
    assert [r.findtext(f"{{{D_NS}}}Product_Key") for r in records] == [item]
    node_row = ok_json(app, f"{PLAN}(guid'{node}')")
    assert (node_row["SentNo"], node_row["ReceivedNo"]) == ("1", "0")
    # Repeating the number: the same changes plus newer ones.
    ok_json(app, f"Catalog_Goods(guid'{item}')", "PATCH", {"Description": "Чай зелёный"})
    again, tombstones_again = select(app, node, 1)
    assert set(again) == set(entries) and tombstones_again == tombstones
    assert again[BASE + f"Catalog_Goods(guid'{item}')"]["Description"].text == "Чай зелёный"
    response = notify(app, node, 1)
    assert response.status_code == 200 and response.body == b""
    node_row = ok_json(app, f"{PLAN}(guid'{node}')")
    assert (node_row["SentNo"], node_row["ReceivedNo"]) == ("1", "1")
    assert node_row["ExchangeDate"] > "2000"
    assert select(app, node, 2) == ({}, set())
    # After the confirmation: only what changed since.
    assert call(app, f"Document_SalesOrder(guid'{order}')/Unpost", "POST").status_code == 200
    entries, tombstones = select(app, node, 2)
    assert set(entries) == {BASE + f"Document_SalesOrder(guid'{order}')", BASE + stock}
    assert entries[BASE + stock]["RecordSet"].findall(f"{{{D_NS}}}element") == []
    assert tombstones == set()


def test_a_failed_write_registers_nothing(app):
    node = new_node(app, "T2")
    response = call(app, "Catalog_Goods", "POST", {"Description": "x" * 500})  # longer than declared
    assert response.status_code >= 400
    response = call(app, f"Catalog_Goods(guid'{first_ref(app, 'Catalog_Goods')}')", "PATCH",
                    {"Description": "y"}, headers={"If-Match": "W/\"stale\""})
    assert response.status_code == 412
    assert select(app, node, 1) == ({}, set())


def test_a_node_url_of_another_host_or_relative_is_accepted(app):
    node = new_node(app, "T3")
    item = ok_json(app, "Catalog_Goods", "POST", {"Description": "Сок"})["Ref_Key"]
    for base in ("https://other.example/base/odata/standard.odata/", "http://proxy/x/", ""):
        entries, _ = select(app, node, 1, base=base)
        assert set(entries) == {BASE + f"Catalog_Goods(guid'{item}')"}


@pytest.mark.parametrize("query, status, code", [
    ("", 400, 14),
    ("MessageNo=1", 400, 14),
    ("DataExchangePoint='x'", 400, 14),
    ("DataExchangePoint='Catalog_Goods(guid''00000000-0000-0000-0000-000000000000'')'&MessageNo=1", 400, 14),
    (f"DataExchangePoint='{PLAN}'&MessageNo=1", 400, 14),
    (f"DataExchangePoint='{PLAN}(guid''00000000-0000-0000-0000-000000000001'')'&MessageNo=-1", 400, 14),
    (f"DataExchangePoint='{PLAN}(guid''00000000-0000-0000-0000-000000000001'')'&MessageNo=abc", 400, 14),
    (f"DataExchangePoint='{PLAN}(guid''not-a-guid'')'&MessageNo=1", 400, None),
    (f"DataExchangePoint='{PLAN}(guid''00000000-0000-0000-0000-000000000001'')'&MessageNo=1", 404, None),
])
@pytest.mark.parametrize("action", ["SelectChanges", "NotifyChangesReceived"])
def test_bad_requests_are_clear_errors(app, action, query, status, code):
    response = call(app, f"{action}?{query}", "POST")
    assert_odata_error(response, status, code if code is not None else _code(response))


def _code(response) -> int | None:
    text = etree.fromstring(response.body).findtext(f"{{{M_NS}}}code")
    return int(text) if text else None


def test_get_is_405_with_allow_post(app):
    response = call(app, "SelectChanges")
    assert_odata_error(response, 405, _code(response))
    assert response.headers["Allow"] == "POST"


def test_rights_the_update_right_on_the_plan(tmp_path, model):
    app = ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 5), prefix="trade")
    admin, viewer = AsUser(app), AsUser(app, "viewer", "viewer")
    node = new_node(admin, "R1")
    response = call(viewer, f"SelectChanges?DataExchangePoint={point(node)}&MessageNo=1", "POST")
    assert_odata_error(response, 401, 20)
    assert_odata_error(notify(viewer, node, 1), 401, 20)


def test_a_store_without_exchange_is_501(tmp_path, model, configuration):
    service = ODataService(configuration, JSONFileProvider(model, tmp_path / "x.json"), model=model)
    response = Request.blank("/SelectChanges?MessageNo=1", method="POST").get_response(
        AsUser(service))
    assert_odata_error(response, 501, 0)


def test_this_node_gets_no_changes():
    configuration = Configuration("t", [Catalog(name="Goods"),
                                        ExchangePlan(name="Shops", content=["Catalog_Goods"], this_node="000")])
    model = build_model(configuration)
    provider = MemoryProvider(model)
    shops, goods = model.entity_set("ExchangePlan_Shops"), model.entity_set("Catalog_Goods")
    me = provider.create(shops, {"Code": "000"})["Ref_Key"]
    other = provider.create(shops, {"Code": "001"})["Ref_Key"]
    provider.create(goods, {"Description": "x"})
    assert provider.select_changes(shops, me, 1) == []
    assert len(provider.select_changes(shops, other, 1)) == 1


@pytest.mark.parametrize("content", [["Catalog_Nothing"], ["ExchangePlan_Shops"]])
def test_plan_content_must_name_objects_of_the_configuration(content):
    with pytest.raises(ConfigurationError, match="content"):
        Configuration("t", [Catalog(name="Goods"), ExchangePlan(name="Shops", content=content)])


def _properties(document: bytes, type_name: str) -> list[tuple[str, str, str | None]]:
    root = etree.fromstring(document)
    for schema in root.iter(f"{E}Schema"):
        for entity_type in schema.findall(f"{E}EntityType"):
            if entity_type.get("Name") == type_name:
                key = [ref.get("Name") for ref in entity_type.find(f"{E}Key")]
                return [("Key", ",".join(key), None)] + [
                    (p.get("Name"), p.get("Type"), p.get("Nullable")) for p in entity_type.findall(f"{E}Property")]
    raise AssertionError(type_name)


def test_metadata_of_an_exchange_plan_matches_the_real_dump():
    """Golden over the dump's ExchangePlan entity type: names, types, nullability and order."""
    name = "Удалить_ОбменУправлениеТорговлей_11_0_РозничнаяТорговля_1_0"
    type_name = f"ExchangePlan_{name}"
    expected = _properties(DUMP.read_bytes(), type_name)
    configuration = Configuration("ut", [ExchangePlan(
        name=name, attributes=[Attribute("ОбластьДанныхОсновныеДанные", "Number(10,0)")])])
    got = _properties(metadata_document(build_model(configuration)), type_name)
    assert got == expected
    assert [p[0] for p in got][1:9] == ["Ref_Key", "Code", "Description", "DataVersion", "DeletionMark",
                                        "SentNo", "ReceivedNo", "ExchangeDate"]


def test_the_sample_plan_and_its_nodes(app):
    document = call(app, "$metadata").body
    props = [p[0] for p in _properties(document, PLAN)]
    assert props == ["Key", "Ref_Key", "Code", "Description", "DataVersion", "DeletionMark", "SentNo",
                     "ReceivedNo", "ExchangeDate", "Address"]
    assert b'EntitySet Name="ExchangePlan_Sites"' in document
    nodes = ok_json(app, f"{PLAN}?$filter=startswith(Code, '00')&$orderby=Code")["value"]
    assert [n["Description"] for n in nodes] == ["Web shop", "Main warehouse terminal"]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_no_change_is_lost_while_a_node_reads_over_http(engine, request, tmp_path):
    """Threads create and change goods through the interface while the node builds and confirms
    messages in a loop: in the end it received every object in its last stored version."""
    if engine == "postgresql":
        database = request.getfixturevalue("pg_server").fresh_url()
    else:
        database = str(tmp_path / "trade.db")
    app = AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=database, seed_options="goods=5"))
    node = new_node(app, "C1")
    received: dict[str, str] = {}
    failures: list[BaseException] = []
    done = threading.Event()

    def writer(n: int) -> None:
        try:
            for i in range(10):
                ref = ok_json(app, "Catalog_Goods", "POST", {"Description": f"w{n} {i}"})["Ref_Key"]
                ok_json(app, f"Catalog_Goods(guid'{ref}')", "PATCH", {"Description": f"w{n} {i} changed"})
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    def deliver(number: int) -> None:
        entries, tombstones = select(app, node, number)
        assert tombstones == set()
        for entry_id, props in entries.items():
            received[props["Ref_Key"].text] = props["DataVersion"].text
        assert notify(app, node, number).status_code == 200

    def reader() -> None:
        number = 1
        try:
            while not done.is_set():
                deliver(number)
                number += 1
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    node_reader = threading.Thread(target=reader)
    node_reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    node_reader.join()
    deliver(10_000)
    assert failures == []
    stored = {row["Ref_Key"]: row["DataVersion"]
              for row in ok_json(app, "Catalog_Goods?$filter=startswith(Description, 'w')")["value"]}
    assert len(stored) == 30
    assert received == stored


def test_row_restrictions_apply_to_every_listed_row():
    from infobase_odata.configuration import Role, User
    from infobase_odata.security_auth import hash_password

    configuration = Configuration("t", [
        Catalog(name="Goods"), ExchangePlan(name="Shops", content=["Catalog_Goods"])],
        roles=[Role(name="Exchange", rights={"ExchangePlan_Shops": ["Read", "Update"], "Catalog_Goods": ["Read"]},
                    restrictions={"Catalog_Goods": "Description eq 'open'"})],
        users=[User(name="node", password=hash_password("node", iterations=1000), roles=["Exchange"])])
    model = build_model(configuration)
    provider = MemoryProvider(model)
    shop = provider.create(model.entity_set("ExchangePlan_Shops"), {"Code": "001"})["Ref_Key"]
    provider.create(model.entity_set("Catalog_Goods"), {"Description": "open"})
    app = AsUser(ODataService(configuration, provider, model=model), "node", "node")
    node_path = f"ExchangePlan_Shops(guid'{shop}')"  # a path relative to the root, unquoted: accepted
    url = f"/SelectChanges?DataExchangePoint={quote(node_path)}"
    response = Request.blank(url + "&MessageNo=1", method="POST").get_response(app)
    assert response.status_code == 200 and response.body.count(b"<entry>") == 1
    provider.create(model.entity_set("Catalog_Goods"), {"Description": "secret"})
    response = Request.blank(url + "&MessageNo=2", method="POST").get_response(app)
    assert_odata_error(response, 401, 20)
    assert provider.get(model.entity_set("ExchangePlan_Shops"), {"Ref_Key": shop})["SentNo"] == 1  # rolled back
