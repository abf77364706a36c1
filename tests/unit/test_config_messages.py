"""Configuration messages name the place (with a suggestion for a mistyped key, both positions for
a duplicate), and the JSON Schema generated from the configuration classes describes the files."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import jsonschema
import pytest

from infobase_odata.config_schema import configuration_schema
from infobase_odata.configuration import Configuration, ConfigurationError
from tests.conftest import ROOT

SAMPLES = [ROOT / "samples" / "trade" / "configuration.json", ROOT / "samples" / "existing_site" / "configuration.json"]
BOOKS = {"name": "books", "objects": [
    {"kind": "Catalog", "name": "Books", "attributes": [{"name": "Author", "type": "String(50)"}],
     "tabular_sections": [{"name": "Chapters", "attributes": [{"name": "Title", "type": "String(100)"}]}]},
    {"kind": "Enum", "name": "Genres", "members": ["Novel", "Poetry"]},
], "roles": [{"name": "Reader", "rights": {"*": ["Read"]}}], "users": [{"name": "anna", "roles": ["Reader"]}]}


def message(change) -> str:
    data = copy.deepcopy(BOOKS)
    change(data)
    with pytest.raises(ConfigurationError) as error:
        Configuration.from_dict(data)
    return str(error.value)


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["objects"][0].update(atributes=d["objects"][0].pop("attributes")),
     "objects[0] (Catalog_Books): unknown key 'atributes' (did you mean 'attributes'?)"),
    (lambda d: d["objects"][0].update(colour="red"), "objects[0] (Catalog_Books): unknown key 'colour'"),
    (lambda d: d["objects"][0]["attributes"][0].update(typ="String(5)"),
     "objects[0] (Catalog_Books).attributes[0] (Author): unknown key 'typ' (did you mean 'type'?)"),
    (lambda d: d["objects"][0]["tabular_sections"][0].update(atributes=[]),
     "objects[0] (Catalog_Books).tabular_sections[0] (Chapters): unknown key 'atributes' (did you mean 'attributes'?)"),
    (lambda d: d["roles"][0].update(right={}), "roles[0] (Reader): unknown key 'right' (did you mean 'rights'?)"),
    (lambda d: d["users"][0].update(pasword="x"), "users[0] (anna): unknown key 'pasword' (did you mean 'password'?)"),
    (lambda d: d.update(objcts=[]), "configuration: unknown key 'objcts' (did you mean 'objects'?)"),
])
def test_unknown_keys_name_the_place_and_suggest(change, expected):
    assert message(change) == expected


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["objects"].append({"kind": "Catalog", "name": "Books"}),
     "objects[2] (Catalog_Books): duplicate object, first declared at objects[0]"),
    (lambda d: d["objects"][0]["attributes"].append({"name": "Author", "type": "String(5)"}),
     "objects[0] (Catalog_Books).attributes[1] (Author): duplicate attribute, first declared at "
     "objects[0] (Catalog_Books).attributes[0]"),
    (lambda d: d["objects"][0]["tabular_sections"].append({"name": "Chapters"}),
     "objects[0] (Catalog_Books).tabular_sections[1] (Chapters): duplicate tabular section, first declared at "
     "objects[0] (Catalog_Books).tabular_sections[0]"),
    (lambda d: d["objects"][1]["members"].append("Novel"),
     "objects[1] (Enum_Genres).members[2] (Novel): duplicate member, first declared at "
     "objects[1] (Enum_Genres).members[0]"),
    (lambda d: d["roles"].append({"name": "Reader"}), "roles[1] (Reader): duplicate role, first declared at roles[0]"),
    (lambda d: d["users"].append({"name": "ANNA"}), "users[1] (anna): duplicate user, first declared at users[0]"),
])
def test_duplicates_give_both_positions(change, expected):
    assert message(change) == expected


def test_the_schema_is_valid_and_describes_the_samples():
    schema = configuration_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in SAMPLES:
        jsonschema.Draft202012Validator(schema).validate(json.loads(path.read_text(encoding="utf-8")))
    jsonschema.Draft202012Validator(schema).validate(BOOKS)


def test_the_schema_refuses_what_the_loader_refuses():
    validator = jsonschema.Draft202012Validator(configuration_schema())
    for change in (lambda d: d["objects"][0].update(atributes=[]),
                   lambda d: d["objects"][0].update(code_type="Text"),
                   lambda d: d["objects"][0]["attributes"][0].pop("type"),
                   lambda d: d["objects"].append({"kind": "Catalogue", "name": "X"}),
                   lambda d: d["users"][0].update(password="plain text")):
        data = copy.deepcopy(BOOKS)
        change(data)
        assert not validator.is_valid(data)
        with pytest.raises(ConfigurationError):
            Configuration.from_dict(data)


def test_every_key_of_every_class_is_in_the_schema():
    from infobase_odata.configuration import OBJECT_CLASSES, init_fields

    defs = configuration_schema()["$defs"]
    for kind, cls in OBJECT_CLASSES.items():
        assert set(defs[kind]["properties"]) == {"kind", *init_fields(cls)}


def test_the_published_schema_file_is_generated():
    published = json.loads((ROOT / "docs" / "configuration.schema.json").read_text(encoding="utf-8"))
    assert published == configuration_schema()
    printed = subprocess.run([sys.executable, "-m", "infobase_odata", "schema"], capture_output=True, text=True,
                             check=True, cwd=ROOT)
    assert json.loads(printed.stdout) == published
