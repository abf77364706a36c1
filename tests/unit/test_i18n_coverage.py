"""Every message the service can answer goes through the gettext catalog (``i18n.py``): the
templates found in the code all have a Russian text, and no error is built from a bare English
string (a literal or an f-string) that the catalog could never translate."""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest

from infobase_odata import i18n
from infobase_odata.errors import INTERNAL_TEMPLATE, ODataError, from_store_error
from infobase_odata.i18n import Message, translate
from infobase_odata.providers.sqlconn import BUSY_MESSAGE, TIMEOUT_MESSAGE, TOO_COMPLEX_MESSAGE
from infobase_odata.stores import Busy, TooComplex

SRC = Path(i18n.__file__).parent
PO = SRC / "locale" / "ru" / "LC_MESSAGES" / "infobase_odata.po"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")

# The calls whose argument at this index is the text of an error the service answers with.
MESSAGE_ARGUMENTS = {
    "ODataError": 1, "query_option": 1, "bad_key": 0, "bad_value": 1, "bad_request": 0, "bad_batch": 0,
    "not_authenticated": 0, "_select_error": 0, "LiteralError": 0, "SyntaxProblem": 0, "ResolveError": 0,
    "CompileError": 0, "StoreError": 0, "Invalid": 0, "Busy": 0, "TooComplex": 0, "Conflict": 0, "Stale": 0,
    "DirectRowWrite": 0, "InvalidQuery": 1,
}


def catalog() -> dict[str, str]:
    return i18n.parse_po(PO.read_text(encoding="utf-8"))


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"(?<!\{)\{(\w+)", text))


def test_the_extraction_finds_the_templates():
    found = i18n.extract()
    assert len(found) >= 230
    assert 'Invalid value of property "{name}": {detail}' in found  # a body value
    assert "cannot compare {lt} with {rt}" in found  # the validator
    assert "The database is busy, repeat the request" in found  # a store
    assert "Entity not found: {name}" in found  # ODataError.of


def test_every_template_has_a_russian_text_with_the_same_parameters():
    texts = catalog()
    missing = sorted(f"{where}: {template!r}" for template, where in i18n.extract().items() if template not in texts)
    assert not missing, "\n".join(missing)
    for template in i18n.extract():
        russian = texts[template]
        assert placeholders(russian) == placeholders(template), template
        words = re.sub(r"\{\w+(?:![rsa])?\}", "", russian)
        assert CYRILLIC.search(words) or not re.search(r"[A-Za-z]{3}", re.sub(r"\{\w+\}", "", template)), template


def test_the_catalog_holds_no_stale_entries():
    """A msgid no code uses any more is a translation nobody can see."""
    used = set(i18n.extract()) | {INTERNAL_TEMPLATE, INTERNAL_TEMPLATE + " ({detail})"}  # service.py
    stale = sorted(set(catalog()) - used - {""})
    assert not stale, stale


def _bare_messages(path: Path, root: Path = SRC) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        index = MESSAGE_ARGUMENTS.get(name or "")
        if name == "error" and path.name == "validate.py":
            index = 1
        if index is None or len(node.args) <= index:
            continue
        arg = node.args[index]
        bare = isinstance(arg, ast.JoinedStr) or (isinstance(arg, ast.Constant) and isinstance(arg.value, str))
        if bare:
            found.append(f"{path.relative_to(root)}:{node.lineno} {name}({ast.unparse(arg)[:60]})")
    return found


def test_no_error_text_is_a_bare_string():
    """Error texts are ``Message(template, **params)`` (or ``ODataError.of``), so ``lang`` applies."""
    bare = [hit for path in sorted(SRC.rglob("*.py")) for hit in _bare_messages(path)]
    assert not bare, "\n".join(bare)


def test_the_scan_sees_a_bare_string(tmp_path):
    """The scan above can fail: it flags literals and f-strings in every message position."""
    sample = tmp_path / "validate.py"
    sample.write_text('raise ODataError(4, f"bad {x}")\nraise self.error(node, "no")\n'
                      'raise Busy("busy")\nraise ODataError(4, Message("ok {x}", x=1))\n')
    assert len(_bare_messages(sample, tmp_path)) == 3


@pytest.mark.parametrize("message,russian", [
    (BUSY_MESSAGE, "База данных занята, повторите запрос"),
    (TIMEOUT_MESSAGE, "Превышено время выполнения запроса"),
    (TOO_COMPLEX_MESSAGE, "Ошибка при разборе опции запроса: запрос слишком сложен"),
])
def test_store_texts_follow_the_language(message, russian):
    error = from_store_error(Busy(message) if message is not TOO_COMPLEX_MESSAGE else TooComplex(message))
    assert error.localized("ru") == russian
    assert error.localized("en") == str(message)
    assert not CYRILLIC.search(error.localized("en"))


def test_a_detail_inside_a_template_is_translated_too():
    detail = Message("a number is expected, not {value}", value="'x'")
    error = ODataError.of(4, 'Invalid value of property "{name}": {detail}', name="Price", detail=detail)
    assert error.localized("ru") == "Неверное значение свойства \"Price\": ожидается число, а не 'x'"
    assert error.localized("en") == "Invalid value of property \"Price\": a number is expected, not 'x'"
    raw = ODataError(4, Message("the key of an object cannot be changed"))
    assert raw.localized("ru") == "ключ объекта изменить нельзя"


def test_a_message_is_its_english_text_and_keeps_its_template():
    message = Message("{name} is given twice", name="Ref_Key")
    assert message == "Ref_Key is given twice" and isinstance(message, str)
    assert translate(message, "ru") == "Ref_Key указан дважды"
    assert translate("plain", "ru") == "plain"
    assert translate(pickle.loads(pickle.dumps(message)), "ru") == "Ref_Key указан дважды"
    long = Message("{name} is given twice", name="x" * 500).shortened(10)
    assert long == "xxxxxxxxxx… is given twice" and translate(long, "ru") == "xxxxxxxxxx… указан дважды"
