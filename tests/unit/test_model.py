"""The EDM model follows the 1C naming rules of reference §1-4."""

from __future__ import annotations

import pytest

from infobase_odata.configuration import Attribute, Catalog, Configuration, Constant, Document, Enum, TabularSection
from infobase_odata import build_model
from infobase_odata.model import COMPOSITE, COMPOSITE_TYPE, REF, TABULAR
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


def _register_conf():
    from infobase_odata.configuration import AccumulationRegister, InformationRegister

    return Configuration("t", [
        Catalog(name="Goods"), Catalog(name="Wh"),
        Document(name="Sale", registers=["AccumulationRegister_Stock", "AccumulationRegister_Sales"]),
        Document(name="Rec", registers=["AccumulationRegister_Stock", "InformationRegister_Incoming"]),
        AccumulationRegister(name="Stock", dimensions=[Attribute("Product", "CatalogRef.Goods"),
                                                      Attribute("Warehouse", "CatalogRef.Wh")],
                             resources=[Attribute("Quantity", "Number(15,3)")]),
        AccumulationRegister(name="Sales", register_kind="turnovers",
                             dimensions=[Attribute("Product", "CatalogRef.Goods")],
                             resources=[Attribute("Amount", "Number(15,2)")]),
        InformationRegister(name="Курсы", periodicity="day", dimensions=[Attribute("Товар", "CatalogRef.Goods")],
                            resources=[Attribute("Курс", "Number(10,4)")]),
        InformationRegister(name="Incoming", write_mode="recorder", dimensions=[Attribute("Product", "CatalogRef.Goods")],
                            resources=[Attribute("Price", "Number(15,2)")]),
    ])


def test_accumulation_register_sets_composite_recorder():
    model = build_model(_register_conf())
    record_set = model.entity_set("AccumulationRegister_Stock")
    assert record_set.kind == "record_set" and record_set.entity_type.open_type
    assert record_set.entity_type.key_names == ("Recorder", "Recorder_Type")
    assert names(record_set.entity_type) == ["Recorder", "RecordSet", "Recorder_Type"]
    records = model.entity_set("AccumulationRegister_Stock_RecordType")
    assert record_set.records is records and records.read_only
    assert records.entity_type.key_names == ("Recorder", "LineNumber", "Recorder_Type")
    assert names(records.entity_type) == ["Recorder", "Period", "LineNumber", "Active", "RecordType",
                                          "Product_Key", "Warehouse_Key", "Quantity", "Recorder_Type"]
    assert [p.name for p in records.entity_type.properties if not p.nullable] == ["Recorder", "LineNumber",
                                                                                  "Recorder_Type"]
    balance = model.complex_types["AccumulationRegister_Stock_Balance"]
    assert [p.name for p in balance.properties] == ["Product_Key", "Warehouse_Key", "QuantityBalance"]
    imports = {(f.name, f.binding_type): f for f in model.function_imports}
    assert [p for p, _ in imports[("Balance", "AccumulationRegister_Stock")].parameters] == ["Condition", "Dimensions", "Period"]
    assert [p for p, _ in imports[("Turnovers", "AccumulationRegister_Stock")].parameters] == [
        "Condition", "Dimensions", "EndPeriod", "StartPeriod"]
    assert ("BalanceAndTurnovers", "AccumulationRegister_Stock") in imports


def test_turnover_register_single_recorder():
    model = build_model(_register_conf())
    record_set = model.entity_set("AccumulationRegister_Sales")
    assert record_set.entity_type.key_names == ("Recorder_Key",)
    assert [n.name for n in record_set.entity_type.navigation] == ["Recorder"]
    records = model.entity_set("AccumulationRegister_Sales_RecordType").entity_type
    assert "RecordType" not in names(records)
    turnover = [p.name for p in model.complex_types["AccumulationRegister_Sales_Turnover"].properties]
    assert turnover[-1] == "AmountTurnover" and "AmountReceipt" not in turnover
    assert not any(f.binding_type == "AccumulationRegister_Sales" and f.name == "Balance" for f in model.function_imports)


def test_information_registers():
    model = build_model(_register_conf())
    rates = model.entity_set("InformationRegister_Курсы")
    assert rates.kind == "independent_records"
    assert rates.entity_type.key_names == ("Period", "Товар_Key")
    assert "InformationRegister_Курсы_RecordType" not in model.entity_sets
    slices = [f for f in model.function_imports if f.binding_type == "InformationRegister_Курсы"]
    assert {f.name for f in slices} == {"SliceLast", "SliceFirst"}
    assert slices[0].return_type == "Collection(StandardODATA.InformationRegister_Курсы)"
    incoming = model.entity_set("InformationRegister_Incoming")
    assert incoming.kind == "record_set" and incoming.entity_type.key_names == ("Recorder_Key",)
    records = model.entity_set("InformationRegister_Incoming_RecordType")
    assert records.entity_type.key_names == ("Product_Key",)
    assert any(f.binding_type == "InformationRegister_Incoming_RecordType" and f.name == "SliceLast"
               for f in model.function_imports)


def test_documents_get_post_and_unpost(model):
    actions = {(f.name, f.binding_type) for f in model.function_imports if f.side_effecting}
    assert ("Post", "Document_SalesOrder") in actions and ("Unpost", "Document_GoodsReceipt") in actions


def test_register_without_recorder_is_an_error():
    from infobase_odata.configuration import AccumulationRegister

    conf = Configuration("t", [AccumulationRegister(name="Lonely", resources=[Attribute("Q", "Number(5)")])])
    with pytest.raises(ConfigurationError, match="no document posts"):
        build_model(conf)
