"""Accounting-register semantics shared by the stores and the handlers (reference §3.3, §6.3, §8.4).

An entry (one record of the set) has a debit and a credit side; each side is a *line*
``(Account_Key, ExtDimension1…N, dimensions, resources)`` with the other side as its
``BalancedAccount_Key``/``BalancedExtDimension…``. Virtual tables aggregate lines
(``accounting_tables.py``)::

    layout = AccLayout.of(model, model.entity_set("AccountingRegister_Хозрасчетный"))
    params = acc_parameters(model, register_set, "Balance", "Period=datetime'2024-04-01T00:00:00'", [])
    chart = prepare(provider, model, layout, params)   # account conditions -> account keys
    lines = lines_of(layout, entry)                    # the debit and the credit line of an entry

Semantics (README compatibility notes; the platform's own where confirmed):

* ``Balance(Period=P)``: lines with ``Period < P`` (no Period: all), Dr − Cr per group.
  ``<R>BalanceDr``/``<R>BalanceCr``: an Active account shows the balance as debit (negative when
  it is credit), a Passive one as credit, an ActivePassive one splits it per group row (the
  debit rows and the credit rows, detailed by ext dimensions as grouped).
* ``Turnovers``/``DrCrTurnovers``/``RecordsWithExtDimensions``: ``StartPeriod <= Period <=
  EndPeriod``; ``BalanceAndTurnovers``: opening = Balance(StartPeriod), closing = opening +
  Dr − Cr.
* ``AccountCondition``/``BalancedAccountCondition``: a ``$filter`` over ``Account_Key`` (and
  ``Account/…``); the accounts it selects *and their sub-accounts* (as ``В ИЕРАРХИИ``).
  ``Condition`` reads the line (``Account_Key``, ``ExtDimension1…``, dimensions, ``Period``),
  before aggregation. ``ExtraDimensions``: ext-dimension types (``guid'…'`` or predefined names,
  comma-separated) that become ``ExtDimension1…`` in that order; ``''`` groups by account only;
  absent: each account's own ext dimensions by position.
* Only active records count; groups whose figures are all zero are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from . import configuration as cfg, model as m
from .errors import QUERY_OPTION, ODataError, Invalid
from .i18n import Message
from .query.ast import Expr, QueryOptions
from .query.evaluate import Evaluator
from .query.parser import parse_filter
from .registers import VTParams, function_arguments

_NAMESPACE = "6f1c0a3e-0d3b-4c55-9a55-6b2f1c9d7e01"  # of predefined items' Ref_Keys

_RANGE = (("Condition", "Edm.String"), ("EndPeriod", "Edm.DateTime"), ("StartPeriod", "Edm.DateTime"))
_ACC = (("AccountCondition", "Edm.String"), ("Dimensions", "Edm.String"), ("ExtraDimensions", "Edm.String"))
_BAL = (("BalancedAccountCondition", "Edm.String"), ("BalancedExtraDimensions", "Edm.String"))
# function -> (result type suffix, parameters) (§6.3)
RESULTS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "Balance": ("Balance", _ACC + (("Condition", "Edm.String"), ("Period", "Edm.DateTime"))),
    "Turnovers": ("Turnover", _ACC + _BAL + _RANGE),
    "BalanceAndTurnovers": ("BalanceAndTurnover", _ACC + _RANGE),
    "DrCrTurnovers": ("DrCrTurnover", _ACC + _BAL + _RANGE),
    "RecordsWithExtDimensions": ("RecordsWithExtDimensions",
                                 _RANGE + (("Order", "Edm.String"), ("Top", "Edm.Int32"))),
    "ExtDimensions": ("ExtDimensions", ()),
}
DEBIT, CREDIT = "Debit", "Credit"  # RecordType of a register without correspondence (UNCONFIRMED)


def predefined_key(object_id: str, name: str) -> str:
    """The Ref_Key of a predefined item: the same in every database made from the configuration."""
    import uuid  # only where there are predefined items, not at every start (#18, cold start)

    return str(uuid.uuid5(uuid.UUID(_NAMESPACE), f"{object_id}.{name}"))


@dataclass
class AccLayout:
    """The columns of one accounting register (built with the model by its kind module)."""

    register_set: m.EntitySet
    records_set: m.EntitySet
    lines_set: m.EntitySet
    chart_id: str
    ext_types_id: str  # the ChartOfCharacteristicTypes of ext dimensions ('' when none)
    ext_count: int
    correspondence: bool
    recorder: tuple[str, ...]
    dims: list[tuple[str, bool, tuple[str, ...]]]  # (dimension, unbalanced, its line property names)
    resources: list[tuple[str, bool, m.Property]]  # (resource, unbalanced, its line property)

    @staticmethod
    def key(register_name: str) -> str:
        return f"{register_name}#accounting"

    @classmethod
    def of(cls, model: m.Model, entity_set: m.EntitySet) -> "AccLayout":
        register_set = entity_set.parent if entity_set.kind == m.RECORDS else entity_set
        return model.layouts[cls.key(register_set.name)]  # type: ignore[union-attr]

    @classmethod
    def build(cls, model: m.Model, register_set: m.EntitySet, lines_set: m.EntitySet,
              chart: cfg.ChartOfAccounts, ext_count: int) -> "AccLayout":
        reg: cfg.AccountingRegister = register_set.source  # type: ignore[assignment]
        unbalanced = set(reg.unbalanced) if reg.correspondence else set()
        props = lines_set.entity_type.properties
        dims = [(d.name, d.name in unbalanced, tuple(p.name for p in props if p.attribute == d.name))
                for d in reg.dimensions]
        resources = [(r.name, r.name in unbalanced, lines_set.entity_type.property(r.name)) for r in reg.resources]
        return cls(register_set, register_set.records, lines_set, chart.object_id,  # type: ignore[arg-type]
                   chart.ext_dimension_types, ext_count, reg.correspondence,
                   tuple(register_set.entity_type.key_names), dims, resources)  # type: ignore[arg-type]

    @property
    def sides(self) -> tuple[str, ...]:
        return ("Dr", "Cr") if self.correspondence else ("",)

    def record_name(self, line_name: str, attribute: str, unbalanced: bool, side: str) -> str:
        """``Валюта_Key`` of the Dr side is stored as ``ВалютаDr_Key`` when Валюта is non-balanced."""
        return attribute + side + line_name[len(attribute):] if unbalanced else line_name

    def ext_names(self, prefix: str = "ExtDimension") -> list[str]:
        return [f"{prefix}{i}{suffix}" for i in range(1, self.ext_count + 1) for suffix in ("", "_Type")]

    def dim_names(self, grouped: Iterable[str] | None = None) -> list[str]:
        wanted = None if grouped is None else set(grouped)
        return [n for d, _, names in self.dims if wanted is None or d in wanted for n in names]


# ---- lines ------------------------------------------------------------------------------------

def lines_of(layout: AccLayout, row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The account sides of one record (a ``_RowType`` row) as lines."""
    out = []
    for side in layout.sides:
        other = {"Dr": "Cr", "Cr": "Dr"}.get(side, "")
        line = {n: row.get(n) for n in layout.recorder}
        line.update(LineNumber=row["LineNumber"], Period=row["Period"], Active=row.get("Active", True))
        if layout.correspondence:
            line["Side"] = side
            line["Account_Key"], line["BalancedAccount_Key"] = row[f"Account{side}_Key"], row[f"Account{other}_Key"]
        else:
            line["Side"] = "Cr" if row.get("RecordType") == CREDIT else "Dr"
            line["Account_Key"], line["BalancedAccount_Key"] = row["Account_Key"], None
        if line["Account_Key"] in (None, "", m.NIL_GUID):  # an off-balance entry has one side only
            continue
        for i in range(1, layout.ext_count + 1):
            for suffix in ("", "_Type"):
                line[f"ExtDimension{i}{suffix}"] = row.get(f"ExtDimension{side}{i}{suffix}")
                line[f"BalancedExtDimension{i}{suffix}"] = row.get(f"ExtDimension{other}{i}{suffix}") if other else None
            line[f"ExtDimensionType{i}_Key"] = row.get(f"ExtDimensionType{side}{i}_Key")
            line[f"_BalancedType{i}"] = row.get(f"ExtDimensionType{other}{i}_Key") if other else None
        for attribute, unbalanced, names in layout.dims:
            for name in names:
                line[name] = row.get(layout.record_name(name, attribute, unbalanced, side))
        for attribute, unbalanced, prop in layout.resources:
            line[prop.name] = row.get(layout.record_name(prop.name, attribute, unbalanced, side))
        out.append(line)
    return out


