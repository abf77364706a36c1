"""Rights and row-level security of the request's user (DESIGN.md "Security", reference §11).

The service authenticates every request (``security_auth.py``) and puts the user's compiled
rights on the handler context; handlers ask before they touch the provider::

    restriction = security.require(ctx, entity_set, "Posting")  # 401 (or 403) code 20 without the right
    security.check_row(ctx, entity_set, key, restriction)       # the row must satisfy the role's filter

A restriction is a ``$filter`` expression over the object, parsed once, passed as
``restriction=`` to ``provider.query``/``count`` so it runs inside the same SQL. Any right
implies Read; several roles granting a right OR their restrictions (a role without one lifts it).
"""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any, Iterable

from .i18n import Message
from . import errors
from .configuration import RIGHTS, Configuration, User
from .edm import NIL_GUID, uri_literal
from .errors import ODataError
from .model import CONSTANT, TABULAR_SECTION, EntitySet, Model
from .query.ast import Binary, Call, Expr, Lambda, Member, QueryOptions, Unary
from .query.parser import parse_filter
from .security_auth import Authenticate, Authenticator
from .settings import Settings
from .types import ConfigurationError

__all__ = ["Security", "Subject", "require", "restrict_read", "check_row", "check_all", "readable", "allowed_only",
           "denied", "violation", "subject_of"]

SAMPLES: dict[str, Any] = {"Edm.Guid": NIL_GUID, "Edm.String": "", "Edm.Boolean": False,
                          "Edm.DateTime": datetime.datetime(2000, 1, 1)}  # key-filter templates


class Subject:
    """One user's rights: ``rights[object_id]`` and the restriction text per (object, right).
    ``full`` when authentication is off (a configuration without users)."""

    def __init__(self, name: str | None, rights: dict[str, frozenset[str]] | None = None,
                 restrictions: dict[tuple[str, str], str | None] | None = None) -> None:
        self.name = name
        self.full = rights is None
        self.rights = rights or {}
        self.restrictions = restrictions or {}

    @classmethod
    def compile(cls, user: User, configuration: Configuration) -> "Subject":
        roles = {role.name: role for role in configuration.roles}
        missing = [r for r in user.roles if r not in roles]
        if missing:
            raise ConfigurationError(f"user {user.name}: unknown role {missing[0]}")
        mine = [roles[r] for r in user.roles]
        rights: dict[str, frozenset[str]] = {}
        restrictions: dict[tuple[str, str], str | None] = {}
        for obj in configuration.objects:
            object_id = obj.object_id
            granted = {role.name: role.rights_on(object_id) for role in mine}
            rights[object_id] = frozenset().union(*granted.values())
            for right in rights[object_id]:
                texts = [role.restrictions.get(object_id) for role in mine if right in granted[role.name]]
                restrictions[(object_id, right)] = (
                    None if None in texts else texts[0] if len(set(texts)) == 1
                    else " or ".join(f"({t})" for t in dict.fromkeys(texts)))  # type: ignore[misc]
        return cls(user.name, rights, restrictions)

    def has(self, object_id: str, right: str) -> bool:
        return self.full or right in self.rights.get(object_id, ())

    def restriction_text(self, object_id: str, right: str) -> str | None:
        return None if self.full else self.restrictions.get((object_id, right))


