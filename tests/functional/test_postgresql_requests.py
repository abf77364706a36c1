"""What a request does to PostgreSQL connections and transactions: an abandoned streaming
response gives its connection back to the pool; a deadlock or serialization failure is retried
when the request's transaction can be run again, and is 503 (a clear message) otherwise."""

from __future__ import annotations

import gc
import json
import logging
import threading
import time

import psycopg
import pytest
from webob import Request

from infobase_odata.i18n import translate
from infobase_odata.middleware import ODataMiddleware
from infobase_odata.providers.pgconn import CONFLICT_MESSAGE, Pools
from infobase_odata.providers.postgresql import PostgreSQLProvider
from infobase_odata.service import CONFLICT_ATTEMPTS
from infobase_odata.stores import WriteConflict
from tests.conftest import SAMPLE, SERVICE, AsUser, assert_odata_error

GOODS = 3000  # several chunks of 500 rows: the stream is still open after the first bytes


@pytest.fixture(scope="module")
def pg_app(pg_server, model):
    url = pg_server.fresh_url()
    provider = PostgreSQLProvider(model, url, pool_size=4)
    goods = model.entity_set("Catalog_Goods")
    provider.bulk_insert(goods, ({"Description": f"Товар {i}"} for i in range(GOODS)))
    app = AsUser(ODataMiddleware(None, SAMPLE, provider=provider, prefix="trade"))
    yield app, provider, url
    provider.close()
    Pools.close(url)


def _link(provider):
    return provider._local.link  # this thread's link: the in-process request ran on it


@pytest.mark.parametrize("how", ["closed after some rows", "dropped after some rows", "closed unread"])
def test_an_abandoned_stream_gives_its_connection_back(pg_app, how):
    app, provider, _ = pg_app
    status, _, body = Request.blank(SERVICE + "Catalog_Goods?$format=json").call_application(app)
    assert status.startswith("200")
    if how != "closed unread":
        read = 0
        chunks = iter(body)
        while read < 100_000:  # well into the response, far from its end
            read += len(next(chunks))
    link = _link(provider)
    assert link._streams and link._conn is not None  # the server-side cursor holds the connection
    if how.startswith("dropped"):  # a server that never calls close(): the iterator is dropped
        del body, chunks
        gc.collect()
    else:
        body.close()  # what a WSGI server does when the client went away
    assert link._streams == [] and link._conn is None  # back in the pool
    # and the next request of the thread works
    assert Request.blank(SERVICE + "Catalog_Goods/$count").get_response(app).text == str(GOODS)


def test_a_stream_read_out_gives_its_connection_back(pg_app):
    app, provider, _ = pg_app
    response = Request.blank(SERVICE + "Catalog_Goods?$format=json&$select=Ref_Key").get_response(app)
    assert len(response.json["value"]) == GOODS
    assert _link(provider)._conn is None


# ---- write conflicts ----------------------------------------------------------------------------

ORDER = "44444444-0000-0000-0000-00000000a001"


@pytest.fixture
def order(pg_app, model):
    _, provider, _ = pg_app
    orders = model.entity_set("Document_SalesOrder")
    provider.delete(orders, {"Ref_Key": ORDER}) if provider.get(orders, {"Ref_Key": ORDER}) else None
    provider.create(orders, {"Ref_Key": ORDER, "Comment": "до", "Goods": [
        {"LineNumber": 1, "Quantity": 1}, {"LineNumber": 2, "Quantity": 2}]})
    return ORDER


def _patch(lines: int, **headers) -> Request:
    request = Request.blank(SERVICE + f"Document_SalesOrder(guid'{ORDER}')?$format=json", method="PATCH",
                            headers=headers)
    request.body = json.dumps({"Comment": "после", "Goods": [{"LineNumber": n + 1, "Quantity": n + 1}
                                                             for n in range(lines)]}).encode()
    request.content_type = "application/json"
    return request


def test_a_deadlock_rolls_the_request_back_and_runs_it_again(pg_app, order, caplog):
    """A real deadlock: another session holds the order's lines and then asks for the order's
    row, which the PATCH holds while it waits for the lines. PostgreSQL aborts the PATCH's
    transaction (its deadlock check runs first: the other session's is set to 10 s); the
    service runs the request again once the other session committed."""
    app, provider, url = pg_app
    locked, done, failures = threading.Event(), threading.Event(), []

    def other_session() -> None:
        try:
            with psycopg.connect(url) as raw:
                raw.execute("SET deadlock_timeout = '10s'")
                raw.execute('SELECT 1 FROM "Document_SalesOrder_Goods" WHERE "Ref_Key" = %s FOR UPDATE', (ORDER,))
                locked.set()
                time.sleep(0.5)  # the PATCH now holds the order's row and waits for its lines
                raw.execute('SELECT 1 FROM "Document_SalesOrder" WHERE "Ref_Key" = %s FOR UPDATE', (ORDER,))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=other_session)
    thread.start()
    assert locked.wait(10)
    with caplog.at_level(logging.INFO, logger="infobase_odata.service"):
        response = _patch(3).get_response(app)
    thread.join(30)
    assert failures == []
    assert response.status_code == 200, response.body[:500]
    assert any("write conflict, running PATCH" in r.getMessage() for r in caplog.records)
    stored = provider.get(app.service.model.entity_set("Document_SalesOrder"), {"Ref_Key": ORDER})
    assert stored["Comment"] == "после" and len(stored["Goods"]) == 3


def test_conflicts_that_persist_are_503_after_the_last_attempt(pg_app, order, monkeypatch):
    app, provider, _ = pg_app
    calls = []

    def conflict(*args, **kwargs):
        calls.append(1)
        raise WriteConflict(CONFLICT_MESSAGE)

    monkeypatch.setattr(provider.objects, "update", conflict)
    response = _patch(1).get_response(app)
    message = assert_odata_error(response, 503, -1)
    assert message == translate(CONFLICT_MESSAGE, "ru") and len(calls) == CONFLICT_ATTEMPTS


def test_a_conflict_inside_a_change_set_is_503_without_a_retry(pg_app, order, monkeypatch):
    """A change set is one transaction around its operations: one of them cannot be run again
    alone, so the change set answers 503 and nothing of it is kept."""
    from tests.functional.test_batch import answers, body_of, change_set, op, post_batch

    app, provider, _ = pg_app
    calls = []
    real = provider.objects.update

    def conflict_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise WriteConflict(CONFLICT_MESSAGE)
        return real(*args, **kwargs)

    monkeypatch.setattr(provider.objects, "update", conflict_once)
    body = body_of([change_set(
        op("POST", "Catalog_Units", {"Description": "в пакете"}, "1"),
        op("PATCH", f"Document_SalesOrder(guid'{ORDER}')", {"Comment": "в пакете"}, "2"))])
    (result,) = answers(post_batch(app, body))
    status, _, payload = result
    assert status == 503 and json.loads(payload)["odata.error"]["message"]["value"] == translate(CONFLICT_MESSAGE, "ru")
    assert len(calls) == 1
    units = Request.blank(SERVICE + "Catalog_Units/$count?$filter=Description eq 'в пакете'").get_response(app)
    assert units.text == "0"  # the change set's create was rolled back with it
    # the same operation outside a change set is its own transaction: run again, 200
    calls.clear()
    assert _patch(1).get_response(app).status_code == 200 and len(calls) == 2
