"""Import a real 1C infobase's ``$metadata`` as a configuration of this project (issue #17).

    >>> result = import_metadata("metadata.xml", "var/ut")      # or "http://host/base/odata/standard.odata/"
    >>> result.report["round_trip"]["differences"][:1]
    []

Writes ``<out>/configuration.json`` and ``<out>/import-report.json`` (the defaults chosen for
what the EDM cannot tell, and the differences between the original and the regenerated
``$metadata``).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["import_metadata", "import_edm", "ImportResult", "MetadataError", "read_edmx", "compare_metadata",
           "build_configuration", "kind_of", "Difference", "regenerate"]

# Where each name lives: loaded with its first use, so that the CLI (which declares the
# importer's commands) does not load lxml and the EDMX reader at every start (issue #18).
_HOMES = {"import_metadata": "importing", "import_edm": "importing", "ImportResult": "importing",
          "regenerate": "importing", "MetadataError": "edmx", "read_edmx": "edmx", "compare_metadata": "compare",
          "Difference": "compare", "build_configuration": "build", "kind_of": "build"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
