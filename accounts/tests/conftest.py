from urllib.parse import urlparse

import pytest
import requests
from django.urls import reverse

# The shared actors and the fake OAuth server come from tests/fixtures.py (via the root conftest.py).


@pytest.fixture
def social_login(client, fake_oauth):
    """Run allauth's real OAuth2 flow for `provider` with the Django test client against the fake
    server: POST the provider login, follow the fake authorize redirect, GET the callback.
    Returns the callback response (usually a redirect)."""

    def run(provider: str, *, process: str = "login", next: str | None = None, c=None, **identity):
        c = c or client
        fake_oauth.next_identity(provider, **identity)
        data = {"process": process}
        if next:
            data["next"] = next
        start = c.post(reverse(f"{provider}_login"), data)
        assert start.status_code == 302, start
        authorize = requests.get(start["Location"], allow_redirects=False, timeout=5)
        assert authorize.status_code == 302, authorize.text
        back = urlparse(authorize.headers["Location"])
        return c.get(f"{back.path}?{back.query}")

    return run
