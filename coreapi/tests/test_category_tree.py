"""The admin side of the category tree: Categories.Delete takes the subtree with it, and
Categories.List takes `depth` as the SDK documents it."""

import pytest

from coreapi import models as m

pytestmark = pytest.mark.django_db

CATEGORIES = "/v1/catalogs/{catalog}/categories"


def categories_create(call, catalog: str, tree: tuple[tuple[str, str | None], ...]) -> None:
    call("post", "/v1/catalogs", {"ID": catalog, "Name": catalog, "Active": True}, status=201)
    for category, parent in tree:
        call("post", CATEGORIES.format(catalog=catalog), {"ID": category, "Name": category, "Active": True,
                                                           "ParentID": parent}, status=201)  # fmt: skip


# a > b > c > d > e (five levels), a > b2, and f at the top
TREE = (("a", None), ("b", "a"), ("c", "b"), ("d", "c"), ("e", "d"), ("b2", "a"), ("f", None))


def listed(call, catalog: str, query: str = "") -> list[str]:
    response = call("get", f"{CATEGORIES.format(catalog=catalog)}?sortBy=ID&pageSize=100{query}", status=200)
    return [item["ID"] for item in response.json()["Items"]]


class TestDelete:
    def test_deleting_a_category_deletes_its_descendants_at_every_depth_and_their_assignments(self, call, shopper):
        categories_create(call, "cat", TREE)
        categories_create(call, "other", TREE)  # the same IDs in another catalog stay
        call("post", "/v1/products", {"ID": "p", "Name": "p", "Active": True}, status=201)
        call("post", "/v1/bundles", {"ID": "kit", "Name": "kit", "Active": True}, status=201)
        for catalog in ("cat", "other"):
            for category in ("a", "c", "e"):
                call("post", f"/v1/catalogs/{catalog}/categories/productassignments",
                     {"CategoryID": category, "ProductID": "p"}, status=204)  # fmt: skip
                call("post", f"/v1/catalogs/{catalog}/categories/assignments",
                     {"CategoryID": category, "BuyerID": "buyer-1", "Visible": True}, status=204)  # fmt: skip
            call("post", f"/v1/catalogs/{catalog}/categories/bundleassignments",
                 {"CategoryID": "d", "BundleID": "kit"}, status=204)  # fmt: skip

        call("delete", "/v1/catalogs/cat/categories/b", status=204)

        assert listed(call, "cat", "&depth=all") == ["a", "b2", "f"]
        for gone in ("b", "c", "d", "e"):
            call("get", f"/v1/catalogs/cat/categories/{gone}", status=404)
        assert m.Category.objects.filter(catalog_id="cat").count() == 3  # nothing left with a dangling ParentID
        product_assignments = call("get", "/v1/catalogs/cat/categories/productassignments").json()["Items"]
        assert [a["CategoryID"] for a in product_assignments] == ["a"]
        visibility = call("get", "/v1/catalogs/cat/categories/assignments").json()["Items"]
        assert [a["CategoryID"] for a in visibility] == ["a"]
        assert call("get", "/v1/catalogs/cat/categories/bundleassignments").json()["Items"] == []
        assert call("get", "/v1/catalogs/cat/categories/a").json()["ChildCount"] == 1
        # the other catalog's tree and assignments are untouched
        assert listed(call, "other", "&depth=all") == ["a", "b", "b2", "c", "d", "e", "f"]
        assert len(call("get", "/v1/catalogs/other/categories/productassignments").json()["Items"]) == 3
        assert len(call("get", "/v1/catalogs/other/categories/bundleassignments").json()["Items"]) == 1

    def test_deleting_a_top_level_category_empties_its_whole_branch(self, call):
        categories_create(call, "cat", TREE)
        call("delete", "/v1/catalogs/cat/categories/a", status=204)
        assert listed(call, "cat", "&depth=all") == ["f"]

    def test_a_loop_in_parent_ids_ends(self, call):
        categories_create(call, "cat", (("x", None), ("y", "x")))
        m.Category.objects.filter(catalog_id="cat", oc_id="x").update(parent_id="y")  # x <-> y
        call("delete", "/v1/catalogs/cat/categories/x", status=204)
        assert m.Category.objects.filter(catalog_id="cat").count() == 0


