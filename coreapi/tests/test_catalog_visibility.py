"""What a buyer user sees through /v1/me: OrderCloud's product visibility rules (Catalog.Active,
CatalogAssignment.ViewAllCategories / ViewAllProducts, category assignments inherited down the
category tree, product assignments) and the Categories.*Assignment operations."""

import pytest

from coreapi import models as m
from coreapi.testing import core_user

pytestmark = pytest.mark.django_db

ASSIGN = "/v1/catalogs/cat/categories/assignments"


@pytest.fixture
def store(world, call, shopper):
    """Active catalog cat assigned to buyer-1 (ViewAllProducts/Categories as each test sets them)
    with categories apparel > shirts, and gifts; products tee (shirts), mug (gifts), loose (no
    category), all in the catalog."""
    call("post", "/v1/catalogs", {"ID": "cat", "Name": "Catalog", "Active": True}, status=201)
    for category, parent in (("apparel", None), ("shirts", "apparel"), ("gifts", None)):
        call("post", "/v1/catalogs/cat/categories", {"ID": category, "Name": category, "Active": True,
                                                     "ParentID": parent}, status=201)  # fmt: skip
    for product, category in (("tee", "shirts"), ("mug", "gifts"), ("loose", None)):
        call("post", "/v1/products", {"ID": product, "Name": product, "Active": True}, status=201)
        call("post", "/v1/catalogs/productassignments", {"CatalogID": "cat", "ProductID": product}, status=204)
        if category:
            call("post", "/v1/catalogs/cat/categories/productassignments", {"CategoryID": category, "ProductID": product},
                 status=204)  # fmt: skip


def assign_catalog(call, **flags):
    call("post", "/v1/catalogs/assignments", {"CatalogID": "cat", "BuyerID": "buyer-1", **flags}, status=204)


def shopper_sees(world, call, what="products", query="") -> list[str]:
    token = world.token(username="shopper", client_id="buyer-client")
    if what == "categories":
        query += "&depth=all"  # every level (the default is the top one)
    response = call("get", f"/v1/me/{what}?sortBy=ID{query}", token=token, status=200)
    return [item["ID"] for item in response.json()["Items"]]


class TestProducts:
    def test_view_all_products_shows_the_whole_catalog(self, world, call, store):
        assign_catalog(call, ViewAllProducts=True)
        assert shopper_sees(world, call) == ["loose", "mug", "tee"]

    def test_an_inactive_catalog_shows_nothing(self, world, call, store):
        assign_catalog(call, ViewAllProducts=True)
        call("patch", "/v1/catalogs/cat", {"Active": False}, status=200)
        assert shopper_sees(world, call) == []
        assert shopper_sees(world, call, "catalogs") == []
        assert shopper_sees(world, call, "categories") == []

    def test_without_view_all_products_only_granted_categories_and_assigned_products(self, world, call, store):
        assign_catalog(call, ViewAllProducts=False)
        assert shopper_sees(world, call) == []
        # a category assignment on the parent category is inherited by shirts
        call("post", ASSIGN, {"CategoryID": "apparel", "BuyerID": "buyer-1", "ViewAllProducts": True}, status=204)
        assert shopper_sees(world, call) == ["tee"]
        # a product assignment shows a product outside any granted category (no price schedule needed)
        call("post", "/v1/products/assignments", {"ProductID": "loose", "BuyerID": "buyer-1"}, status=204)
        assert shopper_sees(world, call) == ["loose", "tee"]
        # the nearest setting up the tree wins: shirts says no
        call("post", ASSIGN, {"CategoryID": "shirts", "BuyerID": "buyer-1", "ViewAllProducts": False}, status=204)
        assert shopper_sees(world, call) == ["loose"]
        # an inactive category grants nothing
        call("delete", "/v1/catalogs/cat/categories/shirts/assignments?buyerID=buyer-1", status=204)
        call("patch", "/v1/catalogs/cat/categories/shirts", {"Active": False}, status=200)
        assert shopper_sees(world, call) == ["loose"]

    def test_a_user_group_grant_is_for_its_members_only(self, world, call, store):
        assign_catalog(call, ViewAllProducts=False)
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", ASSIGN, {"CategoryID": "gifts", "BuyerID": "buyer-1", "UserGroupID": "vip",
                              "ViewAllProducts": True}, status=204)  # fmt: skip
        assert shopper_sees(world, call) == []
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "buyer-user"},
             status=204)  # fmt: skip
        assert shopper_sees(world, call) == ["mug"]
        # another user of the buyer, not in the group
        core_user(world.marketplace, kind=m.UserKind.BUYER, company_id="buyer-1", user_id="u2", username="outsider")
        token = world.token(username="outsider", client_id="buyer-client")
        assert call("get", "/v1/me/products", token=token).json()["Items"] == []
        assert call("get", "/v1/me/products/mug", token=token).status_code == 404


