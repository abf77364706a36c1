"""The write rules, once for the core and every store: new objects, update merges, numbering, versions.

Providers run these pure functions inside their write transaction, so the memory and the
SQLite provider store the same rows for the same writes (reference §8)::

    check_writable(entity_set, "create")
    row = new_object(entity_set, {"Description": "юань"})   # Ref_Key, empty values, DataVersion
    rule = numbering(entity_set)                               # Code/Number auto-assignment
    if rule is not None:
        assign_numbers(rule, [row], current_max)              # "000000124" after "000000123"

    check_if_match(old, if_match)                              # 412 on a stale DataVersion
    new = merge(entity_set, old, values, replace=False)        # PATCH; replace=True for PUT
    if new != old:
        new["DataVersion"] = new_data_version()
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, NamedTuple

from .i18n import Message
from . import edm, model as m
from .errors import DUPLICATE_MESSAGE, STALE_MESSAGE
from .kinds import kind_of
from .stores import Conflict, DirectRowWrite, Invalid, NotAllowed, NotFound, Stale, StoreError
from .values import complete_row, complete_tabular, empty_value, new_data_version, normalize, settled_empties

Row = dict[str, Any]

# Properties a PUT keeps although the body does not carry them (§8.2).
KEPT_BY_PUT = frozenset({"Ref_Key", "DataVersion", "Predefined", "PredefinedDataName", "Posted"})
TABULAR_CREATE_MESSAGE = Message("Creating tabular-section rows on their own is not supported")

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


# ---- errors ---------------------------------------------------------------------------------

def duplicate_key() -> Conflict:
    return Conflict(DUPLICATE_MESSAGE)


def stale_version() -> Stale:
    return Stale(STALE_MESSAGE)


def bad_value(name: str, detail: str) -> Invalid:
    return Invalid(Message("Invalid value of property {name}: {detail}", name=name, detail=detail))


def check_writable(entity_set: m.EntitySet, operation: str) -> None:
    """``operation`` is create, update or delete. Tabular-section rows are written only through
    their owner (code 13 on create, as 1C); journals are read-only."""
    if entity_set.kind == m.TABULAR_SECTION and operation == "create":
        raise DirectRowWrite(TABULAR_CREATE_MESSAGE)
    if entity_set.read_only:
        method = {"create": "POST", "update": "PATCH", "delete": "DELETE"}[operation]
        raise NotAllowed(method)


def check_deletable(stored: Mapping[str, Any] | None) -> None:
    """Predefined items (accounts, characteristic types, ...) of the configuration stay (400 code 4)."""
    if stored is not None and stored.get("Predefined") is True:
        raise Invalid(Message("Deleting the predefined item {name} is not allowed",
                              name=stored.get('PredefinedDataName') or ''))


def check_if_match(stored: Mapping[str, Any], if_match: str | None) -> None:
    if if_match is not None and stored.get("DataVersion") != if_match:
        raise stale_version()


def check_stored(entity_set: m.EntitySet, stored: Mapping[str, Any] | None, if_match: str | None) -> None:
    """The object about to change exists (``NotFound``) and carries ``if_match`` (``Stale``)."""
    if stored is None:
        raise NotFound(entity_set.name)
    check_if_match(stored, if_match)


def updated(entity_set: m.EntitySet, old: Row | None, values: Mapping[str, Any], *,
            if_match: str | None, replace: bool) -> Row | None:
    """The update algorithm, once for every store: after :func:`check_stored`, the row to store
    (:func:`merge`) with a new DataVersion, or None when nothing changes (the store keeps
    ``old``, DataVersion included). The store persists it atomically with the check."""
    check_stored(entity_set, old, if_match)
    assert old is not None
    row = merge(entity_set, old, values, replace=replace)
    if row == old:
        return None
    row["DataVersion"] = new_data_version()
    return row


def check_guid(value: Any, name: str = "Ref_Key") -> str:
    """The canonical lowercase text of a GUID; code 4 for anything else."""
    text = str(value)
    if not _GUID.match(text):
        raise bad_value(name, Message("'{text}' is not a GUID", text=text))
    return text.lower()


def key_ref(key: Mapping[str, Any]) -> str:
    return str(key["Ref_Key"]).lower()


# ---- rows -----------------------------------------------------------------------------------

def tabular_rows(prop: m.Property, owner: str, rows: Iterable[Mapping[str, Any]] | None) -> list[Row]:
    """A tabular section as stored: completed rows of the owner, sorted, LineNumbers unique."""
    completed = complete_tabular(prop, owner, rows or [])
    seen: set[int] = set()
    for line in completed:
        number = line["LineNumber"]
        if number in seen:
            raise bad_value(f"{prop.name}.LineNumber", Message("line number {number} is repeated", number=number))
        seen.add(number)
    return completed


def new_object(entity_set: m.EntitySet, values: Mapping[str, Any]) -> Row:
    """A new object: a client-supplied ``Ref_Key`` kept (a version-1 UUID otherwise), missing
    properties empty, tabular rows owned by it, a fresh DataVersion. Numbering is separate."""
    given = values.get("Ref_Key")
    ref = edm.new_guid() if given in (None, "", edm.NIL_GUID) else check_guid(given)
    entity_type = entity_set.entity_type
    scalars = [p for p in entity_type.properties if p.role != m.TABULAR]
    row = complete_row(scalars, values, settled_empties(entity_type))
    row["Ref_Key"] = ref
    row["DataVersion"] = new_data_version()
    for prop in entity_type.properties:
        if prop.role == m.TABULAR:
            row[prop.name] = tabular_rows(prop, ref, values.get(prop.name))
    return row


def merge(entity_set: m.EntitySet, old: Row, values: Mapping[str, Any], *, replace: bool) -> Row:
    """The row an update stores, still carrying the old DataVersion (the caller stamps a new
    one only when the result differs from ``old``).

    PATCH (``replace=False``) changes the given properties; PUT also empties every property not
    given, except those in :data:`KEPT_BY_PUT`. A tabular section in ``values`` replaces all its
    rows; an absent one is kept (PATCH) or emptied (PUT). ``DataVersion`` in ``values`` is
    ignored; a different ``Ref_Key`` is refused with code 4."""
    ref = old["Ref_Key"]
    given = values.get("Ref_Key")
    if given not in (None, "") and check_guid(given) != ref:
        raise bad_value("Ref_Key", Message("the key of an object cannot be changed"))
    row: Row = {}
    for prop in entity_set.entity_type.properties:
        name = prop.name
        if name in ("Ref_Key", "DataVersion"):
            row[name] = old[name]
        elif prop.role == m.TABULAR:
            if name in values:
                row[name] = tabular_rows(prop, ref, values[name])
            else:
                row[name] = [] if replace else old[name]
        elif name in values:
            row[name] = normalize(prop, values[name])
        elif replace and name not in KEPT_BY_PUT:
            row[name] = empty_value(prop)
        else:
            row[name] = old[name]
    return row


# ---- numbering ------------------------------------------------------------------------------

class Numbering(NamedTuple):
    """How ``Code``/``Number`` is assigned when written empty: a string code is the prefix plus
    (the largest numeric suffix among codes with that prefix + 1), zero-padded to the declared
    length; a numeric (Int64) code is the largest + 1."""

    name: str  # "Code" or "Number"
    numeric: bool
    length: int
    prefix: str = ""

    @property
    def width(self) -> int:
        return self.length - len(self.prefix)

    def is_empty(self, value: Any) -> bool:
        if self.numeric:
            return not value
        return value is None or not str(value).strip()

    def parse(self, value: Any) -> int | None:
        """The number a stored code carries, or None when it does not follow the rule."""
        if self.numeric:
            return int(value) if value else None
        text = str(value)
        if not text.startswith(self.prefix):
            return None
        rest = text[len(self.prefix):]
        if not rest or len(rest) > self.width or not (rest.isascii() and rest.isdigit()):
            return None
        return int(rest)

    def format(self, number: int) -> Any:
        if self.numeric:
            if number >= 10 ** self.length:
                raise self._overflow()
            return number
        digits = str(number)
        if len(digits) > self.width:
            raise self._overflow()
        return self.prefix + digits.zfill(self.width)

    def _overflow(self) -> StoreError:
        return StoreError(Message("Cannot assign {name}: the length {length} is exhausted",
                                  name=self.name, length=self.length))


def numbering(entity_set: m.EntitySet) -> Numbering | None:
    """The numbering rule of an object set, or None (charts of accounts, exchange plans, sets
    without a code/number)."""
    source = entity_set.source
    kind = kind_of(source)
    if entity_set.kind != m.OBJECT or kind is None or kind.numbering is None:
        return None
    field = kind.numbering.lower()  # "code" or "number": code_prefix, number_length, ...
    name, prefix = kind.numbering, getattr(source, f"{field}_prefix", "")
    numeric = getattr(source, f"{field}_type", "String") == "Number"
    length = getattr(source, f"{field}_length")
    if entity_set.entity_type.property(name) is None or length <= 0:
        return None
    rule = Numbering(name, numeric, length, "" if numeric else prefix)
    return rule if rule.width > 0 else None


def assign_numbers(rule: Numbering, rows: list[Row], current_max: int) -> None:
    """Give every row with an empty code the next number, after ``current_max`` (the largest in
    storage) and after every code the rows themselves carry."""
    top = current_max
    for row in rows:
        parsed = rule.parse(row[rule.name]) if not rule.is_empty(row[rule.name]) else None
        if parsed is not None and parsed > top:
            top = parsed
    for row in rows:
        if rule.is_empty(row[rule.name]):
            top += 1
            row[rule.name] = rule.format(top)


def max_number(rule: Numbering, codes: Iterable[Any]) -> int:
    """The largest number among stored codes (0 when none follows the rule)."""
    best = 0
    for code in codes:
        parsed = rule.parse(code)
        if parsed is not None and parsed > best:
            best = parsed
    return best
