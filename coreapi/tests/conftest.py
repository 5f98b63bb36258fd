import pytest

from coreapi.testing import core_buyer, core_world


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
