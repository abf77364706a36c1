"""Fill a new database with plausible rows for any configuration (Faker, ``ru_RU`` locale).

N objects per catalog, document and other reference object, tabular sections of 1-10 rows,
references to rows that exist, dates spread over 2024, register records for the documents
(through their Posting handlers where they exist, random movements otherwise), independent
information-register records and constants; the same ``seed`` gives the same rows. Everything
is written through the provider's public API (``create``, ``write_record_set``, ...)::

    provider = SQLiteProvider(model, "var/ut.db")
    provider.create_schema()
    fill(provider, model, rows=100, seed=1)

Faker is an optional dependency (``pip install 'infobase-odata[fake]'``).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import Any, Callable

from . import model as m
from .events import POSTING, Event, EventHandlers, Movements
from .kinds import kind_of
from .registers import recorder_key, registers_of
from .types import Boolean, Composite, Date, Number, Ref, String, Uuid

START = dt.datetime(2024, 1, 1)
YEAR_SECONDS = 366 * 24 * 3600
BATCH = 200
SKIPPED = {"Ref_Key", "DataVersion", "Predefined", "PredefinedDataName", "Posted", "Code", "Number",
           "IsFolder", "Parent_Key", "Owner_Key", "Owner", "Owner_Type"}
RECORD_STANDARD = {"Recorder", "Recorder_Key", "Recorder_Type", "LineNumber", "Active", "Period", "RecordType"}

# Attribute-name fragments (lower case) -> Faker method, for string values.
_TEXT_HINTS = (
    (("инн", "inn"), "businesses_inn"), (("кпп", "kpp"), "kpp"), (("бик", "bic"), "bic"),
    (("огрн", "ogrn"), "businesses_ogrn"), (("телефон", "phone"), "phone_number"),
    (("email", "почт", "адресэп", "mail"), "email"), (("адрес", "address"), "address"),
    (("город", "city"), "city"), (("стран", "country"), "country"), (("банк", "bank"), "bank"),
    (("фио", "фамил", "person", "физлиц", "физическ", "сотрудник", "автор", "ответствен", "manager"), "name"),
    (("контрагент", "организац", "партнер", "покупател", "поставщик", "customer", "supplier", "company"), "company"),
    (("комментар", "comment", "описан", "примечан", "note", "содержан"), "sentence"),
)
# Object-name fragments -> Faker method, for Description.
_DESCRIPTION_HINTS = (
    (("физическ", "физлиц", "сотрудник", "пользовател", "employee", "person", "user"), "name"),
    (("контрагент", "партнер", "организац", "counterpart", "customer", "supplier", "compan"), "company"),
    (("банк", "bank"), "bank"), (("склад", "warehouse"), "street_address"), (("город", "city"), "city"),
    (("стран", "countr"), "country"), (("валют", "currenc"), "currency_name"), (("должност", "position"), "job"),
)

Progress = Callable[[str, int, int], Any]


def _faker(seed: int):
    try:
        from faker import Faker
    except ImportError:  # pragma: no cover - depends on the installation
        raise RuntimeError("fake data needs Faker: pip install 'infobase-odata[fake]'") from None
    faker = Faker("ru_RU")
    faker.seed_instance(seed)
    return faker


class _Filler:
    def __init__(self, provider: Any, model: m.Model, rows: int, seed: int, events: EventHandlers | None,
                 progress: Progress | None) -> None:
        self.provider, self.model, self.rows = provider, model, rows
        self.rng = random.Random(seed)
        self.faker = _faker(seed)
        self.events = events or EventHandlers()
        self.progress = progress
        self.keys: dict[str, list[str]] = {}  # object id -> Ref_Keys of its rows (planned first)
        self.dates: dict[str, dt.datetime] = {}  # document Ref_Key -> Date

    # --- values -----------------------------------------------------------------------------

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def moment(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.rng.randrange(YEAR_SECONDS))

    def text(self, hint: str, length: int) -> str:
        lowered = hint.lower()
        method = next((method for fragments, method in _TEXT_HINTS if any(f in lowered for f in fragments)), None)
        if method == "businesses_inn" and length == 12:
            method = "individuals_inn"
        value = getattr(self.faker, method)() if method else self.faker.sentence(nb_words=3).rstrip(".")
        if method == "sentence":
            value = self.faker.sentence(nb_words=6)
        return value[:length] if length else value

    def description(self, entity_set: m.EntitySet, length: int) -> str:
        lowered = entity_set.source.name.lower()
        method = next((method for fragments, method in _DESCRIPTION_HINTS if any(f in lowered for f in fragments)),
                      None)
        value = getattr(self.faker, method)() if method else self.faker.catch_phrase()
        return value[:length] if length else value

    def scalar(self, value_type: Any, hint: str) -> Any:
        if isinstance(value_type, String):
            return self.text(hint, value_type.length)
        if isinstance(value_type, Number):
            whole = min(10 ** (value_type.digits - value_type.scale) - 1, 100_000)
            if value_type.scale == 0:
                return self.rng.randint(0, whole)
            scale = min(value_type.scale, 3)
            return Decimal(self.rng.randint(0, whole * 10 ** scale)).scaleb(-scale)
        if isinstance(value_type, Date):
            moment = self.moment()
            if value_type.parts == "date":
                return moment.replace(hour=0, minute=0, second=0)
            if value_type.parts == "time":
                return moment.replace(year=1, month=1, day=1)
            return moment
        if isinstance(value_type, Boolean):
            return self.rng.random() < 0.5
        if isinstance(value_type, Uuid):
            return self.guid()
        return None

    def reference(self, target: str) -> str:
        keys = self.keys.get(target)
        if keys is None and target and self.model.set_for_object(target) is None:
            # An unpublished object: its rows exist in the real infobase but not here; a pool
            # of stable GUIDs stands for them.
            keys = self.keys[target] = [self.guid() for _ in range(max(1, self.rows))]
        return self.rng.choice(keys) if keys else m.NIL_GUID

    def enum_member(self, ref: Ref) -> str:
        enum = self.model.enum_types.get(ref.name)
        return self.rng.choice(enum.members) if enum and enum.members else ""

    def composite(self, composite: Composite, hint: str) -> tuple[str, str]:
        choices = [t for t in composite.types if not isinstance(t, Ref) or t.is_enum or self.keys.get(t.object_id)]
        chosen = self.rng.choice(choices or [String(0)])
        if isinstance(chosen, Ref):
            value = self.enum_member(chosen) if chosen.is_enum else self.reference(chosen.object_id)
            return value, f"{m.NAMESPACE}.{chosen.object_id}"
        value = self.scalar(chosen, hint)
        names = {String: "Edm.String", Number: "Edm.Double", Date: "Edm.DateTime", Boolean: "Edm.Boolean",
                 Uuid: "Edm.Guid"}
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, dt.datetime):
            value = value.strftime("%Y-%m-%dT%H:%M:%S")
        return str(value), names[type(chosen)]

    def values(self, properties: list[m.Property], skip: set[str] = frozenset()) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for prop in properties:
            if prop.name in skip or prop.read_only or prop.role in (m.KEY, m.TABULAR, m.COMPOSITE_TYPE):
                continue
            if prop.role == m.REF:
                row[prop.name] = self.reference(prop.target or "")
            elif prop.role == m.ENUM:
                row[prop.name] = self.enum_member(prop.value_type)
            elif prop.role == m.COMPOSITE:
                row[prop.name], row[f"{prop.name}_Type"] = self.composite(prop.value_type, prop.name)
            else:
                row[prop.name] = self.scalar(prop.value_type, prop.name)
        return row

    # --- objects ----------------------------------------------------------------------------

    def object_row(self, entity_set: m.EntitySet, index: int, key: str) -> dict[str, Any]:
        entity_type = entity_set.entity_type
        row = self.values(entity_type.properties, SKIPPED | {"Description", "Date", "DeletionMark"})
        row["Ref_Key"] = key
        names = {p.name for p in entity_type.properties}
        keys = self.keys[entity_set.name]
        if "Description" in names:
            length = entity_type.property("Description").value_type.length
            row["Description"] = self.description(entity_set, length)
        if "Date" in names:
            row["Date"] = self.dates[key] = self.moment()
        if "DeletionMark" in names:
            row["DeletionMark"] = self.rng.random() < 0.02
        folders = max(1, len(keys) // 10)
        if "IsFolder" in names:
            row["IsFolder"] = index < folders
            row["Parent_Key"] = m.NIL_GUID if index < folders else self.rng.choice(keys[:folders] + [m.NIL_GUID])
        elif "Parent_Key" in names:
            row["Parent_Key"] = self.rng.choice(keys[:index] + [m.NIL_GUID]) if index else m.NIL_GUID
        if "Owner_Key" in names:
            row["Owner_Key"] = self.reference(entity_type.property("Owner_Key").target or "")
        if "Owner" in names:
            row["Owner"], row["Owner_Type"] = self.composite(entity_type.property("Owner").value_type, "Owner")
        for prop in entity_type.properties:
            if prop.role == m.TABULAR and not row.get("IsFolder"):
                lines = []
                for line in range(1, self.rng.randint(1, 10) + 1):
                    values = self.values(prop.row_type.properties)
                    values["LineNumber"] = line
                    lines.append(values)
                row[prop.name] = lines
        return row

    def objects(self) -> None:
        sets = [s for s in self.model.entity_sets.values() if s.kind == m.OBJECT]
        for entity_set in sets:  # every key first, so that references always find their rows
            self.keys[entity_set.name] = [self.guid() for _ in range(self.rows)]
        for entity_set in sets:
            keys = self.keys[entity_set.name]
            for start in range(0, len(keys), BATCH):
                with self.provider.transaction():
                    for index in range(start, min(start + BATCH, len(keys))):
                        self.provider.create(entity_set, self.object_row(entity_set, index, keys[index]))
                self.report(entity_set.name, min(start + BATCH, len(keys)), len(keys))

    def constants(self) -> None:
        for entity_set in self.model.entity_sets.values():
            if entity_set.kind != m.CONSTANT:
                continue
            values = self.values(entity_set.entity_type.properties)
            name = entity_set.entity_type.properties[0].name
            value = (values[name], values[f"{name}_Type"]) if f"{name}_Type" in values else values[name]
            self.provider.set_constant(entity_set, value)

    # --- registers --------------------------------------------------------------------------

    def record(self, register_set: m.EntitySet, period: dt.datetime | None) -> dict[str, Any]:
        properties = register_set.records.entity_type.properties
        row = self.values(properties, RECORD_STANDARD)
        if any(p.name == "RecordType" for p in properties):
            row["RecordType"] = "Receipt" if self.rng.random() < 0.6 else "Expense"
        if period is not None and any(p.name == "Period" for p in properties):
            row["Period"] = period
        return row

    def post(self, document_set: m.EntitySet) -> None:
        registers = registers_of(self.model, document_set)
        if not registers:
            return
        handled = self.events.has(document_set.name, POSTING)
        keys = self.keys.get(document_set.name, [])
        for start in range(0, len(keys), BATCH):
            with self.provider.transaction():
                for key in keys[start:start + BATCH]:
                    movements = {reg.name: Movements(reg.name, self.dates.get(key)) for reg in registers}
                    if handled:  # the configuration's own Posting handlers decide the movements
                        document = self.provider.get(document_set, {"Ref_Key": key})
                        self.events.fire(Event(POSTING, document_set, document, provider=self.provider,
                                               extra={"PostingModeOperational": False}, record_sets=movements))
                    else:
                        for reg in registers:
                            for _ in range(self.rng.randint(1, 5)):
                                movements[reg.name].append(self.record(reg, self.dates.get(key)))
                    for reg in registers:
                        self.provider.write_record_set(reg, recorder_key(reg, document_set, key), movements[reg.name])
                    self.provider.update(document_set, {"Ref_Key": key}, {"Posted": True})
            self.report(f"{document_set.name} posting", min(start + BATCH, len(keys)), len(keys))

    def independent(self, register_set: m.EntitySet) -> None:
        entity_type = register_set.entity_type
        seen: set[tuple] = set()
        with self.provider.transaction():
            for _ in range(self.rows):
                row = self.values(entity_type.properties, {"Period"})
                if entity_type.property("Period") is not None:
                    row["Period"] = self.moment().replace(hour=0, minute=0, second=0)
                key = tuple(str(row.get(name)) for name in entity_type.key_names)
                if key in seen:
                    continue
                seen.add(key)
                self.provider.create(register_set, row)
        self.report(register_set.name, len(seen), self.rows)

    def report(self, name: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(name, done, total)

    def run(self) -> None:
        self.objects()
        self.constants()
        for entity_set in list(self.model.entity_sets.values()):
            kind = kind_of(entity_set.source)
            if entity_set.kind == m.OBJECT and kind is not None and "Post" in kind.actions:  # posted: documents
                self.post(entity_set)
            elif entity_set.kind == m.INDEPENDENT_RECORDS:
                self.independent(entity_set)


def fill(provider: Any, model: m.Model, *, rows: int = 100, seed: int = 0, events: EventHandlers | None = None,
         progress: Progress | None = None) -> None:
    """Write ``rows`` plausible objects per reference object (and their movements) into ``provider``."""
    _Filler(provider, model, rows, seed, events, progress).run()
