"""Golden: the accounting types of ``$metadata`` in the layout of the real БП 3.0 dump
(``../shared/1c-metadata/bp3-jacksonxmlparser.edmx``): a configuration declaring the dump's
``AccountingRegister_Хозрасчетный`` (balanced Организация and Сумма, non-balanced Валюта,
Подразделение and the other resources) regenerates its record set, its ``_RecordType`` (no
ext-dimension properties) and the AccountDr/AccountCr associations exactly; the virtual tables
follow the FunctionImport rules of §4.2. Also the sample's chart of accounts and register."""

from __future__ import annotations

from pathlib import Path

import pytest

from infobase_odata import build_model
from infobase_odata.configuration import (
    AccountingRegister, Attribute, Catalog, ChartOfAccounts, ChartOfCharacteristicTypes, Configuration,
    ConfigurationError, Document, PredefinedAccount, PredefinedItem, load_configuration,
)
from infobase_odata.formats.csdl import metadata_document
from infobase_odata.importer import read_edmx

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT.parent / "shared" / "1c-metadata" / "bp3-jacksonxmlparser.edmx"
REG = "AccountingRegister_Хозрасчетный"
MONEY = "Number(15,2)"


def bp3_configuration() -> Configuration:
    catalogs = [Catalog(name=n) for n in ("Организации", "Валюты", "ПодразделенияОрганизаций", "Контрагенты")]
    kinds = ChartOfCharacteristicTypes(name="ВидыСубконтоХозрасчетные",
                                       type=["CatalogRef.Контрагенты", "CatalogRef.Валюты"],
                                       predefined=[PredefinedItem("Контрагенты", "CatalogRef.Контрагенты")])
    chart = ChartOfAccounts(name="Хозрасчетный", code_length=8,
                            ext_dimension_types="ChartOfCharacteristicTypes_ВидыСубконтоХозрасчетные",
                            predefined=[PredefinedAccount("РасчетыСПоставщиками", "60", type="ActivePassive",
                                                          ext_dimensions=("Контрагенты",))])
    documents = [Document(name=n, registers=(REG,)) for n in ("ПерерасчетСтраховыхВзносов", "ОперацияБух")]
    register = AccountingRegister(
        name="Хозрасчетный", chart_of_accounts="ChartOfAccounts_Хозрасчетный",
        dimensions=[Attribute("Организация", "CatalogRef.Организации"), Attribute("Валюта", "CatalogRef.Валюты"),
                    Attribute("Подразделение", "CatalogRef.ПодразделенияОрганизаций")],
        resources=[Attribute(n, MONEY) for n in ("Сумма", "ВалютнаяСумма", "Количество", "СуммаНУ", "СуммаПР",
                                                 "СуммаВР")],
        attributes=[Attribute("Содержание", "String(150)"),
                    Attribute("НеКорректироватьСтоимостьАвтоматически", "Boolean")],
        unbalanced=("Валюта", "Подразделение", "ВалютнаяСумма", "Количество", "СуммаНУ", "СуммаПР", "СуммаВР"))
    return Configuration("bp3", [*catalogs, kinds, chart, *documents, register])


@pytest.fixture(scope="module")
def generated():
    return read_edmx(metadata_document(build_model(bp3_configuration())))


@pytest.fixture(scope="module")
def dump():
    assert DUMP.is_file(), f"the real dump is missing: {DUMP}"
    return read_edmx(DUMP.read_bytes())


def layout(structure):
    return (structure.key, structure.open_type, [(p.name, p.type, p.nullable) for p in structure.properties],
            structure.navigation)


@pytest.mark.parametrize("name", [REG, f"{REG}_RecordType"])
def test_record_set_and_records_match_the_real_dump(generated, dump, name):
    assert layout(generated.entity_types[name]) == layout(dump.entity_types[name])


def test_records_carry_no_ext_dimensions_and_split_only_non_balanced_ones(generated):
    names = [p.name for p in generated.entity_types[f"{REG}_RecordType"].properties]
    assert not any(n.startswith("ExtDimension") for n in names)
    assert names[:6] == ["Recorder", "Period", "LineNumber", "Active", "AccountDr_Key", "AccountCr_Key"]
    assert "Сумма" in names and "СуммаDr" not in names and "ВалютнаяСуммаDr" in names


@pytest.mark.parametrize("side", ["AccountDr", "AccountCr"])
def test_account_associations_match_the_real_dump(generated, dump, side):
    name = f"{REG}_RecordType_{side}"
    assert generated.associations[name] == dump.associations[name]
    assert dump.entity_sets[REG] == generated.entity_sets[REG] == REG


def test_the_record_set_row_type_adds_ext_dimensions_by_side(generated):
    names = [p.name for p in generated.complex_types[f"{REG}_RowType"].properties]
    records = [p.name for p in generated.entity_types[f"{REG}_RecordType"].properties]
    assert [n for n in names if n in records] == records[:-1] + ["Recorder_Type"]
    assert names[names.index("НеКорректироватьСтоимостьАвтоматически") + 1:][:6] == [
        "ExtDimensionDr1", "ExtDimensionTypeDr1_Key", "ExtDimensionDr2", "ExtDimensionTypeDr2_Key",
        "ExtDimensionDr3", "ExtDimensionTypeDr3_Key"]
    assert names[-6:] == [f"ExtDimension{s}{i}_Type" for s in ("Dr", "Cr") for i in (1, 2, 3)]


