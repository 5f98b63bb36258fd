"""AdminAddresses (`/v1/addresses`), a buyer's Addresses (`/v1/buyers/{buyerID}/addresses`, with
assignments to the buyer, its user groups and its users) and SupplierAddresses
(`/v1/suppliers/{supplierID}/addresses`): CRUD, list conventions, roles, another party's addresses
not found, deletes and new IDs followed, and the Staging restore copying them."""

import pytest
from django.db import transaction

from coreapi import models as m
from coreapi import restore
from coreapi.services import marketplace_create
from coreapi.testing import core_buyer, core_security_profile, core_user, core_world

pytestmark = pytest.mark.django_db

HOME = {"Street1": "1 Main St", "City": "Springfield", "Country": "US"}


def error(response) -> dict:
    return response.json()["Errors"][0]


def ids(response) -> list[str]:
    return [i["ID"] for i in response.json()["Items"]]


def pairs(response, *keys):
    return [tuple(i[k] for k in keys) for i in response.json()["Items"]]


@pytest.fixture
def editor(world):
    """An admin user with no roles of its own."""
    m.SecurityProfileAssignment.objects.filter(security_profile_id="admin-profile").update(user_id="admin-user")
    return core_user(world.marketplace, user_id="editor")


class TestAdminAddresses:
    def test_crud_list_search_and_sort(self, call):
        body = {"ID": "hq", "CompanyName": "Acme", "FirstName": "Ann", "LastName": "Lee", "Street2": "Floor 2",
                "State": "IL", "Zip": "62701", "Phone": "555", "AddressName": "Head office", "xp": {"dock": 4}, **HOME}
        created = call("post", "/v1/addresses", body, status=201).json()
        assert {k: created[k] for k in body} == body
        assert created["DateCreated"]
        assert call("get", "/v1/addresses/hq", status=200).json()["City"] == "Springfield"
        replaced = call("put", "/v1/addresses/hq", {**HOME, "City": "Shelbyville"}, status=200).json()
        assert (replaced["City"], replaced["CompanyName"], replaced["xp"]) == ("Shelbyville", None, {})
        call("put", "/v1/addresses/depot", {**HOME, "AddressName": "Depot"}, status=201)
        patched = call("patch", "/v1/addresses/depot", {"Zip": "99999", "xp": {"a": 1}}, status=200).json()
        assert (patched["Zip"], patched["Street1"], patched["xp"]) == ("99999", "1 Main St", {"a": 1})
        assert ids(call("get", "/v1/addresses?sortBy=!ID")) == ["hq", "depot"]
        assert ids(call("get", "/v1/addresses?search=Depot")) == ["depot"]
        assert ids(call("get", "/v1/addresses?City=Shelby*")) == ["hq"]
        assert ids(call("get", "/v1/addresses?xp.a=1")) == ["depot"]
        assert call("get", "/v1/addresses").json()["Meta"]["TotalCount"] == 2
        call("delete", "/v1/addresses/depot", status=204)
        assert error(call("get", "/v1/addresses/depot", status=404))["Data"] == {"ObjectType": "Address", "ObjectID": "depot"}

    def test_required_fields_limits_and_ids(self, call):
        for missing in ("Street1", "City", "Country"):
            body = {k: v for k, v in HOME.items() if k != missing}
            answer = error(call("post", "/v1/addresses", body, status=400))
            assert (answer["ErrorCode"], answer["Data"]) == ("InvalidRequest", {"Field": missing})
        call("put", "/v1/addresses/x", {"City": "C", "Country": "US"}, status=400)
        for country in ("United States", "USA", "U", "1A", "ÜS"):
            answer = error(call("post", "/v1/addresses", {**HOME, "Country": country}, status=400))
            assert answer["Data"] == {"Field": "Country"} and "two-letter" in answer["Message"], country
        assert call("post", "/v1/addresses", {**HOME, "ID": "dk", "Country": "DK"}, status=201).json()["Country"] == "DK"
        assert error(call("patch", "/v1/addresses/dk", {"Country": "Denmark"}, status=400))["Data"] == {"Field": "Country"}
        # an address stored before the check can still be edited without touching its Country
        m.Address.objects.filter(oc_id="dk").update(country="Danmark")
        assert call("patch", "/v1/addresses/dk", {"Zip": "2100"}, status=200).json()["Country"] == "Danmark"
        call("delete", "/v1/addresses/dk", status=204)
        call("post", "/v1/addresses", {**HOME, "City": "c" * 101}, status=400)
        call("post", "/v1/addresses", {**HOME, "ID": "a"}, status=201)
        assert error(call("post", "/v1/addresses", {**HOME, "ID": "a"}, status=409))["ErrorCode"] == "IdExists"
        generated = call("post", "/v1/addresses", HOME, status=201).json()["ID"]
        assert len(generated) == 22

    def test_roles_guard_the_endpoints(self, world, call, editor, shopper):
        call("post", "/v1/addresses", {**HOME, "ID": "hq"}, status=201)
        core_security_profile(world.marketplace, profile_id="r", roles=["AdminAddressReader"], user_id="editor")
        reader = world.token(username="editor")
        call("get", "/v1/addresses", token=reader, status=200)
        call("get", "/v1/addresses/hq", token=reader, status=200)
        for method, path in (("post", "/v1/addresses"), ("put", "/v1/addresses/hq"), ("patch", "/v1/addresses/hq"),
                             ("delete", "/v1/addresses/hq")):  # fmt: skip
            denied = error(call(method, path, HOME, token=reader, status=403))
            assert denied["ErrorCode"] == "InsufficientRoles" and denied["Data"]["SufficientRoles"] == ["AdminAddressAdmin"]
        buyer_addresses_only = world.token(scope="AddressAdmin")
        call("get", "/v1/addresses", token=buyer_addresses_only, status=403)
        shopper_token = world.token(username="shopper", client_id="buyer-client")
        call("get", "/v1/addresses", token=shopper_token, status=403)

    def test_a_buyer_s_or_supplier_s_address_is_not_the_marketplace_s(self, call, shopper, suppliers):
        call("post", "/v1/buyers/buyer-1/addresses", {**HOME, "ID": "b"}, status=201)
        call("post", "/v1/suppliers/sup/addresses", {**HOME, "ID": "s"}, status=201)
        assert call("get", "/v1/addresses").json()["Items"] == []
        call("get", "/v1/addresses/b", status=404)
        call("get", "/v1/addresses/s", status=404)
        call("post", "/v1/addresses", {**HOME, "ID": "b"}, status=201)  # its own ID space

    def test_another_marketplace_s_addresses_are_not_found(self, call):
        call("post", "/v1/addresses", {**HOME, "ID": "hq"}, status=201)
        other = core_world(marketplace_id="mkt-two", client_id="other-client", admin_username="other-admin")
        token = other.admin_token()
        assert other.call("get", "/v1/addresses/hq", token).status_code == 404
        assert other.call("delete", "/v1/addresses/hq", token).status_code == 404
        assert other.call("get", "/v1/addresses", token).json()["Items"] == []


