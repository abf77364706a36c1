"""Configurations in Python and JSON, type texts, and clear errors for invalid ones."""

from __future__ import annotations

import json

import pytest

from infobase_odata.configuration import (
    Attribute, Catalog, Configuration, Constant, Document, Enum, TabularSection, load_configuration,
)
from infobase_odata.types import (
    Boolean, Composite, ConfigurationError, Date, Number, Ref, String, Uuid, format_type, parse_type,
)


@pytest.mark.parametrize("text, expected", [
    ("String(100)", String(100)),
    ("String", String(0)),
    ("String(0)", String(0)),
    ("String(10,fixed)", String(10, fixed=True)),
    ("Number(15,2)", Number(15, 2)),
    ("Number(10,0,nonnegative)", Number(10, 0, nonnegative=True)),
    ("Number(5)", Number(5, 0)),
    ("Date", Date("date")),
    ("DateTime", Date("datetime")),
    ("Time", Date("time")),
    ("Boolean", Boolean()),
    ("UUID", Uuid()),
    ("CatalogRef.Товары", Ref("CatalogRef.Товары")),
    ("EnumRef.Kinds", Ref("EnumRef.Kinds")),
    (["String(10)", "DocumentRef.X"], Composite((String(10), Ref("DocumentRef.X")))),
])
def test_type_texts_round_trip(text, expected):
    parsed = parse_type(text)
    assert parsed == expected
    assert parse_type(format_type(parsed)) == parsed


@pytest.mark.parametrize("text", ["Strin(10)", "Number(a,b)", "Number(50,2)", "Number(5,6)", "String(-1)",
                                  "Boolean(1)", "ThingRef.X", "CatalogRef.", ["String(1)"], 42, "Date(", ""])
def test_bad_type_texts(text):
    with pytest.raises(ConfigurationError):
        parse_type(text)


def _conf(*objects):
    return Configuration("t", objects)


@pytest.mark.parametrize("objects, message", [
    ((Catalog(name="A"), Catalog(name="A")), "duplicate object Catalog_A"),
    ((Catalog(name="A", attributes=[Attribute("X", "CatalogRef.B")]),), "unknown object Catalog_B"),
    ((Catalog(name="A", attributes=[Attribute("X", "String"), Attribute("X", "Number")]),), "duplicate attribute X"),
    ((Document(name="D", tabular_sections=[TabularSection("T", [Attribute("P", "CatalogRef.Nope")])]),),
     "Document_D.T.P"),
    ((Document(name="D", attributes=[Attribute("T", "String")], tabular_sections=[TabularSection("T")]),),
     "both an attribute and a tabular section"),
    ((Catalog(name="A", owners=["CatalogRef.Missing"]),), "unknown object Catalog_Missing"),
    ((Constant(name="C", type="EnumRef.Missing"),), "unknown object Enum_Missing"),
    ((Document(name="D", registers=["AccumulationRegister_R"]),), "unknown register"),
    ((Catalog(name="1abc"),), "object name"),
])
def test_invalid_configurations_name_the_problem(objects, message):
    with pytest.raises(ConfigurationError, match=message):
        _conf(*objects)


def test_enum_members_must_be_unique():
    with pytest.raises(ConfigurationError, match="duplicate enum member"):
        Enum(name="E", members=["A", "A"])


@pytest.mark.parametrize("data, message", [
    ({}, '"objects"'),
    ({"objects": [{"name": "X"}]}, '"kind" and "name"'),
    ({"objects": [{"kind": "Gizmo", "name": "X"}]}, "unknown kind 'Gizmo'"),
    ({"objects": [{"kind": "Catalog", "name": "X", "colour": "red"}]}, "colour"),
    ({"objects": [{"kind": "Catalog", "name": "X", "attributes": [{"name": "A"}]}]}, '"name" and "type"'),
    ({"objects": [{"kind": "Catalog", "name": "X", "attributes": [{"name": "A", "type": "Nope"}]}]}, "unknown type"),
])
def test_invalid_json_configurations(data, message):
    with pytest.raises(ConfigurationError, match=message):
        Configuration.from_dict(data)


def test_load_configuration_from_file_and_folder(tmp_path):
    data = {"name": "shop", "objects": [{"kind": "Catalog", "name": "Товары",
                                        "attributes": [{"name": "Цена", "type": "Number(15,2)"}]}]}
    (tmp_path / "configuration.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for where in (tmp_path, tmp_path / "configuration.json"):
        conf = load_configuration(where)
        assert conf.name == "shop"
        assert conf.object("Catalog_Товары").attributes[0].type == Number(15, 2)
    with pytest.raises(ConfigurationError, match="no configuration file"):
        load_configuration(tmp_path / "missing")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        load_configuration(tmp_path / "bad.json")


def test_sample_configuration_loads(configuration):
    assert configuration.object("Catalog_Employees").published is False
    assert configuration.object("Catalog_Валюты").attributes[0].name == "ПолноеНаименование"
