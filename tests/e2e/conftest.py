"""Fixtures of the browser tests."""

import pytest

from tests.e2e.helpers import open_seeded_console


@pytest.fixture
def console(page, live_server):
    """Olivia signed in, on the console of her seeded Sandbox organization; returns its URL."""
    return open_seeded_console(page, live_server, "acme-ui", "Acme UI")[0]
