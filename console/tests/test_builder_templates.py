"""console.operations._build: what the request builder offers and pre-fills, read from the core
API's OpenAPI document (QA: console builder)."""

import json

import pytest

from console.operations import _build, _filter_fields, operation_get
from console.tests.helpers import latest, send, url


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


def test_a_required_read_only_property_is_offered(db):
    # QA #2: Me.Save's body requires Active, which MeUser marks read-only: the builder left it out
    fields = {p.name: p for p in operation_get("Me.Save").body_fields}
    assert fields["Active"].required and fields["Active"].type == "boolean"
    assert not {"ID", "DateCreated", "AvailableRoles", "FailedLoginAttempts"} & set(fields)  # read-only, not required


def test_read_only_properties_are_offered_only_where_a_body_requires_them(db):
    doc = {
        "paths": {"/v1/things": {"put": {"operationId": "Things.Save", "requestBody": {"content": {"application/json": {
            "schema": {"type": "object", "required": ["Active"], "properties": {
                "Active": {"type": "boolean", "readOnly": True}, "Count": {"type": "integer", "readOnly": True},
                "Name": {"type": "string"}}}}}}}}},
    }
    (op,) = _build(doc)
    assert [(p.name, p.required) for p in op.body_fields] == [("Active", True), ("Name", False)]


def test_me_save_succeeds_from_the_form(team, member, as_user):
    c = as_user(member)
    c.post(url(team, "context-set"), {"client_id": "buyer-client", "username": "shopper"})  # a buyer user
    body_json = json.dumps(operation_get("Me.Save").body_example or {}, indent=2)
    response = send(c, team, "Me.Save", body_json=body_json, **{
        "body.Username": "shopper", "body.FirstName": "Sam", "body.LastName": "Saved",
        "body.Email": "sam@example.com", "body.Active": "true"})
    assert 'data-testid="response-status">200' in response.content.decode()
    assert json.loads(latest(member).body)["Active"] is True


@pytest.mark.parametrize("operation_id", ["Webhooks.Create", "Webhooks.Save", "Webhooks.Patch",
                                          "IntegrationEvents.Create", "IntegrationEvents.Save"])
def test_a_property_without_a_type_is_left_to_the_json_editor(db, operation_id):
    # QA #4: ConfigData (any JSON) was a "string" text input: {"a": 1} typed there was sent as a string
    assert "ConfigData" not in {p.name for p in operation_get(operation_id).body_fields}


def test_untyped_or_object_or_list_of_non_strings_is_complex_an_untyped_parameter_is_text():
    doc = {"paths": {"/v1/things": {"post": {
        "operationId": "Things.Create",
        "parameters": [{"in": "query", "name": "mode", "schema": {}}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
            "Any": {"title": "Any"}, "Either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "Obj": {"type": "object"}, "Untyped": {"type": "array", "items": {}},
            "Numbers": {"type": "array", "items": {"type": "integer"}},
            "Tags": {"type": "array", "items": {"type": "string"}}, "Name": {"type": "string"}}}}}},
    }}}}
    (op,) = _build(doc)
    assert [(p.name, p.type) for p in op.body_fields] == [("Tags", "array"), ("Name", "string")]
    assert [(p.name, p.type) for p in op.query_params] == [("mode", "string")]


def test_config_data_typed_in_the_json_editor_is_sent_as_json(team, owner, as_user):
    c = as_user(owner)
    builder = c.get(url(team, "builder"), {"op": "Webhooks.Create"}).content.decode()
    assert 'name="body.ConfigData"' not in builder
    send(c, team, "Webhooks.Create", **{"body.ID": "qa-hook", "body.Name": "QA hook",
                                       "body_json": '{"ConfigData": {"retries": 3}}'})
    assert json.loads(latest(owner).body) == {"ConfigData": {"retries": 3}, "ID": "qa-hook", "Name": "QA hook"}
    assert latest(owner).status_code == 201


