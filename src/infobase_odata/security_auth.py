"""Passwords and authentication: who is asking (the rights are in ``security.py``).

Passwords are stored as salted hashes in Django's formats, ``pbkdf2_sha256$<iterations>$<salt>$<b64>``
or ``scrypt$<n>$<r>$<p>$<salt>$<b64>``, and compared in constant time::

    >>> encoded = hash_password("secret", iterations=1000)
    >>> verify_password("secret", encoded), verify_password("Secret", encoded)
    (True, False)

``infobase-odata hash-password`` prints a hash for the configuration's ``users``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
from typing import Any, Callable

from . import errors
from .i18n import Message
from .configuration import Configuration, User
from .errors import ODataError

PBKDF2_ITERATIONS = 600_000  # OWASP 2023 for PBKDF2-HMAC-SHA256
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MAX_HEADER = 4096
AUTH_MODES = ("basic", "remote_user", "callable")
NOT_AUTHENTICATED = Message("User identification failed")  # ru: 1C's «Идентификация пользователя не выполнена»

Authenticate = Callable[[dict], "str | User | None"]


def hash_password(password: str, *, algorithm: str = "pbkdf2_sha256", iterations: int = PBKDF2_ITERATIONS,
                  salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(12)
    if algorithm == "pbkdf2_sha256":
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)
        return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode('ascii')}"
    if algorithm == "scrypt":
        digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt}${base64.b64encode(digest).decode('ascii')}"
    raise ValueError(f"unknown password algorithm {algorithm!r}: pbkdf2_sha256 or scrypt")


def _scrypt(password: str, salt: str, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt.encode("ascii"), n=n, r=r, p=p,
                          maxmem=256 * n * r * p, dklen=64)


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches the stored hash; a malformed hash matches nothing."""
    parts = encoded.split("$")
    try:
        if parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), parts[2].encode("ascii"),
                                         int(parts[1]))
            expected = parts[3]
        elif parts[0] == "scrypt" and len(parts) == 6:
            digest = _scrypt(password, parts[4], int(parts[1]), int(parts[2]), int(parts[3]))
            expected = parts[5]
        else:
            return False
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(base64.b64encode(digest).decode("ascii"), expected)


def not_authenticated(message: str = NOT_AUTHENTICATED) -> ODataError:
    """401; the service adds ``WWW-Authenticate: Basic realm="…"`` to every 401 (§9.2)."""
    return ODataError(errors.ACCESS_DENIED, message, status=401)


def basic_credentials(header: str | None) -> tuple[str, str]:
    """(name, password) of an ``Authorization: Basic`` header, credentials in UTF-8 (§11)."""
    if not header:
        raise not_authenticated()
    if len(header) > MAX_HEADER:
        raise not_authenticated(Message("The Authorization header is too long"))
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        raise not_authenticated(Message("Only HTTP Basic authentication is supported"))
    try:
        text = base64.b64decode(token.strip().encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise not_authenticated(Message("Malformed Basic credentials")) from None
    name, colon, password = text.partition(":")
    if not colon or not name or "\x00" in text:
        raise not_authenticated(Message("Malformed Basic credentials"))
    return name, password


class Authenticator:
    """Maps a WSGI environ to a configured :class:`User` (or None: authentication is off)."""

    def __init__(self, configuration: Configuration, mode: str = "basic",
                 authenticate: Authenticate | None = None) -> None:
        if authenticate is not None and mode == "basic":
            mode = "callable"
        if mode not in AUTH_MODES:
            raise ValueError(f"setting auth: expected one of {', '.join(AUTH_MODES)}, not {mode!r}")
        if mode == "callable" and authenticate is None:
            raise ValueError("setting auth=callable needs ODataMiddleware(..., authenticate=callable)")
        self.mode = mode
        self.callback = authenticate
        self.users = {user.name.casefold(): user for user in configuration.users}
        self.enabled = bool(self.users) or mode == "callable"
        self._verified: dict[bytes, str] = {}  # digest of good credentials -> user (skip PBKDF2)
        self._verified_headers: dict[bytes, str] = {}  # digest of a verified Authorization header -> user
        self._pepper = secrets.token_bytes(16)
        self._dummy = next((u.password for u in configuration.users if u.password), "")
        self._lock = threading.Lock()

    def user(self, name: str) -> User | None:
        return self.users.get(name.casefold())

    def __call__(self, environ: dict) -> User | None:
        if not self.enabled:
            return None
        if self.mode == "callable":
            found = self.callback(environ)  # type: ignore[misc]
            if isinstance(found, User):
                return found
            if not isinstance(found, str) or not found:
                raise not_authenticated()
            return User(found) if not self.users else self._known(found)
        if self.mode == "remote_user":
            name = environ.get("REMOTE_USER")
            if not name:
                raise not_authenticated()
            return self._known(name)
        header = environ.get("HTTP_AUTHORIZATION")
        if header and len(header) <= MAX_HEADER:
            # A header already verified answers from the cache without decoding it again.
            token = hashlib.sha256(self._pepper + header.encode("utf-8", "surrogatepass")).digest()
            cached = self._verified_headers.get(token)
            if cached is not None:
                return self.users[cached]
            name, password = basic_credentials(header)
            user = self._check(name, password)
            self._remember(self._verified_headers, token, user)
            return user
        name, password = basic_credentials(header)
        return self._check(name, password)

    def _known(self, name: str) -> User:
        user = self.user(name)
        if user is None:
            raise not_authenticated()
        return user

    def _check(self, name: str, password: str) -> User:
        token = hashlib.sha256(self._pepper + name.encode("utf-8") + b"\x00" + password.encode("utf-8")).digest()
        cached = self._verified.get(token)
        if cached is not None:
            return self.users[cached]
        user = self.user(name)
        # Unknown names cost one hash too, so timing does not tell which names exist.
        stored = user.password if user is not None else self._dummy
        if not verify_password(password, stored) or user is None:
            raise not_authenticated()
        self._remember(self._verified, token, user)
        return user

    def _remember(self, verified: dict[bytes, str], token: bytes, user: User) -> None:
        with self._lock:
            if len(verified) > 1024:
                verified.clear()
            verified[token] = user.name.casefold()


def resolve_callable(value: Any) -> Authenticate | None:
    """A callable, or ``"package.module:function"`` text from an ini file."""
    if value is None or callable(value):
        return value
    import pkgutil

    return pkgutil.resolve_name(str(value))
