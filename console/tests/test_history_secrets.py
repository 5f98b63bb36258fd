"""The console history keeps no secret: besides passwords and client secrets, a webhook's or an
integration event's HashKey and CustomAuthHeaderValue, tokens and API keys in an xp, and the value
of a filter on such a field are kept as ******** (sent as typed). Re-running such an entry is
refused with the names of the values to type again; Edit shows the placeholder, and Send refuses it."""

import json

import pytest

from console import services
from console.models import ConsoleRequest
from console.operations import REDACTED, is_secret_name
from console.tests.helpers import latest, send, url
from coreapi import models as core_models

HASH_KEY = "hook-hash-key-Typed-1"
AUTH_VALUE = "Bearer header-value-Typed-2"


def test_a_webhook_hash_key_and_custom_auth_header_value_are_sent_but_not_kept(team, owner, owner_client):
    c = owner_client
    body = {"ID": "hook-1", "Name": "Hook", "Url": "https://example.com/hook", "HashKey": HASH_KEY,
            "CustomAuthHeaderName": "Authorization", "CustomAuthHeaderValue": AUTH_VALUE,
            "WebhookRoutes": [{"Route": "v1/products", "Verb": "POST"}]}
    response = send(c, team, "Webhooks.Create", body_json=json.dumps(body))
    assert 'data-testid="response-status">201' in response.content.decode()
    hook = core_models.Webhook.objects.get(marketplace__marketplace_id=team.oc_id, oc_id="hook-1")
    assert hook.hash_key == HASH_KEY  # sent as typed
    entry = latest(owner)
    stored = json.dumps([entry.body, entry.state, entry.query])
    assert HASH_KEY not in stored and AUTH_VALUE not in stored
    kept = json.loads(entry.body)
    assert kept["HashKey"] == REDACTED and kept["CustomAuthHeaderValue"] == REDACTED
    assert kept["CustomAuthHeaderName"] == "Authorization" and kept["Name"] == "Hook"  # not secrets
    # Edit: the placeholder and the notice, never the value
    builder = c.get(url(team, "builder"), {"history": entry.pk}).content.decode()
    assert HASH_KEY not in builder and AUTH_VALUE not in builder
    assert 'data-testid="redacted-notice"' in builder and REDACTED in builder
    # Re-run: refused, naming what to type again; nothing sent
    rerun = c.post(url(team, "history-rerun", pk=entry.pk), HTTP_HX_REQUEST="true")
    text = rerun.content.decode()
    assert rerun.status_code == 400 and "HashKey" in text and "CustomAuthHeaderValue" in text
    assert ConsoleRequest.objects.filter(user=owner).count() == 1
    # Send from the edited entry with the placeholder: refused next to the JSON, hook unchanged
    again = send(c, team, "Webhooks.Save", **{"path.webhookID": "hook-1", "body_json": entry.state["body_json"][0]})
    assert "Type the HashKey again" in again.content.decode() and 'data-testid="response-status"' not in again.content.decode()
    hook.refresh_from_db()
    assert hook.hash_key == HASH_KEY
    # "Reveal my token": the token alone, not a command with the placeholder as the HashKey
    revealed = c.post(url(team, "token-reveal", pk=entry.pk)).content.decode()
    assert "export TOKEN=" in revealed and REDACTED not in revealed


def test_an_integration_event_secret_typed_in_a_body_field_is_not_kept(team, owner, owner_client):
    response = send(owner_client, team, "IntegrationEvents.Create", **{
        "body.ID": "ie-1", "body.Name": "Checkout", "body.EventType": "OrderCheckout",
        "body.CustomImplementationUrl": "https://example.com/ie", "body.HashKey": HASH_KEY,
        "body.CustomAuthHeaderValue": AUTH_VALUE})
    assert 'data-testid="response-status">201' in response.content.decode()
    entry = latest(owner)
    assert HASH_KEY not in json.dumps([entry.body, entry.state]) and AUTH_VALUE not in json.dumps([entry.body, entry.state])
    assert entry.state["body.HashKey"] == [REDACTED] and entry.state["body.CustomAuthHeaderValue"] == [REDACTED]
    assert entry.state["redacted"] == ["1"] and entry.state["body.Name"] == ["Checkout"]
    builder = owner_client.get(url(team, "builder"), {"history": entry.pk}).content.decode()
    assert 'name="body.HashKey" value="********"' in builder and HASH_KEY not in builder


def test_tokens_and_api_keys_in_an_xp_are_not_kept_settings_named_after_them_are(team, owner, owner_client):
    xp = {"apiKey": "k-1", "access_token": "t-1", "Nested": [{"private_key": "p-1"}], "PasswordLastSetDate": "2024-01-01",
          "TokenType": "opaque", "Color": "red"}
    send(owner_client, team, "Products.Create", body_json=json.dumps({"ID": "p-x", "Name": "X", "xp": xp}))
    kept = json.loads(latest(owner).body)["xp"]
    assert kept["apiKey"] == kept["access_token"] == kept["Nested"][0]["private_key"] == REDACTED
    assert kept["PasswordLastSetDate"] == "2024-01-01" and kept["TokenType"] == "opaque" and kept["Color"] == "red"


@pytest.mark.parametrize("name", ["Password", "NewPassword", "ClientSecret", "HashKey", "CustomAuthHeaderValue",
                                  "access_token", "refresh_token", "apiKey", "ApiSecret"])
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["CustomAuthHeaderName", "AccessTokenDuration", "PasswordConfig", "MinimumPasswordAge",
                                  "PasswordLastSetDate", "token_type", "apiClientSecretID", "Name", "ID"])
def test_names_that_are_not_secrets(name):
    assert not is_secret_name(name)


def test_a_filter_on_a_secret_field_keeps_no_value_and_is_not_re_sent_with_the_placeholder(team, owner, owner_client):
    c = owner_client
    send(c, team, "Webhooks.List", **{"f.field": "HashKey", "f.op": "=", "f.value": HASH_KEY})
    entry = latest(owner)
    assert entry.query == [["HashKey", REDACTED]] and entry.state["f.value"] == [REDACTED]
    assert HASH_KEY not in json.dumps([entry.query, entry.state]) and entry.state["redacted"] == ["1"]
    assert HASH_KEY not in c.get(url(team, "history")).content.decode()
    rerun = c.post(url(team, "history-rerun", pk=entry.pk), HTTP_HX_REQUEST="true")
    assert rerun.status_code == 400 and "HashKey" in rerun.content.decode()
    again = send(c, team, "Webhooks.List", **{"f.field": "HashKey", "f.op": "=", "f.value": REDACTED})
    assert "Type the HashKey again" in again.content.decode()
    # a filter on another field is kept as sent
    send(c, team, "Webhooks.List", **{"f.field": "Name", "f.op": "=", "f.value": "Hook"})
    assert latest(owner).query == [["Name", "Hook"]] and "redacted" not in latest(owner).state


def test_redaction_leaves_a_request_without_secrets_untouched():
    body, query, state = '{"Name": "x"}', [("pageSize", "2")], {"body_json": ['{"Name": "x"}']}
    assert services.history_redact_secrets(body=body, query=query, state=state) == (body, query, state)
