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
