"""Virtual tables of accounting registers over HTTP (reference §6.3); ``register_handlers``
hands them here::

    GET AccountingRegister_Хозрасчетный/Balance(Period=datetime'2024-04-01T00:00:00',ExtraDimensions='')
    GET AccountingRegister_Хозрасчетный/Turnovers?StartPeriod=datetime'2024-03-01T00:00:00'&AccountCondition=…
"""

from __future__ import annotations

from webob import Response

from . import accounting as a, security
from .vt_response import result_table
from .query.ast import QueryOptions
from .query.joins import check_joins
from .query.parser import parse_query_options


def virtual_table(ctx, resource) -> Response:
    entity_set = resource.entity_set
    name, args = resource.path
    layout = a.AccLayout.of(ctx.model, entity_set)
    result_set = a.result_set(ctx.model, layout, name)
    options = parse_query_options(ctx.query_pairs, result_set, ctx.model, limits=ctx.limits)
    params = a.acc_parameters(ctx.model, entity_set, name, args, options.custom, limits=ctx.limits)
    for condition in (params.condition, params.account_condition, params.balanced_account_condition):
        check_joins(QueryOptions(filter=condition), ctx.limits.max_joins)  # as register_handlers
    restriction = security.restrict_read(ctx, layout.records_set, None, options.allowed_only)
    result = ctx.provider.virtual_table(entity_set, params, restriction=restriction, options=options,
                                        result_set=result_set)
    return result_table(ctx, result_set, options, result)
