"""List conventions: paging, Meta, search/searchOn, sortBy, filters and their errors."""

import itertools
import re

import pytest

from coreapi import models as m
from coreapi.querying import _wildcard_regex

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(world):
    rows = [
        ("p1", "Apple", 1, True, {"color": "red", "size": 3, "tags": {"season": "fall"}}),
        ("p2", "Banana", 2, True, {"color": "yellow", "size": 5}),
        ("p3", "Cherry", 3, False, {"color": "red", "size": 1}),
        ("p4", "Date", 4, True, {"color": "brown", "size": 10}),
        ("p5", "Elderberry", 5, False, {}),
    ]
    for oc_id, name, qty, active, xp in rows:
        m.Product.objects.create(
            marketplace=world.marketplace, oc_id=oc_id, name=name, quantity_multiplier=qty, active=active, xp=xp
        )


def ids(world, token, query: str) -> list[str]:
    response = world.call("get", f"/v1/products?{query}", token)
    assert response.status_code == 200, response.content
    return [item["ID"] for item in response.json()["Items"]]


def bad(world, token, query: str) -> dict:
    response = world.call("get", f"/v1/products?{query}", token)
    assert response.status_code == 400, response.content
    item = response.json()["Errors"][0]
    assert item["ErrorCode"] == "InvalidRequest"
    return item


class TestPaging:
    def test_meta(self, world, admin_token, products):
        body = world.call("get", "/v1/products?pageSize=2&page=2", admin_token).json()
        assert [i["ID"] for i in body["Items"]] == ["p3", "p4"]
        assert body["Meta"] == {"Page": 2, "PageSize": 2, "TotalCount": 5, "TotalPages": 3, "ItemRange": [3, 4], "NextPageKey": None}

    def test_defaults(self, world, admin_token, products):
        meta = world.call("get", "/v1/products", admin_token).json()["Meta"]
        assert (meta["Page"], meta["PageSize"]) == (1, 20)

    def test_page_beyond_the_end_is_empty_with_correct_meta(self, world, admin_token, products):
        body = world.call("get", "/v1/products?page=9&pageSize=2", admin_token).json()
        assert body["Items"] == []
        assert (body["Meta"]["TotalCount"], body["Meta"]["TotalPages"], body["Meta"]["Page"]) == (5, 3, 9)

    def test_huge_page_number_is_not_a_server_error(self, world, admin_token, products):
        assert ids(world, admin_token, "page=99999999999999999999999") == []

    @pytest.mark.parametrize("query", ["pageSize=0", "pageSize=101", "pageSize=-1", "page=0", "page=abc", "pageSize=1.5"])
    def test_bad_paging_is_invalid_request(self, world, admin_token, query):
        bad(world, admin_token, query)

    @pytest.mark.parametrize(
        "query, message, data",
        [
            ("page=abc", "page must be an integer of at least 1.", {"Parameter": "page", "Value": "abc"}),
            ("page=0", "page must be an integer of at least 1.", {"Parameter": "page", "Value": 0}),
            ("pageSize=1e2", "pageSize must be an integer between 1 and 100.", {"Parameter": "pageSize", "Value": "1e2"}),
            ("pageSize=101", "pageSize must be an integer between 1 and 100.", {"Parameter": "pageSize", "Value": 101}),
        ],
    )
    def test_bad_paging_answers_alike_whatever_is_wrong(self, world, admin_token, query, message, data):
        item = bad(world, admin_token, query)
        assert (item["Message"], item["Data"]) == (message, data)

    def test_page_size_100_is_allowed(self, world, admin_token, products):
        assert world.call("get", "/v1/products?pageSize=100", admin_token).status_code == 200


