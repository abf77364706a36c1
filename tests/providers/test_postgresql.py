"""What only the PostgreSQL provider has: placeholders rewritten for psycopg, the server-side
statement timeout, numbering and posting serialized across providers (hosts) on one database."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from infobase_odata.i18n import translate
from infobase_odata.providers.pgconn import Pools, to_psycopg
from infobase_odata.providers.postgresql import PostgreSQLProvider
from infobase_odata.stores import Busy


def test_placeholders_are_rewritten_and_percent_signs_kept():
    assert to_psycopg('SELECT ? WHERE "a" LIKE \'%x\' AND b = :p0 AND c = :_top') == \
        'SELECT %s WHERE "a" LIKE \'%%x\' AND b = %(p0)s AND c = %(_top)s'
    assert to_psycopg("SELECT x::text, '10:00:00'") == "SELECT x::text, '10:00:00'"


@pytest.fixture
def url(pg_server):
    url = pg_server.fresh_url()
    yield url
    Pools.close(url)


def test_statement_timeout_is_503_busy(model, url):
    provider = PostgreSQLProvider(model, url, statement_timeout_ms=100)
    with pytest.raises(Busy) as info:
        provider.link.run("SELECT pg_sleep(2)")
    assert translate(info.value.message, "ru") == "Превышено время выполнения запроса"
    assert provider.count(model.entity_set("Catalog_Goods"), None) == 0  # the connection recovers


def test_two_hosts_number_new_objects_without_duplicates(model, url):
    hosts = [PostgreSQLProvider(model, url, pool_size=4) for _ in range(2)]
    units = model.entity_set("Catalog_Units")
    errors: list = []

    def create(host) -> None:
        try:
            for i in range(10):
                host.create(units, {"Description": f"unit {i}"})
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(hosts[n % 2],)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    from infobase_odata.query.ast import QueryOptions
    codes = [r["Code"] for r in hosts[0].query(units, QueryOptions()).rows]
    assert len(codes) == 60 and len(set(codes)) == 60


def test_record_sets_from_two_hosts_keep_totals(model, url):
    import datetime as dt

    from infobase_odata.registers import VTParams, vt_result_set
    hosts = [PostgreSQLProvider(model, url, pool_size=4) for _ in range(2)]
    stock = model.entity_set("AccumulationRegister_Stock")
    product, warehouse = "aaaaaaaa-0000-0000-0000-00000000000a", "bbbbbbbb-0000-0000-0000-00000000000b"

    def write(n: int) -> None:
        key = {"Recorder": f"cccccccc-0000-0000-0000-{n:012d}", "Recorder_Type": "StandardODATA.Document_GoodsReceipt"}
        rows = [{"Period": dt.datetime(2024, 1 + n % 12, 3), "RecordType": "Receipt", "Product_Key": product,
                 "Warehouse_Key": warehouse, "Quantity": Decimal(n + 1)}]
        hosts[n % 2].write_record_set(stock, key, rows)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    result = vt_result_set(model, stock, "Balance")
    rows = list(hosts[1].virtual_table(stock, VTParams("Balance"), result_set=result).rows)
    assert [r["QuantityBalance"] for r in rows] == [sum(range(1, 17))]


def test_a_host_starting_next_to_open_writes_neither_waits_nor_deadlocks(model, url):
    """A process's first request creates the schema (all IF NOT EXISTS); on an existing schema
    it takes no table lock, so another host's open write transaction (here: row-exclusive locks
    on a register's records and a document table, as a posting holds) does not block it. It
    did: CREATE INDEX IF NOT EXISTS locks its table SHARE first, so a posting and a starting
    worker deadlocked (503) or the start waited out lock_timeout."""
    import psycopg

    goods = model.entity_set("Catalog_Goods")
    assert PostgreSQLProvider(model, url).count(goods, None) == 0  # host A: schema created
    with psycopg.connect(url) as writer:  # another host's posting, not committed yet
        writer.execute('LOCK TABLE "AccumulationRegister_Stock_RecordType", "Document_GoodsReceipt", '
                       '"Catalog_Goods" IN ROW EXCLUSIVE MODE')
        starting = PostgreSQLProvider(model, url)  # host B's worker: its first request
        assert starting.count(goods, None) == 0  # before: Busy after the 5 s lock_timeout
        writer.rollback()
