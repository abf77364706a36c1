"""Fuzzing with hypothesis: the URL parser, the query-option parser and the JSON and Atom body
readers raise nothing but the library's ODataError on any input.

``FUZZ_EXAMPLES`` examples per test (default 300: a short bounded run in CI). The long run of
the README (8 tests x 12,500 = 100,000 inputs)::

    FUZZ_EXAMPLES=12500 python -m pytest -q -s tests/unit/test_fuzz.py
"""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infobase_odata.errors import ODataError
from infobase_odata.formats import atom_reader, json_reader
from infobase_odata.keys import resolve_key
from infobase_odata.query.parser import QueryLimits, parse_query_options
from infobase_odata.urls import parse_query_string, service_relative_path, split_segments, wsgi_path

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
LIMITS = QueryLimits(max_filter_depth=100, max_filter_nodes=1000, max_expand_depth=5, max_top=2**31 - 1)
BASE = "http://localhost/trade/odata/standard.odata/"
# query/parser.py raises the recursion limit once for deep filters; hypothesis notes it.
pytestmark = pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
COUNTER = {"inputs": 0, "odata_errors": 0}


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    print(f"\nfuzz inputs run: {COUNTER['inputs']}, ODataErrors: {COUNTER['odata_errors']}")


def expect_odata_errors(function, *args, **kwargs):
    """Bad input is a client error: an ODataError with a 4xx status (a RecursionError or a 5xx
    fails the test)."""
    COUNTER["inputs"] += 1
    try:
        function(*args, **kwargs)
    except ODataError as exc:
        COUNTER["odata_errors"] += 1
        assert isinstance(exc.status, int) and 400 <= exc.status < 500 and exc.message, exc


# --- vocabulary -----------------------------------------------------------------------------------

NAMES = ["Catalog_Goods", "Document_SalesOrder", "Document_SalesOrder_Goods", "Constant_CompanyName",
         "Catalog_Валюты", "Catalog_Employees", "$metadata", "$count", "$value", "$batch", "Unit", "Description",
         "Price", "Ref_Key", "LineNumber", "Goods", "Warehouse", "Parent", "..", ".", "Post", "Balance"]
LITERALS = ["guid'00002710-a7b0-11ee-8003-0050569f1c00'", "guid'x'", "'text'", "'O''Neil'", "''", "'",
            "0", "-1", "1.5", "1e999", "99999999999999999999", "datetime'2024-01-01T00:00:00'",
            "datetime'0000-13-45T99:99'", "true", "null", "X'00'", "binary'zz'", "time'PT1H'", "1M", "2L"]
PUNCT = ["(", ")", "'", ",", "=", "/", " ", "%", "%25", "%FF", "%C0%AF", "%00", "%2F", "%27", "?", "&",
         "+", "\\", "\x00", "\r\n", "\ud7ff", "😀", "й"]
TOKEN = st.one_of(st.sampled_from(NAMES + LITERALS + PUNCT), st.text(max_size=6),
                  st.binary(max_size=4).map(lambda b: quote(b)))
FRAGMENT = st.lists(TOKEN, max_size=14).map("".join)


def _environ(path: str) -> dict:
    return {"PATH_INFO": path.encode("utf-8", "surrogatepass").decode("latin-1"), "infobase_odata.root": "/trade",
            "SCRIPT_NAME": ""}


def _resolve(model, path: str) -> None:
    segments = split_segments(path)
    if segments:
        entity_set = model.entity_set(segments[0].name)
        if entity_set is not None and segments[0].args is not None:
            resolve_key(entity_set, segments[0].args)


@FUZZ
@given(path=FRAGMENT)
def test_url_parser_segments_and_keys(model, path):
    expect_odata_errors(_resolve, model, path)


@FUZZ
@given(path=FRAGMENT, raw=st.booleans())
def test_url_parser_from_the_wsgi_environ(model, path, raw):
    environ = _environ("/trade/odata/standard.odata/" + path)
    if raw:
        environ["RAW_URI"] = "/trade/odata/standard.odata/" + path

    def run():
        wsgi_path(environ)
        _resolve(model, service_relative_path(environ))

    expect_odata_errors(run)


# --- query options --------------------------------------------------------------------------------

OPTIONS = ["$filter", "$orderby", "$select", "$expand", "$top", "$skip", "$inlinecount", "$format", "$skiptoken",
           "allowedOnly", "$allowedOnly", "$nope", "custom", ""]
FILTER_WORDS = ["Price", "Description", "Unit/Description", "Unit/Parent", "Goods", "IsFolder", "Kind", "Code",
                " eq ", " ne ", " gt ", " and ", " or ", "not ", " add ", " div ", " mod ", "-", "(", ")", ",",
                "substringof(", "startswith(", "like(", "cast(", "isof(", "dateadd(", "length(", "any(d: d/Price gt 1)",
                "/any(", "all(", "'Catalog_Units'", "____Presentation", "*", " desc", " asc", "allpages", "json"]
EXPRESSION = st.lists(st.one_of(st.sampled_from(FILTER_WORDS + LITERALS), st.text(max_size=4)), max_size=20).map("".join)


@FUZZ
@given(pairs=st.lists(st.tuples(st.sampled_from(OPTIONS), EXPRESSION), max_size=4))
def test_query_option_parser(model, pairs):
    expect_odata_errors(parse_query_options, pairs, model.entity_set("Catalog_Goods"), model, limits=LIMITS)


