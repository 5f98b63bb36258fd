"""Long list query strings: a request at the limits answers on SQLite as on PostgreSQL, one over
them is a 400 InvalidRequest naming the limit. SQLite refused these statements (an expression
nested over 1,000 deep, a LIKE pattern over 50,000 bytes) and the OperationalError answered 503
"the portal's database is not answering"."""

from unittest import mock

import pytest
from django.db import OperationalError

from coreapi import models as m
from coreapi.querying import MAX_FILTER_VALUES, MAX_SEARCH_FIELDS, MAX_SEARCH_TERMS, MAX_VALUE_LENGTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(world):
    for i in range(3):
        m.Product.objects.create(marketplace=world.marketplace, oc_id=f"p{i}", name=f"Name {i}", active=True,
                                 xp={"color": f"c{i}"})  # fmt: skip


def get(world, token, query: str, path: str = "/v1/products"):
    return world.call("get", f"{path}?{query}", token)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [item["ID"] for item in response.json()["Items"]]


def refused(response) -> dict:
    assert response.status_code == 400, response.content[:500]
    error = response.json()["Errors"][0]
    assert error["ErrorCode"] == "InvalidRequest"
    return error


def alternatives(n: int, last: str = "p1", fmt: str = "x{i}") -> str:
    return "|".join([fmt.format(i=i) for i in range(n - 1)] + [last])


class TestAtTheLimits:
    """Each of these was a 503 on SQLite with a few hundred more terms; at the limits they work."""

    def test_an_or_list_of_the_most_values(self, world, admin_token, products):
        assert ids(get(world, admin_token, f"ID={alternatives(MAX_FILTER_VALUES)}")) == ["p1"]

    def test_an_or_list_of_negated_xp_values(self, world, admin_token, products):
        query = "xp.color=" + alternatives(MAX_FILTER_VALUES, last="!c1", fmt="!c1")
        assert ids(get(world, admin_token, query)) == ["p0", "p2"]

    def test_the_most_filters_each_a_wildcard(self, world, admin_token, products):
        query = "&".join(["Name=*e 1*"] * MAX_FILTER_VALUES)
        assert ids(get(world, admin_token, query)) == ["p1"]

    def test_the_most_search_words_in_the_most_fields_with_any_term(self, world, admin_token, products):
        words = "+".join([f"w{i}" for i in range(MAX_SEARCH_TERMS - 1)] + ["c2"])
        fields = ",".join([f"xp.f{i}" for i in range(MAX_SEARCH_FIELDS - 1)] + ["xp.color"])
        query = f"searchType=AnyTerm&search={words}&searchOn={fields}&" + "&".join(["Active=true"] * MAX_FILTER_VALUES)
        assert ids(get(world, admin_token, query)) == ["p2"]

    @pytest.mark.parametrize("path", ["/v1/products", "/v1/catalogs/cat/categories", "/v1/buyerusers"])
    def test_the_most_xp_has_value_filters_and_search_words(self, world, call, admin_token, products, path):
        """`xp.a=*` is three conditions (the key exists, is not null, is not ""): the largest filter."""
        call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog", "Active": True}, status=201)
        words = "+".join(f"w{i}" for i in range(MAX_SEARCH_TERMS))
        fields = ",".join(f"xp.f{i}" for i in range(MAX_SEARCH_FIELDS))
        query = "&".join(["xp.color=*"] * MAX_FILTER_VALUES) + f"&search={words}&searchOn={fields}"
        assert ids(get(world, admin_token, query, path)) == []

    def test_the_longest_wildcard_value_of_four_byte_characters(self, world, admin_token, products):
        assert ids(get(world, admin_token, "Name=*" + "😀" * (MAX_VALUE_LENGTH - 2) + "*")) == []
        assert ids(get(world, admin_token, "search=" + "%25" * MAX_VALUE_LENGTH)) == []

    def test_the_buyer_perspective(self, world, call, shopper, products):
        call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog", "Active": True}, status=201)
        call("post", "/v1/catalogs/assignments", {"CatalogID": "cat", "BuyerID": "buyer-1"}, status=204)
        token = world.token(username="shopper", client_id="buyer-client")
        words = "+".join(f"w{i}" for i in range(MAX_SEARCH_TERMS))
        fields = ",".join(f"xp.f{i}" for i in range(MAX_SEARCH_FIELDS))
        query = "&".join(["xp.color=*"] * MAX_FILTER_VALUES) + f"&search={words}&searchOn={fields}"
        for path in ("/v1/me/products", "/v1/me/categories", "/v1/me/catalogs"):
            assert ids(get(world, token, query, path)) == []


class TestOverTheLimits:
    def test_too_many_values_in_an_or_list(self, world, admin_token, products):
        error = refused(get(world, admin_token, f"ID={alternatives(1000)}"))
        assert error["Message"] == (
            f"Too many filter values: a list request may have at most {MAX_FILTER_VALUES} (each repeated filter and "
            "each | alternative counts); this one has 1000, 1000 of them for ID."
        )
        assert error["Data"] == {"Field": "ID", "Count": 1000, "Limit": MAX_FILTER_VALUES}

    def test_too_many_filters_counts_them_all(self, world, admin_token, products):
        query = "&".join(["Name=!x"] * 300 + ["xp.color=a|b"] * 150)  # 300 + 300
        error = refused(get(world, admin_token, query))
        assert "this one has 600, 300 of them for Name." in error["Message"]

    def test_a_filter_value_too_long(self, world, admin_token, products):
        error = refused(get(world, admin_token, "Name=*" + "a" * MAX_VALUE_LENGTH + "*"))
        assert error["Message"] == (
            f"Filter value for Name is too long: at most {MAX_VALUE_LENGTH} characters; this one has {MAX_VALUE_LENGTH + 2}."
        )
        assert error["Data"] == {"Field": "Name"}

    def test_a_search_too_long(self, world, admin_token, products):
        error = refused(get(world, admin_token, "search=" + "a" * 60_000))
        assert error["Message"] == f"search is too long: at most {MAX_VALUE_LENGTH} characters; this one has 60000."

    def test_too_many_search_fields(self, world, admin_token, products):
        fields = ",".join(f"xp.f{i}" for i in range(60))
        error = refused(get(world, admin_token, f"searchType=AnyTerm&search=a+b&searchOn={fields}"))
        assert error["Message"] == f"searchOn may name at most {MAX_SEARCH_FIELDS} fields; this one names 60."

    def test_a_repeated_search_field_counts_once(self, world, admin_token, products):
        assert ids(get(world, admin_token, "search=c0&searchOn=" + ",".join(["xp.color"] * 60))) == ["p0"]


def test_a_statement_sqlite_refuses_for_its_size_is_a_400_not_a_503(world, admin_token, products):
    """The backstop for whatever the limits above miss: too large is not 'the database is down'."""
    refusal = OperationalError("Expression tree is too large (maximum depth 1000)")
    with mock.patch("coreapi.resources.page_slice", side_effect=refusal):
        error = refused(get(world, admin_token, "ID=p1"))
    assert error["Message"].startswith("This request is too large for the database to run (Expression tree is too large)")