class TestBuyerAddresses:
    def test_crud_and_another_buyer_s_addresses_are_not_found(self, world, call, shopper):
        core_buyer(world, buyer_id="buyer-2", user_id="u2", username="other", client_id="c2")
        call("post", "/v1/buyers/buyer-1/addresses", {**HOME, "ID": "home", "AddressName": "Home"}, status=201)
        country = error(call("put", "/v1/buyers/buyer-1/addresses/home", {**HOME, "Country": "USA"}, status=400))
        assert country["Data"] == {"Field": "Country"}
        assert call("get", "/v1/buyers/buyer-1/addresses/home", status=200).json()["AddressName"] == "Home"
        assert error(call("get", "/v1/buyers/buyer-2/addresses/home", status=404))["Data"] == {
            "ObjectType": "Address", "ObjectID": "home"}  # fmt: skip
        call("patch", "/v1/buyers/buyer-2/addresses/home", {"City": "X"}, status=404)
        call("delete", "/v1/buyers/buyer-2/addresses/home", status=404)
        assert call("get", "/v1/buyers/buyer-2/addresses").json()["Items"] == []
        assert error(call("get", "/v1/buyers/ghost/addresses", status=404))["Data"] == {"ObjectType": "Buyer", "ObjectID": "ghost"}
        call("post", "/v1/buyers/ghost/addresses", HOME, status=404)
        call("put", "/v1/buyers/buyer-2/addresses/home", HOME, status=201)  # IDs are per buyer
        call("put", "/v1/buyers/buyer-1/addresses/home", {**HOME, "Zip": "1"}, status=200)
        assert call("get", "/v1/buyers/buyer-2/addresses/home").json()["Zip"] is None
        assert ids(call("get", "/v1/buyers/buyer-1/addresses?search=Home&searchOn=AddressName")) == []  # PUT replaced it
        call("delete", "/v1/buyers/buyer-1/addresses/home", status=204)
        call("get", "/v1/buyers/buyer-2/addresses/home", status=200)

    def test_assignments_to_the_buyer_a_group_and_a_user(self, world, call, shopper):
        core_buyer(world, buyer_id="buyer-2", user_id="u2", username="other", client_id="c2")
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/buyers/buyer-2/usergroups", {"ID": "rival", "Name": "R"}, status=201)
        call("post", "/v1/buyers/buyer-1/addresses", {**HOME, "ID": "a1"}, status=201)
        call("post", "/v1/buyers/buyer-2/addresses", {**HOME, "ID": "a2"}, status=201)
        path = "/v1/buyers/buyer-1/addresses/assignments"
        call("post", path, {"AddressID": "a1", "IsShipping": True}, status=204)
        call("post", path, {"AddressID": "a1", "UserGroupID": "vip", "IsBilling": "true"}, status=204)
        call("post", path, {"AddressID": "a1", "UserID": "buyer-user", "IsShipping": True, "IsBilling": True}, status=204)
        call("post", path, {"AddressID": "a1", "UserID": "buyer-user", "IsShipping": True, "IsBilling": True}, status=204)  # once
        keys = ("AddressID", "UserID", "UserGroupID", "IsShipping", "IsBilling")
        assert sorted(pairs(call("get", path), *keys), key=str) == sorted([
            ("a1", None, None, True, False), ("a1", None, "vip", False, True), ("a1", "buyer-user", None, True, True)], key=str)
        assert pairs(call("get", f"{path}?level=Group"), "UserGroupID") == [("vip",)]
        assert pairs(call("get", f"{path}?level=Company"), "IsShipping") == [(True,)]
        assert pairs(call("get", f"{path}?userID=buyer-user"), "UserID") == [("buyer-user",)]
        assert len(call("get", f"{path}?isShipping=true").json()["Items"]) == 2
        assert pairs(call("get", f"{path}?isBilling=FALSE"), "UserGroupID", "UserID") == [(None, None)]
        assert error(call("get", f"{path}?isShipping=yes", status=400))["ErrorCode"] == "InvalidRequest"
        assert error(call("get", f"{path}?level=Buyer", status=400))["ErrorCode"] == "InvalidRequest"
        assert call("get", "/v1/buyers/buyer-2/addresses/assignments").json()["Items"] == []

        # what another buyer has, or nobody, is not found
        for body, kind, oid in (({"AddressID": "a2"}, "Address", "a2"), ({"AddressID": "nope"}, "Address", "nope"),
                                ({"AddressID": "a1", "UserGroupID": "rival"}, "UserGroup", "rival"),
                                ({"AddressID": "a1", "UserID": "u2"}, "User", "u2")):  # fmt: skip
            assert error(call("post", path, body, status=404))["Data"] == {"ObjectType": kind, "ObjectID": oid}
        call("post", "/v1/buyers/buyer-2/addresses/assignments", {"AddressID": "a1"}, status=404)
        call("post", "/v1/buyers/ghost/addresses/assignments", {"AddressID": "a1"}, status=404)
        ghost = error(call("get", "/v1/buyers/ghost/addresses/assignments", status=404))
        assert ghost["Data"] == {"ObjectType": "Buyer", "ObjectID": "ghost"}
        call("delete", "/v1/buyers/ghost/addresses/a1/assignments", status=404)
        both = call("post", path, {"AddressID": "a1", "UserID": "buyer-user", "UserGroupID": "vip"}, status=400)
        assert error(both)["ErrorCode"] == "InvalidRequest"
        assert error(call("post", path, {"UserID": "buyer-user"}, status=400))["Data"] == {"Field": "AddressID"}

        call("delete", "/v1/buyers/buyer-1/addresses/a1/assignments?userGroupID=vip", status=204)
        call("delete", "/v1/buyers/buyer-2/addresses/a1/assignments?userID=buyer-user", status=204)  # nothing there
        assert sorted(pairs(call("get", path), "UserID", "UserGroupID"), key=str) == [("buyer-user", None), (None, None)]
        call("delete", "/v1/buyers/buyer-1/addresses/a1/assignments", status=204)  # the buyer-level one
        assert pairs(call("get", path), "UserID") == [("buyer-user",)]

    def test_roles_guard_addresses_and_assignments(self, world, call, editor, shopper):
        call("post", "/v1/buyers/buyer-1/addresses", {**HOME, "ID": "a1"}, status=201)
        core_security_profile(world.marketplace, profile_id="r", roles=["AddressReader"], user_id="editor")
        reader = world.token(username="editor")
        call("get", "/v1/buyers/buyer-1/addresses", token=reader, status=200)
        call("get", "/v1/buyers/buyer-1/addresses/assignments", token=reader, status=200)
        denied = error(call("post", "/v1/buyers/buyer-1/addresses/assignments", {"AddressID": "a1"}, token=reader, status=403))
        assert denied["Data"]["SufficientRoles"] == ["AddressAdmin"]
        call("delete", "/v1/buyers/buyer-1/addresses/a1/assignments", token=reader, status=403)
        call("patch", "/v1/buyers/buyer-1/addresses/a1", {"City": "X"}, token=reader, status=403)
        call("get", "/v1/buyers/buyer-1/addresses", token=world.token(scope="AdminAddressAdmin"), status=403)
        shopper_token = world.token(username="shopper", client_id="buyer-client")
        call("get", "/v1/buyers/buyer-1/addresses", token=shopper_token, status=403)  # a buyer user uses /v1/me

    def test_deletes_follow_the_owner(self, world, call, shopper):
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        for aid in ("a1", "a2"):
            call("post", "/v1/buyers/buyer-1/addresses", {**HOME, "ID": aid}, status=201)
        path = "/v1/buyers/buyer-1/addresses/assignments"
        call("post", path, {"AddressID": "a1", "UserGroupID": "vip"}, status=204)
        call("post", path, {"AddressID": "a1", "UserID": "buyer-user"}, status=204)
        call("post", path, {"AddressID": "a2"}, status=204)
        call("delete", "/v1/buyers/buyer-1/usergroups/vip", status=204)
        assert sorted(pairs(call("get", path), "AddressID", "UserID"), key=str) == [("a1", "buyer-user"), ("a2", None)]
        call("delete", "/v1/buyers/buyer-1/users/buyer-user", status=204)
        assert pairs(call("get", path), "AddressID") == [("a2",)]
        call("delete", "/v1/buyers/buyer-1/addresses/a2", status=204)
        assert call("get", path).json()["Items"] == []
        call("post", path, {"AddressID": "a1"}, status=204)
        call("delete", "/v1/buyers/buyer-1", status=204)
        assert not m.Address.objects.exists() and not m.AddressAssignment.objects.exists()
        # a buyer created again with that ID has none of them
        call("post", "/v1/buyers", {"ID": "buyer-1", "Name": "Again", "Active": True}, status=201)
        assert call("get", "/v1/buyers/buyer-1/addresses").json()["Items"] == []

    def test_new_ids_are_followed(self, world, call, shopper):
        core_buyer(world, buyer_id="buyer-2", user_id="buyer-user", username="twin", client_id="c2")
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/buyers/buyer-1/addresses", {**HOME, "ID": "a1"}, status=201)
        call("post", "/v1/buyers/buyer-2/addresses", {**HOME, "ID": "a1"}, status=201)
        path = "/v1/buyers/buyer-1/addresses/assignments"
        call("post", path, {"AddressID": "a1", "UserGroupID": "vip"}, status=204)
        call("post", path, {"AddressID": "a1", "UserID": "buyer-user"}, status=204)
        call("post", "/v1/buyers/buyer-2/addresses/assignments", {"AddressID": "a1", "UserID": "buyer-user"}, status=204)

        call("patch", "/v1/buyers/buyer-1/addresses/a1", {"ID": "home"}, status=200)
        call("patch", "/v1/buyers/buyer-1/usergroups/vip", {"ID": "gold"}, status=200)
        call("patch", "/v1/buyers/buyer-1/users/buyer-user", {"ID": "ann"}, status=200)
        assert sorted(pairs(call("get", path), "AddressID", "UserID", "UserGroupID"), key=str) == [
            ("home", "ann", None), ("home", None, "gold")]
        call("patch", "/v1/buyers/buyer-1", {"ID": "acme"}, status=200)
        assert ids(call("get", "/v1/buyers/acme/addresses")) == ["home"]
        assert len(call("get", "/v1/buyers/acme/addresses/assignments").json()["Items"]) == 2
        # the other buyer's address and assignment with the same IDs are untouched
        assert pairs(call("get", "/v1/buyers/buyer-2/addresses/assignments"), "AddressID", "UserID") == [("a1", "buyer-user")]
        call("patch", "/v1/buyers/buyer-2/addresses/a1", {"ID": "home"}, status=200)
        call("patch", "/v1/buyers/buyer-2/addresses/home", {"ID": "taken"}, status=200)
        call("post", "/v1/buyers/buyer-2/addresses", {**HOME, "ID": "x"}, status=201)
        assert error(call("patch", "/v1/buyers/buyer-2/addresses/x", {"ID": "taken"}, status=409))["ErrorCode"] == "IdExists"


