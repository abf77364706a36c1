"""Settings that switch behaviour, set the way a deployment sets them (PasteDeploy ini strings
through ``filter_app_factory``): check_if_match, debug, the data-load refusal (code 17)."""

from __future__ import annotations

import json

import pytest
from webob import Request

from infobase_odata.middleware import filter_app_factory
from infobase_odata.settings import Settings
from tests.conftest import SAMPLE, SERVICE, AsUser, assert_odata_error


def ini_app(tmp_path, **keys: str):
    """The sample as a PasteDeploy filter would build it: every value a string."""
    strings = {"prefix": "trade", "database": str(tmp_path / "trade.db"), "seed_options": "goods=20", **keys}
    assert all(isinstance(v, str) for v in strings.values())
    return AsUser(filter_app_factory(None, {}, configuration=str(SAMPLE), **strings))


def call(app, method: str, path: str, body: dict | None = None, **headers):
    request = Request.blank(SERVICE + path, method=method, headers=headers)
    if body is not None:
        request.body = json.dumps(body).encode()
        request.content_type = "application/json"
    return request.get_response(app)


def a_unit(app) -> dict:
    return json.loads(call(app, "GET", "Catalog_Units?$format=json&$top=1").body)["value"][0]


@pytest.mark.parametrize("raw,expected", [("false", False), ("off", False), ("0", False), ("no", False),
                                          ("true", True), ("on", True), ("1", True), (" Yes ", True)])
def test_ini_strings_become_typed_settings(tmp_path, raw, expected):
    app = ini_app(tmp_path, check_if_match=raw, debug=raw, page_size="7", max_top="50", rights_status="403")
    settings = app.service.settings
    assert settings.check_if_match is expected and settings.debug is expected
    assert (settings.page_size, settings.max_top, settings.rights_status) == (7, 50, 403)


@pytest.mark.parametrize("keys", [{"debug": "maybe"}, {"page_size": "seven"}, {"nope": "1"}])
def test_bad_ini_strings_are_refused(tmp_path, keys):
    with pytest.raises(ValueError):
        ini_app(tmp_path, **keys)


@pytest.mark.parametrize("switch,stale_status", [(None, 412), ("true", 412), ("false", 200)])
def test_check_if_match(tmp_path, switch, stale_status):
    app = ini_app(tmp_path, **({} if switch is None else {"check_if_match": switch}))
    unit = a_unit(app)
    url = f"Catalog_Units(guid'{unit['Ref_Key']}')?$format=json"
    fresh = call(app, "PATCH", url, {"Description": "первое"}, **{"If-Match": unit["DataVersion"]})
    assert fresh.status_code == 200
    stale = call(app, "PATCH", url, {"Description": "второе"}, **{"If-Match": unit["DataVersion"]})
    assert stale.status_code == stale_status, stale.body[:300]
    stored = json.loads(call(app, "GET", url).body)["Description"]
    assert stored == ("второе" if stale_status == 200 else "первое")
    if stale_status == 412:
        assert_odata_error(stale, 412, None)


@pytest.mark.parametrize("switch", [None, "false", "true"])
def test_debug_puts_exception_details_into_500s(tmp_path, monkeypatch, switch):
    app = ini_app(tmp_path, **({} if switch is None else {"debug": switch}))
    store = app.service.provider
    provider = getattr(store, "provider", store)

    def broken(*args, **kwargs):
        raise RuntimeError("detail for the developer")

    monkeypatch.setattr(type(provider), "query", broken)
    message = assert_odata_error(call(app, "GET", "Catalog_Goods?$format=json"), 500, -1)
    assert message.startswith("Произошла внутренняя ошибка OData сервиса")
    assert ("RuntimeError: detail for the developer" in message) is (switch == "true")


def test_data_load_refusal_is_code_17_and_changes_nothing(tmp_path):
    app = ini_app(tmp_path)
    app.service.events.data_load_refused.add("Catalog_Units")
    before = call(app, "GET", "Catalog_Units/$count").body
    header = {"1C_OData-DataLoadMode": "true"}
    refused = call(app, "POST", "Catalog_Units?$format=json", {"Description": "загрузка"}, **header)
    assert "Catalog_Units" in assert_odata_error(refused, 400, 17)
    unit = a_unit(app)
    patched = call(app, "PATCH", f"Catalog_Units(guid'{unit['Ref_Key']}')?$format=json", {"Description": "x"}, **header)
    assert_odata_error(patched, 400, 17)
    assert call(app, "GET", "Catalog_Units/$count").body == before
    assert call(app, "POST", "Catalog_Units?$format=json", {"Description": "обычная"}).status_code == 201
    assert call(app, "POST", "Catalog_Units?$format=json", {"Description": "загрузка"},
                **{"1C_OData-DataLoadMode": "false"}).status_code == 201


def test_defaults_are_the_documented_ones():
    assert Settings().check_if_match is True and Settings().debug is False