def test_filter_suggestions_are_only_the_scalar_fields_the_list_accepts(db):
    # QA #5: SpecCount/VariantCount (counts), Inventory (an object), Roles (a list) and a literal
    # "xp.*" were offered, and the API refused each
    products = operation_get("Products.List")
    assert {"ID", "Name", "Active", "ShipWeight", "DateCreated"} <= set(products.filter_fields)
    assert not {"SpecCount", "VariantCount", "Inventory", "PriceSchedule", "xp", "xp.*"} & set(products.filter_fields)
    assert products.filter_xp
    profiles = operation_get("SecurityProfiles.List")
    assert not {"Roles", "CustomRoles", "PasswordConfig", "xp.*"} & set(profiles.filter_fields)
    assert "IsOnSale" not in operation_get("PriceSchedules.List").filter_fields  # worked out, not stored
    assert not {"Password", "AvailableRoles", "Locale"} & set(operation_get("Users.List").filter_fields)
    me_products = operation_get("Me.ListProducts")  # no list spec known: scalar fields, no counts
    assert "Name" in me_products.filter_fields and not {"SpecCount", "VariantCount"} & set(me_products.filter_fields)
    assert not operation_get("Catalogs.ListAssignments").filter_xp


def test_every_filter_suggestion_is_accepted_by_the_core_api(db):
    from console.operations import operations
    from coreapi.definitions import ASSIGNMENTS, RESOURCES

    specs = {f"/{r.collection_route}": r.list_spec for r in [*RESOURCES]}
    specs.update({f"/{a.route}": a.list_spec for a in ASSIGNMENTS})
    for op in operations():
        if op.is_list and op.path in specs:
            assert set(op.filter_fields) <= set(specs[op.path].columns), op.id
            assert op.filter_xp == bool(specs[op.path].xp_column), op.id


def test_filter_fields_without_a_known_list_spec_are_read_from_the_item_schema():
    item = {"properties": {"ID": {"type": "string"}, "Total": {"type": "number"}, "LineCount": {"type": "integer"},
                           "Inventory": {"type": "object"}, "Roles": {"type": "array", "items": {"type": "string"}},
                           "Password": {"type": "string"}, "Data": {}, "xp": {"type": "object"}}}
    assert _filter_fields("/v1/things", item, {}, specs={}) == (["ID", "Total"], True)


def test_the_builder_offers_xp_as_a_hint_not_a_choice(team, member, as_user):
    builder = as_user(member).get(url(team, "builder"), {"op": "Products.List"}).content.decode()
    assert '<option value="xp.*">' not in builder and '<option value="SpecCount">' not in builder
    assert '<option value="Name">' in builder and 'data-testid="filter-xp-hint"' in builder


def test_contains_one_or_another_finds_either(team, member, as_user):
    # QA #6: contains "ree|shirt" was sent as *ree|shirt* ("ends with ree or starts with shirt"): nothing
    response = send(as_user(member), team, "Products.List", **{"f.field": "Name", "f.op": "*=*", "f.value": "ree|shirt"})
    assert latest(member).query == [["Name", "*ree*|*shirt*"]]
    body = response.content.decode()
    assert "Green hat" in body and "Red shirt" in body and "Blue shirt" in body


def test_date_time_fields_have_a_hint_and_text_fields_the_schemas_max_length(db):
    # QA #8: SaleStart/SaleEnd/TermsAccepted/Expiration had no hint, Name (maxLength 100) and
    # Email (200) no maxlength
    schedule = {p.name: p for p in operation_get("PriceSchedules.Create").body_fields}
    assert schedule["SaleStart"].format == "date-time" and schedule["SaleStart"].placeholder == "2026-01-31T12:00:00Z"
    assert schedule["Name"].max_length == 100 and schedule["Name"].placeholder == ""
    me = {p.name: p for p in operation_get("Me.Save").body_fields}
    assert me["Email"].max_length == 200 and me["TermsAccepted"].format == "date-time"
    assert me["Active"].max_length is None and me["Active"].format == ""


def test_the_builder_renders_the_hint_and_maxlength(team, member, as_user):
    from tests.a11y import A11yPage

    c = as_user(member)
    builder = A11yPage(c.get(url(team, "builder"), {"op": "PriceSchedules.Create"}).content.decode())
    sale_start = builder.one("input", id="body-SaleStart")
    assert sale_start.attrs["placeholder"] == "2026-01-31T12:00:00Z" and "maxlength" not in sale_start.attrs
    assert builder.one("input", id="body-Name").attrs["maxlength"] == "100"
    assert "placeholder" not in builder.one("input", id="body-Name").attrs
    me = A11yPage(c.get(url(team, "builder"), {"op": "Me.Save"}).content.decode())
    assert me.one("input", id="body-Email").attrs["maxlength"] == "200"
    assert me.one("input", id="body-TermsAccepted").attrs["placeholder"] == "2026-01-31T12:00:00Z"
