"""The provider contract: the same behaviour from every provider (memory, SQLite)."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest

from infobase_odata import edm
from infobase_odata.query.ast import Binary, Call, Literal, Member, OrderBy, QueryOptions, SelectItem
from infobase_odata.stores import Conflict

from .conftest import CUSTOMER, GOODS, UNIT_PCS, make_provider, seed

NIL = edm.NIL_GUID


def keys(rows, name="Ref_Key"):
    return [r[name] for r in rows]


def member(entity_set, *path):
    """A Member resolved by hand, as the validator would."""
    return Member(tuple(path), resolved=(entity_set.entity_type.property(path[0]),))


# ---- create / get -------------------------------------------------------------------------------

def test_create_fills_empty_values(provider, model):
    goods = model.entity_set("Catalog_Goods")
    row = provider.create(goods, {"Description": "Шлепанцы"})
    assert list(row) == [p.name for p in goods.entity_type.properties] or set(row) == {
        p.name for p in goods.entity_type.properties}
    assert row["Description"] == "Шлепанцы"
    assert row["Price"] == Decimal("0") and isinstance(row["Price"], Decimal)
    assert row["Unit_Key"] == NIL and row["Parent_Key"] == NIL
    assert row["Kind"] == "" and row["Article"] == ""
    assert row["Code"] == "000000001"  # an empty code is assigned (test_writes_contract.py)
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


def test_values_round_trip_exactly(provider, model):
    goods = model.entity_set("Catalog_Goods")
    orders = model.entity_set("Document_SalesOrder")
    g = provider.create(goods, {"Description": "O'Neil", "Price": Decimal("1234567890123.45")})
    assert provider.get(goods, {"Ref_Key": g["Ref_Key"]})["Price"] == Decimal("1234567890123.45")
    when = dt.datetime(2016, 12, 26, 16, 0, 52)
    o = provider.create(orders, {"Date": when, "Total": Decimal("0.1"), "Comment": "Шлепанцы 'в' \"кавычках\""})
    stored = provider.get(orders, {"Ref_Key": o["Ref_Key"]})
    assert stored["Date"] == when and stored["Total"] == Decimal("0.10")
    assert stored["Comment"] == "Шлепанцы 'в' \"кавычках\""


def test_get_missing_is_none(provider, model):
    goods = model.entity_set("Catalog_Goods")
    assert provider.get(goods, {"Ref_Key": "99999999-0000-0000-0000-000000000000"}) is None


def test_data_version_changes_on_every_write(provider, model):
    goods = model.entity_set("Catalog_Goods")
    row = provider.create(goods, {"Description": "a"})
    updated = provider.update(goods, {"Ref_Key": row["Ref_Key"]}, {"Description": "b"})
    assert updated["DataVersion"] != row["DataVersion"]
    assert updated["Description"] == "b"


def test_get_many_one_round_trip(provider, model):
    refs = seed(provider, model)["goods"]
    goods = model.entity_set("Catalog_Goods")
    wanted = [refs[3], refs[0], "99999999-0000-0000-0000-000000000000"]
    rows = list(provider.get_many(goods, [{"Ref_Key": k} for k in wanted]))
    assert sorted(keys(rows)) == sorted(wanted[:2])
    lines = model.entity_set("Document_SalesOrder_Goods")
    found = list(provider.get_many(lines, [{"Ref_Key": "44444444-0000-0000-0000-000000000001", "LineNumber": 2}]))
    assert [(r["LineNumber"], r["Quantity"]) for r in found] == [(2, Decimal("1.125"))]


# ---- query --------------------------------------------------------------------------------------

def test_query_default_order_is_insertion_order_and_pages_repeat(provider, model):
    refs = seed(provider, model)["goods"]
    goods = model.entity_set("Catalog_Goods")
    all_rows = list(provider.query(goods, QueryOptions()).rows)
    assert keys(all_rows) == refs
    page = provider.query(goods, QueryOptions(top=2, skip=1, inlinecount=True))
    assert keys(page.rows) == refs[1:3]
    assert page.total == 5
    assert provider.query(goods, QueryOptions()).total is None
    assert keys(provider.query(goods, QueryOptions(skip=4)).rows) == refs[4:]
    assert list(provider.query(goods, QueryOptions(top=0)).rows) == []


# Keys in descending text order: insertion order and key order disagree everywhere.
DESCENDING = [f"{9 - i:08d}-0000-4000-8000-000000000000" for i in range(9)]


def test_default_order_is_insertion_order_not_key_order(provider, model):
    goods = model.entity_set("Catalog_Goods")
    for i, ref in enumerate(DESCENDING[:6]):
        provider.create(goods, {"Ref_Key": ref, "Description": f"g{i}"})
    provider.update(goods, {"Ref_Key": DESCENDING[2]}, {"Description": "changed"})  # keeps its place
    assert keys(provider.query(goods, QueryOptions()).rows) == DESCENDING[:6]
    price = member(goods, "Description")
    ordered = provider.query(goods, QueryOptions(orderby=(OrderBy(price),))).rows
    assert [r["Description"] for r in ordered] == ["changed", "g0", "g1", "g3", "g4", "g5"]


def test_skip_and_keyset_paging_visit_every_row_once_while_rows_are_inserted(provider, model):
    goods = model.entity_set("Catalog_Goods")
    for i, ref in enumerate(DESCENDING[:5]):
        provider.create(goods, {"Ref_Key": ref, "Description": f"g{i}"})
    inserts = iter(DESCENDING[5:])

    def insert_one():
        ref = next(inserts, None)
        if ref is not None:
            provider.create(goods, {"Ref_Key": ref, "Description": "new"})

    by_skip, skip = [], 0
    while page := keys(provider.query(goods, QueryOptions(top=2, skip=skip)).rows):
        by_skip += page
        skip += len(page)
        insert_one()
    assert by_skip == DESCENDING  # the new rows come last, nothing twice, nothing left out

    more = [f"{i:08d}-0000-4000-8000-0000000000ff" for i in range(3)]
    inserts = iter(more)
    by_key, after = [], None
    while page := keys(provider.query(goods, QueryOptions(top=2, after_key=after)).rows):
        by_key += page
        after = page[-1]
        insert_one()
    assert by_key == DESCENDING + more
    odd = Binary("ne", member(goods, "Description"), Literal("new", "Edm.String"), type="Edm.Boolean")
    filtered = keys(provider.query(goods, QueryOptions(filter=odd, after_key=DESCENDING[1])).rows)
    assert filtered == DESCENDING[2:5]


def test_orderby_then_key(provider, model):
    seed(provider, model)
    goods = model.entity_set("Catalog_Goods")
    price = member(goods, "Price")
    rows = list(provider.query(goods, QueryOptions(orderby=(OrderBy(price, descending=True),))).rows)
    assert [r["Price"] for r in rows] == sorted((g[2] for g in GOODS), reverse=True)
    unit = member(goods, "Unit_Key")
    rows = list(provider.query(goods, QueryOptions(orderby=(OrderBy(unit),))).rows)
    pairs = [(r["Unit_Key"], r["Ref_Key"]) for r in rows]
    assert pairs == sorted(pairs)


def test_orderby_strings_by_code_point(provider, model):
    seed(provider, model)
    goods = model.entity_set("Catalog_Goods")
    rows = provider.query(goods, QueryOptions(orderby=(OrderBy(member(goods, "Description")),))).rows
    names = [r["Description"] for r in rows]
    assert names == sorted(names)


def test_filter_and_restriction_are_anded(provider, model):
    seed(provider, model)
    goods = model.entity_set("Catalog_Goods")
    cheap = Binary("lt", member(goods, "Price"), Literal(Decimal("50"), "Edm.Decimal"))
    product = Binary("eq", member(goods, "Kind"), Literal("Product", "Edm.String"))
    result = provider.query(goods, QueryOptions(filter=cheap, inlinecount=True), restriction=product)
    assert [r["Description"] for r in result.rows] == ["Шлепанцы"]
    assert result.total == 1
    assert provider.count(goods, cheap) == 3
    assert provider.count(goods, cheap, restriction=product) == 1
    assert provider.count(goods, None) == 5


def test_filter_on_quotes_and_cyrillic(provider, model):
    seed(provider, model)
    goods = model.entity_set("Catalog_Goods")
    for text in ("O'Neil shirt", "Шлепанцы"):
        f = Binary("eq", member(goods, "Description"), Literal(text, "Edm.String"))
        assert [r["Description"] for r in provider.query(goods, QueryOptions(filter=f)).rows] == [text]
    f = Call("startswith", (member(goods, "Description"), Literal("Шл", "Edm.String")))
    assert provider.count(goods, f) == 1  # case-sensitive, as eq


def test_like_metacharacters_are_literal_in_startswith(provider, model):
    seed(provider, model)
    goods = model.entity_set("Catalog_Goods")
    article = member(goods, "Article")
    for needle, expected in (("100%", 1), ("100", 1), ("B_", 1), ("_", 0), ("%", 0)):
        f = Call("startswith", (article, Literal(needle, "Edm.String")))
        assert provider.count(goods, f) == expected, needle
    f = Call("substringof", (Literal("_", "Edm.String"), article))
    assert provider.count(goods, f) == 1
    f = Call("endswith", (article, Literal("%", "Edm.String")))
    assert provider.count(goods, f) == 1


# ---- tabular sections, constants, select --------------------------------------------------------

def test_tabular_sections_in_rows(provider, model):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    rows = {r["Number"]: r for r in provider.query(orders, QueryOptions()).rows}
    first = rows["000000001"]["Goods"]
    assert [line["LineNumber"] for line in first] == [1, 2]
    assert first[1]["Ref_Key"] == "44444444-0000-0000-0000-000000000001"
    assert first[1]["Quantity"] == Decimal("1.125") and first[1]["Amount"] == Decimal("112.49")
    assert rows["000000003"]["Goods"] == []


def test_select_double_star_skips_tabular_sections(provider, model):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    rows = list(provider.query(orders, QueryOptions(select=(SelectItem(("**",)),))).rows)
    assert rows and all("Goods" not in r for r in rows)
    rows = list(provider.query(orders, QueryOptions(select=(SelectItem(("Number",)),))).rows)
    assert all("Goods" not in r for r in rows)
    rows = list(provider.query(orders, QueryOptions(select=(SelectItem(("Goods", "Price")),))).rows)
    assert all("Goods" in r for r in rows)
    rows = list(provider.query(orders, QueryOptions(select=(SelectItem(("*",)),))).rows)
    assert all("Goods" in r for r in rows)


def test_tabular_section_set_reads_rows_of_all_owners(provider, model):
    seed(provider, model)
    lines = model.entity_set("Document_SalesOrder_Goods")
    rows = list(provider.query(lines, QueryOptions(inlinecount=True)).rows)
    assert [(r["Ref_Key"][-1], r["LineNumber"]) for r in rows] == [("1", 1), ("1", 2), ("2", 1)]
    assert provider.count(lines, None) == 3
    row = provider.get(lines, {"Ref_Key": "44444444-0000-0000-0000-000000000001", "LineNumber": 2})
    assert row["Price"] == Decimal("99.99")
    qty = Binary("gt", Member(("Quantity",), resolved=(lines.entity_type.property("Quantity"),)),
                 Literal(Decimal("1.5"), "Edm.Decimal"))
    assert provider.count(lines, qty) == 2


def test_constant_has_one_row_until_set(provider, model):
    const = model.entity_set("Constant_CompanyName")
    assert provider.get(const, {"SurrogateKey": 0}) == {"Value": "", "SurrogateKey": 0}
    assert list(provider.query(const, QueryOptions()).rows) == [{"Value": "", "SurrogateKey": 0}]
    provider.set_constant(const, "ООО «Ромашка»")
    assert provider.get(const, {"SurrogateKey": 0}) == {"Value": "ООО «Ромашка»", "SurrogateKey": 0}
    assert provider.count(const, None) == 1


# ---- writes -------------------------------------------------------------------------------------

def test_bulk_insert(provider, model):
    goods = model.entity_set("Catalog_Goods")
    n = provider.bulk_insert(goods, ({"Description": f"Товар {i}", "Price": Decimal(i) / 4} for i in range(1200)))
    assert n == 1200
    assert provider.count(goods, None) == 1200
    f = Binary("ge", member(goods, "Price"), Literal(Decimal("299.5"), "Edm.Decimal"))
    assert provider.count(goods, f) == 2  # 299.5 (rounded from 299.50) and 299.75
    orders = model.entity_set("Document_SalesOrder")
    provider.bulk_insert(orders, [{"Goods": [{"Quantity": Decimal(1)}, {"Quantity": Decimal(2)}]}] * 3)
    rows = list(provider.query(orders, QueryOptions()).rows)
    assert [len(r["Goods"]) for r in rows] == [2, 2, 2]
    assert [line["LineNumber"] for line in rows[0]["Goods"]] == [1, 2]


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


def test_rows_stream(provider, model):
    goods = model.entity_set("Catalog_Goods")
    provider.bulk_insert(goods, ({"Description": str(i)} for i in range(50)))
    rows = provider.query(goods, QueryOptions()).rows
    assert iter(rows) is rows and not isinstance(rows, (list, tuple))  # read once, while serializing
    assert sum(1 for _ in rows) == 50


def test_sqlite_file_is_reopened_by_a_new_provider(model, tmp_path):
    p = make_provider("sqlite", model, tmp_path)
    seed(p, model)
    p.close()
    again = make_provider("sqlite", model, tmp_path)
    assert again.count(model.entity_set("Catalog_Goods"), None) == 5
    assert again.get(model.entity_set("Catalog_Units"), {"Ref_Key": UNIT_PCS})["Description"] == "шт"


# ---- filters: expected results on both providers (parsed by the real parser) --------------------

from infobase_odata.query import parser  # noqa: E402

GOODS_FILTERS = [
    ("Price gt 5", {"Шлепанцы", "O'Neil shirt", "Ёлка"}),
    ("Price div 4 eq 3.125", {"Шлепанцы"}),
    ("Price div 3 gt 4.1666", {"Шлепанцы", "O'Neil shirt", "Ёлка"}),
    ("Price mul 2 eq 25", {"Шлепанцы"}),
    ("Price add 0.005 gt 12.504", {"Шлепанцы", "O'Neil shirt", "Ёлка"}),
    ("Price sub 1000000 gt 0", {"Ёлка"}),
    ("-Price gt 0", {"шлепанцы детские"}),
    ("round(Price) eq 13", {"Шлепанцы"}),
    ("round(Price) eq -3", {"шлепанцы детские"}),
    ("floor(Price) eq -4", {"шлепанцы детские"}),
    ("ceiling(Price) eq 13", {"Шлепанцы"}),
    ("Unit/Description eq 'шт'", {"Шлепанцы", "O'Neil shirt"}),
    ("Unit/Description eq null", {"Доставка", "Ёлка"}),
    ("not (Unit/Description eq 'шт')", {"Доставка", "Ёлка", "шлепанцы детские"}),
    ("not (Unit/Code gt '5')", {"шлепанцы детские"}),
    ("Unit_Key eq guid'11111111-0000-0000-0000-000000000002'", {"шлепанцы детские"}),
    ("Kind eq ''", {"шлепанцы детские"}),
    ("substringof('лепан', Description)", {"Шлепанцы", "шлепанцы детские"}),
    ("tolower(Description) eq 'шлепанцы'", {"Шлепанцы"}),
    ("toupper(Description) eq 'ЁЛКА'", {"Ёлка"}),
    ("length(Description) eq 4", {"Ёлка"}),
    ("indexof(Description, 'па') eq 3", {"Шлепанцы", "шлепанцы детские"}),
    ("substring(Description, 1, 3) eq 'леп'", {"Шлепанцы", "шлепанцы детские"}),
    ("substring(Description, 9) eq 'детские'", {"шлепанцы детские"}),
    ("concat(Article, '!') eq 'A-1!'", {"Шлепанцы"}),
    ("replace(Description, 'шт', 'x') eq 'O''Neil xirt'", set()),
    ("trim(concat(' ', Description)) eq 'Ёлка'", {"Ёлка"}),
    ("like(Description, 'Ш%')", {"Шлепанцы"}),
    ("like(Description, '[шШ]лепанцы%')", {"Шлепанцы", "шлепанцы детские"}),
    ("like(Description, '[^Ш]%')", {"O'Neil shirt", "Доставка", "шлепанцы детские", "Ёлка"}),
    ("like(Article, '_-1')", {"Шлепанцы", "шлепанцы детские"}),
    ("like(Article, '100[%]')", {"Доставка"}),
    # runs of % and _ (PostgreSQL collapses them: "at least n characters")
    ("like(Article, '%_%_%_')", {"Шлепанцы", "O'Neil shirt", "Доставка", "шлепанцы детские"}),
    ("like(Article, '_%_%_%_')", {"Доставка"}),
    ("like(Article, '%_%_%_%_%_x')", set()),
    ("like(Article, '_%1')", {"Шлепанцы", "шлепанцы детские"}),
    ("Price gt 5 and Kind eq 'Product' or Description eq 'Доставка'", {"Шлепанцы", "O'Neil shirt", "Ёлка", "Доставка"}),
    ("Description gt 'Я'", {"шлепанцы детские"}),  # code point order: Ё (U+0401) < А..Я < а..я
    # le (and its boundary), mod with a negative dividend (the sign of the dividend, as 1C and
    # SQLite's %), exact decimal mul, integer mod on the scaled column and on integers
    ("Price le 12.5", {"Шлепанцы", "Доставка", "шлепанцы детские"}),
    ("Price le -3.25", {"шлепанцы детские"}),
    ("not (Price le 99.99)", {"Ёлка"}),
    ("Price mod 2 eq -1.25", {"шлепанцы детские"}),
    ("Price mod 2 lt 0", {"шлепанцы детские"}),
    ("Price mod 5 eq 2.5", {"Шлепанцы"}),
    ("-Price mod 2 eq 1.25", {"шлепанцы детские"}),
    ("(0 sub length(Description)) mod 3 eq -1", {"Ёлка", "шлепанцы детские"}),
    ("-7 mod 3 eq -1 and Price eq 0", {"Доставка"}),
    ("Price mul 1.1 eq 13.75", {"Шлепанцы"}),
    ("Price mul -0.5 eq 1.625", {"шлепанцы детские"}),
    ("Price mul 0.01 eq 10000.0001", {"Ёлка"}),
    ("Price mul Price gt 9997", {"O'Neil shirt", "Ёлка"}),
    ("Description lt 'Д'", {"O'Neil shirt", "Ёлка"}),
]

ORDER_FILTERS = [
    ("year(Date) eq 2024 and month(Date) eq 2", {"000000002"}),
    ("day(Date) eq 31 and hour(Date) eq 10 and minute(Date) eq 30 and second(Date) eq 0", {"000000001"}),
    ("year(Date) eq 1", {"000000003"}),
    ("Date eq datetime'0001-01-01T00:00:00'", {"000000003"}),
    ("dateadd(Date, 'month', 1) eq datetime'2024-02-29T10:30:00'", {"000000001"}),
    ("dateadd(Date, 'day', 1) ge datetime'2024-03-01T00:00:00'", {"000000002"}),
    ("datedifference(Date, datetime'2024-03-01T00:00:00', 'day') eq 1", {"000000002"}),
    ("datedifference(Date, datetime'2024-03-01T00:00:00', 'month') eq 2", {"000000001"}),
    ("quarter(Date) eq 1 and dayofweek(Date) eq 3", {"000000001"}),
    ("dayofyear(Date) eq 60", {"000000002"}),
    ("Goods/any(d: d/Price gt 50)", {"000000001"}),
    ("Goods/any()", {"000000001", "000000002"}),
    ("Goods/all(d: d/Quantity ge 2)", {"000000002", "000000003"}),
    ("Goods/all(d: d/Quantity le 2)", {"000000001", "000000003"}),  # all() of no rows is true
    ("Goods/all(d: d/Price gt 0)", {"000000001", "000000003"}),
    ("Goods/all(d: d/Amount eq d/Price mul d/Quantity)", {"000000002", "000000003"}),
    ("Goods/any() and Goods/all(d: d/Product/Unit/Description eq 'шт')", {"000000001"}),
    ("not Goods/all(d: d/LineNumber le 1)", {"000000001"}),
    ("Goods/any(d: d/Product/Description eq 'Доставка')", {"000000002"}),
    ("Goods/any(d: d/Amount gt Total)", set()),
    ("isof(Basis, 'Catalog_Counterparties')", {"000000001"}),
    ("isof(Basis, 'String')", {"000000002"}),
    ("Basis eq cast(guid'22222222-0000-0000-0000-000000000001', 'Catalog_Counterparties')", {"000000001"}),
    ("Basis eq guid'22222222-0000-0000-0000-000000000001'", set()),
    ("Basis eq 'по звонку'", {"000000002"}),
    ("cast(Basis, 'Catalog_Counterparties')/INN eq '7700000000'", {"000000001"}),
    ("Customer/Description eq 'ООО Ромашка'", {"000000001"}),
    ("Total eq 137.49", {"000000001"}),
    ("Total div 0 eq 1", set()),
    ("Total div 0 eq null", {"000000001", "000000002", "000000003"}),
]


@pytest.mark.parametrize("text,expected", GOODS_FILTERS, ids=[t for t, _ in GOODS_FILTERS])
def test_goods_filters(provider, model, text, expected):
    seed(provider, model)
    goods = model.entity_set("Catalog_Goods")
    expr = parser.parse_filter(text, goods.entity_type, model)
    rows = provider.query(goods, QueryOptions(filter=expr, inlinecount=True))
    names = {r["Description"] for r in rows.rows}
    assert names == expected
    assert rows.total == len(expected) == provider.count(goods, expr)


@pytest.mark.parametrize("text,expected", ORDER_FILTERS, ids=[t for t, _ in ORDER_FILTERS])
def test_document_filters(provider, model, text, expected):
    seed(provider, model)
    orders = model.entity_set("Document_SalesOrder")
    expr = parser.parse_filter(text, orders.entity_type, model)
    assert {r["Number"] for r in provider.query(orders, QueryOptions(filter=expr)).rows} == expected


@pytest.mark.parametrize("text", ["Unit/Description desc,Description", "Price div 3 desc",
                                  "Kind,Price", "tolower(Description)", "Basis"])
def test_orderby_expressions_agree(model, tmp_path, text):
    goods = model.entity_set("Catalog_Goods")
    orders = model.entity_set("Document_SalesOrder")
    results = []
    for kind in ("memory", "sqlite"):
        p = make_provider(kind, model, tmp_path)
        seed(p, model)
        entity_set = orders if text == "Basis" else goods
        orderby = parser.parse_orderby(text, entity_set.entity_type, model)
        results.append(keys(p.query(entity_set, QueryOptions(orderby=orderby)).rows))
    assert results[0] == results[1]
