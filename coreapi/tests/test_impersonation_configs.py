"""Which ImpersonationConfig applies to Users.GetAccessToken, with OrderCloud's meaning:
ImpersonationBuyerID / ImpersonationGroupID / ImpersonationUserID name the impersonator,
BuyerID / GroupID / UserID the impersonated user, and the most specific config wins.

The shopper (buyer-1's buyer-user) has Shopper and MeAdmin; every token asks for both, so a token
with only MeAdmin (profile "me") or only Shopper (profile "shop") says which config applied, and
one with both that none did (the user's own roles)."""

import jwt
import pytest

from coreapi import models as m
from coreapi import services
from coreapi.testing import core_user

pytestmark = pytest.mark.django_db

URL = "/v1/buyers/buyer-1/users/buyer-user/accesstoken"
NONE_APPLIES = ["Shopper", "MeAdmin"]
ME = ["MeAdmin"]
SHOP = ["Shopper"]


@pytest.fixture
def setup(world, call, shopper):
    call("post", "/v1/securityprofiles", {"ID": "me", "Name": "Me", "Roles": ["MeAdmin"]}, status=201)
    call("post", "/v1/securityprofiles", {"ID": "shop", "Name": "Shop", "Roles": ["Shopper"]}, status=201)
    call("post", "/v1/buyers", {"ID": "buyer-2", "Name": "Buyer 2", "Active": True}, status=201)
    call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "vip", "Name": "VIP"}, status=201)
    call("post", "/v1/buyers/buyer-1/usergroups", {"ID": "staff", "Name": "Staff"}, status=201)
    call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "buyer-user"}, status=204)


@pytest.fixture
def config(call, setup):
    def create(config_id: str, profile: str = "me", **fields):
        body = {"ID": config_id, "ClientID": "buyer-client", "SecurityProfileID": profile, **fields}
        return call("post", "/v1/impersonationconfig", body, status=201)

    return create


@pytest.fixture
def roles(world, admin_token):
    def roles(token=None) -> list[str]:
        response = world.call("post", URL, token or admin_token, {"ClientID": "buyer-client", "Roles": ["Shopper", "MeAdmin"]})
        assert response.status_code == 200, response.content
        return jwt.decode(response.json()["access_token"], options={"verify_signature": False})["role"]

    return roles