def remap(layout: AccLayout, line: dict[str, Any], extra: tuple[str, ...] | None, prefix: str,
          balanced: bool = False) -> None:
    """``ExtDimension1…`` of the line by the requested types (``extra``; None: by position)."""
    if extra is None:
        return
    source = "BalancedExtDimension" if balanced else "ExtDimension"
    found: dict[str, tuple[Any, Any]] = {}
    if balanced:  # the other side's types are not on the line: match by the value's position
        kinds = [line.get(f"_BalancedType{i}") for i in range(1, layout.ext_count + 1)]
    else:
        kinds = [line.get(f"ExtDimensionType{i}_Key") for i in range(1, layout.ext_count + 1)]
    for i, kind in enumerate(kinds, 1):
        if kind is not None and kind not in found:
            found[kind] = (line.get(f"{source}{i}"), line.get(f"{source}{i}_Type"))
    for i in range(1, layout.ext_count + 1):
        value, value_type = found.get(extra[i - 1], (None, None)) if i <= len(extra) else (None, None)
        line[f"{prefix}{i}"], line[f"{prefix}{i}_Type"] = value, value_type


# ---- parameters -------------------------------------------------------------------------------

@dataclass
class AccParams(VTParams):
    """``registers.VTParams`` and the parameters of accounting virtual tables (§6.3)."""

    account_condition: Expr | None = None
    balanced_account_condition: Expr | None = None
    extra: tuple[str, ...] | None = None
    balanced_extra: tuple[str, ...] | None = None
    top: int | None = None
    # resolved by the store from the chart of accounts (account keys, sub-accounts included)
    accounts: frozenset[str] | None = field(default=None, compare=False)
    balanced_accounts: frozenset[str] | None = field(default=None, compare=False)

    @property
    def balanced_grouping(self) -> bool:
        """Turnovers are detailed by the correspondent account only when it is asked about."""
        return self.balanced_account_condition is not None or self.balanced_extra is not None


