"""Deleting an integration event unwires the API clients that named it: a later integration event
created with that ID is not silently called for them. A new ID is followed."""

import pytest

from coreapi import models as m
from coreapi.testing import core_world

pytestmark = pytest.mark.django_db

FIELDS = ("OrderCheckoutIntegrationEventID", "OrderReturnIntegrationEventID", "AddToCartIntegrationEventID")


def event(call, event_id, event_type="OrderCheckout"):
    call("post", "/v1/integrationEvents", {"ID": event_id, "Name": event_id, "EventType": event_type,
                                           "CustomImplementationUrl": "https://example.com/hook", "HashKey": "k"},
         status=201)  # fmt: skip


def test_deleting_an_integration_event_clears_the_api_clients_references(world, call):
    event(call, "hooks")
    event(call, "keep")
    wired = call("post", "/v1/apiclients", {"AppName": "Shop", "AccessTokenDuration": 600,
                                            **dict.fromkeys(FIELDS, "hooks")}, status=201).json()  # fmt: skip
    other = call("post", "/v1/apiclients", {"AppName": "Other", "AccessTokenDuration": 600,
                                            "OrderCheckoutIntegrationEventID": "keep"}, status=201).json()  # fmt: skip
    # another marketplace's client naming the same ID is not this marketplace's business
    elsewhere = core_world(marketplace_id="mkt-two", client_id="c2")
    m.ApiClient.objects.create(marketplace=elsewhere.marketplace, oc_id="theirs", app_name="Theirs",
                               order_checkout_integration_event_id="hooks")  # fmt: skip

    call("delete", "/v1/integrationEvents/hooks", status=204)
    got = call("get", f"/v1/apiclients/{wired['ID']}").json()
    assert {name: got[name] for name in FIELDS} == dict.fromkeys(FIELDS)
    assert got["OrderCheckoutIntegrationEventName"] is None

    event(call, "hooks")  # a new event under the old ID is not wired to the client
    got = call("get", f"/v1/apiclients/{wired['ID']}").json()
    assert {name: got[name] for name in FIELDS} == dict.fromkeys(FIELDS)
    assert call("get", f"/v1/apiclients/{other['ID']}").json()["OrderCheckoutIntegrationEventID"] == "keep"
    assert m.ApiClient.objects.get(oc_id="theirs").order_checkout_integration_event_id == "hooks"


def test_a_new_integration_event_id_is_followed_by_every_reference(world, call):
    event(call, "hooks")
    client = call("post", "/v1/apiclients", {"AppName": "Shop", "AccessTokenDuration": 600,
                                             **dict.fromkeys(FIELDS, "hooks")}, status=201).json()  # fmt: skip
    call("put", "/v1/integrationEvents/hooks", {"ID": "hooks-v2", "Name": "hooks", "HashKey": "k",
                                                "CustomImplementationUrl": "https://example.com/hook"}, status=200)
    got = call("get", f"/v1/apiclients/{client['ID']}").json()
    assert {name: got[name] for name in FIELDS} == dict.fromkeys(FIELDS, "hooks-v2")
