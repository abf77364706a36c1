"""The model is frozen once built: nothing can change it, and answering requests does not."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from webob import Request

from infobase_odata.service import ODataService
from tests.conftest import AsUser, seeded_memory_provider


def snapshot(model) -> dict:
    """Every attribute of the model and of everything it holds, by identity and value."""
    out = {"model": dict(vars(model))}
    for name, entity_set in [*model.entity_sets.items(), *model.vt_result_sets.items()]:
        out[name] = (dict(vars(entity_set)), dict(vars(entity_set.entity_type)))
    for name, complex_type in model.complex_types.items():
        out["complex " + name] = dict(vars(complex_type))
    return out


def test_the_model_refuses_changes(model):
    goods = model.entity_set("Catalog_Goods")
    with pytest.raises(FrozenInstanceError):
        goods.kind = "constant"
    with pytest.raises(FrozenInstanceError):
        goods.entity_type.navigation = []
    with pytest.raises(FrozenInstanceError):
        model.complex_types["TypeDescription"].properties = []
    with pytest.raises(FrozenInstanceError):
        model.layouts = {}
    with pytest.raises(TypeError):
        model.entity_sets["Catalog_X"] = goods
    with pytest.raises(TypeError):
        model.layouts["X"] = None
    with pytest.raises(AttributeError):
        goods.entity_type.properties.append(None)
    with pytest.raises(AttributeError):
        model.function_imports.append(None)


@pytest.mark.parametrize("path", [
    "Catalog_Goods?$format=json&$top=3",
    "Catalog_Goods?$top=2&$expand=Unit",
    "Document_SalesOrder?$format=json&$select=Number,Goods&$top=2",
    "Document_SalesOrder_Goods?$top=2",
    "AccumulationRegister_Stock/Balance()?$format=json",
    "InformationRegister_Prices?$top=2",
    "DocumentJournal_WarehouseDocuments?$format=json&$top=2",
    "Constant_CompanyName?$format=json",
    "$metadata",
])
def test_answering_requests_leaves_the_model_as_built(configuration, model, path):
    app = AsUser(ODataService(configuration, seeded_memory_provider(model, 10), model=model))
    before = snapshot(model)
    for _ in range(2):
        response = Request.blank("/" + path).get_response(app)
        assert response.status_code == 200, response.text
    assert snapshot(model) == before
