"""Gaps of the kinds (issue #15, item 4), each on both providers: information-register resources
of any type, periodicity "by recorder position" (Recorder in the records' key), Period
normalised to the register's periodicity, and the _RowType of a record set copying _RecordType."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from webob import Request

from infobase_odata import build_model
from infobase_odata.configuration import (
    Attribute, Catalog, ChartOfCharacteristicTypes, Configuration, Document, InformationRegister)
from infobase_odata.providers.memory import MemoryProvider
from infobase_odata.providers.sqlite import SQLiteProvider
from infobase_odata.service import ODataService
from infobase_odata.values import period_start

CONF = Configuration("gaps", [
    Catalog(name="Goods"),
    Document(name="Invoice", registers=["InformationRegister_Journal", "InformationRegister_Marks"]),
    InformationRegister(name="Notes", periodicity="month", dimensions=[Attribute("Product", "CatalogRef.Goods")],
                        resources=[Attribute("Note", "String(50)"), Attribute("Flag", "Boolean"),
                                   Attribute("When", "Date"), Attribute("Other", "CatalogRef.Goods")]),
    InformationRegister(name="Marks", periodicity="quarter", write_mode="recorder",
                        dimensions=[Attribute("Product", "CatalogRef.Goods")],
                        resources=[Attribute("Note", "String(50)"), Attribute("Flag", "Boolean")]),
    InformationRegister(name="Journal", periodicity="recorder_position", write_mode="recorder",
                        dimensions=[Attribute("Product", "CatalogRef.Goods"), Attribute("Part", "String(10)")],
                        resources=[Attribute("Note", "String(0)")]),
])
MODEL = build_model(CONF)


@pytest.fixture(params=["sqlite", "memory"])
def app(request, tmp_path):
    provider = MemoryProvider(MODEL) if request.param == "memory" else SQLiteProvider(MODEL, tmp_path / "g.db")
    return ODataService(CONF, provider, model=MODEL)


def call(app, path: str, method: str = "GET", body=None):
    request = Request.blank("/" + path + ("&" if "?" in path else "?") + "$format=json", method=method)
    if body is not None:
        request.body = json.dumps(body).encode("utf-8")
        request.content_type = "application/json"
    return request.get_response(app)


def created(app, path: str, body: dict) -> dict:
    response = call(app, path, "POST", body)
    assert response.status_code == 201, response.body[:500]
    return response.json


def test_information_register_resources_of_any_type(app):
    good = created(app, "Catalog_Goods", {"Description": "A"})["Ref_Key"]
    row = created(app, "InformationRegister_Notes", {
        "Period": "2025-05-17T13:14:15", "Product_Key": good, "Note": "текст", "Flag": True,
        "When": "2025-01-02T03:04:05", "Other_Key": good})
    expected = {"Period": "2025-05-01T00:00:00", "Product_Key": good, "Note": "текст", "Flag": True,
                "When": "2025-01-02T00:00:00", "Other_Key": good}
    assert {k: row[k] for k in expected} == expected
    listed = call(app, "InformationRegister_Notes?$filter=Note eq 'текст' and Flag eq true").json["value"]
    assert [{k: r[k] for k in expected} for r in listed] == [expected]
    sliced = call(app, "InformationRegister_Notes/SliceLast()").json["value"]
    assert [r["Note"] for r in sliced] == ["текст"]


def test_period_is_normalised_to_the_periodicity(app):
    good = created(app, "Catalog_Goods", {"Description": "A"})["Ref_Key"]
    invoice = created(app, "Document_Invoice", {"Date": "2025-08-20T10:00:00"})["Ref_Key"]
    body = {"Recorder_Key": invoice, "RecordSet": [
        {"LineNumber": 1, "Period": "2025-08-20T10:11:12", "Product_Key": good, "Note": "x", "Flag": True}]}
    response = call(app, f"InformationRegister_Marks(Recorder_Key=guid'{invoice}')", "PUT", body)
    assert response.status_code == 200, response.body[:500]
    assert [r["Period"] for r in response.json["RecordSet"]] == ["2025-07-01T00:00:00"]
    records = call(app, "InformationRegister_Marks_RecordType").json["value"]
    assert [r["Period"] for r in records] == ["2025-07-01T00:00:00"]
    # An independent register: the same record written at two moments of a month is one record.
    created(app, "InformationRegister_Notes", {"Period": "2025-05-03T00:00:00", "Product_Key": good})
    duplicate = call(app, "InformationRegister_Notes", "POST", {"Period": "2025-05-30T23:59:59", "Product_Key": good})
    assert duplicate.status_code == 409


@pytest.mark.parametrize("periodicity, written, stored", [
    ("second", "2025-05-17T13:14:15", "2025-05-17T13:14:15"),
    ("day", "2025-05-17T13:14:15", "2025-05-17T00:00:00"),
    ("month", "2025-05-17T13:14:15", "2025-05-01T00:00:00"),
    ("quarter", "2025-05-17T13:14:15", "2025-04-01T00:00:00"),
    ("quarter", "2025-12-31T23:59:59", "2025-10-01T00:00:00"),
    ("year", "2025-05-17T13:14:15", "2025-01-01T00:00:00"),
    ("recorder_position", "2025-05-17T13:14:15", "2025-05-17T13:14:15"),
    ("year", "0001-01-01T00:00:00", "0001-01-01T00:00:00"),
])
def test_period_start(periodicity, written, stored):
    assert period_start(dt.datetime.fromisoformat(written), periodicity) == dt.datetime.fromisoformat(stored)


def test_by_recorder_position_the_recorder_is_in_the_key(app):
    records = MODEL.entity_set("InformationRegister_Journal_RecordType").entity_type
    assert records.key_names == ("Recorder_Key", "Period", "Product_Key", "Part")
    good = created(app, "Catalog_Goods", {"Description": "A"})["Ref_Key"]
    first, second = (created(app, "Document_Invoice", {"Date": "2025-08-20T10:00:00"})["Ref_Key"] for _ in "12")
    for invoice in (first, second):  # the same Period and dimensions under two recorders
        body = {"Recorder_Key": invoice, "RecordSet": [
            {"LineNumber": 1, "Period": "2025-08-20T10:00:00", "Product_Key": good, "Part": "P", "Note": invoice}]}
        response = call(app, f"InformationRegister_Journal(Recorder_Key=guid'{invoice}')", "PUT", body)
        assert response.status_code == 200, response.body[:500]
    rows = call(app, "InformationRegister_Journal_RecordType").json["value"]
    assert sorted((r["Recorder_Key"], r["Note"]) for r in rows) == sorted([(first, first), (second, second)])
    key = f"Recorder_Key=guid'{first}',Period=datetime'2025-08-20T10:00:00',Product_Key=guid'{good}',Part='P'"
    assert call(app, f"InformationRegister_Journal_RecordType({key})").json["Note"] == first


def test_row_type_copies_the_record_type_exactly():
    for name, entity_set in MODEL.entity_sets.items():
        if entity_set.records is None:
            continue
        row_type = entity_set.entity_type.property("RecordSet").row_type
        layout = lambda props: [(p.name, p.edm_type, p.nullable) for p in props]  # noqa: E731
        assert layout(row_type.properties) == layout(entity_set.records.entity_type.properties), name
    journal = MODEL.complex_types["InformationRegister_Journal_RowType"]
    assert [p.name for p in journal.properties if not p.nullable] == ["Recorder_Key", "Period", "Product_Key", "Part"]


STORE_CONF = Configuration("storage", [
    Catalog(name="Files", attributes=[Attribute("Data", "ValueStorage"), Attribute("Name", "String(50)")]),
])
STORE_MODEL = build_model(STORE_CONF)


@pytest.fixture(params=["sqlite", "memory", "jsonfile"])
def files(request, tmp_path):
    from infobase_odata.providers.jsonfile import JSONFileProvider
    provider = {"memory": lambda: MemoryProvider(STORE_MODEL),
                "sqlite": lambda: SQLiteProvider(STORE_MODEL, tmp_path / "s.db"),
                "jsonfile": lambda: JSONFileProvider(STORE_MODEL, tmp_path / "s.json")}[request.param]()
    return ODataService(STORE_CONF, provider, model=STORE_MODEL)


def test_value_storage_is_published_as_base64_data_and_type(files):
    props = [(p.name, p.edm_type) for p in STORE_MODEL.entity_set("Catalog_Files").entity_type.properties][-3:]
    assert props == [("Data_Base64Data", "Edm.Binary"), ("Data_Type", "Edm.String"), ("Name", "Edm.String")]
    payload = bytes(range(256))
    text = base64.b64encode(payload).decode("ascii")
    row = created(files, "Catalog_Files", {"Description": "f", "Data_Base64Data": text,
                                           "Data_Type": "application/octet-stream"})
    assert (row["Data_Base64Data"], row["Data_Type"]) == (text, "application/octet-stream")
    ref = row["Ref_Key"]
    assert call(files, f"Catalog_Files(guid'{ref}')").json["Data_Base64Data"] == text
    atom = Request.blank(f"/Catalog_Files(guid'{ref}')").get_response(files)
    assert f"<d:Data_Base64Data m:type=\"Edm.Binary\">{text}</d:Data_Base64Data>" in atom.text \
        or f"<d:Data_Base64Data>{text}</d:Data_Base64Data>" in atom.text
    changed = base64.b64encode(b"\x89PNG").decode("ascii")
    patched = call(files, f"Catalog_Files(guid'{ref}')", "PATCH", {"Data_Base64Data": changed, "Data_Type": "image/png"})
    assert patched.status_code == 200, patched.body[:300]
    again = call(files, f"Catalog_Files(guid'{ref}')").json
    assert (again["Data_Base64Data"], again["Data_Type"]) == (changed, "image/png")
    empty = created(files, "Catalog_Files", {"Description": "e"})
    assert (empty["Data_Base64Data"], empty["Data_Type"]) == ("", "")
    bad = call(files, "Catalog_Files", "POST", {"Description": "x", "Data_Base64Data": "not base64!"})
    assert bad.status_code == 400 and b"Data_Base64Data" in bad.body


CCT_CONF = Configuration("cct", [ChartOfCharacteristicTypes(name="Props", attributes=[Attribute("Note", "String(10)")])])
CCT_MODEL = build_model(CCT_CONF)
ATOM_ENTRY = ('<entry xmlns="http://www.w3.org/2005/Atom" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices"'
              ' xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"><content type="application/xml">'
              '<m:properties><d:Description>A</d:Description><d:ValueType m:type="StandardODATA.TypeDescription">'
              '<d:Types>Boolean</d:Types></d:ValueType></m:properties></content></entry>')


@pytest.fixture(params=["sqlite", "memory"])
def charts(request, tmp_path):
    provider = MemoryProvider(CCT_MODEL) if request.param == "memory" else SQLiteProvider(CCT_MODEL, tmp_path / "c.db")
    return ODataService(CCT_CONF, provider, model=CCT_MODEL)


def test_characteristic_types_have_a_value_type(charts):
    names = [p.name for p in CCT_MODEL.entity_set("ChartOfCharacteristicTypes_Props").entity_type.properties]
    assert names[names.index("DeletionMark") + 1] == "ValueType"
    assert "TypeDescription" in CCT_MODEL.complex_types
    row = created(charts, "ChartOfCharacteristicTypes_Props", {"Description": "Color", "ValueType": {"Types": "String(20)"}})
    assert row["ValueType"] == {"Types": "String(20)"}
    path = f"ChartOfCharacteristicTypes_Props(guid'{row['Ref_Key']}')"
    patched = call(charts, path, "PATCH", {"ValueType": {"Types": "Number(15,2), CatalogRef.Goods"}})
    assert patched.status_code == 200 and patched.json["ValueType"] == {"Types": "Number(15,2), CatalogRef.Goods"}
    atom = Request.blank("/" + path).get_response(charts).text
    assert ('<d:ValueType m:type="StandardODATA.TypeDescription"><d:Types>Number(15,2), CatalogRef.Goods'
            '</d:Types></d:ValueType>') in atom
    request = Request.blank("/ChartOfCharacteristicTypes_Props?$format=json", method="POST")
    request.body, request.content_type = ATOM_ENTRY.encode(), "application/atom+xml"
    from_atom = request.get_response(charts)
    assert from_atom.status_code == 201 and from_atom.json["ValueType"] == {"Types": "Boolean"}
    assert created(charts, "ChartOfCharacteristicTypes_Props", {"Description": "E"})["ValueType"] == {"Types": ""}
    assert call(charts, f"{path}/ValueType").json["value"] == {"Types": "Number(15,2), CatalogRef.Goods"}
    for query in ("$orderby=ValueType", "$filter=ValueType/Types eq 'x'", "$filter=ValueType eq 'x'"):
        assert call(charts, f"ChartOfCharacteristicTypes_Props?{query}").status_code == 400, query
    assert call(charts, "ChartOfCharacteristicTypes_Props", "POST", {"Description": "x", "ValueType": "x"}).status_code == 400


def test_recorder_position_needs_a_recorder_register():
    from infobase_odata.configuration import ConfigurationError

    with pytest.raises(ConfigurationError, match="recorder_position needs write_mode recorder"):
        InformationRegister(name="X", periodicity="recorder_position", write_mode="independent")