class TestCategories:
    def test_view_all_categories(self, world, call, store):
        assign_catalog(call, ViewAllCategories=True)
        assert shopper_sees(world, call, "categories") == ["apparel", "gifts", "shirts"]

    def test_without_it_only_visible_categories_inherited_down_the_tree(self, world, call, store):
        assign_catalog(call, ViewAllCategories=False)
        assert shopper_sees(world, call, "categories") == []
        call("post", ASSIGN, {"CategoryID": "apparel", "BuyerID": "buyer-1", "Visible": True}, status=204)
        assert shopper_sees(world, call, "categories") == ["apparel", "shirts"]
        call("post", ASSIGN, {"CategoryID": "shirts", "BuyerID": "buyer-1", "Visible": False}, status=204)
        assert shopper_sees(world, call, "categories") == ["apparel"]


class TestCategoriesOfAProduct:
    """Me.ListCategories?productID=...: the categories the product is assigned to, of the catalogs
    and categories the user sees (at any depth unless one is given)."""

    @pytest.fixture
    def tee_twice(self, call, store):
        call("post", "/v1/catalogs/cat/categories/productassignments", {"CategoryID": "gifts", "ProductID": "tee"},
             status=204)  # fmt: skip
        # a catalog the buyer is not assigned to, with tee in one of its categories
        call("post", "/v1/catalogs", {"ID": "other", "Name": "Other", "Active": True}, status=201)
        call("post", "/v1/catalogs/other/categories", {"ID": "hidden", "Name": "hidden", "Active": True}, status=201)
        call("post", "/v1/catalogs/other/categories/productassignments", {"CategoryID": "hidden", "ProductID": "tee"},
             status=204)  # fmt: skip

    def sees(self, world, call, query: str, status: int = 200):
        token = world.token(username="shopper", client_id="buyer-client")
        response = call("get", f"/v1/me/categories?sortBy=ID&{query}", token=token, status=status)
        return [item["ID"] for item in response.json()["Items"]] if status == 200 else response.json()

    def test_only_the_categories_the_product_is_in(self, world, call, tee_twice):
        assign_catalog(call, ViewAllCategories=True, ViewAllProducts=True)
        assert self.sees(world, call, "productID=tee") == ["gifts", "shirts"]
        assert self.sees(world, call, "productID=mug") == ["gifts"]
        assert self.sees(world, call, "productID=loose") == []
        assert self.sees(world, call, "productID=tee&catalogID=cat") == ["gifts", "shirts"]
        # an explicit depth still applies (shirts is on level 2), as do filters
        assert self.sees(world, call, "productID=tee&depth=1") == ["gifts"]
        assert self.sees(world, call, "productID=tee&ParentID=apparel") == ["shirts"]
        assert self.sees(world, call, "productID=tee&Name=gifts") == ["gifts"]

    def test_only_categories_the_user_sees(self, world, call, tee_twice):
        assign_catalog(call, ViewAllCategories=False, ViewAllProducts=True)
        assert self.sees(world, call, "productID=tee") == []
        call("post", ASSIGN, {"CategoryID": "gifts", "BuyerID": "buyer-1", "Visible": True}, status=204)
        assert self.sees(world, call, "productID=tee") == ["gifts"]

    def test_a_product_the_user_does_not_see_is_not_found(self, world, call, tee_twice):
        assign_catalog(call, ViewAllCategories=True, ViewAllProducts=True)
        for product in ("ghost", "unlisted"):
            body = self.sees(world, call, f"productID={product}", status=404)
            assert body["Errors"][0]["Data"] == {"ObjectType": "Product", "ObjectID": product}
        call("patch", "/v1/products/tee", {"Active": False}, status=200)
        self.sees(world, call, "productID=tee", status=404)

    def test_product_id_is_in_the_openapi_document(self, call):
        document = call("get", "/v1/openapi.json", status=200).json()
        names = [p["name"] for p in document["paths"]["/v1/me/categories"]["get"]["parameters"]]
        assert "productID" in names


