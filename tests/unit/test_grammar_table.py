"""The grammar as a table: text -> expected AST, or text -> error code and character position."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from infobase_odata.errors import KEY_MISSING, PARSE_STRING, QUERY_OPTION, ODataError
from infobase_odata.query.ast import (Binary, Call, ExpandItem, KeyValue, Lambda, Literal, Member,
                                      OrderBy, SelectItem, Unary)
from infobase_odata.query.parser import (parse_function_parameters, parse_key_predicate,
                                         parse_literal)
from infobase_odata.query.visitor import SyntaxProblem, parse_tree

G1 = "8d04ce3c-6360-11e9-dd92-fa163e8ba11d"
G2 = "9d5c4222-8c4c-11db-a9b0-00055d49b45e"


def M(*path, variable=None, base=None):
    return Member(tuple(path), variable=variable, base=base)


def S(value):
    return Literal(value, "Edm.String")


def I(value):
    return Literal(value, "Edm.Int32")


def D(text):
    return Literal(Decimal(text), "Edm.Decimal")


def G(value=G1):
    return Literal(value, "Edm.Guid")


def DT(*parts):
    return Literal(dt.datetime(*parts), "Edm.DateTime")


def B(op, left, right):
    return Binary(op, left, right)


TRUE, FALSE, NULL = Literal(True, "Edm.Boolean"), Literal(False, "Edm.Boolean"), Literal(None, "Null")

# --- literals: text -> Literal ---------------------------------------------------------------
LITERALS = [
    ("null", NULL),
    ("true", TRUE),
    ("false", FALSE),
    ("0", I(0)),
    ("1", I(1)),
    ("-1", I(-1)),
    ("2147483647", I(2147483647)),
    ("-2147483648", I(-2147483648)),
    ("2147483648", Literal(2147483648, "Edm.Int64")),
    ("-2147483649", Literal(-2147483649, "Edm.Int64")),
    ("9223372036854775807", Literal(9223372036854775807, "Edm.Int64")),
    ("9223372036854775808", D("9223372036854775808")),
    ("5L", Literal(5, "Edm.Int64")),
    ("5l", Literal(5, "Edm.Int64")),
    ("007", I(7)),
    ("1.5", D("1.5")),
    ("-1.5", D("-1.5")),
    ("0.0", D("0.0")),
    ("150.50", D("150.50")),
    ("1.5M", D("1.5")),
    ("1.5m", D("1.5")),
    ("3M", D("3")),
    ("12345678901234567890.123456789", D("12345678901234567890.123456789")),
    ("1.5d", Literal(Decimal("1.5"), "Edm.Double")),
    ("2D", Literal(Decimal("2"), "Edm.Double")),
    ("2.25f", Literal(Decimal("2.25"), "Edm.Single")),
    ("''", S("")),
    ("'text'", S("text")),
    ("'it''s'", S("it's")),
    ("''''", S("'")),
    ("'Приходная'", S("Приходная")),
    ("'a b  c'", S("a b  c")),
    ("'(x)'", S("(x)")),
    ("'eq and or'", S("eq and or")),
    ("'line\nbreak'", S("line\nbreak")),
    ("'%_[]'", S("%_[]")),
    (f"guid'{G1}'", G(G1)),
    (f"guid'{G1.upper()}'", G(G1)),
    (f"GUID'{G2}'", G(G2)),
    ("guid'00000000-0000-0000-0000-000000000000'", G("00000000-0000-0000-0000-000000000000")),
    ("datetime'2008-02-05T00:00:00'", DT(2008, 2, 5)),
    ("datetime'2024-12-31T23:59:59'", DT(2024, 12, 31, 23, 59, 59)),
    ("datetime'0001-01-01T00:00:00'", DT(1, 1, 1)),
    ("datetime'2014-01-01'", DT(2014, 1, 1)),
    ("datetime'2014-01-01T10:30'", DT(2014, 1, 1, 10, 30)),
    ("datetime'2014-01-01T10:30:15.5'", DT(2014, 1, 1, 10, 30, 15, 500000)),
    ("datetime'2014-01-01T10:30:15.1234567'", DT(2014, 1, 1, 10, 30, 15, 123456)),
    ("datetimeoffset'2014-01-01T10:00:00Z'",
     Literal(dt.datetime(2014, 1, 1, 10, tzinfo=dt.timezone.utc), "Edm.DateTimeOffset")),
    ("datetimeoffset'2014-01-01T10:00:00+03:00'",
     Literal(dt.datetime(2014, 1, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=3))), "Edm.DateTimeOffset")),
    ("datetimeoffset'2014-01-01T10:00:00-05:30'",
     Literal(dt.datetime(2014, 1, 1, 10, tzinfo=dt.timezone(-dt.timedelta(hours=5, minutes=30))),
             "Edm.DateTimeOffset")),
    ("time'PT13H20M'", Literal(dt.timedelta(hours=13, minutes=20), "Edm.Time")),
    ("time'PT1H2M3S'", Literal(dt.timedelta(hours=1, minutes=2, seconds=3), "Edm.Time")),
    ("time'PT0S'", Literal(dt.timedelta(0), "Edm.Time")),
    ("time'P1DT2H'", Literal(dt.timedelta(days=1, hours=2), "Edm.Time")),
    ("time'13:20:00'", Literal(dt.timedelta(hours=13, minutes=20), "Edm.Time")),
    ("time'08:05'", Literal(dt.timedelta(hours=8, minutes=5), "Edm.Time")),
    ("X'0A0B'", Literal(b"\x0a\x0b", "Edm.Binary")),
    ("X''", Literal(b"", "Edm.Binary")),
    ("binary'ff00'", Literal(b"\xff\x00", "Edm.Binary")),
    ("binary'DEADBEEF'", Literal(b"\xde\xad\xbe\xef", "Edm.Binary")),
    ("  1  ", I(1)),
]

# --- bad literals: text -> position of the problem -------------------------------------------
BAD_LITERALS = [
    ("datetime'1-01-01T00:00:00'", 9),  # §2: 4-digit year required
    ("datetime'14-01-01T00:00:00'", 9),
    ("datetime'2014-13-01T00:00:00'", 9),
    ("datetime'2014-02-30'", 9),
    ("datetime'2014-01-01 00:00:00'", 9),
    ("datetime'2014-01-01T25:00:00'", 9),
    ("datetime''", 9),
    ("guid'xyz'", 5),
    ("guid'8d04ce3c-6360-11e9-dd92-fa163e8ba11'", 5),
    ("guid'8d04ce3c636011e9dd92fa163e8ba11d'", 5),
    ("guid''", 5),
    ("X'ABC'", 2),
    ("X'GG'", 2),
    ("binary'1'", 7),
    ("time'soon'", 5),
    ("time'25:00:00'", 5),
    ("datetimeoffset'2014-01-01T10:00:00'", 15),
    ("1.5L", 0),
    ("99999999999999999999L", 0),
    ("1e5", 0),
    ("1E5", 0),
    ("1.5e3", 0),
    ("'unterminated", 0),
    ("'a'b'", 3),
    ("1.", 0),
    (".5", 0),
    ("tru", 0),
    ("guid", 0),
    ("", 0),
    ("1 2", 2),
    ("1" * 9000, 0),
    ("-" + "9" * 65 + ".5", 0),
]

# --- $filter: text -> AST (grammar only; no model) -------------------------------------------
P, DESC, UNIT = M("Price"), M("Description"), M("Unit", "Description")
FILTERS = [
    ("Price gt 10", B("gt", P, I(10))),
    ("Price ge 10", B("ge", P, I(10))),
    ("Price lt 10", B("lt", P, I(10))),
    ("Price le 10", B("le", P, I(10))),
    ("Price eq 10", B("eq", P, I(10))),
    ("Price ne 10", B("ne", P, I(10))),
    ("Price eq -10", B("eq", P, I(-10))),
    ("Price eq 10.5", B("eq", P, D("10.5"))),
    ("Price eq null", B("eq", P, NULL)),
    ("Price   gt   10", B("gt", P, I(10))),
    ("  Price gt 10  ", B("gt", P, I(10))),
    ("Price\tgt\t10", B("gt", P, I(10))),
    ("10 lt Price", B("lt", I(10), P)),
    ("Description eq 'Гвозди'", B("eq", DESC, S("Гвозди"))),
    ("Наименование eq 'Гвозди'", B("eq", M("Наименование"), S("Гвозди"))),
    ("Цена_Закупки gt 1", B("gt", M("Цена_Закупки"), I(1))),
    ("_x eq 1", B("eq", M("_x"), I(1))),
    ("Поле1 eq 1", B("eq", M("Поле1"), I(1))),
    ("Контрагент/ИНН eq '7700000000'", B("eq", M("Контрагент", "ИНН"), S("7700000000"))),
    ("Валюта/ОсновнаяВалюта_Key eq guid'" + G1 + "'",
     B("eq", M("Валюта", "ОсновнаяВалюта_Key"), G())),
    ("Контрагент_Key eq guid'" + G1 + "'", B("eq", M("Контрагент_Key"), G())),
    ("Unit/Description eq 'pcs'", B("eq", UNIT, S("pcs"))),
    ("Unit/Parent/Parent/Code eq '1'", B("eq", M("Unit", "Parent", "Parent", "Code"), S("1"))),
    ("Date gt datetime'2024-01-01T00:00:00'", B("gt", M("Date"), DT(2024, 1, 1))),
    ("Date ge datetime'2024-01-01'", B("ge", M("Date"), DT(2024, 1, 1))),
    ("Posted eq true", B("eq", M("Posted"), TRUE)),
    ("Posted eq false", B("eq", M("Posted"), FALSE)),
    ("Posted", M("Posted")),
    ("not", M("not")),
    ("true", TRUE),
    ("not Posted", Unary("not", M("Posted"))),
    ("not not Posted", Unary("not", Unary("not", M("Posted")))),
    ("not(Posted)", Unary("not", M("Posted"))),
    ("not (Price gt 1)", Unary("not", B("gt", P, I(1)))),
    ("notes eq 1", B("eq", M("notes"), I(1))),
    ("order eq 1", B("eq", M("order"), I(1))),
    ("android eq 1", B("eq", M("android"), I(1))),
    ("-Price lt 0", B("lt", Unary("-", P), I(0))),
    ("- Price lt 0", B("lt", Unary("-", P), I(0))),
    ("- 5 lt Price", B("lt", Unary("-", I(5)), P)),
    ("-(Price) lt 0", B("lt", Unary("-", P), I(0))),
    ("Price sub -5 gt 0", B("gt", B("sub", P, I(-5)), I(0))),
    ("a eq 1 and b eq 2", B("and", B("eq", M("a"), I(1)), B("eq", M("b"), I(2)))),
    ("a eq 1 or b eq 2", B("or", B("eq", M("a"), I(1)), B("eq", M("b"), I(2)))),
    ("a or b and c", B("or", M("a"), B("and", M("b"), M("c")))),
    ("a and b or c", B("or", B("and", M("a"), M("b")), M("c"))),
    ("a or b or c", B("or", B("or", M("a"), M("b")), M("c"))),
    ("a and b and c", B("and", B("and", M("a"), M("b")), M("c"))),
    ("(a or b) and c", B("and", B("or", M("a"), M("b")), M("c"))),
    ("a and (b or c)", B("and", M("a"), B("or", M("b"), M("c")))),
    ("((((a))))", M("a")),
    ("( a )", M("a")),
    ("not a and b", B("and", Unary("not", M("a")), M("b"))),
    ("not a or not b", B("or", Unary("not", M("a")), Unary("not", M("b")))),
    ("a eq b eq c", B("eq", B("eq", M("a"), M("b")), M("c"))),
    ("a eq 1 ne true", B("ne", B("eq", M("a"), I(1)), TRUE)),
    ("a lt 1 eq true", B("eq", B("lt", M("a"), I(1)), TRUE)),
    ("a eq b lt c", B("eq", M("a"), B("lt", M("b"), M("c")))),
    ("a add b mul c", B("add", M("a"), B("mul", M("b"), M("c")))),
    ("a mul b add c", B("add", B("mul", M("a"), M("b")), M("c"))),
    ("a sub b sub c", B("sub", B("sub", M("a"), M("b")), M("c"))),
    ("a div b mul c", B("mul", B("div", M("a"), M("b")), M("c"))),
    ("a mod 2 eq 0", B("eq", B("mod", M("a"), I(2)), I(0))),
    ("(a add b) mul c", B("mul", B("add", M("a"), M("b")), M("c"))),
    ("a add b gt c sub d", B("gt", B("add", M("a"), M("b")), B("sub", M("c"), M("d")))),
    ("-a mul b", B("mul", Unary("-", M("a")), M("b"))),
    ("Price mul Quantity gt 100.5", B("gt", B("mul", P, M("Quantity")), D("100.5"))),
    ("startswith(Description,'A')", Call("startswith", (DESC, S("A")))),
    ("startswith( Description , 'A' )", Call("startswith", (DESC, S("A")))),
    ("endswith(Description,'z') eq true", B("eq", Call("endswith", (DESC, S("z"))), TRUE)),
    ("substringof('ab', Description)", Call("substringof", (S("ab"), DESC))),
    ("like(Description,'%[А-Я]_')", Call("like", (DESC, S("%[А-Я]_")))),
    ("substring(Description,1) eq 'b'", B("eq", Call("substring", (DESC, I(1))), S("b"))),
    ("substring(Description,1,2) eq 'bc'", B("eq", Call("substring", (DESC, I(1), I(2))), S("bc"))),
    ("concat(Description,'x') eq 'ax'", B("eq", Call("concat", (DESC, S("x"))), S("ax"))),
    ("concat(concat(a,b),c) eq ''",
     B("eq", Call("concat", (Call("concat", (M("a"), M("b"))), M("c"))), S(""))),
    ("length(Description) gt 3", B("gt", Call("length", (DESC,)), I(3))),
    ("indexof(Description,'b') eq 1", B("eq", Call("indexof", (DESC, S("b"))), I(1))),
    ("replace(Description,'a','b') eq 'b'", B("eq", Call("replace", (DESC, S("a"), S("b"))), S("b"))),
    ("tolower(Description) eq 'a'", B("eq", Call("tolower", (DESC,)), S("a"))),
    ("toupper(Description) eq 'A'", B("eq", Call("toupper", (DESC,)), S("A"))),
    ("trim(Description) eq 'a'", B("eq", Call("trim", (DESC,)), S("a"))),
    ("year(Date) eq 2024", B("eq", Call("year", (M("Date"),)), I(2024))),
    ("month(Date) eq 2", B("eq", Call("month", (M("Date"),)), I(2))),
    ("day(Date) eq 2", B("eq", Call("day", (M("Date"),)), I(2))),
    ("hour(Date) eq 2", B("eq", Call("hour", (M("Date"),)), I(2))),
    ("minute(Date) eq 2", B("eq", Call("minute", (M("Date"),)), I(2))),
    ("second(Date) eq 2", B("eq", Call("second", (M("Date"),)), I(2))),
    ("dayofweek(Date) eq 2", B("eq", Call("dayofweek", (M("Date"),)), I(2))),
    ("dayofyear(Date) eq 2", B("eq", Call("dayofyear", (M("Date"),)), I(2))),
    ("quarter(Date) eq 2", B("eq", Call("quarter", (M("Date"),)), I(2))),
    ("dateadd(Date,'day',1) gt datetime'2024-01-01'",
     B("gt", Call("dateadd", (M("Date"), S("day"), I(1))), DT(2024, 1, 1))),
    ("datedifference(Date,datetime'2024-01-01','day') lt 7",
     B("lt", Call("datedifference", (M("Date"), DT(2024, 1, 1), S("day"))), I(7))),
    ("round(Price) eq 2", B("eq", Call("round", (P,)), I(2))),
    ("floor(Price) eq 2", B("eq", Call("floor", (P,)), I(2))),
    ("ceiling(Price) eq 2", B("eq", Call("ceiling", (P,)), I(2))),
    ("isof('Catalog_Goods')", Call("isof", (S("Catalog_Goods"),))),
    ("isof(Basis,'Document_GoodsReceipt')", Call("isof", (M("Basis"), S("Document_GoodsReceipt")))),
    ("isof(Basis,'StandardODATA.Document_GoodsReceipt')",
     Call("isof", (M("Basis"), S("StandardODATA.Document_GoodsReceipt")))),
    (f"Basis eq cast(guid'{G1}','Document_GoodsReceipt')",
     B("eq", M("Basis"), Call("cast", (G(), S("Document_GoodsReceipt"))))),
    ("ДокументПрихода eq cast(guid'" + G1 + "','Document_ПриходнаяНакладная')",
     B("eq", M("ДокументПрихода"), Call("cast", (G(), S("Document_ПриходнаяНакладная"))))),
    ("cast(Price,'String') eq '1'", B("eq", Call("cast", (P, S("String"))), S("1"))),
    ("cast(Basis,'Document_GoodsReceipt')/Number eq '1'",
     B("eq", M("Number", base=Call("cast", (M("Basis"), S("Document_GoodsReceipt")))), S("1"))),
    ("cast(cast(Basis,'Document_GoodsReceipt')/Warehouse,'Catalog_Warehouses')/Description eq 'x'",
     B("eq", M("Description", base=Call("cast", (
         M("Warehouse", base=Call("cast", (M("Basis"), S("Document_GoodsReceipt")))),
         S("Catalog_Warehouses")))), S("x"))),
    ("cast(Basis,'Catalog_Counterparties')/Manager/Description eq 'x'",
     B("eq", M("Manager", "Description", base=Call("cast", (M("Basis"), S("Catalog_Counterparties")))),
       S("x"))),
    ("Goods/any(d: d/Price gt 10)",
     Lambda(M("Goods"), "any", "d", B("gt", M("d", "Price", variable="d"), I(10)))),
    ("Goods/any(d:d/Price gt 10)",
     Lambda(M("Goods"), "any", "d", B("gt", M("d", "Price", variable="d"), I(10)))),
    ("Goods/all(d: d/Price lt 10000)",
     Lambda(M("Goods"), "all", "d", B("lt", M("d", "Price", variable="d"), I(10000)))),
    ("Goods/any()", Lambda(M("Goods"), "any", None, None)),
    ("Goods/any( )", Lambda(M("Goods"), "any", None, None)),
    ("Товары/any(т: т/Цена gt 10000)",
     Lambda(M("Товары"), "any", "т", B("gt", M("т", "Цена", variable="т"), I(10000)))),
    ("RecordSet/any(r: r/Amount gt 0)",
     Lambda(M("RecordSet"), "any", "r", B("gt", M("r", "Amount", variable="r"), I(0)))),
    ("Goods/any(d: d/Product/Description eq 'x')",
     Lambda(M("Goods"), "any", "d", B("eq", M("d", "Product", "Description", variable="d"), S("x")))),
    ("Goods/any(d: d/Price gt Total)",
     Lambda(M("Goods"), "any", "d", B("gt", M("d", "Price", variable="d"), M("Total")))),
    ("Goods/any(d: startswith(d/Name,'x'))",
     Lambda(M("Goods"), "any", "d", Call("startswith", (M("d", "Name", variable="d"), S("x"))))),
    ("not Goods/any()", Unary("not", Lambda(M("Goods"), "any", None, None))),
    ("Goods/any() and Posted", B("and", Lambda(M("Goods"), "any", None, None), M("Posted"))),
    ("Doc/Goods/any(d: d/x eq 1)",
     Lambda(M("Doc", "Goods"), "any", "d", B("eq", M("d", "x", variable="d"), I(1)))),
    ("Goods/any(d: d/Sub/any(e: e/y eq d/z))",
     Lambda(M("Goods"), "any", "d", Lambda(M("d", "Sub", variable="d"), "any", "e",
                                           B("eq", M("e", "y", variable="e"), M("d", "z", variable="d"))))),
    ("Goods/any(d: d/x eq 1) or Goods/all(d: d/x eq 2)",
     B("or", Lambda(M("Goods"), "any", "d", B("eq", M("d", "x", variable="d"), I(1))),
       Lambda(M("Goods"), "all", "d", B("eq", M("d", "x", variable="d"), I(2))))),
    ("Goods/count(d: d/x eq 1)",
     Lambda(M("Goods"), "count", "d", B("eq", M("d", "x", variable="d"), I(1)))),
    ("Kind eq 'Product'", B("eq", M("Kind"), S("Product"))),
    ("RecordType eq 'Receipt'", B("eq", M("RecordType"), S("Receipt"))),
    ("Kind eq ''", B("eq", M("Kind"), S(""))),
    ("Description eq 'O''Brien'", B("eq", DESC, S("O'Brien"))),
    ("Description eq 'a and b or c'", B("eq", DESC, S("a and b or c"))),
    ("Description eq '(('", B("eq", DESC, S("(("))),
    (f"Ид eq guid'{G2}'", B("eq", M("Ид"), G(G2))),
    ("Data eq X'00FF'", B("eq", M("Data"), Literal(b"\x00\xff", "Edm.Binary"))),
    ("Amount eq 5L", B("eq", M("Amount"), Literal(5, "Edm.Int64"))),
    ("Amount eq 5.0M", B("eq", M("Amount"), D("5.0"))),
    ("Amount eq 5d", B("eq", M("Amount"), Literal(Decimal(5), "Edm.Double"))),
]

# Every comparison and arithmetic operator, each with a Cyrillic left side, to cover the levels.
for _op in ("eq", "ne", "gt", "ge", "lt", "le"):
    FILTERS.append((f"Сумма {_op} 100", B(_op, M("Сумма"), I(100))))
    FILTERS.append((f"Сумма {_op} 100 and Флаг", B("and", B(_op, M("Сумма"), I(100)), M("Флаг"))))
for _op in ("add", "sub", "mul", "div", "mod"):
    FILTERS.append((f"Сумма {_op} 2 gt 1", B("gt", B(_op, M("Сумма"), I(2)), I(1))))
    FILTERS.append((f"1 lt Сумма {_op} 2", B("lt", I(1), B(_op, M("Сумма"), I(2)))))
for _text, _lit in LITERALS[:60]:
    if "\n" not in _text:
        FILTERS.append((f"X eq {_text.strip()}", B("eq", M("X"), _lit)))

# --- $filter syntax errors: text -> position ---------------------------------------------------
BAD_FILTERS = [
    ("Price in (1,2)", 6),
    ("Price gt", 8),
    ("Price gt ", 9),
    ("gt 10", 3),
    ("Price gt 10 and", 15),
    ("Price gt 10 and ", 16),
    ("(Price gt 10", 12),
    ("Price gt 10)", 11),
    ("Price gt 1e5", 9),
    ("Price gt 1.5e3", 9),
    ("Price eq 'abc", 9),
    ("Price eq abc'", 12),
    ("Price  10", 7),
    ("Price eq 10 10", 12),
    ("Price == 10", 6),
    ("Price = 10", 6),
    ("Price > 10", 6),
    ("Price eq 10 && Posted", 12),
    ("Price eq 10 AND Posted", 12),
    ("Price EQ 10", 6),
    ("Priceeq 10", 8),
    ("Price eq10", 6),
    ("Price eq 10and Posted", 9),
    ("startswith(Description,'A'", 26),
    ("startswith(Description,,'A')", 23),
    ("startswith(,'A')", 11),
    ("Goods/any(d d/Price gt 1)", 12),
    ("Goods/any(d: )", 13),
    ("Unit/", 5),
    ("/Unit eq 1", 0),
    ("Unit//Description eq 'x'", 5),
    ("Price eq guid'bad'", 14),
    ("Date gt datetime'1-01-01T00:00:00'", 17),
    ("Date gt datetime'2024-01-32T00:00:00'", 17),
    ("Date gt datetime'2024-01-01T00:00:00", 16),
    ("Data eq X'ABC'", 10),
    ("Price eq 1.5L", 9),
    ("", 0),
    ("   ", 3),
    ("()", 1),
    ("Price eq -", 10),
    ("Price eq 1 or", 13),
    ("Price eq 1 xor Posted", 11),
    ("Price eq 1, Posted", 10),
    ("1Price eq 1", 0),
    ("Price.Name eq 1", 5),
    ("$it eq 1", 0),
    ("Price eq 10 asc", 12),
]

# --- $orderby -------------------------------------------------------------------------------
ORDERBY = [
    ("Price", (OrderBy(P),)),
    ("Price asc", (OrderBy(P),)),
    ("Price desc", (OrderBy(P, True),)),
    ("Price desc,Code", (OrderBy(P, True), OrderBy(M("Code")))),
    ("Price desc, Code asc", (OrderBy(P, True), OrderBy(M("Code")))),
    ("Контрагент/ИНН asc", (OrderBy(M("Контрагент", "ИНН")),)),
    ("Date desc, Number desc", (OrderBy(M("Date"), True), OrderBy(M("Number"), True))),
    ("year(Date) desc", (OrderBy(Call("year", (M("Date"),)), True),)),
    ("Price mul 2", (OrderBy(B("mul", P, I(2))),)),
    (" Price ", (OrderBy(P),)),
    ("ascending", (OrderBy(M("ascending")),)),
    ("descr desc", (OrderBy(M("descr"), True),)),
    ("Unit/Description,Price desc", (OrderBy(UNIT), OrderBy(P, True))),
]
BAD_ORDERBY = [
    ("Price descending", 6),
    ("Price desc desc", 11),
    ("Price,", 6),
    (",Price", 0),
    ("Price asc,", 10),
    ("", 0),
]

# --- $select / $expand ------------------------------------------------------------------------
SELECT = [
    ("*", ("*",)),
    ("**", ("**",)),
    ("Ref_Key", ("Ref_Key",)),
    ("Ref_Key,Description", ("Ref_Key",), ("Description",)),
    ("Ref_Key, Код", ("Ref_Key",), ("Код",)),
    ("*,Контрагент____Presentation", ("*",), ("Контрагент____Presentation",)),
    ("*____Presentation", ("*____Presentation",)),
    ("*,*____Presentation", ("*",), ("*____Presentation",)),
    ("Ref_Key,Presentation", ("Ref_Key",), ("Presentation",)),
    ("Goods/Price", ("Goods", "Price")),
    ("RecordSet/Amount", ("RecordSet", "Amount")),
    ("Unit/*", ("Unit", "*")),
    ("Unit/**", ("Unit", "**")),
    ("Unit/Description", ("Unit", "Description")),
    ("Comp/Document_Y/Field/**", ("Comp", "Document_Y", "Field", "**")),
    ("Товары/Цена, Наименование", ("Товары", "Цена"), ("Наименование",)),
    ("  Ref_Key  ,  Description  ", ("Ref_Key",), ("Description",)),
]
BAD_SELECT = [
    ("", 0), (",", 0), ("Ref_Key,", 8), ("Ref_Key,,Code", 8), ("Unit/", 5), ("/Unit", 0),
    ("***", 2), ("Ref Key", 4), ("Ref_Key Code", 8), ("a/b c", 4), ("Price gt 1", 6),
]
EXPAND = [
    ("Unit", ("Unit",)),
    ("*", ("*",)),
    ("Unit/*", ("Unit", "*")),
    ("Unit/Parent", ("Unit", "Parent")),
    ("Unit,Parent", ("Unit",), ("Parent",)),
    ("Unit, Parent", ("Unit",), ("Parent",)),
    ("Basis/Document_GoodsReceipt/Customer", ("Basis", "Document_GoodsReceipt", "Customer")),
    ("Договор/Document_ДоговорНайма/Заявление", ("Договор", "Document_ДоговорНайма", "Заявление")),
    ("Сертификат", ("Сертификат",)),
]
BAD_EXPAND = [("", 0), ("Unit/", 5), ("**", 1), ("Unit,", 5), ("Unit Parent", 5), ("Unit/**", 6)]

# --- key predicates ---------------------------------------------------------------------------
KEYS = [
    (f"guid'{G1}'", (KeyValue(None, G()),)),
    (f" guid'{G1}' ", (KeyValue(None, G()),)),
    (f"Ref_Key=guid'{G1}'", (KeyValue("Ref_Key", G()),)),
    (f"Ref_Key=guid'{G1}',LineNumber=1", (KeyValue("Ref_Key", G()), KeyValue("LineNumber", I(1)))),
    (f"Ref_Key=guid'{G1}', LineNumber=1", (KeyValue("Ref_Key", G()), KeyValue("LineNumber", I(1)))),
    (f"Ref_Key = guid'{G1}' , LineNumber = 1",
     (KeyValue("Ref_Key", G()), KeyValue("LineNumber", I(1)))),
    (f"Period=datetime'2008-02-05T00:00:00',Валюта_Key=guid'{G2}'",
     (KeyValue("Period", DT(2008, 2, 5)), KeyValue("Валюта_Key", G(G2)))),
    (f"Товар_Key=guid'{G1}',ТипЦены='Приходная'",
     (KeyValue("Товар_Key", G()), KeyValue("ТипЦены", S("Приходная")))),
    ("0", (KeyValue(None, I(0)),)),
    ("SurrogateKey=0", (KeyValue("SurrogateKey", I(0)),)),
    ("'text'", (KeyValue(None, S("text")),)),
    ("'it''s'", (KeyValue(None, S("it's")),)),
    ("Recorder='x',Recorder_Type='StandardODATA.Document_Y'",
     (KeyValue("Recorder", S("x")), KeyValue("Recorder_Type", S("StandardODATA.Document_Y")))),
    ("Code=5L", (KeyValue("Code", Literal(5, "Edm.Int64")),)),
    ("Flag=true", (KeyValue("Flag", TRUE),)),
    ("Price=1.5", (KeyValue("Price", D("1.5")),)),
    (f"Recorder_Key=guid'{G1}',LineNumber=12", (KeyValue("Recorder_Key", G()), KeyValue("LineNumber", I(12)))),
]
BAD_KEYS = [
    ("", KEY_MISSING, None),
    ("   ", KEY_MISSING, None),
    ("Ref_Key=", KEY_MISSING, 8),
    ("Ref_Key", KEY_MISSING, 7),
    ("=guid'x'", KEY_MISSING, 0),
    (f"guid'{G1}',LineNumber=1", KEY_MISSING, 42),
    (f"Ref_Key=guid'{G1}',", KEY_MISSING, 51),
    (f"Ref_Key=guid'{G1}';LineNumber=1", KEY_MISSING, 50),
    ("a=1,a=2", KEY_MISSING, None),
    ("guid'nope'", PARSE_STRING, 5),
    ("Period=datetime'08-02-05T00:00:00'", PARSE_STRING, 16),
    ("'unterminated", KEY_MISSING, 0),
    ("1e5", KEY_MISSING, 0),
    ("Ref_Key eq guid'x'", KEY_MISSING, 8),
]

# --- function parameters ----------------------------------------------------------------------
PARAMS = [
    ("", {}),
    ("Period=datetime'2008-02-05T00:00:00'", {"Period": DT(2008, 2, 5)}),
    (f"Period=datetime'2008-01-01T00:00:00',Condition='Валюта_Key eq guid'{G1}''",
     {"Period": DT(2008, 1, 1), "Condition": S(f"Валюта_Key eq guid'{G1}'")}),
    (f"Condition='Валюта_Key eq guid''{G1}'''", {"Condition": S(f"Валюта_Key eq guid'{G1}'")}),
    (f"Condition='Валюта_Key eq guid'{G1}'',Period=datetime'2008-01-01'",
     {"Condition": S(f"Валюта_Key eq guid'{G1}'"), "Period": DT(2008, 1, 1)}),
    ("StartPeriod=datetime'2014-01-01T00:00:00',EndPeriod=datetime'2014-02-01T00:00:00'",
     {"StartPeriod": DT(2014, 1, 1), "EndPeriod": DT(2014, 2, 1)}),
    ("Period=datetime'2024-01-01T00:00:00', Dimensions='Номенклатура,Склад'",
     {"Period": DT(2024, 1, 1), "Dimensions": S("Номенклатура,Склад")}),
    ("Condition='A eq 'x' and B eq 'y''", {"Condition": S("A eq 'x' and B eq 'y'")}),
    ("Condition='Name eq ''O''''Brien'''", {"Condition": S("Name eq 'O''Brien'")}),
    ("Condition='Amount gt 5'", {"Condition": S("Amount gt 5")}),
    (f"AccountCondition='Account_Key eq guid'{G1}'',Condition='ExtDimension1 eq cast(guid'{G2}','Catalog_Контрагенты')'",
     {"AccountCondition": S(f"Account_Key eq guid'{G1}'"),
      "Condition": S(f"ExtDimension1 eq cast(guid'{G2}','Catalog_Контрагенты')")}),
    ("Top=10", {"Top": I(10)}),
]
BAD_PARAMS = ["Period=", "=1", "Period datetime'2008-01-01'", "Period=datetime'2008-13-01'",
              "A=1,A=2", "A=1,", "Condition='x"]


def _parse(rule, text):
    return parse_tree(rule, text).value


@pytest.mark.parametrize("text,expected", LITERALS, ids=[t for t, _ in LITERALS])
def test_literal(text, expected):
    assert parse_literal(text) == expected
    assert type(parse_literal(text).value) is type(expected.value)


@pytest.mark.parametrize("text,position", BAD_LITERALS)
def test_bad_literal(text, position):
    with pytest.raises(ODataError) as info:
        parse_literal(text)
    assert info.value.code == PARSE_STRING and info.value.status == 400
    assert f"at position {position}:" in info.value.message


@pytest.mark.parametrize("text,expected", FILTERS, ids=[t for t, _ in FILTERS])
def test_filter(text, expected):
    assert _parse("filter", text) == expected


@pytest.mark.parametrize("text,position", BAD_FILTERS)
def test_bad_filter(text, position):
    with pytest.raises(SyntaxProblem) as info:
        _parse("filter", text)
    assert info.value.position == position, info.value.message


@pytest.mark.parametrize("text,expected", ORDERBY)
def test_orderby(text, expected):
    assert _parse("orderby", text) == expected


@pytest.mark.parametrize("text,position", BAD_ORDERBY)
def test_bad_orderby(text, position):
    with pytest.raises(SyntaxProblem) as info:
        _parse("orderby", text)
    assert info.value.position == position


@pytest.mark.parametrize("case", SELECT, ids=[c[0] for c in SELECT])
def test_select(case):
    text, *paths = case
    assert _parse("select", text) == tuple(SelectItem(p) for p in paths)


@pytest.mark.parametrize("text,position", BAD_SELECT)
def test_bad_select(text, position):
    with pytest.raises(SyntaxProblem) as info:
        _parse("select", text)
    assert info.value.position == position


@pytest.mark.parametrize("case", EXPAND, ids=[c[0] for c in EXPAND])
def test_expand(case):
    text, *paths = case
    assert _parse("expand", text) == tuple(ExpandItem(p) for p in paths)


@pytest.mark.parametrize("text,position", BAD_EXPAND)
def test_bad_expand(text, position):
    with pytest.raises(SyntaxProblem) as info:
        _parse("expand", text)
    assert info.value.position == position


@pytest.mark.parametrize("text,expected", KEYS, ids=[t for t, _ in KEYS])
def test_key_predicate(text, expected):
    assert parse_key_predicate(text) == expected


@pytest.mark.parametrize("text,code,position", BAD_KEYS)
def test_bad_key_predicate(text, code, position):
    with pytest.raises(ODataError) as info:
        parse_key_predicate(text)
    assert info.value.code == code and info.value.status == 400
    if position is not None:
        assert f"at position {position}:" in info.value.message


@pytest.mark.parametrize("text,expected", PARAMS, ids=[t for t, _ in PARAMS])
def test_function_parameters(text, expected):
    assert parse_function_parameters(text) == expected


@pytest.mark.parametrize("text", BAD_PARAMS)
def test_bad_function_parameters(text):
    with pytest.raises(ODataError) as info:
        parse_function_parameters(text)
    assert info.value.status == 400 and info.value.code == PARSE_STRING


def test_table_is_large_enough():
    total = sum(map(len, (LITERALS, BAD_LITERALS, FILTERS, BAD_FILTERS, ORDERBY, BAD_ORDERBY, SELECT,
                          BAD_SELECT, EXPAND, BAD_EXPAND, KEYS, BAD_KEYS, PARAMS, BAD_PARAMS)))
    assert total >= 300


def test_in_operator_message():
    with pytest.raises(SyntaxProblem) as info:
        _parse("filter", "Price in (1,2)")
    assert "in" in info.value.message
    assert QUERY_OPTION == 14
