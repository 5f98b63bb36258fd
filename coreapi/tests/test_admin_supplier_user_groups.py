"""AdminUserGroups (`/v1/usergroups`) and SupplierUserGroups (`/v1/suppliers/{supplierID}/usergroups`):
CRUD, user assignments, the roles of security profiles assigned to the groups, deletes, ID changes,
supplier users on their own supplier's groups only, and the Staging restore copying them."""

import jwt
import pytest
from django.db import transaction

from coreapi import models as m
from coreapi import restore
from coreapi.services import marketplace_create
from coreapi.testing import core_security_profile, core_user

pytestmark = pytest.mark.django_db


def error(response) -> dict:
    return response.json()["Errors"][0]


def items(response, *keys):
    return [tuple(i[k] for k in keys) for i in response.json()["Items"]]


def roles_of(world, username, client_id=None):
    return jwt.decode(world.token(username=username, client_id=client_id), options={"verify_signature": False})["role"]


@pytest.fixture
def editor(world):
    """An admin user with no roles of its own (the world's FullAccess profile, given to every admin
    user, becomes the world's admin's alone)."""
    m.SecurityProfileAssignment.objects.filter(security_profile_id="admin-profile").update(user_id="admin-user")
    return core_user(world.marketplace, user_id="editor")


class TestAdminUserGroups:
    def test_crud_and_list(self, call):
        created = call("post", "/v1/usergroups", {"ID": "ops", "Name": "Ops", "Description": "D", "xp": {"a": 1}},
                       status=201).json()  # fmt: skip
        assert created == {"ID": "ops", "Name": "Ops", "Description": "D", "xp": {"a": 1}}
        assert call("get", "/v1/usergroups/ops", status=200).json()["Name"] == "Ops"
        call("put", "/v1/usergroups/ops", {"Name": "Operations"}, status=200)
        call("put", "/v1/usergroups/new", {"Name": "New"}, status=201)
        call("patch", "/v1/usergroups/new", {"Description": "patched"}, status=200)
        page = call("get", "/v1/usergroups?sortBy=!ID", status=200).json()
        assert [g["ID"] for g in page["Items"]] == ["ops", "new"] and page["Meta"]["TotalCount"] == 2
        assert [g["ID"] for g in call("get", "/v1/usergroups?search=patched", status=200).json()["Items"]] == ["new"]
        assert error(call("post", "/v1/usergroups", {"ID": "ops", "Name": "X"}, status=409))["ErrorCode"] == "IdExists"
        assert error(call("post", "/v1/usergroups", {"ID": "x"}, status=400))["Data"] == {"Field": "Name"}
        call("delete", "/v1/usergroups/new", status=204)
        assert error(call("get", "/v1/usergroups/new", status=404))["Data"] == {"ObjectType": "UserGroup", "ObjectID": "new"}

    def test_user_assignments(self, call, editor, shopper):
        call("post", "/v1/usergroups", {"ID": "ops", "Name": "Ops"}, status=201)
        call("post", "/v1/usergroups/assignments", {"UserGroupID": "ops", "UserID": "editor"}, status=204)
        call("post", "/v1/usergroups/assignments", {"UserGroupID": "ops", "UserID": "editor"}, status=204)  # once
        missing_user = call("post", "/v1/usergroups/assignments", {"UserGroupID": "ops", "UserID": "buyer-user"}, status=404)
        assert error(missing_user)["Data"] == {"ObjectType": "User", "ObjectID": "buyer-user"}  # a buyer's user is no admin
        missing_group = call("post", "/v1/usergroups/assignments", {"UserGroupID": "nope", "UserID": "editor"}, status=404)
        assert error(missing_group)["Data"] == {"ObjectType": "UserGroup", "ObjectID": "nope"}
        assert error(call("post", "/v1/usergroups/assignments", {"UserGroupID": "ops"}, status=400))["Data"] == {"Field": "UserID"}
        assert items(call("get", "/v1/usergroups/assignments?userID=editor"), "UserGroupID", "UserID") == [("ops", "editor")]
        assert items(call("get", "/v1/usergroups/assignments?userGroupID=other"), "UserID") == []
        call("delete", "/v1/usergroups/ops/assignments/editor", status=204)
        assert call("get", "/v1/usergroups/assignments").json()["Items"] == []

    def test_a_security_profile_assigned_to_the_group_gives_its_members_roles(self, world, call, editor):
        assert roles_of(world, "editor") == []
        call("post", "/v1/usergroups", {"ID": "ops", "Name": "Ops"}, status=201)
        call("post", "/v1/securityprofiles", {"ID": "readers", "Name": "R", "Roles": ["ProductReader"]}, status=201)
        call("post", "/v1/securityprofiles/assignments", {"SecurityProfileID": "readers", "UserGroupID": "ops"}, status=204)
        assert roles_of(world, "editor") == []  # not a member yet
        call("post", "/v1/usergroups/assignments", {"UserGroupID": "ops", "UserID": "editor"}, status=204)
        assert roles_of(world, "editor") == ["ProductReader"]
        assert call("get", "/v1/adminusers/editor").json()["AvailableRoles"] == ["ProductReader"]
        listed = call("get", "/v1/securityprofiles/assignments?level=Group&commerceRole=Seller").json()["Items"]
        assert [(a["SecurityProfileID"], a["UserGroupID"], a["BuyerID"], a["SupplierID"]) for a in listed] == [
            ("readers", "ops", None, None)]
        ghost = call("post", "/v1/securityprofiles/assignments", {"SecurityProfileID": "readers", "UserGroupID": "ghost"},
                     status=404)  # fmt: skip
        assert error(ghost)["Data"] == {"ObjectType": "UserGroup", "ObjectID": "ghost"}
        # deleting the group removes its members and its security profile assignments
        call("delete", "/v1/usergroups/ops", status=204)
        assert roles_of(world, "editor") == []
        assert not m.AdminUserGroupAssignment.objects.exists()
        assert not m.SecurityProfileAssignment.objects.filter(user_group_id="ops").exists()
        call("post", "/v1/usergroups", {"ID": "ops", "Name": "Again"}, status=201)
        assert roles_of(world, "editor") == []  # a new group with the old ID inherits nothing

    def test_a_new_id_keeps_members_and_profiles_and_a_deleted_user_leaves(self, world, call, editor):
        call("post", "/v1/usergroups", {"ID": "ops", "Name": "Ops"}, status=201)
        call("post", "/v1/usergroups/assignments", {"UserGroupID": "ops", "UserID": "editor"}, status=204)
        core_security_profile(world.marketplace, profile_id="p", roles=["OrderReader"], user_group_id="ops")
        call("patch", "/v1/usergroups/ops", {"ID": "team"}, status=200)
        assert items(call("get", "/v1/usergroups/assignments"), "UserGroupID") == [("team",)]
        assert roles_of(world, "editor") == ["OrderReader"]
        call("patch", "/v1/adminusers/editor", {"ID": "ed"}, status=200)
        assert items(call("get", "/v1/usergroups/assignments"), "UserID") == [("ed",)]
        call("delete", "/v1/adminusers/ed", status=204)
        assert call("get", "/v1/usergroups/assignments").json()["Items"] == []

    def test_roles_guard_the_endpoints(self, world, call, editor):
        call("post", "/v1/usergroups", {"ID": "ops", "Name": "Ops"}, status=201)
        core_security_profile(world.marketplace, profile_id="r", roles=["AdminUserGroupReader"], user_id="editor")
        reader = world.token(username="editor")
        call("get", "/v1/usergroups", token=reader, status=200)
        call("get", "/v1/usergroups/assignments", token=reader, status=200)
        denied = call("post", "/v1/usergroups", {"Name": "X"}, token=reader, status=403)
        assert error(denied)["ErrorCode"] == "InsufficientRoles" and error(denied)["Data"]["SufficientRoles"] == ["AdminUserGroupAdmin"]
        call("post", "/v1/usergroups/assignments", {"UserGroupID": "ops", "UserID": "editor"}, token=reader, status=403)
        call("delete", "/v1/usergroups/ops/assignments/editor", token=reader, status=403)
        buyer_groups_only = world.token(scope="UserGroupAdmin")
        call("get", "/v1/usergroups", token=buyer_groups_only, status=403)

    def test_another_marketplace_s_groups_are_not_found(self, world, call):
        call("post", "/v1/usergroups", {"ID": "ops", "Name": "Ops"}, status=201)
        from coreapi.testing import core_world

        other = core_world(marketplace_id="mkt-two", client_id="other-client", admin_username="other-admin")
        token = other.admin_token()
        assert other.call("get", "/v1/usergroups/ops", token).status_code == 404
        assert other.call("get", "/v1/usergroups", token).json()["Items"] == []


