"""Register semantics shared by the providers and the handlers (reference §1.5, §6.1, §6.2, §7).

A :class:`Layout` describes one register's columns once (recorder, dimensions, resources); the
record-set rules (completion, RecordType) and the virtual-table parameters live here, so that the
memory provider (the reference, in Python) and the SQLite provider (in SQL) agree::

    layout = Layout.of(model, model.entity_set("AccumulationRegister_Stock"))
    rows = complete_records(layout, {"Recorder": ref, "Recorder_Type": "StandardODATA.Document_X"},
                            [{"Period": date, "RecordType": "Receipt", "Product_Key": p, "Quantity": 5}])
    params = vt_parameters(model, register_set, "Balance", "Period=datetime'2024-03-01T00:00:00'", [])

Period semantics (README compatibility notes):

* ``Balance(Period=P)`` is the balance at the *start* of the moment P: movements with
  ``Period < P`` (as ``Остатки(&Период)`` with a date boundary); no Period: every movement.
* ``Turnovers``/``BalanceAndTurnovers``: movements with ``StartPeriod <= Period <= EndPeriod``,
  each bound optional; the opening balance is ``Balance(StartPeriod)``, the closing one
  opening + receipt − expense.
* ``SliceLast(Period=P)``: per dimension combination the record with the greatest
  ``Period <= P`` (no Period: the latest); ``SliceFirst``: the least ``Period >= P``.
* Only ``Active`` records count; ``RecordType`` ``Receipt`` adds and ``Expense`` subtracts;
  result rows whose resources are all zero are left out, as in the platform.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, Mapping

from .i18n import Message
from . import configuration as cfg, model as m
from .errors import BAD_PROPERTY_VALUE, NOT_SUPPORTED, QUERY_OPTION, ODataError
from .query.ast import Expr, Literal, Member
from .query.parser import parse_filter, parse_function_parameters, parse_literal
from .values import complete_row

RECEIPT = "Receipt"
EXPENSE = "Expense"
RECORD_TYPES = (RECEIPT, EXPENSE)
VIRTUAL_TABLES = ("Balance", "Turnovers", "BalanceAndTurnovers", "SliceLast", "SliceFirst")


def month_start(value: dt.datetime) -> dt.datetime:
    return dt.datetime(value.year, value.month, 1)


def next_month(value: dt.datetime) -> dt.datetime:
    return dt.datetime(value.year + value.month // 12, value.month % 12 + 1, 1)


@dataclass
class Layout:
    """The columns of one register, from its record (``_RecordType`` or independent) entity type."""

    register_set: m.EntitySet  # RECORD_SET or INDEPENDENT_RECORDS
    records_set: m.EntitySet  # the set whose rows are the records (RECORDS or the independent set)
    recorder: tuple[str, ...]  # Recorder_Key, or Recorder + Recorder_Type; () when independent
    dimensions: tuple[m.Property, ...]  # properties of dimensions (X_Key, X, X_Type, plain)
    resources: tuple[m.Property, ...]
    balance: bool  # accumulation register of the balance kind (RecordType present)
    periodic: bool
    active: bool  # records carry Active

    @classmethod
    def of(cls, model: m.Model, entity_set: m.EntitySet) -> "Layout":
        """The layout of a register set (built with the model by ``build_model``)."""
        found = model.layouts.get(entity_set.name)
        return found if found is not None else cls.build(model, entity_set)

    @classmethod
    def build(cls, model: m.Model, entity_set: m.EntitySet) -> "Layout":
        register_set = entity_set.parent if entity_set.kind == m.RECORDS else entity_set
        records = register_set.records or register_set
        source = register_set.source
        assert isinstance(source, cfg.RegisterObject)
        dims = {d.name for d in source.dimensions}
        resources = {r.name for r in source.resources}
        props = records.entity_type.properties
        layout = cls(
            register_set, records,
            tuple(n for n in register_set.entity_type.key_names) if register_set.kind == m.RECORD_SET else (),
            tuple(p for p in props if p.attribute in dims and p.name != "Period"),
            tuple(p for p in props if p.attribute in resources),
            # accumulation registers of balances (an accounting register's RecordType is Debit/Credit)
            isinstance(source, cfg.AccumulationRegister) and source.register_kind == "balance",
            records.entity_type.property("Period") is not None,
            records.entity_type.property("Active") is not None)
        return layout

    @property
    def dimension_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.dimensions)

    def dimension_props(self, names: Iterable[str] | None) -> tuple[m.Property, ...]:
        """Properties of the dimensions named (without ``_Key``, §6.2); all when None."""
        if names is None:
            return self.dimensions
        wanted = set(names)
        return tuple(p for p in self.dimensions if p.attribute in wanted)


# ---- record sets ------------------------------------------------------------------------------

def recorder_key(register_set: m.EntitySet, document_set: m.EntitySet, ref: str) -> dict[str, Any]:
    """The record-set key of a document: ``Recorder_Key`` or ``Recorder`` + ``Recorder_Type``."""
    if register_set.entity_type.key_names == ("Recorder_Key",):
        return {"Recorder_Key": ref.lower()}
    return {"Recorder": ref.lower(), "Recorder_Type": f"{m.NAMESPACE}.{document_set.name}"}


def recorders_of(configuration: cfg.Configuration, register: cfg.RegisterObject) -> list[str]:
    """Object ids of the documents that post to a register (declared on either side)."""
    found = list(getattr(register, "recorders", ()))
    for doc in configuration.of_kind(cfg.Document):
        if register.object_id in doc.registers and doc.object_id not in found:
            found.append(doc.object_id)
    return found


def registers_of(model: m.Model, document_set: m.EntitySet) -> list[m.EntitySet]:
    """Published record sets the document posts to (declared on either side)."""
    found = []
    for register_set in model.entity_sets.values():
        if register_set.kind == m.RECORD_SET and \
                document_set.name in recorders_of(model.configuration, register_set.source):
            found.append(register_set)
    return found


def complete_records(layout: Layout, recorder: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Record rows as stored: the recorder's key, ``LineNumber`` 1..n unless given (unique),
    ``Active`` true unless given, ``RecordType`` Receipt/Expense on balance registers."""
    row_props = layout.register_set.entity_type.property("RecordSet").row_type.properties
    out: list[dict] = []
    seen: set[int] = set()
    for index, raw in enumerate(rows, 1):
        values = dict(raw)
        values.update(recorder)
        if values.get("LineNumber") in (None, ""):
            values["LineNumber"] = index
        if layout.active and values.get("Active") is None:
            values["Active"] = True
        if layout.balance:
            kind = values.get("RecordType") or RECEIPT
            if kind not in RECORD_TYPES:
                raise ODataError(BAD_PROPERTY_VALUE, Message("Invalid value of property RecordType: {kind!r} "
                                                             "(Receipt or Expense)", kind=kind), status=400)
            values["RecordType"] = kind
        row = complete_row(row_props, values)
        if row["LineNumber"] in seen:
            raise ODataError(BAD_PROPERTY_VALUE, Message("Line number {number} is repeated",
                                                         number=row['LineNumber']),
                             status=400)
        seen.add(row["LineNumber"])
        out.append(row)
    out.sort(key=lambda r: r["LineNumber"])
    return out


