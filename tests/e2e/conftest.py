"""Fixtures of the browser tests."""

import pytest
from playwright.sync_api import expect

from console.tests.conftest import seed_core
from organizations import services as org_services
from tests.e2e.test_console import sign_in
from tests.factories import UserFactory


@pytest.fixture
def console(page, live_server):
    """Olivia signed in, on the console of her seeded Sandbox organization; returns its URL."""
    owner = UserFactory(username="olivia", name="Olivia Owner", email="olivia@example.com")
    org = org_services.organization_create(actor=owner, oc_id="acme-ui", name="Acme UI", region="usw")
    seed_core(org)
    sign_in(page, live_server.url, "olivia")
    url = f"{live_server.url}/console/sandbox/acme-ui/"
    page.goto(url)
    expect(page.get_by_test_id("builder-path")).to_have_text("/v1/products")
    return url
