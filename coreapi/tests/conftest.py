import pytest

from coreapi import models as m
from coreapi.testing import core_buyer, core_user, core_world


@pytest.fixture
def world(db):
    """Marketplace mkt-one (sandbox): admin user "admin" with FullAccess through client admin-client."""
    return core_world()


@pytest.fixture
def admin_token(world):
    return world.admin_token()


@pytest.fixture
def call(world, admin_token):
    """`call(method, path, body, token=admin, status=expected)`: a core API call, its status checked."""

    def call(method, path, body=None, token=None, status=None):
        response = world.call(method, path, token or admin_token, body)
        if status is not None:
            assert response.status_code == status, (path, response.content)
        return response

    return call


@pytest.fixture
def shopper(world):
    """Buyer buyer-1 with user "shopper" (Shopper + MeAdmin) signing in through buyer-client."""
    return core_buyer(world)


@pytest.fixture
def suppliers(world):
    """Two suppliers of `world`'s marketplace, "sup" and "other", each with a user ("sup-user",
    "other-user"), and an API client any supplier's users sign in through."""
    mp = world.marketplace
    for sid in ("sup", "other"):
        m.Supplier.objects.create(marketplace=mp, oc_id=sid, name=sid, active=True)
        core_user(mp, kind=m.UserKind.SUPPLIER, company_id=sid, user_id=f"{sid}-user")
    m.ApiClient.objects.create(marketplace=mp, oc_id="supplier-client", app_name="Suppliers", allow_any_supplier=True)
