"""A mapped site's own rules: a mapping that does not fit the database fails every request the
same clear way until it is fixed (never stale views), and creates respect the site's column
defaults and NOT NULL constraints. SQLite only, by design: the mapped provider publishes a site's
own SQLite file."""

from __future__ import annotations

import json
import logging
import sqlite3

import pytest
from webob import Request

from infobase_odata import Attribute, Catalog, Configuration, ODataMiddleware
from infobase_odata.providers.mapped import MappedSQLiteProvider
from tests.conftest import assert_odata_error

SERVICE = "/books/odata/standard.odata/"
CONFIGURATION = Configuration("books", [
    Catalog(name="Books", code_length=0, description_length=100,
            attributes=[Attribute("Status", "String(10)"), Attribute("Isbn", "String(20)")]),
])
SCHEMA = """
CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'new',
                    isbn TEXT);
INSERT INTO books (title, isbn) VALUES ('Anna Karenina', '978-0');
"""
GOOD = {"namespace": "books.example.com",
        "objects": {"Catalog_Books": {"table": "books",
                                      "columns": {"Description": "title", "Status": "status", "Isbn": "isbn"}}}}


def broken() -> dict:
    mapping = json.loads(json.dumps(GOOD))
    mapping["objects"]["Catalog_Books"]["columns"]["Isbn"] = "isnb"
    return mapping


@pytest.fixture
def database(tmp_path) -> str:
    path = str(tmp_path / "books.db")
    connection = sqlite3.connect(path)
    connection.executescript(SCHEMA)
    connection.close()
    return path


def publish(database: str, mapping: dict, **settings) -> ODataMiddleware:
    return ODataMiddleware(None, CONFIGURATION, prefix="books",
                           provider=MappedSQLiteProvider.factory(database, mapping), **settings)


def call(app, method: str, path: str, body: dict | None = None):
    request = Request.blank(SERVICE + path, method=method, headers={"Accept": "application/json"})
    if body is not None:
        request.body = json.dumps(body).encode("utf-8")
        request.content_type = "application/json"
    return request.get_response(app)


def test_a_broken_mapping_fails_every_request_the_same_way_until_fixed(database, caplog):
    app = publish(database, broken())
    with caplog.at_level(logging.ERROR, logger="infobase_odata"):
        answers = [call(app, "GET", "Catalog_Books?$format=json") for _ in range(3)]
        answers.append(call(app, "POST", "Catalog_Books", {"Description": "War and Peace"}))
    bodies = {answer.body for answer in answers}
    assert len(bodies) == 1, bodies  # never "no such table" after the first request
    message = assert_odata_error(answers[0], 500, -1)
    assert "см. журнал сервера" in message
    logged = [r.getMessage() for r in caplog.records if "misconfigured" in r.getMessage()]
    assert len(logged) == 4
    assert "table books has no column isnb (did you mean isbn?)" in logged[0]
    assert "Catalog_Books" in logged[0]
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM books").fetchone()[0] == 1  # nothing written

    fixed = publish(database, GOOD)
    answer = call(fixed, "GET", "Catalog_Books?$format=json")
    assert answer.status_code == 200
    assert [row["Isbn"] for row in answer.json["value"]] == ["978-0"]


def test_views_of_an_earlier_mapping_are_never_served(database):
    assert call(publish(database, GOOD), "GET", "Catalog_Books").status_code == 200  # views exist now
    app = publish(database, broken())
    for _ in range(2):
        assert_odata_error(call(app, "GET", "Catalog_Books?$format=json"), 500, -1)


def test_debug_puts_the_mapping_error_into_the_message(database):
    message = assert_odata_error(call(publish(database, broken(), debug=True), "GET", "Catalog_Books"), 500, -1)
    assert "table books has no column isnb (did you mean isbn?)" in message


def test_a_create_keeps_the_sites_column_default(database):
    app = publish(database, GOOD)
    created = call(app, "POST", "Catalog_Books", {"Description": "War and Peace"})
    assert created.status_code == 201, created.body
    assert created.json["Status"] == "new"
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT status, isbn FROM books WHERE title = 'War and Peace'").fetchone()
    assert row == ("new", None)  # the default, and NULL (not '') where the site has no default


def test_a_given_value_overrides_the_default(database):
    created = call(publish(database, GOOD), "POST", "Catalog_Books", {"Description": "Dead Souls", "Status": "old"})
    assert created.status_code == 201 and created.json["Status"] == "old"


def test_a_missing_not_null_column_is_400_naming_the_property(database):
    app = publish(database, GOOD)
    message = assert_odata_error(call(app, "POST", "Catalog_Books", {"Status": "old"}), 400, 4)
    assert "Description" in message and "books.title" in message
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM books").fetchone()[0] == 1
