"""/core/<environment>/oauth/token, /core/<environment>/v1/..., /core/<environment>/v1/openapi.json."""

from django.urls import path

from coreapi.apis import build_core_api
from coreapi.models import Environment

# No app namespace: each environment's NinjaAPI registers its own ("coreapi-sandbox", ...), which
# ninja's docs page reverses as a top-level namespace.

CORE_APIS = {environment: build_core_api(environment) for environment in Environment.values}

urlpatterns: list = [path(f"{environment}/", api.urls) for environment, api in CORE_APIS.items()]
