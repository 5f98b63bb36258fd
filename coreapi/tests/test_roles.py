import re

from coreapi import roles

SDK_ROLE_FILE = "/tmp/sdks/oc/package/dist/models/ApiRole.d.ts"


def test_all_92_sdk_roles_in_sdk_order():
    assert len(roles.ALL_ROLES) == 92 and len(set(roles.ALL_ROLES)) == 92
    try:
        sdk = re.findall(r"'(\w+)'", open(SDK_ROLE_FILE).read())
    except OSError:
        return
    assert list(roles.ALL_ROLES) == sdk


def test_every_role_is_in_exactly_one_ui_group():
    grouped = [r for group in roles.ROLE_GROUPS.values() for r in group]
    assert sorted(grouped) == sorted(roles.ALL_ROLES)


def test_full_access_implies_every_role():
    assert roles.has_any(["FullAccess"], ["XpIndexAdmin"])
    assert not roles.has_any(["ProductReader"], ["ProductAdmin"])


def test_grant_no_request_means_all_available():
    assert roles.grant(requested=None, available=["ProductAdmin", "Custom"]) == ["ProductAdmin", "Custom"]


def test_grant_intersects_and_carries_custom_roles():
    assert roles.grant(requested=["ProductAdmin", "OrderAdmin", "Custom", "Other"], available=["ProductAdmin", "Custom"]) == [
        "ProductAdmin",
        "Custom",
    ]
    assert roles.grant(requested=["OrderAdmin", "Custom"], available=["FullAccess"]) == ["OrderAdmin"]


def test_intersect_expands_full_access_on_both_sides():
    assert roles.intersect(["FullAccess"], ["MeAdmin", "Shopper"]) == ["MeAdmin", "Shopper"]
    assert roles.intersect(["FullAccess"], ["FullAccess"]) == ["FullAccess"]
    assert roles.intersect(["ProductAdmin"], []) == []
