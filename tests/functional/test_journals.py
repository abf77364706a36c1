"""Document journals (reference §1.2, §3.3): DocumentJournal_WarehouseDocuments of the sample
lists every sales order and goods receipt with its columns mapped per document, read-only, with
$filter/$orderby/$top/$inlinecount and keyed reads by Ref + Ref_Type; both providers."""

from __future__ import annotations

import json

import pytest
from webob import Request

from tests.conftest import SAMPLE, SERVICE, AsUser, assert_odata_error, seeded_memory_provider
from infobase_odata.middleware import ODataMiddleware

JOURNAL = "DocumentJournal_WarehouseDocuments"
COUNTERPARTY = {"Document_SalesOrder": "Customer_Key", "Document_GoodsReceipt": "Supplier_Key"}


def call(app, path: str, method: str = "GET", body=None):
    request = Request.blank(SERVICE + path, method=method)
    if body is not None:
        request.body = json.dumps(body).encode("utf-8")
        request.content_type = "application/json"
    return request.get_response(app)


def get_json(app, path: str) -> dict:
    response = call(app, path + ("&" if "?" in path else "?") + "$format=json")
    assert response.status_code == 200, response.body[:500]
    return response.json


@pytest.fixture(scope="module", params=["sqlite", "memory"])
def app(request, tmp_path_factory, model):
    if request.param == "memory":
        return AsUser(ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 30), prefix="trade"))
    database = tmp_path_factory.mktemp("journals") / "trade.db"
    return AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", database=str(database), seed_options="goods=30"))


def expected_rows(app) -> dict:
    rows = {}
    for document, counterparty in COUNTERPARTY.items():
        for doc in get_json(app, document)["value"]:
            rows[(doc["Ref_Key"], f"StandardODATA.{document}")] = {
                "Ref": doc["Ref_Key"], "Type": f"StandardODATA.{document}", "Date": doc["Date"],
                "DeletionMark": doc["DeletionMark"], "Number": str(doc["Number"]), "Posted": doc["Posted"],
                "Warehouse_Key": doc["Warehouse_Key"], "Counterparty_Key": doc[counterparty],
                "Comment": doc["Comment"], "Ref_Type": f"StandardODATA.{document}"}
    return rows


def test_the_journal_lists_every_document_with_its_column_values(app):
    expected = expected_rows(app)
    assert len({key[1] for key in expected}) == 2  # the seed has documents of both kinds
    body = get_json(app, f"{JOURNAL}?$inlinecount=allpages")
    got = {(row["Ref"], row["Ref_Type"]): {k: v for k, v in row.items() if "@" not in k} for row in body["value"]}
    assert got == expected
    assert int(body["odata.count"]) == len(expected)
    assert int(call(app, f"{JOURNAL}/$count").text) == len(expected)


def test_filter_orderby_top_and_inlinecount(app):
    expected = expected_rows(app)
    posted = sorted((row for row in expected.values() if row["Posted"]),
                    key=lambda row: (row["Date"], row["Ref"]), reverse=True)
    body = get_json(app, f"{JOURNAL}?$filter=Posted eq true&$orderby=Date desc,Ref desc&$top=3"
                         "&$inlinecount=allpages")
    assert [row["Ref"] for row in body["value"]] == [row["Ref"] for row in posted[:3]]
    assert int(body["odata.count"]) == len(posted)
    receipts = get_json(app, f"{JOURNAL}?$filter=Ref_Type eq 'StandardODATA.Document_GoodsReceipt'")["value"]
    assert {row["Ref"] for row in receipts} == {ref for ref, kind in expected if kind.endswith("GoodsReceipt")}
    some = next(iter(expected.values()))
    by_counterparty = get_json(app, f"{JOURNAL}?$filter=Counterparty_Key eq guid'{some['Counterparty_Key']}'")
    assert {row["Ref"] for row in by_counterparty["value"]} == {
        row["Ref"] for row in expected.values() if row["Counterparty_Key"] == some["Counterparty_Key"]}