class TestSupplierAddresses:
    def test_crud_and_another_supplier_s_addresses_are_not_found(self, call, suppliers):
        call("post", "/v1/suppliers/sup/addresses", {**HOME, "ID": "wh"}, status=201)
        call("put", "/v1/suppliers/sup/addresses/wh", {**HOME, "AddressName": "Warehouse"}, status=200)
        call("patch", "/v1/suppliers/sup/addresses/wh", {"Phone": "1"}, status=200)
        assert call("get", "/v1/suppliers/sup/addresses/wh").json()["AddressName"] == "Warehouse"
        call("get", "/v1/suppliers/other/addresses/wh", status=404)
        call("delete", "/v1/suppliers/other/addresses/wh", status=404)
        assert call("get", "/v1/suppliers/other/addresses").json()["Items"] == []
        assert error(call("get", "/v1/suppliers/ghost/addresses", status=404))["Data"] == {
            "ObjectType": "Supplier", "ObjectID": "ghost"}  # fmt: skip
        assert ids(call("get", "/v1/suppliers/sup/addresses?search=Warehouse")) == ["wh"]
        call("delete", "/v1/suppliers/sup/addresses/wh", status=204)
        call("get", "/v1/suppliers/sup/addresses/wh", status=404)

    def test_a_supplier_user_manages_its_own_supplier_s_addresses_only(self, world, call, suppliers):
        core_security_profile(world.marketplace, profile_id="sa", roles=["SupplierAddressAdmin"], supplier_id="sup")
        token = world.token(username="sup-user", client_id="supplier-client")
        call("post", "/v1/suppliers/sup/addresses", {**HOME, "ID": "mine"}, token=token, status=201)
        call("patch", "/v1/suppliers/sup/addresses/mine", {"Zip": "2"}, token=token, status=200)
        call("post", "/v1/suppliers/other/addresses", {**HOME, "ID": "theirs"}, status=201)
        for method, body in (("get", None), ("patch", {"Zip": "3"}), ("put", HOME), ("delete", None)):
            call(method, "/v1/suppliers/other/addresses/theirs", body, token=token, status=404)
        call("get", "/v1/suppliers/other/addresses", token=token, status=404)
        call("post", "/v1/suppliers/other/addresses", HOME, token=token, status=404)
        call("get", "/v1/addresses", token=token, status=403)  # the marketplace's addresses
        reader = world.token(username="sup-user", client_id="supplier-client", scope="SupplierReader")
        call("get", "/v1/suppliers/sup/addresses", token=reader, status=403)

    def test_deleting_or_renaming_the_supplier_follows(self, call, suppliers):
        call("post", "/v1/suppliers/sup/addresses", {**HOME, "ID": "wh"}, status=201)
        call("post", "/v1/suppliers/other/addresses", {**HOME, "ID": "wh"}, status=201)
        call("patch", "/v1/suppliers/sup", {"ID": "supreme"}, status=200)
        assert ids(call("get", "/v1/suppliers/supreme/addresses")) == ["wh"]
        call("delete", "/v1/suppliers/supreme", status=204)
        assert list(m.Address.objects.values_list("supplier_id", flat=True)) == ["other"]