class TestListDepth:
    @pytest.fixture
    def tree(self, call):
        categories_create(call, "cat", TREE)
        call("patch", "/v1/catalogs/cat/categories/c", {"Active": False}, status=200)  # an admin still sees it

    def test_without_depth_every_category_is_listed(self, call, tree):
        assert listed(call, "cat") == ["a", "b", "b2", "c", "d", "e", "f"]

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("&depth=1", ["a", "f"]),
            ("&depth=2", ["a", "b", "b2", "f"]),
            ("&depth=3", ["a", "b", "b2", "c", "f"]),
            ("&depth=4", ["a", "b", "b2", "c", "d", "f"]),
            ("&depth=all", ["a", "b", "b2", "c", "d", "e", "f"]),
            ("&depth=ALL", ["a", "b", "b2", "c", "d", "e", "f"]),
            # relative to a ParentID filter: its children are level 1
            ("&depth=1&ParentID=b", ["c"]),
            ("&depth=2&ParentID=b", ["c", "d"]),
            ("&depth=all&ParentID=b", ["c", "d", "e"]),
            ("&depth=1&ParentID=e", []),
            # other filters and search still apply
            ("&depth=all&Name=d", ["d"]),
            ("&depth=2&search=b", ["b", "b2"]),
        ],
    )
    def test_depth_counts_levels_from_the_top_or_from_the_parent_id(self, call, tree, query, expected):
        assert listed(call, "cat", query) == expected

    def test_depth_pages_and_counts_what_it_shows(self, call, tree):
        page = call("get", "/v1/catalogs/cat/categories?depth=1&pageSize=1&sortBy=ID", status=200).json()
        assert [i["ID"] for i in page["Items"]] == ["a"] and page["Meta"]["TotalCount"] == 2

    @pytest.mark.parametrize("depth", ["0", "-1", "two", "1.5"])
    def test_a_bad_depth_is_invalid_request(self, call, tree, depth):
        response = call("get", f"/v1/catalogs/cat/categories?depth={depth}", status=400)
        assert response.json()["Errors"][0]["ErrorCode"] == "InvalidRequest"

    def test_an_unknown_catalog_is_not_found(self, call, tree):
        call("get", "/v1/catalogs/ghost/categories?depth=1", status=404)

    def test_depth_is_in_the_openapi_document(self, call):
        document = call("get", "/v1/openapi.json", status=200).json()
        parameters = document["paths"]["/v1/catalogs/{catalogID}/categories"]["get"]["parameters"]
        assert "depth" in [p["name"] for p in parameters]


class TestMove:
    """A ParentID that is one of the category's own subcategories made a loop: PATCH answered 200
    and the category, with everything under it, was in no list any more (not even
    Categories.List?depth=all). It is a 400 now; moving it anywhere else still works."""

    @pytest.mark.parametrize("parent", ["b", "c", "e"])
    def test_a_category_cannot_go_under_its_own_subcategory(self, call, parent):
        categories_create(call, "cat", TREE)
        for method, body in (("patch", {"ParentID": parent}), ("put", {"Name": "a", "Active": True, "ParentID": parent}),
                             ("patch", {"ID": "a2", "ParentID": parent})):  # fmt: skip
            response = call(method, f"{CATEGORIES.format(catalog='cat')}/a", body, status=400)
            error = response.json()["Errors"][0]
            assert error["ErrorCode"] == "InvalidRequest" and error["Data"] == {"Field": "ParentID", "Value": parent}
        assert listed(call, "cat", "&depth=all") == ["a", "b", "b2", "c", "d", "e", "f"]
        assert m.Category.objects.get(oc_id="a").parent_id == ""

    def test_moving_elsewhere_works(self, call):
        categories_create(call, "cat", TREE)
        call("patch", f"{CATEGORIES.format(catalog='cat')}/c", {"ParentID": "b2"}, status=200)  # c, d, e move along
        call("patch", f"{CATEGORIES.format(catalog='cat')}/a", {"ParentID": "f"}, status=200)
        call("patch", f"{CATEGORIES.format(catalog='cat')}/e", {"ParentID": None}, status=200)
        assert listed(call, "cat", "&depth=1") == ["e", "f"]
        assert listed(call, "cat", "&ParentID=b2") == ["c"]
        assert listed(call, "cat", "&depth=all") == ["a", "b", "b2", "c", "d", "e", "f"]


