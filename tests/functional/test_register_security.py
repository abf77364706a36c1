"""Rights on registers and posting: Read of virtual tables and record sets, row restrictions
over ``_RecordType`` rows (pushed into the virtual table's SQL), Posting/UndoPosting, Update."""

from __future__ import annotations

import json

import pytest
from webob import Request

from conftest import SAMPLE, SERVICE, assert_odata_error, basic, seeded_memory_provider
from infobase_odata.middleware import ODataMiddleware

W1 = "00002710-a7b0-11ee-8003-0050569f1c00"  # Main warehouse, Code 000000001
STOCK = "AccumulationRegister_Stock"


@pytest.fixture(scope="module", params=["sqlite", "memory", "postgresql"])
def app(request, tmp_path_factory, model):
    if request.param == "memory":
        return ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 60), prefix="trade")
    database = tmp_path_factory.mktemp("register-security") / "trade.db" if request.param == "sqlite" \
        else request.getfixturevalue("pg_server").fresh_url()
    return ODataMiddleware(None, SAMPLE, prefix="trade", database=str(database), seed_options="goods=60")


def call(app, user: str, path: str, method: str = "GET", body: bytes | None = None):
    request = Request.blank(SERVICE + path, method=method,
                            headers={"Authorization": basic(user, user), "Accept": "application/json"})
    if body is not None:
        request.body, request.content_type = body, "application/json"
    return request.get_response(app)


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.body[:300]
    return json.loads(response.body)["value"]


def test_viewer_reads_no_register_and_posts_nothing(app):
    for path in (f"{STOCK}/Balance()", STOCK, f"{STOCK}_RecordType", "InformationRegister_Prices/SliceLast()",
                 "AccumulationRegister_Sales/Turnovers()"):
        assert_odata_error(call(app, "viewer", path), 401, 20)
    orders = rows(call(app, "admin", "Document_SalesOrder?$top=1"))
    assert_odata_error(call(app, "viewer", f"Document_SalesOrder(guid'{orders[0]['Ref_Key']}')/Post", "POST"), 401, 20)


def test_manager_balance_is_restricted_to_the_main_warehouse(app):
    assert_odata_error(call(app, "manager", f"{STOCK}/Balance()"), 401, 20)  # other warehouses' rows exist
    allowed = rows(call(app, "manager", f"{STOCK}/Balance()?allowedOnly=true"))
    assert allowed and {r["Warehouse_Key"] for r in allowed} == {W1}
    main = rows(call(app, "manager", f"{STOCK}/Balance(Condition='Warehouse_Key eq guid''{W1}''')"))
    assert main == allowed
    everything = rows(call(app, "admin", f"{STOCK}/Balance()"))
    assert [r for r in everything if r["Warehouse_Key"] == W1] == allowed and len(everything) > len(allowed)
    assert rows(call(app, "manager", "InformationRegister_Prices/SliceLast()"))
    assert_odata_error(call(app, "manager", "AccumulationRegister_Sales/Turnovers()"), 401, 20)
    records = rows(call(app, "manager", f"{STOCK}_RecordType?allowedOnly=true&$top=5"))
    assert records and {r["Warehouse_Key"] for r in records} == {W1}


def test_manager_posts_only_main_warehouse_orders_and_cannot_write_record_sets(app):
    orders = rows(call(app, "admin", "Document_SalesOrder?$select=Ref_Key,Warehouse_Key&$top=40"))
    main = next(o for o in orders if o["Warehouse_Key"] == W1)
    other = next(o for o in orders if o["Warehouse_Key"] != W1)
    assert call(app, "manager", f"Document_SalesOrder(guid'{main['Ref_Key']}')/Post", "POST").status_code == 200
    assert_odata_error(call(app, "manager", f"Document_SalesOrder(guid'{other['Ref_Key']}')/Unpost", "POST"), 401, 20)
    assert json.loads(call(app, "admin", f"Document_SalesOrder(guid'{other['Ref_Key']}')").body)["Posted"] is True
    path = f"{STOCK}(Recorder='{main['Ref_Key']}',Recorder_Type='StandardODATA.Document_SalesOrder')"
    assert_odata_error(call(app, "manager", path, "PATCH", b'{"RecordSet": []}'), 401, 20)
    assert call(app, "manager", path).status_code == 200