def sign(layout: Layout, row: Mapping[str, Any]) -> int:
    return -1 if layout.balance and row.get("RecordType") == EXPENSE else 1


def counts(layout: Layout, row: Mapping[str, Any]) -> bool:
    """Only active records take part in virtual tables."""
    return not layout.active or bool(row.get("Active"))


# ---- virtual-table parameters (§6) ------------------------------------------------------------

@dataclass
class VTParams:
    """The parameters of a register's virtual-table call."""

    function: str
    period: dt.datetime | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    condition: Expr | None = None
    dimensions: tuple[str, ...] | None = None  # dimension names (without _Key)


def function_import(model: m.Model, entity_set: m.EntitySet, name: str) -> m.FunctionImport | None:
    for function in model.function_imports:
        if function.name == name and function.binding_type == entity_set.name and not function.side_effecting:
            return function
    return None


def not_supported(name: str) -> ODataError:
    return ODataError(NOT_SUPPORTED, Message("The parameter {name} is not supported", name=name), status=501)


def _query_value(name: str, raw: str, edm_type: str) -> Any:
    """A parameter from the query string: a URI literal, or (lenient) bare text / ISO date."""
    text = raw.strip()
    if edm_type == "Edm.String":
        if len(text) >= 2 and text[0] == text[-1] == "'":
            inner = text[1:-1]
            return inner.replace("''", "'") if "''" in inner and "'" not in inner.replace("''", "") else inner
        return text
    try:
        literal = parse_literal(text)
    except ODataError:
        literal = parse_literal(f"datetime'{text}'")
    return literal.value


