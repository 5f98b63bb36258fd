"""The address a request came from, as the portal's rate limits and lockouts count it.

Behind reverse proxies REMOTE_ADDR is the nearest proxy's address: every client would share it, so
one client's failures would lock everyone out. With the environment's `TRUSTED_PROXY_COUNT = n`
(setting ALLAUTH_TRUSTED_PROXY_COUNT: the proxies in front of the portal, each appending the
address it saw to X-Forwarded-For), the client is the n-th entry from the right: what the
outermost trusted proxy saw. Entries further left were written by the client and are never
trusted. Without proxies (n = 0) X-Forwarded-For is ignored.

The rule is allauth's (its adapter's `get_client_ip`, which its web sign-in rate limits use), so
the web sign-in and the Portal API count the same address.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied


def client_ip(request) -> str:
    """The client's address; "" when the request carries no usable one (a malformed
    X-Forwarded-For, or fewer entries than trusted proxies: it did not come through them)."""
    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return ""
