"""Bundles (and their buyer, product, catalog and category assignments), product suppliers,
Products.List / Bundles.List narrowed by catalogID, categoryID and supplierID, message sender
assignments, Users.ListAcrossBuyers, and the `level` / `commerceRole` of assignment lists."""

import pytest

from coreapi import models as m
from coreapi.testing import core_buyer, core_security_profile, core_user, core_world

pytestmark = pytest.mark.django_db


def ids(response) -> list[str]:
    return [item["ID"] for item in response.json()["Items"]]


def error(response) -> dict:
    return response.json()["Errors"][0]


@pytest.fixture
def catalog(call):
    """Catalog "cat" with categories "shoes" and "hats"; catalog "other" with its own "shoes"."""
    call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog", "Active": True}, status=201)
    call("post", "/v1/catalogs", {"ID": "other", "Name": "Other", "Active": True}, status=201)
    for catalog_id, category in (("cat", "shoes"), ("cat", "hats"), ("other", "shoes")):
        call("post", f"/v1/catalogs/{catalog_id}/categories", {"ID": category, "Name": category, "Active": True}, status=201)
    return "cat"


class TestProductsListNarrowing:
    @pytest.fixture
    def products(self, call, catalog):
        for pid in ("p1", "p2", "p3", "p4"):
            call("post", "/v1/products", {"ID": pid, "Name": pid.upper(), "Active": True}, status=201)
        call("post", "/v1/catalogs/productassignments", {"CatalogID": "cat", "ProductID": "p1"}, status=204)
        call("post", "/v1/catalogs/productassignments", {"CatalogID": "cat", "ProductID": "p2"}, status=204)
        call("post", "/v1/catalogs/productassignments", {"CatalogID": "other", "ProductID": "p3"}, status=204)
        call("post", "/v1/catalogs/cat/categories/productassignments", {"CategoryID": "shoes", "ProductID": "p1"},
             status=204)  # fmt: skip
        call("post", "/v1/catalogs/other/categories/productassignments", {"CategoryID": "shoes", "ProductID": "p3"},
             status=204)  # fmt: skip

    def test_catalog_and_category(self, call, products):
        assert ids(call("get", "/v1/products?catalogID=cat", status=200)) == ["p1", "p2"]
        page = call("get", "/v1/products?catalogID=cat&categoryID=shoes", status=200).json()
        assert [p["ID"] for p in page["Items"]] == ["p1"] and page["Meta"]["TotalCount"] == 1
        # category IDs are unique per catalog: without catalogID, every catalog's "shoes"
        assert ids(call("get", "/v1/products?categoryID=shoes", status=200)) == ["p1", "p3"]
        # with filters and search as usual
        assert ids(call("get", "/v1/products?catalogID=cat&search=P2", status=200)) == ["p2"]
        assert ids(call("get", "/v1/products?catalogID=cat&ID=p1|p3", status=200)) == ["p1"]
        # unnarrowed, everything (the fast row count is not used for a narrowed list)
        meta = call("get", "/v1/products", status=200).json()["Meta"]
        assert meta["TotalCount"] == 4

    def test_unknown_catalog_category_or_supplier_is_not_found(self, call, products):
        for query, object_type in (("catalogID=nope", "Catalog"), ("catalogID=cat&categoryID=nope", "Category"),
                                   ("supplierID=nope", "Supplier")):  # fmt: skip
            response = call("get", f"/v1/products?{query}", status=404)
            assert error(response)["Data"]["ObjectType"] == object_type
        # a category of another catalog is not this catalog's
        assert error(call("get", "/v1/products?catalogID=cat&categoryID=nope", status=404))["Data"]["ObjectID"] == "nope"
        # without a catalog, a category ID that no catalog has is not found either
        assert error(call("get", "/v1/products?categoryID=nope", status=404))["Data"]["ObjectType"] == "Category"

    def test_supplier_owner_default_supplier_or_product_supplier(self, call, products):
        call("post", "/v1/suppliers", {"ID": "sup", "Name": "Supplier", "Active": True}, status=201)
        call("patch", "/v1/products/p1", {"OwnerID": "sup"}, status=200)
        call("patch", "/v1/products/p2", {"DefaultSupplierID": "sup"}, status=200)
        call("put", "/v1/products/p3/suppliers/sup", status=204)
        assert ids(call("get", "/v1/products?supplierID=sup", status=200)) == ["p1", "p2", "p3"]
        assert ids(call("get", "/v1/products?supplierID=sup&catalogID=cat", status=200)) == ["p1", "p2"]

    def test_the_parameters_are_documented(self, world):
        schema = world.http.get(world.url("/v1/openapi.json")).json()
        params = {p["name"] for p in schema["paths"]["/v1/products"]["get"]["parameters"]}
        assert {"catalogID", "categoryID", "supplierID", "search", "page"} <= params