class TestSupplierUserGroups:
    def test_crud_assignments_and_roles(self, world, call, suppliers):
        call("post", "/v1/suppliers/sup/usergroups", {"ID": "team", "Name": "Team"}, status=201)
        assert call("get", "/v1/suppliers/sup/usergroups/team", status=200).json()["Name"] == "Team"
        call("get", "/v1/suppliers/other/usergroups/team", status=404)  # another supplier's group
        error_body = error(call("get", "/v1/suppliers/ghost/usergroups", status=404))
        assert error_body["Data"] == {"ObjectType": "Supplier", "ObjectID": "ghost"}
        call("put", "/v1/suppliers/sup/usergroups/team", {"Name": "Team 2"}, status=200)
        call("patch", "/v1/suppliers/sup/usergroups/team", {"Description": "d"}, status=200)
        assert [g["ID"] for g in call("get", "/v1/suppliers/sup/usergroups").json()["Items"]] == ["team"]
        assert call("get", "/v1/suppliers/other/usergroups").json()["Items"] == []

        path = "/v1/suppliers/sup/usergroups/assignments"
        rival = call("post", path, {"UserGroupID": "team", "UserID": "other-user"}, status=404)  # another supplier's user
        assert error(rival)["Data"] == {"ObjectType": "User", "ObjectID": "other-user"}
        call("post", "/v1/suppliers/other/usergroups/assignments", {"UserGroupID": "team", "UserID": "other-user"},
             status=404)  # fmt: skip
        call("post", path, {"UserGroupID": "team", "UserID": "sup-user"}, status=204)
        assert items(call("get", path), "UserGroupID", "UserID") == [("team", "sup-user")]
        assert call("get", "/v1/suppliers/other/usergroups/assignments").json()["Items"] == []
        assert [u["ID"] for u in call("get", "/v1/suppliers/sup/users?userGroupID=team").json()["Items"]] == ["sup-user"]
        call("get", "/v1/suppliers/other/users?userGroupID=team", status=404)

        # a profile assigned to the group gives its roles to the supplier's member
        assert roles_of(world, "sup-user", "supplier-client") == []
        call("post", "/v1/securityprofiles", {"ID": "p", "Name": "P", "Roles": ["ProductAdmin"]}, status=201)
        call("post", "/v1/securityprofiles/assignments", {"SecurityProfileID": "p", "SupplierID": "sup", "UserGroupID": "team"},
             status=204)  # fmt: skip
        wrong = call("post", "/v1/securityprofiles/assignments",
                     {"SecurityProfileID": "p", "SupplierID": "other", "UserGroupID": "team"}, status=404)  # fmt: skip
        assert error(wrong)["Data"] == {"ObjectType": "UserGroup", "ObjectID": "team"}
        assert roles_of(world, "sup-user", "supplier-client") == ["ProductAdmin"]
        assert roles_of(world, "other-user", "supplier-client") == []

        call("delete", "/v1/suppliers/sup/usergroups/team/assignments/sup-user", status=204)
        assert roles_of(world, "sup-user", "supplier-client") == []
        call("post", path, {"UserGroupID": "team", "UserID": "sup-user"}, status=204)
        call("delete", "/v1/suppliers/sup/usergroups/team", status=204)
        assert roles_of(world, "sup-user", "supplier-client") == []
        assert not m.SupplierUserGroupAssignment.objects.exists()
        assert not m.SecurityProfileAssignment.objects.filter(user_group_id="team").exists()

    def test_deleting_the_supplier_or_the_user_removes_groups_and_memberships(self, call, suppliers):
        call("post", "/v1/suppliers/sup/usergroups", {"ID": "team", "Name": "Team"}, status=201)
        call("post", "/v1/suppliers/sup/usergroups/assignments", {"UserGroupID": "team", "UserID": "sup-user"}, status=204)
        call("delete", "/v1/suppliers/sup/users/sup-user", status=204)
        assert not m.SupplierUserGroupAssignment.objects.exists()
        call("delete", "/v1/suppliers/sup", status=204)
        assert not m.SupplierUserGroup.objects.exists()

    def test_a_supplier_user_manages_its_own_supplier_s_groups_only(self, world, call, suppliers):
        mp = world.marketplace
        core_security_profile(mp, profile_id="sg", roles=["SupplierUserGroupAdmin"], supplier_id="sup")
        token = world.token(username="sup-user", client_id="supplier-client")
        call("post", "/v1/suppliers/sup/usergroups", {"ID": "mine", "Name": "Mine"}, token=token, status=201)
        call("post", "/v1/suppliers/other/usergroups", {"ID": "theirs", "Name": "Theirs"}, status=201)
        call("get", "/v1/suppliers/other/usergroups", token=token, status=404)
        call("get", "/v1/suppliers/other/usergroups/theirs", token=token, status=404)
        call("get", "/v1/suppliers/other/usergroups/assignments", token=token, status=404)
        call("post", "/v1/suppliers/other/usergroups/assignments", {"UserGroupID": "theirs", "UserID": "other-user"},
             token=token, status=404)  # fmt: skip
        call("post", "/v1/suppliers/sup/usergroups/assignments", {"UserGroupID": "mine", "UserID": "sup-user"},
             token=token, status=204)  # fmt: skip
        assert items(call("get", "/v1/suppliers/sup/usergroups/assignments", token=token), "UserID") == [("sup-user",)]
        call("get", "/v1/usergroups", token=token, status=403)  # admin user groups are the marketplace's