def test_the_staging_restore_copies_addresses_and_assignments(world, call, shopper, suppliers):
    call("post", "/v1/addresses", {**HOME, "ID": "hq"}, status=201)
    call("post", "/v1/buyers/buyer-1/addresses", {**HOME, "ID": "home"}, status=201)
    call("post", "/v1/suppliers/sup/addresses", {**HOME, "ID": "wh"}, status=201)
    call("post", "/v1/buyers/buyer-1/addresses/assignments", {"AddressID": "home", "UserID": "buyer-user",
                                                              "IsShipping": True}, status=204)  # fmt: skip
    staging = marketplace_create(environment="staging", marketplace_id="mkt-one", name="twin")
    with transaction.atomic():
        reports = {r.resource: r for r in restore.marketplace_copy(source=world.marketplace, target=staging)}
    assert (reports["Address"].rows_copied, reports["AddressAssignment"].rows_copied) == (3, 1)
    assert reports["Address"].label == "Addresses"
    copied = m.Address.objects.filter(marketplace=staging)
    assert sorted(copied.values_list("buyer_id", "supplier_id", "oc_id")) == [("", "", "hq"), ("", "sup", "wh"),
                                                                              ("buyer-1", "", "home")]  # fmt: skip
    assert list(m.AddressAssignment.objects.filter(marketplace=staging).values_list(
        "buyer_id", "address_id", "user_id", "is_shipping")) == [("buyer-1", "home", "buyer-user", True)]  # fmt: skip


