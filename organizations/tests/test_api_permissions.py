"""The permission matrix of the Portal API: every operation (checked against the served OpenAPI
schema) x owner / admin / contributor / invited-not-accepted / outsider / anonymous, with the
exact status each gets. Another organization's anything is a 404, never a 403; no token is 401.

Each actor's call runs in a savepoint that is rolled back, so they all see the same `team`.
Delete and transfer are checked with the caller's confirmation window open (the window itself is
tested in test_api_organizations.py), so the matrix shows the owner-only rule.
"""

import re

import pytest
from django.core import mail
from django.db import transaction

from coreapi.models import ApiClient, Marketplace
from organizations import services
from portal.api import api
from tests.factories import UserFactory
from tests.portal_api import PortalApi

pytestmark = pytest.mark.django_db

ACTORS = ("owner", "admin_user", "member", "invited", "outsider", "anonymous")


def expect(owner, admin, member, invited, outsider, anonymous=401) -> dict:
    return dict(zip(ACTORS, (owner, admin, member, invited, outsider, anonymous), strict=True))


SIGNED_IN = expect(200, 200, 200, 200, 200)
MEMBERS_READ = expect(200, 200, 200, 404, 404)
ADMINS_WRITE = expect(200, 200, 403, 404, 404)
OWNER_ONLY = expect(204, 403, 403, 404, 404)
INVITEE_ONLY = expect(404, 404, 404, 204, 404)
STAGING_ONLY = expect(400, 400, 400, 404, 404)

ORG = "/organizations/acme-sbx"
OPERATIONS = [
    # (method, path, body, expected, open a confirmation window first)
    ("GET", "/me", None, SIGNED_IN, False),
    ("GET", "/me/regions", None, SIGNED_IN, False),
    ("GET", "/portalusers?search=o", None, SIGNED_IN, False),
    ("GET", "/portalusers/olivia", None, SIGNED_IN, False),
    ("GET", "/organizations", None, SIGNED_IN, False),
    ("GET", ORG, None, MEMBERS_READ, False),
    # a create with a taken Id is a conflict (Ids are unique per environment), not a rename:
    ("PUT", ORG, {"Name": "Renamed"}, expect(200, 200, 403, 409, 409), False),
    ("DELETE", ORG, None, OWNER_ONLY, True),
    ("POST", f"{ORG}/transfer", {"Username": "mia"}, OWNER_ONLY, True),
    ("GET", f"{ORG}/contributors", None, MEMBERS_READ, False),
    ("GET", f"{ORG}/contributors/mia", None, MEMBERS_READ, False),
    ("GET", f"{ORG}/access/users", None, MEMBERS_READ, False),
    ("PUT", f"{ORG}/access/users/nora", {"Roles": ["ProductReader"], "IsAdmin": False}, ADMINS_WRITE, False),
    ("DELETE", f"{ORG}/access/users/ivan", None, expect(204, 204, 403, 404, 404), False),
    ("GET", "/me/orginvites", None, SIGNED_IN, False),
    ("POST", "/me/orginvites/acme-sbx/accept", None, INVITEE_ONLY, False),
    ("POST", "/me/orginvites/acme-sbx/decline", None, INVITEE_ONLY, False),
    ("POST", "/me/verifyemail", None, SIGNED_IN, False),
    ("POST", "/confirmation", {"Code": "000000"}, expect(400, 400, 400, 400, 400), False),
    ("GET", f"{ORG}/apiclients", None, MEMBERS_READ, False),
    ("GET", f"{ORG}/apiclients/storefront/users", None, MEMBERS_READ, False),
    ("GET", f"{ORG}/token", None, MEMBERS_READ, False),
    ("GET", f"{ORG}/activity", None, expect(200, 200, 403, 404, 404), False),
    # Staging restore (issue #7): Staging orgs only, so on this Sandbox org every member gets a 400
    # (nothing to restore, whoever asks)
    # (organizations/tests/test_restore_api.py has the same matrix on a Staging org).
    ("GET", f"{ORG}/stagingrestorewebhook", None, STAGING_ONLY, False),
    ("PUT", f"{ORG}/stagingrestorewebhook", {"URL": "https://hooks.example.com/r"}, STAGING_ONLY, False),
    ("DELETE", f"{ORG}/stagingrestorewebhook", None, STAGING_ONLY, False),
    ("POST", f"{ORG}/stagingrestorewebhook/test", None, STAGING_ONLY, False),
    ("GET", f"{ORG}/stagingrestorewebhook/deliveries", None, STAGING_ONLY, False),
    ("POST", f"{ORG}/stagingrestores", None, STAGING_ONLY, False),
    ("GET", f"{ORG}/stagingrestores", None, STAGING_ONLY, False),
    ("GET", f"{ORG}/stagingrestores/1", None, STAGING_ONLY, False),
    # the account (accounts/tests/test_api_me_account.py): each changes only the caller's own
    ("PUT", "/me", {"Name": "New Name"}, SIGNED_IN, False),
    ("PUT", "/me/password", {"NewPassword": "a-new-Secret-42"}, expect(400, 400, 400, 400, 400), False),
    ("GET", "/me/authorizationmethods", None, SIGNED_IN, False),
    ("POST", "/me/authorizationmethods/Github/link", None, SIGNED_IN, False),
    ("DELETE", "/me/authorizationmethods/Github", None, expect(404, 404, 404, 404, 404), False),  # none linked
    ("PUT", "/me/email", {"Email": "new@example.com"}, expect(501, 501, 501, 501, 501), False),
    ("POST", "/me/accept", None, expect(501, 501, 501, 501, 501), False),
    # left to the web pages, anonymous as in the SDK: the same answer for everyone
    # sign-up by code (accounts/tests/test_api_me_account.py): anyone, the same answer for all
    ("POST", "/register", {"Email": "new@example.com"}, expect(204, 204, 204, 204, 204, 204), False),
    ("POST", "/verify", {"Code": "1", "Email": "new@example.com", "Username": "newbie", "Password": "a-new-Secret-42"},
     expect(400, 400, 400, 400, 400, 400), False),
    # a password reset by code (accounts/tests/test_api_me_account.py): anyone, the same answer for all
    ("POST", "/forgotpassword", {"Email": "olivia@example.com"}, expect(204, 204, 204, 204, 204, 204), False),
    ("POST", "/resetpassword", {"Email": "olivia@example.com", "Code": "1", "Password": "a-new-Secret-42"},
     expect(400, 400, 400, 400, 400, 400), False),
    ("POST", "/unlock", {"Code": "1"}, expect(501, 501, 501, 501, 501, 501), False),
]