class TestDefaultCatalog:
    """Me.ListCategories without catalogID: the SDK says "The user's default CatalogID will be used
    to return categories if you do not pass another CatalogID explicitly. Listing categories across
    multiple catalogs is not supported." They were listed across all of the buyer's catalogs."""

    @pytest.fixture
    def two_catalogs(self, call, store):
        assign_catalog(call, ViewAllCategories=True)
        call("post", "/v1/catalogs", {"ID": "second", "Name": "Second", "Active": True}, status=201)
        call("post", "/v1/catalogs/second/categories", {"ID": "tools", "Name": "tools", "Active": True}, status=201)
        call("post", "/v1/catalogs/assignments", {"CatalogID": "second", "BuyerID": "buyer-1",
                                                   "ViewAllCategories": True}, status=204)  # fmt: skip

    def test_the_buyers_default_catalog_is_used(self, world, call, two_catalogs):
        call("patch", "/v1/buyers/buyer-1", {"DefaultCatalogID": "second"}, status=200)
        assert shopper_sees(world, call, "categories") == ["tools"]
        assert shopper_sees(world, call, "categories", "&catalogID=cat") == ["apparel", "gifts", "shirts"]

    def test_without_a_default_catalog_every_catalog_of_the_buyer(self, world, call, two_catalogs):
        assert shopper_sees(world, call, "categories") == ["apparel", "gifts", "shirts", "tools"]


