"""$metadata (reference §4): golden document of the sample and the layout rules of real dumps.

Regenerate the golden file after an intended model change with
``INFOBASE_ODATA_UPDATE_GOLDEN=1 python -m pytest tests/unit -k formats``, then review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from infobase_odata.configuration import load_configuration
from infobase_odata.formats.csdl import EDM_NS, EDMX_NS, M_NS, metadata_document
from infobase_odata import build_model
from infobase_odata.register_model import RegisterBuilder
from infobase_odata.model import FunctionImport

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "metadata.xml"
E = "{%s}" % EDM_NS




@pytest.fixture(scope="module")
def doc(model):
    return metadata_document(model)


@pytest.fixture(scope="module")
def schema(doc):
    return etree.fromstring(doc).find(f"{{{EDMX_NS}}}DataServices/{E}Schema")


def test_golden_metadata(doc):
    if os.environ.get("INFOBASE_ODATA_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(doc)
    assert doc == GOLDEN.read_bytes()


def test_skeleton(doc):
    assert doc.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<edmx:Edmx ')
    root = etree.fromstring(doc)
    assert root.tag == f"{{{EDMX_NS}}}Edmx" and root.get("Version") == "1.0"
    services = root.find(f"{{{EDMX_NS}}}DataServices")
    assert services.get(f"{{{M_NS}}}DataServiceVersion") == "3.0"
    assert services.get(f"{{{M_NS}}}MaxDataServiceVersion") == "3.0"
    schemas = services.findall(f"{E}Schema")
    assert len(schemas) == 1 and schemas[0].get("Namespace") == "StandardODATA"
    container = schemas[0].find(f"{E}EntityContainer")
    assert container.get("Name") == "EnterpriseV8"
    assert container.get(f"{{{M_NS}}}IsDefaultEntityContainer") == "true"
    assert container.find(f"{E}AssociationSet") is None


def test_element_order(schema):
    order = ["EntityType", "ComplexType", "EnumType", "Association", "EntityContainer"]
    kinds = [etree.QName(el).localname for el in schema]
    ranks = [order.index(k) for k in kinds]
    assert ranks == sorted(ranks)
    assert set(kinds) == set(order)


def test_every_property_has_explicit_nullable_and_no_facets(schema, model):
    props = schema.iter(f"{E}Property")
    for prop in props:
        assert prop.get("Nullable") in ("true", "false")
        assert set(prop.attrib) == {"Name", "Type", "Nullable"}
    goods = schema.find(f"{E}EntityType[@Name='Document_SalesOrder_Goods']")
    assert [p.get("Nullable") for p in goods.findall(f"{E}Property")][:3] == ["false", "false", "true"]


def test_open_type_exactly_on_composite_types(schema, model):
    for el in schema.findall(f"{E}EntityType"):
        expected = model.entity_set(el.get("Name")).entity_type.open_type
        assert (el.get("OpenType") == "true") == expected
        assert el.get("OpenType") in (None, "true")
    assert schema.find(f"{E}EntityType[@Name='Document_SalesOrder']").get("OpenType") == "true"


def test_navigation_and_associations(schema):
    goods = schema.find(f"{E}EntityType[@Name='Catalog_Goods']")
    navs = goods.findall(f"{E}NavigationProperty")
    assert [(n.get("Name"), n.get("Relationship"), n.get("FromRole"), n.get("ToRole")) for n in navs] == [
        ("Parent", "StandardODATA.Catalog_Goods_Parent", "Begin", "End"),
        ("Unit", "StandardODATA.Catalog_Goods_Unit", "Begin", "End"),
    ]
    assoc = schema.find(f"{E}Association[@Name='Catalog_Goods_Unit']")
    assert [(e.get("Role"), e.get("Type"), e.get("Multiplicity")) for e in assoc] == [
        ("Begin", "StandardODATA.Catalog_Goods", "*"),
        ("End", "StandardODATA.Catalog_Units", "0..1"),
    ]
    # An unpublished target gets only X_Key (§4.2).
    counterparties = schema.find(f"{E}EntityType[@Name='Catalog_Counterparties']")
    assert counterparties.find(f"{E}NavigationProperty") is None


def test_enum_types_by_member_name(schema):
    enums = schema.findall(f"{E}EnumType")
    assert [(e.get("Name"), e.get("UnderlyingType")) for e in enums] == [("GoodsKinds", "Edm.Int32")]
    assert [(m.get("Name"), m.get("Value")) for m in enums[0]] == [("Product", None), ("Service", None)]


def test_tabular_section_twice(schema):
    doc = schema.find(f"{E}EntityType[@Name='Document_SalesOrder']")
    goods = doc.find(f"{E}Property[@Name='Goods']")
    assert goods.get("Type") == "Collection(StandardODATA.Document_SalesOrder_Goods_RowType)"
    row = schema.find(f"{E}ComplexType[@Name='Document_SalesOrder_Goods_RowType']")
    assert [p.get("Name") for p in row][:2] == ["Ref_Key", "LineNumber"]
    keys = schema.find(f"{E}EntityType[@Name='Document_SalesOrder_Goods']/{E}Key")
    assert [k.get("Name") for k in keys] == ["Ref_Key", "LineNumber"]


def test_entity_sets_in_model_order(schema, model):
    container = schema.find(f"{E}EntityContainer")
    sets = [(s.get("Name"), s.get("EntityType")) for s in container.findall(f"{E}EntitySet")]
    assert sets == [(n, f"StandardODATA.{s.entity_type.name}") for n, s in model.entity_sets.items()]


def test_function_imports():
    # A model as the builder assembles it (build_model freezes the finished one).
    model = RegisterBuilder(load_configuration(ROOT / "samples" / "trade")).build()
    model.function_imports = [
        FunctionImport("Post", "Document_SalesOrder", (("PostingModeOperational", "Edm.Boolean"),), True),
        FunctionImport("Balance", "StandardODATA.Document_SalesOrder",
                       (("Condition", "Edm.String"), ("Period", "Edm.DateTime")), False,
                       "Collection(StandardODATA.Document_SalesOrder_Goods_RowType)"),
    ]
    container = etree.fromstring(metadata_document(model)).find(
        f"{{{EDMX_NS}}}DataServices/{E}Schema/{E}EntityContainer")
    post, balance = container.findall(f"{E}FunctionImport")
    assert dict(post.attrib) == {"Name": "Post", "IsBindable": "true", "IsSideEffecting": "true"}
    assert [(p.get("Name"), p.get("Type"), p.get("Nullable")) for p in post] == [
        ("bindingParameter", "StandardODATA.Document_SalesOrder", None),
        ("PostingModeOperational", "Edm.Boolean", None),
    ]
    assert list(balance.attrib.items()) == [
        ("Name", "Balance"), ("IsBindable", "true"), ("IsSideEffecting", "false"),
        ("ReturnType", "Collection(StandardODATA.Document_SalesOrder_Goods_RowType)"),
    ]
    assert [p.get("Name") for p in balance] == ["bindingParameter", "Condition", "Period"]
    assert balance[0].get("Type") == "StandardODATA.Document_SalesOrder"


def test_python_1c_odata_reads_our_metadata(doc, model):
    from python_1c_odata.metadata import parse_metadata

    parsed = parse_metadata(doc.decode("utf-8"))
    assert [s.name for s in parsed.entity_sets] == list(model.entity_sets)
    goods = parsed.entity_type_for_set("Catalog_Goods")
    assert goods.keys == ("Ref_Key",)
    assert goods.navigation_properties == ("Parent", "Unit")
    assert [p.name for p in goods.properties] == [p.name for p in model.entity_set("Catalog_Goods").entity_type.properties]
    assert parsed.entity_type_for_set("Catalog_Валюты").properties[-1].name == "ПолноеНаименование"
