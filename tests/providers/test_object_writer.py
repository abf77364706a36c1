"""The ``ObjectWriter`` contract (reference §8), on every provider implementing it: creates,
numbering, PATCH/PUT merges, DataVersion and If-Match, deletes and ``provider.transaction()``
rollbacks, with Cyrillic names and values.
"""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest

from infobase_odata import edm
from infobase_odata.errors import ODataError, from_store_error
from infobase_odata.stores import Busy, Conflict, Invalid, NotFound, ObjectWriter, Stale, StoreError

from .conftest import CUSTOMER, seed, store_fixture

NIL = edm.NIL_GUID
CURRENCIES = "Catalog_Валюты"
ORDER_1 = {"Ref_Key": "44444444-0000-0000-0000-000000000001"}


def currencies(model):
    return model.entity_set(CURRENCIES)


def error_of(call, *args, **kwargs) -> ODataError:
    """The store error ``call`` raises, as the service answers it (errors.from_store_error)."""
    with pytest.raises(StoreError) as info:
        call(*args, **kwargs)
    return from_store_error(info.value)


def test_store_errors_map_to_status_and_1c_code_in_one_place():
    answers = {type(e): (from_store_error(e).code, from_store_error(e).status)
               for e in (NotFound("Catalog_X"), Conflict("dup"), Stale("stale"), Busy("busy"), Invalid("bad"),
                         StoreError("other"))}
    assert answers == {NotFound: (9, 404), Conflict: (15, 409), Stale: (None, 412), Busy: (-1, 503),
                       Invalid: (4, 400), StoreError: (-1, 500)}


provider = store_fixture(ObjectWriter)
numbered = store_fixture(ObjectWriter, "numbering_model")


# ---- create -------------------------------------------------------------------------------------

def test_create_keeps_cyrillic_values_and_assigns_version_1_key(provider, model):
    row = provider.create(currencies(model), {"Description": "юань", "ПолноеНаименование": "Китайский юань"})
    assert row["ПолноеНаименование"] == "Китайский юань"
    assert len(base64.b64decode(row["DataVersion"])) == 8
    assert row["Ref_Key"][14] == "1"  # a version-1 UUID, like the platform's references
    assert provider.get(currencies(model), {"Ref_Key": row["Ref_Key"]}) == row


@pytest.mark.parametrize("ref", ["not-a-guid", "{41aa6331-954f-11e3-814b-005056c00008}",
                                 "41aa6331954f11e3814b005056c00008", "41aa6331-954f-11e3-814b-005056c0000"])
def test_client_ref_key_must_be_a_guid(provider, model, ref):
    error = error_of(provider.create, currencies(model), {"Ref_Key": ref, "Description": "x"})
    assert (error.code, error.status) == (4, 400) and "Ref_Key" in error.message
    assert provider.count(currencies(model), None) == 0


def test_duplicate_key_is_409_code_15_and_writes_nothing(provider, model):
    ref = "41AA6331-954F-11E3-814B-005056C00008"
    first = provider.create(currencies(model), {"Ref_Key": ref, "Description": "рубль", "Code": "643"})
    error = error_of(provider.create, currencies(model), {"Ref_Key": ref.lower(), "Description": "другой"})
    assert (error.code, error.status, error.localized("ru")) == (15, 409, "Сущность с таким ключом уже существует")
    assert provider.count(currencies(model), None) == 1
    assert provider.get(currencies(model), {"Ref_Key": ref}) == first


def test_duplicate_key_with_tabular_rows_leaves_the_stored_rows(provider, model):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    error = error_of(provider.create, orders, {**ORDER_1, "Goods": [{"LineNumber": 1, "Quantity": 9}]})
    assert error.code == 15
    assert [x["Quantity"] for x in provider.get(orders, ORDER_1)["Goods"]] == [Decimal("2"), Decimal("1.125")]
    assert provider.count(model.entity_set("Document_SalesOrder_Goods"), None) == 3


def test_codes_are_numbered_padded_and_continue_after_the_largest(provider, model):
    cur = currencies(model)
    codes = [provider.create(cur, {"Description": f"в{i}"})["Code"] for i in range(3)]
    assert codes == ["001", "002", "003"]
    provider.create(cur, {"Description": "доллар", "Code": "840"})
    provider.create(cur, {"Description": "буквы", "Code": "USD"})  # not numeric: ignored
    provider.create(cur, {"Description": "коротко", "Code": "9"})  # 9 < 840
    assert provider.create(cur, {"Description": "следующая"})["Code"] == "841"
    assert provider.create(cur, {"Description": "пробелы", "Code": "   "})["Code"] == "842"


