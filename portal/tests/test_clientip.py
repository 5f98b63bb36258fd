"""portal.common.clientip: which address rate limits and lockouts count."""

import pytest
from django.test import RequestFactory

from portal.common.clientip import client_ip


def request(remote="10.0.0.2", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.2", "203.0.113.9", "10.0.0.2"),  # no proxies: the header is the client's own
        (1, "10.0.0.2", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.2", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the left entry is forged
        (2, "10.0.0.2", "6.6.6.6, 203.0.113.9, 10.0.0.5", "203.0.113.9"),
        (2, "10.0.0.2", "203.0.113.9", ""),  # fewer entries than proxies: not through them
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "not-an-address", ""),
        (1, "10.0.0.2", "203.0.113.9:51234", "203.0.113.9"),
        (1, "10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
        (1, "10.0.0.2", " 2001:DB8::1 ", "2001:db8::1"),
        (0, "", None, ""),
    ],
)
def test_client_ip(settings, proxies, remote, forwarded, expected):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(remote, forwarded)) == expected
