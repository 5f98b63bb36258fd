"""LIKE on SQLite (the embedded default) ignores the case of every letter, as PostgreSQL does, and
otherwise means what SQLite's own LIKE means (portal.common.sqlite)."""

import itertools
import sqlite3

import pytest
from django.db import connections

from accounts import selectors as account_selectors
from coreapi import models as m
from portal.common.sqlite import like
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_pattern_means_what_sqlites_own_like_means_on_ascii_text():
    """Over every pattern of up to 4 characters from `a b % _ \\` and values of up to 4 characters
    from `a b A`, with and without ESCAPE: the same answer as SQLite's C LIKE."""
    native = sqlite3.connect(":memory:")
    values = ["".join(v) for n in range(5) for v in itertools.product("abA", repeat=n)]
    patterns = ["".join(p) for n in range(5) for p in itertools.product("ab%_\\", repeat=n)]
    for pattern in patterns:
        for value in values:
            expected = native.execute("SELECT ? LIKE ?", (value, pattern)).fetchone()[0]
            assert like(pattern, value) == bool(expected), (pattern, value)
            expected = native.execute("SELECT ? LIKE ? ESCAPE '\\'", (value, pattern)).fetchone()[0]
            if pattern.endswith("\\") and not pattern.endswith("\\\\"):
                continue  # SQLite refuses a pattern ending in a lone escape; Django never builds one
            assert like(pattern, value, "\\") == bool(expected), (pattern, value, "escape")


def test_null_and_non_text_values():
    assert like("%a%", None) is None and like(None, "a") is None
    assert like("12%", 123) and not like("2%", 123)


def test_letters_beyond_ascii_match_in_any_case():
    assert like("%ünï%", "Carol Ünïcode") and like("ÉCOLE%", "école du Nord") and like("%straSSE", "Hauptstrasse")
    assert not like("%ünï%", "Carol Unicode")


def test_many_wildcards_do_not_backtrack():
    assert not like("%a%a%a%a%a%a%a%a%a%a%b", "a" * 5000)  # instant: each part matched once


def test_every_sqlite_connection_uses_it():
    """Whatever the test database is: a Django SQLite connection of its own (the embedded default's)."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    sqlite = DatabaseWrapper({**connections.settings["default"], "ENGINE": "django.db.backends.sqlite3",
                              "NAME": ":memory:", "OPTIONS": {}, "TEST": {}})
    try:
        with sqlite.cursor() as cursor:
            cursor.execute("SELECT 'Carol Ünïcode' LIKE '%ünï%', 'Ünïcode' LIKE 'ü\\_%' ESCAPE '\\', 'ab' LIKE 'A_'")
            assert cursor.fetchone() == (1, 0, 1)
    finally:
        sqlite.close()


def test_contributor_search_finds_a_name_with_accents_typed_in_lower_case():
    UserFactory(username="carol", name="Carol Ünïcode")
    assert [u.username for u in account_selectors.user_search(query="ünï")] == ["carol"]
    assert [u.username for u in account_selectors.user_search(query="ÜNÏ")] == ["carol"]


def test_core_api_search_and_wildcards_ignore_the_case_of_accented_letters():
    from coreapi.testing import core_world

    world = core_world(marketplace_id="mkt-unicode", client_id="c-uni")
    m.Product.objects.create(marketplace=world.marketplace, oc_id="p1", name="Ärmel Shirt")
    m.Product.objects.create(marketplace=world.marketplace, oc_id="p2", name="Armel Shirt")
    token = world.admin_token()
    for query in ("search=ärmel", "Name=ärm*", "Name=*ÄRMEL*"):
        response = world.call("get", f"/v1/products?{query}", token)
        assert response.status_code == 200, response.content
        assert [p["ID"] for p in response.json()["Items"]] == ["p1"], query
