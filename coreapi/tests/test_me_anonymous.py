"""An anonymous shopper's token (Auth.Anonymous: client_credentials on an IsAnonBuyer client without a
secret) acts as the client's DefaultContextUserName, a user every anonymous shopper shares: it reads
as that user but changes nothing of it (Me.Patch / Save, RevokeTokens, the Me address writes)."""

import pytest

from coreapi import models as m
from coreapi.testing import DEFAULT_CORE_PASSWORD, api_error, core_security_profile

pytestmark = pytest.mark.django_db

HOME = {"Street1": "1 Main St", "City": "Springfield", "Country": "US"}
SCOPE = "Shopper MeAdmin MeXpAdmin MeAddressAdmin"


def anonymous_token(world, anonuserid: str = "visitor-1") -> str:
    response = world.token_response(grant_type="client_credentials", client_id="buyer-client", scope=SCOPE,
                                    anonuserid=anonuserid)  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.fixture
def anonymous(world, shopper):
    """buyer-client: IsAnonBuyer, DefaultContextUserName "shopper" (who may also edit its addresses)."""
    m.ApiClient.objects.filter(oc_id="buyer-client").update(is_anon_buyer=True, default_context_user_name="shopper")
    core_security_profile(world.marketplace, profile_id="addr", roles=["MeAddressAdmin", "MeXpAdmin"], buyer_id="buyer-1")
    return anonymous_token(world)


def refused(response, roles: list[str]) -> None:
    item = api_error(response, 403, "InsufficientRoles")
    assert "anonymous shopper" in item["Message"] and "DefaultContextUserName" in item["Message"]
    assert item["Data"] == {"SufficientRoles": roles}


def test_an_anonymous_token_reads_as_the_shared_user(world, anonymous):
    me = world.call("get", "/v1/me", anonymous)
    assert me.status_code == 200 and me.json()["Username"] == "shopper"
    assert world.call("get", "/v1/me/products", anonymous).status_code == 200
    assert world.call("get", "/v1/me/addresses", anonymous).status_code == 200


@pytest.mark.parametrize("body", [
    {"FirstName": "Mallory"}, {"Email": "x@example.com"}, {"xp": {"a": 1}}, {"Password": "Str0ng-Passw0rd!x"},
    {"Username": "renamed"},
])  # fmt: skip
def test_me_patch_is_refused(world, anonymous, body):
    refused(world.call("patch", "/v1/me", anonymous, body), ["MeAdmin", "MeXpAdmin"])
    user = m.CoreUser.objects.get(oc_id="buyer-user")
    assert (user.username, user.first_name, user.email, user.xp) == ("shopper", "Test", "buyer-user@example.com", {})
    # the password is unchanged and Auth.Anonymous still works (the username was not changed)
    assert world.token(username="shopper", client_id="buyer-client")
    assert anonymous_token(world, "visitor-2")


def test_me_patch_with_a_signed_in_token_still_works(world, anonymous):
    token = world.token(username="shopper", client_id="buyer-client")
    response = world.call("patch", "/v1/me", token, {"FirstName": "Ann"})
    assert response.status_code == 200 and response.json()["FirstName"] == "Ann"


def test_me_revoke_tokens_is_refused_and_ends_no_other_visitors_token(world, anonymous):
    other_visitor = anonymous_token(world, "visitor-2")
    signed_in = world.token(username="shopper", client_id="buyer-client")
    refused(world.call("delete", "/v1/me/tokens", anonymous), [])
    for token in (anonymous, other_visitor, signed_in):
        assert world.call("get", "/v1/me", token).status_code == 200
    # a signed-in user still ends its own tokens (the anonymous ones of its user included)
    assert world.call("delete", "/v1/me/tokens", signed_in).status_code == 204
    assert world.call("get", "/v1/me", other_visitor).status_code == 401


def test_me_address_writes_are_refused(world, admin_token, anonymous):
    signed_in = world.token(username="shopper", client_id="buyer-client")
    own = world.call("post", "/v1/me/addresses", signed_in, HOME)
    assert own.status_code == 201, own.content
    own_id = own.json()["ID"]
    roles = ["MeAddressAdmin"]
    refused(world.call("post", "/v1/me/addresses", anonymous, HOME), roles)
    refused(world.call("put", f"/v1/me/addresses/{own_id}", anonymous, {**HOME, "City": "Elsewhere"}), roles)
    refused(world.call("patch", f"/v1/me/addresses/{own_id}", anonymous, {"City": "Elsewhere"}), roles)
    refused(world.call("delete", f"/v1/me/addresses/{own_id}", anonymous), roles)
    assert list(m.Address.objects.values_list("oc_id", "city")) == [(own_id, "Springfield")]
    # reading them still works
    assert world.call("get", f"/v1/me/addresses/{own_id}", anonymous).status_code == 200


def test_me_password_stays_refused(world, anonymous):
    item = api_error(world.call("post", "/v1/me/password", anonymous, {"NewPassword": "Str0ng-Passw0rd!x"}), 403,
                     "InsufficientRoles")  # fmt: skip
    assert "anonymous" in item["Message"]
    assert world.token(username="shopper", client_id="buyer-client", password=DEFAULT_CORE_PASSWORD)
