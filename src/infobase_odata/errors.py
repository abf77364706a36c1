"""The one error type of the interface: 1C's internal code plus an HTTP status (reference §9).

Raise it anywhere below the service; the service renders it as ``odata.error`` JSON or
``m:error`` XML in the negotiated format::

    raise ODataError.not_found("Catalog_Goods")

Stores never build statuses: they raise the typed :class:`StoreError` subclasses (re-exported
by :mod:`infobase_odata.stores`), which :func:`from_store_error` maps here, in one place::

    from_store_error(Stale("…"))   # -> ODataError(code=None, status=412)
"""

from __future__ import annotations

from .i18n import Message

# 1C internal codes (§9.2) and the HTTP status each answers with.
NOT_SUPPORTED = 0
PARSE_STRING = 1
BAD_REQUEST = 2
FORMAT_NOT_SUPPORTED = 3
BAD_PROPERTY_VALUE = 4
REQUIRED_PROPERTY = 5
BAD_URL = 6
KEY_MISSING = 7
ENTITY_TYPE_NOT_FOUND = 8
ENTITY_NOT_FOUND = 9
PROPERTY_NOT_FOUND = 10
METHOD_NOT_FOUND = 11
METHOD_ARGUMENT_MISSING = 12
TABULAR_ROW_CREATE = 13
QUERY_OPTION = 14
DUPLICATE_KEY = 15
CANNOT_ASSIGN = 16
DATA_LOAD_MODE = 17
METHOD_NOT_ALLOWED = 19
ACCESS_DENIED = 20
BAD_FUNCTION = 21
INTERNAL = -1

DEFAULT_STATUS = {
    NOT_SUPPORTED: 501, PARSE_STRING: 400, BAD_REQUEST: 400, FORMAT_NOT_SUPPORTED: 406,
    BAD_PROPERTY_VALUE: 400, REQUIRED_PROPERTY: 400, BAD_URL: 400, KEY_MISSING: 400,
    ENTITY_TYPE_NOT_FOUND: 404, ENTITY_NOT_FOUND: 404, PROPERTY_NOT_FOUND: 404,
    METHOD_NOT_FOUND: 404, METHOD_ARGUMENT_MISSING: 400, TABULAR_ROW_CREATE: 400,
    QUERY_OPTION: 400, DUPLICATE_KEY: 409, CANNOT_ASSIGN: 400, DATA_LOAD_MODE: 400,
    METHOD_NOT_ALLOWED: 405, ACCESS_DENIED: 401, BAD_FUNCTION: 400, INTERNAL: 500,
}

# Russian (the platform's text, §9.2) in locale/ru/LC_MESSAGES/infobase_odata.po
INTERNAL_TEMPLATE = ("An internal error of the OData service occurred. "
                     "Details can be found in the technological log.")


