"""Handler modules imported on the first call of one of their handlers, not at start (#18, cold
start): the routing table still names every handler, a process loads only what it answers::

    registers = HandlerModule("infobase_odata.register_handlers")
    Route("function", ANY, ("GET",), registers.virtual_table)  # imported on the first call
"""

from __future__ import annotations

import importlib
import sys
from typing import Any


class HandlerModule:
    """Stands for a module: an attribute is the module's own once it is imported, before that a
    :class:`DeferredHandler` that imports it on its first call."""

    def __init__(self, name: str) -> None:
        self.__name = name
        self.__module: Any = None  # the module once its import has completed

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        module = self.__module
        if module is None:
            if self.__name not in sys.modules:
                return DeferredHandler(self.__name, attribute)
            # import_module, not the sys.modules entry: a module another thread is still importing
            # (a gthread worker's first requests) is in sys.modules half-made; import_module waits.
            module = self.__module = importlib.import_module(self.__name)
        return getattr(module, attribute)


class DeferredHandler:
    """``module:function``, imported on the first call and kept."""

    __slots__ = ("module", "name", "function")

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name, self.function = module, name, None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        function = self.function
        if function is None:
            function = self.function = getattr(importlib.import_module(self.module), self.name)
        return function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<handler {self.module}:{self.name}>"
