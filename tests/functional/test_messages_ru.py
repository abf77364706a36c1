"""Under ``language = ru`` every error message is Russian: the hostile-request table and a walk
over the validator's, the body readers', the registers' and ``$batch``'s error paths are sent
in-process, and each ``odata.error`` message must read as Russian once what the client sent
(quoted or echoed) and the names of the model are taken out: no English word is left."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import unquote_to_bytes

import pytest
from lxml import etree
from webob import Request

from infobase_odata.middleware import ODataMiddleware
from tests.conftest import SAMPLE, SERVICE, AsUser, basic, seeded_memory_provider
from tests.integration.test_hostile import CASES as HOSTILE

# Lower-case words that are not English prose: OData/1C syntax and format names.
SYNTAX = {"guid", "datetime", "datetimeoffset", "time", "true", "false", "null", "any", "all", "cast", "isof",
          "eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not", "add", "sub", "mul", "div", "mod", "json",
          "application", "http", "mixed", "multipart", "boundary", "allpages", "none", "atom", "xml", "base64",
          "substringof", "substring", "round", "yyyy", "mm", "ddThh", "ss", "hh", "day", "second", "minute",
          "hour", "month", "quarter", "year", "string", "int", "date", "num", "unit", "basic", "max_batch_nesting",
          "entry", "ptnhnmns", "x", "d", "ru", "en", "authorization"}
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|«[^»]*»|\([^()]*\)$")


def english_words(message: str, sent: str) -> list[str]:
    """The words of ``message`` that are English prose: quoted text, echoes of what was sent,
    names (with ``_ $ . / : =`` or digits) and OData syntax are left out."""
    tokens = (token.strip(",;!?()<>*") for token in QUOTED.sub(" ", message).split())
    return [t for t in tokens if re.fullmatch(r"[A-Za-z]{2,}", t) and t.lower() not in SYNTAX and t not in sent
            and not (t[0].isupper() and any(c.isupper() for c in t[1:]))]  # CamelCase: a model name


def message_of(response) -> str:
    if response.content_type == "application/json" or response.body.startswith(b"{"):
        return json.loads(response.body)["odata.error"]["message"]["value"]
    root = etree.fromstring(response.body)
    return root.findtext("{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}message")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    database = tmp_path_factory.mktemp("ru") / "trade.db"
    return ODataMiddleware(None, SAMPLE, prefix="trade", database=str(database), seed_options="goods=20",
                           language="ru")


def send(app, method: str, target: str, headers: dict, body: bytes):
    path, _, query = target.partition("?")
    request = Request.blank("/", method=method)
    request.environ["PATH_INFO"] = unquote_to_bytes(path).decode("latin-1")
    request.environ["QUERY_STRING"] = query
    request.environ["wsgi.input"] = io.BytesIO(body)
    request.environ["CONTENT_LENGTH"] = str(len(body))
    request.headers["Authorization"] = basic("admin", "admin")
    for name, value in headers.items():
        if value is None:
            del request.headers[name]
        elif name == "Content-Length":
            request.environ["CONTENT_LENGTH"] = value
        else:
            request.headers[name] = value
    return request.get_response(app)


def test_the_word_check_can_fail():
    assert english_words("Invalid value of property Price", "Price") == ["Invalid", "value", "of", "property"]
    assert english_words("Неверное значение свойства 'Price': ожидается число, а не 'abc'", "") == []
    assert english_words("у Catalog_Goods нет свойства Nope", "Catalog_Goods?$filter=Nope") == []


@pytest.mark.parametrize("case", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_requests_are_answered_in_russian(app, case):
    name, method, target, headers, body, status, code = case
    response = send(app, method, target, headers, body)
    if response.status_code < 400:
        return
    message = message_of(response)
    assert message and re.search(r"[А-Яа-яЁё]", message), (name, message)
    assert not english_words(message, target + body[:1000].decode("utf-8", "replace")), (name, message)


G = "00002710-a7b0-11ee-8002-0050569f1c00"
ORDER = "00002710-a7b0-11ee-8007-0050569f1c00"
JSON = {"Content-Type": "application/json"}
BATCH = {"Content-Type": "multipart/mixed; boundary=b"}

# Error paths the hostile table does not reach: (method, target below the service, headers, body).
WALK = [
    ("GET", "Catalog_Goods?$filter=Price eq 'x'", {}, b""),
    ("GET", "Catalog_Goods?$filter=Price add 'x' eq 1", {}, b""),
    ("GET", "Catalog_Goods?$filter=not Price", {}, b""),
    ("GET", "Catalog_Goods?$filter=-Description eq 1", {}, b""),
    ("GET", "Catalog_Goods?$filter=Price", {}, b""),
    ("GET", "Catalog_Goods?$filter=Description gt Unit_Key", {}, b""),
    ("GET", "Catalog_Goods?$filter=Price eq datetime'2024-02-30T00:00:00'", {}, b""),
    ("GET", "Catalog_Goods?$filter=Price eq datetime'x'", {}, b""),
    ("GET", "Catalog_Goods?$filter=Price eq 1 in (1)", {}, b""),
    ("GET", "Catalog_Goods?$filter=Price eq 99999999999999999999L", {}, b""),
    ("GET", "Catalog_Goods?$filter=Price eq", {}, b""),
    ("GET", "Catalog_Goods?$filter=x/Code eq '1'", {}, b""),
    ("GET", "Catalog_Goods?$filter=Description/Code eq '1'", {}, b""),
    ("GET", "Catalog_Goods?$filter=dateadd(Price,'eon',1) eq 1", {}, b""),
    ("GET", "Catalog_Goods?$filter=cast(Price) eq 1", {}, b""),
    ("GET", "Catalog_Goods?$filter=cast(Price,Price) eq 1", {}, b""),
    ("GET", "Catalog_Goods?$filter=cast(Description,'Catalog_Units')/Code eq '1'", {}, b""),
    ("GET", "Document_SalesOrder?$filter=Goods/all(d: d/Quantity)", {}, b""),
    ("GET", "Document_SalesOrder?$filter=Goods/any(d: d)", {}, b""),
    ("GET", "Document_SalesOrder?$filter=Goods/any(d: e/Quantity gt 1)", {}, b""),
    ("GET", "Document_SalesOrder?$filter=Goods eq null", {}, b""),
    ("GET", "Document_SalesOrder?$filter=Customer_Key lt Customer_Key", {}, b""),
    ("GET", "Catalog_Goods?$orderby=Price sideways", {}, b""),
    ("GET", "Catalog_Goods?$select=Nope", {}, b""),
    ("GET", "Catalog_Goods?$select=Unit/Nope", {}, b""),
    ("GET", "Document_SalesOrder?$select=Basis/Nope", {}, b""),
    ("GET", "Document_SalesOrder?$select=Goods/Nope", {}, b""),
    ("GET", "Catalog_Goods?$expand=Description", {}, b""),
    ("GET", "Catalog_Goods?$expand=Nope", {}, b""),
    ("GET", "Catalog_Goods?$expand=*/Unit", {}, b""),
    ("GET", "Document_SalesOrder?$expand=Basis", {}, b""),
    ("GET", "Document_SalesOrder?$expand=Basis/Catalog_Nope", {}, b""),
    ("GET", "Document_SalesOrder?$expand=Goods", {}, b""),
    ("GET", "Catalog_Goods?$skiptoken=x", {}, b""),
    ("GET", "Catalog_Goods?$inlinecount=allpages&$inlinecount=none", {}, b""),
    ("GET", "Catalog_Goods?allowedOnly=maybe", {}, b""),
    ("GET", "Catalog_Goods(Ref_Key=guid'" + G + "',Code='1')", {}, b""),
    ("GET", "Catalog_Goods(1)", {}, b""),
    ("GET", "Catalog_Goods(guid'" + G + "',Ref_Key=guid'" + G + "')", {}, b""),
    ("GET", "Catalog_Goods()", {}, b""),
    ("GET", "AccumulationRegister_Stock/Balance(Period='x')", {}, b""),
    ("GET", "AccumulationRegister_Stock/Balance(Nope=1)", {}, b""),
    ("GET", "AccumulationRegister_Stock/Balance(Dimensions='Nope')", {}, b""),
    ("GET", "AccumulationRegister_Stock(Recorder='x')", {}, b""),
    ("GET", "AccumulationRegister_Stock(Recorder=guid'" + G + "',Recorder_Type='Nope')", {}, b""),
    ("POST", f"Document_SalesOrder(guid'{ORDER}')/Post?PostingModeOperational=maybe", {}, b""),
    ("POST", "Catalog_Units", JSON, b'{"Description": 5}'),
    ("POST", "Catalog_Goods", JSON, b'{"Description": "x", "Price": "abc"}'),
    ("POST", "Catalog_Goods", JSON, b'{"Description": "x", "Price": 1e30}'),
    ("POST", "Catalog_Goods", JSON, b'{"Description": "x", "IsFolder": "yes"}'),
    ("POST", "Catalog_Goods", JSON, b'{"Description": "x", "Unit_Key": "nope"}'),
    ("POST", "Catalog_Goods", JSON, b'{"Description": "' + b"x" * 500 + b'"}'),
    ("POST", "Catalog_Goods", JSON, b'{"Description": "x", "Kind": "Nope"}'),
    ("POST", "Catalog_Goods", JSON, b'{"Description": "x", "Kind": 5}'),
    ("POST", "Document_SalesOrder", JSON, b'{"Date": "2024-02-30T00:00:00"}'),
    ("POST", "Document_SalesOrder", JSON, b'{"Date": "yesterday"}'),
    ("POST", "Document_SalesOrder", JSON, b'{"Basis": "x", "Basis_Type": "StandardODATA.Nope"}'),
    ("POST", "Document_SalesOrder", JSON, b'{"Goods": 5}'),
    ("POST", "Document_SalesOrder", JSON, b'{"Goods": [5]}'),
    ("POST", "Document_SalesOrder", JSON, b'{"Goods": [{"Quantity": 1}]}'),
    ("POST", "Document_SalesOrder", JSON, b'{"Goods": [{"LineNumber": 0}]}'),
    ("POST", "Document_SalesOrder", JSON, b'{"Goods": [{"LineNumber": 1}, {"LineNumber": 1}]}'),
    ("POST", "Document_SalesOrder_Goods", JSON, b'{"LineNumber": 1}'),
    ("POST", "Catalog_Goods", JSON, b'{"Description": "x", "Unit@odata.bind": "nowhere"}'),
    ("POST", "Catalog_Goods", JSON, b""),
    ("POST", "Catalog_Goods", {"Content-Type": "application/atom+xml"}, b"<feed/>"),
    ("PATCH", f"Catalog_Goods(guid'{G}')", {**JSON, "If-Match": 'W/"nope"'}, b'{"Description": "x"}'),
    ("POST", "AccumulationRegister_Stock_RecordType", JSON, b'{"RecordType": "Sideways"}'),
    ("POST", "$batch", {"Content-Type": "text/plain"}, b"x"),
    ("POST", "$batch", BATCH, b"--b--"),
    ("POST", "$batch", BATCH, b"--b\r\nContent-Type: text/plain\r\n\r\nGET Catalog_Goods HTTP/1.1\r\n\r\n--b--"),
    ("POST", "$batch", BATCH, b"--b\r\nContent-Type: application/http\r\n\r\nnonsense\r\n\r\n--b--"),
    ("POST", "$batch", BATCH, b"--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c--\r\n--b--"),
    ("GET", "Catalog_Goods?$format=csv", {}, b""),
]


@pytest.mark.parametrize("method,target,headers,body", WALK, ids=[f"{w[0]} {w[1][:70]}" for w in WALK])
def test_error_paths_are_answered_in_russian(app, method, target, headers, body):
    response = send(app, method, SERVICE + target.replace(" ", "%20"), {**headers}, body)
    assert response.status_code >= 400, target
    message = message_of(response)
    assert re.search(r"[А-Яа-яЁё]", message), message
    assert not english_words(message, target + body.decode("utf-8", "replace")), message


def test_the_same_paths_in_english(model):
    app = AsUser(ODataMiddleware(None, SAMPLE, prefix="trade", language="en",
                                 provider=seeded_memory_provider(model, 5)))
    response = send(app, "GET", SERVICE + "Catalog_Goods?$filter=Price%20eq%20'x'", {}, b"")
    assert message_of(response) == ("Error parsing query option $filter at position 6: cannot compare Edm.Decimal "
                                    "with Edm.String")