class TestSeller:
    """Me.ListProducts?sellerID= (and Me.GetProduct): what that seller (the marketplace or a
    supplier) sells, at its pricing."""

    @pytest.fixture
    def sellers(self, world, call, store):
        assign_catalog(call, ViewAllProducts=True)
        call("post", "/v1/suppliers", {"ID": "maker", "Name": "Maker", "Active": True}, status=201)
        call("post", "/v1/suppliers", {"ID": "idle", "Name": "Idle", "Active": True}, status=201)
        for schedule, price in (("list", 10), ("maker-price", 8), ("deal", 5)):
            call("post", "/v1/priceschedules", {"ID": schedule, "Name": schedule,
                                                "PriceBreaks": [{"Quantity": 1, "Price": price}]}, status=201)  # fmt: skip
        call("patch", "/v1/products/loose", {"DefaultPriceScheduleID": "list"}, status=200)
        call("put", "/v1/products/loose/suppliers/maker?defaultPriceScheduleID=maker-price", status=204)
        call("patch", "/v1/products/mug", {"DefaultSupplierID": "maker"}, status=200)
        call("post", "/v1/products", {"ID": "kit", "Name": "kit", "Active": True, "OwnerID": "maker"}, status=201)
        call("post", "/v1/catalogs/productassignments", {"CatalogID": "cat", "ProductID": "kit"}, status=204)

    def sees(self, world, call, query: str = "", status: int = 200):
        token = world.token(username="shopper", client_id="buyer-client")
        response = call("get", f"/v1/me/products?sortBy=ID&{query}", token=token, status=status)
        return response.json()

    def test_the_products_the_seller_sells(self, world, call, sellers):
        ids = lambda body: [item["ID"] for item in body["Items"]]  # noqa: E731
        assert ids(self.sees(world, call)) == ["kit", "loose", "mug", "tee"]
        assert ids(self.sees(world, call, "sellerID=maker")) == ["kit", "loose", "mug"]
        assert ids(self.sees(world, call, "sellerID=mkt-one")) == ["loose", "mug", "tee"]
        assert ids(self.sees(world, call, "sellerID=idle")) == []
        assert ids(self.sees(world, call, "sellerID=maker&categoryID=gifts")) == ["mug"]

    def test_an_unknown_seller_is_not_found(self, world, call, sellers):
        body = self.sees(world, call, "sellerID=ghost", status=404)
        assert body["Errors"][0]["Data"] == {"ObjectType": "Seller", "ObjectID": "ghost"}

    def test_the_sellers_pricing(self, world, call, sellers):
        def price(query: str = "") -> str | None:
            items = {i["ID"]: i for i in self.sees(world, call, query)["Items"]}
            schedule = items["loose"]["PriceSchedule"]
            return schedule and schedule["ID"]

        assert price() == "list"
        assert price("sellerID=mkt-one") == "list"
        assert price("sellerID=maker") == "maker-price"  # the supplier's own default (Products.SaveSupplier)
        # an assignment the supplier made for this buyer wins over its default; the marketplace's
        # pricing does not use it
        call("post", "/v1/products/assignments", {"ProductID": "loose", "BuyerID": "buyer-1", "SellerID": "maker",
                                                  "PriceScheduleID": "deal"}, status=204)  # fmt: skip
        assert price("sellerID=maker") == "deal"
        assert price("sellerID=mkt-one") == "list"
        token = world.token(username="shopper", client_id="buyer-client")
        got = call("get", "/v1/me/products/loose?sellerID=maker", token=token, status=200).json()
        assert got["PriceSchedule"]["ID"] == "deal"
        call("get", "/v1/me/products/tee?sellerID=maker", token=token, status=404)
        call("get", "/v1/me/products/tee?sellerID=mkt-one", token=token, status=200)

    def test_each_seller_has_its_own_assignment(self, world, call, sellers):
        """A supplier's product assignment (SellerID) for a buyer replaced the marketplace's one for
        the same product and buyer (one row per product, buyer and group): the marketplace's price
        for that buyer was lost. Products.DeleteAssignment's `sellerID` was ignored."""

        def price(query: str = "") -> str | None:
            items = {i["ID"]: i for i in self.sees(world, call, query)["Items"]}
            return (items["loose"]["PriceSchedule"] or {}).get("ID")

        mine = {"ProductID": "loose", "BuyerID": "buyer-1", "PriceScheduleID": "deal"}
        call("post", "/v1/products/assignments", mine, status=204)
        call("post", "/v1/products/assignments", {**mine, "SellerID": "maker", "PriceScheduleID": "maker-price"}, status=204)
        listed = call("get", "/v1/products/assignments?productID=loose", status=200).json()["Items"]
        assert sorted((str(a["SellerID"]), a["PriceScheduleID"]) for a in listed) == [("None", "deal"), ("maker", "maker-price")]
        assert price() == "deal"  # no seller asked for: the marketplace's own
        assert price("sellerID=mkt-one") == "deal"
        assert price("sellerID=maker") == "maker-price"
        call("post", "/v1/products/assignments", {**mine, "SellerID": "maker", "PriceScheduleID": "list"}, status=204)
        assert price("sellerID=maker") == "list"  # saving again updates that seller's one
        assert len(call("get", "/v1/products/assignments?productID=loose", status=200).json()["Items"]) == 2
        # a supplier's new ID is followed; deleting it takes the assignments it made as a seller
        call("patch", "/v1/suppliers/maker", {"ID": "maker2"}, status=200)
        assert price("sellerID=maker2") == "list"
        call("delete", "/v1/products/loose/assignments/buyer-1?sellerID=maker2", status=204)
        listed = call("get", "/v1/products/assignments?productID=loose", status=200).json()["Items"]
        assert [(a["SellerID"], a["PriceScheduleID"]) for a in listed] == [(None, "deal")]
        call("post", "/v1/products/assignments", {**mine, "SellerID": "maker2"}, status=204)
        call("delete", "/v1/products/loose/assignments/buyer-1", status=204)  # the marketplace's
        listed = call("get", "/v1/products/assignments?productID=loose", status=200).json()["Items"]
        assert [a["SellerID"] for a in listed] == ["maker2"]
        call("delete", "/v1/suppliers/maker2", status=204)
        assert call("get", "/v1/products/assignments?productID=loose", status=200).json()["Items"] == []

    def test_a_deleted_price_schedule_gives_way_to_the_next_price(self, world, call, sellers):
        """A buyer's product assignment whose price schedule was deleted hid the product's own
        price: Me.ListProducts showed PriceSchedule null, as if the product had none."""

        def price(query: str = "") -> str | None:
            items = {i["ID"]: i for i in self.sees(world, call, query)["Items"]}
            return (items["loose"]["PriceSchedule"] or {}).get("ID")

        call("post", "/v1/products/assignments", {"ProductID": "loose", "BuyerID": "buyer-1", "PriceScheduleID": "deal"},
             status=204)  # fmt: skip
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "buyer-user"}, status=204)
        call("post", "/v1/priceschedules", {"ID": "vip-price", "Name": "VIP"}, status=201)
        call("post", "/v1/products/assignments", {"ProductID": "loose", "BuyerID": "buyer-1", "UserGroupID": "vip",
                                                  "PriceScheduleID": "vip-price"}, status=204)  # fmt: skip
        assert price() == "vip-price"
        call("delete", "/v1/priceschedules/vip-price", status=204)
        assert price() == "deal"  # the buyer's, as if the group had none
        call("delete", "/v1/priceschedules/deal", status=204)
        assert price() == "list"  # the product's default
        assert price("sellerID=maker") == "maker-price"
        call("delete", "/v1/priceschedules/maker-price", status=204)  # the supplier's default for it
        assert price("sellerID=maker") == "list"
        token = world.token(username="shopper", client_id="buyer-client")
        assert call("get", "/v1/me/products/loose", token=token, status=200).json()["PriceSchedule"]["ID"] == "list"

    def test_bundle_assignments_per_seller(self, call, sellers):
        call("post", "/v1/bundles", {"ID": "b1", "Name": "B1", "Active": True}, status=201)
        mine = {"BundleID": "b1", "BuyerID": "buyer-1"}
        call("post", "/v1/bundles/assignments", mine, status=204)
        call("post", "/v1/bundles/assignments", {**mine, "SellerID": "maker"}, status=204)
        listed = call("get", "/v1/bundles/assignments?bundleID=b1", status=200).json()["Items"]
        assert sorted(str(a["SellerID"]) for a in listed) == ["None", "maker"]
        call("delete", "/v1/bundles/b1/assignments/buyer-1?sellerID=maker", status=204)
        listed = call("get", "/v1/bundles/assignments?bundleID=b1", status=200).json()["Items"]
        assert [a["SellerID"] for a in listed] == [None]

    @pytest.mark.parametrize(("path", "mine"), [("/v1/products/assignments", {"ProductID": "loose", "BuyerID": "buyer-1"}),
                                                ("/v1/bundles/assignments", {"BundleID": "b1", "BuyerID": "buyer-1"})])
    def test_an_unknown_seller_is_not_found(self, call, sellers, path, mine):
        """A SellerID naming no supplier (nor the marketplace) was saved (204): an assignment of a
        seller that does not exist, which no seller's pricing ever used."""
        call("post", "/v1/bundles", {"ID": "b1", "Name": "B1", "Active": True}, status=201)
        error = call("post", path, {**mine, "SellerID": "ghost"}, status=404).json()["Errors"][0]
        assert (error["ErrorCode"], error["Data"]) == ("NotFound", {"ObjectType": "Supplier", "ObjectID": "ghost"})
        assert call("get", path, status=200).json()["Items"] == []
        call("post", path, {**mine, "SellerID": "maker"}, status=204)
        call("post", path, {**mine, "SellerID": ""}, status=204)  # none: the marketplace's
        assert sorted(str(a["SellerID"]) for a in call("get", path, status=200).json()["Items"]) == ["None", "maker"]

    @pytest.mark.parametrize(("path", "mine", "delete"), [
        ("/v1/products/assignments", {"ProductID": "loose", "BuyerID": "buyer-1", "PriceScheduleID": "deal"},
         "/v1/products/loose/assignments/buyer-1"),
        ("/v1/bundles/assignments", {"BundleID": "b1", "BuyerID": "buyer-1"}, "/v1/bundles/b1/assignments/buyer-1"),
    ])  # fmt: skip
    def test_the_marketplaces_own_id_as_seller_is_the_marketplaces_assignment(self, call, sellers, path, mine, delete):
        """SellerID = the marketplace's ID was a second assignment beside the one without a SellerID,
        though pricing takes both for the marketplace's (and the first made won)."""
        call("post", "/v1/bundles", {"ID": "b1", "Name": "B1", "Active": True}, status=201)
        call("post", path, mine, status=204)
        changed = {**mine, "SellerID": "mkt-one"}
        if "PriceScheduleID" in mine:
            changed["PriceScheduleID"] = "list"
        call("post", path, changed, status=204)
        listed = call("get", path, status=200).json()["Items"]
        assert len(listed) == 1 and listed[0]["SellerID"] is None  # as one saved without a SellerID shows
        if "PriceScheduleID" in mine:
            assert listed[0]["PriceScheduleID"] == "list"  # the save updated the marketplace's assignment
        call("post", path, {**mine, "SellerID": "maker"}, status=204)
        call("delete", f"{delete}?sellerID=mkt-one", status=204)
        assert [a["SellerID"] for a in call("get", path, status=200).json()["Items"]] == ["maker"]

    def test_seller_id_is_in_the_openapi_document(self, call):
        document = call("get", "/v1/openapi.json", status=200).json()
        for path in ("/v1/me/products", "/v1/me/products/{productID}"):
            assert "sellerID" in [p["name"] for p in document["paths"][path]["get"]["parameters"]]


