"""Messages of configuration and mapping errors: unknown keys with a suggestion, duplicates with
the positions of both entries.

    >>> check_keys({"name": "Books", "atributes": []}, ("name", "attributes"), "objects[0] (Catalog_Books)")
    Traceback (most recent call last):
    ConfigurationError: objects[0] (Catalog_Books): unknown key 'atributes' (did you mean 'attributes'?)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .types import ConfigurationError


def read_json(path: Path, what: str, error: type[ConfigurationError] = ConfigurationError) -> Any:
    """The JSON document at ``path``; a missing file or bad JSON is ``error`` naming ``what``."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"no {what} file at {path}") from None
    except json.JSONDecodeError as exc:
        raise error(f"{path}: not valid JSON: {exc}") from None


def did_you_mean(word: str, choices: Iterable[str], *, quote: bool = False) -> str:
    """`` (did you mean X?)`` for the closest of ``choices``, or an empty string."""
    import difflib  # only on an error: not at every start (#18)

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {close[0]!r}?)" if quote else f" (did you mean {close[0]}?)"


def check_keys(raw: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    """Refuse the first key of ``raw`` not in ``allowed``, suggesting the closest known one."""
    allowed = list(allowed)
    for key in raw:
        if key not in allowed:
            raise ConfigurationError(f"{where}: unknown key {key!r}{did_you_mean(str(key), allowed, quote=True)}")


def check_unique(items: Iterable[Any], name_of: Callable[[Any], Any], where: str, what: str) -> None:
    """Refuse the second entry of a list whose name repeats an earlier one, naming both positions:
    ``objects[3] (Catalog_Goods): duplicate object, first declared at objects[0]``."""
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        name = name_of(item)
        if name is None:
            continue
        if name in seen:
            raise ConfigurationError(f"{where}[{index}] ({name}): duplicate {what}, "
                                     f"first declared at {where}[{seen[name]}]")
        seen[name] = index
