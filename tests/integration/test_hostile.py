"""Hostile requests over raw sockets against a real server process (``infobase-odata serve``):
each answers within a second with the expected status and the one OData error shape in the
negotiated format, leaks no traceback, SQL or file path in its body or headers, and changes
no data (a hash of every table before and after)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import socket
import sqlite3
import sys
import time

import psycopg
import pytest
from lxml import etree

from tests.integration.conftest import ROOT, free_port, gunicorn_command, server

pytestmark = pytest.mark.integration
M_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
R = "/trade/odata/standard.odata/"
GOOD = "00002710-a7b0-11ee-8002-0050569f1c00"
LEAKS = re.compile(rb"Traceback|File \"|[Ss][Qq][Ll]ite|SELECT |INSERT |UPDATE \"| FROM \"|site-packages|/usr/|"
                   rb"/tmp/|/work/|\b[A-Z][A-Za-z]*(?:Error|Exception)\b|\.py\b")
HEADER_LEAKS = re.compile(rb"X-Injected|Set-Cookie", re.IGNORECASE)


def auth(user: str = "admin", password: str | None = None) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password or user}".encode()).decode()


XML = "application/atom+xml"
ENTRY = ('<?xml version="1.0" encoding="utf-8"?>{doctype}<entry xmlns="http://www.w3.org/2005/Atom" '
         'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
         'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
         '<content type="application/xml"><m:properties>{properties}</m:properties></content></entry>')


def entry(properties: str, doctype: str = "") -> bytes:
    return ENTRY.format(doctype=doctype, properties=properties).encode()


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)) + ']>')

# (id, method, target below the host, headers, body, status, code)
# code None: the error carries an empty code (412); "-": not an OData error check (2xx rows).
CASES = [
    # URL and query-string decoding
    ("pct-ff-in-path", "GET", R + "Catalog_Goods%FF", {}, b"", 400, 6),
    ("overlong-utf8-key", "GET", R + "Catalog_Goods(guid'%C0%AF')", {}, b"", 400, 6),
    ("overlong-dots", "GET", R + "%C0%AE%C0%AE/etc/passwd", {}, b"", 400, 6),
    ("nul-in-path", "GET", R + "Catalog_Goods%00", {}, b"", 400, 6),
    ("raw-nul-in-path", "GET", R + "Catalog_Goods\x00", {}, b"", 400, 6),
    ("raw-latin1-byte-in-path", "GET", R + "Catalog_Goods\xff", {}, b"", 400, 6),
    ("surrogate-utf8", "GET", R + "%ED%A0%80", {}, b"", 400, 6),
    ("truncated-utf8", "GET", R + "Catalog_%D0", {}, b"", 400, 6),
    ("pct-ff-in-filter", "GET", R + "Catalog_Goods?$filter=Description%20eq%20'%FF'", {}, b"", 400, 6),
    ("nul-in-filter", "GET", R + "Catalog_Goods?$filter=Description%20eq%20'%00'", {}, b"", 400, 6),
    ("pct-ff-option-name", "GET", R + "Catalog_Goods?%FF=1", {}, b"", 400, 6),
    ("bare-percent-top", "GET", R + "Catalog_Goods?$top=%", {}, b"", 400, 14),
    ("unbalanced-parens", "GET", R + "Catalog_Goods((", {}, b"", 400, 6),
    # path traversal
    ("dotdot", "GET", R + "../../../../etc/passwd", {}, b"", 404, 8),
    ("dotdot-encoded", "GET", R + "..%2F..%2Fetc%2Fpasswd", {}, b"", 404, 8),
    ("dotdot-pct-dots", "GET", R + "%2E%2E/%2E%2E/etc/passwd", {}, b"", 404, 8),
    ("dotdot-after-set", "GET", R + "Catalog_Goods/..%2F..%2F$metadata", {}, b"", 404, 11),
    ("dotdot-after-entity", "GET", R + f"Catalog_Goods(guid'{GOOD}')/..%2F..%2Fetc", {}, b"", 404, 10),
    ("path-as-key", "GET", R + "Catalog_Goods('/etc/passwd')", {}, b"", 400, 7),
    ("windows-path", "GET", R + "C:%5Cwindows%5Cwin.ini", {}, b"", 404, 8),
    ("file-url", "GET", R + "file:%2F%2F%2Fetc%2Fpasswd", {}, b"", 404, 8),
    # header injection
    ("crlf-in-format", "GET", R + "Catalog_Goods?$format=json%0D%0AX-Injected:%201", {}, b"", 406, 3),
    ("crlf-in-key", "GET", R + "Catalog_Goods(guid'%0D%0AX-Injected:%20a')", {}, b"", 400, 1),
    ("crlf-in-ref-key-body", "POST", R + "Catalog_Units?$format=json", {"Content-Type": "application/json"},
     json.dumps({"Ref_Key": "x\r\nX-Injected: 1", "Description": "n"}).encode(), 400, 4),
    ("tunnel-garbage", "POST", R + f"Catalog_Goods(guid'{GOOD}')", {"X-HTTP-Method": "DELETE, PATCH"}, b"", 405, 19),
    ("if-match-garbage", "PATCH", R + f"Catalog_Goods(guid'{GOOD}')?$format=json",
     {"Content-Type": "application/json", "If-Match": "W/\"\x01garbage\""}, b'{"Description":"x"}', 412, None),
    ("accept-garbage", "GET", R + "Catalog_Nope", {"Accept": "text/html;q=abc,,,;\x0b*/*;odata"}, b"", 404, 8),
    # absurd $top / $skip
    ("top-negative", "GET", R + "Catalog_Goods?$top=-1", {}, b"", 400, 14),
    ("top-huge", "GET", R + "Catalog_Goods?$top=99999999999999999999", {}, b"", 400, 14),
    ("top-2-31", "GET", R + "Catalog_Goods?$top=2147483648", {}, b"", 400, 14),
    ("skip-exponent", "GET", R + "Catalog_Goods?$skip=1e9", {}, b"", 400, 14),
    ("skip-13-digits", "GET", R + "Catalog_Goods?$skip=9999999999999", {}, b"", 400, 14),
    ("top-hex", "GET", R + "Catalog_Goods?$top=0x10", {}, b"", 400, 14),
    ("top-empty", "GET", R + "Catalog_Goods?$top=", {}, b"", 400, 14),
    ("top-twice", "GET", R + "Catalog_Goods?$top=1&$top=2", {}, b"", 400, 14),
    ("inlinecount-bad", "GET", R + "Catalog_Goods?$inlinecount=everything", {}, b"", 400, 14),
    ("unknown-option", "GET", R + "Catalog_Goods?$evil=1", {}, b"", 400, 14),
    # huge and deeply nested filters, injection attempts
    ("parens-5000", "GET", R + "Catalog_Goods?$filter=" + "(" * 5000 + "true" + ")" * 5000, {}, b"", 400, 14),
    ("not-5000", "GET", R + "Catalog_Goods?$filter=" + "not%20" * 5000 + "true", {}, b"", 400, 14),
    ("minus-10000", "GET", R + "Catalog_Goods?$filter=" + "-" * 10000 + "1%20eq%201", {}, b"", 400, 14),
    ("or-5000", "GET", R + "Catalog_Goods?$filter=" + "%20or%20".join(["Price%20eq%201"] * 5000), {}, b"", 400, 14),
    ("calls-2000", "GET", R + "Catalog_Goods?$filter=" + "substringof(" * 2000, {}, b"", 400, 14),
    ("number-5000-digits", "GET", R + "Catalog_Goods?$filter=Price%20eq%20" + "1" * 5000, {}, b"", 400, 14),
    ("deep-path", "GET", R + "Catalog_Goods?$filter=" + "Parent/" * 300 + "Code%20eq%20'1'", {}, b"", 400, 14),
    ("expand-too-deep", "GET", R + "Catalog_Goods?$expand=" + "Parent/" * 50 + "Unit", {}, b"", 400, 14),
    ("orderby-5000", "GET", R + "Catalog_Goods?$orderby=" + ",".join(["Price"] * 5000), {}, b"", 400, 14),
    ("select-10000", "GET", R + "Catalog_Goods?$select=" + ",".join(["Description"] * 10000), {}, b"", 400, 14),
    ("unknown-function", "GET", R + "Catalog_Goods?$filter=system('ls')", {}, b"", 400, 21),
    ("sqli-semicolon", "GET", R + "Catalog_Goods?$filter=Description%20eq%20'a';%20DROP%20TABLE%20x;--", {}, b"",
     400, 14),
    ("sqli-orderby", "GET", R + "Catalog_Goods?$orderby=Price;DROP%20TABLE%20x", {}, b"", 400, 14),
    ("sqli-key", "GET", R + "Catalog_Goods('1''%20OR%20''1''=''1')", {}, b"", 400, 7),
    ("sqli-quoted-literal", "GET", R + "Catalog_Goods?$format=json&$filter=Description%20eq%20'x''%20or%201%20eq%201%20--'",
     {}, b"", 200, "-"),
    ("huge-string-literal", "GET", R + "Catalog_Goods/$count?$filter=Description%20eq%20'" + "x" * 400_000 + "'",
     {}, b"", 200, "-"),
    ("like-pathological", "GET", R + "Catalog_Goods/$count?$filter=like(Description,'" + "%25_" * 300 + "x')",
     {}, b"", 200, "-"),
    # oversized bodies
    ("declared-10mb", "POST", R + "Catalog_Units", {"Content-Type": "application/json", "Content-Length": "10000000"},
     b"{}", 413, 2),
    ("actual-5mb", "POST", R + "Catalog_Units", {"Content-Type": "application/json"},
     b'{"Description":"' + b"x" * (5 * 1024 * 1024) + b'"}', 413, 2),
    ("content-length-negative", "POST", R + "Catalog_Units", {"Content-Type": "application/json",
                                                              "Content-Length": "-1"}, b"", 400, 2),
    ("content-length-text", "POST", R + "Catalog_Units", {"Content-Type": "application/json",
                                                          "Content-Length": "abc"}, b"", 400, 2),
    # XML attacks
    ("billion-laughs", "POST", R + "Catalog_Units", {"Content-Type": XML},
     entry("<d:Description>&lol9;</d:Description>", LAUGHS), 400, 2),
    ("xxe-file", "POST", R + "Catalog_Units", {"Content-Type": XML},
     entry("<d:Description>&x;</d:Description>", '<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'), 400, 2),
    ("xxe-external-dtd", "POST", R + "Catalog_Units", {"Content-Type": XML},
     entry("<d:Description>x</d:Description>", '<!DOCTYPE e SYSTEM "http://127.0.0.1:9/evil.dtd">'), 400, 2),
    ("xml-deep-nesting", "POST", R + "Catalog_Units", {"Content-Type": XML},
     b"<entry>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</entry>", 400, 2),
    ("xml-bad-utf8", "POST", R + "Catalog_Units", {"Content-Type": XML},
     entry("<d:Description>BAD</d:Description>").replace(b"BAD", b"\xff\xfe"), 400, 2),
    ("xml-not-xml", "POST", R + "Catalog_Units", {"Content-Type": XML}, b"<<<>>>", 400, 2),
    ("xml-xinclude", "POST", R + "Catalog_Units", {"Content-Type": XML},
     entry('<d:Description><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>'
           "</d:Description>"), 400, 4),
    ("xml-huge-text", "POST", R + "Catalog_Units", {"Content-Type": XML},
     entry("<d:Description>" + "x" * 3_000_000 + "</d:Description>"), 400, 4),
    # JSON traps
    ("json-deep", "POST", R + "Catalog_Units", {"Content-Type": "application/json"},
     b'{"Description":' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400, 2),
    ("json-infinity-number", "POST", R + "Catalog_Units", {"Content-Type": "application/json"},
     b'{"Description":"x","FullName":1e999999}', 400, 4),
    ("json-nan", "POST", R + "Catalog_Units", {"Content-Type": "application/json"}, b'{"Description":NaN}', 400, 2),
    ("json-duplicate-keys", "POST", R + "Catalog_Units", {"Content-Type": "application/json"},
     b'{"Description":"a","Description":"b"}', 400, 2),
    ("json-bad-utf8", "POST", R + "Catalog_Units", {"Content-Type": "application/json"},
     b'{"Description":"\xff\xfe"}', 400, 2),
    ("json-lone-surrogate", "POST", R + "Catalog_Units", {"Content-Type": "application/json"},
     b'{"Description":"\\ud800"}', 400, 4),
    ("json-100000-digits", "POST", R + "Catalog_Units", {"Content-Type": "application/json"},
     b'{"Description":"x","Code":' + b"9" * 100_000 + b"}", 400, 2),
    ("json-array", "POST", R + "Catalog_Units", {"Content-Type": "application/json"}, b"[]", 400, 2),
    ("json-proto", "POST", R + "Catalog_Units", {"Content-Type": "application/json"},
     b'{"Description":{"__proto__":{"x":1}}}', 400, 4),
    ("json-truncated", "POST", R + "Catalog_Units", {"Content-Type": "application/json"}, b'{"Description":"x', 400, 2),
    ("json-xml-body", "POST", R + "Catalog_Units", {"Content-Type": "application/json"}, b"<entry/>", 400, 2),
    ("content-type-html", "POST", R + "Catalog_Units", {"Content-Type": "text/html"}, b"<p>x</p>", 415, 3),
    # authentication and rights
    ("no-credentials", "GET", R + "Catalog_Goods", {"Authorization": None}, b"", 401, 20),
    ("credentials-not-base64", "GET", R + "Catalog_Goods", {"Authorization": "Basic ***"}, b"", 401, 20),
    ("credentials-not-utf8", "GET", R + "Catalog_Goods", {"Authorization": "Basic //79Og=="}, b"", 401, 20),
    ("credentials-wrong", "GET", R + "Catalog_Goods", {"Authorization": auth("admin", "guess")}, b"", 401, 20),
    ("credentials-10kb", "GET", R + "Catalog_Goods", {"Authorization": "Basic " + "QUFB" * 2500}, b"", 401, 20),
    ("credentials-other-scheme", "GET", R + "Catalog_Goods", {"Authorization": "Digest x=1"}, b"", 401, 20),
    ("viewer-creates-unit", "POST", R + "Catalog_Units", {"Authorization": auth("viewer"),
                                                          "Content-Type": "application/json"},
     b'{"Description":"x"}', 401, 20),
    ("viewer-reads-orders", "GET", R + "Document_SalesOrder?$format=json", {"Authorization": auth("viewer")}, b"",
     401, 20),
    ("manager-reads-all-orders", "GET", R + "Document_SalesOrder", {"Authorization": auth("manager")}, b"", 401, 20),
    ("manager-deletes-unit", "DELETE", R + "Catalog_Units(guid'00002710-a7b0-11ee-8001-0050569f1c00')",
     {"Authorization": auth("manager")}, b"", 401, 20),
    # methods and keys
    ("trace", "TRACE", R, {}, b"", 405, 19),
    ("unknown-method", "FOO", R + "Catalog_Goods", {}, b"", 405, 19),
    ("delete-collection", "DELETE", R + "Catalog_Goods", {}, b"", 405, 19),
    ("patch-metadata", "PATCH", R + "$metadata", {}, b"", 405, 19),
    ("bad-guid", "GET", R + "Catalog_Goods(guid'00000000-0000-0000-0000-00000000000g')", {}, b"", 400, 1),
    ("duplicate-key-part", "GET", R + f"Catalog_Goods(Ref_Key=guid'{GOOD}',Ref_Key=guid'{GOOD}')", {}, b"", 400, 7),
    ("huge-int-key", "GET", R + "Catalog_Goods(999999999999999999999999)", {}, b"", 400, 7),
    ("format-unknown", "GET", R + "Catalog_Goods?$format=csv", {}, b"", 406, 3),
    # bare navigation properties where a value is expected (were 500 in SQL)
    ("nav-eq-guid", "GET", R + f"Catalog_Goods?$filter=Unit%20eq%20guid'{GOOD}'", {}, b"", 400, 14),
    ("nav-eq-null", "GET", R + "Catalog_Goods?$format=json&$filter=Unit%20eq%20null", {}, b"", 400, 14),
    ("nav-orderby", "GET", R + "Catalog_Goods?$orderby=Unit", {}, b"", 400, 14),
    ("nav-in-lambda", "GET", R + f"Document_SalesOrder?$filter=Goods/any(d:%20d/Product%20eq%20guid'{GOOD}')",
     {}, b"", 400, 14),
    ("nav-in-condition", "GET", R + "AccumulationRegister_Stock/Balance(Condition='Product%20eq%20null')", {}, b"",
     400, 14),
    # nesting and long lists beyond what the database compiles
    ("lambdas-50", "GET", R + "Document_SalesOrder?$filter=" + "".join(f"Goods/any(a{i}:%20" for i in range(50))
     + "a49/Quantity%20gt%200" + ")" * 50, {}, b"", 400, 14),
    ("cast-chain-10", "GET", R + "Document_SalesOrder?$filter=" + "cast(" * 10 + "Basis"
     + ",'Document_GoodsReceipt')/Ref_Key" * 10 + "%20eq%20null", {}, b"", 400, 14),
    ("functions-60", "GET", R + "Catalog_Goods?$filter=" + "substring(" * 60 + "Description" + ",1)" * 60
     + "%20eq%20''", {}, b"", 400, 14),
    ("arithmetic-45", "GET", R + "Catalog_Goods?$filter=" + "(Price%20add%20" * 45 + "1" + ")" * 45 + "%20eq%201",
     {}, b"", 400, 14),
    ("condition-or-250", "GET", R + "AccumulationRegister_Stock/Balance(Condition='"
     + "%20or%20".join(["Product/Description%20eq%20''x''"] * 250) + "')", {}, b"", 400, 14),
    ("orderby-nav-300", "GET", R + "Catalog_Goods?$orderby=" + ",".join(["Unit/Description"] * 300), {}, b"", 400, 14),
    ("select-nav-2000", "GET", R + "Catalog_Goods?$select=" + ",".join(["Unit/Description"] * 2000), {}, b"", 400, 14),
    ("expand-2000", "GET", R + "Catalog_Goods?$expand=" + ",".join(["Unit"] * 2000), {}, b"", 400, 14),
    # long lists past the settings max_orderby_items (100), max_select_items (1000), max_expand_items (100)
    ("orderby-101-plain", "GET", R + "Catalog_Goods?$orderby=" + ",".join(["Price", "Code", "Description"] * 34)[:-12],
     {}, b"", 400, 14),
    ("orderby-500-plain", "GET", R + "Catalog_Goods?$orderby=" + ",".join(["Price"] * 500), {}, b"", 400, 14),
    ("select-1001-plain", "GET", R + "Catalog_Goods?$select=" + ",".join(["Code"] * 1001), {}, b"", 400, 14),
    ("expand-101-plain", "GET", R + "Catalog_Goods?$expand=" + ",".join(["Unit", "Parent"] * 51)[:-7], {}, b"", 400, 14),
    ("rls-and-long-orderby", "GET", R + "Document_SalesOrder?$orderby=" + ",".join(["Number"] * 101),
     {"Authorization": auth("manager")}, b"", 400, 14),
    ("condition-long-orderby-vt", "GET", R + "AccumulationRegister_Stock/Balance(Condition='Quantity%20gt%200')?$orderby="
     + ",".join(["Quantity"] * 101), {}, b"", 400, 14),
    ("rls-and-deep-filter", "GET", R + "Document_SalesOrder?$filter=" + "(Total%20add%20" * 45 + "1" + ")" * 45
     + "%20eq%201", {"Authorization": auth("manager")}, b"", 400, 14),
    ("rls-and-deep-lambdas", "GET", R + "Document_SalesOrder?$filter=" + "".join(f"Goods/any(a{i}:%20" for i in range(8))
     + "true" + ")" * 8, {"Authorization": auth("manager")}, b"", 400, 14),
    # function arguments, register functions, methods
    ("function-arguments", "GET", R + "Catalog_Goods?$filter=substringof('a')", {}, b"", 400, 21),
    ("register-other-kind-function", "GET", R + "AccumulationRegister_Stock/DrCrTurnovers()", {}, b"", 400, 6),
    ("register-unknown-function", "GET", R + "AccumulationRegister_Stock/Nope()", {}, b"", 400, 6),
    ("post-turnover-register", "POST", R + "AccumulationRegister_Sales", {"Content-Type": "application/json"},
     b"{}", 405, 19),
    # cross-site request forgery: what a browser sends from another site without a preflight
    ("csrf-text-plain", "POST", R + "Catalog_Units", {"Content-Type": "text/plain;charset=UTF-8"},
     b'{"Description":"csrf"}', 415, 3),
    ("csrf-form-urlencoded", "POST", R + "Catalog_Units", {"Content-Type": "application/x-www-form-urlencoded"},
     b'{"Description":"csrf"}', 415, 3),
    ("csrf-multipart", "POST", R + "Catalog_Units", {"Content-Type": "multipart/form-data; boundary=b"},
     b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n{}\r\n--b--\r\n', 415, 3),
    ("csrf-cross-site-create", "POST", R + "Catalog_Units", {
        "Content-Type": "text/plain;charset=UTF-8", "Origin": "https://evil.example", "Referer": "https://evil.example/",
        "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty"},
     b'{"Description":"csrf"}', 403, 20),
    ("csrf-cross-site-post-action", "POST", R + "Document_SalesOrder(guid'00002710-a7b0-11ee-8007-0050569f1c00')/Post",
     {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example",
      "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}, b"", 403, 20),
    ("csrf-foreign-origin-delete", "DELETE", R + "Catalog_Units(guid'00002710-a7b0-11ee-8001-0050569f1c00')",
     {"Origin": "https://evil.example"}, b"", 403, 20),
    ("csrf-null-origin-patch", "PATCH", R + "Catalog_Units(guid'00002710-a7b0-11ee-8001-0050569f1c00')",
     {"Content-Type": "application/json", "Origin": "null"}, b'{"Description":"csrf"}', 403, 20),
    # body-less requests are not refused as text/plain (the stdlib server reports that type
    # for a missing Content-Type): they reach the handler (here: 404, the entity does not exist)
    ("bodyless-delete-no-content-type", "DELETE", R + "Catalog_Units(guid'99999999-0000-0000-0000-000000000099')",
     {}, b"", 404, 9),
    ("bodyless-post-action-no-content-type", "POST",
     R + "Document_SalesOrder(guid'99999999-0000-0000-0000-000000000099')/Post", {}, b"", 404, 9),
    ("csrf-sec-fetch-only", "POST", R + "Catalog_Units", {"Content-Type": "application/json",
                                                          "Sec-Fetch-Site": "cross-site"}, b'{"Description":"x"}',
     403, 20),
]


# Requests gunicorn refuses itself (a plain-text 400) before any application sees them.
GUNICORN_REJECTS = {"raw-nul-in-path": 400, "raw-latin1-byte-in-path": 400, "content-length-negative": 400,
                    "content-length-text": 400, "if-match-garbage": 400, "accept-garbage": 400,
                    "credentials-10kb": 431}


def send(port: int, method: str, target: str, headers: dict, body: bytes) -> tuple[http.client.HTTPResponse, bytes]:
    headers = {"Host": f"127.0.0.1:{port}", "Authorization": auth(), "Connection": "close", **headers}
    if "Content-Length" not in headers and (body or method in ("POST", "PATCH", "PUT")):
        headers["Content-Length"] = str(len(body))
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items() if v is not None]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (413) before reading the whole body
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        return response, response.read()


def assert_odata_error_http(response: http.client.HTTPResponse, body: bytes, status: int, code) -> None:
    """tests.conftest.assert_odata_error for an http.client response."""
    assert response.status == status, body[:300]
    assert response.getheader("DataServiceVersion") == "3.0"
    content_type = response.getheader("Content-Type")
    expected = "" if code is None else str(code)
    if content_type.startswith("application/json"):
        error = json.loads(body)["odata.error"]
        assert set(error) == {"code", "message"} and error["code"] == expected
        assert set(error["message"]) == {"lang", "value"} and error["message"]["value"]
    else:
        assert content_type.startswith("application/xml"), content_type
        root = etree.fromstring(body)
        assert root.tag == f"{{{M_NS}}}error"
        assert [child.tag for child in root] == [f"{{{M_NS}}}code", f"{{{M_NS}}}message"]
        assert (root[0].text or "") == expected and root[1].text
    if status == 401:
        assert response.getheader("WWW-Authenticate") == 'Basic realm="1C:Enterprise 8.3"'


def negotiated_json(target: str, headers: dict) -> bool:
    query = target.split("?", 1)[1].split("&") if "?" in target else []
    return "$format=json" in query or (headers.get("Accept") or "").startswith("application/json")


def data_hash(database) -> str:
    if str(database).startswith("postgresql://"):
        return pg_data_hash(str(database))
    digest = hashlib.sha256()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        tables = connection.execute("SELECT name, sql FROM sqlite_master WHERE type='table' ORDER BY name").fetchall()
        for table, sql in tables:
            digest.update(table.encode())
            order = "" if "WITHOUT ROWID" in sql.upper() else " ORDER BY rowid"  # else: key order
            for row in connection.execute(f'SELECT * FROM "{table}"{order}'):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def pg_data_hash(url: str) -> str:
    """Every row of every table of the schema (the URL's search_path), in a stable order."""
    digest = hashlib.sha256()
    with psycopg.connect(url) as connection:
        tables = [t for (t,) in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name")]
        for table in tables:
            digest.update(table.encode())
            for row in sorted(repr(r) for r in connection.execute(f'SELECT * FROM "{table}"')):
                digest.update(row.encode())
    return digest.hexdigest()


# Expressions beyond SQLite's compile-time limits (expression depth, parser stack): 400 code 14
# there; PostgreSQL compiles and answers them.
SQLITE_LIMITS = {"functions-60", "arithmetic-45", "rls-and-deep-filter"}


@pytest.fixture(scope="module", params=["cli", "gunicorn", "gunicorn-postgresql"])
def hostile_server(request, tmp_path_factory):
    """The CLI server, and gunicorn (2 workers) running the Flask sample, on a SQLite file and on
    a schema of the throwaway PostgreSQL cluster."""
    folder = tmp_path_factory.mktemp("hostile")
    port = free_port()
    database = (request.getfixturevalue("pg_server").fresh_url() if request.param == "gunicorn-postgresql"
                else folder / "trade.db")
    env = {}
    if request.param == "cli":
        command = [sys.executable, "-m", "infobase_odata", "serve", "samples/trade", "--db", str(database),
                   "--port", str(port), "--seed-option", "goods=300", "--quiet"]
    else:
        command = gunicorn_command("--chdir", "samples", "-b", f"127.0.0.1:{port}", "flask_app:app")
        env = {"TRADE_DATABASE": str(database)}
    with server(command, f"http://127.0.0.1:{port}{R}", folder / "server.log", env=env):
        send(port, "GET", R + "Catalog_Goods/$count", {}, b"")  # gunicorn seeds on the first request
        yield port, database, request.param.split("-")[0]


def test_the_table_is_large_enough():
    assert len(CASES) >= 60 and len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_hostile_request(hostile_server, case):
    port, database, kind = hostile_server
    name, method, target, headers, body, status, code = case
    before = data_hash(database)
    started = time.monotonic()
    response, answer = send(port, method, target, headers, body)
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"{name} took {elapsed:.2f} s"  # a hang guard; speed lives in benchmarks/
    if name in SQLITE_LIMITS and str(database).startswith("postgresql://"):
        assert response.status in (200, 400), answer[:300]  # within PostgreSQL's limits: answered
    elif kind == "gunicorn" and name in GUNICORN_REJECTS:
        assert response.status == GUNICORN_REJECTS[name] and response.getheader("DataServiceVersion") is None
    elif code == "-":
        assert response.status == status, answer[:300]
    else:
        assert_odata_error_http(response, answer, status, code)
        wanted = "application/json" if negotiated_json(target, headers) else "application/xml"
        assert response.getheader("Content-Type").startswith(wanted)
    header_text = "\r\n".join(f"{k}: {v}" for k, v in response.getheaders()).encode("latin-1")
    for text, pattern in ((answer, LEAKS), (header_text, LEAKS), (header_text, HEADER_LEAKS)):
        leak = pattern.search(text)
        assert leak is None, f"{name} leaks {leak.group()!r}: {text[:300]!r}"
        assert str(ROOT).encode() not in text and str(database).encode() not in text
    assert data_hash(database) == before, f"{name} changed data"


def test_the_server_still_answers_afterwards(hostile_server):
    port = hostile_server[0]
    response, body = send(port, "GET", R + "Catalog_Goods/$count", {}, b"")
    assert response.status == 200 and int(body) >= 300