class TestSellerCatalogs:
    """Me.ListCatalogs?sellerID= (the SDK documents it): of the catalogs the user sees, those that
    seller owns (OwnerID; none = the marketplace's), the rule Me.ListProducts?sellerID= follows for
    the marketplace. The parameter was ignored: every visible catalog was listed."""

    @pytest.fixture
    def catalogs(self, call, store):
        """Visible to buyer-1: cat (no OwnerID), mkt (OwnerID mkt-one), made and made-too (maker's).
        Not visible: made-hidden (maker's, not assigned) and made-off (maker's, inactive)."""
        assign_catalog(call)
        for supplier in ("maker", "idle"):
            call("post", "/v1/suppliers", {"ID": supplier, "Name": supplier, "Active": True}, status=201)
        for catalog, owner, active, assigned in (("mkt", "mkt-one", True, True), ("made", "maker", True, True),
                                                 ("made-too", "maker", True, True), ("made-hidden", "maker", True, False),
                                                 ("made-off", "maker", False, True)):  # fmt: skip
            call("post", "/v1/catalogs", {"ID": catalog, "Name": catalog, "OwnerID": owner, "Active": active}, status=201)
            if assigned:
                call("post", "/v1/catalogs/assignments", {"CatalogID": catalog, "BuyerID": "buyer-1"}, status=204)

    def test_the_catalogs_the_seller_owns(self, world, call, catalogs):
        assert shopper_sees(world, call, "catalogs") == ["cat", "made", "made-too", "mkt"]
        assert shopper_sees(world, call, "catalogs", "&sellerID=maker") == ["made", "made-too"]
        assert shopper_sees(world, call, "catalogs", "&sellerID=mkt-one") == ["cat", "mkt"]
        assert shopper_sees(world, call, "catalogs", "&sellerID=idle") == []
        assert shopper_sees(world, call, "catalogs", "&sellerID=maker&ID=made-too") == ["made-too"]  # with filters
        token = world.token(username="shopper", client_id="buyer-client")
        meta = call("get", "/v1/me/catalogs?sellerID=maker&pageSize=1", token=token, status=200).json()["Meta"]
        assert (meta["TotalCount"], meta["TotalPages"]) == (2, 2)

    def test_a_supplier_with_a_new_id_keeps_its_catalogs(self, world, call, catalogs):
        call("patch", "/v1/suppliers/maker", {"ID": "maker-2"}, status=200)
        assert shopper_sees(world, call, "catalogs", "&sellerID=maker-2") == ["made", "made-too"]

    def test_an_unknown_seller_is_not_found(self, world, call, catalogs):
        token = world.token(username="shopper", client_id="buyer-client")
        body = call("get", "/v1/me/catalogs?sellerID=ghost", token=token, status=404).json()
        assert body["Errors"][0]["Data"] == {"ObjectType": "Seller", "ObjectID": "ghost"}

    def test_seller_id_is_in_the_openapi_document(self, call):
        document = call("get", "/v1/openapi.json", status=200).json()
        [parameter] = [p for p in document["paths"]["/v1/me/catalogs"]["get"]["parameters"] if p["name"] == "sellerID"]
        assert parameter["in"] == "query" and not parameter.get("required")