class Security:
    """Authentication plus the compiled rights of every configured user, for one service."""

    def __init__(self, configuration: Configuration, model: Model, settings: Settings,
                 authenticate: Authenticate | None = None) -> None:
        if settings.rights_status not in (401, 403):
            raise ValueError(f"setting rights_status: 401 or 403, not {settings.rights_status}")
        self.configuration = configuration
        self.model = model
        self.status = settings.rights_status
        self.authenticator = Authenticator(configuration, settings.auth, authenticate)
        self.everyone = Subject(None)
        self._subjects = {u.name.casefold(): Subject.compile(u, configuration) for u in configuration.users}
        self._parsed: dict[tuple[str, str, int], Expr] = {}
        self._templates: dict[tuple[str, str], Binary] = {}
        # Restrictions are parsed when a request first needs one (parsing the first loads the
        # grammar, ~50 ms of a cold start); ``validate`` parses them all: ``infobase-odata check``
        # and a listening ``serve`` call it, and a broken one a request meets answers 500 and logs.

    def validate(self) -> None:
        """Parse every role's restriction now: a :class:`ConfigurationError` names the first bad one."""
        for role in self.configuration.roles:
            for object_id, text in role.restrictions.items():
                target = self.model.set_for_object(object_id)
                if target is None or target.kind == CONSTANT:
                    continue
                target = target.records or target  # a register's restriction is over its records
                try:
                    parse_filter(text, target, self.model, option="restriction")
                except ODataError as exc:
                    raise ConfigurationError(f"role {role.name}: restriction of {object_id}: {exc.message}") from None

    def authenticate(self, environ: dict) -> Subject:
        user = self.authenticator(environ)
        if user is None:
            return self.everyone
        if not self.configuration.users and not user.roles:
            return Subject(user.name)  # delegated authentication, no rights declared: full rights
        known = self._subjects.get(user.name.casefold())
        if known is not None and known.name == user.name and self.authenticator.user(user.name) is user:
            return known
        return Subject.compile(user, self.configuration)  # a User object built by the host callable

    # --- parsed restrictions ---------------------------------------------------------------

    def restriction(self, subject: Subject, entity_set: EntitySet, right: str,
                    over: Any = None) -> Expr | None:
        """The restriction of ``right`` on the object behind ``entity_set`` as an AST over
        ``over`` (default: the entity set itself; a register's record set gives one over its
        ``_RecordType`` records set; a tabular section one through its owner)."""
        owner = entity_set.parent or entity_set
        text = subject.restriction_text(owner.source.object_id, right)
        if text is None:
            return None
        target = over if over is not None else (entity_set.records or entity_set)
        cache_key = (text, getattr(target, "name", ""), id(target))
        expr = self._parsed.get(cache_key)
        if expr is None:
            try:
                if over is None and entity_set.kind == TABULAR_SECTION:
                    expr = _through_owner(parse_filter(text, owner, self.model, option="restriction"),
                                          self._owner_cast(entity_set))
                else:
                    expr = parse_filter(text, target, self.model, option="restriction")
            except ODataError as exc:  # not the client's fault: the service's log says which (``validate``)
                raise ConfigurationError(f"restriction of {owner.source.object_id}: {exc.message}") from None
            self._parsed[cache_key] = expr
        return expr

    def _owner_cast(self, entity_set: EntitySet) -> Expr:
        owner = entity_set.parent.name  # type: ignore[union-attr]
        probe = parse_filter(f"cast(Ref_Key,'{owner}')/Ref_Key eq guid'{NIL_GUID}'", entity_set, self.model)
        return probe.left.base  # type: ignore[union-attr]

    def key_filter(self, entity_set: EntitySet, key: dict) -> Expr:
        """``Ref_Key eq guid'…' [and LineNumber eq n]`` as a validated AST (no parsing per key)."""
        parts = []
        for name in entity_set.entity_type.key_names:
            template = self._templates.get((entity_set.name, name))
            if template is None:
                edm_type = entity_set.entity_type.property(name).edm_type  # type: ignore[union-attr]
                sample = uri_literal(SAMPLES.get(edm_type, 0), edm_type)
                template = parse_filter(f"{name} eq {sample}", entity_set, self.model)  # type: ignore[assignment]
                self._templates[(entity_set.name, name)] = template  # type: ignore[assignment]
            value = key[name]
            value = value.lower() if isinstance(value, str) else value
            parts.append(replace(template, right=replace(template.right, value=value)))  # type: ignore[arg-type]
        return _combine("and", parts)


def _combine(op: str, parts: list[Expr]) -> Expr:
    """A balanced ``and``/``or`` tree, so hundreds of keys stay a shallow expression."""
    if len(parts) == 1:
        return parts[0]
    middle = len(parts) // 2
    return Binary(op, _combine(op, parts[:middle]), _combine(op, parts[middle:]), "Edm.Boolean")


def _through_owner(expr: Any, owner: Expr) -> Any:
    """An owner's restriction over its tabular-section rows: every path starts at
    ``cast(Ref_Key,'<Owner>')``, so the rows of a forbidden document are forbidden too."""
    if isinstance(expr, Member):
        if expr.variable is None and expr.base is None:
            return replace(expr, base=owner)
        return replace(expr, base=_through_owner(expr.base, owner)) if expr.base is not None else expr
    if isinstance(expr, Binary):
        return replace(expr, left=_through_owner(expr.left, owner), right=_through_owner(expr.right, owner))
    if isinstance(expr, Unary):
        return replace(expr, operand=_through_owner(expr.operand, owner))
    if isinstance(expr, Call):
        return replace(expr, args=tuple(_through_owner(a, owner) for a in expr.args))
    if isinstance(expr, Lambda):
        return replace(expr, collection=_through_owner(expr.collection, owner))
    return expr


