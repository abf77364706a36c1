"""``lazy.HandlerModule``: a handler module imported on first use, safely from several threads
(a gthread worker's first requests arrive together)."""

from __future__ import annotations

import sys
import threading

import pytest

from infobase_odata.lazy import DeferredHandler, HandlerModule

SLOW_MODULE = """
import time
time.sleep(0.3)  # a module whose import takes a while: other threads come in meanwhile
def handler(value):
    return value + 1
"""


def test_a_module_another_thread_is_importing_is_waited_for(tmp_path, monkeypatch):
    (tmp_path / "slow_handlers_for_lazy_test.py").write_text(SLOW_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "slow_handlers_for_lazy_test", raising=False)
    module = HandlerModule("slow_handlers_for_lazy_test")
    deferred = module.handler
    assert isinstance(deferred, DeferredHandler)
    results: list = []
    first = threading.Thread(target=lambda: results.append(deferred(1)))
    first.start()
    while "slow_handlers_for_lazy_test" not in sys.modules:  # the first thread's import has begun
        pass
    results.append(module.handler(2))  # the half-made module: waited for, not an AttributeError
    first.join()
    assert sorted(results) == [2, 3]
    assert not isinstance(module.handler, DeferredHandler)  # imported: the module's own function


def test_a_misspelt_module_fails_on_the_first_call():
    deferred = HandlerModule("infobase_odata.no_such_handlers").start
    with pytest.raises(ModuleNotFoundError):
        deferred(None, None)
