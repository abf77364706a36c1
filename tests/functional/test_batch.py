"""``$batch`` (an extension beyond the platform): query operations and change sets in order,
change sets all-or-nothing, Content-ID references, the single-request rules in every part, and
hostile multipart bodies; on both providers."""

from __future__ import annotations

import json
import os
import re
from email import policy
from email.parser import BytesParser
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webob import Request

from infobase_odata.middleware import ODataMiddleware
from tests.conftest import ATOM_NS, SAMPLE, SERVICE, AsUser, assert_odata_error, basic, seeded_memory_provider

ORDERS = "Document_SalesOrder"
PARTIES = "Catalog_Counterparties"
MAIN = "00002710-a7b0-11ee-8003-0050569f1c00"  # Catalog_Warehouses, Code 000000001
SECOND = "00004e20-a7b0-11ee-8003-0050569f1c00"  # Catalog_Warehouses, Code 000000002


def make_app(kind: str, tmp_path, model, pg=None, **settings):
    if kind == "memory":
        return ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 40), prefix="trade", **settings)
    database = pg.fresh_url() if kind == "postgresql" else str(tmp_path / "b.db")
    return ODataMiddleware(None, SAMPLE, prefix="trade", database=database, seed_options="goods=40", **settings)


@pytest.fixture(params=["sqlite", "memory", "postgresql"])
def app(request, tmp_path, model):
    pg = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    return AsUser(make_app(request.param, tmp_path, model, pg=pg))


# --- a small client ------------------------------------------------------------------------------

def op(method: str, target: str, body=None, content_id: str | None = None, **headers) -> bytes:
    """One application/http part (MIME headers, request line, headers, body)."""
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
    headers.setdefault("Accept", "application/json")
    mime = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
    if content_id:
        mime += f"Content-ID: {content_id}\r\n"
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (mime + "\r\n" + head + "\r\n").encode("utf-8") + (body or b"")


def change_set(*parts: bytes, boundary: str = "cs") -> bytes:
    return f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n".encode() + body_of(parts, boundary)


def body_of(parts, boundary: str = "batch") -> bytes:
    return b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts) + f"--{boundary}--\r\n".encode()


def post_batch(app, body: bytes, content_type: str = "multipart/mixed; boundary=batch", path: str = "$batch",
               **headers):
    request = Request.blank(SERVICE + path, method="POST", headers=headers)
    request.body = body
    request.content_type = content_type
    return request.get_response(app)


def answers(response) -> list:
    """Each top-level part: (status, headers, body) of an operation, or a list of them (change set)."""
    assert response.status_code == 202, response.body[:1000]
    assert response.headers["DataServiceVersion"] == "3.0"
    head = f"Content-Type: {response.headers['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=policy.compat32).parsebytes(head + response.body)
    assert message.is_multipart() and not message.defects

    def http(part):
        assert part.get_content_type() == "application/http"
        raw = part.get_payload(decode=True)
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        assert int(headers["Content-Length"]) == len(body)
        return int(lines[0].split()[1]), headers, body

    return [[http(inner) for inner in part.get_payload()] if part.is_multipart() else http(part)
            for part in message.get_payload()]


def count(app, path: str) -> int:
    response = Request.blank(SERVICE + path + "/$count").get_response(app)
    assert response.status_code == 200, response.body
    return int(response.body)


def created_key(answer) -> str:
    status, headers, body = answer
    assert status == 201, body[:500]
    return json.loads(body)["Ref_Key"]


# --- change sets -----------------------------------------------------------------------------

@pytest.mark.parametrize("fail_last", [False, True])
def test_a_change_set_of_1000_creates_is_atomic(app, fail_last):
    before = count(app, PARTIES)
    creates = [op("POST", PARTIES, {"Description": f"Партнёр {n}", "INN": f"{n:010d}"}, str(n + 1))
               for n in range(999)]
    last = {"Description": "last", "Manager_Key": "not a GUID"} if fail_last else {"Description": "last"}
    creates.append(op("POST", PARTIES, last, "1000"))
    (result,) = answers(post_batch(app, body_of([change_set(*creates)])))
    if fail_last:  # the failing operation's error is the change set's only answer
        status, headers, body = result
        assert status == 400 and headers["Content-Type"].startswith("application/json")
        assert json.loads(body)["odata.error"]["code"]
        assert count(app, PARTIES) == before
    else:
        assert [status for status, _, _ in result] == [201] * 1000
        assert count(app, PARTIES) == before + 1000
        codes = {json.loads(body)["Code"] for _, _, body in result}
        assert len(codes) == 1000  # numbering inside one transaction stays unique


