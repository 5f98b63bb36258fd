"""Security profiles and their assignments, impersonation configs and Users.GetAccessToken, API
client and user group assignments, supplier users, addresses (admin, buyer, supplier and Me's), the search of spec product assignments and
the error of an operation the API does not have, through the official
ordercloud-javascript-sdk@12 against the live server (tests/sdk/access_admin.js, run by
tests/sdk/harness.py; needs node + npm)."""

import pytest

from coreapi.testing import core_buyer, core_world
from tests.sdk.harness import run_node_script


@pytest.fixture(scope="module")
def sdk_result(django_db_setup, django_db_blocker, live_server):
    with django_db_blocker.unblock():
        world = core_world(marketplace_id="mkt-sdk-access", client_id="access-admin-client", admin_username="access-admin")
        core_buyer(world, buyer_id="access-buyer", user_id="access-shopper", username="access-shopper",
                   client_id="access-buyer-client")  # fmt: skip
        try:
            response = world.call("post", "/v1/suppliers", world.admin_token(), {"ID": "access-sup", "Name": "Sup", "Active": True})
            assert response.status_code == 201, response.content
            config = {
                "baseApiUrl": f"{live_server.url}/core/{world.environment}",
                "adminClientID": world.client_id,
                "adminUsername": world.admin_username,
                "adminPassword": world.password,
                "adminUserID": "admin-user",
                "buyerID": "access-buyer",
                "buyerUserID": "access-shopper",
                "buyerUsername": "access-shopper",
                "buyerPassword": world.password,
                "buyerClientID": "access-buyer-client",
                "supplierID": "access-sup",
            }
            yield run_node_script("access_admin.js", config)
        finally:
            world.marketplace.delete()  # CASCADE: leave the shared test database as we found it


def passed(result: dict, name: str) -> dict:
    check = result["checks"].get(name)
    assert check and check["ok"], result["checks"]
    return check


def test_security_profile_assignments_at_every_level(sdk_result):
    check = passed(sdk_result, "security_profile_assignments")
    assert check["meta"] == []  # every Meta field of the SDK's ListPage
    assert check["paging"] == [2, 2, 6, 3, [3, 4]]
    assert check["group"] == [["aa-sp", "access-buyer", None, "aa-group", None]]
    assert check["users"] == [["aa-sp", "access-buyer", None, None, "access-shopper"], ["aa-sp", None, "access-sup", None, "aa-su"]]
    assert check["supplier"] == [["aa-sp", None, "access-sup", None, None], ["aa-sp", None, "access-sup", None, "aa-su"]]
    assert check["seller"] == [["aa-sp", None, None, None, None]]
    assert check["buyerUser"] == [["aa-sp", "access-buyer", None, None, "access-shopper"]]
    assert (check["badLevel"]["status"], check["badLevel"]["errorCode"]) == (400, "InvalidRequest")
    assert "ProductReader" in check["supplierUserRoles"]
    assert check["afterDelete"] == []


def test_impersonation_config_decides_the_roles_and_roles_are_required(sdk_result):
    check = passed(sdk_result, "impersonation_configs_and_get_access_token")
    assert check["created"] == ["aa-cfg", "access-buyer", "aa-imp", "access-buyer-client"]
    assert check["listed"] == ["aa-cfg"]
    assert check["roles"] == ["Shopper"]  # asked for Shopper and MeAdmin; the config's profile has Shopper
    # a config with GroupID (the impersonated user's group): not for a user outside the group; for one
    # in it, it wins over the buyer-wide one (the first created won, and GroupID was not matched)
    assert check["groupScoped"] == [["Shopper"], ["MeAdmin"]]
    assert check["tokenType"] == "bearer"
    # the SDK: "Required fields: ClientID, Roles" (it was 200 with every role the user has)
    assert check["withoutRoles"] == {"errorCode": "InvalidRequest", "status": 400, "message": "Roles is required.",
                                     "name": "OrderCloudError"}
    assert check["patched"] == "access-shopper"
    assert check["gone"]["errorCode"] == "NotFound"


def test_api_client_and_user_group_assignments(sdk_result):
    check = passed(sdk_result, "api_client_and_user_group_assignments")
    assert check["counts"] == [1, 1]
    assert sorted(check["assigned"], key=str) == sorted([[True, "access-buyer", None], [True, None, "access-sup"]], key=str)
    assert check["both"] == "InvalidRequest"
    assert check["left"] == 0
    assert check["members"] == [["aa-group", "access-shopper"]]
    assert check["membersMeta"] == []
    assert check["inGroup"] == ["access-shopper"]
    assert check["afterRemove"] == 0


def test_spec_product_assignments_search_on_the_sdk_s_fields(sdk_result):
    """Searchable<'Specs.ListProductAssignments'> is SpecID and ProductID: both were a 400
    ("Invalid searchOn field: ProductID. Searchable fields: ."), and a search alone was ignored
    (every assignment listed)."""
    check = passed(sdk_result, "spec_product_assignments_search")
    assert check["byProduct"] == [["aa-color", "aa-desk"]]
    assert check["bySpec"] == [["aa-size", "aa-lamp"]]
    assert check["anyField"] == [["aa-color", "aa-desk"], ["aa-color", "aa-lamp"]]


