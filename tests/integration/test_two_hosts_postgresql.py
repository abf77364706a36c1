"""Two application hosts (two gunicorn instances on different ports) over one PostgreSQL
database: If-Match increments split across both end exact, concurrent posting keeps register
totals equal to the movements, and a SIGKILL of one host mid-burst loses no acknowledged write."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import signal
import threading
import time
import uuid
from decimal import Decimal

import psycopg
import pytest
import requests

from tests.integration.conftest import admin_session, get
from tests.integration.test_writes_server import JSON, flask_server

pytestmark = pytest.mark.integration
SERVICE = "/trade/odata/standard.odata/"
W1 = "00002710-a7b0-11ee-8003-0050569f1c00"  # seed guid("Catalog_Warehouses", 1)
W2 = "00004e20-a7b0-11ee-8003-0050569f1c00"


@pytest.fixture
def two_hosts(tmp_path, pg_server):
    """Host A starts first (creates and seeds the database), then host B on the same database."""
    url = pg_server.fresh_url()
    with contextlib.ExitStack() as stack:
        roots = []
        for _ in range(2):
            base, running = flask_server(tmp_path, url, workers=2)
            stack.enter_context(running)
            roots.append(base + SERVICE)
        yield roots, url


def test_if_match_increments_split_across_two_hosts(two_hosts):
    (a, b), _ = two_hosts
    item = get(a + "Catalog_Goods?$format=json&$top=1&$filter=IsFolder eq false").json()["value"][0]
    path = f"Catalog_Goods(guid'{item['Ref_Key']}')?$format=json"
    start = Decimal(str(item["Price"]))
    statuses: list[int] = []
    lock = threading.Lock()

    def increment_15_times(n: int) -> None:
        session, url = admin_session(), (a, b)[n % 2] + path
        done = 0
        while done < 15:
            current = session.get(url).json()
            response = session.patch(url, json={"Price": str(Decimal(str(current["Price"])) + 1)},
                                     headers={**JSON, "If-Match": current["DataVersion"]})
            with lock:
                statuses.append(response.status_code)
            if response.status_code == 200:
                done += 1
            else:
                assert response.status_code == 412, response.text

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(increment_15_times, range(8)))
    assert Decimal(str(get(b + path).json()["Price"])) == start + 120
    assert Decimal(str(get(a + path).json()["Price"])) == start + 120
    assert statuses.count(200) == 120 and not [s for s in statuses if s >= 500]


def test_concurrent_posting_on_two_hosts_keeps_totals_equal_to_movements(two_hosts):
    (a, b), _ = two_hosts
    product = str(uuid.uuid4())
    session = admin_session()
    assert session.post(a + "Catalog_Goods?$format=json", headers=JSON,
                        json={"Ref_Key": product, "Description": "two hosts", "Kind": "Product", "Price": 2}
                        ).status_code == 201
    refs = [str(uuid.uuid4()) for _ in range(24)]
    for i, ref in enumerate(refs):
        body = {"Ref_Key": ref, "Date": f"2025-{1 + i % 6:02d}-{1 + i % 27:02d}T10:00:00",
                "Warehouse_Key": (W1, W2)[i % 2],
                "Goods": [{"LineNumber": 1, "Product_Key": product, "Quantity": 1 + i, "Price": 2}]}
        assert session.post((a, b)[i % 2] + "Document_GoodsReceipt?$format=json", headers=JSON,
                            json=body).status_code == 201

    def post(i: int) -> int:
        s = admin_session()
        url = (a, b)[i % 2] + f"Document_GoodsReceipt(guid'{refs[i]}')/Post?PostingModeOperational=false"
        return s.post(url, headers={"Content-Length": "0"}).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(post, range(len(refs))))
    assert statuses == [200] * len(refs)
    # the balance from the totals tables equals the sum of the movements
    condition = f"Product_Key eq guid'{product}'"
    rows = get(b + f"AccumulationRegister_Stock/Balance(Condition='{condition}')?$format=json").json()["value"]
    by_warehouse = {r["Warehouse_Key"]: Decimal(str(r["QuantityBalance"])) for r in rows}
    expected = {W1: sum(Decimal(1 + i) for i in range(0, 24, 2)), W2: sum(Decimal(1 + i) for i in range(1, 24, 2))}
    assert by_warehouse == expected
    turnovers = get(a + f"AccumulationRegister_Stock/Turnovers(Condition='{condition}')?$format=json").json()["value"]
    assert sum(Decimal(str(r["QuantityTurnover"])) for r in turnovers) == sum(expected.values())


def test_sigkill_of_one_host_mid_burst_loses_no_acknowledged_write(tmp_path, pg_server):
    url = pg_server.fresh_url()
    acknowledged: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    base_a, running_a = flask_server(tmp_path, url, workers=2)
    with running_a:
        base_b, running_b = flask_server(tmp_path, url, workers=2)
        with running_b as victim:
            def writer(worker: int) -> None:
                session, root = admin_session(), (base_a, base_b)[worker % 2] + SERVICE
                for i in range(200):
                    if stop.is_set():
                        return
                    try:
                        response = session.post(root + "Catalog_Units?$format=json", headers=JSON, timeout=10,
                                                json={"Description": f"burst {worker}-{i}", "FullName": "Ед."})
                    except requests.RequestException:
                        if worker % 2:
                            return  # host B is gone
                        raise
                    with lock:
                        if response.status_code == 201:
                            acknowledged.append(response.json()["Ref_Key"])
                        else:
                            failures.append(f"{response.status_code} {response.text[:200]}")

            threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 60
            while len(acknowledged) < 150 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.killpg(victim.pid, signal.SIGKILL)  # host B: master and workers, mid-burst
            for thread in threads:
                thread.join(timeout=60)
        assert len(acknowledged) >= 150 and not failures, failures[:5]
        with psycopg.connect(url) as conn:
            stored = {r[0] for r in conn.execute('SELECT "Ref_Key" FROM "Catalog_Units"')}
        assert set(acknowledged) <= stored
        count = int(get(base_a + SERVICE + "Catalog_Units/$count").text)
        assert count == len(stored)
