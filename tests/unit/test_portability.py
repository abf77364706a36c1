"""Windows has no ``fcntl``: the package imports, creates and seeds a store, and a JSON-file
provider writes, with ``fcntl`` unavailable (file locks come from ``filelock``)."""

from __future__ import annotations

import configparser
import subprocess
import sys

from tests.conftest import ROOT

WITHOUT_FCNTL = r"""
import sys, warnings
sys.modules["fcntl"] = None  # "import fcntl" raises ImportError, as on Windows
warnings.simplefilter("ignore")  # filelock warns that only its soft lock is left here
import importlib, pkgutil
import infobase_odata
names = [m.name for m in pkgutil.walk_packages(infobase_odata.__path__, "infobase_odata.")
         if not m.name.endswith("__main__")]  # running the CLI is not importing it
for name in names:
    importlib.import_module(name)

from webob import Request
from infobase_odata import ODataMiddleware
from infobase_odata.providers.jsonfile import JSONFileProvider

folder = sys.argv[1]
app = ODataMiddleware(None, "samples/trade", database=folder + "/trade.db", seed_options="goods=5")
answer = Request.blank("/trade/odata/standard.odata/Catalog_Units/$count",
                       headers={"Authorization": "Basic YWRtaW46YWRtaW4="}).get_response(app)
assert answer.status_code == 200 and answer.text == "6", answer.body

app = ODataMiddleware(None, "samples/trade", provider=lambda model: JSONFileProvider(model, folder + "/trade.json"))
request = Request.blank("/trade/odata/standard.odata/Catalog_Units?$format=json", method="POST",
                        headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
request.body = b'{"Description": "Box"}'
request.content_type = "application/json"
answer = request.get_response(app)
assert answer.status_code == 201, answer.body
print(len(names), "modules")
"""


def test_the_package_works_without_fcntl(tmp_path):
    (tmp_path / "trade.json").write_text("{}", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", WITHOUT_FCNTL, str(tmp_path)], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert int(result.stdout.split()[0]) > 40


def test_no_module_imports_fcntl():
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "src").rglob("*.py")
                 if "import fcntl" in path.read_text(encoding="utf-8")]
    assert offenders == []


def test_operating_system_classifiers():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    classifiers = config["metadata"]["classifiers"]
    assert "Operating System :: Microsoft :: Windows" in classifiers
    assert "Operating System :: POSIX :: Linux" in classifiers
    assert "filelock" in config["options"]["install_requires"]
    assert config["metadata"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
