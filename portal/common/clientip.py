"""The address a request came from, as the portal's rate limits and lockouts count it.

Behind reverse proxies REMOTE_ADDR is the nearest proxy's address: every client would share it, so
one client's failures would lock everyone out. With `TRUSTED_PROXY_COUNT = n` (the proxies in front
of the portal, each appending the address it saw to X-Forwarded-For), the client is the n-th entry
from the right: what the outermost trusted proxy saw. Entries further left were written by the
client and are never trusted. Without proxies (n = 0) X-Forwarded-For is ignored.

allauth's web sign-in rate limits use the same rule: settings set ALLAUTH_TRUSTED_PROXY_COUNT
from the same variable.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(value: str) -> str:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return ""


def client_ip(request) -> str:
    """The client's address ("" when no usable address is known)."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            found = _address(forwarded[-proxies])
            if found:
                return found
    return _address(request.META.get("REMOTE_ADDR", ""))