class TestDepth:
    """`depth` as the SDK documents it: Me.ListCategories shows the top level by default ("Default
    is 1", relative to ParentID if given); Me.ListProducts with a categoryID shows its
    subcategories' products too ("Default is 'all'", relative to CategoryID). A storefront
    building its menu from Me.ListCategories() got every level in one flat list, and a
    category page showed none of its subcategories' products. An inactive category hides the
    categories and products under it."""

    def sees(self, world, call, what, query) -> list[str]:
        token = world.token(username="shopper", client_id="buyer-client")
        response = call("get", f"/v1/me/{what}?sortBy=ID&{query}", token=token, status=200)
        return [item["ID"] for item in response.json()["Items"]]

    def test_categories_are_the_top_level_unless_deeper_is_asked(self, world, call, store):
        call("post", "/v1/catalogs/cat/categories", {"ID": "polos", "Name": "Polos", "Active": True,
                                                     "ParentID": "shirts"}, status=201)  # fmt: skip
        assign_catalog(call, ViewAllCategories=True, ViewAllProducts=True)
        assert self.sees(world, call, "categories", "") == ["apparel", "gifts"]
        assert self.sees(world, call, "categories", "depth=2") == ["apparel", "gifts", "shirts"]
        assert self.sees(world, call, "categories", "depth=all") == ["apparel", "gifts", "polos", "shirts"]
        assert self.sees(world, call, "categories", "ParentID=apparel") == ["shirts"]
        assert self.sees(world, call, "categories", "ParentID=apparel&depth=all") == ["polos", "shirts"]
        assert self.sees(world, call, "categories", "ParentID=shirts|gifts") == ["polos"]  # a filter: every level

    def test_a_category_shows_its_subcategories_products(self, world, call, store):
        assign_catalog(call, ViewAllCategories=True, ViewAllProducts=True)
        assert self.sees(world, call, "products", "categoryID=apparel") == ["tee"]
        assert self.sees(world, call, "products", "categoryID=apparel&depth=1") == []
        assert self.sees(world, call, "products", "categoryID=apparel&depth=2") == ["tee"]
        assert self.sees(world, call, "products", "categoryID=shirts") == ["tee"]

    def test_an_inactive_category_hides_what_is_under_it(self, world, call, store):
        assign_catalog(call, ViewAllCategories=True, ViewAllProducts=True)
        call("patch", "/v1/catalogs/cat/categories/apparel", {"Active": False}, status=200)
        assert self.sees(world, call, "categories", "depth=all") == ["gifts"]
        assert self.sees(world, call, "products", "categoryID=shirts") == []

    def test_a_category_whose_parent_was_deleted_is_still_listed_from_the_top(self, world, call, store):
        assign_catalog(call, ViewAllCategories=True, ViewAllProducts=True)
        # an orphan left by a delete from before deletes took the subcategories with them
        m.Category.objects.filter(catalog_id="cat", oc_id="apparel").delete()
        assert self.sees(world, call, "categories", "") == ["gifts", "shirts"]
        assert self.sees(world, call, "products", "categoryID=shirts") == ["tee"]

    @pytest.mark.parametrize("query", ["depth=0", "depth=-1", "depth=two", "depth=1.5"])
    def test_a_bad_depth_is_invalid_request(self, world, call, store, query):
        token = world.token(username="shopper", client_id="buyer-client")
        for what in ("categories", "products?categoryID=apparel&"):
            response = call("get", f"/v1/me/{what}{'' if '?' in what else '?'}{query}", token=token, status=400)
            assert response.json()["Errors"][0]["Message"] == "depth must be 'all' or a whole number of 1 or greater."