def test_content_id_references_resolve(app):
    party = op("POST", PARTIES, {"Description": "ООО Новый покупатель"}, "1")
    order = op("POST", ORDERS, {"Customer@odata.bind": "$1", "Warehouse_Key": MAIN, "Comment": "by reference"}, "2")
    rename = op("PATCH", "$1", {"Description": "ООО Переименованный"}, "3")
    lines = op("PATCH", "$2", {"Goods": []}, "4")
    read_order = op("GET", f"{ORDERS}?$top=1&$orderby=Number%20desc")
    result = answers(post_batch(app, body_of([change_set(party, order, rename, lines), read_order]),
                                Host="example.org:8080"))
    created, (status, _, body) = result
    assert [answer[0] for answer in created] == [201, 201, 200, 200]
    assert [answer[1].get("Content-ID") for answer in created] == [None] * 4  # Content-ID is a MIME header
    party_key, order_key = created_key(created[0]), created_key(created[1])
    assert created[0][1]["Location"] == f"http://example.org:8080{SERVICE}{PARTIES}(guid'{party_key}')"
    assert json.loads(created[1][2])["Customer_Key"] == party_key
    assert json.loads(created[2][2])["Description"] == "ООО Переименованный"
    assert json.loads(created[3][2])["Ref_Key"] == order_key
    assert status == 200 and json.loads(body)["value"][0]["Customer_Key"] == party_key


def test_content_ids_are_echoed_and_atom_links_resolve(app):
    party = op("POST", PARTIES, {"Description": "Atom"}, "party")
    entry = (f'<entry xmlns="{ATOM_NS}" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
             'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
             '<link rel="http://schemas.microsoft.com/ado/2007/08/dataservices/related/Customer" '
             'type="application/atom+xml;type=entry" href="$party"/>'
             '<content type="application/xml"><m:properties><d:Comment>atom</d:Comment></m:properties>'
             '</content></entry>').encode()
    order = op("POST", ORDERS, entry, "order", **{"Content-Type": "application/atom+xml"})
    response = post_batch(app, body_of([change_set(party, order)]))
    head = f"Content-Type: {response.headers['Content-Type']}\r\n\r\n".encode()
    inner = BytesParser(policy=policy.compat32).parsebytes(head + response.body).get_payload()[0].get_payload()
    assert [part["Content-ID"] for part in inner] == ["party", "order"]
    (created,) = answers(response)
    assert json.loads(created[1][2])["Customer_Key"] == created_key(created[0])


def test_mixed_gets_and_change_sets_answer_in_order(app):
    before = count(app, PARTIES)
    good = change_set(op("POST", PARTIES, {"Description": "one"}), op("POST", PARTIES, {"Description": "two"}))
    bad = change_set(op("POST", PARTIES, {"Description": "three"}),
                     op("PATCH", f"{PARTIES}(guid'00000000-0000-0000-0000-00000000abcd')", {"Description": "x"}),
                     boundary="cs2")
    parts = [op("GET", f"{PARTIES}/$count"), good, op("GET", f"{PARTIES}/$count"), bad,
             op("GET", f"{PARTIES}/$count"), op("GET", "Catalog_Nothing")]
    first, created, second, failed, third, missing = answers(post_batch(app, body_of(parts)))
    assert (first[0], int(first[2])) == (200, before)
    assert [status for status, _, _ in created] == [201, 201]
    assert (second[0], int(second[2])) == (200, before + 2)
    assert failed[0] == 404 and json.loads(failed[2])["odata.error"]["code"] == "9"
    assert (third[0], int(third[2])) == (200, before + 2)  # nothing of the failed change set stored
    assert missing[0] == 404 and missing[1]["DataServiceVersion"] == "3.0"


def test_targets_absolute_urls_and_paths_and_formats(app):
    parts = [op("GET", f"http://localhost{SERVICE}{PARTIES}?$top=1"), op("GET", f"{SERVICE}{PARTIES}?$top=1"),
             op("GET", f"{PARTIES}?$top=1", Accept="application/atom+xml"),
             op("GET", quote("Catalog_Валюты") + "?$top=1&$format=json")]
    absolute, path, atom, cyrillic = answers(post_batch(app, body_of(parts)))
    assert json.loads(absolute[2])["value"] == json.loads(path[2])["value"]
    assert atom[1]["Content-Type"].startswith("application/atom+xml") and b"<feed" in atom[2]
    assert cyrillic[0] == 200 and json.loads(cyrillic[2])["value"]


