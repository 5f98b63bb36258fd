"""Portal API: contributors, access assignments (invite / update / remove) and the invitee's side
(/me/orginvites accept and decline)."""

import pytest
from django.core import mail

from organizations import services
from organizations.apis import ERR_CONTRIBUTOR_NOT_FOUND
from organizations.models import Contributor, Invitation, InvitationStatus
from tests.factories import UserFactory
from tests.portal_api import PortalApi, error_codes, error_messages

pytestmark = pytest.mark.django_db


def usernames(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["Username"] for item in response.json()["Items"]]


class TestContributors:
    def test_lists_owner_and_accepted_contributors_not_invitees(self, client, team, member):
        assert usernames(PortalApi(client, member).get("/organizations/acme-sbx/contributors")) == [
            "adam",
            "mia",
            "olivia",
        ]

    def test_search_sort_and_filter(self, client, team, owner):
        api = PortalApi(client, owner)
        assert usernames(api.get("/organizations/acme-sbx/contributors", search="mia")) == ["mia"]
        assert usernames(api.get("/organizations/acme-sbx/contributors", sortBy="!Username")) == ["olivia", "mia", "adam"]
        assert usernames(api.get("/organizations/acme-sbx/contributors", Email="adam@example.com")) == ["adam"]
        assert api.get("/organizations/acme-sbx/contributors", sortBy="Password").status_code == 400

    def test_contributor_detail(self, client, team, owner):
        response = PortalApi(client, owner).get("/organizations/acme-sbx/contributors/mia")
        assert response.status_code == 200
        body = response.json()
        assert body["IsAdmin"] is False
        assert (body["ImpersonateSeller"], body["ImpersonateSupplier"], body["ImpersonateBuyer"]) == (False, False, True)
        assert body["UserAssignment"]["Roles"] == ["ProductReader"]
        assert body["UserAssignment"]["Accepted"] is True
        assert body["User"]["Username"] == "mia"
        assert body["InheritedRoles"] == [] and body["TeamAssignments"] == []

    def test_owner_detail_has_everything(self, client, team, member):
        body = PortalApi(client, member).get("/organizations/acme-sbx/contributors/OLIVIA").json()
        assert body["IsAdmin"] and body["ImpersonateSeller"] and body["ImpersonateSupplier"] and body["ImpersonateBuyer"]
        assert body["UserAssignment"]["Roles"] == ["FullAccess"]

    def test_invitee_and_stranger_are_not_contributors(self, client, team, owner):
        api = PortalApi(client, owner)
        for username in ("ivan", "oscar", "nobody"):
            response = api.get(f"/organizations/acme-sbx/contributors/{username}")
            assert response.status_code == 404
            assert response.json()["Errors"][0] == {
                "ErrorCode": "NotFound",
                "Message": ERR_CONTRIBUTOR_NOT_FOUND.format(username=username),
                "Data": {"ObjectType": "Contributor", "ObjectID": username},
            }