def test_the_openapi_document_has_every_operation_with_its_tag(client, world):
    document = client.get("/core/sandbox/v1/openapi.json").json()
    found = {op["operationId"]: op["tags"] for ops in document["paths"].values() for op in ops.values()}
    for sdk, tag in (("AdminAddresses", "Admin addresses"), ("Addresses", "Addresses"),
                     ("SupplierAddresses", "Supplier addresses")):  # fmt: skip
        for name in ("List", "Get", "Create", "Save", "Patch", "Delete"):
            assert found[f"{sdk}.{name}"] == [tag], (sdk, name)
    for name in ("ListAssignments", "SaveAssignment", "DeleteAssignment"):
        assert found[f"Addresses.{name}"] == ["Addresses"]
    for name in ("ListAddresses", "GetAddress", "CreateAddress", "SaveAddress", "PatchAddress", "DeleteAddress"):
        assert found[f"Me.{name}"] == ["Me"]
    buyer_address = document["components"]["schemas"]["BuyerAddress"]["properties"]
    assert {n for n, p in buyer_address.items() if p.get("readOnly")} == {"ID", "DateCreated", "Editable"}
    paths = document["paths"]
    listed = [p["name"] for p in paths["/v1/buyers/{buyerID}/addresses/assignments"]["get"]["parameters"]]
    assert {"addressID", "userID", "userGroupID", "level", "isShipping", "isBilling"} <= set(listed)
    address = document["components"]["schemas"]["Address"]["properties"]
    assert {n for n, p in address.items() if p.get("readOnly")} == {"DateCreated"}
    created = paths["/v1/addresses"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert created["required"] == ["Street1", "City", "Country"]
    deleting = [p["name"] for p in paths["/v1/buyers/{buyerID}/addresses/{addressID}/assignments"]["delete"]["parameters"]]
    assert {"userID", "userGroupID"} <= set(deleting)


class TestMeAddresses:
    @pytest.fixture
    def setup(self, world, call, shopper):
        """buyer-1 with shopper (buyer-user, in group vip) and colleague; addresses assigned to the
        buyer, to vip, to shopper, to colleague, and one not assigned at all; buyer-2's address."""
        mp = world.marketplace
        core_user(mp, kind=m.UserKind.BUYER, company_id="buyer-1", user_id="colleague")
        core_buyer(world, buyer_id="buyer-2", user_id="u2", username="other", client_id="c2")
        call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "buyer-user"}, status=204)
        for aid in ("all", "group", "mine", "theirs", "loose"):
            call("post", "/v1/buyers/buyer-1/addresses", {**HOME, "ID": aid, "AddressName": aid}, status=201)
        call("post", "/v1/buyers/buyer-2/addresses", {**HOME, "ID": "elsewhere"}, status=201)
        path = "/v1/buyers/buyer-1/addresses/assignments"
        call("post", path, {"AddressID": "all", "IsBilling": True}, status=204)
        call("post", path, {"AddressID": "group", "UserGroupID": "vip", "IsShipping": True}, status=204)
        call("post", path, {"AddressID": "mine", "UserID": "buyer-user", "IsShipping": True}, status=204)
        call("post", path, {"AddressID": "mine", "IsBilling": True}, status=204)  # and the whole buyer's too
        call("post", path, {"AddressID": "theirs", "UserID": "colleague", "IsShipping": True}, status=204)
        core_security_profile(mp, profile_id="mine-profile", roles=["MeAddressAdmin"], buyer_id="buyer-1",
                              user_id="buyer-user")  # fmt: skip
        return world.token(username="shopper", client_id="buyer-client")

    def test_list_and_get_what_is_assigned_to_the_user_its_groups_or_its_buyer(self, call, setup):
        token = setup
        listed = call("get", "/v1/me/addresses", token=token, status=200).json()
        flags = {a["ID"]: (a["Shipping"], a["Billing"], a["Editable"]) for a in listed["Items"]}
        assert flags == {"all": (False, True, False), "group": (True, False, False), "mine": (True, True, False)}
        assert listed["Meta"]["TotalCount"] == 3
        assert ids(call("get", "/v1/me/addresses?search=grou", token=token)) == ["group"]
        assert ids(call("get", "/v1/me/addresses?sortBy=!AddressName&pageSize=2", token=token)) == ["mine", "group"]
        # Shipping / Billing / Editable filter and sort as they read
        assert ids(call("get", "/v1/me/addresses?Shipping=true&sortBy=ID", token=token)) == ["group", "mine"]
        assert ids(call("get", "/v1/me/addresses?Billing=false", token=token)) == ["group"]
        assert ids(call("get", "/v1/me/addresses?Editable=true", token=token)) == []
        assert ids(call("get", "/v1/me/addresses?sortBy=Billing,ID", token=token)) == ["group", "all", "mine"]
        bad = error(call("get", "/v1/me/addresses?Shipping=yes", token=token, status=400))
        assert (bad["ErrorCode"], bad["Data"]) == ("InvalidRequest", {"Field": "Shipping"})
        got = call("get", "/v1/me/addresses/mine", token=token, status=200).json()
        assert (got["Street1"], got["Shipping"], got["Billing"], got["Editable"]) == ("1 Main St", True, True, False)
        for other in ("theirs", "loose", "elsewhere", "nope"):  # a colleague's, unassigned, another buyer's
            answer = error(call("get", f"/v1/me/addresses/{other}", token=token, status=404))
            assert answer["Data"] == {"ObjectType": "Address", "ObjectID": other}

    def test_leaving_the_group_hides_the_group_s_address(self, call, setup):
        call("delete", "/v1/buyers/buyer-1/usergroups/vip/assignments/buyer-user", status=204)
        assert sorted(ids(call("get", "/v1/me/addresses", token=setup))) == ["all", "mine"]

    def test_an_own_address_is_private_editable_and_only_the_user_s(self, world, call, setup):
        token = setup
        created = call("post", "/v1/me/addresses", {**HOME, "ID": "ignored", "AddressName": "Cabin", "Shipping": True},
                       token=token, status=201).json()  # fmt: skip
        own = created["ID"]
        assert own != "ignored" and len(own) == 22
        refused = call("post", "/v1/me/addresses", {**HOME, "Country": "Norway"}, token=token, status=400).json()
        assert refused["Errors"][0]["Data"] == {"Field": "Country"}
        call("patch", f"/v1/me/addresses/{own}", {"Country": "NOR"}, token=token, status=400)
        assert (created["Shipping"], created["Billing"], created["Editable"]) == (True, False, True)
        assert own in ids(call("get", "/v1/me/addresses", token=token))
        assert ids(call("get", "/v1/me/addresses?Editable=true", token=token)) == [own]
        assert own in ids(call("get", "/v1/me/addresses?Shipping=true", token=token))
        assert own not in ids(call("get", "/v1/me/addresses?Billing=true", token=token))
        # no one else sees it: not the buyer's Addresses.List, not a colleague
        assert own not in ids(call("get", "/v1/buyers/buyer-1/addresses"))
        call("get", f"/v1/buyers/buyer-1/addresses/{own}", status=404)
        call("post", "/v1/buyers/buyer-1/addresses/assignments", {"AddressID": own}, status=404)
        core_security_profile(world.marketplace, profile_id="c", roles=["MeAddressAdmin"], buyer_id="buyer-1",
                              user_id="colleague")  # fmt: skip
        colleague = world.token(username="colleague", client_id="buyer-client")
        call("get", f"/v1/me/addresses/{own}", token=colleague, status=404)
        call("patch", f"/v1/me/addresses/{own}", {"City": "X"}, token=colleague, status=404)
        call("delete", f"/v1/me/addresses/{own}", token=colleague, status=404)

        patched = call("patch", f"/v1/me/addresses/{own}", {"Billing": True, "Zip": "1"}, token=token, status=200).json()
        assert (patched["Shipping"], patched["Billing"], patched["Zip"], patched["AddressName"]) == (True, True, "1", "Cabin")
        saved = call("put", f"/v1/me/addresses/{own}", {**HOME, "City": "Lakeside"}, token=token, status=200).json()
        assert (saved["City"], saved["AddressName"], saved["Shipping"]) == ("Lakeside", None, False)
        assert error(call("put", f"/v1/me/addresses/{own}", {"City": "C"}, token=token, status=400))["Data"] == {"Field": "Street1"}
        # what the user sees but does not own, or does not see, it does not change
        for other in ("mine", "theirs", "nope"):
            call("put", f"/v1/me/addresses/{other}", HOME, token=token, status=404)
            call("patch", f"/v1/me/addresses/{other}", {"City": "X"}, token=token, status=404)
            call("delete", f"/v1/me/addresses/{other}", token=token, status=404)
        assert call("get", "/v1/buyers/buyer-1/addresses/mine").json()["City"] == "Springfield"
        call("delete", f"/v1/me/addresses/{own}", token=token, status=204)
        call("get", f"/v1/me/addresses/{own}", token=token, status=404)

    def test_roles(self, world, call, setup):
        shopper_only = world.token(username="shopper", client_id="buyer-client", scope="Shopper")
        call("get", "/v1/me/addresses", token=shopper_only, status=200)
        call("get", "/v1/me/addresses/mine", token=shopper_only, status=200)
        denied = error(call("post", "/v1/me/addresses", HOME, token=shopper_only, status=403))
        assert denied["ErrorCode"] == "InsufficientRoles" and denied["Data"]["SufficientRoles"] == ["MeAddressAdmin"]
        me_admin = world.token(username="shopper", client_id="buyer-client", scope="MeAdmin")
        call("get", "/v1/me/addresses", token=me_admin, status=403)
        call("post", "/v1/me/addresses", HOME, token=me_admin, status=403)

    def test_an_admin_or_supplier_user_has_none(self, world, call, suppliers):
        call("post", "/v1/addresses", {**HOME, "ID": "hq"}, status=201)
        assert call("get", "/v1/me/addresses", status=200).json()["Items"] == []
        call("get", "/v1/me/addresses/hq", status=404)
        refused = error(call("post", "/v1/me/addresses", HOME, status=403))
        assert refused["Message"] == "Only buyer users have addresses of their own."
        core_security_profile(world.marketplace, profile_id="sm", roles=["MeAddressAdmin"], supplier_id="sup")
        supplier = world.token(username="sup-user", client_id="supplier-client")
        assert call("get", "/v1/me/addresses", token=supplier, status=200).json()["Items"] == []
        call("post", "/v1/me/addresses", HOME, token=supplier, status=403)
        assert not m.Address.objects.exclude(oc_id="hq").exists()

    def test_an_own_address_follows_its_user(self, world, call, setup):
        own = call("post", "/v1/me/addresses", HOME, token=setup, status=201).json()["ID"]
        call("patch", "/v1/buyers/buyer-1/users/buyer-user", {"ID": "ann"}, status=200)
        assert m.Address.objects.get(oc_id=own).owner_user_id == "ann"
        token = world.token(username="shopper", client_id="buyer-client")
        assert own in ids(call("get", "/v1/me/addresses", token=token))
        assert "mine" in ids(call("get", "/v1/me/addresses", token=token))  # the assignment followed too
        # moved to another buyer: the user's own address goes along, its assignments stay behind
        call("post", "/v1/buyers/buyer-1/users/ann/moveto/buyer-2?orders=None", status=201)
        assert m.Address.objects.get(oc_id=own).buyer_id == "buyer-2"
        assert not m.AddressAssignment.objects.filter(user_id="ann").exists()
        call("delete", "/v1/buyers/buyer-2/users/ann", status=204)
        assert not m.Address.objects.filter(oc_id=own).exists()

    def test_an_own_address_id_is_unique_among_the_buyer_s(self, world, call, setup):
        own = call("post", "/v1/me/addresses", HOME, token=setup, status=201).json()["ID"]
        taken = call("post", "/v1/buyers/buyer-1/addresses", {**HOME, "ID": own}, status=409)
        assert error(taken)["ErrorCode"] == "IdExists"
        call("put", f"/v1/buyers/buyer-1/addresses/{own}", HOME, status=409)

    def test_a_move_whose_own_address_id_the_new_buyer_has_is_refused(self, call, setup):
        own = call("post", "/v1/me/addresses", HOME, token=setup, status=201).json()["ID"]
        call("post", "/v1/buyers/buyer-2/addresses", {**HOME, "ID": own}, status=201)
        refused = call("post", "/v1/buyers/buyer-1/users/buyer-user/moveto/buyer-2?orders=None", status=409)
        assert error(refused)["Data"] == {"ObjectType": "Address", "ObjectID": own}
        assert m.CoreUser.objects.get(oc_id="buyer-user").company_id == "buyer-1"  # nothing moved


