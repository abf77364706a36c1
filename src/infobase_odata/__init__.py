"""infobase-odata: the 1C:Enterprise standard OData interface for any WSGI application.

    from infobase_odata import ODataMiddleware
    app.wsgi_app = ODataMiddleware(app.wsgi_app, "samples/trade", prefix="trade")
"""

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

__version__ = "0.1.0"

__all__ = [
    "AccumulationRegister", "Attribute", "BusinessProcess", "Catalog", "ChartOfAccounts",
    "ChartOfCalculationTypes", "ChartOfCharacteristicTypes", "Configuration", "ConfigurationError",
    "Constant", "Document", "DocumentJournal", "Enum", "ExchangePlan", "InformationRegister",
    "TabularSection", "Task", "load_configuration", "ODataError", "ODataMiddleware", "make_service",
    "build_model", "bulk_load", "ODataService", "Settings",
]
