"""Shortcuts of the hot request path give exactly what the general path gives (issue #18)."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
from webob import Request

from infobase_odata.providers.memory import MemoryProvider
from tests.conftest import basic
from infobase_odata.query.parser import _key_predicate, parse_key_predicate
from infobase_odata.service import ODataService
from infobase_odata.urls import Segment, split_segments

HEX = "0123456789abcdefABCDEF"
guid_like = st.builds(lambda parts, prefix, suffix: prefix + "-".join(parts) + suffix,
                      st.tuples(*(st.text(HEX + "g-' ", min_size=n - 1, max_size=n + 1) for n in (8, 4, 4, 4, 12))),
                      st.sampled_from(["guid'", "GUID'", "guid '", "'", " guid'"]),
                      st.sampled_from(["'", "' ", "", "')", "'x"]))


def grammar_key(text: str):
    try:
        return _key_predicate.__wrapped__(text)
    except Exception as exc:  # the same error class and message either way
        return type(exc), str(exc)


@settings(deadline=None)  # the first grammar parse loads parsimonious
@given(st.one_of(st.uuids().map(lambda u: f"guid'{u}'"), st.uuids().map(lambda u: f"guid'{str(u).upper()}'"),
                 guid_like))
def test_a_guid_key_reads_as_the_grammar_reads_it(text):
    try:
        fast = parse_key_predicate(text)
    except Exception as exc:
        fast = (type(exc), str(exc))
    assert fast == grammar_key(text)


def test_the_service_root_is_kept_per_host_and_mount(configuration, model):
    service = ODataService(configuration, MemoryProvider(model), model=model)
    first = Request.blank("/trade/odata/standard.odata/", base_url="http://one.example:8080")
    first.environ["infobase_odata.root"] = "/trade"
    second = Request.blank("/trade/odata/standard.odata/", base_url="https://two.example")
    second.environ["infobase_odata.root"] = "/другая"
    assert service.base_url(first) == "http://one.example:8080/trade/odata/standard.odata/"
    assert service.base_url(second) == "https://two.example/%D0%B4%D1%80%D1%83%D0%B3%D0%B0%D1%8F/odata/standard.odata/"
    assert service.base_url(first) == "http://one.example:8080/trade/odata/standard.odata/"


def split_by_loop(path: str) -> list[Segment]:
    """The general split, character by character: a first segment "x/" always takes the loop
    (it adds no parenthesis or quote, so the rest is read exactly as alone)."""
    return split_segments("x/" + path)[1:]


def outcome(split, path: str):
    try:
        return split(path)
    except Exception as exc:
        return type(exc), str(exc)


@given(st.text(alphabet="ab()'/%20", max_size=24))
def test_a_path_splits_as_the_general_loop_splits_it(path):
    assert outcome(split_segments, path) == outcome(split_by_loop, path)


def test_kept_query_options_follow_the_service_limits_and_never_keep_errors(configuration, model):
    from infobase_odata.settings import Settings

    strict = ODataService(configuration, MemoryProvider(model), Settings(max_top=10), model=model)
    lenient = ODataService(configuration, MemoryProvider(model), Settings(max_top=1000), model=model)
    def get(url, service):
        return Request.blank(url, headers={"Authorization": basic("admin", "admin")}).get_response(service)

    url = "/Catalog_Goods?$top=50&$format=json"
    for _ in range(2):  # the second round answers from the kept options
        assert get(url, lenient).status_int == 200
        assert get(url, strict).status_int == 400
    assert get("/Catalog_Goods?$top=5&$format=json", strict).status_int == 200
