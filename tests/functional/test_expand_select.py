"""$expand (navigation, nested, `*`, composite `X/Type/...` into `X_Expanded`) and $select
(`*`, `**`, `Tab/Field`, presentations) on both providers, in JSON and Atom."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from lxml import etree
from webob import Request

from tests.conftest import ATOM_NS, M_NS, SERVICE, assert_odata_error

NIL = "00000000-0000-0000-0000-000000000000"


def get_json(app, path: str) -> dict:
    response = Request.blank(SERVICE + path + ("&" if "?" in path else "?") + "$format=json").get_response(app)
    assert response.status_code == 200, response.body[:400]
    return json.loads(response.body, parse_float=Decimal)


def test_expand_navigation_inline(sample_app):
    rows = get_json(sample_app, "Catalog_Goods?$filter=IsFolder eq false&$top=20&$expand=Unit")["value"]
    for row in rows:
        assert "Unit@navigationLinkUrl" not in row
        if row["Unit_Key"] == NIL:
            assert row["Unit"] is None
        else:
            assert row["Unit"]["Ref_Key"] == row["Unit_Key"] and row["Unit"]["Description"]


def test_nested_and_star_expand(sample_app):
    orders = get_json(sample_app, "Document_SalesOrder?$top=5&$expand=" + quote("*,Customer"))["value"]
    for order in orders:
        assert set(order) >= {"Customer", "Warehouse", "Currency"}
        assert order["Warehouse"]["Ref_Key"] == order["Warehouse_Key"]
    goods = get_json(sample_app, "Catalog_Goods?$top=30&$expand=" + quote("Parent/Parent"))["value"]
    nested = [g for g in goods if g["Parent"] and g["Parent"]["Parent_Key"] != NIL]
    for item in nested:
        assert item["Parent"]["Parent"]["Ref_Key"] == item["Parent"]["Parent_Key"]


def test_composite_expand_into_expanded_property(sample_app):
    orders = get_json(sample_app, "Document_SalesOrder?$expand=" + quote("Basis/Catalog_Counterparties"))["value"]
    typed = [o for o in orders if o["Basis_Type"] == "StandardODATA.Catalog_Counterparties"]
    others = [o for o in orders if o["Basis_Type"] != "StandardODATA.Catalog_Counterparties"]
    assert typed and others, "the seed uses several Basis types"
    for order in typed:
        assert order["Basis_Expanded"]["Ref_Key"] == order["Basis"]
    for order in others:
        assert order["Basis_Expanded"] is None
    atom = etree.fromstring(Request.blank(SERVICE + "Document_SalesOrder?$top=50&$expand="
                                          + quote("Basis/Catalog_Counterparties")).get_response(sample_app).body)
    inline = atom.findall(f".//{{{M_NS}}}inline/{{{ATOM_NS}}}entry")
    assert inline and all(e.find(f"{{{ATOM_NS}}}category").get("term") == "StandardODATA.Catalog_Counterparties"
                          for e in inline)


@pytest.mark.parametrize("expand", ["Basis", "Basis/Catalog_Nothing", "Basis/Catalog_Units", "Nope", "Customer/Nope"])
def test_bad_expands(sample_app, expand):
    response = Request.blank(SERVICE + "Document_SalesOrder?$format=json&$expand=" + quote(expand)).get_response(sample_app)
    assert_odata_error(response, 400, 14)


def test_select_variants(sample_app):
    only = get_json(sample_app, "Document_SalesOrder?$top=2&$select=" + quote("Number, Total"))["value"][0]
    assert set(only) == {"Number", "Total"}
    without_tabs = get_json(sample_app, "Document_SalesOrder?$top=2&$select=**")["value"][0]
    assert "Goods" not in without_tabs and "Number" in without_tabs
    columns = get_json(sample_app, "Document_SalesOrder?$top=2&$select=" + quote("Number,Goods/Quantity"))["value"][0]
    assert set(columns["Goods"][0]) == {"Ref_Key", "LineNumber", "Quantity"}
    everything = get_json(sample_app, "Document_SalesOrder?$top=2&$select=" + quote("*,Customer____Presentation"))["value"][0]
    assert "Goods" in everything and everything["Customer____Presentation"]


def test_presentations(sample_app):
    rows = get_json(sample_app, "Catalog_Goods?$top=20&$filter=IsFolder eq false&$select="
                    + quote("Description,Unit____Presentation,Kind____Presentation,Presentation"))["value"]
    units = {u["Ref_Key"]: u["Description"] for u in get_json(sample_app, "Catalog_Units")["value"]}
    for row in rows:
        assert row["Presentation"] == row["Description"]
        assert row["Kind____Presentation"] in ("Product", "Service", "")
    full = get_json(sample_app, "Catalog_Goods?$top=20&$filter=IsFolder eq false&$select="
                    + quote("Unit_Key,Unit____Presentation"))["value"]
    for row in full:
        assert row["Unit____Presentation"] == units.get(row["Unit_Key"], "")


def test_expand_dropped_when_select_omits_it(sample_app):
    row = get_json(sample_app, "Catalog_Goods?$top=1&$select=Description&$expand=Unit")["value"][0]
    assert set(row) == {"Description"}
    row = get_json(sample_app, "Catalog_Goods?$top=1&$select=" + quote("Description,Unit") + "&$expand=Unit")["value"][0]
    assert "Unit" in row


def test_select_narrows_a_composite_expansion(sample_app):
    """§5.1: Basis/Document_GoodsReceipt/Number narrows Basis_Expanded as Nav/Field narrows Nav."""
    query = ("Document_SalesOrder?$filter=" + quote("Basis_Type eq 'StandardODATA.Document_GoodsReceipt'")
             + "&$select=" + quote("Number,Basis/Document_GoodsReceipt/Number")
             + "&$expand=" + quote("Basis/Document_GoodsReceipt"))
    rows = get_json(sample_app, query)["value"]
    assert rows
    for row in rows:
        assert set(row) == {"Number", "Basis", "Basis_Type", "Basis_Expanded"}
        assert set(row["Basis_Expanded"]) == {"Number"} and row["Basis_Expanded"]["Number"]
    whole = get_json(sample_app, query.replace(quote("Basis/Document_GoodsReceipt/Number"), "Basis"))["value"]
    assert {"Number", "Date", "Ref_Key"} <= set(whole[0]["Basis_Expanded"])
