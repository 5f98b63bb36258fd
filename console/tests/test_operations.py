"""console.operations: number fields keep 0 and negatives, empty means omitted, filters and sort."""

import pytest
from django.http import QueryDict

from console.operations import ERR_JSON_TOO_DEEP, ERR_PATH_DOTS, ERR_PATH_SLASH, BuilderError, Param, field_error_place, filter_expression, parse_value, request_build, operation_get


@pytest.mark.parametrize(
    ("param", "raw", "expected"),
    [
        (Param("pageSize", "integer"), "0", 0),
        (Param("pageSize", "integer"), "", None),
        (Param("offset", "integer"), "-3", -3),
        (Param("price", "number"), "0", 0),
        (Param("price", "number"), "0.0", 0.0),
        (Param("price", "number"), "-1.5", -1.5),
        (Param("Active", "boolean"), "false", False),
        (Param("Roles", "array"), "A, B,,", ["A", "B"]),
    ],
)
def test_parse_value_keeps_zero_and_negatives_and_omits_empty(param, raw, expected):
    assert parse_value(param, raw) == expected


def test_schema_minimum_refuses_negative_with_a_clear_message():
    with pytest.raises(ValueError, match="at least 0"):
        parse_value(Param("RefreshTokenDuration", "integer", minimum=0), "-1")
    with pytest.raises(ValueError, match="whole number"):
        parse_value(Param("page", "integer"), "1.5")


@pytest.mark.parametrize(("op", "expected"), [("=", "x"), ("!", "!x"), (">=", ">=x"), ("*=", "x*"), ("*=*", "*x*")])
def test_filter_operators_are_written_the_ordercloud_way(op, expected):
    assert filter_expression(op, "x") == expected


@pytest.mark.parametrize(("op", "value", "expected"), [
    ("*=", "Bl*", "Bl*"), ("*=", "*Bl", "*Bl*"), ("*=", "*", "*"),
    ("*=*", "Bl*", "*Bl*"), ("*=*", "*Bl", "*Bl*"), ("*=*", "*Bl*", "*Bl*"), ("*=*", "B*l", "*B*l*"),
    # a comparison sends the value as typed (the core API compares it literally, or refuses a
    # wildcard on a field that is not text)
    (">", "Bl*", ">Bl*"), ("<", "*Bl", "<*Bl"), ("=", "Bl*", "Bl*"),
])
def test_starts_with_and_contains_add_no_wildcard_the_value_already_has(op, value, expected):
    # QA 81 #8: "starts with" Bl* was sent as Name=Bl**, "contains" as Name=*Bl**
    assert filter_expression(op, value) == expected


def test_query_and_body_zero_are_sent(db):
    data = QueryDict(mutable=True)
    data.update({"pageSize": "0", "page": ""})
    built = request_build(operation=operation_get("Products.List"), data=data)
    assert built.query == [("pageSize", "0")]
    body = QueryDict(mutable=True)
    body.update({"body.ShipWeight": "0", "body.Name": "", "body_json": "{}"})
    built = request_build(operation=operation_get("Products.Create"), data=body)
    assert built.body_value == {"ShipWeight": 0}


def test_bad_json_body_is_a_field_error(db):
    data = QueryDict(mutable=True)
    data.update({"body_json": "{not json"})
    with pytest.raises(BuilderError) as exc:
        request_build(operation=operation_get("Products.Create"), data=data)
    assert exc.value.errors["body_json"] == "The body is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)."


@pytest.mark.parametrize("number", ["NaN", "-Infinity", "1e999"])
def test_a_json_body_with_a_non_finite_number_is_a_field_error_not_sent(db, number):
    data = QueryDict(mutable=True)
    data.update({"body_json": f'{{"Name": "n", "ShipWeight": {number}}}'})
    with pytest.raises(BuilderError) as exc:
        request_build(operation=operation_get("Products.Create"), data=data)
    assert number in exc.value.errors["body_json"]


def test_sdk_snippet_puts_the_operations_own_parameters_beside_the_filters(db):
    from console.snippets import js_sdk

    data = QueryDict(mutable=True)
    data.update({"q.catalogID": "cat", "pageSize": "5", "f.field": "Name", "f.op": "*=", "f.value": "shirt"})
    operation = operation_get("Products.List")
    built = request_build(operation=operation, data=data)
    assert ("catalogID", "cat") in built.query and ("Name", "shirt*") in built.query
    snippet = js_sdk(operation=operation, base_url="http://x/core/sandbox", built=built, path_values=[])
    options = snippet.split("Products.List(", 1)[1].rsplit(");", 1)[0]
    import json

    assert json.loads(options) == {"pageSize": 5, "catalogID": "cat", "filters": {"Name": "shirt*"}}


