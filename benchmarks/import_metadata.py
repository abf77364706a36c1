"""Import of a large ``$metadata``: a real dump repeated until it weighs 5 MB (issue #17).

    python benchmarks/import_metadata.py              # ../shared/1c-metadata/ut-real.edmx -> 5 MB
    python benchmarks/import_metadata.py --mb 20 --repeat 5

Every object of the dump is copied under new names (``Catalog_Валюты`` -> ``Catalog_R7Валюты``,
types, associations, sets and functions alike; enums once), then ``import_metadata`` runs as the
CLI does: parse, build the configuration, regenerate the ``$metadata`` and compare it with the
original (not with ``--no-check``), write both files. The baseline is the least any importer pays: ``lxml`` parsing the
same bytes (no work on them).
"""

from __future__ import annotations

import argparse
import copy
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from infobase_odata.importer import import_metadata  # noqa: E402
from infobase_odata.importer.build import KINDS  # noqa: E402

DUMP = HERE.parent.parent / "shared" / "1c-metadata" / "ut-real.edmx"
_NAME = re.compile(r"\b(%s)_" % "|".join(KINDS))
_ATTRIBUTES = ("Name", "Type", "EntityType", "Relationship", "ReturnType")


def _rename(element: etree._Element, copy_number: int) -> etree._Element:
    clone = copy.deepcopy(element)
    for node in clone.iter():
        for attribute in _ATTRIBUTES:
            value = node.get(attribute)
            if value and not (node.tag.endswith("Property") and attribute == "Name"):
                node.set(attribute, _NAME.sub(rf"\1_R{copy_number}", value))
    return clone


def generate(target_bytes: int, source: Path = DUMP) -> bytes:
    root = etree.fromstring(source.read_bytes())
    schema = next(e for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("}Schema"))
    container = next(e for e in schema if e.tag.endswith("EntityContainer"))
    types = [e for e in schema if not e.tag.endswith(("EntityContainer", "EnumType"))]
    members = list(container)
    size, copy_number, per_copy = len(etree.tostring(root, encoding="UTF-8")), 0, 0
    while size < target_bytes:
        copy_number += 1
        for element in types:
            container.addprevious(_rename(element, copy_number))
        for element in members:
            container.append(_rename(element, copy_number))
        if copy_number == 1:
            per_copy = len(etree.tostring(root, encoding="UTF-8")) - size
        size += per_copy
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = generate(int(args.mb * 1024 * 1024))
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "metadata.xml"
        source.write_bytes(data)
        ours, unchecked, baseline = [], [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            etree.fromstring(data, etree.XMLParser(resolve_entities=False, huge_tree=True))
            baseline.append(time.perf_counter() - started)
            started = time.perf_counter()
            import_metadata(str(source), Path(folder) / "fast", check=False)
            unchecked.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = import_metadata(str(source), Path(folder) / "out")
            ours.append(time.perf_counter() - started)
    objects = len(result.configuration["objects"])
    print(f"$metadata: {len(data) / 1024 / 1024:.1f} MB, {objects} objects, "
          f"{len(result.original.entity_types)} entity types")
    print(f"{'':28}{'median s':>10}{'min s':>10}")
    print(f"{'lxml parse only (baseline)':28}{statistics.median(baseline):>10.2f}{min(baseline):>10.2f}")
    for label, times in (("import-metadata --no-check", unchecked), ("import-metadata", ours)):
        print(f"{label:28}{statistics.median(times):>10.2f}{min(times):>10.2f}"
              f"   ratio {statistics.median(times) / statistics.median(baseline):.1f}x")
    print(f"round-trip differences: {len(result.report['round_trip']['differences'])} "
          "(the dump's own ones, repeated per copy)")


if __name__ == "__main__":
    main()