def test_document_numbers_are_assigned(provider, model):
    seed(provider, model)  # numbers 000000001..000000003
    orders = model.entity_set("Document_SalesOrder")
    assert provider.create(orders, {"Comment": "новый"})["Number"] == "000000004"


def test_numbering_with_prefix_and_numeric_codes(numbered, numbering_model):
    stores = numbering_model.entity_set("Catalog_Склады")
    assert numbered.create(stores, {})["Code"] == "МС-00001"
    numbered.create(stores, {"Code": "МС-00041"})
    numbered.create(stores, {"Code": "ЮГ-00099"})  # another prefix: not counted
    assert numbered.create(stores, {})["Code"] == "МС-00042"
    accounts = numbering_model.entity_set("Catalog_Счета")
    assert numbered.create(accounts, {})["Code"] == 1
    numbered.create(accounts, {"Code": 77})
    assert numbered.create(accounts, {"Code": 0})["Code"] == 78
    acts = numbering_model.entity_set("Document_Акт")
    assert numbered.create(acts, {})["Number"] == "А00001"


def test_bulk_insert_numbers_after_codes_of_the_batch(numbered, numbering_model):
    stores = numbering_model.entity_set("Catalog_Склады")
    numbered.bulk_insert(stores, [{}, {"Code": "МС-00010"}, {}])
    codes = sorted(r["Code"] for r in numbered.query(stores, _all()).rows)
    assert codes == ["МС-00010", "МС-00011", "МС-00012"]


def test_numbering_inside_one_transaction_sees_updates_deletes_and_rollbacks(numbered, numbering_model):
    """Many creates in one transaction (a $batch change set) number exactly as one by one: a
    code changed by an update, a deleted last object and a rolled-back savepoint all count."""
    stores = numbering_model.entity_set("Catalog_Склады")
    with numbered.transaction():
        first = numbered.create(stores, {})
        assert numbered.create(stores, {})["Code"] == "МС-00002"
        numbered.update(stores, {"Ref_Key": first["Ref_Key"]}, {"Code": "МС-00050"})
        third = numbered.create(stores, {})
        assert third["Code"] == "МС-00051"
        numbered.delete(stores, {"Ref_Key": third["Ref_Key"]})
        assert numbered.create(stores, {})["Code"] == "МС-00051"
        with pytest.raises(RuntimeError):
            with numbered.transaction():
                assert numbered.create(stores, {})["Code"] == "МС-00052"
                raise RuntimeError("rolled back")
        assert numbered.create(stores, {})["Code"] == "МС-00052"
    assert numbered.create(stores, {})["Code"] == "МС-00053"
    codes = sorted(r["Code"] for r in numbered.query(stores, _all()).rows)
    assert codes == ["МС-00002", "МС-00050", "МС-00051", "МС-00052", "МС-00053"]


def test_numbering_overflow_is_an_error(provider, model):
    cur = currencies(model)
    provider.create(cur, {"Code": "999"})
    error = error_of(provider.create, cur, {"Description": "лишняя"})
    assert error.code == -1 and error.status == 500
    assert provider.count(cur, None) == 1


def test_tabular_rows_inline_belong_to_the_owner(provider, model):
    orders = model.entity_set("Document_SalesOrder")
    row = provider.create(orders, {"Goods": [{"LineNumber": 2, "Quantity": Decimal(3), "Ref_Key": NIL},
                                             {"LineNumber": "1", "Quantity": Decimal(1)}]})
    assert [(x["LineNumber"], x["Ref_Key"]) for x in row["Goods"]] == [(1, row["Ref_Key"]), (2, row["Ref_Key"])]
    assert provider.get(orders, {"Ref_Key": row["Ref_Key"]})["Goods"] == row["Goods"]


def test_duplicate_line_numbers_are_400_code_4(provider, model):
    orders = model.entity_set("Document_SalesOrder")
    error = error_of(provider.create, orders, {"Goods": [{"LineNumber": 1}, {"LineNumber": "1"}]})
    assert (error.code, error.status) == (4, 400) and "LineNumber" in error.message
    assert provider.count(orders, None) == 0