def condition_set(model: m.Model, layout: AccLayout, function: str) -> m.EntitySet:
    """What ``Condition`` of a virtual table reads: the lines, or the result rows of
    DrCrTurnovers/RecordsWithExtDimensions/ExtDimensions (one row per entry)."""
    if function in ("DrCrTurnovers", "RecordsWithExtDimensions", "ExtDimensions"):
        return result_set(model, layout, function)
    return layout.lines_set


def result_set(model: m.Model, layout: AccLayout, function: str) -> m.EntitySet:
    return model.vt_result_sets[f"{layout.register_set.name}_{RESULTS[function][0]}"]


_GUID = re.compile(r"^(?:guid)?'?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})'?$")


def ext_types(layout: AccLayout, text: str) -> tuple[str, ...]:
    """``ExtraDimensions``: GUIDs (``guid'…'`` or bare) or predefined names of ext-dimension types."""
    out = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        match = _GUID.match(item)
        if match:
            out.append(match.group(1).lower())
        elif layout.ext_types_id and item.replace("_", "a").isalnum():
            out.append(predefined_key(layout.ext_types_id, item))
        else:
            raise ODataError(QUERY_OPTION, Message("ExtraDimensions: {item!r} is not an ext-dimension type", item=item[:40]))
    if len(out) > layout.ext_count:
        raise ODataError(QUERY_OPTION, Message("ExtraDimensions: at most {count} ext-dimension types", count=layout.ext_count))
    return tuple(out)


