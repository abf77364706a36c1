"""The ``ConstantStore`` contract (reference §8.5): a constant has its one row from the start,
and ``set_constant`` replaces its value, on every provider implementing the Protocol."""

from __future__ import annotations

from infobase_odata.query.ast import QueryOptions
from infobase_odata.stores import ConstantStore

from .conftest import store_fixture

provider = store_fixture(ConstantStore)


def test_constant_has_one_row_until_set(provider, model):
    const = model.entity_set("Constant_CompanyName")
    assert provider.get(const, {"SurrogateKey": 0}) == {"Value": "", "SurrogateKey": 0}
    assert list(provider.query(const, QueryOptions()).rows) == [{"Value": "", "SurrogateKey": 0}]
    provider.set_constant(const, "ООО «Ромашка»")
    assert provider.get(const, {"SurrogateKey": 0}) == {"Value": "ООО «Ромашка»", "SurrogateKey": 0}
    assert provider.count(const, None) == 1


def test_set_constant_ignores_if_match(provider, model):
    const = model.entity_set("Constant_CompanyName")
    row = provider.set_constant(const, "ООО «Ромашка»", if_match="AAAAAAAAAAA=")
    assert row == {"Value": "ООО «Ромашка»", "SurrogateKey": 0}
    assert provider.update(const, {"SurrogateKey": 0}, {"Value": "ИП Иванов"})["Value"] == "ИП Иванов"
    assert provider.get(const, {"SurrogateKey": 0})["Value"] == "ИП Иванов"