class TestAssignments:
    def test_list_shows_owner_contributors_and_pending_invites(self, client, team, member):
        body = PortalApi(client, member).get("/organizations/acme-sbx/access/users").json()
        rows = {(r["User"]["Username"], r["Accepted"], r["IsAdmin"], tuple(r["Roles"])) for r in body["Items"]}
        assert rows == {
            ("olivia", True, True, ("FullAccess",)),
            ("adam", True, True, ("FullAccess",)),
            ("mia", True, False, ("ProductReader",)),
            ("ivan", False, False, ("ProductReader",)),
        }
        assert body["Meta"]["TotalCount"] == 4

    def test_admin_invites_a_user_who_is_emailed(self, client, team, admin_user, django_capture_on_commit_callbacks):
        UserFactory(username="nora", name="Nora New", email="nora@example.com")
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = PortalApi(client, admin_user).put(
                "/organizations/acme-sbx/access/users/nora",
                {"Roles": ["ProductAdmin", "BuyerReader"], "IsAdmin": False, "ImpersonateBuyer": True},
            )
        assert response.status_code == 200, response.content
        assert response.json()["Accepted"] is False
        assert response.json()["Roles"] == ["BuyerReader", "ProductAdmin"]
        invitation = Invitation.objects.get(invitee__username="nora", status=InvitationStatus.PENDING)
        assert invitation.impersonate_buyer and not invitation.impersonate_seller
        assert mail.outbox[-1].to == ["nora@example.com"]

    @pytest.mark.parametrize("raw", ['"str"', "123", "true", "null", "[]"])
    def test_a_body_that_is_not_an_object_changes_nothing(self, client, team, owner, raw):
        UserFactory(username="nora", name="Nora New", email="nora@example.com")
        response = client.put("/api/v1/organizations/acme-sbx/access/users/nora", raw, content_type="application/json",
                              headers={"Authorization": f"Bearer {PortalApi(client, owner).token}"})  # fmt: skip
        assert response.status_code == 400
        assert response.json()["Errors"][0]["Message"] == "The body must be a JSON object."
        assert not Invitation.objects.filter(invitee__username="nora").exists()

    def test_reinvite_updates_the_pending_invite(self, client, team, owner):
        api = PortalApi(client, owner)
        response = api.put("/organizations/acme-sbx/access/users/ivan", {"Roles": ["OrderReader"], "IsAdmin": True})
        assert response.status_code == 200
        assert Invitation.objects.filter(invitee__username="ivan", status=InvitationStatus.PENDING).count() == 1
        invitation = Invitation.objects.get(invitee__username="ivan", status=InvitationStatus.PENDING)
        assert invitation.roles == ["OrderReader"] and invitation.is_admin

    def test_updates_a_contributor_and_omitted_impersonation_stays(self, client, team, owner):
        response = PortalApi(client, owner).put(
            "/organizations/acme-sbx/access/users/mia", {"Roles": ["OrderAdmin"], "IsAdmin": False}
        )
        assert response.status_code == 200
        assert response.json()["Accepted"] is True
        contributor = Contributor.objects.get(user__username="mia")
        assert contributor.roles == ["OrderAdmin"]
        assert contributor.impersonate_buyer is True

    def test_sdk_body_without_flags_and_null_roles(self, client, team, owner):
        response = PortalApi(client, owner).put("/organizations/acme-sbx/access/users/mia", {"Roles": None})
        assert response.status_code == 200
        assert Contributor.objects.get(user__username="mia").roles == []

    @pytest.mark.parametrize(
        "actor, username, body, status, message",
        [
            ("owner", "nobody", {"Roles": []}, 404, "User nobody not found"),  # the contract's NotFound message
            ("owner", "mia", {"Roles": ["MakeMeRich"]}, 400, services.ERR_UNKNOWN_ROLE.format(role="MakeMeRich")),
            ("admin_user", "olivia", {"Roles": []}, 400, services.ERR_OWNER_ACCESS_FIXED),
            ("owner", "olivia", {"Roles": []}, 400, services.ERR_SELF_INVITE),
        ],
    )
    def test_bad_assignments(self, client, team, request, actor, username, body, status, message):
        api = PortalApi(client, request.getfixturevalue(actor))
        response = api.put(f"/organizations/acme-sbx/access/users/{username}", body)
        assert response.status_code == status
        assert error_messages(response) == [message]
        if status == 404:
            assert response.json()["Errors"][0]["Data"] == {"ObjectType": "User", "ObjectID": username}

    @pytest.mark.parametrize("body", [{"Roles": "FullAccess"}, {"IsAdmin": "maybe"}, {"Roles": [1, {}]}])
    def test_wrongly_typed_body_is_400(self, client, team, owner, body):
        response = PortalApi(client, owner).put("/organizations/acme-sbx/access/users/mia", body)
        assert response.status_code == 400
        assert set(error_codes(response)) == {"InvalidRequest"}

    @pytest.mark.parametrize("flag", ["IsAdmin", "ImpersonateSeller"])
    @pytest.mark.parametrize("value", ["yes", "1", 1, 0, "on"])
    def test_booleans_take_only_true_or_false(self, client, team, owner, flag, value):
        api = PortalApi(client, owner)
        response = api.put("/organizations/acme-sbx/access/users/mia", {"Roles": ["OrderAdmin"], flag: value})
        assert response.status_code == 400
        [error] = response.json()["Errors"]
        assert error["ErrorCode"] == "InvalidRequest" and error["Message"].startswith(f"{flag}: ")
        assert "true or false" in error["Message"] and error["Data"]["Field"] == flag
        assert Contributor.objects.get(user__username="mia").roles == ["ProductReader"]

    def test_booleans_as_strings_in_any_case(self, client, team, owner):
        body = {"Roles": ["OrderAdmin"], "IsAdmin": "FALSE", "ImpersonateSeller": "True", "ImpersonateBuyer": False}
        assert PortalApi(client, owner).put("/organizations/acme-sbx/access/users/mia", body).status_code == 200
        contributor = Contributor.objects.get(user__username="mia")
        assert (contributor.is_admin, contributor.impersonate_seller, contributor.impersonate_buyer) == (False, True, False)

    def test_contributor_cannot_invite(self, client, team, member):
        UserFactory(username="nora")
        response = PortalApi(client, member).put("/organizations/acme-sbx/access/users/nora", {"Roles": []})
        assert response.status_code == 403
        assert error_messages(response) == [services.ERR_NOT_ADMIN]

    def test_admin_removes_a_contributor_and_revokes_an_invite(self, client, team, admin_user, member, invited):
        api = PortalApi(client, admin_user)
        removed = api.delete("/organizations/acme-sbx/access/users/mia")
        assert removed.status_code == 204 and len(removed["X-oc-logid"]) == 32  # like every other answer
        assert api.delete("/organizations/acme-sbx/access/users/ivan").status_code == 204
        assert PortalApi(client, member).get("/organizations/acme-sbx").status_code == 404
        assert PortalApi(client, invited).get("/me/orginvites").json()["Items"] == []

    def test_contributor_removes_themselves_but_not_others(self, client, team, member):
        api = PortalApi(client, member)
        assert api.delete("/organizations/acme-sbx/access/users/adam").status_code == 403
        assert api.delete("/organizations/acme-sbx/access/users/mia").status_code == 204
        assert api.get("/organizations/acme-sbx").status_code == 404

    def test_nobody_removes_the_owner(self, client, team, owner, admin_user):
        admin = PortalApi(client, admin_user).delete("/organizations/acme-sbx/access/users/olivia")
        assert admin.status_code == 400
        assert error_messages(admin) == [services.ERR_CANNOT_REMOVE_OWNER]
        own = PortalApi(client, owner).delete("/organizations/acme-sbx/access/users/olivia")
        assert error_messages(own) == [services.ERR_OWNER_CANNOT_LEAVE]

    def test_removing_a_stranger_is_404(self, client, team, owner):
        response = PortalApi(client, owner).delete("/organizations/acme-sbx/access/users/oscar")
        assert response.status_code == 404


