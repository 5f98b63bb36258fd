"""SecurityProfiles' Roles and CustomRoles: a role listed twice is stored and shown once."""

import pytest

from coreapi import models as m

pytestmark = pytest.mark.django_db


def test_duplicate_roles_and_custom_roles_are_stored_once_in_order(call):
    body = {"ID": "p", "Name": "P", "Roles": ["ProductAdmin", "BuyerReader", "ProductAdmin"],
            "CustomRoles": ["MyRole", "Other", "MyRole"]}  # fmt: skip
    created = call("post", "/v1/securityprofiles", body, status=201).json()
    assert (created["Roles"], created["CustomRoles"]) == (["ProductAdmin", "BuyerReader"], ["MyRole", "Other"])
    profile = m.SecurityProfile.objects.get(oc_id="p")
    assert (profile.roles, profile.custom_roles) == (["ProductAdmin", "BuyerReader"], ["MyRole", "Other"])
    patched = call("patch", "/v1/securityprofiles/p", {"CustomRoles": ["MyRole", "MyRole"]}, status=200).json()
    assert patched["CustomRoles"] == ["MyRole"]
    replaced = call("put", "/v1/securityprofiles/p", {"Name": "P", "Roles": ["BuyerReader", "BuyerReader"]}, status=200)
    assert (replaced.json()["Roles"], replaced.json()["CustomRoles"]) == (["BuyerReader"], [])