def test_me_address_writes_fire_their_webhooks(world, call, shopper, django_capture_on_commit_callbacks):
    """Me.CreateAddress / PatchAddress / DeleteAddress fire the webhooks of their routes, with the
    address ID in RouteParams, like any write; a refused write (a colleague's address) fires none."""
    from coreapi.tests.test_webhooks import Receiver, webhook_create

    core_security_profile(world.marketplace, profile_id="ma", roles=["MeAddressAdmin"], buyer_id="buyer-1")
    token = world.token(username="shopper", client_id="buyer-client")
    with Receiver() as receiver:
        webhook_create(world, receiver.url, client_ids=["buyer-client"], routes=[
            {"Route": "v1/me/addresses", "Verb": "POST"}, {"Route": "v1/me/addresses/{addressID}", "Verb": "PATCH"},
            {"Route": "v1/me/addresses/{addressID}", "Verb": "DELETE"}])  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            own = call("post", "/v1/me/addresses", HOME, token=token, status=201).json()["ID"]
        with django_capture_on_commit_callbacks(execute=True):
            call("patch", f"/v1/me/addresses/{own}", {"Zip": "7"}, token=token, status=200)
            call("patch", "/v1/me/addresses/not-mine", {"Zip": "7"}, token=token, status=404)
        with django_capture_on_commit_callbacks(execute=True):
            call("delete", f"/v1/me/addresses/{own}", token=token, status=204)
        bodies = [c["body"] for c in receiver.calls]
    assert [(b["Verb"], b["RouteParams"]) for b in bodies] == [("POST", {}), ("PATCH", {"addressID": own}),
                                                                ("DELETE", {"addressID": own})]  # fmt: skip
    assert bodies[0]["Response"]["Body"]["ID"] == own and bodies[1]["Response"]["Body"]["Zip"] == "7"