def test_an_operation_the_api_does_not_have_is_an_ordercloud_not_found(sdk_result):
    """Orders are not part of the built-in API (Orders.List('Incoming')). An unknown route's 404 had Data null, and
    the SDK's OrderCloudError, which words a NotFound from Data.ObjectType and Data.ObjectID, threw
    a TypeError ("Cannot read properties of null") instead."""
    check = passed(sdk_result, "unsupported_endpoint_error")
    assert check["list"] == {"errorCode": "NotFound", "status": 404, "name": "OrderCloudError",
                             "message": "Endpoint GET /core/sandbox/v1/orders/Incoming not found"}


def test_admin_user_groups_through_the_sdk(sdk_result):
    """Every AdminUserGroups operation of the SDK; a security profile assigned to the group gives
    its roles to its members; a buyer's user is no admin user (404)."""
    check = passed(sdk_result, "admin_user_groups")
    assert check["created"] == ["aa-ops", "Ops"]
    assert check["patched"] == ["Operations", "On call"] and check["got"] == "On call"
    assert check["listed"] == ["aa-ops"]
    assert check["assignments"] == [["aa-ops", "aa-ops-user"]]
    assert "OrderReader" in check["memberRoles"]  # with the marketplace-level profiles of the world
    assert (check["notAdmin"]["status"], check["notAdmin"]["errorCode"]) == (404, "NotFound")
    assert check["afterUnassign"] == 0
    assert (check["gone"]["status"], check["gone"]["message"]) == (404, "UserGroup aa-ops not found")


def test_supplier_user_groups_through_the_sdk(sdk_result):
    """Every SupplierUserGroups operation of the SDK, SupplierUsers.List's userGroupID, the roles of
    a profile assigned to the group; a user of another company cannot be assigned (404)."""
    check = passed(sdk_result, "supplier_user_groups")
    assert check["created"] == ["aa-team", "Team"]
    assert check["patched"] == ["Team 2", "Makers"] and check["got"] == "Makers"
    assert check["listed"] == ["aa-team"]
    assert check["assignments"] == [["aa-team", "aa-team-user"]]
    assert check["members"] == ["aa-team-user"]
    assert "PriceScheduleReader" in check["memberRoles"]
    assert (check["otherSupplier"]["status"], check["otherSupplier"]["errorCode"]) == (404, "NotFound")
    assert (check["gone"]["status"], check["gone"]["message"]) == (404, "UserGroup aa-team not found")


def test_admin_and_supplier_user_groups_in_impersonation_configs_and_message_sender_assignments(sdk_result):
    """An ImpersonationGroupID without ImpersonationBuyerID is an admin user group: the config
    applies once the impersonating admin is in it; a group that does not exist is 404, a GroupID
    without its BuyerID a 400. MessageSenders.SaveAssignment takes an admin user group (UserGroupID
    alone) and a supplier's (with SupplierID); an admin group named as a supplier's is 404."""
    check = passed(sdk_result, "admin_and_supplier_groups_elsewhere")
    assert check["outsideGroup"] == ["Shopper", "MeAdmin"]  # no config applies: the user's own roles
    assert check["inGroup"] == ["MeAdmin"]  # the config's profile
    assert (check["unknownGroup"]["status"], check["unknownGroup"]["message"]) == (404, "UserGroup aa-nope not found")
    assert (check["groupWithoutBuyer"]["status"], check["groupWithoutBuyer"]["errorCode"]) == (400, "InvalidRequest")
    assert check["groupLevel"] == [[None, "aa-helpdesk"], ["access-sup", "aa-crew"]]
    assert (check["notSuppliers"]["status"], check["notSuppliers"]["message"]) == (404, "UserGroup aa-helpdesk not found")
    assert check["left"] == 0


def test_addresses_through_the_sdk(sdk_result):
    """Every AdminAddresses, Addresses (with the assignments), SupplierAddresses and Me address
    method of the SDK: the buyer user sees what is assigned to it or its group, with Shipping /
    Billing from the assignments, and its own address (Editable), which nobody else sees and which
    alone it may change."""
    check = passed(sdk_result, "addresses")
    assert check["admin"] == ["aa-hq", {"dock": 4}, "Head office", {"gate": "B"}, "62701", "string"]
    assert check["adminListed"] == ["aa-hq"]
    assert (check["missingCity"]["status"], check["missingCity"]["errorCode"]) == (400, "InvalidRequest")
    assert check["adminGone"]["message"] == "Address aa-hq not found"
    assert check["buyer"] == ["aa-home", "555", "Office", ["aa-home", "aa-office"]]
    assert check["shipping"] == [["aa-home", "access-shopper", None, True, False]]
    assert check["groupLevel"] == [["aa-office", "aa-addr-group"]]
    assert check["unknownUser"]["message"] == "User aa-nobody not found"
    assert check["unknownAddress"]["message"] == "Address aa-nowhere not found"
    assert check["mine"] == [["aa-home", True, False, False], ["aa-office", False, True, False]]
    assert check["meGot"] == ["aa-office", False, True, False]
    assert check["meShipping"] == ["aa-home"]  # filters: {Shipping: true}
    assert check["own"] == [22, True, False, True]
    assert check["ownSaved"] == ["Lake cabin", False]
    assert check["ownGot"] == [True, False, True]
    assert (check["notOwn"]["status"], check["notOwn"]["errorCode"]) == (404, "NotFound")
    assert check["adminSeesOwn"] is False
    assert check["ownGone"]["status"] == 404
    assert check["afterUnassign"] == ["aa-home"]
    assert check["left"] == 0 and check["homeGone"]["status"] == 404
    assert check["supplier"] == ["Warehouse", "1", "aa-wh", ["aa-wh"]]
    assert check["unknownSupplier"]["message"] == "Supplier aa-nosup not found"