def test_error_data_values_read_as_json():
    from console.templatetags.console_tags import oc_value

    assert oc_value("abc") == "abc"
    assert oc_value(["ProductReader", "ProductAdmin"]) == "ProductReader, ProductAdmin"
    assert oc_value([{"Field": "QuantityMultiplier", "Message": "Input should be a valid integer"}]) == (
        '[{"Field": "QuantityMultiplier", "Message": "Input should be a valid integer"}]')
    assert oc_value({"a": None, "b": True}) == '{"a": null, "b": true}'


def test_body_fields_a_create_needs_are_marked_required_and_patch_fields_are_not(db):
    create = {p.name: p for p in operation_get("Buyers.Create").body_fields}
    patch = {p.name: p for p in operation_get("Buyers.Patch").body_fields}
    assert create["Name"].required and not create["Active"].required
    assert set(create) == set(patch)  # the same fields, read through the create's allOf
    assert not any(p.required for p in patch.values())
    users = operation_get("Users.Create")
    assert {p.name for p in users.body_fields if p.required} == {"Username", "FirstName", "LastName", "Email", "Active"}
    assert users.has_required_body and not operation_get("Users.Patch").has_required_body


def test_fields_the_api_sets_itself_are_not_offered_in_the_body(db):
    fields = {p.name for p in operation_get("Products.Create").body_fields}
    assert "Name" in fields and "ID" in fields
    assert not fields & {"DateCreated", "SpecCount", "VariantCount", "IsBundle"}


def test_history_times_read_as_people_say_them():
    from datetime import timedelta

    from django.utils import timezone

    from console.templatetags.console_tags import ago

    now = timezone.now()
    assert ago(now - timedelta(seconds=5)) == "just now"
    assert ago(now - timedelta(minutes=5, seconds=3)) == "5\xa0minutes ago"  # timesince keeps the number with its unit


@pytest.mark.parametrize("depth", [100_000, 1_000_000])
def test_a_json_body_nested_too_deeply_is_a_field_error_not_a_500(db, depth):
    data = QueryDict(mutable=True)
    data.update({"body_json": "[" * depth + "]" * depth})
    with pytest.raises(BuilderError) as exc:
        request_build(operation=operation_get("Products.Create"), data=data)
    assert exc.value.errors["body_json"] == ERR_JSON_TOO_DEEP


def test_a_json_body_with_an_integer_too_long_for_python_is_a_field_error_not_a_500(db):
    from portal.common.jsonbody import MSG_NUMBER_TOO_LONG

    data = QueryDict(mutable=True)
    data.update({"body_json": '{"Name": "n", "ShipWeight": ' + "1" * 5000 + "}"})
    with pytest.raises(BuilderError) as exc:
        request_build(operation=operation_get("Products.Create"), data=data)
    assert exc.value.errors["body_json"] == MSG_NUMBER_TOO_LONG == "A number in the body has too many digits."
    data["body_json"] = '{"Name": NaN}'  # still named as such
    with pytest.raises(BuilderError) as exc:
        request_build(operation=operation_get("Products.Create"), data=data)
    assert exc.value.errors["body_json"] == "NaN is not a JSON number; send a finite number or null."


@pytest.mark.parametrize("op", ["~", "=="])
def test_an_unknown_filter_operator_is_a_field_error_not_sent_as_equals(db, op):
    """The page offers only the listed operators; a hand-made post with another one was sent as
    'equals', a different query from the one asked for."""
    data = QueryDict(mutable=True)
    data.update({"f.field": "Name", "f.op": op, "f.value": "shirt"})
    with pytest.raises(BuilderError) as exc:
        request_build(operation=operation_get("Products.List"), data=data)
    assert repr(op) in exc.value.errors["f.op.0"]


def test_a_filter_without_an_operator_means_equals(db):
    data = QueryDict(mutable=True)
    data.update({"f.field": "Name", "f.value": "shirt"})
    assert ("Name", "shirt") in request_build(operation=operation_get("Products.List"), data=data).query