class TestFilters:
    @pytest.mark.parametrize(
        "query,expected",
        [
            ("Name=Apple", ["p1"]),
            ("Name=B*", ["p2"]),
            ("Name=*rr*", ["p3", "p5"]),
            ("Name=*y", ["p3", "p5"]),
            ("Name=E*b*y", ["p5"]),
            ("Name=!Apple", ["p2", "p3", "p4", "p5"]),
            ("Name=Apple|Date", ["p1", "p4"]),
            ("QuantityMultiplier=>3", ["p4", "p5"]),
            ("QuantityMultiplier=>=3", ["p3", "p4", "p5"]),
            ("QuantityMultiplier=<2", ["p1"]),
            ("QuantityMultiplier=<=2", ["p1", "p2"]),
            ("QuantityMultiplier=>1&QuantityMultiplier=<4", ["p2", "p3"]),
            ("Active=true", ["p1", "p2", "p4"]),
            ("Active=false", ["p3", "p5"]),
            ("ID=p2", ["p2"]),
            ("xp.color=red", ["p1", "p3"]),
            ("xp.color=!red", ["p2", "p4", "p5"]),
            ("xp.color=r*", ["p1", "p3"]),
            ("xp.size=5", ["p2"]),
            ("xp.size=>4", ["p2", "p4"]),
            ("xp.tags.season=fall", ["p1"]),
            ("xp.color=red|yellow", ["p1", "p2", "p3"]),
        ],
    )
    def test_operators(self, world, admin_token, products, query, expected):
        assert sorted(ids(world, admin_token, query)) == expected

    @pytest.mark.parametrize(
        "query,expected",
        [
            # SQLite's REGEXP (Python's re) backtracked: ~6 s each on 120 a's before, at once now
            ("Name=a*a*a*a*a*a*b", ["w2"]),
            ("Name=a*a*a*a*a*a*c", []),
            ("Name=*ab*ba*", ["w3"]),  # parts in order, not overlapping
            ("Name=ab*ba", []),
            ("Name=*a*b*a*", ["w3"]),  # an a after the b: not "a...ab"
            ("Name=a**b", ["w2"]),
        ],
    )
    def test_several_wildcards_in_one_value(self, world, admin_token, query, expected):
        for oc_id, name in (("w1", "a" * 120), ("w2", "a" * 120 + "b"), ("w3", "xxaba-ba")):
            m.Product.objects.create(marketplace=world.marketplace, oc_id=oc_id, name=name)
        assert sorted(ids(world, admin_token, query)) == expected

    def test_the_sqlite_wildcard_regex_accepts_what_the_plain_one_does(self):
        # the form SQLite runs (leftmost match of each middle part, never reconsidered) against the
        # plain `^a.*b.*c$`, over every pattern of up to 6 characters of a, b, * and values up to 6
        patterns = ["".join(p) for n in range(1, 7) for p in itertools.product("ab*", repeat=n)]
        values = ["".join(v) for n in range(7) for v in itertools.product("ab", repeat=n)]
        for pattern in (p for p in patterns if "*" in p.strip("*")):
            plain = re.compile(_wildcard_regex(pattern, atomic=False))
            atomic = re.compile(_wildcard_regex(pattern, atomic=True))
            assert [bool(plain.search(v)) for v in values] == [bool(atomic.search(v)) for v in values], pattern

    def test_text_equals_in_any_letter_case_as_wildcards_do(self, world, admin_token, products):
        assert ids(world, admin_token, "Name=apple") == ["p1"] == ids(world, admin_token, "Name=APP*")
        assert ids(world, admin_token, "ID=P2") == ["p2"]
        assert ids(world, admin_token, "Name=!banana&Active=true") == ["p1", "p4"]
        assert ids(world, admin_token, "xp.color=RED") == ["p1", "p3"]
        assert ids(world, admin_token, "xp.size=5") == ["p2"]  # numbers as before

    def test_a_date_without_a_time_is_that_whole_day(self, world, admin_token):
        from datetime import UTC, datetime

        made = {"eve": datetime(2024, 4, 30, 23, 59, 59, tzinfo=UTC), "midnight": datetime(2024, 5, 1, tzinfo=UTC),
                "afternoon": datetime(2024, 5, 1, 15, 30, tzinfo=UTC), "next": datetime(2024, 5, 2, tzinfo=UTC)}
        for oc_id, at in made.items():
            m.Product.objects.create(marketplace=world.marketplace, oc_id=oc_id, name=oc_id, date_created=at)

        def dated(query):
            return sorted(ids(world, admin_token, f"{query}&pageSize=100"))

        # "made on 1 May" is the whole day, not only its first instant
        assert dated("DateCreated=2024-05-01") == ["afternoon", "midnight"]
        assert dated("DateCreated=!2024-05-01") == ["eve", "next"]
        assert dated("DateCreated=<=2024-05-01") == ["afternoon", "eve", "midnight"]
        assert dated("DateCreated=>2024-05-01") == ["next"]
        assert dated("DateCreated=<2024-05-01") == ["eve"]
        assert dated("DateCreated=>=2024-05-01") == ["afternoon", "midnight", "next"]
        assert dated("DateCreated=2024-04-30|2024-05-02") == ["eve", "next"]
        # a time given is an instant, as before
        assert dated("DateCreated=2024-05-01T15:30:00Z") == ["afternoon"]
        assert dated("DateCreated=>2024-05-01T00:00:00Z") == ["afternoon", "next"]

    def test_unknown_filter_field(self, world, admin_token):
        item = bad(world, admin_token, "Colour=red")
        assert "Invalid filter field: Colour" in item["Message"]

    @pytest.mark.parametrize("query", ["Active=maybe", "QuantityMultiplier=lots", "DateCreated=yesterday", "QuantityMultiplier=3*", "xp.a..b=1", "xp.=1"])
    def test_bad_filter_values(self, world, admin_token, query):
        bad(world, admin_token, query)


