"""The layering of src/ (contracts in .importlinter): formats and query never import providers;
providers never import webob, lxml or the HTTP layer; no import cycles anywhere."""

from __future__ import annotations

import os
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


def test_the_contracts_run_where_the_package_is_not_installed():
    """``lint-imports`` at the root of a clean checkout (the package not installed): the
    interpreter without site initialisation, so no editable install is on the path; only the
    linter's own site-packages directory is added."""
    import importlinter

    site_packages = str(Path(importlinter.__file__).resolve().parents[1])
    script = ("import importlib.util, sys; sys.path.append(sys.argv[2]); "
              "assert importlib.util.find_spec('infobase_odata') is None, 'installed'; " + LINT.split("; ", 1)[1])
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-S", "-c", script, str(ROOT / ".importlinter"), site_packages], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in result.stdout

