"""An ImpersonationConfig goes with any object it names: its API client, security profile, buyer,
user group (a buyer's or an admin user group) or user, whether as the impersonator or the
impersonated. Creating one needs every named object to exist (404 otherwise); a config left behind
applied again to whatever was created next under the same ID, e.g. a new admin user group "support"
whose members inherited an old grant to impersonate shoppers."""

import jwt
import pytest

from coreapi.testing import core_user

pytestmark = pytest.mark.django_db

URL = "/v1/buyers/buyer-1/users/buyer-user/accesstoken"


@pytest.fixture
def setup(world, call, shopper):
    call("post", "/v1/securityprofiles", {"ID": "me", "Name": "Me", "Roles": ["MeAdmin"]}, status=201)
    call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
    call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "buyer-user"}, status=204)
    call("post", "/v1/usergroups", {"ID": "support", "Name": "Support"}, status=201)
    call("post", "/v1/usergroups/assignments", {"UserGroupID": "support", "UserID": "admin-user"}, status=204)


def config(call, config_id, **fields):
    body = {"ID": config_id, "ClientID": "buyer-client", "SecurityProfileID": "me", **fields}
    call("post", "/v1/impersonationconfig", body, status=201)


def configs(call) -> set[str]:
    return {c["ID"] for c in call("get", "/v1/impersonationconfig", status=200).json()["Items"]}


def roles(world, admin_token) -> list[str]:
    response = world.call("post", URL, admin_token, {"ClientID": "buyer-client", "Roles": ["Shopper", "MeAdmin"]})
    assert response.status_code == 200, response.content
    return jwt.decode(response.json()["access_token"], options={"verify_signature": False})["role"]


def test_a_deleted_admin_user_group_takes_its_configs_and_a_new_one_of_that_id_inherits_nothing(
        world, call, setup, admin_token):  # fmt: skip
    config(call, "support-may", ImpersonationGroupID="support", BuyerID="buyer-1")
    config(call, "other", BuyerID="buyer-1", GroupID="vip")
    assert roles(world, admin_token) == ["MeAdmin"]  # the admin is in "support": the config applies

    call("delete", "/v1/usergroups/support", status=204)
    assert configs(call) == {"other"}
    call("post", "/v1/usergroups", {"ID": "support", "Name": "Support again"}, status=201)
    call("post", "/v1/usergroups/assignments", {"UserGroupID": "support", "UserID": "admin-user"}, status=204)
    call("get", "/v1/impersonationconfig/support-may", status=404)
    assert roles(world, admin_token) == ["MeAdmin"]  # "other" (the vip group) applies, not a revived grant
    call("delete", "/v1/buyers/buyer-1/usergroups/vip", status=204)
    assert configs(call) == set()


@pytest.mark.parametrize(("fields", "delete", "left"), [
    ({"BuyerID": "buyer-1", "UserID": "buyer-user"}, "/v1/buyers/buyer-1/users/buyer-user", {"elsewhere"}),
    ({"ImpersonationUserID": "helper-admin", "BuyerID": "buyer-1"}, "/v1/adminusers/helper-admin", {"elsewhere"}),
    ({"BuyerID": "buyer-1"}, "/v1/buyers/buyer-1", {"elsewhere"}),
    # every config here names this profile and this client: none is left
    ({"BuyerID": "buyer-1"}, "/v1/securityprofiles/me", set()),
    ({"BuyerID": "buyer-1"}, "/v1/apiclients/buyer-client", set()),
], ids=["impersonated-user", "impersonator-admin", "buyer", "security-profile", "api-client"])
def test_a_config_goes_with_the_object_it_names(world, call, setup, fields, delete, left):
    core_user(world.marketplace, user_id="helper-admin", username="helper-admin")
    config(call, "named", **fields)
    call("post", "/v1/buyers", {"ID": "buyer-2", "Name": "Buyer 2", "Active": True}, status=201)
    config(call, "elsewhere", BuyerID="buyer-2")
    call("delete", delete, status=204)
    assert configs(call) == left
