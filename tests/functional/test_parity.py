"""Atom and JSON carry the same data for every entity set of the sample."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import quote

from lxml import etree
from webob import Request

from tests.conftest import ATOM_NS, M_NS, SERVICE


def _json_text(value) -> object:
    """A JSON value as the text Atom would carry (Decimal keeps the exact number text)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return None
    if isinstance(value, list):
        return [{k: _json_text(v) for k, v in row.items()} for row in value]
    if isinstance(value, dict):  # a complex value (ValueType)
        return {k: _json_text(v) for k, v in value.items()}
    return str(value)


def _atom_properties(properties) -> dict:
    result = {}
    for element in properties:
        name = etree.QName(element).localname
        if element.get(f"{{{M_NS}}}null") == "true":
            result[name] = None
        elif element.get(f"{{{M_NS}}}type", "").startswith("Collection("):
            result[name] = [
                {etree.QName(c).localname: (None if c.get(f"{{{M_NS}}}null") == "true" else (c.text or ""))
                 for c in row}
                for row in element
            ]
        elif element.get(f"{{{M_NS}}}type", "").startswith("StandardODATA."):  # a complex value
            result[name] = {etree.QName(c).localname: c.text or "" for c in element}
        else:
            result[name] = element.text or ""
    return result


def test_atom_and_json_carry_the_same_data(sample_app, model):
    for name in model.entity_sets:
        path = SERVICE + quote(name) + "?$top=25"
        as_json = json.loads(Request.blank(path + "&$format=json").get_response(sample_app).body,
                             parse_float=Decimal)
        atom = etree.fromstring(Request.blank(path).get_response(sample_app).body)
        json_rows = [
            {k: _json_text(v) for k, v in row.items() if "@" not in k} for row in as_json["value"]
        ]
        atom_rows = [_atom_properties(entry.find(f"{{{ATOM_NS}}}content/{{{M_NS}}}properties"))
                     for entry in atom.findall(f"{{{ATOM_NS}}}entry")]
        assert json_rows, name
        assert json_rows == atom_rows, name