@pytest.fixture
def matrix_team(team):
    UserFactory(username="nora", name="Nora New", email="nora@example.com")
    mkt = Marketplace.objects.get(environment="sandbox", marketplace_id="acme-sbx")
    ApiClient.objects.create(marketplace=mkt, oc_id="storefront", app_name="Storefront", allow_any_buyer=True)
    return team


def _open_window(user) -> None:
    services.confirmation_code_send(user=user)
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    services.confirmation_confirm(user=user, code=code)


@pytest.mark.parametrize(
    "method, path, body, expected, window",
    OPERATIONS,
    ids=[f"{method} {path.split('?')[0]}" for method, path, *_ in OPERATIONS],
)
def test_permission_matrix(client, request, matrix_team, method, path, body, expected, window):
    statuses = {}
    for actor in ACTORS:
        user = None if actor == "anonymous" else request.getfixturevalue(actor)
        with transaction.atomic():
            if window and user is not None:
                _open_window(user)
            response = PortalApi(client, user).request(method, path, body)
            transaction.set_rollback(True)
        statuses[actor] = response.status_code
        if response.status_code >= 400:
            assert "Errors" in response.json(), (actor, response.content)
    assert statuses == expected


def _template(path: str) -> str:
    path = path.split("?")[0]
    for pattern, name in [
        (r"^/portalusers/[^/]+$", "/portalusers/{username}"),
        (r"^/organizations/[^/]+", "/organizations/{id}"),
        (r"/contributors/[^/]+$", "/contributors/{username}"),
        (r"/access/users/[^/]+$", "/access/users/{username}"),
        (r"/apiclients/[^/]+/users$", "/apiclients/{clientid}/users"),
        (r"^/me/orginvites/[^/]+/", "/me/orginvites/{orgId}/"),
        (r"/stagingrestores/[^/]+$", "/stagingrestores/{restoreID}"),
        (r"^/me/authorizationmethods/[^/]+", "/me/authorizationmethods/{name}"),
    ]:
        path = re.sub(pattern, name, path)
    return path


def test_the_matrix_covers_every_operation_of_the_api():
    served = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
        if "/oauth/" not in path
    }
    covered = {(method, _template(path)) for method, path, *_ in OPERATIONS}
    assert served == covered
