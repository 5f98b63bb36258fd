"""The API client and webhook screens put the ID from their address into the core API path as one
path segment: an address whose ID has a '?' or '#' (e.g. /webhooks/hook-1%3Fx/delete/) is about an
object that does not exist, not about hook-1 (the rest was read as a query string or fragment)."""

import pytest

from console.tests.helpers import url
from coreapi import models as core_models


@pytest.mark.parametrize("suffix", ["?x=1", "#x", "?"])
def test_a_webhook_id_with_a_query_or_fragment_is_not_the_webhook_before_it(team, owner_client, suffix):
    c = owner_client
    c.post(url(team, "webhook-create"), {"ID": "hook-1", "Name": "Hook", "Url": "https://example.com/hook",
                                         "WebhookRoutes": "POST v1/products"})
    hooks = core_models.Webhook.objects.filter(marketplace__marketplace_id=team.oc_id, oc_id="hook-1")
    assert hooks.exists()
    assert c.get(url(team, "webhook-edit", webhook_id="hook-1" + suffix)).status_code == 404
    response = c.post(url(team, "webhook-delete", webhook_id="hook-1" + suffix), follow=True)
    assert hooks.exists(), "deleted hook-1"
    page = response.content.decode()
    assert "Webhook hook-1 deleted" not in page and "not found" in page, page[-3000:]


@pytest.mark.parametrize("suffix", ["?x=1", "#x"])
def test_an_api_client_id_with_a_query_or_fragment_is_not_the_client_before_it(team, owner_client, suffix):
    c = owner_client
    clients = core_models.ApiClient.objects.filter(marketplace__marketplace_id=team.oc_id, oc_id="admin-client")
    assert c.get(url(team, "apiclient-edit", client_id="admin-client" + suffix)).status_code == 404
    c.post(url(team, "apiclient-delete", client_id="admin-client" + suffix))
    assert clients.exists(), "deleted admin-client"
    c.post(url(team, "apiclient-secret-create", client_id="admin-client" + suffix), {"Name": "s"})
    assert not core_models.ApiClientSecret.objects.filter(api_client_id="admin-client").exists()
