"""Booleans take what OrderCloud (Json.NET, ASP.NET model binding) takes: JSON true/false and the
strings "true"/"false" in any letter case. Pydantic's lax mode also took "yes", "on", "1", 1, 0 ...;
those are a 400 InvalidRequest naming the field (or the query parameter), and nothing is saved."""

import inspect
from typing import Annotated, get_args, get_origin

import pytest
from pydantic import BaseModel, BeforeValidator, ValidationError

from coreapi import schemas as s

pytestmark = pytest.mark.django_db

MSG_BODY = 'Input should be true or false (or the string "true" or "false")'
REFUSED = ["yes", "no", "1", "0", "on", "off", "y", "n", "t", "f", "", " true", 1, 0, 1.0, [], {}]
ACCEPTED = [(True, True), (False, False), ("true", True), ("TRUE", True), ("True", True), ("false", False),
            ("FALSE", False), ("fAlSe", False)]  # fmt: skip


def refused(response, field: str) -> dict:
    assert response.status_code == 400, response.content
    [error] = response.json()["Errors"]
    assert error["ErrorCode"] == "InvalidRequest"
    assert error["Message"] == f"{field}: {MSG_BODY}"
    assert error["Data"]["Field"] == field
    return error


# --- bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", REFUSED)
def test_a_product_create_with_a_lax_boolean_is_refused_and_nothing_saved(call, value):
    refused(call("post", "/v1/products", {"ID": "p", "Name": "P", "Active": value}), "Active")
    call("get", "/v1/products/p", status=404)
    assert call("get", "/v1/products", status=200).json()["Meta"]["TotalCount"] == 0


@pytest.mark.parametrize(("value", "saved"), ACCEPTED)
def test_a_product_create_takes_json_booleans_and_the_strings_true_false(call, value, saved):
    created = call("post", "/v1/products", {"ID": "p", "Name": "P", "Active": value}, status=201).json()
    assert created["Active"] is saved
    assert call("get", "/v1/products/p", status=200).json()["Active"] is saved


def test_null_keeps_its_meaning(call):
    created = call("post", "/v1/products", {"ID": "p", "Name": "P", "Active": None}, status=201).json()
    assert created["Active"] in (True, False)  # the column's default, as before


def test_patch_and_put_refuse_a_lax_boolean_and_keep_the_row(call):
    call("post", "/v1/products", {"ID": "p", "Name": "P", "Active": True, "Returnable": False}, status=201)
    refused(call("patch", "/v1/products/p", {"Active": "no"}), "Active")
    refused(call("patch", "/v1/products/p", {"Returnable": 1}), "Returnable")
    refused(call("put", "/v1/products/p", {"Name": "Q", "Active": 0}), "Active")
    refused(call("put", "/v1/products/p", {"Name": "Q", "Active": "off"}), "Active")
    product = call("get", "/v1/products/p", status=200).json()
    assert (product["Name"], product["Active"], product["Returnable"]) == ("P", True, False)

    assert call("patch", "/v1/products/p", {"Active": "FALSE"}, status=200).json()["Active"] is False
    assert call("patch", "/v1/products/p", {"Returnable": "True"}, status=200).json()["Returnable"] is True
    replaced = call("put", "/v1/products/p", {"Name": "Q", "Active": "true"}, status=200).json()
    assert (replaced["Name"], replaced["Active"]) == ("Q", True)
    assert call("put", "/v1/products/p", {"Name": "Q", "Active": False}, status=200).json()["Active"] is False


def test_nested_booleans_are_refused_too(call):
    refused(call("post", "/v1/products", {"ID": "p", "Name": "P", "Inventory": {"Enabled": 1}}), "Inventory.Enabled")
    call("get", "/v1/products/p", status=404)
    created = call("post", "/v1/products", {"ID": "p", "Name": "P", "Inventory": {"Enabled": "TRUE"}}, status=201)
    assert created.json()["Inventory"]["Enabled"] is True
    refused(call("patch", "/v1/products/p", {"Inventory": {"OrderCanExceed": "yes"}}), "Inventory.OrderCanExceed")

    profile = {"ID": "sp", "Name": "SP", "Roles": ["ProductReader"], "PasswordConfig": {"UpperCaseRequired": "yes"}}
    refused(call("post", "/v1/securityprofiles", profile), "PasswordConfig.UpperCaseRequired")
    call("get", "/v1/securityprofiles/sp", status=404)
    profile["PasswordConfig"] = {"UpperCaseRequired": "true", "NumericRequired": False}
    config = call("post", "/v1/securityprofiles", profile, status=201).json()["PasswordConfig"]
    assert (config["UpperCaseRequired"], config["NumericRequired"]) == (True, False)
    refused(call("patch", "/v1/securityprofiles/sp", {"PasswordConfig": {"NumericRequired": "1"}}),
            "PasswordConfig.NumericRequired")  # fmt: skip
    refused(call("put", "/v1/securityprofiles/sp", {"Name": "SP", "IsExternalRoleGroup": "on"}), "IsExternalRoleGroup")


def test_assignment_bodies_refuse_lax_booleans(call):
    call("post", "/v1/buyers", {"ID": "b", "Name": "B"}, status=201)
    call("post", "/v1/catalogs", {"ID": "c", "Name": "C"}, status=201)
    body = {"CatalogID": "c", "BuyerID": "b", "ViewAllProducts": "yes"}
    refused(call("post", "/v1/catalogs/assignments", body), "ViewAllProducts")
    assert call("get", "/v1/catalogs/assignments", status=200).json()["Items"] == []
    call("post", "/v1/catalogs/assignments", {**body, "ViewAllProducts": "False"}, status=204)
    [assignment] = call("get", "/v1/catalogs/assignments", status=200).json()["Items"]
    assert assignment["ViewAllProducts"] is False


