"""Shortcuts of the create pipeline (issue #19: a ``$batch`` change set of creates) give exactly
what the general code gives: the shared empty row, the empties ``complete_row`` keeps without
normalizing, the version-1 references, and ``multipart`` imported only for a ``$batch``."""

from __future__ import annotations

import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from infobase_odata import edm, values as v
from infobase_odata.configuration import load_configuration
from infobase_odata.register_model import build_model

SAMPLES = sorted(p for p in (Path(__file__).parents[2] / "samples").iterdir() if (p / "configuration.json").exists())


def models():
    for sample in SAMPLES:
        yield sample.name, build_model(load_configuration(sample))


def all_types(model):
    for entity_set in model.entity_sets.values():
        yield entity_set.entity_type
        for prop in entity_set.entity_type.properties:
            if prop.row_type is not None:
                yield prop.row_type


def test_the_samples_are_found():
    assert {"trade", "accounting", "payroll"} <= {name for name, _ in models()}


@pytest.mark.parametrize("name, model", list(models()), ids=lambda x: x if isinstance(x, str) else "")
def test_empty_rows_and_settled_empties_are_what_the_general_code_gives(name, model):
    checked = 0
    for entity_type in all_types(model):
        properties = entity_type.properties
        row = v.empty_row(entity_type)
        assert list(row) == [p.name for p in properties]
        for prop in properties:
            general = v.empty_value(prop)
            assert type(row[prop.name]) is type(general) and repr(row[prop.name]) == repr(general), prop.name
        again = v.empty_row(entity_type)
        for name_, value in row.items():  # mutable empties are new objects each time
            if isinstance(value, (list, dict)):
                assert again[name_] is not value
        settled = v.settled_empties(entity_type)
        for prop in properties:
            if prop.name in settled:
                normalized = v.normalize(prop, settled[prop.name])
                assert repr(normalized) == repr(settled[prop.name]) and type(normalized) is type(settled[prop.name])
        scalars = [p for p in properties if p.row_type is None]
        assert repr(v.complete_row(scalars, row, settled)) == repr(v.complete_row(scalars, row))
        checked += 1
    assert checked > 0


def test_a_settled_empty_is_kept_only_as_the_same_object():
    model = build_model(load_configuration(Path(__file__).parents[2] / "samples" / "trade"))
    goods = model.entity_sets["Catalog_Goods"].entity_type
    settled = v.settled_empties(goods)
    price = next(p for p in goods.properties if p.name == "Price")  # Number(15, 2)
    assert repr(settled["Price"]) == "Decimal('0.00')"
    kept = v.complete_row([price], {"Price": settled["Price"]}, settled)["Price"]
    assert kept is settled["Price"]
    equal_but_other = v.complete_row([price], {"Price": Decimal("0")}, settled)["Price"]
    assert repr(equal_but_other) == "Decimal('0.00')"  # normalized to the scale, as without the shortcut
    assert v.complete_row([price], {"Price": 5}, settled)["Price"] == Decimal("5.00")


def test_new_guids_are_version_1_and_unique():
    made = [edm.new_guid() for _ in range(20000)]
    assert len(set(made)) == len(made)
    parsed = [uuid.UUID(text) for text in made[:100]]
    assert {u.version for u in parsed} == {1}
    assert {u.node for u in parsed} == {uuid.getnode()}
    assert all(text == text.lower() for text in made[:100])


def test_the_multipart_library_is_imported_only_for_a_batch():
    script = ("import sys\nfrom infobase_odata import service, batch, multipart\n"
              "print('multipart' in sys.modules)\n"
              "multipart.parse_batch(b'--b\\r\\nContent-Type: application/http\\r\\n\\r\\nGET x HTTP/1.1\\r\\n--b--\\r\\n',"
              " 'multipart/mixed; boundary=b', multipart.BatchLimits())\n"
              "print('multipart' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["False", "True"]
