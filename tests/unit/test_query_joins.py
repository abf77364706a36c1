"""The join limit is a query limit (``QueryLimits.max_joins``, ``query/joins.py``), checked by
``parse_query_options`` with the others, for every caller (collections, counts, virtual tables)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infobase_odata import build_model
from infobase_odata.configuration import load_configuration
from infobase_odata.errors import QUERY_OPTION, ODataError
from infobase_odata.query.parser import QueryLimits, parse_query_options

MODEL = build_model(load_configuration(Path(__file__).parents[2] / "samples/trade/configuration.json"))
GOODS = MODEL.entity_set("Catalog_Goods")
STEP = "Unit/Description eq 'x'"  # one navigation step


def test_navigation_steps_up_to_the_limit_are_accepted():
    options = parse_query_options([("$filter", " or ".join([STEP] * 3))], GOODS, MODEL,
                                  limits=QueryLimits(max_joins=3))
    assert options.filter is not None


@pytest.mark.parametrize("pairs", [
    [("$filter", " or ".join([STEP] * 4))],
    [("$filter", " or ".join([STEP] * 2)), ("$orderby", "Unit/Description,Unit/Code")],
    [("$filter", "not (" + " and ".join([STEP] * 4) + ")")],
    [("$filter", "startswith(Unit/Description, 'a') and " + " and ".join([STEP] * 3))],
])
def test_more_navigation_steps_than_the_limit_are_400_code_14(pairs):
    with pytest.raises(ODataError) as info:
        parse_query_options(pairs, GOODS, MODEL, limits=QueryLimits(max_joins=3))
    assert (info.value.status, info.value.code) == (400, QUERY_OPTION)
    assert "more than 3 navigation steps" in info.value.message


def test_the_default_limit_is_sixty():
    accepted = [("$filter", " or ".join([STEP] * 60))]
    assert parse_query_options(accepted, GOODS, MODEL).filter is not None
    with pytest.raises(ODataError):
        parse_query_options([("$filter", " or ".join([STEP] * 61))], GOODS, MODEL)