class TestTheImpersonatorFields:
    """They were matched against the impersonated user: a config naming the shopper's buyer or
    group as ImpersonationBuyerID / ImpersonationGroupID applied to every admin impersonating them."""

    def test_an_impersonation_buyer_is_not_an_admin_users(self, config, roles):
        config("cfg", ImpersonationBuyerID="buyer-1", BuyerID="buyer-1")
        assert roles() == NONE_APPLIES

    def test_an_impersonation_group_of_a_buyer_is_not_an_admin_users(self, call, config, roles):
        """ImpersonationBuyerID and ImpersonationGroupID name a buyer's group of impersonators: no
        admin user is in it."""
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "vip", "UserID": "buyer-user"}, status=204)
        config("cfg", ImpersonationBuyerID="buyer-1", ImpersonationGroupID="vip", BuyerID="buyer-1")
        assert roles() == NONE_APPLIES

    def test_an_impersonation_group_without_a_buyer_is_an_admin_user_group(self, world, call, config, roles):
        """As on OrderCloud, the config applies to the admin users in that admin user group (it
        applied to no admin user: admin users had no groups here)."""
        call("post", "/v1/usergroups", {"ID": "support", "Name": "Support"}, status=201)
        config("cfg", ImpersonationGroupID="support", BuyerID="buyer-1")
        assert roles() == NONE_APPLIES  # the admin is not in the group yet
        call("post", "/v1/usergroups/assignments", {"UserGroupID": "support", "UserID": "admin-user"}, status=204)
        assert roles() == ME
        core_user(world.marketplace, user_id="other-admin", username="other-admin")
        assert roles(world.token(username="other-admin")) == NONE_APPLIES  # not a member
        call("patch", "/v1/usergroups/support", {"ID": "helpdesk"}, status=200)  # the config follows a new ID
        assert call("get", "/v1/impersonationconfig/cfg", status=200).json()["ImpersonationGroupID"] == "helpdesk"
        assert roles() == ME
        call("delete", "/v1/usergroups/helpdesk/assignments/admin-user", status=204)
        assert roles() == NONE_APPLIES

    def test_an_admin_user_groups_config_beats_one_for_every_admin(self, call, config, roles):
        call("post", "/v1/usergroups", {"ID": "support", "Name": "Support"}, status=201)
        call("post", "/v1/usergroups/assignments", {"UserGroupID": "support", "UserID": "admin-user"}, status=204)
        config("a-anyone", "shop", BuyerID="buyer-1")
        config("b-support", "me", BuyerID="buyer-1", ImpersonationGroupID="support")
        assert roles() == ME

    def test_an_impersonation_user_is_the_impersonator(self, world, config, roles):
        config("cfg", ImpersonationUserID="admin-user", BuyerID="buyer-1")
        assert roles() == ME
        core_user(world.marketplace, user_id="other-admin", username="other-admin")
        assert roles(world.token(username="other-admin")) == NONE_APPLIES

    def test_an_impersonation_user_is_not_the_impersonated_user(self, config, roles):
        config("cfg", ImpersonationUserID="buyer-user", BuyerID="buyer-1")
        assert roles() == NONE_APPLIES

    def test_a_buyer_users_groups_and_buyer_name_it_as_impersonator(self, world, setup, shopper):
        """Only admin users may call Users.GetAccessToken here; the matching already follows
        OrderCloud for a buyer user impersonating another user of its buyer."""
        m.ImpersonationConfig.objects.create(marketplace=world.marketplace, oc_id="by-group", client_id="buyer-client",
                                             security_profile_id="me", impersonation_buyer_id="buyer-1",
                                             impersonation_group_id="vip", buyer_id="buyer-1")  # fmt: skip
        m.ImpersonationConfig.objects.create(marketplace=world.marketplace, oc_id="admin-named", client_id="buyer-client",
                                             security_profile_id="me", impersonation_user_id="buyer-user")  # fmt: skip

        def applicable(kind, company_id, impersonator_id):
            found = services.impersonation_config_applicable(
                marketplace_pk=world.marketplace.pk, client_id="buyer-client", impersonator_kind=kind,
                impersonator_company_id=company_id, impersonator_id=impersonator_id, user=shopper,
            )  # fmt: skip
            return found and found.oc_id

        assert applicable("buyer", "buyer-1", "buyer-user") == "by-group"  # in vip, of buyer-1
        m.UserGroupAssignment.objects.filter(user_group_id="vip").delete()
        # an ImpersonationUserID without ImpersonationBuyerID is an admin user's: not buyer-1's buyer-user
        assert applicable("buyer", "buyer-1", "buyer-user") is None
        assert applicable("buyer", "buyer-2", "buyer-user") is None
        assert applicable("admin", "", "buyer-user") == "admin-named"  # an admin user with that ID
        assert applicable("supplier", "", "buyer-user") is None


class TestTheImpersonatedUserFields:
    """BuyerID and GroupID were not matched at all (a config for another buyer or group applied),
    and UserID was matched against the impersonator."""

    def test_buyer(self, config, roles):
        config("cfg", BuyerID="buyer-2")
        assert roles() == NONE_APPLIES
        config("cfg1", BuyerID="buyer-1")
        assert roles() == ME

    def test_group(self, call, config, roles):
        config("cfg", BuyerID="buyer-1", GroupID="staff")
        assert roles() == NONE_APPLIES
        call("post", "/v1/buyers/buyer-1/usergroups/assignments", {"UserGroupID": "staff", "UserID": "buyer-user"}, status=204)
        assert roles() == ME

    def test_user(self, world, config, roles):
        config("cfg", BuyerID="buyer-1", UserID="buyer-user")
        assert roles() == ME

    def test_user_is_not_the_impersonator(self, config, roles):
        config("cfg", BuyerID="buyer-1", UserID="admin-user")
        assert roles() == NONE_APPLIES

    def test_client(self, call, config, roles):
        call("post", "/v1/apiclients", {"ID": "x", "AppName": "Elsewhere", "AccessTokenDuration": 60}, status=201)
        other = m.ApiClient.objects.exclude(oc_id__in=["buyer-client", "admin-client"]).get().oc_id
        config("cfg", BuyerID="buyer-1", ClientID=other)
        assert roles() == NONE_APPLIES


