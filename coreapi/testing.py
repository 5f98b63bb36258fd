"""Helpers to set up a core API marketplace in tests (used by coreapi, organizations, console tests).

    world = core_world()                       # marketplace + admin user + API client + FullAccess profile
    token = world.admin_token()                # a real token from POST /core/sandbox/oauth/token
    client.get(world.url("/v1/products"), HTTP_AUTHORIZATION=f"Bearer {token}")
"""

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.test import Client

from coreapi import models as m
from coreapi.services import marketplace_create

# meets the platform minimum every core user is held to (coreapi.passwords: 10 characters, 3 of
# the 4 character classes); core_user() hashes it directly, without the rules' check
DEFAULT_CORE_PASSWORD = "Core-pass-123!"


@dataclass
class CoreWorld:
    marketplace: m.Marketplace
    client_id: str
    admin_username: str
    password: str = DEFAULT_CORE_PASSWORD
    http: Client = field(default_factory=Client)

    @property
    def environment(self) -> str:
        return self.marketplace.environment

    def url(self, path: str) -> str:
        return f"/core/{self.environment}{path}"

    def token_response(self, **form):
        return self.http.post(self.url("/oauth/token"), form)

    def token(self, *, username: str | None = None, scope: str | None = None, client_id: str | None = None, **extra) -> str:
        form = {
            "grant_type": "password",
            "client_id": client_id or self.client_id,
            "username": username or self.admin_username,
            "password": self.password,
            **extra,
        }
        if scope is not None:
            form["scope"] = scope
        response = self.token_response(**form)
        assert response.status_code == 200, response.content
        return response.json()["access_token"]

    def admin_token(self, scope: str | None = None) -> str:
        return self.token(scope=scope)

    def call(self, method: str, path: str, token: str, body=None, **extra):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}", **extra}
        if body is not None:
            import json

            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.http, method.lower())(self.url(path), **kwargs)


def core_security_profile(marketplace, *, profile_id: str, roles: list[str], custom_roles=(), **assignment):
    profile = m.SecurityProfile.objects.create(
        marketplace=marketplace, oc_id=profile_id, name=profile_id, roles=list(roles), custom_roles=list(custom_roles)
    )
    m.SecurityProfileAssignment.objects.create(marketplace=marketplace, security_profile_id=profile_id, **assignment)
    return profile


def core_user(marketplace, *, kind: str = m.UserKind.ADMIN, company_id: str = "", user_id: str, username: str | None = None,
              password: str = DEFAULT_CORE_PASSWORD, active: bool = True, **fields) -> m.CoreUser:  # fmt: skip
    return m.CoreUser.objects.create(
        marketplace=marketplace,
        kind=kind,
        company_id=company_id,
        oc_id=user_id,
        username=username or user_id,
        password=make_password(password),
        active=active,
        first_name=fields.pop("first_name", "Test"),
        last_name=fields.pop("last_name", "User"),
        email=fields.pop("email", f"{user_id}@example.com"),
        **fields,
    )


def core_world(*, environment: str = "sandbox", marketplace_id: str = "mkt-one", client_id: str = "admin-client",
               admin_username: str = "admin", roles: tuple[str, ...] = ("FullAccess",)) -> CoreWorld:  # fmt: skip
    """A marketplace with an admin user (marketplace-level FullAccess profile) and an AllowSeller client."""
    marketplace = marketplace_create(environment=environment, marketplace_id=marketplace_id, name=marketplace_id)
    m.ApiClient.objects.create(
        marketplace=marketplace, oc_id=client_id, app_name="Admin app", allow_seller=True, refresh_token_duration=60
    )
    core_security_profile(marketplace, profile_id="admin-profile", roles=list(roles))
    core_user(marketplace, user_id="admin-user", username=admin_username)
    return CoreWorld(marketplace=marketplace, client_id=client_id, admin_username=admin_username)


def core_buyer(world: CoreWorld, *, buyer_id: str = "buyer-1", user_id: str = "buyer-user", username: str = "shopper",
               client_id: str = "buyer-client", roles: tuple[str, ...] = ("Shopper", "MeAdmin")) -> m.CoreUser:  # fmt: skip
    """A buyer, a buyer user with `roles` (buyer-level profile) and an API client assigned to the buyer."""
    mp = world.marketplace
    m.Buyer.objects.create(marketplace=mp, oc_id=buyer_id, name=f"Buyer {buyer_id}", active=True)
    if not m.ApiClient.objects.filter(marketplace=mp, oc_id=client_id).exists():
        m.ApiClient.objects.create(marketplace=mp, oc_id=client_id, app_name="Storefront", refresh_token_duration=60)
    m.ApiClientAssignment.objects.create(marketplace=mp, api_client_id=client_id, buyer_id=buyer_id)
    core_security_profile(mp, profile_id=f"{buyer_id}-profile", roles=list(roles), buyer_id=buyer_id)
    return core_user(mp, kind=m.UserKind.BUYER, company_id=buyer_id, user_id=user_id, username=username)


def api_error(response, status: int, code: str) -> dict:
    """The first item of an error answer's `Errors`, its HTTP status and ErrorCode checked."""
    assert response.status_code == status, response.content
    item = response.json()["Errors"][0]
    assert item["ErrorCode"] == code, item
    return item
