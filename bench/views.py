"""Comparison views for bench/core_api: the core API's own list / me code, without its bearer
authentication ("bare", the limit) or behind django-oauth-toolkit's ("dot", the peer).

`CALLERS` is filled by bench/core_api.py before timing: a pre-decoded Caller per marketplace,
so these views skip exactly what the core endpoint does per request to authenticate (JWT verify,
marketplace lookup) and nothing else.
"""

from oauth2_provider.decorators import protected_resource

from coreapi import definitions
from coreapi.me import me_get
from coreapi.resources import json_response

CALLERS: dict = {}


def _products(request, size: str):
    return json_response(definitions.PRODUCTS.list(CALLERS[size], request, {}))


def _me(request):
    return json_response(me_get(CALLERS["me"]))


def bare_products(request, size: str):
    return _products(request, size)


def bare_me(request):
    return _me(request)


@protected_resource(scopes=["read"])
def dot_products(request, size: str):
    return _products(request, size)


@protected_resource(scopes=["read"])
def dot_me(request):
    return _me(request)
