"""One module per object kind (``kinds/``): the table names each kind's module, and each module
publishes its kind's standard properties in the order of the real dumps (reference §3.3)."""

from __future__ import annotations

import pytest

from infobase_odata import build_model, configuration as cfg
from infobase_odata.configuration import Configuration
from infobase_odata.kinds import (KINDS, accumulation_register, business_process, catalog,
                                  chart_of_characteristic_types, constant, document, enumeration,
                                  exchange_plan, information_register, journal, kind_of, task)

MODULES = {"Catalog": catalog, "Document": document, "DocumentJournal": journal, "Constant": constant,
           "Enum": enumeration, "ChartOfCharacteristicTypes": chart_of_characteristic_types,
           "InformationRegister": information_register, "AccumulationRegister": accumulation_register,
           "ExchangePlan": exchange_plan, "BusinessProcess": business_process, "Task": task}

CONFIGURATION = Configuration.from_dict({"name": "kinds", "objects": [
    {"kind": "Enum", "name": "Виды", "members": ["Товар", "Услуга"]},
    {"kind": "Catalog", "name": "Владельцы"},
    {"kind": "Catalog", "name": "Партнеры"},
    {"kind": "Catalog", "name": "Договоры", "hierarchical": True, "code_type": "Number", "code_length": 5,
     "owners": ["CatalogRef.Владельцы", "CatalogRef.Партнеры"],
     "attributes": [{"name": "Вид", "type": "EnumRef.Виды"}, {"name": "Основание", "type": ["String(10)", "CatalogRef.Партнеры"]}],
     "tabular_sections": [{"name": "Этапы", "attributes": [{"name": "Срок", "type": "Date"}]}]},
    {"kind": "ChartOfCharacteristicTypes", "name": "Свойства", "hierarchical": True},
    {"kind": "Constant", "name": "Основной", "type": ["String(10)", "CatalogRef.Партнеры"]},
    {"kind": "Document", "name": "Заказ", "registers": ["AccumulationRegister_Остатки", "InformationRegister_Статусы"],
     "attributes": [{"name": "Партнер", "type": "CatalogRef.Партнеры"}]},
    {"kind": "InformationRegister", "name": "Цены", "periodicity": "day",
     "dimensions": [{"name": "Партнер", "type": "CatalogRef.Партнеры"}], "resources": [{"name": "Цена", "type": "Number(15,2)"}]},
    {"kind": "InformationRegister", "name": "Статусы", "write_mode": "recorder", "periodicity": "recorder_position",
     "dimensions": [{"name": "Партнер", "type": "CatalogRef.Партнеры"}], "resources": [{"name": "Статус", "type": "String(10)"}]},
    {"kind": "AccumulationRegister", "name": "Остатки", "register_kind": "balance",
     "dimensions": [{"name": "Партнер", "type": "CatalogRef.Партнеры"}], "resources": [{"name": "Сумма", "type": "Number(15,2)"}]},
]})
MODEL = build_model(CONFIGURATION)


def names(set_name: str) -> list[str]:
    return [p.name for p in MODEL.entity_set(set_name).entity_type.properties]


@pytest.mark.parametrize("name", MODULES)
def test_each_existing_kind_is_the_row_of_its_module(name):
    module = MODULES[name]
    row = next(kind for kind in KINDS if kind.name == name)
    assert row is module.KIND and row.build is module.build
    assert kind_of(row.config_class.__new__(row.config_class)) is row


def test_every_modelled_kind_has_one_row():
    classes = [kind.config_class for kind in KINDS if kind.config_class is not None]
    assert len(classes) == len(set(classes))
    # A kind whose module is still to come (issues #13-#15) is built as a generic reference object.
    pending = [kind for kind in KINDS if kind.config_class is not None and kind.build is None]
    assert not pending
    assert all(issubclass(kind.config_class, cfg.ReferenceObject) for kind in pending)


def test_catalog_with_several_owners_hierarchy_and_numeric_code():
    assert names("Catalog_Договоры") == [
        "Ref_Key", "Predefined", "PredefinedDataName", "DataVersion", "Description", "Code", "Owner",
        "Parent_Key", "IsFolder", "DeletionMark", "Вид", "Основание", "Этапы", "Owner_Type", "Основание_Type"]
    entity_type = MODEL.entity_set("Catalog_Договоры").entity_type
    assert entity_type.property("Code").edm_type == "Edm.Int64"
    assert names("Catalog_Договоры_Этапы") == ["Ref_Key", "LineNumber", "Срок"]
    assert MODEL.entity_set("Catalog_Договоры_Этапы").parent is MODEL.entity_set("Catalog_Договоры")


def test_document_chart_and_constant():
    assert names("Document_Заказ") == ["Ref_Key", "DataVersion", "Number", "Date", "DeletionMark", "Posted",
                                       "Партнер_Key"]
    assert names("ChartOfCharacteristicTypes_Свойства") == [
        "Ref_Key", "Predefined", "PredefinedDataName", "DataVersion", "Description", "Code", "Parent_Key",
        "IsFolder", "DeletionMark", "ValueType"]
    assert names("Constant_Основной") == ["Value", "Value_Type", "SurrogateKey"]
    assert MODEL.enum_types["Виды"].members == ("Товар", "Услуга")
    assert [f.name for f in MODEL.function_imports if f.binding_type == "Document_Заказ"] == ["Post", "Unpost"]


def test_registers_record_sets_and_virtual_tables():
    assert names("InformationRegister_Цены") == ["Period", "Партнер_Key", "Цена"]
    assert MODEL.entity_set("InformationRegister_Цены").entity_type.key_names == ("Period", "Партнер_Key")
    assert names("InformationRegister_Статусы") == ["Recorder_Key", "RecordSet"]
    statuses = MODEL.entity_set("InformationRegister_Статусы_RecordType").entity_type
    assert statuses.key_names == ("Recorder_Key", "Period", "Партнер_Key")
    assert names("AccumulationRegister_Остатки_RecordType") == [
        "Recorder_Key", "Period", "LineNumber", "Active", "RecordType", "Партнер_Key", "Сумма"]
    functions = {(f.name, f.binding_type) for f in MODEL.function_imports}
    assert {("SliceLast", "InformationRegister_Цены"), ("SliceFirst", "InformationRegister_Статусы_RecordType"),
            ("Balance", "AccumulationRegister_Остатки"), ("Turnovers", "AccumulationRegister_Остатки"),
            ("BalanceAndTurnovers", "AccumulationRegister_Остатки")} <= functions
    assert [p.name for p in MODEL.complex_types["AccumulationRegister_Остатки_Balance"].properties] == [
        "Партнер_Key", "СуммаBalance"]


def test_the_builder_helpers_keep_their_names():
    from infobase_odata.register_model import RegisterBuilder

    builder = RegisterBuilder(CONFIGURATION)
    for helper in ("attribute_properties", "navigation_for", "add_set", "entity_type", "add_complex_type",
                   "standard_properties", "reference_object", "constant", "independent_register",
                   "recorder_register", "recorder_properties", "register_attributes", "virtual_table_types"):
        assert callable(getattr(builder, helper)), helper
    builder.recorder_register(CONFIGURATION.find("AccumulationRegister_Остатки"))
    assert "AccumulationRegister_Остатки_RecordType" in builder.model.entity_sets
    assert isinstance(CONFIGURATION.find("Catalog_Договоры"), cfg.Catalog)