class TestProductSuppliers:
    @pytest.fixture
    def setup(self, call):
        call("post", "/v1/products", {"ID": "p1", "Name": "P1"}, status=201)
        for sid in ("s1", "s2"):
            call("post", "/v1/suppliers", {"ID": sid, "Name": sid.upper(), "Active": True}, status=201)
        call("post", "/v1/priceschedules", {"ID": "ps", "Name": "PS"}, status=201)

    def test_save_list_update_and_remove(self, call, setup):
        call("put", "/v1/products/p1/suppliers/s1?defaultPriceScheduleID=ps", status=204)
        call("put", "/v1/products/p1/suppliers/s2", status=204)
        page = call("get", "/v1/products/p1/suppliers", status=200).json()
        assert [(i["ID"], i["Name"], i["DefaultPriceScheduleID"]) for i in page["Items"]] == [
            ("s1", "S1", "ps"), ("s2", "S2", None)]  # fmt: skip
        assert page["Meta"]["TotalCount"] == 2
        # saving again replaces the default price schedule (PUT), it never duplicates
        call("put", "/v1/products/p1/suppliers/s1", status=204)
        items = call("get", "/v1/products/p1/suppliers?sortBy=!ID", status=200).json()["Items"]
        assert [(i["ID"], i["DefaultPriceScheduleID"]) for i in items] == [("s2", None), ("s1", None)]
        assert ids(call("get", "/v1/products/p1/suppliers?search=S2", status=200)) == ["s2"]
        call("delete", "/v1/products/p1/suppliers/s1", status=204)
        assert ids(call("get", "/v1/products/p1/suppliers", status=200)) == ["s2"]

    def test_unknown_objects_are_not_found(self, call, setup):
        cases = [("put", "/v1/products/nope/suppliers/s1", "Product"), ("put", "/v1/products/p1/suppliers/nope", "Supplier"),
                 ("put", "/v1/products/p1/suppliers/s1?defaultPriceScheduleID=nope", "PriceSchedule"),
                 ("get", "/v1/products/nope/suppliers", "Product"), ("delete", "/v1/products/p1/suppliers/nope", "Supplier")]  # fmt: skip
        for method, path, object_type in cases:
            assert error(call(method, path, status=404))["Data"]["ObjectType"] == object_type, path
        assert not m.ProductSupplier.objects.exists()

    def test_roles(self, world, call, setup):
        reader = world.admin_token(scope="ProductReader")
        call("put", "/v1/products/p1/suppliers/s1", token=reader, status=403)
        call("delete", "/v1/products/p1/suppliers/s1", token=reader, status=403)
        call("get", "/v1/products/p1/suppliers", token=reader, status=200)
        call("get", "/v1/products/p1/suppliers", token=world.admin_token(scope="BuyerReader"), status=403)

    def test_they_go_with_the_product_or_supplier_and_follow_new_ids(self, call, setup):
        call("put", "/v1/products/p1/suppliers/s1?defaultPriceScheduleID=ps", status=204)
        call("put", "/v1/products/p1/suppliers/s2", status=204)
        call("patch", "/v1/suppliers/s1", {"ID": "s1-new"}, status=200)
        call("patch", "/v1/priceschedules/ps", {"ID": "ps-new"}, status=200)
        call("patch", "/v1/products/p1", {"ID": "p1-new"}, status=200)
        items = call("get", "/v1/products/p1-new/suppliers", status=200).json()["Items"]
        assert [(i["ID"], i["DefaultPriceScheduleID"]) for i in items] == [("s1-new", "ps-new"), ("s2", None)]
        call("delete", "/v1/suppliers/s2", status=204)
        assert ids(call("get", "/v1/products/p1-new/suppliers", status=200)) == ["s1-new"]
        call("delete", "/v1/products/p1-new", status=204)
        assert not m.ProductSupplier.objects.exists()