class ODataError(Exception):
    """An error with 1C's internal ``code`` (an int; ``None`` for 412) and an HTTP ``status``."""

    def __init__(self, code: int | None, message: str, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status if status is not None else DEFAULT_STATUS.get(code, 400)  # type: ignore[arg-type]
        self.headers = headers or {}
        self.template: str | None = None  # English template of ``message`` (translated by i18n.py)
        self.params: dict = {}
        if isinstance(message, Message):  # a detail made below the service: translated the same way
            self.template, self.params = message.template, message.params

    @classmethod
    def of(cls, code: int | None, template: str, status: int | None = None,
           headers: dict[str, str] | None = None, **params) -> "ODataError":
        """An error whose message the service translates into the ``language`` setting."""
        error = cls(code, template.format(**params), status, headers)
        error.template, error.params = template, params
        return error

    def localized(self, language: str) -> str:
        from .i18n import localize

        if self.template is None or self.message != self.template.format(**self.params):
            return self.message  # no template, or changed after it was made
        return localize(self.template, self.params, language)

    def __repr__(self) -> str:
        return f"ODataError(code={self.code!r}, status={self.status}, message={self.message!r})"

    @classmethod
    def entity_set_not_found(cls, name: str) -> "ODataError":
        return cls.of(ENTITY_TYPE_NOT_FOUND, "Entity not found: {name}", name=name)

    @classmethod
    def not_found(cls, name: str) -> "ODataError":
        return cls.of(ENTITY_NOT_FOUND, 'Entity instance "{name}" not found by the given key.', name=name)

    @classmethod
    def bad_key(cls, detail: str) -> "ODataError":
        return cls.of(KEY_MISSING, "Invalid entity key: {detail}", detail=detail)

    @classmethod
    def method_not_allowed(cls, method: str, allowed: tuple[str, ...] = ()) -> "ODataError":
        headers = {"Allow": ", ".join(allowed)} if allowed else {}
        return cls.of(METHOD_NOT_ALLOWED, "HTTP method {method} is not allowed here", headers=headers, method=method)

    @classmethod
    def query_option(cls, option: str, detail: str, position: int | None = None) -> "ODataError":
        if position is None:
            return cls.of(QUERY_OPTION, "Error parsing query option {option}: {detail}", option=option, detail=detail)
        return cls.of(QUERY_OPTION, "Error parsing query option {option} at position {position}: {detail}",
                      option=option, position=position, detail=detail)

    @classmethod
    def internal(cls) -> "ODataError":
        return cls.of(INTERNAL, INTERNAL_TEMPLATE)

    @property
    def code_text(self) -> str:
        return "" if self.code is None else str(self.code)


# ---- errors a store raises, and their one mapping to HTTP status + 1C code ----

class StoreError(Exception):
    """A data condition a store reports; unmapped subclasses answer 500 code -1 with the message."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class NotFound(StoreError):
    """The object to change does not exist (404 code 9); ``message`` is the entity set name."""


class Conflict(StoreError):
    """A duplicate key (409 code 15)."""


class Stale(StoreError):
    """``if_match`` names another DataVersion than the stored one (412)."""


class Busy(StoreError):
    """The store stays locked by another writer or exceeded its time budget (503 code -1)."""


class WriteConflict(Busy):
    """A deadlock or serialization failure: the store rolled the whole transaction back, so
    running it again may succeed (the service does, for a request's own transaction); 503 code
    -1 when it is not run again."""


class Invalid(StoreError):
    """A value the store refuses (400 code 4)."""


class TooComplex(StoreError):
    """A statement beyond the database's compile-time limits (parser stack, expression depth,
    joined tables, ...): the request asked too much (400 code 14)."""


class InvalidQuery(StoreError):
    """A query option the store cannot answer as asked, e.g. a ``$skiptoken`` whose row is gone
    (400 code 14)."""

    def __init__(self, option: str, detail: str) -> None:
        super().__init__(detail)
        self.option = option


class DirectRowWrite(Invalid):
    """A tabular-section row created on its own instead of through its owner (400 code 13)."""


class NotAllowed(StoreError):
    """A write on a set that is read-only by nature, e.g. a document journal (405 code 19);
    ``method`` is the HTTP method it answers."""

    def __init__(self, method: str) -> None:
        super().__init__(f"HTTP method {method} is not allowed here")
        self.method = method


STALE_MESSAGE = Message("The object version has changed (If-Match does not match DataVersion)")
DUPLICATE_MESSAGE = Message("An entity with this key already exists")  # ru: §5.1, the platform's text

# (1C code, HTTP status) of each store error; the most specific class wins.
STORE_ERRORS: dict[type[StoreError], tuple[int | None, int]] = {
    NotFound: (ENTITY_NOT_FOUND, 404),
    Conflict: (DUPLICATE_KEY, 409),
    Stale: (None, 412),
    Busy: (INTERNAL, 503),
    DirectRowWrite: (TABULAR_ROW_CREATE, 400),
    Invalid: (BAD_PROPERTY_VALUE, 400),
    TooComplex: (QUERY_OPTION, 400),
    StoreError: (INTERNAL, 500),
}


def from_store_error(exc: StoreError) -> ODataError:
    """The OData error answering a store error (reference §9.2)."""
    if isinstance(exc, NotAllowed):
        return ODataError.method_not_allowed(exc.method, ("GET",))
    if isinstance(exc, NotFound):
        return ODataError.not_found(exc.message)
    if isinstance(exc, InvalidQuery):
        return ODataError.query_option(exc.option, exc.message)
    for kind in type(exc).__mro__:
        if kind in STORE_ERRORS:
            code, status = STORE_ERRORS[kind]
            return ODataError(code, exc.message, status=status)
    raise TypeError(exc)  # unreachable: StoreError is in the table