class TestAssignmentOperations:
    def test_save_list_update_and_delete(self, call, store):
        call("post", ASSIGN, {"CategoryID": "gifts", "BuyerID": "buyer-1", "Visible": True}, status=204)
        call("post", ASSIGN, {"CategoryID": "gifts", "BuyerID": "buyer-1", "ViewAllProducts": True}, status=204)
        items = call("get", f"{ASSIGN}?categoryID=gifts", status=200).json()["Items"]
        assert items == [{"CategoryID": "gifts", "BuyerID": "buyer-1", "UserGroupID": None, "Visible": True,
                          "ViewAllProducts": True}]  # fmt: skip
        assert call("get", f"{ASSIGN}?buyerID=nobody").json()["Items"] == []
        call("delete", "/v1/catalogs/cat/categories/gifts/assignments?buyerID=buyer-1", status=204)
        assert call("get", ASSIGN).json()["Items"] == []

    def test_bad_references_are_not_found_or_invalid(self, world, call, store):
        call("post", "/v1/catalogs", {"ID": "other", "Name": "Other", "Active": True}, status=201)
        call("post", "/v1/catalogs/other/categories", {"ID": "elsewhere", "Name": "x"}, status=201)
        missing = call("post", ASSIGN, {"CategoryID": "elsewhere", "BuyerID": "buyer-1"}, status=404)
        assert missing.json()["Errors"][0]["Data"] == {"ObjectType": "Category", "ObjectID": "elsewhere"}
        call("post", ASSIGN, {"CategoryID": "gifts", "BuyerID": "ghost"}, status=404)
        call("post", ASSIGN, {"CategoryID": "gifts", "BuyerID": "buyer-1", "UserGroupID": "ghost"}, status=404)
        call("post", ASSIGN, {"CategoryID": "gifts"}, status=400)
        call("post", "/v1/catalogs/ghost/categories/assignments", {"CategoryID": "gifts", "BuyerID": "buyer-1"},
             status=404)  # fmt: skip
        reader = world.admin_token(scope="CategoryReader")
        call("get", ASSIGN, token=reader, status=200)
        call("post", ASSIGN, {"CategoryID": "gifts", "BuyerID": "buyer-1"}, token=reader, status=403)

    def test_they_follow_a_new_category_id_and_go_with_the_category(self, call, store):
        call("post", ASSIGN, {"CategoryID": "gifts", "BuyerID": "buyer-1", "Visible": True}, status=204)
        call("patch", "/v1/catalogs/cat/categories/gifts", {"ID": "presents"}, status=200)
        assert [a["CategoryID"] for a in call("get", ASSIGN).json()["Items"]] == ["presents"]
        call("delete", "/v1/catalogs/cat/categories/presents", status=204)
        assert call("get", ASSIGN).json()["Items"] == []