EXPECTED_FUNCTIONS = {
    "Balance": ["AccountCondition", "Condition", "Dimensions", "ExtraDimensions", "Period"],
    "Turnovers": ["AccountCondition", "BalancedAccountCondition", "BalancedExtraDimensions", "Condition",
                  "Dimensions", "EndPeriod", "ExtraDimensions", "StartPeriod"],
    "BalanceAndTurnovers": ["AccountCondition", "Condition", "Dimensions", "EndPeriod", "ExtraDimensions",
                            "StartPeriod"],
    "DrCrTurnovers": ["AccountCondition", "BalancedAccountCondition", "BalancedExtraDimensions", "Condition",
                      "Dimensions", "EndPeriod", "ExtraDimensions", "StartPeriod"],
    "RecordsWithExtDimensions": ["Condition", "EndPeriod", "Order", "StartPeriod", "Top"],
    "ExtDimensions": [],
}
RESULT = {"Balance": "Balance", "Turnovers": "Turnover", "BalanceAndTurnovers": "BalanceAndTurnover",
          "DrCrTurnovers": "DrCrTurnover", "RecordsWithExtDimensions": "RecordsWithExtDimensions",
          "ExtDimensions": "ExtDimensions"}


def test_virtual_tables_are_function_imports_of_the_record_set(generated):
    functions = {f.name: f for f in generated.functions if f.binding == REG}
    assert set(functions) == set(EXPECTED_FUNCTIONS)
    for name, params in EXPECTED_FUNCTIONS.items():
        function = functions[name]
        assert [p for p, _ in function.parameters] == params  # alphabetical (§4.2)
        assert function.return_type == f"Collection({REG}_{RESULT[name]})"  # the reader drops the namespace
        assert not function.side_effecting
        assert f"{REG}_{RESULT[name]}" in generated.complex_types


def test_result_types_hold_the_documented_fields(generated):
    def names(suffix):
        return [p.name for p in generated.complex_types[f"{REG}_{suffix}"].properties]

    balance = names("Balance")
    assert balance[:4] == ["Account_Key", "ExtDimension1", "ExtDimension2", "ExtDimension3"]
    assert ["Организация_Key", "Валюта_Key", "Подразделение_Key"] == balance[4:7]
    assert balance[7:10] == ["СуммаBalance", "СуммаBalanceDr", "СуммаBalanceCr"]
    turnover = names("Turnover")
    assert {"BalancedAccount_Key", "СуммаTurnover", "СуммаTurnoverDr", "СуммаTurnoverCr", "YearPeriod"} <= set(turnover)
    drcr = names("DrCrTurnover")
    assert drcr[:2] == ["AccountDr_Key", "AccountCr_Key"]
    assert {"ВалютаDr_Key", "ВалютаCr_Key", "Организация_Key", "СуммаTurnover", "ВалютнаяСуммаTurnoverDr",
            "ВалютнаяСуммаTurnoverCr", "ExtDimensionDr1", "ExtDimensionCr3_Type"} <= set(drcr)
    assert "СуммаTurnoverDr" not in drcr and "ВалютнаяСуммаTurnover" not in drcr
    assert "ExtDimensionTypeCr1_Key" in names("RecordsWithExtDimensions")


def test_chart_of_accounts_standard_properties():
    model = build_model(load_configuration(ROOT / "samples" / "accounting"))
    chart = model.entity_set("ChartOfAccounts_Main").entity_type
    assert [p.name for p in chart.properties] == [
        "Ref_Key", "Predefined", "PredefinedDataName", "DataVersion", "Description", "Code", "Parent_Key",
        "DeletionMark", "Order", "Type", "OffBalance", "Quantitative", "ExtDimensionTypes"]
    assert [n.name for n in chart.navigation] == ["Parent"]
    rows = model.entity_set("ChartOfAccounts_Main_ExtDimensionTypes").entity_type
    assert [p.name for p in rows.properties] == ["Ref_Key", "LineNumber", "ExtDimensionType_Key", "TurnoversOnly",
                                                 "Predefined", "Quantitative"]
    kinds = model.entity_set("ChartOfCharacteristicTypes_ExtDimensionTypes").entity_type
    assert kinds.property("ValueType").edm_type == "StandardODATA.TypeDescription"


@pytest.mark.parametrize("change,message", [
    ({"chart_of_accounts": "Catalog_Организации"}, "is not a chart of accounts"),
    ({"unbalanced": ("Нет",)}, "unbalanced names no dimension or resource Нет"),
])
def test_register_mistakes_are_reported(change, message):
    conf = bp3_configuration()
    with pytest.raises(ConfigurationError, match=message):
        objects = [o if not isinstance(o, AccountingRegister) else AccountingRegister(**{
            "name": o.name, "chart_of_accounts": o.chart_of_accounts, "dimensions": o.dimensions,
            "resources": o.resources, "unbalanced": o.unbalanced, **change}) for o in conf.objects]
        Configuration("bp3", objects)


def test_account_mistakes_are_reported():
    with pytest.raises(ConfigurationError, match="type must be one of"):
        PredefinedAccount("x", "1", type="Sideways")
    with pytest.raises(ConfigurationError, match="unknown parent"):
        ChartOfAccounts(name="X", predefined=[PredefinedAccount("a", "1", parent="b")])
    with pytest.raises(ConfigurationError, match="is no predefined item"):
        Configuration("x", [ChartOfCharacteristicTypes(name="K", type=["String(10)", "Boolean"]),
                            ChartOfAccounts(name="X", ext_dimension_types="ChartOfCharacteristicTypes_K",
                                            predefined=[PredefinedAccount("a", "1", ext_dimensions=("Нет",))])])


def test_the_sample_validates_against_the_published_schema():
    import json

    import jsonschema

    from infobase_odata.config_schema import configuration_schema
    data = json.loads((ROOT / "samples" / "accounting" / "configuration.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(configuration_schema()).validate(data)
    data["objects"][5]["predefined"][0]["type"] = "Sideways"  # the chart of accounts' first account
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(configuration_schema()).validate(data)