class TestAdjustListOrders:
    """Categories.Create / Save / Patch `?adjustListOrders=true` (the SDK's boolean): the siblings
    (same catalog and ParentID) at or after the category's ListOrder move up by one, so it takes
    that place without a tie. It was ignored: two categories shared the ListOrder."""

    URL = "/v1/catalogs/{catalog}/categories"

    @pytest.fixture
    def siblings(self, call):
        """In catalogs cat and other: top-level t1..t3 (ListOrder 1..3), and under t1 c1..c3 (1..3)."""
        for catalog in ("cat", "other"):
            call("post", "/v1/catalogs", {"ID": catalog, "Name": catalog}, status=201)
            for parent, prefix in ((None, "t"), ("t1", "c")):
                for n in (1, 2, 3):
                    call("post", self.URL.format(catalog=catalog), {"ID": f"{prefix}{n}", "Name": f"{prefix}{n}",
                         "ParentID": parent, "ListOrder": n}, status=201)  # fmt: skip

    @staticmethod
    def orders(catalog: str = "cat") -> dict[str, int]:
        return dict(m.Category.objects.filter(catalog_id=catalog).values_list("oc_id", "list_order"))

    BEFORE = {"t1": 1, "t2": 2, "t3": 3, "c1": 1, "c2": 2, "c3": 3}

    def test_create_takes_the_place_and_its_siblings_move_up(self, call, siblings):
        body = {"ID": "new", "Name": "new", "ParentID": "t1", "ListOrder": 2}
        created = call("post", f"{self.URL.format(catalog='cat')}?adjustListOrders=true", body, status=201).json()
        assert created["ListOrder"] == 2
        # only the siblings at or after 2 under t1 in this catalog moved; other parents and catalogs did not
        assert self.orders() == {**self.BEFORE, "new": 2, "c2": 3, "c3": 4}
        assert self.orders("other") == self.BEFORE
        sorted_ids = [c["ID"] for c in call("get", "/v1/catalogs/cat/categories?ParentID=t1&sortBy=ListOrder").json()["Items"]]
        assert sorted_ids == ["c1", "new", "c2", "c3"]

    def test_save_creating_or_replacing_shifts_too(self, call, siblings):
        url = self.URL.format(catalog="cat")
        call("put", f"{url}/new?adjustListOrders=True", {"Name": "new", "ListOrder": 1}, status=201)
        assert self.orders() == {**self.BEFORE, "new": 1, "t1": 2, "t2": 3, "t3": 4}
        call("put", f"{url}/t3?adjustListOrders=true", {"Name": "t3", "ListOrder": 1}, status=200)  # t3 moves first
        assert self.orders() == {**self.BEFORE, "t3": 1, "new": 2, "t1": 3, "t2": 4}
        assert self.orders("other") == self.BEFORE

    def test_patch_moving_to_another_parent_shifts_its_new_siblings(self, call, siblings):
        url = self.URL.format(catalog="cat")
        call("patch", f"{url}/t3?adjustListOrders=true", {"ParentID": "t1", "ListOrder": 1}, status=200)
        assert self.orders() == {**self.BEFORE, "t3": 1, "c1": 2, "c2": 3, "c3": 4}
        call("patch", f"{url}/c3?adjustListOrders=true", {"ListOrder": 3}, status=200)  # already there: c2 stays, no tie
        assert self.orders() == {**self.BEFORE, "t3": 1, "c1": 2, "c2": 4, "c3": 3}
        assert self.orders("other") == self.BEFORE

    @pytest.mark.parametrize("query", ["", "?adjustListOrders=false", "?adjustListOrders=FALSE"])
    def test_false_or_absent_changes_nothing_else(self, call, siblings, query):
        url = self.URL.format(catalog="cat")
        call("post", f"{url}{query}", {"ID": "new", "Name": "new", "ListOrder": 1}, status=201)
        call("put", f"{url}/c1{query}", {"Name": "c1", "ParentID": "t1", "ListOrder": 2}, status=200)
        call("patch", f"{url}/c3{query}", {"ListOrder": 2}, status=200)
        assert self.orders() == {**self.BEFORE, "new": 1, "c1": 2, "c3": 2}

    def test_without_a_list_order_in_the_body_nothing_else_changes(self, call, siblings):
        call("patch", f"{self.URL.format(catalog='cat')}/c1?adjustListOrders=true", {"Name": "renamed"}, status=200)
        assert self.orders() == self.BEFORE

    @pytest.mark.parametrize("value", ["yes", "1", "0", "", "on"])
    def test_a_bad_value_is_invalid_request_and_nothing_is_written(self, call, siblings, value):
        url = self.URL.format(catalog="cat")
        for method, path, body in (("post", url, {"ID": "new", "Name": "new", "ListOrder": 1}),
                                   ("put", f"{url}/t3", {"Name": "t3", "ListOrder": 1}),
                                   ("patch", f"{url}/t3", {"ListOrder": 1})):  # fmt: skip
            response = call(method, f"{path}?adjustListOrders={value}", body, status=400)
            assert response.json()["Errors"] == [{
                "ErrorCode": "InvalidRequest", "Message": "adjustListOrders must be true or false.",
                "Data": {"Parameter": "adjustListOrders", "Value": value},
            }]  # fmt: skip
        assert self.orders() == self.BEFORE

    def test_a_sibling_at_the_largest_list_order_is_a_400_and_nothing_is_written(self, call, siblings):
        url = self.URL.format(catalog="cat")
        call("patch", f"{url}/c3", {"ListOrder": 2**31 - 1}, status=200)
        response = call("patch", f"{url}/c1?adjustListOrders=true", {"ListOrder": 2, "Name": "renamed"}, status=400)
        error = response.json()["Errors"][0]
        assert error["ErrorCode"] == "InvalidRequest" and error["Data"] == {"Parameter": "adjustListOrders",
                                                                            "ObjectID": "c3"}  # fmt: skip
        assert self.orders() == {**self.BEFORE, "c3": 2**31 - 1}
        assert m.Category.objects.get(catalog_id="cat", oc_id="c1").name == "c1"

    def test_the_openapi_document_shows_a_boolean_query_parameter(self, call):
        document = call("get", "/v1/openapi.json", status=200).json()
        collection, item = "/v1/catalogs/{catalogID}/categories", "/v1/catalogs/{catalogID}/categories/{categoryID}"
        for path, method in ((collection, "post"), (item, "put"), (item, "patch")):
            [parameter] = [p for p in document["paths"][path][method]["parameters"] if p["name"] == "adjustListOrders"]
            assert parameter["in"] == "query" and not parameter.get("required")
            assert {o.get("type") for o in parameter["schema"].get("anyOf", [parameter["schema"]])} == {"boolean", "null"}
        assert "adjustListOrders" not in str(document["paths"]["/v1/products"])  # only where the SDK has it


