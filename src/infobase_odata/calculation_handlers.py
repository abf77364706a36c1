"""The virtual tables of calculation registers over HTTP (reference §6.4): resolution of
``CalculationRegister_X/<Function>(…)`` (python-1c-odata's ``ScheduledData``, ``Base`` and
``Recalculation`` accepted) and the GET handler, answered by the provider's
``CalculationStore``; record-set writes and Post tell the store what changed (recalculations)::

    GET CalculationRegister_Accruals/ActualActionPeriod(Condition='Employee_Key eq guid'…'')?$format=json
"""

from __future__ import annotations

from typing import Any

from webob import Response

from . import calculations as c, errors, security
from .context import Resource
from .errors import ODataError
from .kinds import calculation_register
from .model import EntitySet
from .vt_response import result_table
from .query.parser import parse_query_options
from .registers import Layout
from .stores import CalculationStore
from .query.ast import QueryOptions
from .query.joins import check_joins
from .urls import Segment


def resolve_function(ctx, entity_set: EntitySet, rest: list[Segment]) -> Resource | None:
    """A ``calculation`` resource, or None when the set is not a calculation register."""
    if not c.is_calculation(entity_set):
        return None
    segment = rest[0]
    name = calculation_register.table_name(ctx.model, entity_set, segment.name)
    if name is None:
        raise ODataError.of(errors.BAD_URL, "{entity_set}: {name} is not a function of this register",
                            entity_set=entity_set.name, name=segment.name)
    if len(rest) > 1:
        raise ODataError.of(errors.BAD_URL, "Extra segments after {name}", name=segment.name)
    return Resource("calculation", entity_set, None, path=[name, segment.args])


def virtual_table(ctx, resource: Resource) -> Response:
    entity_set = resource.entity_set
    name, args = resource.path
    layout = Layout.of(ctx.model, entity_set)
    result_set = ctx.model.vt_result_sets[f"{entity_set.name}_{name}"]
    options = parse_query_options(ctx.query_pairs, result_set, ctx.model, limits=ctx.limits)
    params = c.calc_parameters(ctx.model, entity_set, name, args, options.custom, limits=ctx.limits)
    check_joins(QueryOptions(filter=params.condition), ctx.limits.max_joins)  # as register_handlers
    restriction = security.restrict_read(ctx, layout.records_set, params.condition, options.allowed_only)
    result = ctx.provider.calculation_table(entity_set, params, restriction=restriction, options=options,
                                            result_set=result_set)
    return result_table(ctx, result_set, options, result)


def write_record_set(ctx, register_set: EntitySet, recorder: dict, rows: Any) -> list:
    """``provider.write_record_set`` inside the caller's transaction, then, for a calculation
    register on a store that keeps them, the recalculation entries the change causes."""
    provider = ctx.provider
    if not c.is_calculation(register_set) or CalculationStore not in ctx.service.stores:
        return provider.write_record_set(register_set, recorder, rows)
    old = provider.read_record_set(register_set, recorder)
    stored = provider.write_record_set(register_set, recorder, rows)
    provider.calculation_written(register_set, recorder, old, stored)
    return stored
