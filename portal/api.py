"""The Portal REST API (/api/v1), as the official @ordercloud/portal-javascript-sdk calls it.

Each app contributes a ninja Router from its `apis.py`; they are attached here.
See ../shared/docs/portal-api-contract.md.
"""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Portal API",
    version="1.0",
    description="Organizations, contributors and API-console tokens of the developer portal.",
    urls_namespace="portal_api",
)
