"""infobase-odata: the 1C:Enterprise standard OData interface for any WSGI application.

    from infobase_odata import ODataMiddleware
    app.wsgi_app = ODataMiddleware(app.wsgi_app, "samples/trade", prefix="trade")
"""

import gc

# The objects the package's import creates live as long as the process: a collection during the
# import only walks them (~5 ms of a cold start, #18). Collection resumes when it is done, with
# them in the oldest generation: freeze + unfreeze moves them there without the walk a young
# generation of that size would take at the next allocation (~10 ms).
_collecting, _frozen = gc.isenabled(), gc.get_freeze_count()
gc.disable()
try:
    from .configuration import (
        AccumulationRegister, Attribute, BusinessProcess, Catalog, ChartOfAccounts,
        ChartOfCalculationTypes, ChartOfCharacteristicTypes, Configuration, ConfigurationError,
        Constant, Document, DocumentJournal, Enum, ExchangePlan, InformationRegister, TabularSection,
        Task, load_configuration,
    )
    from .errors import ODataError
    from .loading import bulk_load
    from .middleware import ODataMiddleware, make_service
    from .register_model import build_model
    from .service import ODataService
    from .settings import Settings
finally:
    if not _frozen:  # (the host's frozen objects, if any, stay frozen)
        gc.freeze()
        gc.unfreeze()
    if _collecting:
        gc.enable()

__version__ = "0.1.0"

__all__ = [
    "AccumulationRegister", "Attribute", "BusinessProcess", "Catalog", "ChartOfAccounts",
    "ChartOfCalculationTypes", "ChartOfCharacteristicTypes", "Configuration", "ConfigurationError",
    "Constant", "Document", "DocumentJournal", "Enum", "ExchangePlan", "InformationRegister",
    "TabularSection", "Task", "load_configuration", "ODataError", "ODataMiddleware", "make_service",
    "build_model", "bulk_load", "ODataService", "Settings",
]