def function_arguments(declared: Mapping[str, str], args: str | None,
                       custom: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A virtual table's parameters (name -> EDM type declared) given in the parentheses and/or
    the query string, as Python values; an unknown one is 501 code 0 (§6)."""
    given: dict[str, Any] = {}
    if args and args.strip():
        for pname, literal in parse_function_parameters(args).items():
            if pname not in declared:
                raise not_supported(pname)
            given[pname] = literal.value if isinstance(literal, Literal) else literal
    for pname, raw in custom:
        if pname in ("allowedOnly",):
            continue
        if pname not in declared:
            raise not_supported(pname)
        given[pname] = _query_value(pname, raw, declared[pname])
    return given


def vt_parameters(model: m.Model, entity_set: m.EntitySet, name: str, args: str | None,
                  custom: Iterable[tuple[str, str]], limits: Any = None) -> VTParams:
    """Parameters in the parentheses and/or the query string (§6); an unknown one is 501 code 0."""
    function = function_import(model, entity_set, name)
    assert function is not None
    declared = dict(function.parameters)
    given = function_arguments(declared, args, custom)
    params = VTParams(name)
    layout = Layout.of(model, entity_set)
    for pname, value in given.items():
        if value is None:
            continue
        if declared[pname] == "Edm.DateTime":
            if not isinstance(value, dt.datetime):
                raise ODataError(QUERY_OPTION, Message("Parameter {name}: datetime'…' is expected",
                                                       name=pname), status=400)
            setattr(params, {"Period": "period", "StartPeriod": "start", "EndPeriod": "end"}[pname],
                    value.replace(tzinfo=None, microsecond=0))
        elif pname == "Condition":
            if str(value).strip():
                params.condition = parse_filter(str(value), layout.records_set, model, option="Condition",
                                                limits=limits)
        elif pname == "Dimensions":
            names = tuple(n.strip() for n in str(value).split(",") if n.strip())
            known = {p.attribute for p in layout.dimensions}
            for n in names:
                if n not in known:
                    raise ODataError(QUERY_OPTION, Message("Parameter Dimensions: {name} is not a dimension of {register}",
                                                           name=n, register=layout.register_set.name), status=400)
            params.dimensions = names
    return params


def root_names(expr: Expr | None) -> set[str]:
    """First path segments of the expression's own members (what a condition reads of a row)."""
    names: set[str] = set()
    stack: list[Any] = [expr]
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, (str, int, float, Decimal)):
            continue
        if isinstance(node, Member):
            if node.base is None and node.variable is None and node.path:
                names.add(node.path[0])
            stack.append(node.base)
            continue
        for attr in ("left", "right", "operand", "collection", "predicate"):
            if hasattr(node, attr):
                stack.append(getattr(node, attr))
        if hasattr(node, "args"):
            stack.extend(node.args)
    return names


def dimension_only(layout: Layout, *exprs: Expr | None) -> bool:
    """True when the expressions read only dimensions (so they can run on the totals table)."""
    allowed = set(layout.dimension_names)
    allowed |= {p.attribute for p in layout.dimensions if p.attribute}
    return all(root_names(e) <= allowed for e in exprs)


RESULT_SUFFIX = {"Balance": "_Balance", "Turnovers": "_Turnover", "BalanceAndTurnovers": "_BalanceAndTurnover"}


def build_result_set(model: m.Model, register_set: m.EntitySet, function: str) -> m.EntitySet | None:
    """An entity set over a virtual table's result complex type (no key), with the navigation
    properties of the dimensions, so ``$filter``/``$select``/``$expand`` validate against it;
    None when the register has no such virtual table."""
    name = f"{register_set.name}{RESULT_SUFFIX[function]}"
    complex_type = model.complex_types.get(name)
    if complex_type is None:
        return None
    records = register_set.records or register_set
    names = {p.name for p in complex_type.properties}
    entity_type = m.EntityType(name, list(complex_type.properties), ())
    entity_type.navigation = [n for n in records.entity_type.navigation if n.key_property in names]
    return m.EntitySet(name, entity_type, "vt_result", register_set.source)


def vt_result_set(model: m.Model, register_set: m.EntitySet, function: str) -> m.EntitySet:
    """The result set of ``function`` over ``register_set`` (built with the model)."""
    return model.vt_result_sets[f"{register_set.name}{RESULT_SUFFIX[function]}"]