def test_creating_tabular_rows_directly_is_code_13(provider, model):
    lines = model.entity_set("Document_SalesOrder_Goods")
    error = error_of(provider.create, lines, {"Ref_Key": ORDER_1["Ref_Key"], "LineNumber": 1})
    assert (error.code, error.status) == (13, 400)
    assert error.localized("ru") == "Создание строк табличной части напрямую не поддерживается"


# ---- update -------------------------------------------------------------------------------------

def test_identical_patch_keeps_data_version(provider, model):
    cur = currencies(model)
    row = provider.create(cur, {"Description": "юань", "ПолноеНаименование": "Китайский юань"})
    key = {"Ref_Key": row["Ref_Key"]}
    same = provider.update(cur, key, {"ПолноеНаименование": "Китайский юань", "DataVersion": "AAAAAAAAAAA="})
    assert same == row
    # the lead's handler sends the whole previous row merged with the body
    assert provider.update(cur, key, dict(row))["DataVersion"] == row["DataVersion"]
    changed = provider.update(cur, key, {"ПолноеНаименование": "Жэньминьби"})
    assert changed["DataVersion"] != row["DataVersion"]
    assert changed["ПолноеНаименование"] == "Жэньминьби" and changed["Description"] == "юань"
    assert provider.get(cur, key) == changed


def test_tabular_change_alone_changes_data_version(provider, model):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    before = provider.get(orders, ORDER_1)
    same = provider.update(orders, ORDER_1, {"Goods": before["Goods"]})
    assert same["DataVersion"] == before["DataVersion"]
    lines = [dict(x) for x in before["Goods"]]
    lines[1]["Quantity"] = Decimal("3")
    changed = provider.update(orders, ORDER_1, {"Goods": lines})
    assert changed["DataVersion"] != before["DataVersion"]
    assert provider.get(orders, ORDER_1)["Goods"][1]["Quantity"] == Decimal("3.000")


def test_stale_if_match_is_412_and_changes_nothing(provider, model):
    cur = currencies(model)
    row = provider.create(cur, {"Description": "евро"})
    key = {"Ref_Key": row["Ref_Key"]}
    fresh = provider.update(cur, key, {"Description": "Евро"}, if_match=row["DataVersion"])
    error = error_of(provider.update, cur, key, {"Description": "EUR"}, if_match=row["DataVersion"])
    assert error.code is None and error.status == 412
    assert provider.get(cur, key) == fresh
    error = error_of(provider.update, cur, key, {"Description": "EUR"}, if_match=row["DataVersion"], replace=True)
    assert error.status == 412 and provider.get(cur, key) == fresh


def test_put_empties_properties_not_given(provider, model):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    before = provider.get(orders, ORDER_1)
    row = provider.update(orders, ORDER_1, {"Comment": "заменён"}, replace=True)
    assert row["Comment"] == "заменён"
    assert row["Customer_Key"] == NIL and row["Total"] == Decimal("0") and row["Date"] == dt.datetime(1, 1, 1)
    assert row["Basis"] == "" and row["Basis_Type"] == "StandardODATA.Undefined"
    assert row["Number"] == "" and row["Goods"] == []
    assert row["Ref_Key"] == before["Ref_Key"] and row["Posted"] == before["Posted"]
    assert provider.get(orders, ORDER_1) == row
    assert provider.count(model.entity_set("Document_SalesOrder_Goods"), None) == 1


def test_put_keeps_predefined_and_posted(provider, model):
    cur = currencies(model)
    row = provider.create(cur, {"Description": "рубль", "Predefined": True, "PredefinedDataName": "Рубль"})
    put = provider.update(cur, {"Ref_Key": row["Ref_Key"]}, {"Description": "Рубль"}, replace=True)
    assert (put["Predefined"], put["PredefinedDataName"], put["Code"]) == (True, "Рубль", "")
    orders = model.entity_set("Document_SalesOrder")
    order = provider.create(orders, {"Posted": True, "Comment": "проведён"})
    put = provider.update(orders, {"Ref_Key": order["Ref_Key"]}, {}, replace=True)
    assert put["Posted"] is True and put["Comment"] == ""