def acc_parameters(model: m.Model, register_set: m.EntitySet, name: str, args: str | None,
                   custom: Iterable[tuple[str, str]], limits: Any = None) -> AccParams:
    """Parameters in the parentheses and/or the query string (§6); an unknown one is 501 code 0."""
    layout = AccLayout.of(model, register_set)
    declared = dict(RESULTS[name][1])
    given = function_arguments(declared, args, custom)
    params = AccParams(name)
    for pname, value in given.items():
        if value is None:
            continue
        kind = declared[pname]
        if kind == "Edm.DateTime":
            if not isinstance(value, dt.datetime):
                raise ODataError(QUERY_OPTION, Message("Parameter {name}: datetime'…' is expected", name=pname), status=400)
            setattr(params, {"Period": "period", "StartPeriod": "start", "EndPeriod": "end"}[pname],
                    value.replace(tzinfo=None, microsecond=0))
        elif pname == "Top":
            if not str(value).isdigit():
                raise ODataError(QUERY_OPTION, Message("Parameter Top: an integer is expected"), status=400)
            params.top = int(str(value))
        elif pname == "Condition":
            if str(value).strip():
                params.condition = parse_filter(str(value), condition_set(model, layout, name), model,
                                                option="Condition", limits=limits)
        elif pname in ("AccountCondition", "BalancedAccountCondition"):
            if str(value).strip():
                expr = parse_filter(str(value), layout.lines_set, model, option=pname, limits=limits)
                setattr(params, "account_condition" if pname == "AccountCondition" else
                        "balanced_account_condition", expr)
        elif pname == "Dimensions":
            names = tuple(n.strip() for n in str(value).split(",") if n.strip())
            known = {d for d, _, _ in layout.dims}
            for n in names:
                if n not in known:
                    raise ODataError(QUERY_OPTION, Message("Parameter Dimensions: {name} is not a dimension of {register}",
                                                                   name=n, register=register_set.name), status=400)
            params.dimensions = names
        elif pname in ("ExtraDimensions", "BalancedExtraDimensions"):
            setattr(params, "extra" if pname == "ExtraDimensions" else "balanced_extra",
                    ext_types(layout, str(value)))
    return params


# ---- the chart of accounts --------------------------------------------------------------------

Chart = dict[str, dict[str, Any]]  # account key -> its row (Type, Parent_Key, ExtDimensionTypes)


def load_chart(reader: Any, model: m.Model, layout: AccLayout) -> Chart:
    chart_set = model.set_for_object(layout.chart_id)
    if chart_set is None:
        return {}
    return {row["Ref_Key"]: row for row in reader.query(chart_set, QueryOptions()).rows}


def resolve_accounts(model: m.Model, layout: AccLayout, chart: Chart, expr: Expr | None,
                     lookup: Callable[[m.EntitySet, str], Any]) -> frozenset[str] | None:
    """Accounts an AccountCondition selects, with all their sub-accounts (None: no condition)."""
    if expr is None:
        return None
    evaluator = Evaluator(model, layout.lines_set, lookup)
    chosen = {key for key in chart if evaluator.matches(expr, {"Account_Key": key})}
    children: dict[str, list[str]] = {}
    for key, row in chart.items():
        children.setdefault(row.get("Parent_Key") or "", []).append(key)
    stack = list(chosen)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in chosen:
                chosen.add(child)
                stack.append(child)
    return frozenset(chosen)