class TestMyInvitations:
    def test_invitee_sees_accepts_and_then_the_org_is_listed(self, client, team, invited):
        api = PortalApi(client, invited)
        invites = api.get("/me/orginvites").json()
        assert [o["Id"] for o in invites["Items"]] == ["acme-sbx"]
        assert invites["Items"][0]["Owner"]["Username"] == "olivia"
        assert api.get("/organizations/acme-sbx").status_code == 404

        assert api.post("/me/orginvites/acme-sbx/accept").status_code == 204

        assert api.get("/me/orginvites").json()["Items"] == []
        assert [o["Id"] for o in api.get("/organizations").json()["Items"]] == ["acme-sbx"]
        assert api.get("/organizations/acme-sbx/contributors/ivan").json()["UserAssignment"]["Roles"] == ["ProductReader"]

    def test_decline(self, client, team, invited):
        api = PortalApi(client, invited)
        assert api.post("/me/orginvites/acme-sbx/decline").status_code == 204
        assert api.get("/me/orginvites").json()["Items"] == []
        assert api.get("/organizations/acme-sbx").status_code == 404
        assert api.post("/me/orginvites/acme-sbx/accept").status_code == 404

    def test_no_invitation_is_404(self, client, team, outsider, member):
        assert PortalApi(client, outsider).post("/me/orginvites/acme-sbx/accept").status_code == 404
        assert PortalApi(client, member).post("/me/orginvites/acme-sbx/accept").status_code == 404
        missing = PortalApi(client, outsider).post("/me/orginvites/nope/decline")
        assert missing.status_code == 404 and error_messages(missing) == ["OrgInvite nope not found"]
        assert missing.json()["Errors"][0]["Data"] == {"ObjectType": "OrgInvite", "ObjectID": "nope"}

    def test_expired_invitation_says_it_expired(self, client, team, invited):
        """It answered 404 "OrgInvite acme-sbx not found", though the invitation is in the email."""
        from django.utils import timezone

        Invitation.objects.filter(invitee=invited).update(expires_at=timezone.now())
        api = PortalApi(client, invited)
        assert api.get("/me/orginvites").json()["Items"] == []
        for verb in ("accept", "decline"):
            response = api.post(f"/me/orginvites/acme-sbx/{verb}")
            assert response.status_code == 410, response.json()
            assert error_codes(response) == ["InvitationExpired"]
            assert error_messages(response) == [services.ERR_INVITE_EXPIRED]
            assert response.json()["Errors"][0]["Data"] == {"ObjectType": "OrgInvite", "ObjectID": "acme-sbx"}
        services.invitations_expire()  # marked expired by the nightly task: the same answer
        assert error_codes(api.post("/me/orginvites/ACME-SBX/accept")) == ["InvitationExpired"]
        assert api.get("/organizations/acme-sbx").status_code == 404  # and nothing was joined

    def test_withdrawn_invitation_says_it_was_withdrawn(self, client, team, owner, invited):
        services.contributor_remove(actor=owner, organization=team, username=invited.username)
        response = PortalApi(client, invited).post("/me/orginvites/acme-sbx/accept")
        assert response.status_code == 410
        assert error_codes(response) == ["InvitationRevoked"]
        assert error_messages(response) == [services.ERR_INVITE_REVOKED.format(organization="Acme")]

    def test_invited_again_after_a_withdrawn_invitation_accepts(self, client, team, owner, invited):
        services.contributor_remove(actor=owner, organization=team, username=invited.username)
        services.contributor_save(actor=owner, organization=team, username=invited.username, roles=[], is_admin=False)
        assert PortalApi(client, invited).post("/me/orginvites/acme-sbx/accept").status_code == 204

    def test_answered_or_never_invited_stays_404(self, client, team, owner, invited, outsider):
        api = PortalApi(client, invited)
        assert api.post("/me/orginvites/acme-sbx/accept").status_code == 204
        again = api.post("/me/orginvites/acme-sbx/accept")  # already a contributor: nothing to answer
        assert again.status_code == 404 and error_messages(again) == ["OrgInvite acme-sbx not found"]
        # removed after accepting: the accepted invitation is not "withdrawn"
        services.contributor_remove(actor=owner, organization=team, username=invited.username)
        assert api.post("/me/orginvites/acme-sbx/accept").status_code == 404
        assert PortalApi(client, outsider).post("/me/orginvites/acme-sbx/accept").status_code == 404

    def test_an_expired_invitation_of_a_deleted_organization_is_404(self, client, team, owner, invited):
        from django.utils import timezone

        Invitation.objects.filter(invitee=invited).update(expires_at=timezone.now())
        services.organization_delete(actor=owner, organization=team, confirmed=True)
        assert PortalApi(client, invited).post("/me/orginvites/acme-sbx/accept").status_code == 404

    def test_the_schema_documents_the_410(self, client):
        paths = client.get("/api/v1/openapi.json").json()["paths"]
        for verb in ("accept", "decline"):
            responses = paths[f"/api/v1/me/orginvites/{{orgId}}/{verb}"]["post"]["responses"]
            assert responses["410"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiErrorsOut")
