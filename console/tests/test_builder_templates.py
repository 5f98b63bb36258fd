"""console.operations._build: what the request builder offers and pre-fills, read from the core
API's OpenAPI document (QA: console builder)."""

import json

import pytest

from console.operations import _build, operation_get
from console.tests.helpers import latest, send


@pytest.mark.parametrize("operation_id", ["PriceSchedules.Create", "PriceSchedules.Save",
                                          "Webhooks.Create", "Webhooks.Save"])
def test_an_untouched_json_template_adds_no_list_of_objects_the_api_refuses(db, operation_id):
    # QA #1: {"PriceBreaks":[{"Quantity":0,...}]} -> 400 "PriceBreaks.0.Quantity must be at least 1.",
    # {"WebhookRoutes":[{"Route":"","Verb":""}]} -> 400
    example = operation_get(operation_id).body_example or {}
    assert "PriceBreaks" not in example and "WebhookRoutes" not in example
    assert set(example) <= {"xp"}


@pytest.mark.parametrize(("operation_id", "fields"), [
    ("PriceSchedules.Create", {"body.ID": "qa-ps1", "body.Name": "QA schedule"}),
    ("Webhooks.Create", {"body.ID": "qa-hook", "body.Name": "QA hook"}),
])
def test_a_form_only_create_with_the_template_untouched_succeeds(team, owner, as_user, operation_id, fields):
    body_json = json.dumps(operation_get(operation_id).body_example or {}, indent=2)
    response = send(as_user(owner), team, operation_id, body_json=body_json, **fields)
    assert 'data-testid="response-status">201' in response.content.decode()
    assert latest(owner).status_code == 201


def _document(properties: dict, required: list[str]) -> dict:
    return {
        "paths": {"/v1/things": {"post": {
            "operationId": "Things.Create",
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": properties, "required": required}}}},
        }}},
        "components": {"schemas": {
            "Row": {"type": "object", "properties": {"Quantity": {"type": "integer", "minimum": 1},
                                                     "Kind": {"type": "string", "enum": ["a", "b"]}},
                    "required": ["Kind"]},
            "Strict": {"type": "object", "properties": {"Quantity": {"type": "integer", "minimum": 1}},
                       "required": ["Quantity"]},
        }},
    }


def test_a_required_list_of_objects_gets_a_valid_example_or_none():
    doc = _document({
        "Rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}, "minItems": 1},
        "Strict": {"type": "array", "items": {"$ref": "#/components/schemas/Strict"}, "minItems": 1},
        "Maybe": {"type": "array", "items": {"$ref": "#/components/schemas/Strict"}},
        "Optional": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
        "xp": {"type": "object"},
    }, ["Rows", "Strict", "Maybe"])
    (op,) = _build(doc)
    # Rows: a row of its required enum; Strict: no valid Quantity can be made up, left out;
    # Maybe: may be empty; Optional: not required, left out
    assert op.body_example == {"Rows": [{"Kind": "a"}], "Maybe": [], "xp": {}}
