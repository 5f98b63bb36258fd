"""The builder names what only its JSON editor takes (a product's Inventory, a security profile's
PasswordConfig, a webhook's WebhookRoutes and ConfigData), and the values a list of strings may hold
(MessageSenders' MessageTypes): before, they could be found only in the OpenAPI document (QA 93 #10)."""

import re

from console.operations import operation_get
from console.tests.test_views import url


def test_json_only_properties_are_named_with_their_kind():
    assert operation_get("Products.Create").json_fields == [("Inventory", "object")]
    assert operation_get("SecurityProfiles.Create").json_fields == [("PasswordConfig", "object")]
    assert dict(operation_get("Webhooks.Create").json_fields) == {"ConfigData": "any JSON", "WebhookRoutes": "list"}
    assert operation_get("Products.Get").json_fields == []  # no body


def test_a_list_of_strings_with_choices_names_them():
    types = next(p for p in operation_get("MessageSenders.Create").body_fields if p.name == "MessageTypes")
    assert types.type == "array" and "ShipmentCreated" in types.enum


def test_the_builder_shows_them(team, owner, as_user):
    c = as_user(owner)
    page = c.get(url(team, "console") + "?op=Products.Create").content.decode()
    assert re.search(r'<p class="help" id="body-json-help">Also here, in the JSON: <code>Inventory</code> \(object\)\.</p>',
                     page)
    assert 'aria-describedby="body-json-help"' in page
    senders = c.get(url(team, "console") + "?op=MessageSenders.Create").content.decode()
    assert 'aria-describedby="body-MessageTypes-choices"' in senders
    assert re.search(r'id="body-MessageTypes-choices">One or more of: [^<]*ShipmentCreated', senders)