@pytest.mark.parametrize("body", [{"ID": "k"}, {"ID": "k", "Name": ""}, {"ID": "k", "Name": None}])
def test_a_category_needs_a_name_as_the_sdk_documents(call, body):
    """Categories.Create / Save: the SDK says "Required fields: Name". A category without one was
    saved (201, Name "")."""
    call("post", "/v1/catalogs", {"ID": "nameless", "Name": "Catalog"}, status=201)
    for method, path in (("post", "/v1/catalogs/nameless/categories"), ("put", "/v1/catalogs/nameless/categories/k")):
        response = call(method, path, body)
        assert response.status_code == 400, response.content
        assert response.json()["Errors"][0] == {"ErrorCode": "InvalidRequest", "Message": "Name is required.",
                                                "Data": {"Field": "Name"}}  # fmt: skip
    call("post", "/v1/catalogs/nameless/categories", {"ID": "k", "Name": "Kitchen"}, status=201)
    call("patch", "/v1/catalogs/nameless/categories/k", {"ListOrder": 2}, status=200)  # a patch may leave it out
    document = call("get", "/v1/openapi.json").json()
    create = document["paths"]["/v1/catalogs/{catalogID}/categories"]["post"]["requestBody"]["content"]["application/json"]
    assert create["schema"]["required"] == ["Name"]
