"""Every store Protocol has its contract suite, run on every provider implementing it."""

from __future__ import annotations

import importlib

import pytest

from infobase_odata.stores import STORES, ObjectReader, ObjectWriter, RecordSetStore, VirtualTableStore

from .conftest import PROVIDERS, implementing

SUITES = {
    "ObjectReader": "test_object_reader",
    "ObjectWriter": "test_object_writer",
    "ConstantStore": "test_constant_store",
    "BulkLoader": "test_bulk_loader",
    "RecordSetStore": "test_record_set_store",
    "VirtualTableStore": "test_virtual_table_store",
    "CalculationStore": "test_calculation_store",
    "ExchangeStore": "test_exchange_store",
}


@pytest.mark.parametrize("protocol", STORES, ids=[p.__name__ for p in STORES])
def test_each_protocol_suite_runs_on_the_providers_implementing_it(protocol):
    suite = importlib.import_module(f"tests.providers.{SUITES[protocol.__name__]}")
    assert suite.provider.protocol is protocol
    assert suite.provider.providers == implementing(protocol)


def test_the_providers_and_their_protocols():
    assert implementing(ObjectReader) == implementing(ObjectWriter) == PROVIDERS
    assert implementing(RecordSetStore) == implementing(VirtualTableStore) == ["memory", "sqlite", "mapped",
                                                                               "postgresql"]
