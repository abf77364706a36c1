"""Settings: one frozen dataclass shared by Python keyword arguments, ini keys and CLI flags.

Each field carries its help text; :func:`settings_from_strings` converts ini/CLI strings with one
converter per field type::

    >>> settings_from_strings({"prefix": "trade", "page_size": "500"}).page_size
    500
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from typing import Any, Mapping


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """The settings of a service (the README's settings table); ``replace`` changes some."""

    prefix: str = _setting("", "Publication name: the interface answers at /<prefix>/odata/standard.odata/")
    database: str = _setting("", "SQLite file of the embedded store (default: var/<prefix>.db under the working directory), or a PostgreSQL URL postgresql://user@host/dbname")
    seed_options: str = _setting("", "Options for the configuration folder's seed hook when a new database is seeded: NAME=VALUE[,NAME=VALUE] (the sample: goods=100000)")
    page_size: int = _setting(0, "Server-driven paging: rows per page with odata.nextLink (0 = off, as 1C)")
    max_top: int = _setting(2**31 - 1, "Largest accepted $top and $skip")
    max_filter_depth: int = _setting(100, "Deepest accepted nesting of a $filter expression")
    max_filter_nodes: int = _setting(1000, "Most nodes accepted in a $filter expression")
    max_lambda_depth: int = _setting(4, "Deepest accepted nesting of any/all lambdas and cast(...)/paths in $filter, $orderby and Condition")
    max_expand_depth: int = _setting(5, "Deepest accepted $expand path")
    max_orderby_items: int = _setting(100, "Most items accepted in a $orderby list")
    max_select_items: int = _setting(1000, "Most items accepted in a $select list")
    max_expand_items: int = _setting(100, "Most items accepted in a $expand list")
    max_body_bytes: int = _setting(4 * 1024 * 1024, "Largest accepted request body (413 above)")
    batch: bool = _setting(True, "Accept OData v3 $batch requests, an extension beyond the 1C platform (false: 501 as 1C)")
    max_batch_parts: int = _setting(1000, "Most operations in one $batch request (413 above)")
    max_batch_bytes: int = _setting(16 * 1024 * 1024, "Largest accepted $batch request body (413 above)")
    max_batch_nesting: int = _setting(2, "Deepest multipart nesting of a $batch body: 2 allows change sets, 1 refuses them")
    statement_timeout_ms: int = _setting(10_000, "Time budget of the database work of one request")
    check_if_match: bool = _setting(True, "Honour If-Match with DataVersion (412 when stale)")
    language: str = _setting("ru", "Language of error messages and their odata.error.message.lang: ru (gettext catalog, the platform's texts) or en")
    realm: str = _setting("1C:Enterprise 8.3", "Realm of the WWW-Authenticate Basic challenge")
    auth: str = _setting("basic", "Authentication: basic (users of the configuration), remote_user (trust the host's REMOTE_USER) or callable (ODataMiddleware(authenticate=...))")
    rights_status: int = _setting(401, "HTTP status of a rights error, code 20 (401 as 1C, or 403)")
    allowed_origins: str = _setting("", "Other web origins (scheme://host[:port], space-separated) whose pages may send writes; the service's own origin always may")
    debug: bool = _setting(False, "Put exception details into 500 error messages (never in production)")
    explorer: bool = _setting(False, "Serve the read-only HTML explorer at /<prefix>/odata/explorer/ (on by default for infobase-odata serve)")
    allow_anonymous: bool = _setting(False, "Serve a configuration without users (anyone may read and write) without a warning, and let the CLI listen on a non-loopback address with it")
    trace_sql: bool = _setting(False, "Log every SQL statement of the embedded store (logger infobase_odata.sql)")

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    @property
    def database_path(self) -> str:
        return self.database or os.path.join("var", f"{self.prefix or 'infobase'}.db")


SETTING_NAMES = tuple(f.name for f in fields(Settings))


def help_table() -> list[tuple[str, str, str]]:
    """(name, default, help) for every setting: the README's table is tested against it."""
    return [(f.name, repr(f.default), f.metadata["help"]) for f in fields(Settings)]


def _convert(kind: Any, name: str, raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    if kind in (bool, "bool"):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"setting {name}: expected true or false, not {raw!r}")
    if kind in (int, "int"):
        try:
            return int(raw.strip())
        except ValueError:
            raise ValueError(f"setting {name}: expected an integer, not {raw!r}") from None
    return raw


def settings_from_strings(values: Mapping[str, Any], base: Settings | None = None) -> Settings:
    """Settings from ini keys / CLI flags / keyword arguments; unknown names are an error."""
    base = base or Settings()
    kinds = {f.name: f.type for f in fields(Settings)}
    changes = {}
    for name, raw in values.items():
        key = name.replace("-", "_")
        if key not in kinds:
            raise ValueError(f"unknown setting {name!r}; known settings: {', '.join(SETTING_NAMES)}")
        changes[key] = _convert(kinds[key], key, raw)
    return base.replace(**changes)
