"""/core/<environment>/oauth/token, /core/<environment>/v1/..., /core/<environment>/v1/openapi.json."""

import re

from django.urls import URLResolver, path
from django.urls.resolvers import RegexPattern

from coreapi.apis import build_core_api
from coreapi.models import Environment

# No app namespace: each environment's NinjaAPI registers its own ("coreapi-sandbox", ...), which
# ninja's docs page reverses as a top-level namespace.

CORE_APIS = {environment: build_core_api(environment) for environment in Environment.values}


class _ResourceGroup(URLResolver):
    """The patterns of one resource ("v1/products", "v1/products/<productID>", ...) behind a
    zero-width prefix. A path of another resource is turned away with a string comparison and no
    Resolver404 (returning None is what a non-matching URLPattern does too)."""

    def __init__(self, segment: str, patterns: list):
        super().__init__(RegexPattern(rf"^(?=v1/{re.escape(segment)}(?:/|$))"), patterns)
        self._prefix = f"v1/{segment}"

    def resolve(self, path):
        path = str(path)
        prefix = self._prefix
        if not path.startswith(prefix) or (len(path) > len(prefix) and path[len(prefix)] != "/"):
            return None
        return super().resolve(path)


def _grouped_by_resource(patterns: list) -> list:
    """The API's ~150 URL patterns, grouped by their first segment under v1/ ("products", "me",
    ...) behind a zero-width prefix, so resolving a path tries one pattern per resource and then
    only that resource's few patterns, instead of walking the whole list (Django resolves
    linearly: /v1/products was the 126th pattern, ~0.2 ms per request). Order within a group is
    kept; a path can only match patterns of its own group, so the order between groups does not
    matter. Names and reversing are unchanged (the prefixes capture nothing)."""
    groups: dict[str, list] = {}
    rest = []
    for pattern in patterns:
        parts = str(pattern.pattern).split("/")
        if len(parts) >= 2 and parts[0] == "v1" and parts[1] and "<" not in parts[1]:
            groups.setdefault(parts[1], []).append(pattern)
        else:
            rest.append(pattern)
    return rest + [
_ResourceGroup(segment, members) for segment, members in groups.items()
    ]


def _urls(api) -> tuple:
    patterns, app_name, namespace = api.urls
    return _grouped_by_resource(patterns), app_name, namespace


urlpatterns: list = [path(f"{environment}/", _urls(api)) for environment, api in CORE_APIS.items()]