# --- the calls handlers make ----------------------------------------------------------------

def _security(ctx: Any) -> Security:
    return ctx.service.security


def subject_of(ctx: Any) -> Subject:
    return getattr(ctx, "subject", None) or _security(ctx).everyone


def denied(ctx: Any, entity_set: EntitySet, right: str) -> ODataError:
    return ODataError(errors.ACCESS_DENIED, Message("Insufficient rights to perform the operation ({right}: {name})",
                                                    right=right, name=entity_set.name), status=_security(ctx).status)


def violation(ctx: Any, entity_set: EntitySet) -> ODataError:
    # ru: 1C's «Нарушение прав доступа!» for a row outside the user's restriction
    return ODataError(errors.ACCESS_DENIED, Message("Access rights violation! ({name})", name=entity_set.name),
                      status=_security(ctx).status)


def require(ctx: Any, entity_set: EntitySet, right: str, *, over: Any = None) -> Expr | None:
    """Raise code 20 unless the user has ``right`` (one of ``RIGHTS``) on the object behind
    ``entity_set`` (a tabular section answers for its owner); return the restriction (or None)."""
    if right not in RIGHTS:
        raise ValueError(f"unknown right {right!r}")
    subject = subject_of(ctx)
    if subject.full:
        return None
    owner = entity_set.parent or entity_set
    if not subject.has(owner.source.object_id, right):
        raise denied(ctx, entity_set, right)
    return _security(ctx).restriction(subject, entity_set, right, over)


def allowed_only(ctx: Any) -> bool:
    """``allowedOnly=true`` (or ``$allowedOnly``) in the query string (§11)."""
    try:
        pairs = ctx.query_pairs
    except ODataError:
        return False
    return any(n in ("allowedOnly", "$allowedOnly") and v.strip().lower() == "true" for n, v in pairs)


def restrict_read(ctx: Any, entity_set: EntitySet, filter: Expr | None, allowed: bool | None = None,
                  *, over: Any = None) -> Expr | None:
    """Read right, then the restriction to pass to query/count. Without ``allowedOnly`` a result
    that would include a forbidden row is refused (two COUNTs in SQL) instead of filtered."""
    restriction = require(ctx, entity_set, "Read", over=over)
    if restriction is not None and not (allowed_only(ctx) if allowed is None else allowed):
        check_all(ctx, over if over is not None else entity_set, filter, restriction)
    return restriction


def check_all(ctx: Any, entity_set: EntitySet, filter: Expr | None, restriction: Expr | None) -> None:
    """Every row matching ``filter`` satisfies ``restriction`` (two COUNTs), else code 20; for
    sets of rows written at once (register record sets) and reads without ``allowedOnly``."""
    if restriction is None:
        return
    provider = ctx.provider
    if provider.count(entity_set, filter) != provider.count(entity_set, filter, restriction=restriction):
        raise violation(ctx, entity_set)


def check_row(ctx: Any, entity_set: EntitySet, key: dict, restriction: Expr | None, *,
              missing: ODataError | None = None) -> None:
    """The row with ``key`` must satisfy ``restriction`` (inside the caller's transaction, so a
    write is rolled back); otherwise raise ``missing`` if given (allowedOnly reads) or code 20."""
    if restriction is None or entity_set.kind == CONSTANT:
        return
    condition = _security(ctx).key_filter(entity_set, key)
    if ctx.provider.count(entity_set, condition, restriction=restriction) == 0:
        raise missing if missing is not None else violation(ctx, entity_set)


def readable(ctx: Any, entity_set: EntitySet, keys: Iterable[str]) -> dict[str, dict]:
    """Rows of a Ref_Key entity set by key, as ``$expand`` and presentations read them:
    forbidden rows are refused, or left out with ``allowedOnly``."""
    keys = list(keys)
    restriction = require(ctx, entity_set, "Read")
    if restriction is None:
        return {r["Ref_Key"]: r for r in ctx.provider.get_many(entity_set, [{"Ref_Key": k} for k in keys])}
    security = _security(ctx)
    condition = _combine("or", [security.key_filter(entity_set, {"Ref_Key": k}) for k in keys])
    rows = {r["Ref_Key"]: r for r in ctx.provider.query(entity_set, QueryOptions(filter=condition),
                                                          restriction=restriction).rows}
    if not allowed_only(ctx) and len(rows) != ctx.provider.count(entity_set, condition):
        raise violation(ctx, entity_set)
    return rows

