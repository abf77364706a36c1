"""The layering of src/ (contracts in .importlinter): formats and query never import providers;
providers never import webob, lxml or the HTTP layer; no import cycles anywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A subprocess, not importlinter.cli.lint_imports in-process: the linter configures logging with
# dictConfig, which disables every logger already created (the service's among them).
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True))"


def test_import_contracts_are_kept():
    result = subprocess.run([sys.executable, "-c", LINT, str(ROOT / ".importlinter")], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in result.stdout
