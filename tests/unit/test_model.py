"""The EDM model follows the 1C naming rules of reference §1-4."""

from __future__ import annotations

import pytest

from infobase_odata.configuration import Attribute, Catalog, Configuration, Constant, Document, Enum, TabularSection
from infobase_odata.model import COMPOSITE, COMPOSITE_TYPE, REF, TABULAR, build_model
from infobase_odata.types import ConfigurationError


def names(entity_type):
    return [p.name for p in entity_type.properties]


def test_catalog_standard_properties_in_1c_order(model):
    goods = model.entity_set("Catalog_Goods").entity_type
    assert names(goods) == ["Ref_Key", "Predefined", "PredefinedDataName", "DataVersion", "Description", "Code",
                            "Parent_Key", "IsFolder", "DeletionMark", "Article", "Price", "Unit_Key", "Kind"]
    assert goods.key_names == ("Ref_Key",)
    assert [n.name for n in goods.navigation] == ["Parent", "Unit"]
    assert goods.property("Price").edm_type == "Edm.Double"
    assert goods.property("Kind").edm_type == "Edm.String"
    assert not goods.open_type


def test_document_with_composite_and_tabular_section(model):
    order = model.entity_set("Document_SalesOrder").entity_type
    assert names(order)[:6] == ["Ref_Key", "DataVersion", "Number", "Date", "DeletionMark", "Posted"]
    # attributes, then tabular sections, then every X_Type (§3.3)
    assert names(order)[-3:] == ["Basis", "Goods", "Basis_Type"]
    assert order.property("Basis").role == COMPOSITE and order.property("Basis_Type").role == COMPOSITE_TYPE
    assert order.open_type
    goods = order.property("Goods")
    assert goods.role == TABULAR and goods.edm_type == "Collection(StandardODATA.Document_SalesOrder_Goods_RowType)"
    assert not any(n.name == "Basis" for n in order.navigation)


def test_tabular_section_entity_set(model):
    rows = model.entity_set("Document_SalesOrder_Goods")
    assert rows.read_only and rows.parent is model.entity_set("Document_SalesOrder")
    assert rows.entity_type.key_names == ("Ref_Key", "LineNumber")
    assert names(rows.entity_type) == ["Ref_Key", "LineNumber", "Product_Key", "Quantity", "Price", "Amount"]
    assert [n.association for n in rows.entity_type.navigation] == ["Document_SalesOrder_Goods_Product"]
    row_type = model.complex_types["Document_SalesOrder_Goods_RowType"]
    assert names(row_type) == names(rows.entity_type)


def test_unpublished_targets_keep_key_without_navigation(model):
    counterparties = model.entity_set("Catalog_Counterparties").entity_type
    assert counterparties.property("Manager_Key").role == REF
    assert counterparties.navigation_property("Manager") is None
    assert model.entity_set("Catalog_Employees") is None


def test_constant_and_enum(model):
    constant = model.entity_set("Constant_CompanyName").entity_type
    assert names(constant) == ["Value", "SurrogateKey"]
    assert constant.property("SurrogateKey").edm_type == "Edm.Int16"
    assert model.enum_types["GoodsKinds"].members == ("Product", "Service")
    assert "Enum_GoodsKinds" not in model.entity_sets


def test_associations_named_by_source_type_and_property(model):
    names_ = {a.name for a in model.associations}
    assert {"Catalog_Goods_Parent", "Catalog_Goods_Unit", "Document_SalesOrder_Customer"} <= names_


@pytest.mark.parametrize("digits, edm", [(4, "Edm.Int16"), (9, "Edm.Int32"), (10, "Edm.Int64")])
def test_integer_types_by_digits(digits, edm):
    conf = Configuration("t", [Catalog(name="A", attributes=[Attribute("N", f"Number({digits},0)")])])
    assert build_model(conf).entity_set("Catalog_A").entity_type.property("N").edm_type == edm


def test_catalog_variants():
    conf = Configuration("t", [
        Catalog(name="Owner"),
        Catalog(name="Sub", owners=["CatalogRef.Owner"], hierarchical=True, hierarchy="items",
                code_length=0, description_length=0),
        Catalog(name="Multi", owners=["CatalogRef.Owner", "CatalogRef.Sub"], code_type="Number"),
        Constant(name="Ref", type="CatalogRef.Owner"),
    ])
    model = build_model(conf)
    sub = model.entity_set("Catalog_Sub").entity_type
    assert names(sub) == ["Ref_Key", "Predefined", "PredefinedDataName", "DataVersion", "Owner_Key", "Parent_Key",
                          "DeletionMark"]
    assert [n.name for n in sub.navigation] == ["Owner", "Parent"]
    multi = model.entity_set("Catalog_Multi").entity_type
    assert multi.property("Owner").role == COMPOSITE and multi.property("Owner_Type") is not None
    assert multi.property("Code").edm_type == "Edm.Int64"
    assert multi.open_type
    assert names(model.entity_set("Constant_Ref").entity_type) == ["Value_Key", "SurrogateKey"]


def test_generated_name_clash_is_an_error():
    conf = Configuration("t", [
        Document(name="A", tabular_sections=[TabularSection("B")]),
        Document(name="A_B"),
    ])
    with pytest.raises(ConfigurationError, match="Document_A_B"):
        build_model(conf)


def test_cyrillic_names_are_kept_exactly():
    conf = Configuration("t", [Enum(name="ВидыТоваров", members=["Товар", "Услуга"]),
                               Catalog(name="Товары", attributes=[Attribute("Вид", "EnumRef.ВидыТоваров")])])
    model = build_model(conf)
    assert model.entity_set("Catalog_Товары").entity_type.property("Вид").edm_type == "Edm.String"
    assert "ВидыТоваров" in model.enum_types
