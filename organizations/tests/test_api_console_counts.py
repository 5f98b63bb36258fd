"""GET /organizations/{id}/apiclients: each item has the contract's AssignedBuyerCount,
AssignedSupplierCount and AssignedWebhookCount (§5 ApiClient), counted for a whole page in a fixed
number of queries; ClientSecret is never listed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coreapi.models import ApiClient, ApiClientAssignment, Buyer, Marketplace, Supplier, Webhook
from tests.portal_api import PortalApi

pytestmark = pytest.mark.django_db
LIST = "/organizations/acme-sbx/apiclients"


@pytest.fixture
def marketplace(team):
    mkt = Marketplace.objects.get(environment="sandbox", marketplace_id="acme-sbx")
    for oc_id, name in (("storefront", "Storefront"), ("backoffice", "Back office"), ("idle", "Idle")):
        ApiClient.objects.create(marketplace=mkt, oc_id=oc_id, app_name=name, client_secret="s3cret")
    for i in range(3):
        Buyer.objects.create(marketplace=mkt, oc_id=f"b{i}", name=f"Buyer {i}", active=True)
        ApiClientAssignment.objects.create(marketplace=mkt, api_client_id="storefront", buyer_id=f"b{i}")
    Supplier.objects.create(marketplace=mkt, oc_id="s1", name="Supplier", active=True)
    ApiClientAssignment.objects.create(marketplace=mkt, api_client_id="storefront", supplier_id="s1")
    ApiClientAssignment.objects.create(marketplace=mkt, api_client_id="backoffice", supplier_id="s1")
    Webhook.objects.create(marketplace=mkt, oc_id="w1", name="W1", api_client_ids=["storefront", "backoffice"])
    Webhook.objects.create(marketplace=mkt, oc_id="w2", name="W2", api_client_ids=["storefront"])
    Webhook.objects.create(marketplace=mkt, oc_id="w3", name="W3", api_client_ids=[])
    # another marketplace's rows with the same client Id count for nothing here
    other = Marketplace.objects.get(environment="sandbox", marketplace_id="other-org")
    ApiClientAssignment.objects.create(marketplace=other, api_client_id="idle", buyer_id="x")
    Webhook.objects.create(marketplace=other, oc_id="w9", name="W9", api_client_ids=["idle"])
    return mkt


def test_items_carry_the_assignment_counts(client, marketplace, owner):
    body = PortalApi(client, owner).get(LIST).json()
    counts = {c["Id"]: (c["AssignedBuyerCount"], c["AssignedSupplierCount"], c["AssignedWebhookCount"])
              for c in body["Items"]}
    assert counts == {"storefront": (3, 1, 2), "backoffice": (0, 1, 1), "idle": (0, 0, 0)}
    assert all("ClientSecret" not in c for c in body["Items"])
    assert "s3cret" not in str(body)


def test_the_counts_take_the_same_queries_for_any_page_size(client, marketplace, owner):
    api = PortalApi(client, owner)
    api.get(LIST, pageSize=1)  # warm up (sessions, caches)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(LIST, pageSize=1).json()["Items"]) == 1
    ApiClient.objects.bulk_create(ApiClient(marketplace=marketplace, oc_id=f"bulk-{i:02}", app_name=f"Bulk {i:02}")
                                  for i in range(30))
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(LIST, pageSize=33).json()["Items"]) == 33
    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_openapi_schema_documents_the_counts(client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["ApiClientOut"]
    assert {"AssignedBuyerCount", "AssignedSupplierCount", "AssignedWebhookCount"} <= set(schema["properties"])
    assert "ClientSecret" not in schema["properties"]