@FUZZ
@given(query=st.lists(st.one_of(st.sampled_from(OPTIONS + ["=", "&"] + PUNCT + FILTER_WORDS), st.text(max_size=5)),
                      max_size=25).map("".join))
def test_query_string_decoding_and_options(model, query):
    def run():
        pairs = parse_query_string(query)
        parse_query_options(pairs, model.entity_set("Document_SalesOrder"), model, limits=LIMITS)

    expect_odata_errors(run)


# --- request bodies -------------------------------------------------------------------------------

PROPERTIES = ["Description", "Code", "Price", "Article", "Unit_Key", "Kind", "Parent_Key", "IsFolder", "Ref_Key",
              "DataVersion", "Unit@odata.bind", "Nope", "odata.type", "Goods", "LineNumber", "Product_Key",
              "Quantity", "Basis", "Basis_Type", "Customer_Key", "Date", "Number", "Posted", "__proto__"]
JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                        st.sampled_from(["00002710-a7b0-11ee-8003-0050569f1c00", "2024-01-01T00:00:00", "1e400",
                                         "StandardODATA.Catalog_Goods", "Catalog_Goods(guid'x')"]))
JSON_VALUE = st.recursive(JSON_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(PROPERTIES), inner, max_size=4)), max_leaves=12)


def _json_text(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


JSON_BODY = st.one_of(
    st.dictionaries(st.sampled_from(PROPERTIES), JSON_VALUE, max_size=6).map(_json_text),
    st.lists(st.one_of(st.sampled_from(['{', '}', '[', ']', ':', ',', '"Price"', '"Description"', '1e999', 'NaN',
                                        '-Infinity', '"\\ud800"', '"\\u0000"', 'null', 'true', '9' * 5000, '"x"',
                                        '{"Goods":[', '\ufeff']), st.text(max_size=3)), max_size=30).map("".join),
)


@FUZZ
@given(body=JSON_BODY, set_name=st.sampled_from(["Catalog_Goods", "Document_SalesOrder", "Constant_CompanyName"]))
def test_json_body_reader(model, body, set_name):
    expect_odata_errors(json_reader.read_entity, body.encode("utf-8", "surrogatepass"), model.entity_set(set_name),
                        model, base=BASE)


@FUZZ
@given(body=st.binary(max_size=300))
def test_json_body_reader_on_bytes(model, body):
    expect_odata_errors(json_reader.read_entity, body, model.entity_set("Catalog_Goods"), model, base=BASE)


ENTRY = ('<?xml version="1.0" encoding="utf-8"?><entry xmlns="http://www.w3.org/2005/Atom" '
         'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
         'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">{links}'
         '<content type="application/xml"><m:properties>{properties}</m:properties></content></entry>')
XML_TEXT = st.one_of(st.text(max_size=12), st.sampled_from(LITERALS + ["&amp;", "&lt;", "&nope;", "<![CDATA[x]]>",
                                                                        "]]>", "&#0;", "&#x1F600;", "<d:x/>"]))
PROPERTY = st.builds(lambda name, attrs, text: f"<d:{name}{attrs}>{text}</d:{name}>",
                     st.sampled_from([p for p in PROPERTIES if "@" not in p and "." not in p]),
                     st.sampled_from(["", ' m:null="true"', ' m:type="Edm.Int32"', ' m:type="Collection(x)"',
                                      ' m:null="maybe"', ' xml:space="preserve"']), XML_TEXT)
LINK = st.builds(lambda rel, href: f'<link rel="{rel}" href="{href}"/>',
                 st.sampled_from(["http://schemas.microsoft.com/ado/2007/08/dataservices/related/Unit", "edit", "x"]),
                 st.sampled_from(["Catalog_Units(guid'00002710-a7b0-11ee-8001-0050569f1c00')", "", "http://evil/x",
                                  "Catalog_Units(guid'x')", "../../etc/passwd"]))
ATOM_BODY = st.one_of(
    st.builds(lambda links, props: ENTRY.format(links="".join(links), properties="".join(props)),
              st.lists(LINK, max_size=2), st.lists(PROPERTY, max_size=6)),
    st.lists(st.sampled_from(['<?xml version="1.0"?>', '<!DOCTYPE x [<!ENTITY a "aaaa">]>', '<entry>', '</entry>',
                              '<content>', '<m:properties>', '&a;', '<!ENTITY e SYSTEM "file:///etc/passwd">',
                              '&e;', '<x xmlns:d="urn:d">', '\x00', '\xff', ENTRY]), max_size=12).map("".join),
)


@FUZZ
@given(body=ATOM_BODY, set_name=st.sampled_from(["Catalog_Goods", "Document_SalesOrder"]))
def test_atom_body_reader(model, body, set_name):
    expect_odata_errors(atom_reader.read_entity, body.encode("utf-8", "surrogatepass"), model.entity_set(set_name),
                        model, base=BASE)


@FUZZ
@given(body=st.binary(max_size=300).map(lambda b: b"<entry" + b))
def test_atom_body_reader_on_bytes(model, body):
    expect_odata_errors(atom_reader.read_entity, body, model.entity_set("Catalog_Goods"), model, base=BASE)