def test_patch_tabular_section_replaces_all_rows_or_keeps_them(provider, model):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    row = provider.update(orders, ORDER_1, {"Comment": "только шапка"})
    assert len(row["Goods"]) == 2
    row = provider.update(orders, ORDER_1, {"Goods": [{"LineNumber": 1, "Quantity": Decimal(5)},
                                                      {"LineNumber": 3, "Quantity": Decimal(6)}]})
    assert [(x["LineNumber"], x["Quantity"], x["Price"]) for x in row["Goods"]] == [
        (1, Decimal("5.000"), Decimal("0.00")), (3, Decimal("6.000"), Decimal("0.00"))]
    assert provider.get(orders, ORDER_1) == row
    row = provider.update(orders, ORDER_1, {"Goods": []})
    assert row["Goods"] == [] and provider.get(orders, ORDER_1)["Goods"] == []
    assert provider.count(model.entity_set("Document_SalesOrder_Goods"), None) == 1


def test_ref_key_cannot_change(provider, model):
    cur = currencies(model)
    row = provider.create(cur, {"Description": "фунт"})
    key = {"Ref_Key": row["Ref_Key"].upper()}
    assert provider.update(cur, key, {"Ref_Key": row["Ref_Key"].upper(), "Code": "826"})["Code"] == "826"
    other = "41aa6331-954f-11e3-814b-005056c00008"
    error = error_of(provider.update, cur, key, {"Ref_Key": other, "Description": "иное"})
    assert (error.code, error.status) == (4, 400)
    assert provider.get(cur, {"Ref_Key": other}) is None
    assert provider.get(cur, key)["Description"] == "фунт"


def test_update_and_delete_of_a_missing_entity_are_404(provider, model):
    missing = {"Ref_Key": "99999999-0000-0000-0000-000000000000"}
    for call, args in ((provider.update, (currencies(model), missing, {"Description": "x"})),
                       (provider.delete, (currencies(model), missing))):
        error = error_of(call, *args)
        assert (error.code, error.status) == (9, 404) and CURRENCIES in error.message


def test_duplicate_line_numbers_on_update_change_nothing(provider, model):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    before = provider.get(orders, ORDER_1)
    error = error_of(provider.update, orders, ORDER_1, {"Comment": "x", "Goods": [{"LineNumber": 2}, {"LineNumber": 2}]})
    assert error.code == 4 and provider.get(orders, ORDER_1) == before


# ---- delete, constants --------------------------------------------------------------------------

def test_delete_with_if_match(provider, model):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    version = provider.get(orders, ORDER_1)["DataVersion"]
    provider.update(orders, ORDER_1, {"Comment": "изменён"})
    error = error_of(provider.delete, orders, ORDER_1, if_match=version)
    assert error.status == 412 and error.code is None
    assert provider.get(orders, ORDER_1)["Comment"] == "изменён"
    assert provider.count(model.entity_set("Document_SalesOrder_Goods"), None) == 3
    provider.delete(orders, ORDER_1, if_match=provider.get(orders, ORDER_1)["DataVersion"])
    assert provider.get(orders, ORDER_1) is None
    assert provider.count(model.entity_set("Document_SalesOrder_Goods"), None) == 1


# ---- transactions -------------------------------------------------------------------------------

class Boom(Exception):
    pass


def test_rollback_after_create(provider, model):
    cur = currencies(model)
    with pytest.raises(Boom):
        with provider.transaction():
            row = provider.create(cur, {"Description": "временная"})
            assert provider.get(cur, {"Ref_Key": row["Ref_Key"]})["Description"] == "временная"
            assert provider.count(cur, None) == 1
            raise Boom()
    assert provider.get(cur, {"Ref_Key": row["Ref_Key"]}) is None
    assert provider.count(cur, None) == 0
    assert provider.create(cur, {})["Code"] == "001"  # the rolled-back code is free again


def test_rollback_after_update_and_delete(provider, model):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    before = provider.get(orders, ORDER_1)
    other = {"Ref_Key": "44444444-0000-0000-0000-000000000002"}
    with pytest.raises(Boom):
        with provider.transaction():
            provider.update(orders, ORDER_1, {"Comment": "новое", "Goods": []}, replace=True)
            provider.delete(orders, other)
            provider.set_constant(model.entity_set("Constant_CompanyName"), "временно")
            raise Boom()
    assert provider.get(orders, ORDER_1) == before
    assert provider.get(orders, other)["Goods"][0]["Quantity"] == Decimal("5.000")
    assert provider.count(model.entity_set("Document_SalesOrder_Goods"), None) == 3
    assert provider.get(model.entity_set("Constant_CompanyName"), {"SurrogateKey": 0})["Value"] == ""


