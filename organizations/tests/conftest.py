"""Named actors around one Sandbox organization (Zulip-style fixture users).

owner  : owns `org`                       admin   : accepted Organization Admin
member : accepted contributor, ProductReader + impersonate buyer
invited: has a pending invitation          outsider: owns another org, not in `org`
"""

import pytest

from organizations import services
from tests.factories import UserFactory


@pytest.fixture
def admin_user(db):
    return UserFactory(username="adam", name="Adam Admin", email="adam@example.com")


@pytest.fixture
def invited(db):
    return UserFactory(username="ivan", name="Ivan Invited", email="ivan@example.com")


@pytest.fixture
def org(owner):
    return services.organization_create(actor=owner, oc_id="acme-sbx", name="Acme", region="usw")


def add_member(org, actor, username, **access):
    services.contributor_save(actor=actor, organization=org, username=username, **{"roles": [], "is_admin": False, **access})
    from accounts.models import User

    services.invitation_accept(actor=User.objects.get(username=username), organization=org)


@pytest.fixture
def team(org, owner, admin_user, member, invited, outsider):
    """`org` with an admin, a member and a pending invite; the outsider owns another org."""
    add_member(org, owner, admin_user.username, is_admin=True, roles=["FullAccess"], impersonate_seller=True,
               impersonate_supplier=True, impersonate_buyer=True)
    add_member(org, owner, member.username, roles=["ProductReader"], impersonate_buyer=True)
    services.contributor_save(actor=owner, organization=org, username=invited.username, roles=["ProductReader"],
                              is_admin=False)
    services.organization_create(actor=outsider, oc_id="other-org", name="Other", region="usw")
    org.refresh_from_db()
    return org


# --- staging restore (issue #7) --------------------------------------------------------------------
@pytest.fixture
def production_org(owner):
    """Production org "acme" (with its marketplace) owned by `owner`, seeded with 5 products."""
    from coreapi.models import Marketplace
    from coreapi.tests.test_restore import seed_marketplace
    from organizations.models import Environment

    org = services._org_create(actor=owner, oc_id="acme", name="Acme", region="usw", environment=Environment.PRODUCTION)
    seed_marketplace(Marketplace.objects.get(environment="production", marketplace_id="acme"), products=5, tag="prod")
    return org


@pytest.fixture
def staging_org(production_org, owner, admin_user, member, outsider):
    """The Staging twin of `production_org` (2 products of its own), with `admin_user` as an
    Organization Admin and `member` as a plain contributor; `outsider` is in neither."""
    from coreapi.models import Marketplace
    from coreapi.tests.test_restore import seed_marketplace

    twin = services.staging_twin_create(actor=owner, production_org=production_org)
    seed_marketplace(Marketplace.objects.get(environment="staging", marketplace_id="acme"), products=2, tag="staging")
    add_member(twin, owner, admin_user.username, is_admin=True, roles=["FullAccess"])
    add_member(twin, owner, member.username, roles=["ProductReader"])
    twin.refresh_from_db()
    return twin