def test_the_staging_restore_copies_admin_and_supplier_user_groups(world, call, suppliers, editor):
    call("post", "/v1/usergroups", {"ID": "ops", "Name": "Ops"}, status=201)
    call("post", "/v1/usergroups/assignments", {"UserGroupID": "ops", "UserID": "editor"}, status=204)
    call("post", "/v1/suppliers/sup/usergroups", {"ID": "team", "Name": "Team"}, status=201)
    call("post", "/v1/suppliers/sup/usergroups/assignments", {"UserGroupID": "team", "UserID": "sup-user"}, status=204)
    core_security_profile(world.marketplace, profile_id="p", roles=["OrderReader"], user_group_id="ops")
    staging = marketplace_create(environment="staging", marketplace_id="mkt-one", name="twin")
    with transaction.atomic():
        reports = {r.resource: r for r in restore.marketplace_copy(source=world.marketplace, target=staging)}
    for name in ("AdminUserGroup", "AdminUserGroupAssignment", "SupplierUserGroup", "SupplierUserGroupAssignment"):
        assert reports[name].rows_copied == 1, name
    assert list(m.AdminUserGroupAssignment.objects.filter(marketplace=staging).values_list("user_group_id", "user_id")) == [
        ("ops", "editor")]
    assert list(m.SupplierUserGroup.objects.filter(marketplace=staging).values_list("supplier_id", "oc_id")) == [
        ("sup", "team")]
    from coreapi.selectors import user_available_roles

    copied_editor = m.CoreUser.objects.get(marketplace=staging, oc_id="editor")
    assert user_available_roles(marketplace_pk=staging.pk, user=copied_editor) == ["OrderReader"]


def test_the_openapi_document_has_every_operation_with_its_tag(client, world):
    document = client.get("/core/sandbox/v1/openapi.json").json()
    found = {op["operationId"]: op["tags"] for ops in document["paths"].values() for op in ops.values()}
    for sdk, tag in (("AdminUserGroups", "Admin user groups"), ("SupplierUserGroups", "Supplier user groups")):
        for name in ("List", "Get", "Create", "Save", "Patch", "Delete", "ListUserAssignments", "SaveUserAssignment",
                     "DeleteUserAssignment"):  # fmt: skip
            assert found[f"{sdk}.{name}"] == [tag], (sdk, name)
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/v1/usergroups/assignments"])
    assert "delete" in paths["/v1/usergroups/{userGroupID}/assignments/{userID}"]
    assert "delete" in paths["/v1/suppliers/{supplierID}/usergroups/{userGroupID}/assignments/{userID}"]
    assert "userGroupID" in [p["name"] for p in paths["/v1/usergroups/assignments"]["get"]["parameters"]]