def test_commit_and_a_caught_failure_inside(provider, model):
    cur = currencies(model)
    with provider.transaction():
        kept = provider.create(cur, {"Description": "сохранится"})
        with pytest.raises(Conflict):
            provider.create(cur, {"Ref_Key": kept["Ref_Key"]})
        with pytest.raises(Boom):
            with provider.transaction():  # nested: undone alone
                provider.create(cur, {"Description": "пропадёт"})
                raise Boom()
        provider.update(cur, {"Ref_Key": kept["Ref_Key"]}, {"ПолноеНаименование": "да"})
    assert [r["Description"] for r in provider.query(cur, _all()).rows] == ["сохранится"]
    assert provider.get(cur, {"Ref_Key": kept["Ref_Key"]})["ПолноеНаименование"] == "да"


def _all():
    from infobase_odata.query.ast import QueryOptions

    return QueryOptions()


def test_create_fills_empty_values(provider, model):
    goods = model.entity_set("Catalog_Goods")
    row = provider.create(goods, {"Description": "Шлепанцы"})
    assert list(row) == [p.name for p in goods.entity_type.properties] or set(row) == {
        p.name for p in goods.entity_type.properties}
    assert row["Description"] == "Шлепанцы"
    assert row["Price"] == Decimal("0") and isinstance(row["Price"], Decimal)
    assert row["Unit_Key"] == NIL and row["Parent_Key"] == NIL
    assert row["Kind"] == "" and row["Article"] == ""
    assert row["Code"] == "000000001"  # an empty code is assigned (the numbering tests above)
    assert row["Predefined"] is False and row["PredefinedDataName"] == ""
    assert row["DeletionMark"] is False and row["IsFolder"] is False
    assert len(base64.b64decode(row["DataVersion"])) == 8
    assert row["Ref_Key"] == row["Ref_Key"].lower() and row["Ref_Key"] != NIL
    assert provider.get(goods, {"Ref_Key": row["Ref_Key"]}) == row


def test_create_document_defaults_and_composite(provider, model):
    orders = model.entity_set("Document_SalesOrder")
    row = provider.create(orders, {})
    assert row["Date"] == dt.datetime(1, 1, 1)
    assert row["Posted"] is False and row["Number"] == "000000001"
    assert row["Basis"] == "" and row["Basis_Type"] == "StandardODATA.Undefined"
    assert row["Goods"] == []
    assert provider.get(orders, {"Ref_Key": row["Ref_Key"]}) == row


def test_client_ref_key_is_honoured_and_duplicates_refused(provider, model):
    goods = model.entity_set("Catalog_Goods")
    ref = "0C1B0D7A-8B27-11E6-80C4-0050569F2E9F"
    row = provider.create(goods, {"Ref_Key": ref, "Description": "x"})
    assert row["Ref_Key"] == ref.lower()
    with pytest.raises(Conflict):
        provider.create(goods, {"Ref_Key": ref})


def test_data_version_changes_on_every_write(provider, model):
    goods = model.entity_set("Catalog_Goods")
    row = provider.create(goods, {"Description": "a"})
    updated = provider.update(goods, {"Ref_Key": row["Ref_Key"]}, {"Description": "b"})
    assert updated["DataVersion"] != row["DataVersion"]
    assert updated["Description"] == "b"


def test_update_merges_and_replaces_tabular_sections(provider, model):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    key = {"Ref_Key": "44444444-0000-0000-0000-000000000001"}
    row = provider.update(orders, key, {"Comment": "второй"})
    assert row["Comment"] == "второй" and row["Customer_Key"] == CUSTOMER and len(row["Goods"]) == 2
    row = provider.update(orders, key, {"Goods": [{"LineNumber": 1, "Quantity": Decimal(7)}]})
    stored = provider.get(orders, key)
    assert stored == row
    assert [(x["LineNumber"], x["Quantity"]) for x in stored["Goods"]] == [(1, Decimal("7.000"))]
    assert provider.count(model.entity_set("Document_SalesOrder_Goods"), None) == 2


def test_delete_is_physical_with_tabular_rows(provider, model):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    provider.delete(orders, {"Ref_Key": "44444444-0000-0000-0000-000000000001"})
    assert provider.get(orders, {"Ref_Key": "44444444-0000-0000-0000-000000000001"}) is None
    assert provider.count(model.entity_set("Document_SalesOrder_Goods"), None) == 1