def prepare(reader: Any, model: m.Model, layout: AccLayout, params: AccParams) -> Chart:
    """Load the chart and resolve the account conditions of ``params`` (in place)."""
    chart = load_chart(reader, model, layout)

    def lookup(entity_set: m.EntitySet, ref: Any) -> Any:
        return reader.get(entity_set, {entity_set.entity_type.key_names[0]: str(ref).lower()})

    params.accounts = resolve_accounts(model, layout, chart, params.account_condition, lookup)
    params.balanced_accounts = resolve_accounts(model, layout, chart, params.balanced_account_condition, lookup)
    return chart


def in_range(params: AccParams, period: dt.datetime) -> bool:
    return not ((params.start is not None and period < params.start) or
                (params.end is not None and period > params.end))


# ---- writes: ext dimensions of entries (§8.4) -------------------------------------------------

def complete_entries(layout: AccLayout, model: m.Model, rows: Iterable[Mapping[str, Any]],
                     account_of: Callable[[str], Mapping[str, Any] | None]) -> list[dict[str, Any]]:
    """Entries with their ext dimensions by position: ``ExtDimensionsDr={type: value}`` (type a
    GUID or a predefined name; value a GUID, or ``(value, "StandardODATA.Catalog_X")``) or
    ``ExtDimensionDr1`` (+``_Type``); ``ExtDimensionTypeDr1…_Key`` filled from the account's
    ``ExtDimensionTypes``. An ext dimension the account does not have is refused (Invalid)."""
    types = model.configuration.find(layout.ext_types_id) if layout.ext_types_id else None
    by_key = {predefined_key(types.object_id, item.name): item for item in types.predefined} if types else {}
    out = []
    for raw in rows:
        row = dict(raw)
        for side in layout.sides:
            given = row.pop(f"ExtDimensions{side}", None)
            account_key = row.get(f"Account{side}_Key")
            account = account_of(str(account_key).lower()) if account_key else None
            kinds = [line["ExtDimensionType_Key"] for line in (account or {}).get("ExtDimensionTypes", [])]
            kinds = kinds[:layout.ext_count]
            if given is not None:
                if not isinstance(given, Mapping):
                    raise Invalid(Message("ExtDimensions{side}: an object {{ext-dimension type: value}}", side=side))
                for kind, value in given.items():
                    kind = _type_key(layout, str(kind))
                    if kind not in kinds:
                        raise Invalid(Message("ExtDimensions{side}: the account has no ext dimension {kind}", side=side, kind=kind))
                    i = kinds.index(kind) + 1
                    value, value_type = value if isinstance(value, (tuple, list)) else (value, None)
                    if value_type is None:
                        value_type = _value_type(by_key.get(kind))
                    row[f"ExtDimension{side}{i}"], row[f"ExtDimension{side}{i}_Type"] = value, value_type
            for i in range(1, layout.ext_count + 1):
                value = row.get(f"ExtDimension{side}{i}")
                if i > len(kinds):
                    if value not in (None, ""):
                        raise Invalid(Message("ExtDimension{side}{i}: the account has {count} ext dimensions",
                                               side=side, i=i, count=len(kinds)))
                    continue
                row.setdefault(f"ExtDimensionType{side}{i}_Key", kinds[i - 1])
                if value not in (None, "") and not row.get(f"ExtDimension{side}{i}_Type"):
                    row[f"ExtDimension{side}{i}_Type"] = _value_type(by_key.get(kinds[i - 1]))
        out.append(row)
    return out


def _type_key(layout: AccLayout, text: str) -> str:
    match = _GUID.match(text)
    return match.group(1).lower() if match else predefined_key(layout.ext_types_id, text)


def _value_type(item: cfg.PredefinedItem | None) -> str | None:
    """``StandardODATA.Catalog_X`` of a predefined ext-dimension type with one reference type."""
    from .types import Ref
    if item is not None and isinstance(item.type, Ref):
        return f"{m.NAMESPACE}.{item.type.object_id}"
    return None


__all__ = ["AccLayout", "AccParams", "RESULTS", "acc_parameters", "lines_of", "predefined_key", "complete_entries",
           "prepare", "in_range"]
