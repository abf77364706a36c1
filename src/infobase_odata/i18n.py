"""Error messages in the language of the ``language`` setting, from stdlib gettext catalogs.

Messages are English templates with ``{name}`` parameters (``ODataError.of``); the service
translates them where it writes an error body. ``locale/ru/LC_MESSAGES/infobase_odata.po``
holds the Russian texts, the platform's own wording where the reference quotes it (§9); any
other language (``language = en``) gets the English templates::

    >>> localize('Entity instance "{name}" not found by the given key.', {"name": "X"}, "ru")
    'Экземпляр сущности "X" не найден по переданному ключу.'

A detail built below the service (a validator's, a body reader's, a store's) is a
:class:`Message`: the English text that also remembers its template, translated where the
error is written, parameters that are Messages too::

    >>> translate(Message("{name} is not published", name="Catalog_X"), "ru")
    'Catalog_X не опубликован'

After editing a ``.po`` file, rebuild its ``.mo`` with ``python -m infobase_odata.i18n``
(tests/unit/test_i18n.py checks that they match).
"""

from __future__ import annotations

import ast
import gettext
import struct
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

DOMAIN = "infobase_odata"
LOCALE_DIR = Path(__file__).with_name("locale")


class Message(str):
    """English text made from ``template`` and ``params``; :func:`translate` gives it in a language.
    It is a ``str`` (the English text) everywhere else: logs, ``str(error)``, comparisons."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> "Message":
        text = super().__new__(cls, template.format(**params))
        text.template, text.params = template, params
        return text

    def __reduce__(self):  # pickling (multiprocessing, caches) keeps the template
        return (_message, (self.template, self.params))

    def shortened(self, limit: int) -> "Message":
        """The same message with each text parameter cut to ``limit`` characters."""
        cut = {k: v[:limit] + "…" if isinstance(v, str) and not isinstance(v, Message) and len(v) > limit else v
               for k, v in self.params.items()}
        return Message(self.template, **cut)


def _message(template: str, params: dict[str, Any]) -> Message:
    return Message(template, **params)


def translate(text: str, language: str) -> str:
    """``text`` in ``language`` when it is a :class:`Message`; any other text as it is."""
    if isinstance(text, Message):
        return localize(text.template, text.params, language)
    return str(text)


@lru_cache(maxsize=16)
def catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def localize(template: str, params: Mapping[str, Any], language: str) -> str:
    """The template translated into ``language`` with its parameters filled in."""
    text = catalog(language).gettext(template)
    params = {k: translate(v, language) if isinstance(v, Message) else v for k, v in params.items()}
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):  # a broken translation: keep the English text
        return template.format(**params)


# --- catalog building (development only) --------------------------------------------------------

def parse_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (single-line and continued strings; no plurals/contexts)."""
    entries: dict[str, str] = {}
    key: str | None = None
    current: dict[str, str] = {}
    for line in text.splitlines() + [""]:
        line = line.strip()
        if line.startswith(("msgid ", "msgstr ")):
            key, _, rest = line.partition(" ")
            current[key] = ast.literal_eval(rest)
        elif line.startswith('"') and key is not None:
            current[key] += ast.literal_eval(line)
        elif not line or line.startswith("#"):
            if "msgid" in current and "msgstr" in current:
                entries[current["msgid"]] = current["msgstr"]
            current, key = {}, None
    return entries


def compile_mo(entries: Mapping[str, str]) -> bytes:
    """The GNU .mo form of ``entries`` (what msgfmt writes, without a hash table)."""
    keys = sorted(entries)
    ids = [k.encode("utf-8") for k in keys]
    strs = [entries[k].encode("utf-8") for k in keys]
    header_size = 7 * 4
    ids_table = header_size
    strs_table = ids_table + 8 * len(keys)
    offset = strs_table + 8 * len(keys)
    id_offsets, str_offsets, blob = [], [], b""
    for data in ids:
        id_offsets.append((len(data), offset + len(blob)))
        blob += data + b"\0"
    for data in strs:
        str_offsets.append((len(data), offset + len(blob)))
        blob += data + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, len(keys), ids_table, strs_table, 0, 0)
    tables = b"".join(struct.pack("<2I", *pair) for pair in id_offsets + str_offsets)
    return header + tables + blob


def extract(root: Path = LOCALE_DIR.parent) -> dict[str, str]:
    """Every message template under ``root``: the literal first argument of ``Message(…)`` and the
    template of ``ODataError.of(code, …)``, with where it is (``path:line``)."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            index = {"Message": 0, "of": 1}.get(name or "")
            if index is None or len(node.args) <= index:
                continue
            arg = node.args[index]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, f"{path.relative_to(root)}:{node.lineno}")
    return found


def build() -> list[Path]:
    """Rebuild every ``.mo`` from its ``.po``; returns the files written."""
    written = []
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        mo.write_bytes(compile_mo(parse_po(po.read_text(encoding="utf-8"))))
        written.append(mo)
    return written


if __name__ == "__main__":
    for path in build():
        print(path)