class TestSeveralApply:
    """The first created won."""

    def test_the_most_specific_about_the_impersonated_user(self, config, roles):
        config("a-buyer", "shop", BuyerID="buyer-1")
        config("b-group", "me", BuyerID="buyer-1", GroupID="vip")
        assert roles() == ME
        config("c-user", "shop", BuyerID="buyer-1", UserID="buyer-user")
        assert roles() == SHOP

    def test_then_the_most_specific_about_the_impersonator(self, config, roles):
        config("a-anyone", "shop", BuyerID="buyer-1")
        config("b-me", "me", BuyerID="buyer-1", ImpersonationUserID="admin-user")
        assert roles() == ME

    def test_then_the_lowest_id(self, config, roles):
        config("z", "shop", BuyerID="buyer-1")
        config("m", "me", BuyerID="buyer-1")
        assert roles() == ME
        config("a", "shop", BuyerID="buyer-1")
        assert roles() == SHOP


class TestTheGroupsAConfigNames:
    """An ImpersonationGroupID or GroupID naming no group was saved (201) and the config never
    applied; a buyer's group named without its buyer could not be told from another buyer's."""

    @pytest.mark.parametrize("method", ["post", "put"])
    def test_an_unknown_group_is_not_found(self, world, admin_token, call, setup, method):
        call("post", "/v1/usergroups", {"ID": "support", "Name": "Support"}, status=201)

        def path(config_id):
            return "/v1/impersonationconfig" if method == "post" else f"/v1/impersonationconfig/{config_id}"

        base = {"ID": "cfg", "ClientID": "buyer-client", "SecurityProfileID": "me"}
        for fields in ({"ImpersonationGroupID": "vip"},  # a buyer's group, not an admin user group
                       {"ImpersonationBuyerID": "buyer-2", "ImpersonationGroupID": "vip"},  # buyer-1's, not buyer-2's
                       {"ImpersonationBuyerID": "buyer-1", "ImpersonationGroupID": "support"},  # an admin group
                       {"BuyerID": "buyer-2", "GroupID": "vip"}, {"BuyerID": "buyer-1", "GroupID": "ghost"}):  # fmt: skip
            group = fields.get("ImpersonationGroupID") or fields["GroupID"]
            response = world.call(method, path("cfg"), admin_token, {**base, **fields})
            assert response.status_code == 404, (fields, response.content)
            assert response.json()["Errors"][0]["Data"] == {"ObjectType": "UserGroup", "ObjectID": group}
        assert not m.ImpersonationConfig.objects.exists()
        for number, fields in enumerate(({"ImpersonationGroupID": "support"},
                                         {"ImpersonationBuyerID": "buyer-1", "ImpersonationGroupID": "vip"},
                                         {"BuyerID": "buyer-1", "GroupID": "vip"})):  # fmt: skip
            response = world.call(method, path(f"cfg{number}"), admin_token, {**base, "ID": f"cfg{number}", **fields})
            assert response.status_code == 201, (fields, response.content)

    def test_a_group_id_needs_the_buyer_id(self, call, setup):
        body = {"ClientID": "buyer-client", "SecurityProfileID": "me", "GroupID": "vip"}
        error = call("post", "/v1/impersonationconfig", body, status=400).json()["Errors"][0]
        assert error["ErrorCode"] == "InvalidRequest" and error["Data"] == {"Field": "GroupID", "Value": "vip"}
        assert error["Message"] == "GroupID needs the BuyerID of the user group: only a buyer's users are impersonated."
        call("post", "/v1/impersonationconfig", {**body, "ID": "cfg", "BuyerID": "buyer-1"}, status=201)
        assert call("patch", "/v1/impersonationconfig/cfg", {"BuyerID": None}, status=400).json()["Errors"][0]["Data"][
            "Field"] == "GroupID"  # fmt: skip
        call("patch", "/v1/impersonationconfig/cfg", {"BuyerID": "buyer-2"}, status=404)  # vip is buyer-1's
        call("patch", "/v1/impersonationconfig/cfg", {"BuyerID": "buyer-2", "GroupID": None}, status=200)

    def test_what_a_write_does_not_change_is_not_checked_again(self, call, config):
        """A config naming groups that are gone (stored before configs went with the objects they name,
        test_impersonation_config_cleanup.py) still takes a change of something else."""
        call("post", "/v1/usergroups", {"ID": "support", "Name": "Support"}, status=201)
        config("cfg", ImpersonationGroupID="support", BuyerID="buyer-1", GroupID="vip")
        m.ImpersonationConfig.objects.filter(oc_id="cfg").update(impersonation_group_id="gone", group_id="gone-too")
        call("patch", "/v1/impersonationconfig/cfg", {"SecurityProfileID": "shop"}, status=200)
