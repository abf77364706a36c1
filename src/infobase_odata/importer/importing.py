"""The importer's work: ``$metadata`` -> configuration dict, report and round trip (issue #17).

    >>> result = import_metadata("metadata.xml", "var/ut")      # or "http://host/base/odata/standard.odata/"

``infobase_odata.importer`` re-exports these names (loaded with the first use of one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..configuration import Configuration
from ..formats.csdl import metadata_document
from ..register_model import build_model
from ..types import ConfigurationError
from .build import build_configuration, kind_of
from .compare import Difference, compare_metadata
from .edmx import Edm, MetadataError, read_edmx
from .source import read_source

__all__ = ["import_metadata", "import_edm", "ImportResult", "regenerate"]


@dataclass
class ImportResult:
    configuration: dict[str, Any]
    report: dict[str, Any]
    original: Edm
    regenerated: Edm
    differences: list[Difference]


def regenerate(configuration: dict[str, Any]) -> bytes:
    """The ``$metadata`` the project serves for a configuration dict."""
    return metadata_document(build_model(Configuration.from_dict(configuration)))


def import_edm(edm: Edm, name: str = "infobase", *, check: bool = True) -> ImportResult:
    """The configuration of ``edm``; ``check`` serves it again and compares (the round trip)."""
    configuration, report = build_configuration(edm, name)
    body = report.as_dict()
    if not check:
        return ImportResult(configuration, body, edm, Edm(), [])
    try:
        regenerated = read_edmx(regenerate(configuration))
    except ConfigurationError as exc:
        raise MetadataError(f"the imported configuration is inconsistent: {exc}") from None
    differences = compare_metadata(edm, regenerated)
    body["round_trip"] = {
        "note": "differences between the original $metadata and the one served for configuration.json; "
                "'extra' elements are the ones a trimmed dump lacks",
        "differences": [d.text for d in differences if not d.extra],
        "extra": [d.text for d in differences if d.extra],
    }
    return ImportResult(configuration, body, edm, regenerated, differences)


def import_metadata(source: str, out: str | Path, *, user: str | None = None, password: str | None = None,
                    name: str | None = None, check: bool = True) -> ImportResult:
    """Read ``source`` (a file or a service URL), write the configuration and the report."""
    out = Path(out)
    data = read_source(source, user=user, password=password)
    result = import_edm(read_edmx(data), name or _publication_name(out), check=check)
    result.report = {"source": source if "://" not in source else source.split("?")[0], **result.report}
    out.mkdir(parents=True, exist_ok=True)
    (out / "configuration.json").write_text(_json(result.configuration), encoding="utf-8")
    (out / "import-report.json").write_text(_json(result.report), encoding="utf-8")
    return result


def _json(document: dict[str, Any]) -> str:
    """JSON with one list item per line (the fast C encoder per item; large dumps stay quick)."""
    parts = []
    for key, value in document.items():
        if isinstance(value, dict) and any(isinstance(v, list) for v in value.values()):
            value_text = _json(value).rstrip("\n").replace("\n", "\n ")
        elif isinstance(value, list) and value:
            value_text = "[\n  " + ",\n  ".join(json.dumps(item, ensure_ascii=False) for item in value) + "\n ]"
        else:
            value_text = json.dumps(value, ensure_ascii=False)
        parts.append(f" {json.dumps(key, ensure_ascii=False)}: {value_text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _publication_name(out: Path) -> str:
    name = "".join(c for c in out.resolve().name if c.isalnum() or c in "-_")
    return name or "infobase"
