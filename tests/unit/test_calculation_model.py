"""Charts of calculation types and calculation registers in the model and ``$metadata`` (the
payroll sample), the configuration checks of both kinds, and the period arithmetic of
``calculations.py``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from infobase_odata import build_model
from infobase_odata.calculations import period_end, subtract
from infobase_odata.configuration import Configuration, ConfigurationError, load_configuration
from infobase_odata.formats import csdl
from infobase_odata.kinds.chart_of_calculation_types import predefined_ref, predefined_rows

PAYROLL = Path(__file__).resolve().parents[2] / "samples" / "payroll"
EDM = "{http://schemas.microsoft.com/ado/2009/11/edm}"


@pytest.fixture(scope="module")
def model():
    return build_model(load_configuration(PAYROLL))


def _names(model, name):
    found = model.entity_sets.get(name) or model.vt_result_sets.get(name)
    return [p.name for p in (found.entity_type if found else model.complex_types[name]).properties]


def test_chart_standard_properties_and_tabular_sections(model):
    assert _names(model, "ChartOfCalculationTypes_Accruals") == [
        "Ref_Key", "Predefined", "PredefinedDataName", "DataVersion", "Description", "Code", "DeletionMark",
        "ActionPeriodIsBasic", "LeadingCalculationTypes", "DisplacingCalculationTypes", "BaseCalculationTypes"]
    for section in ("LeadingCalculationTypes", "DisplacingCalculationTypes", "BaseCalculationTypes"):
        assert _names(model, f"ChartOfCalculationTypes_Accruals_{section}") == ["Ref_Key", "LineNumber",
                                                                               "CalculationType_Key"]


def test_register_record_type_record_set_and_results(model):
    record = ["Recorder_Key", "LineNumber", "Active", "RegistrationPeriod", "CalculationType_Key", "ActionPeriod",
              "BegOfActionPeriod", "EndOfActionPeriod", "BegOfBasePeriod", "EndOfBasePeriod", "ReversingEntry",
              "Employee_Key", "Result", "Rate", "Schedule_Key"]
    records = model.entity_sets["CalculationRegister_Accruals_RecordType"]
    assert _names(model, records.name) == record
    assert records.entity_type.key_names == ("Recorder_Key", "LineNumber")
    assert [n.name for n in records.entity_type.navigation] == ["Recorder", "CalculationType", "Employee", "Schedule"]
    assert _names(model, "CalculationRegister_Accruals") == ["Recorder_Key", "RecordSet"]
    assert _names(model, "CalculationRegister_Accruals_RowType") == record
    assert _names(model, "CalculationRegister_Accruals_ActualActionPeriod") == [
        "Recorder_Key", "LineNumber", "RegistrationPeriod", "CalculationType_Key", "ActionPeriod",
        "BegOfActionPeriod", "EndOfActionPeriod", "Employee_Key"]
    assert _names(model, "CalculationRegister_Accruals_ScheduleData") == record + [
        f"{r}{s}" for r in ("Days", "Hours") for s in ("ActionPeriod", "ActualActionPeriod", "RegistrationPeriod",
                                                        "BasePeriod")]
    assert _names(model, "CalculationRegister_Accruals_BaseAccruals") == record + ["ResultBase",
                                                                                  "EmployeeViewPoint_Key"]
    assert _names(model, "CalculationRegister_Accruals_Recalc") == ["RecalculationObject_Key", "CalculationType_Key",
                                                                    "Employee_Key"]


def test_metadata_lists_the_result_types_and_function_imports(model):
    root = etree.fromstring(csdl.metadata_document(model))
    complex_types = {e.get("Name") for e in root.iter(f"{EDM}ComplexType")}
    assert {"CalculationRegister_Accruals_RowType", "CalculationRegister_Accruals_ScheduleData",
            "CalculationRegister_Accruals_ActualActionPeriod", "CalculationRegister_Accruals_BaseAccruals",
            "CalculationRegister_Accruals_Recalc"} <= complex_types
    functions = {(f.get("Name"), tuple(p.get("Name") for p in f.iter(f"{EDM}Parameter")))
                 for f in root.iter(f"{EDM}FunctionImport") if "CalculationRegister" in (f.get("ReturnType") or "")}
    assert functions == {
        ("ScheduleData", ("bindingParameter", "Condition")),
        ("ActualActionPeriod", ("bindingParameter", "Condition")),
        ("BaseAccruals", ("bindingParameter", "BaseRegisterDimensions", "Condition", "MainRegisterDimensions",
                          "ViewPoints")),
        ("Recalc", ("bindingParameter",))}


def test_predefined_types_have_fixed_keys_and_their_lists():
    chart = load_configuration(PAYROLL).object("ChartOfCalculationTypes_Accruals")
    rows = {row["PredefinedDataName"]: row for row in predefined_rows(chart)}
    assert [rows[n]["Code"] for n in ("Salary", "Vacation", "Bonus")] == ["001", "002", "003"]
    assert rows["Salary"]["DisplacingCalculationTypes"] == [
        {"LineNumber": 1, "CalculationType_Key": predefined_ref(chart, "Vacation")}]
    assert [r["CalculationType_Key"] for r in rows["Bonus"]["BaseCalculationTypes"]] == [
        predefined_ref(chart, "Salary"), predefined_ref(chart, "Vacation")]
    assert predefined_ref(chart, "Salary") == rows["Salary"]["Ref_Key"] != predefined_ref(chart, "Bonus")


CHART = {"kind": "ChartOfCalculationTypes", "name": "Kinds", "action_period": True, "dependence": "action_period",
         "predefined": ["A", "B"]}
REGISTER = {"kind": "CalculationRegister", "name": "R", "chart": "ChartOfCalculationTypes_Kinds",
            "recorders": ["Document_D"], "dimensions": [{"name": "Who", "type": "String(10)"}]}


@pytest.mark.parametrize("change,message", [
    ({1: {"chart": "Catalog_X"}}, "chart must name a ChartOfCalculationTypes"),
    ({0: {"displacing": {"A": ["C"]}}}, "C is not a predefined calculation type"),
    ({0: {"dependence": "sometimes"}}, "dependence must be one of"),
    ({0: {"action_period": False}}, "displacing types need action_period"),
    ({1: {"registration_period": "week"}}, "registration_period must be one of"),
    ({1: {"recalculations": {"Again": ["Nobody"]}}}, "Nobody is not a dimension"),
    ({1: {"schedule": "InformationRegister_S"}}, "a schedule needs action_period"),
    ({1: {"base_registers": ["Document_D"]}}, "is not a calculation register"),
    ({1: {"action_period": True, "schedule": "Document_D"}}, "is not an information register"),
])
def test_configuration_mistakes_are_reported(change, message):
    objects = [dict(CHART, displacing={"A": ["B"]}), dict(REGISTER),
               {"kind": "Document", "name": "D"}]
    for index, values in change.items():
        objects[index].update(values)
    with pytest.raises(ConfigurationError, match=message):
        Configuration.from_dict({"name": "x", "objects": objects})


def test_a_standard_tabular_section_cannot_be_declared():
    chart = dict(CHART, tabular_sections=[{"name": "BaseCalculationTypes", "attributes": []}])
    with pytest.raises(ConfigurationError, match="standard tabular section"):
        build_model(Configuration.from_dict({"name": "x", "objects": [chart]}))


def test_period_arithmetic():
    d = dt.date
    assert period_end(d(2024, 2, 1), "month") == d(2024, 2, 29)
    assert period_end(d(2024, 10, 1), "quarter") == d(2024, 12, 31)
    assert period_end(d(2024, 1, 1), "year") == d(2024, 12, 31)
    assert period_end(d(2024, 1, 5), "day") == d(2024, 1, 5)
    month = (d(2024, 1, 1), d(2024, 1, 31))
    assert subtract(month, [(d(2024, 1, 15), d(2024, 1, 19))]) == [(d(2024, 1, 1), d(2024, 1, 14)),
                                                                   (d(2024, 1, 20), d(2024, 1, 31))]
    assert subtract(month, [(d(2023, 12, 20), d(2024, 1, 3)), (d(2024, 1, 2), d(2024, 1, 10))]) == [
        (d(2024, 1, 11), d(2024, 1, 31))]
    assert subtract(month, [(d(2023, 1, 1), d(2025, 1, 1))]) == []
    assert subtract(month, [(d(2024, 2, 1), d(2024, 2, 5))]) == [month]
