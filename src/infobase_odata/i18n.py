"""Error messages in the language of the ``language`` setting, from stdlib gettext catalogs.

Messages are English templates with ``{name}`` parameters (``ODataError.of``); the service
translates them where it writes an error body. ``locale/ru/LC_MESSAGES/infobase_odata.po``
holds the Russian texts, the platform's own wording where the reference quotes it (§9); any
other language (``language = en``) gets the English templates::

    >>> localize('Entity instance "{name}" not found by the given key.', {"name": "X"}, "ru")
    'Экземпляр сущности "X" не найден по переданному ключу.'

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


@lru_cache(maxsize=16)
def catalog(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def localize(template: str, params: Mapping[str, Any], language: str) -> str:
    """The template translated into ``language`` with its parameters filled in."""
    text = catalog(language).gettext(template)
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