# --- the rules of a single request apply to every part ---------------------------------------------

def test_rights_and_row_level_security_per_part(tmp_path, model):
    app = make_app("sqlite", tmp_path, model)
    before = count(AsUser(app), ORDERS)
    allowed = op("POST", ORDERS, {"Warehouse_Key": MAIN, "Comment": "allowed"})
    forbidden = op("POST", ORDERS, {"Warehouse_Key": SECOND, "Comment": "forbidden"})
    (failed,) = answers(post_batch(app, body_of([change_set(allowed, forbidden)]),
                                   Authorization=basic("manager", "manager")))
    assert failed[0] == 401 and json.loads(failed[2])["odata.error"]["code"] == "20"
    assert count(AsUser(app), ORDERS) == before
    (created,) = answers(post_batch(app, body_of([change_set(allowed)]), Authorization=basic("manager", "manager")))
    assert created[0][0] == 201
    (refused, read) = answers(post_batch(app, body_of([op("POST", PARTIES, {"Description": "x"}),
                                                        op("GET", f"{PARTIES}?$top=1")]),
                                         Authorization=basic("viewer", "viewer")))
    assert refused[0] == 401 and read[0] == 200
    unauthenticated = post_batch(app, body_of([op("GET", PARTIES)]))
    assert_odata_error(unauthenticated, 401, 20)
    assert "WWW-Authenticate" in unauthenticated.headers


def test_event_handlers_if_match_and_data_load_mode_per_part(app):
    good = json.loads(Request.blank(SERVICE + "Catalog_Goods?$top=1&$filter=IsFolder eq false&$format=json")
                      .get_response(app).body)["value"][0]
    url = f"Catalog_Goods(guid'{good['Ref_Key']}')"
    refused = change_set(op("PATCH", url, {"Description": "renamed"}), op("PATCH", url, {"Price": -1}))
    stale = change_set(op("PATCH", url, {"Description": "renamed"}, **{"If-Match": "W/\"stale\""}), boundary="c2")
    loaded = change_set(op("PATCH", url, {"Price": -1}, **{"1C_OData-DataLoadMode": "true"},
                           **{"If-Match": good["DataVersion"]}), boundary="c3")
    handler, version, load = answers(post_batch(app, body_of([refused, stale, loaded])))
    assert handler[0] == 500 and "отрицательной" in json.loads(handler[2])["odata.error"]["message"]["value"]
    assert version[0] == 412
    assert load[0][0] == 200 and json.loads(load[0][2])["Price"] == -1
    current = json.loads(Request.blank(SERVICE + url + "?$format=json").get_response(app).body)
    assert current["Description"] == good["Description"]  # the refused change set left nothing


def test_batch_off_metadata_and_service_document_unchanged(tmp_path, model):
    on, off = AsUser(make_app("memory", tmp_path, model)), AsUser(make_app("memory", tmp_path, model, batch=False))
    assert_odata_error(post_batch(off, body_of([op("GET", PARTIES)])), 501, 0)
    for path in ("$metadata", "", "?$format=json"):
        answers_on = Request.blank(SERVICE + path).get_response(on).body
        assert answers_on == Request.blank(SERVICE + path).get_response(off).body
        assert b"batch" not in answers_on
    assert_odata_error(Request.blank(SERVICE + "$batch").get_response(on), 405, 19)


def test_nested_batch_is_not_run(app):
    inner = body_of([op("GET", PARTIES)], "inner")
    (nested,) = answers(post_batch(app, body_of([op("POST", "$batch", inner,
                                                    **{"Content-Type": "multipart/mixed; boundary=inner"})])))
    assert nested[0] == 501


# --- hostile bodies ------------------------------------------------------------------------------

GET = op("GET", PARTIES)


