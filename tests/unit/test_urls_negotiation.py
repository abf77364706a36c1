"""URL segments, query strings and format negotiation."""

from __future__ import annotations

import pytest
from webob import Request

from infobase_odata.errors import ODataError
from infobase_odata.negotiation import negotiate
from infobase_odata.urls import Segment, parse_query_string, split_segments, wsgi_path


@pytest.mark.parametrize("path, expected", [
    ("", []),
    ("/", []),
    ("$metadata", [Segment("$metadata")]),
    ("Catalog_Goods", [Segment("Catalog_Goods")]),
    ("Catalog_Goods/", [Segment("Catalog_Goods")]),
    ("Catalog_Goods(guid'1')/Unit/Description", [Segment("Catalog_Goods", "guid'1'"), Segment("Unit"),
                                                 Segment("Description")]),
    ("X(Name='a/b')/Y", [Segment("X", "Name='a/b'"), Segment("Y")]),
    ("X(Name='a%2Fb')", [Segment("X", "Name='a/b'")]),
    ("Catalog_%D0%92%D0%B0%D0%BB%D1%8E%D1%82%D1%8B", [Segment("Catalog_Валюты")]),
    ("R/SliceLast(Condition='A eq ''x''')", [Segment("R"), Segment("SliceLast", "Condition='A eq ''x'''")]),
    ("Catalog_Goods()", [Segment("Catalog_Goods", "")]),
])
def test_split_segments(path, expected):
    assert split_segments(path) == expected


@pytest.mark.parametrize("path, code", [("%FF", 6), ("a%00b", 6), ("X(guid'1'", 6)])
def test_bad_segments(path, code):
    with pytest.raises(ODataError) as info:
        split_segments(path)
    assert info.value.code == code and info.value.status == 400


def test_query_string_plus_is_literal_and_decoded_once():
    assert parse_query_string("$filter=a+b%20eq%20'%2541'&x") == [("$filter", "a+b eq '%41'"), ("x", "")]
    with pytest.raises(ODataError):
        parse_query_string("$filter=%C0%AF")  # overlong UTF-8
    with pytest.raises(ODataError):
        parse_query_string("$filter=%00")


def test_wsgi_path_prefers_raw_uri():
    environ = {"RAW_URI": "/trade/odata/standard.odata/X(Name='a%2Fb')?q=1", "PATH_INFO": "/ignored"}
    assert wsgi_path(environ) == "/trade/odata/standard.odata/X(Name='a%2Fb')"
    environ = {"PATH_INFO": "/X(Name='100%')".encode("utf-8").decode("latin-1"), "SCRIPT_NAME": "/s"}
    assert split_segments(wsgi_path(environ)) == [Segment("s"), Segment("X", "Name='100%'")]


@pytest.mark.parametrize("query, accept, kind, flavour", [
    ("", None, "atom", "minimal"),
    ("$format=json", None, "json", "minimal"),
    ("$format=JSON", None, "json", "minimal"),
    ("$format=atom", "application/json", "atom", "minimal"),
    ("$format=application/json;odata=nometadata", None, "json", "nometadata"),
    ("$format=application%2Fjson%3Bodata%3Dfullmetadata", None, "json", "fullmetadata"),
    ("", "application/json;odata=fullmetadata", "json", "fullmetadata"),
    ("", "application/atom+xml,application/xml", "atom", "minimal"),
    ("", "application/json, text/plain, */*", "json", "minimal"),
    ("", "garbage;;q=x", "atom", "minimal"),
])
def test_negotiation(query, accept, kind, flavour):
    headers = {"Accept": accept} if accept else {}
    fmt = negotiate(Request.blank("/x?" + query, headers=headers))
    assert (fmt.kind, fmt.flavour) == (kind, flavour)


def test_unknown_format_is_406():
    with pytest.raises(ODataError) as info:
        negotiate(Request.blank("/x?$format=csv"))
    assert info.value.status == 406 and info.value.code == 3
