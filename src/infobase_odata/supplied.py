"""Which properties of a new object were supplied (by the client or a BeforeWrite handler) and
which were only filled with their empty values, so that a provider writing to a site's own
table leaves the others to the site's column defaults and NOT NULL constraints.

    obj = Supplied({"Description": "Tea", "Article": ""}, given=["Description"])
    obj["Article"] = "T-1"                  # a handler's assignment counts as supplied
    given_names(obj)                        # {"Description", "Article"}
    given_names({"Description": "Tea"})     # a plain dict: every key it has
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping


class Supplied(dict):
    """A row of every property that remembers the names actually given."""

    def __init__(self, values: Mapping[str, Any], given: Iterable[str]) -> None:
        super().__init__(values)
        self.given = set(given)

    def __setitem__(self, key: str, value: Any) -> None:
        self.given.add(key)
        super().__setitem__(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        changes = dict(*args, **kwargs)
        self.given.update(changes)
        super().update(changes)


def given_names(values: Mapping[str, Any]) -> set[str]:
    given = getattr(values, "given", None)
    return set(values) if given is None else set(given)