class TestSortAndSearch:
    def test_sort_by_and_descending(self, world, admin_token, products):
        assert ids(world, admin_token, "sortBy=!QuantityMultiplier") == ["p5", "p4", "p3", "p2", "p1"]
        assert ids(world, admin_token, "sortBy=Active,!Name") == ["p5", "p3", "p4", "p2", "p1"]

    def test_sort_by_xp(self, world, admin_token, products):
        assert ids(world, admin_token, "sortBy=xp.size&xp.size=>0") == ["p3", "p1", "p2", "p4"]

    def test_bad_sort_field(self, world, admin_token):
        assert "Invalid sortBy field: Nope" in bad(world, admin_token, "sortBy=Nope")["Message"]

    def test_search_and_search_on(self, world, admin_token, products):
        assert sorted(ids(world, admin_token, "search=err")) == ["p3", "p5"]
        assert ids(world, admin_token, "search=p4&searchOn=ID") == ["p4"]
        assert ids(world, admin_token, "search=p4&searchOn=Name") == []

    def test_bad_search_on(self, world, admin_token):
        bad(world, admin_token, "search=x&searchOn=Bogus")

    def test_other_marketplaces_rows_are_never_listed(self, world, admin_token, products):
        from coreapi.testing import core_world

        other = core_world(marketplace_id="mkt-two", client_id="c2")
        m.Product.objects.create(marketplace=other.marketplace, oc_id="theirs", name="Theirs")
        assert "theirs" not in ids(world, admin_token, "pageSize=100")


class TestValueOrNoValue:
    """`Field=*` has a value, `Field=!*` has none (null, missing xp key, JSON null; empty text), as
    the SDK documents: "!" with "*" filters for the absence of a value."""

    @pytest.fixture
    def rows(self, world):
        mp = world.marketplace
        m.Product.objects.create(marketplace=mp, oc_id="a", name="A", description="has text", ship_weight=0,
                                 xp={"flag": True, "sub": {"k": 1}, "blank": ""})  # fmt: skip
        m.Product.objects.create(marketplace=mp, oc_id="b", name="B", xp={"flag": None, "sub": None})
        m.Product.objects.create(marketplace=mp, oc_id="c", name="C", ship_weight=2.5, xp={"sub": {"k": None}})

    @pytest.mark.parametrize(
        "query,expected",
        [
            ("Description=!*", ["b", "c"]),
            ("Description=*", ["a"]),
            ("ShipWeight=!*", ["b"]),
            ("ShipWeight=*", ["a", "c"]),  # 0 is a value
            ("Active=*", ["a", "b", "c"]),  # never null
            ("Active=!*", []),
            ("xp.flag=!*", ["b", "c"]),  # JSON null and missing
            ("xp.flag=*", ["a"]),
            ("xp.sub=!*", ["b"]),
            ("xp.sub.k=!*", ["b", "c"]),
            ("xp.sub.k=*", ["a"]),
            ("xp.blank=*", []),
            ("xp.Nope=!*", ["a", "b", "c"]),
            ("Description=!*|has*", ["a", "b", "c"]),
            ("ShipWeight=!*|>1", ["b", "c"]),
        ],
    )
    def test_value_and_no_value(self, world, admin_token, rows, query, expected):
        assert sorted(ids(world, admin_token, query)) == expected

    def test_other_wildcards_still_need_a_text_field(self, world, admin_token):
        assert "wildcards work on text fields only" in bad(world, admin_token, "ShipWeight=2*")["Message"]


class TestSearchTypes:
    @pytest.fixture
    def rows(self, world):
        mp = world.marketplace
        m.Product.objects.create(marketplace=mp, oc_id="red-shirt", name="Red shirt", description="cotton")
        m.Product.objects.create(marketplace=mp, oc_id="blue-hoodie", name="Blue hoodie", description="warm and red-lined")
        m.Product.objects.create(marketplace=mp, oc_id="red-hoodie", name="Red hoodie", xp={"Color": "Crimson"})
        m.Product.objects.create(marketplace=mp, oc_id="socks", name="Socks", description="red hoodie matching socks")

    @pytest.mark.parametrize(
        "query,expected",
        [
            ("search=red hoodie", ["blue-hoodie", "red-hoodie", "socks"]),  # default: every word, any field
            ("search=red hoodie&searchType=AllTermsAnyField", ["blue-hoodie", "red-hoodie", "socks"]),
            ("search=red hoodie&searchType=AnyTerm", ["blue-hoodie", "red-hoodie", "red-shirt", "socks"]),
            ("search=red hoodie&searchType=AllTermsSameField", ["red-hoodie", "socks"]),
            ("search=red hoodie&searchType=ExactPhrase", ["red-hoodie", "socks"]),
            ("search=red hoodie&searchType=ExactPhrase&searchOn=Name", ["red-hoodie"]),
            ("search=crim&searchOn=Name,xp.Color", ["red-hoodie"]),
            ("search=RED&searchOn=ID", ["red-hoodie", "red-shirt"]),
        ],
    )
    def test_search_types(self, world, admin_token, rows, query, expected):
        assert sorted(ids(world, admin_token, query)) == expected

    def test_bad_search_type_names_the_values(self, world, admin_token):
        message = bad(world, admin_token, "search=x&searchType=Fuzzy")["Message"]
        assert message == ("Invalid searchType: Fuzzy. Possible values: AnyTerm, AllTermsAnyField, AllTermsSameField, "
                           "ExactPhrase, ExactPhrasePrefix.")  # fmt: skip

    def test_search_on_lists_xp_among_the_fields(self, world, admin_token):
        assert bad(world, admin_token, "search=x&searchOn=Bogus")["Message"] == (
            "Invalid searchOn field: Bogus. Searchable fields: ID, Name, Description, xp.*."
        )

    def test_too_many_words(self, world, admin_token):
        assert bad(world, admin_token, "search=" + "+".join(f"w{i}" for i in range(21)))["Message"] == (
            "search may have at most 20 words."
        )


