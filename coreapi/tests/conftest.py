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
def shopper(world):
    """Buyer buyer-1 with user "shopper" (Shopper + MeAdmin) signing in through buyer-client."""
    return core_buyer(world)