def _bare_bools(annotation) -> int:
    """How many `bool`s in a type annotation are not OCBool."""
    if annotation is bool:
        return 1
    if get_origin(annotation) is Annotated:
        inner, *metadata = get_args(annotation)
        if inner is bool and any(isinstance(m, BeforeValidator) and m.func is s._oc_bool for m in metadata):
            return 0
        return _bare_bools(inner)
    return sum(_bare_bools(arg) for arg in get_args(annotation))


SCHEMAS = [cls for _, cls in inspect.getmembers(s, inspect.isclass)
           if issubclass(cls, BaseModel) and cls.__module__ == s.__name__]  # fmt: skip
BOOL_FIELDS = [(cls, name) for cls in SCHEMAS if "[" not in cls.__name__ for name, field in cls.model_fields.items()
               if "bool" in repr(field.annotation)]  # fmt: skip


def test_every_boolean_field_of_every_schema_is_an_ocbool():
    assert {(cls.__name__, name) for cls in SCHEMAS for name, field in cls.model_fields.items()
            if _bare_bools(field.annotation)} == set()  # fmt: skip
    assert len(BOOL_FIELDS) >= 46
    for cls, name in BOOL_FIELDS:
        assert cls.model_validate({name: "tRuE"}).__dict__[name] is True
        assert cls.model_validate({name: None}).__dict__[name] is None
        for value in ("yes", 1, "0"):
            with pytest.raises(ValidationError) as caught:
                cls.model_validate({name: value})
            [error] = caught.value.errors()
            assert (error["loc"], error["msg"]) == ((name,), MSG_BODY), (cls.__name__, name, value)


# --- the query parameter ----------------------------------------------------------------------

GENERATE = "/v1/products/shirt/variants/generate"


@pytest.fixture
def shirt(call):
    """Product shirt with one variant spec, size (S, L), and its two variants generated."""
    call("post", "/v1/products", {"ID": "shirt", "Name": "Shirt", "Active": True}, status=201)
    call("post", "/v1/specs", {"ID": "size", "Name": "Size", "DefinesVariant": True}, status=201)
    for option in ("S", "L"):
        call("post", "/v1/specs/size/options", {"ID": option, "Value": option}, status=201)
    call("post", "/v1/specs/productassignments", {"SpecID": "size", "ProductID": "shirt"}, status=204)
    call("post", GENERATE, {}, status=201)
    call("patch", "/v1/products/shirt/variants/shirt-S", {"Description": "edited"}, status=200)


@pytest.mark.parametrize("value", ["yes", "1", "0", "on", "no", "", "t"])
def test_overwrite_existing_takes_only_true_or_false(call, shirt, value):
    response = call("post", f"{GENERATE}?overwriteExisting={value}", {})
    assert response.status_code == 400, response.content
    [error] = response.json()["Errors"]
    assert error == {"ErrorCode": "InvalidRequest", "Message": "overwriteExisting must be true or false.",
                     "Data": {"Parameter": "overwriteExisting", "Value": value}}  # fmt: skip
    assert call("get", "/v1/products/shirt/variants/shirt-S", status=200).json()["Description"] == "edited"


def test_overwrite_existing_in_any_letter_case(call, shirt):
    call("post", f"{GENERATE}?overwriteExisting=FALSE", {}, status=201)
    assert call("get", "/v1/products/shirt/variants/shirt-S", status=200).json()["Description"] == "edited"
    call("post", f"{GENERATE}?overwriteExisting=True", {}, status=201)
    assert call("get", "/v1/products/shirt/variants/shirt-S", status=200).json()["Description"] is None


def test_generate_body_active_is_strict_too(call, shirt):
    refused(call("post", GENERATE, {"Active": "yes"}), "Active")
    call("post", f"{GENERATE}?overwriteExisting=true", {"Active": "false"}, status=201)
    assert {v["Active"] for v in call("get", "/v1/products/shirt/variants", status=200).json()["Items"]} == {False}


# --- the OpenAPI document ---------------------------------------------------------------------


def test_the_openapi_document_still_says_boolean(client):
    document = client.get("/core/sandbox/v1/openapi.json").json()
    components = document["components"]["schemas"]

    def types(prop: dict) -> set:
        return {option.get("type") for option in prop.get("anyOf", [prop])}

    assert types(components["Product"]["properties"]["Active"]) == {"boolean", "null"}
    assert types(components["Inventory"]["properties"]["Enabled"]) == {"boolean", "null"}
    assert types(components["PasswordConfig"]["properties"]["UpperCaseRequired"]) == {"boolean", "null"}
    assert types(components["CatalogAssignment"]["properties"]["ViewAllProducts"]) == {"boolean", "null"}
    for cls, name in BOOL_FIELDS:
        if cls.__name__ in components:
            assert "boolean" in types(components[cls.__name__]["properties"][name]), (cls.__name__, name)
    [parameter] = [p for p in document["paths"]["/v1/products/{productID}/variants/generate"]["post"]["parameters"]
                   if p["name"] == "overwriteExisting"]  # fmt: skip
    assert parameter["in"] == "query" and types(parameter["schema"]) == {"boolean", "null"}
