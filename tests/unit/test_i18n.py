"""Error messages in the language of the ``language`` setting (stdlib gettext catalogs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from webob import Request

from infobase_odata import i18n
from infobase_odata.errors import ODataError
from infobase_odata.middleware import ODataMiddleware
from tests.conftest import SAMPLE, SERVICE, AsUser, seeded_memory_provider

SRC = Path(i18n.__file__).parent
PO = SRC / "locale" / "ru" / "LC_MESSAGES" / "infobase_odata.po"
G = "00000000-0000-0000-0000-000000000001"


def test_the_mo_catalog_is_built_from_the_po():
    assert PO.with_suffix(".mo").read_bytes() == i18n.compile_mo(i18n.parse_po(PO.read_text(encoding="utf-8")))


def test_every_template_in_the_code_has_a_russian_text():
    """Templates given to ODataError.of (string literals) all appear in the ru catalog, with the
    same parameters."""
    catalog = i18n.parse_po(PO.read_text(encoding="utf-8"))
    found = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"\.of\(\s*[\w.]+,\s*((?:\"(?:[^\"\\]|\\.)*\"\s*|'[^']*'\s*)+)", text):
            literal = "".join(eval(part) for part in re.findall(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'", call.group(1)))
            found.add(literal)
    assert len(found) >= 15
    for template in found:
        assert template in catalog, template
        assert sorted(re.findall(r"\{(\w+)\}", catalog[template])) == sorted(re.findall(r"\{(\w+)\}", template))


@pytest.fixture(scope="module", params=["ru", "en"])
def app(request, model):
    return AsUser(ODataMiddleware(None, SAMPLE, provider=seeded_memory_provider(model, 20), prefix="trade",
                                  language=request.param))


CASES = [  # path, method, (ru, en)
    ("Catalog_Nope", "GET", ("Сущность не найдена: Catalog_Nope", "Entity not found: Catalog_Nope")),
    (f"Catalog_Goods(guid'{G}')", "GET", ('Экземпляр сущности "Catalog_Goods" не найден по переданному ключу.',
                                          'Entity instance "Catalog_Goods" not found by the given key.')),
    ("$metadata", "POST", ("HTTP-метод POST недопустим в этом контексте", "HTTP method POST is not allowed here")),
    ("Catalog_Goods?$top=x", "GET", ("Ошибка при разборе опции запроса $top", "Error parsing query option $top")),
    ("Catalog_Goods?$filter=Nope eq 1", "GET", ("Ошибка при разборе опции запроса $filter в позиции 0: ",
                                                "Error parsing query option $filter at position 0: ")),
    ("AccumulationRegister_Stock/Balance()/Extra", "GET", ("Обнаружены лишние сегменты после Balance",
                                                           "Extra segments after Balance")),
    ("$batch", "GET", ("HTTP-метод GET недопустим в этом контексте", "HTTP method GET is not allowed here")),
]


@pytest.mark.parametrize("path,method,texts", CASES, ids=[c[0] for c in CASES])
def test_messages_follow_the_language_setting(app, path, method, texts):
    language = app.service.settings.language
    response = Request.blank(SERVICE + path + ("&" if "?" in path else "?") + "$format=json",
                             method=method).get_response(app)
    message = json.loads(response.body)["odata.error"]["message"]
    assert message["lang"] == language
    assert message["value"].startswith(texts[0] if language == "ru" else texts[1]), message["value"]


def test_a_message_changed_after_creation_is_kept():
    error = ODataError.not_found("X")
    assert error.localized("ru") == 'Экземпляр сущности "X" не найден по переданному ключу.'
    error.message = "custom"
    assert error.localized("ru") == "custom"
    assert ODataError(9, "без шаблона").localized("en") == "без шаблона"


def test_a_broken_translation_falls_back_to_english(monkeypatch):
    class Broken:
        def gettext(self, text):
            return "{missing}"

    monkeypatch.setattr(i18n, "catalog", lambda language: Broken())
    assert i18n.localize("Entity not found: {name}", {"name": "X"}, "ru") == "Entity not found: X"