@pytest.mark.parametrize("body, content_type", [
    (body_of([GET]), "multipart/mixed"),  # no boundary parameter
    (body_of([GET]), "application/json"),
    (body_of([GET]), "multipart/mixed; boundary=other"),  # no delimiter in the body
    (b"", "multipart/mixed; boundary=batch"),
    (b"--batch\r\n" + GET, "multipart/mixed; boundary=batch"),  # no close delimiter
    (body_of([GET])[:-4], "multipart/mixed; boundary=batch"),
    (body_of([GET]), "multipart/mixed; boundary=" + "b" * 71),
    (body_of([GET]), "multipart/mixed; boundary=\"batch\r\nX: y\""),
    (body_of([change_set(change_set(GET, boundary="inner"))]), "multipart/mixed; boundary=batch"),  # nested
    (body_of([change_set(GET)]), "multipart/mixed; boundary=batch"),  # GET inside a change set
    (body_of([change_set()]), "multipart/mixed; boundary=batch"),
    (body_of([b"Content-Type: text/plain\r\n\r\nGET x HTTP/1.1\r\n"]), "multipart/mixed; boundary=batch"),
    (body_of([b"Content-Type: application/http\r\n\r\nFETCH Catalog_Goods HTTP/1.1\r\n"]),
     "multipart/mixed; boundary=batch"),
    (body_of([b"Content-Type: application/http\r\n\r\n\r\n"]), "multipart/mixed; boundary=batch"),
    (body_of([b"Content-Type: application/http\r\n\r\nGET Catalog_Goods HTTP/1.1\r\nno colon\r\n\r\n"]),
     "multipart/mixed; boundary=batch"),
    (body_of([b"Content-Type: application/http\r\n\r\nGET Catalog_Goods HTTP/1.1\r\n folded: x\r\n\r\n"]),
     "multipart/mixed; boundary=batch"),
    (body_of([b"Content-Type: application/http\r\n\r\nPOST Catalog_Goods HTTP/1.1\r\nContent-Length: -1\r\n\r\n"]),
     "multipart/mixed; boundary=batch"),
])
def test_malformed_multipart_is_400(app, body, content_type):
    response = post_batch(app, body, content_type, Accept="application/json")
    assert_odata_error(response, 400, 2)
    assert "Неверный запрос $batch" in json.loads(response.body)["odata.error"]["message"]["value"]


@pytest.mark.parametrize("headers", [
    "X-Big: " + "a" * 1_000_000 + "\r\n",  # one huge MIME header
    "".join(f"X-{n}: {'a' * 200}\r\n" for n in range(200)),  # many MIME headers
])
def test_huge_part_headers_are_400(app, headers):
    part = ("Content-Type: application/http\r\n" + headers + "\r\nGET Catalog_Goods HTTP/1.1\r\n").encode()
    assert_odata_error(post_batch(app, body_of([part])), 400, 2)


@pytest.mark.parametrize("headers", [
    "X-Big: " + "a" * 100_000 + "\r\n",
    "".join(f"X-{n}: y\r\n" for n in range(101)),
])
def test_huge_request_headers_are_400(app, headers):
    part = ("Content-Type: application/http\r\n\r\nGET Catalog_Goods HTTP/1.1\r\n" + headers + "\r\n").encode()
    assert_odata_error(post_batch(app, body_of([part])), 400, 2)


def test_100000_parts_are_refused_before_parsing(app):
    body = body_of([GET] * 100_000)
    assert len(body) < 16 * 1024 * 1024
    assert_odata_error(post_batch(app, body), 413, 2)
    assert_odata_error(post_batch(app, body_of([GET] * 1001)), 413, 2)


@pytest.mark.parametrize("depth", [900, 2000])
def test_deep_nesting_is_4xx(app, depth):
    nested = b"".join(f"--b{n}\r\nContent-Type: multipart/mixed; boundary=b{n + 1}\r\n\r\n".encode()
                      for n in range(depth))
    nested += b"--b%d\r\nContent-Type: application/http\r\n\r\nGET x HTTP/1.1\r\n" % depth
    nested += b"".join(f"--b{n}--\r\n".encode() for n in reversed(range(depth + 1)))
    response = post_batch(app, nested, "multipart/mixed; boundary=b0")
    assert response.status_code in (400, 413)
    assert_odata_error(response, response.status_code, 2)


def test_line_and_size_limits(app, tmp_path, model):
    many_lines = op("POST", PARTIES, b"{" + b"\r\n" * 500_000 + b"}", **{"Content-Type": "application/json"})
    assert_odata_error(post_batch(app, body_of([many_lines])), 413, 2)
    small = AsUser(make_app("memory", tmp_path, model, max_batch_bytes=1000, max_batch_nesting=1))
    assert_odata_error(post_batch(small, body_of([GET] * 20)), 413, 2)
    assert_odata_error(post_batch(small, body_of([change_set(op("DELETE", PARTIES + "(guid'x')"))])), 400, 2)
    assert answers(post_batch(small, body_of([GET])))[0][0] == 200


# --- fuzzing: any body is an answer, never a 5xx or an exception -------------------------------