@pytest.mark.parametrize(
    ("value", "path"),
    [("a?b", "/v1/products/a%3Fb"), ("a#b", "/v1/products/a%23b"), ("100%", "/v1/products/100%25"),
     ("a b", "/v1/products/a%20b"), ("a%2Fb", "/v1/products/a%252Fb")],
)
def test_a_path_value_is_one_percent_encoded_segment(db, value, path):
    assert request_build(operation=operation_get("Products.Get"), data={"path.productID": value}).path == path


@pytest.mark.parametrize("value", ["a/b", "..", "."])
def test_a_path_value_that_cannot_be_one_segment_is_a_field_error(db, value):
    with pytest.raises(BuilderError) as exc:
        request_build(operation=operation_get("Buyers.Get"), data={"path.buyerID": value})
    assert list(exc.value.errors) == ["path.buyerID"]
    assert exc.value.errors["path.buyerID"] in (ERR_PATH_SLASH, ERR_PATH_DOTS.format(value=value))


@pytest.mark.parametrize(("key", "place"), [
    ("body_json", ("JSON", "body_json", 0)),
    ("body.NewPassword", ("NewPassword", "body.NewPassword", 0)),
    ("path.productID", ("productID", "path.productID", 0)),
    ("q.depth", ("depth", "q.depth", 0)),
    ("pageSize", ("pageSize", "pageSize", 0)),
    ("f.field.0", ("Filter 1 field", "f.field", 0)),
    ("f.op.2", ("Filter 3 operator", "f.op", 2)),
    ("f.value.1", ("Filter 2 value", "f.value", 1)),
    ("f.value.x", ("f.value.x", "f.value.x", 0)),
])
def test_a_field_error_is_placed_where_the_builder_shows_that_field(key, place):
    assert field_error_place(key) == place


@pytest.mark.parametrize("raw", ["  Trim-pass-123  ", " leading", "trailing ", "   "])
def test_a_text_value_is_kept_as_typed(raw):
    # QA console #3: a Password "  Trim-pass-123  " was sent as "Trim-pass-123"; a field of spaces
    # only is not empty: sent as typed, as the JSON editor would
    assert parse_value(Param("Password", "string"), raw) == raw
    assert parse_value(Param("Description", "string"), raw) == raw


def test_number_and_boolean_fields_are_read_without_the_spaces_around_them():
    assert parse_value(Param("ShipWeight", "number"), " 0 ") == 0
    assert parse_value(Param("Active", "boolean"), " true ") is True
    assert parse_value(Param("ShipWeight", "number"), "   ") is None


def test_body_text_fields_are_sent_with_their_spaces_path_and_query_values_are_trimmed(db):
    data = QueryDict(mutable=True)
    data.update({"path.productID": " p1 ", "body.Description": "  two sides  ", "body.Name": "",
                 "body.ShipWeight": " 0 ", "body_json": " {} "})
    built = request_build(operation=operation_get("Products.Save"), data=data)
    assert built.path == "/v1/products/p1"
    assert built.body_value == {"Description": "  two sides  ", "ShipWeight": 0}
    users = QueryDict(mutable=True)
    users.update({"path.buyerID": "b1", "body.Username": "u1", "body.Password": "  Trim-pass-123  ",
                  "body_json": "{}"})
    built = request_build(operation=operation_get("Users.Create"), data=users)
    assert built.body_value["Password"] == "  Trim-pass-123  "
    query = QueryDict(mutable=True)
    query.update({"q.catalogID": " cat-1 "})
    built = request_build(operation=operation_get("Products.List"), data=query)
    assert built.query == [("catalogID", "cat-1")]


@pytest.mark.parametrize(("op", "value", "expected"), [
    ("*=*", "hoodie|shirt", "*hoodie*|*shirt*"), ("*=", "hoodie|shirt", "hoodie*|shirt*"),
    ("*=*", "*hoodie|shirt*", "*hoodie*|*shirt*"), ("*=", "a*|b", "a*|b*"),
    ("*=*", "hoodie||shirt|", "*hoodie*|*shirt*"), ("*=*", "|", "*|*"),
    ("=", "a|b", "a|b"), ("!", "a|b", "!a|b"),
])
def test_starts_with_and_contains_wrap_each_alternative(op, value, expected):
    # QA console #6: contains "hoodie|shirt" sent *hoodie|shirt*: "ends with hoodie OR starts with shirt"
    assert filter_expression(op, value) == expected
