"""WSGI middleware: ``<prefix>/odata/standard.odata/…`` goes to the OData service, every other
path to the wrapped application untouched.

From Python (a Flask app, say)::

    app.wsgi_app = ODataMiddleware(app.wsgi_app, "samples/trade", prefix="trade")

From a PasteDeploy pipeline::

    [filter:odata]
    use = egg:infobase-odata
    configuration = %(here)s/trade
    prefix = trade

The constructor does no I/O beyond reading the configuration; the embedded SQLite store is
created (and seeded from the configuration folder's ``seed.py``) by the first request of each
process, under a file lock so that several gunicorn workers never seed twice.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Iterable

from .events import EventHandlers, load_handlers
from .configuration import Configuration, configuration_folder, load_configuration
from .register_model import build_model
from .service import ODataService
from .settings import Settings, settings_from_strings
from .security_auth import Authenticate, resolve_callable
from .store import open_embedded_store
from .urls import SERVICE_PATH

log = logging.getLogger("infobase_odata")

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def make_service(configuration: Configuration | str | Path, provider: Any = None,
                 settings: Settings | None = None, *, events: EventHandlers | None = None,
                 authenticate: Authenticate | str | None = None, folder: str | Path | None = None,
                 **overrides: Any) -> ODataService:
    """An :class:`ODataService` for a configuration object or a configuration file/folder.
    Without a provider, the embedded SQLite store at ``settings.database`` is used; a provider
    may also be a factory called with the model (``MappedSQLiteProvider.factory(...)``); without
    ``events``, the handler module the configuration names (``"handlers": "handlers.py"``).
    ``authenticate(environ)`` (or ``"module:function"``) delegates authentication to the host:
    it returns a user name of the configuration, a :class:`User`, or None (401). ``folder``: where
    the ``handlers.py`` and ``seed.py`` of a configuration object are (a file's own folder else)."""
    settings = settings_from_strings(overrides, settings or Settings())
    folder = None if folder is None else Path(folder)
    if not isinstance(configuration, Configuration):
        folder = configuration_folder(configuration)
        configuration = load_configuration(configuration)
    if not settings.prefix:
        settings = settings.replace(prefix=configuration.name)
    model = build_model(configuration)
    if provider is None:
        provider = open_embedded_store(model, settings, seed_folder=folder)
    elif callable(provider) and not hasattr(provider, "query"):
        provider = provider(model)  # a factory taking the model (MappedSQLiteProvider.factory)
    if events is None:
        events = load_handlers(folder, configuration.handlers)
    if is_open(configuration, settings, authenticate) and not settings.allow_anonymous:
        log.warning("%s", open_access_warning(configuration))
    return ODataService(configuration, provider, settings, model=model, events=events,
                        authenticate=resolve_callable(authenticate))


def is_open(configuration: Configuration, settings: Settings, authenticate: Any = None) -> bool:
    """True when nobody is asked who they are: Basic authentication without any user."""
    return not configuration.users and settings.auth == "basic" and authenticate is None


def open_access_warning(configuration: Configuration) -> str:
    return (f"configuration {configuration.name!r} declares no users: authentication is off and anyone "
            "who reaches the server may read, change and delete every object; declare users (README, "
            "Security) or set allow_anonymous to acknowledge")


def _not_found(environ: dict, start_response: Callable) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
    return [b"Not Found"]


class ODataMiddleware:
    """WSGI middleware publishing an infobase under ``/<prefix>/odata/standard.odata/``; every
    other path goes to ``app`` untouched.

    :param app: the wrapped WSGI application, or None (other paths answer 404).
    :param configuration: a :class:`Configuration`, a ``configuration.json`` file, or a folder
        holding one (its ``handlers.py`` and ``seed.py`` are used too).
    :param provider: where the data lives: a provider object, or a factory called with the model
        (``MappedSQLiteProvider.factory("shop.db", "mapping.json")``); default: the embedded
        SQLite store at the ``database`` setting, created and seeded on the first request.
    :param prefix: the publication name (default: the configuration's name).
    :param settings: a :class:`Settings` to start from; ``**overrides`` change single settings by
        name (``page_size=500``, ``database="var/trade.db"``; the README's settings table).
    :param events: event handlers (default: the module the configuration names in ``handlers``).
    :param authenticate: ``fn(environ)`` (or ``"module:function"``) returning a user name, a
        ``User`` or None, when the host authenticates instead of HTTP Basic.
    :param folder: the folder of a :class:`Configuration` object's ``handlers.py`` and ``seed.py``.
    """

    def __init__(self, app: WSGIApp | None, configuration: Configuration | str | Path,
                 provider: Any = None, prefix: str | None = None, settings: Settings | None = None,
                 *, events: EventHandlers | None = None, authenticate: Authenticate | str | None = None,
                 folder: str | Path | None = None, **overrides: Any) -> None:
        if prefix is not None:
            overrides["prefix"] = prefix
        self.app = app or _not_found
        self.service = make_service(configuration, provider, settings, events=events,
                                    authenticate=authenticate, folder=folder, **overrides)
        self.mount = "/" + self.service.settings.prefix.strip("/") + SERVICE_PATH
        self.explorer = None
        if self.service.settings.explorer:
            from .explorer import Explorer  # Jinja2 is imported only when the explorer is on

            self.explorer = Explorer(self.service, self.mount[: -len(SERVICE_PATH)])

    @classmethod
    def factory(cls, global_conf: dict, **local_conf: str) -> Callable[[WSGIApp], "ODataMiddleware"]:
        """oslo.middleware style: ``ODataMiddleware.factory(conf, **keys)(app)``."""
        return lambda app: filter_app_factory(app, global_conf, **local_conf)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        try:
            path = path.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        if path != self.mount and not path.startswith(self.mount + "/"):
            if self.explorer is not None and self.explorer.claims(path):
                return self.explorer.serve(environ, start_response, path)
            return self.app(environ, start_response)
        environ = dict(environ)
        environ["infobase_odata.root"] = environ.get("SCRIPT_NAME", "") + self.mount[: -len(SERVICE_PATH)]
        return self.service(environ, start_response)


def filter_app_factory(app: WSGIApp, global_conf: dict, configuration: str, **local_conf: str) -> ODataMiddleware:
    """PasteDeploy ``paste.filter_app_factory``: every other ini key is a setting."""
    return ODataMiddleware(app, configuration, **settings_overrides(local_conf))


def app_factory(global_conf: dict, configuration: str, **local_conf: str) -> ODataMiddleware:
    """PasteDeploy ``paste.app_factory``: the interface alone (other paths answer 404)."""
    return ODataMiddleware(None, configuration, **settings_overrides(local_conf))


def settings_overrides(local_conf: dict) -> dict[str, Any]:
    """Settings from ini keys; ``authenticate = package.module:function`` names a host callable."""
    settings_from_strings({k: v for k, v in local_conf.items() if k != "authenticate"})
    return dict(local_conf)