def test_a_row_by_its_key_and_navigation_to_a_column_reference(app):
    row = next(iter(expected_rows(app).values()))
    key = f"Ref='{row['Ref']}',Ref_Type='{row['Ref_Type']}'"
    assert {k: v for k, v in get_json(app, f"{JOURNAL}({key})").items() if "@" not in k and k != "odata.metadata"} == row
    as_guid = f"Ref=guid'{row['Ref']}',Ref_Type='{row['Ref_Type']}'"  # python-1c-odata's form
    assert get_json(app, f"{JOURNAL}({as_guid})")["Ref"] == row["Ref"]
    expanded = get_json(app, f"{JOURNAL}({key})?$expand=Warehouse")
    assert expanded["Warehouse"]["Ref_Key"] == row["Warehouse_Key"]
    missing = f"Ref='{row['Ref']}',Ref_Type='StandardODATA.Document_Nothing'"
    assert_odata_error(call(app, f"{JOURNAL}({missing})"), 404, 9)
    assert_odata_error(call(app, f"{JOURNAL}(guid'{row['Ref']}')"), 400, 7)


def test_a_journal_follows_writes_of_its_documents(app):
    warehouse = get_json(app, "Catalog_Warehouses?$top=1")["value"][0]["Ref_Key"]
    created = call(app, "Document_GoodsReceipt", "POST", {"Warehouse_Key": warehouse, "Comment": "journal test"})
    assert created.status_code == 201
    ref = created.json["Ref_Key"] if created.content_type.endswith("json") else None
    rows = get_json(app, f"{JOURNAL}?$filter=Comment eq 'journal test'")["value"]
    assert len(rows) == 1 and rows[0]["Warehouse_Key"] == warehouse and rows[0]["Posted"] is False
    assert ref is None or rows[0]["Ref"] == ref
    assert call(app, f"Document_GoodsReceipt(guid'{rows[0]['Ref']}')", "DELETE").status_code == 204
    assert get_json(app, f"{JOURNAL}?$filter=Comment eq 'journal test'")["value"] == []


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE"])
def test_writes_are_refused_with_code_19(app, method):
    row = next(iter(expected_rows(app).values()))
    path = JOURNAL if method == "POST" else f"{JOURNAL}(Ref='{row['Ref']}',Ref_Type='{row['Ref_Type']}')"
    response = call(app, path, method, {"Comment": "x"})
    assert_odata_error(response, 405, 19)
    assert get_json(app, f"{JOURNAL}(Ref='{row['Ref']}',Ref_Type='{row['Ref_Type']}')")["Comment"] == row["Comment"]


@pytest.mark.parametrize("journal, message", [
    ({"documents": ["Catalog_C"]}, "which is not a document"),
    ({"documents": ["Document_D"], "columns": [{"name": "X", "type": "String(5)"}],
      "mapping": {"X": {"Document_D": "Missing"}}}, "has no attribute Missing"),
    ({"documents": ["Document_D"], "columns": [{"name": "X", "type": "String(5)"}],
      "mapping": {"Y": {"Document_D": "A"}}}, "mapping names no column Y"),
    ({"documents": [], "columns": [{"name": "X", "type": "String(5)"}],
      "mapping": {"X": {"Document_D": "A"}}}, "is not one of its documents"),
])
def test_a_wrong_journal_declaration_is_a_configuration_error(journal, message):
    from infobase_odata.configuration import Configuration, ConfigurationError

    objects = [{"kind": "Catalog", "name": "C"},
               {"kind": "Document", "name": "D", "attributes": [{"name": "A", "type": "String(5)"}]},
               {"kind": "DocumentJournal", "name": "J", **journal}]
    with pytest.raises(ConfigurationError, match=message):
        Configuration.from_dict({"name": "t", "objects": objects})