class TestBundles:
    def test_crud_search_and_required_name(self, call):
        created = call("post", "/v1/bundles", {"ID": "b1", "Name": "Starter kit", "Active": True, "xp": {"a": 1}},
                       status=201).json()  # fmt: skip
        assert created == {"ID": "b1", "OwnerID": None, "Name": "Starter kit", "Description": None, "Active": True,
                           "xp": {"a": 1}}  # fmt: skip
        generated = call("post", "/v1/bundles", {"Name": "Other"}, status=201).json()
        assert len(generated["ID"]) == 22
        assert error(call("post", "/v1/bundles", {"ID": "b2"}, status=400))["Message"] == "Name is required."
        call("patch", "/v1/bundles/b1", {"Description": "All you need", "xp": {"b": 2}}, status=200)
        got = call("get", "/v1/bundles/b1", status=200).json()
        assert got["Description"] == "All you need" and got["xp"] == {"a": 1, "b": 2}
        assert ids(call("get", "/v1/bundles?search=starter", status=200)) == ["b1"]
        assert ids(call("get", "/v1/bundles?Active=true", status=200)) == ["b1"]
        call("delete", "/v1/bundles/b1", status=204)
        assert error(call("get", "/v1/bundles/b1", status=404))["Data"] == {"ObjectType": "Bundle", "ObjectID": "b1"}

    def test_roles(self, world, call):
        call("post", "/v1/bundles", {"ID": "b1", "Name": "B"}, status=201)
        reader = world.admin_token(scope="BundleReader")
        call("get", "/v1/bundles", token=reader, status=200)
        denied = call("patch", "/v1/bundles/b1", {"Name": "X"}, token=reader, status=403)
        assert error(denied)["Data"]["SufficientRoles"] == ["BundleAdmin"]
        call("get", "/v1/bundles", token=world.admin_token(scope="ProductAdmin"), status=403)

    def test_assignments_to_buyers_and_groups(self, world, call, shopper):
        call("post", "/v1/bundles", {"ID": "b1", "Name": "B"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/bundles/assignments", {"BundleID": "b1", "BuyerID": "buyer-1"}, status=204)
        call("post", "/v1/bundles/assignments", {"BundleID": "b1", "BuyerID": "buyer-1", "UserGroupID": "vip"},
             status=204)  # fmt: skip
        call("post", "/v1/bundles/assignments", {"BundleID": "b1", "BuyerID": "buyer-1"}, status=204)  # no duplicate
        items = call("get", "/v1/bundles/assignments?bundleID=b1", status=200).json()["Items"]
        assert items == [
            {"SellerID": None, "BundleID": "b1", "BuyerID": "buyer-1", "UserGroupID": None},
            {"SellerID": None, "BundleID": "b1", "BuyerID": "buyer-1", "UserGroupID": "vip"},
        ]
        groups = call("get", "/v1/bundles/assignments?level=Group", status=200).json()["Items"]
        assert [a["UserGroupID"] for a in groups] == ["vip"]
        companies = call("get", "/v1/bundles/assignments?level=Company", status=200).json()["Items"]
        assert [a["UserGroupID"] for a in companies] == [None]
        # errors: unknown bundle, buyer, or a group that is not the buyer's
        assert error(call("post", "/v1/bundles/assignments", {"BundleID": "x", "BuyerID": "buyer-1"}, status=404))[
            "Data"]["ObjectType"] == "Bundle"  # fmt: skip
        assert error(call("post", "/v1/bundles/assignments", {"BundleID": "b1", "BuyerID": "nope"}, status=404))[
            "Data"]["ObjectType"] == "Buyer"  # fmt: skip
        call("post", "/v1/buyers", {"ID": "buyer-2", "Name": "B2"}, status=201)
        missing = call("post", "/v1/bundles/assignments", {"BundleID": "b1", "BuyerID": "buyer-2", "UserGroupID": "vip"},
                       status=404)  # fmt: skip
        assert error(missing)["Data"] == {"ObjectType": "UserGroup", "ObjectID": "vip"}
        assert call("post", "/v1/bundles/assignments", {"BundleID": "b1"}, status=400).json()["Errors"][0]["Message"] == (
            "BuyerID is required.")  # fmt: skip
        # delete the group-level one only, then the company-level one
        call("delete", "/v1/bundles/b1/assignments/buyer-1?userGroupID=vip", status=204)
        assert [a["UserGroupID"] for a in call("get", "/v1/bundles/assignments", status=200).json()["Items"]] == [None]
        call("delete", "/v1/bundles/b1/assignments/buyer-1", status=204)
        assert call("get", "/v1/bundles/assignments", status=200).json()["Items"] == []

    def test_assignment_roles(self, world, call, shopper):
        call("post", "/v1/bundles", {"ID": "b1", "Name": "B"}, status=201)
        body = {"BundleID": "b1", "BuyerID": "buyer-1"}
        call("post", "/v1/bundles/assignments", body, token=world.admin_token(scope="BundleAdmin"), status=403)
        call("post", "/v1/bundles/assignments", body, token=world.admin_token(scope="BundleAssignmentAdmin"), status=204)
        call("get", "/v1/bundles/assignments", token=world.admin_token(scope="BundleReader"), status=200)

    def test_product_assignments(self, call):
        call("post", "/v1/bundles", {"ID": "b1", "Name": "B"}, status=201)
        for pid in ("p1", "p2"):
            call("post", "/v1/products", {"ID": pid, "Name": pid}, status=201)
        call("post", "/v1/bundles/productassignments", {"BundleID": "b1", "ProductID": "p1", "Required": True,
                                                        "DefaultQuantity": 2}, status=204)  # fmt: skip
        # Required false is a value, not a missing field
        call("post", "/v1/bundles/productassignments", {"BundleID": "b1", "ProductID": "p2", "Required": False},
             status=204)  # fmt: skip
        items = call("get", "/v1/bundles/productassignments?bundleID=b1", status=200).json()["Items"]
        assert items == [
            {"ProductID": "p1", "BundleID": "b1", "Required": True, "DefaultQuantity": 2},
            {"ProductID": "p2", "BundleID": "b1", "Required": False, "DefaultQuantity": None},
        ]
        assert [i["ProductID"] for i in call("get", "/v1/bundles/productassignments?productID=p2", status=200).json()[
            "Items"]] == ["p2"]  # fmt: skip
        missing = call("post", "/v1/bundles/productassignments", {"BundleID": "b1", "ProductID": "p1"}, status=400)
        assert error(missing)["Message"] == "Required is required."
        zero = call("post", "/v1/bundles/productassignments", {"BundleID": "b1", "ProductID": "p1", "Required": True,
                                                               "DefaultQuantity": 0}, status=400)  # fmt: skip
        assert error(zero)["Data"] == {"Field": "DefaultQuantity", "Value": 0}
        call("delete", "/v1/bundles/b1/productassignments/p1", status=204)
        # a product that leaves takes its bundle assignments with it; a new product ID is followed
        call("patch", "/v1/products/p2", {"ID": "p2-new"}, status=200)
        items = call("get", "/v1/bundles/productassignments", status=200).json()["Items"]
        assert [i["ProductID"] for i in items] == ["p2-new"]
        call("delete", "/v1/products/p2-new", status=204)
        assert call("get", "/v1/bundles/productassignments", status=200).json()["Items"] == []

    def test_catalog_and_category_assignments_and_list_narrowing(self, call, catalog):
        for bid in ("b1", "b2", "b3"):
            call("post", "/v1/bundles", {"ID": bid, "Name": bid}, status=201)
        call("post", "/v1/catalogs/bundleassignments", {"CatalogID": "cat", "BundleID": "b1"}, status=204)
        call("post", "/v1/catalogs/bundleassignments", {"CatalogID": "cat", "BundleID": "b2"}, status=204)
        call("post", "/v1/catalogs/cat/categories/bundleassignments", {"CategoryID": "shoes", "BundleID": "b2",
                                                                       "ListOrder": 3}, status=204)  # fmt: skip
        assert call("get", "/v1/catalogs/bundleassignments?catalogID=cat", status=200).json()["Items"] == [
            {"CatalogID": "cat", "BundleID": "b1"}, {"CatalogID": "cat", "BundleID": "b2"}]  # fmt: skip
        assert call("get", "/v1/catalogs/cat/categories/bundleassignments", status=200).json()["Items"] == [
            {"CategoryID": "shoes", "BundleID": "b2", "ListOrder": 3}]  # fmt: skip
        assert ids(call("get", "/v1/bundles?catalogID=cat", status=200)) == ["b1", "b2"]
        assert ids(call("get", "/v1/bundles?catalogID=cat&categoryID=shoes", status=200)) == ["b2"]
        assert error(call("get", "/v1/bundles?catalogID=cat&categoryID=nope", status=404))["Data"]["ObjectType"] == "Category"
        # a category of another catalog is not found in this one
        wrong = call("post", "/v1/catalogs/cat/categories/bundleassignments", {"CategoryID": "nope", "BundleID": "b1"},
                     status=404)  # fmt: skip
        assert error(wrong)["Data"] == {"ObjectType": "Category", "ObjectID": "nope"}
        call("post", "/v1/suppliers", {"ID": "sup", "Name": "S"}, status=201)
        call("patch", "/v1/bundles/b3", {"OwnerID": "sup"}, status=200)
        assert ids(call("get", "/v1/bundles?supplierID=sup", status=200)) == ["b3"]
        # deletes and new IDs
        call("delete", "/v1/catalogs/cat/categories/shoes/bundleassignments/b2", status=204)
        assert call("get", "/v1/catalogs/cat/categories/bundleassignments", status=200).json()["Items"] == []
        call("delete", "/v1/catalogs/cat/bundleassignments/b1", status=204)
        call("patch", "/v1/bundles/b2", {"ID": "b2-new"}, status=200)
        assert call("get", "/v1/catalogs/bundleassignments", status=200).json()["Items"] == [
            {"CatalogID": "cat", "BundleID": "b2-new"}]  # fmt: skip
        call("delete", "/v1/bundles/b2-new", status=204)
        assert call("get", "/v1/catalogs/bundleassignments", status=200).json()["Items"] == []

    def test_a_deleted_buyer_group_or_catalog_takes_its_bundle_assignments(self, call, shopper, catalog):
        call("post", "/v1/bundles", {"ID": "b1", "Name": "B"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/bundles/assignments", {"BundleID": "b1", "BuyerID": "buyer-1", "UserGroupID": "vip"},
             status=204)  # fmt: skip
        call("post", "/v1/catalogs/cat/categories/bundleassignments", {"CategoryID": "hats", "BundleID": "b1"},
             status=204)  # fmt: skip
        call("delete", "/v1/buyers/buyer-1/usergroups/vip", status=204)
        assert call("get", "/v1/bundles/assignments", status=200).json()["Items"] == []
        call("delete", "/v1/catalogs/cat/categories/hats", status=204)
        assert call("get", "/v1/catalogs/cat/categories/bundleassignments", status=200).json()["Items"] == []

    def test_another_marketplace_sees_nothing(self, call):
        call("post", "/v1/bundles", {"ID": "b1", "Name": "B"}, status=201)
        other = core_world(marketplace_id="mkt-two", client_id="client-two", admin_username="admin-two")
        token = other.admin_token()
        assert other.call("get", "/v1/bundles/b1", token).status_code == 404
        assert other.call("get", "/v1/bundles", token).json()["Items"] == []


class TestMessageSenderAssignments:
    @pytest.fixture
    def sender(self, call, shopper):
        call("post", "/v1/messagesenders", {"ID": "ms", "Name": "Mailer", "Description": "Sends mail",
                                             "MessageTypes": ["OrderSubmitted"], "DeliveryConfigID": "dc"},
             status=201)  # fmt: skip
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/suppliers", {"ID": "sup", "Name": "S"}, status=201)

    def test_save_list_and_delete(self, call, sender):
        for body in ({"MessageSenderID": "ms"}, {"MessageSenderID": "ms", "BuyerID": "buyer-1"},
                     {"MessageSenderID": "ms", "BuyerID": "buyer-1", "UserGroupID": "vip"},
                     {"MessageSenderID": "ms", "SupplierID": "sup"}):  # fmt: skip
            call("post", "/v1/messagesenders/assignments", body, status=204)
        items = call("get", "/v1/messagesenders/assignments?messageSenderID=ms", status=200).json()["Items"]
        assert [(i["BuyerID"], i["SupplierID"], i["UserGroupID"]) for i in items] == [
            (None, None, None), ("buyer-1", None, None), ("buyer-1", None, "vip"), (None, "sup", None)]  # fmt: skip
        assert {(i["MessageConfigName"], i["MessageConfigDescription"]) for i in items} == {("Mailer", "Sends mail")}
        group_level = call("get", "/v1/messagesenders/assignments?level=Group", status=200).json()["Items"]
        assert [i["UserGroupID"] for i in group_level] == ["vip"]
        assert len(call("get", "/v1/messagesenders/assignments?buyerID=buyer-1", status=200).json()["Items"]) == 2
        call("delete", "/v1/messagesenders/ms/assignments?buyerID=buyer-1&userGroupID=vip", status=204)
        call("delete", "/v1/messagesenders/ms/assignments?supplierID=sup", status=204)
        items = call("get", "/v1/messagesenders/assignments", status=200).json()["Items"]
        assert [(i["BuyerID"], i["SupplierID"], i["UserGroupID"]) for i in items] == [(None, None, None), ("buyer-1", None, None)]

    def test_bad_assignments(self, call, sender):
        both = call("post", "/v1/messagesenders/assignments", {"MessageSenderID": "ms", "BuyerID": "buyer-1",
                                                                "SupplierID": "sup"}, status=400)  # fmt: skip
        assert error(both)["Message"] == "Give at most one of BuyerID, SupplierID."
        # alone, a UserGroupID is an admin user group: vip is buyer-1's
        lone = call("post", "/v1/messagesenders/assignments", {"MessageSenderID": "ms", "UserGroupID": "vip"}, status=404)
        assert error(lone)["Data"] == {"ObjectType": "UserGroup", "ObjectID": "vip"}
        unknown = call("post", "/v1/messagesenders/assignments", {"MessageSenderID": "nope"}, status=404)
        assert error(unknown)["Data"] == {"ObjectType": "MessageSender", "ObjectID": "nope"}
        assert not m.MessageSenderAssignment.objects.exists()

    def test_admin_and_supplier_user_groups(self, call, sender):
        """The SDK's MessageSenderAssignment has BuyerID, SupplierID and UserGroupID, as a security
        profile's assignment has: a UserGroupID with SupplierID is that supplier's user group, alone
        an admin user group (it was a 400 "UserGroupID needs the BuyerID of the user group.")."""
        call("post", "/v1/suppliers", {"ID": "other", "Name": "O"}, status=201)
        call("post", "/v1/usergroups", {"ID": "ops", "Name": "Ops"}, status=201)
        call("post", "/v1/suppliers/sup/usergroups", {"ID": "team", "Name": "Team"}, status=201)
        url = "/v1/messagesenders/assignments"
        call("post", url, {"MessageSenderID": "ms", "UserGroupID": "ops"}, status=204)
        call("post", url, {"MessageSenderID": "ms", "SupplierID": "sup", "UserGroupID": "team"}, status=204)
        for body, group in (({"SupplierID": "other", "UserGroupID": "team"}, "team"),  # another supplier's group
                            ({"SupplierID": "sup", "UserGroupID": "ops"}, "ops"),  # an admin group is no supplier's
                            ({"BuyerID": "buyer-1", "UserGroupID": "ops"}, "ops"),  # nor a buyer's
                            ({"UserGroupID": "team"}, "team")):  # a supplier's group is no admin group  # fmt: skip
            response = call("post", url, {"MessageSenderID": "ms", **body}, status=404)
            assert error(response)["Data"] == {"ObjectType": "UserGroup", "ObjectID": group}

        def assigned(query=""):
            items = call("get", f"{url}?{query}", status=200).json()["Items"]
            return [(i["BuyerID"], i["SupplierID"], i["UserGroupID"]) for i in items]

        assert assigned("level=Group") == [(None, None, "ops"), (None, "sup", "team")]
        assert assigned("supplierID=sup") == [(None, "sup", "team")]
        # new IDs are followed
        call("patch", "/v1/usergroups/ops", {"ID": "operations"}, status=200)
        call("patch", "/v1/suppliers/sup/usergroups/team", {"ID": "crew"}, status=200)
        assert assigned() == [(None, None, "operations"), (None, "sup", "crew")]
        call("delete", "/v1/messagesenders/ms/assignments?userGroupID=operations", status=204)
        assert assigned() == [(None, "sup", "crew")]
        # deleting a group deletes its assignments
        call("post", url, {"MessageSenderID": "ms", "UserGroupID": "operations"}, status=204)
        call("delete", "/v1/usergroups/operations", status=204)
        call("delete", "/v1/suppliers/sup/usergroups/crew", status=204)
        assert assigned() == []

    def test_roles_and_cleanup(self, world, call, sender):
        body = {"MessageSenderID": "ms", "BuyerID": "buyer-1"}
        call("post", "/v1/messagesenders/assignments", body, token=world.admin_token(scope="MessageSenderAdmin"),
             status=403)  # fmt: skip
        call("post", "/v1/messagesenders/assignments", body,
             token=world.admin_token(scope="MessageConfigAssignmentAdmin"), status=204)  # fmt: skip
        call("get", "/v1/messagesenders/assignments", token=world.admin_token(scope="MessageSenderReader"), status=200)
        call("patch", "/v1/buyers/buyer-1", {"ID": "acme"}, status=200)
        assert call("get", "/v1/messagesenders/assignments", status=200).json()["Items"][0]["BuyerID"] == "acme"
        call("delete", "/v1/messagesenders/ms", status=204)
        assert call("get", "/v1/messagesenders/assignments", status=200).json()["Items"] == []


class TestAssignmentLevels:
    def test_security_profile_levels_and_commerce_roles(self, world, call, shopper):
        mp = world.marketplace
        call("post", "/v1/suppliers", {"ID": "sup", "Name": "S"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        core_security_profile(mp, profile_id="p", roles=["OrderReader"], supplier_id="sup")
        for extra in ({"buyer_id": "buyer-1", "user_group_id": "vip"}, {"buyer_id": "buyer-1", "user_id": "buyer-user"}):
            m.SecurityProfileAssignment.objects.create(marketplace=mp, security_profile_id="p", **extra)

        def listed(query):
            items = call("get", f"/v1/securityprofiles/assignments?securityProfileID=p&{query}", status=200).json()["Items"]
            return [(i["BuyerID"], i["SupplierID"], i["UserGroupID"], i["UserID"]) for i in items]

        assert listed("level=Company") == [(None, "sup", None, None)]
        assert listed("level=Group") == [("buyer-1", None, "vip", None)]
        assert listed("level=User") == [("buyer-1", None, None, "buyer-user")]
        assert listed("commerceRole=Supplier") == [(None, "sup", None, None)]
        assert len(listed("commerceRole=Buyer")) == 2
        assert listed("commerceRole=Seller") == []
        seller = call("get", "/v1/securityprofiles/assignments?commerceRole=Seller", status=200).json()["Items"]
        assert [i["SecurityProfileID"] for i in seller] == ["admin-profile"]  # the marketplace-level one

    def test_a_bad_level_is_a_clear_400_and_unsupported_levels_are_refused(self, call):
        bad = call("get", "/v1/securityprofiles/assignments?level=Everyone", status=400)
        assert error(bad)["Message"] == "level must be one of: User, Group, Company."
        assert error(call("get", "/v1/products/assignments?level=User", status=400))["Message"] == (
            "level must be one of: Group, Company.")  # fmt: skip
        assert error(call("get", "/v1/securityprofiles/assignments?commerceRole=Admin", status=400))["Message"] == (
            "commerceRole must be one of: Buyer, Seller, Supplier.")  # fmt: skip
        # catalogs' assignments have no level: it is not a field to filter on either
        assert call("get", "/v1/catalogs/assignments?level=Group", status=400).json()["Errors"][0]["Data"] == {
            "Field": "level"}  # fmt: skip

    def test_product_assignment_levels_and_group_check(self, call, shopper):
        call("post", "/v1/products", {"ID": "p1", "Name": "P1"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/products/assignments", {"ProductID": "p1", "BuyerID": "buyer-1"}, status=204)
        call("post", "/v1/products/assignments", {"ProductID": "p1", "BuyerID": "buyer-1", "UserGroupID": "vip"}, status=204)
        missing = call("post", "/v1/products/assignments", {"ProductID": "p1", "BuyerID": "buyer-1", "UserGroupID": "x"},
                       status=404)  # fmt: skip
        assert error(missing)["Data"] == {"ObjectType": "UserGroup", "ObjectID": "x"}
        groups = call("get", "/v1/products/assignments?level=Group", status=200).json()["Items"]
        assert [i["UserGroupID"] for i in groups] == ["vip"]


class TestUsersAcrossBuyers:
    def test_every_buyers_users_with_their_company(self, world, call, shopper):
        core_buyer(world, buyer_id="buyer-2", user_id="buyer-user", username="twin", client_id="c2")
        core_user(world.marketplace, kind=m.UserKind.SUPPLIER, company_id="sup", user_id="supplier-user")
        page = call("get", "/v1/buyerusers", status=200).json()
        assert [(u["ID"], u["CompanyID"], u["Username"]) for u in page["Items"]] == [
            ("buyer-user", "buyer-1", "shopper"), ("buyer-user", "buyer-2", "twin")]  # fmt: skip
        assert "Password" not in page["Items"][0]
        only = call("get", "/v1/buyerusers?CompanyID=buyer-2", status=200).json()["Items"]
        assert [u["Username"] for u in only] == ["twin"]
        assert [u["Username"] for u in call("get", "/v1/buyerusers?search=twin", status=200).json()["Items"]] == ["twin"]
        call("get", "/v1/buyerusers", token=world.admin_token(scope="AdminUserReader"), status=403)
        call("get", "/v1/buyerusers", token=world.admin_token(scope="BuyerUserReader"), status=200)


def test_unknown_suppliers_and_categories_are_not_found(call):
    for field in ("OwnerID", "DefaultSupplierID"):
        response = call("post", "/v1/products", {"ID": "p", "Name": "P", field: "nope"}, status=404)
        assert response.json()["Errors"][0]["Data"] == {"ObjectType": "Supplier", "ObjectID": "nope"}
    call("post", "/v1/suppliers", {"ID": "maker", "Name": "Maker", "Active": True}, status=201)
    call("post", "/v1/products", {"ID": "p", "Name": "P", "OwnerID": "maker", "DefaultSupplierID": "maker"}, status=201)
    call("patch", "/v1/products/p", {"DefaultSupplierID": "gone"}, status=404)
    call("get", "/v1/bundles?categoryID=no-such-category", status=404)