def _sdk_list_fields(model_file: str) -> dict[str, list[str]]:
    """{"Webhooks.List": ["ID", "Name", ...]} from the SDK's Searchable.d.ts / Sortable.d.ts (the
    fields its TypeScript types offer for searchOn / sortBy; '!Name' entries dropped)."""
    import re

    from tests.sdk.harness import ensure_sdk_installed

    text = (ensure_sdk_installed() / "ordercloud-javascript-sdk" / "dist" / "models" / model_file).read_text()
    return {
        op: [f for f in re.findall(r"'([\w.]+)'", fields) if not f.startswith("!")]
        for op, fields in re.findall(r"^\s*'([\w.]+)': \(([^)]*)\)\[\];", text, re.M)
    }


# A text search on a boolean field matches nothing useful: left out on purpose.
NOT_SEARCHABLE_HERE = {"PriceSchedules.List": {"ApplyTax"}}


class TestTheSdksFields:
    """The SDK's types offer, per list operation, the fields searchOn and sortBy take
    (Searchable<'Webhooks.List'>): every one of them is accepted, not a 400 'Invalid searchOn field'."""

    @pytest.fixture(scope="class")
    def resources(self):
        from coreapi import apis, definitions
        from coreapi.resources import Resource

        found = {}
        for res in vars(definitions).values():
            if isinstance(res, Resource):
                found[f"{res.sdk}.{getattr(res, 'op_names', apis.DEFAULT_OPS)['List']}"] = res
        return found

    def test_every_sdk_search_on_field_is_searchable(self, resources):
        searchable = _sdk_list_fields("Searchable.d.ts")
        missing = {
            op: [f for f in searchable[op] if f not in res.list_spec.search_fields and f not in NOT_SEARCHABLE_HERE.get(op, ())]
            for op, res in resources.items()
            if op in searchable
        }
        assert {op: fields for op, fields in missing.items() if fields} == {}

    def test_every_sdk_sort_by_field_is_sortable(self, resources):
        sortable = _sdk_list_fields("Sortable.d.ts")
        missing = {op: [f for f in sortable[op] if f not in res.list_spec.columns] for op, res in resources.items() if op in sortable}
        assert {op: fields for op, fields in missing.items() if fields} == {}

    def test_webhooks_are_found_by_url_and_description(self, world, admin_token):
        m.Webhook.objects.create(marketplace=world.marketplace, oc_id="w1", name="Sync", url="https://erp.example.com/oc",
                                 description="Sends new products to the ERP")  # fmt: skip
        m.Webhook.objects.create(marketplace=world.marketplace, oc_id="w2", name="Mail", url="https://mail.example.com/x")
        for query in ("search=erp.example&searchOn=Url", "search=ERP&searchOn=Description", "search=erp"):
            response = world.call("get", f"/v1/webhooks?{query}", admin_token)
            assert response.status_code == 200, response.content
            assert [w["ID"] for w in response.json()["Items"]] == ["w1"], query

    def test_impersonation_configs_are_found_by_the_impersonated_group_and_user(self, world, admin_token):
        m.ImpersonationConfig.objects.create(marketplace=world.marketplace, oc_id="ic1", security_profile_id="sp",
                                             client_id="c", impersonation_group_id="vip", impersonation_user_id="u7")  # fmt: skip
        for query in ("search=vip&searchOn=ImpersonationGroupID", "search=u7&searchOn=ImpersonationUserID", "search=vip"):
            response = world.call("get", f"/v1/impersonationconfig?{query}", admin_token)
            assert response.status_code == 200, response.content
            assert [c["ID"] for c in response.json()["Items"]] == ["ic1"], query
