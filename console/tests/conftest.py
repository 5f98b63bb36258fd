"""Named actors around one Sandbox organization on the built-in core API, with core data to
impersonate (a buyer user and an admin user), and the fake remote core API.

owner  : owns `org` (FullAccess)          member : ProductReader + MeAdmin + Shopper, may impersonate buyers
outsider: owns another organization        seller : may impersonate sellers only
"""

import pytest
from django.test import Client

from coreapi import models as core_models
from coreapi.testing import core_security_profile, core_user
from organizations import services as org_services
from tests.factories import UserFactory


def add_member(org, actor, user, **access):
    org_services.contributor_save(actor=actor, organization=org, username=user.username,
                                  **{"roles": [], "is_admin": False, **access})
    org_services.invitation_accept(actor=user, organization=org)


def seed_core(org):
    """Core data in the org's marketplace: an admin client + admin user, a buyer with a user and a
    storefront client, and a few products."""
    mp = core_models.Marketplace.objects.get(environment=org.environment.lower(), marketplace_id=org.oc_id)
    core_models.ApiClient.objects.create(marketplace=mp, oc_id="admin-client", app_name="Admin app",
                                         allow_seller=True, refresh_token_duration=60)
    core_security_profile(mp, profile_id="admin-profile", roles=["FullAccess"])
    core_user(mp, user_id="admin-user", username="admin")
    core_models.Buyer.objects.create(marketplace=mp, oc_id="buyer-1", name="Buyer One", active=True)
    core_models.ApiClient.objects.create(marketplace=mp, oc_id="buyer-client", app_name="Storefront",
                                         refresh_token_duration=60)
    core_models.ApiClientAssignment.objects.create(marketplace=mp, api_client_id="buyer-client", buyer_id="buyer-1")
    core_security_profile(mp, profile_id="buyer-profile", roles=["Shopper", "MeAdmin"], buyer_id="buyer-1")
    core_user(mp, kind=core_models.UserKind.BUYER, company_id="buyer-1", user_id="buyer-user", username="shopper",
              first_name="Sam", last_name="Shopper")
    for i, name in enumerate(["Red shirt", "Blue shirt", "Green hat"], start=1):
        core_models.Product.objects.create(marketplace=mp, oc_id=f"prod-{i}", name=name, active=True)
    return mp


@pytest.fixture
def seller_member(db):
    return UserFactory(username="sean", name="Sean Seller", email="sean@example.com")


@pytest.fixture
def org(owner):
    org = org_services.organization_create(actor=owner, oc_id="acme-sbx", name="Acme", region="usw")
    seed_core(org)
    return org


@pytest.fixture
def team(org, owner, member, seller_member, outsider):
    add_member(org, owner, member, roles=["ProductReader", "MeAdmin", "Shopper"], impersonate_buyer=True)
    add_member(org, owner, seller_member, roles=["ProductAdmin"], impersonate_seller=True)
    org_services.organization_create(actor=outsider, oc_id="other-org", name="Other", region="usw")
    org.refresh_from_db()
    return org


@pytest.fixture
def as_user():
    """A browser signed in as `user`: as_user(owner).get(...)."""
    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def owner_client(team, as_user, owner):
    """The owner signed in, on `team` (FullAccess)."""
    return as_user(owner)


@pytest.fixture(scope="session")
def remote_api():
    from tests.fakes.remote_core_api import RemoteCoreApi

    server = RemoteCoreApi(client_id="remote-console", client_secret="s3cret").start()
    yield server
    server.stop()
