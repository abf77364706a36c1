"""The local double of a real infobase: import a real dump, fill it with ``fake``, serve it under
gunicorn, and read it with python-1c-odata, a client written against real 1C servers (issue #17)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from python_1c_odata import AccumulationRegister, Catalog, Document, Infobase, InformationRegister

from tests.integration.conftest import ROOT, free_port, gunicorn_command, server

pytestmark = pytest.mark.integration
DUMP = ROOT.parent / "shared" / "1c-metadata" / "ut-real.edmx"
CLI = [sys.executable, "-m", "infobase_odata"]


def run_cli(*args: str) -> str:
    done = subprocess.run([*CLI, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def double(tmp_path_factory):
    folder = tmp_path_factory.mktemp("double")
    run_cli("import-metadata", str(DUMP), "--out", str(folder / "ut"))
    run_cli("fake", str(folder / "ut"), "--rows", "100", "--seed", "1", "--db", str(folder / "ut.db"))
    port = free_port()
    app = (f"infobase_odata.middleware:app_factory({{}}, configuration={str(folder / 'ut')!r}, "
           f"database={str(folder / 'ut.db')!r})")
    command = gunicorn_command("-b", f"127.0.0.1:{port}", app)
    env = {"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    with server(command, f"http://127.0.0.1:{port}/ut/odata/standard.odata/", folder / "gunicorn.log", env=env):
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("fmt", ["json", "atom"])
def test_catalog_list_filter_and_read(double, fmt):
    async def scenario():
        async with Infobase(double, "ut", "admin", "", format=fmt) as infobase:
            counterparties = Catalog(infobase, "Контрагенты")
            assert await counterparties.count() == 100
            page = await counterparties.query(top=5, orderby="Description")
            assert len(page.value) == 5
            first = page.value[0]
            found = await counterparties.query(odata_filter=f"ИНН eq '{first['ИНН']}'")
            assert first["Ref_Key"] in [row["Ref_Key"] for row in found.value]
            again = await counterparties.get(first["Ref_Key"])
            assert again["Description"] == first["Description"]

    asyncio.run(scenario())


def test_document_with_tabular_section(double):
    async def scenario():
        async with Infobase(double, "ut", "admin", "") as infobase:
            sales = Document(infobase, "РеализацияТоваровУслуг")
            page = await sales.query(top=10, odata_filter="Posted eq true and Date ge datetime'2024-03-01T00:00:00'",
                                     orderby="Date desc")
            assert page.value and all(row["Date"] >= "2024-03-01" for row in page.value)
            order = await sales.get(page.value[0]["Ref_Key"])
            assert 1 <= len(order["Товары"]) <= 10
            lines = await infobase.get("Document_РеализацияТоваровУслуг_Товары",
                                       odata_filter=f"Ref_Key eq guid'{order['Ref_Key']}'")
            assert len(lines["value"]) == len(order["Товары"])
            currency = await infobase.get("Catalog_Валюты", key=order["Валюта_Key"])
            assert currency["Ref_Key"] == order["Валюта_Key"]  # references point to existing rows
            return order["Ref_Key"]

    asyncio.run(scenario())


def test_registers_of_the_documents(double):
    async def scenario():
        async with Infobase(double, "ut", "admin", "") as infobase:
            sales = Document(infobase, "РеализацияТоваровУслуг")
            order = (await sales.query(top=1)).value[0]
            records = await infobase.get("AccumulationRegister_РасчетыСКлиентамиПланОплат_RecordType",
                                         odata_filter="cast(Recorder,'Document_РеализацияТоваровУслуг')/Ref_Key "
                                                      f"eq guid'{order['Ref_Key']}'")
            assert records["value"] and all(r["Recorder"] == order["Ref_Key"] for r in records["value"])
            register = AccumulationRegister(infobase, "РасчетыСКлиентамиПланОплат")
            currency = records["value"][0]["Валюта_Key"]
            balance = await register.balance(condition=f"Валюта_Key eq guid'{currency}'")
            assert balance["value"] and all(row["Валюта_Key"] == currency for row in balance["value"])
            rates = InformationRegister(infobase, "КурсыВалют")
            last = await rates.slice_last(dt.datetime(2025, 1, 1))
            assert last["value"]
            keys = [(row["Валюта_Key"]) for row in last["value"]]
            assert len(keys) == len(set(keys))  # one record per currency

    asyncio.run(scenario())


def test_serve_fake_fills_a_new_database(tmp_path):
    folder = tmp_path / "ut"
    run_cli("import-metadata", str(DUMP), "--out", str(folder))
    out = run_cli("serve", str(folder), "--fake", "5", "--seed", "3", "--db", str(tmp_path / "ut.db"),
                  "--get", "/ut/odata/standard.odata/Catalog_%D0%92%D0%B0%D0%BB%D1%8E%D1%82%D1%8B/$count")
    assert out.strip() == "5"
    assert Path(tmp_path / "ut.db").is_file()