PIECES = [b"--batch", b"--batch--", b"--cs", b"--cs--", b"\r\n", b"\n", b"\r\n\r\n", b": ", b" ",
          b"Content-Type: application/http", b"Content-Type: multipart/mixed; boundary=cs",
          b"Content-Type: multipart/mixed; boundary=batch", b"Content-Transfer-Encoding: base64",
          b"Content-ID: 1", b"GET Catalog_Goods?$top=1 HTTP/1.1", b"POST Catalog_Counterparties HTTP/1.1",
          b"PATCH $1 HTTP/1.1", b"DELETE $1 HTTP/1.1", b"Content-Type: application/json",
          b"Content-Length: 5", b'{"Description": "x"}', b"<entry/>", b"$1", b"\x00", b"\xff", "й".encode()]


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")) // 3, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.binary(max_size=8)), max_size=40).map(b"".join))
def test_fuzzed_bodies_never_fail_the_server(fuzz_app, body):
    response = post_batch(fuzz_app, body)
    assert response.status_code < 500, response.body[:500]
    if response.status_code != 202:
        assert_odata_error(response, response.status_code, 2)
    else:
        answers(response)


@pytest.fixture(scope="module")
def fuzz_app(model):
    return AsUser(ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 10), prefix="trade"))


# --- the parser and the shortcuts of the batch runner (issue #19's benchmark work) --------------

def test_bare_lf_bodies_and_transport_padding_are_read_and_base64_parts_are_decoded(app):
    """Lenient where the old ``email`` parser was: a body written with bare LF throughout, and
    blanks after delimiters (RFC 2046 transport padding), read as their CRLF forms."""
    expected = answers(post_batch(app, body_of([GET])))
    lf = body_of([GET]).replace(b"\r\n", b"\n")
    assert answers(post_batch(app, lf)) == expected
    boundary = re.search(rb"--(\S+)\r\n", body_of([GET]))[1]
    padded = body_of([GET]).replace(b"--" + boundary + b"\r\n", b"--" + boundary + b" \t \r\n")
    padded = padded.replace(b"--" + boundary + b"--", b"--" + boundary + b"--  ")
    assert padded != body_of([GET]) and answers(post_batch(app, padded)) == expected
    mixed = body_of([GET]).replace(b"--" + boundary + b"\r\n", b"--" + boundary + b"\n", 1)
    response = post_batch(app, mixed, Accept="application/json")  # CRLF elsewhere: LF is not a break
    assert_odata_error(response, 400, 2)
    assert "MIME" in json.loads(response.body)["odata.error"]["message"]["value"]
    import base64
    request = f"GET {PARTIES}/$count HTTP/1.1\r\nAccept: text/plain\r\n\r\n".encode()
    part = b"Content-Type: application/http\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(request)
    (answer,) = answers(post_batch(app, body_of([part])))
    assert answer[0] == 200 and int(answer[2]) == count(app, PARTIES)


def test_each_operation_body_keeps_max_body_bytes(tmp_path, model):
    """The runner hands an operation its body without a second read only up to the limit."""
    app = AsUser(make_app("memory", tmp_path, model, max_body_bytes=200))
    fits = b'{"Description": "fits"' + b" " * (200 - 23) + b"}"  # exactly the limit
    over = fits + b" "
    assert len(fits) == 200
    json_type = {"Content-Type": "application/json"}
    first, second = answers(post_batch(app, body_of([op("POST", PARTIES, fits, **json_type),
                                                     op("POST", PARTIES, over, **json_type)])))
    assert first[0] == 201 and json.loads(first[2])["Description"] == "fits"
    assert second[0] == 413 and json.loads(second[2])["odata.error"]["code"] == "2"
    (failed,) = answers(post_batch(app, body_of([change_set(op("POST", PARTIES, fits, **json_type),
                                                            op("POST", PARTIES, over, **json_type))])))
    assert failed[0] == 413


def test_change_set_creates_answer_as_single_posts(app):
    """A create in a change set answers the same entity a single POST answers (every property,
    the empties the shared empty row gives, the given values normalized)."""
    values = {"Description": "same", "INN": "7700000001"}
    request = Request.blank(SERVICE + PARTIES, method="POST", headers={"Accept": "application/json"})
    request.body = json.dumps(values).encode()
    request.content_type = "application/json"
    single = json.loads(request.get_response(app).body)
    ((created,),) = answers(post_batch(app, body_of([change_set(op("POST", PARTIES, values))])))
    batched = json.loads(created[2])
    for varying in ("Ref_Key", "Code", "DataVersion", "odata.metadata"):
        single.pop(varying, None), batched.pop(varying, None)
    assert batched == single
