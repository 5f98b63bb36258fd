from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from organizations import services
from organizations.models import AuditAction, AuditEntry, Contributor, Invitation
from organizations.selectors import (
    invitation_list_for_user,
    invitation_organization_get,
    member_permissions_get,
    membership_get,
    organization_list,
)
from portal.common.errors import NotFoundError, PermissionError_
from tests.factories import UserFactory


def invite(org, actor, username, **access):
    return services.contributor_save(actor=actor, organization=org, username=username,
                                     **{"roles": [], "is_admin": False, **access})


class TestInvite:
    def test_invitee_gets_email_and_invitation_but_not_the_org_until_accepting(
        self, org, owner, invited, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            inv = invite(org, owner, "Ivan", roles=["ProductReader", "OrderAdmin"], impersonate_buyer=True)
        assert isinstance(inv, Invitation) and inv.status == "pending"
        assert inv.expires_at - timezone.now() > timedelta(days=13, hours=23)
        assert mail.outbox[-1].to == ["ivan@example.com"] and "Acme" in mail.outbox[-1].subject
        assert list(invitation_list_for_user(user=invited)) == [inv]
        assert list(organization_list(actor=invited)) == []
        with pytest.raises(NotFoundError):
            membership_get(actor=invited, organization=org)
        assert invitation_organization_get(user=invited, oc_id="ACME-SBX") == org

        contributor = services.invitation_accept(actor=invited, organization=org)
        assert (contributor.roles, contributor.impersonate_buyer, contributor.is_admin) == (
            ["OrderAdmin", "ProductReader"], True, False)
        assert list(organization_list(actor=invited)) == [org]
        assert list(invitation_list_for_user(user=invited)) == []
        actions = list(AuditEntry.objects.filter(organization=org).values_list("action", flat=True))
        assert AuditAction.INVITE in actions and AuditAction.INVITE_ACCEPT in actions

    def test_reinvite_updates_the_pending_invitation(self, org, owner, invited):
        first = invite(org, owner, "ivan", roles=["ProductReader"])
        Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() + timedelta(days=1))
        second = invite(org, owner, "ivan", roles=["OrderReader"], is_admin=True)
        assert second.pk == first.pk
        assert Invitation.objects.filter(organization=org, invitee=invited).count() == 1
        second.refresh_from_db()
        assert second.roles == ["OrderReader"] and second.is_admin
        assert second.expires_at > timezone.now() + timedelta(days=13)

    def test_unknown_user_self_invite_unknown_role_are_refused(self, org, owner, invited):
        with pytest.raises(NotFoundError, match=services.ERR_USER_NOT_FOUND):
            invite(org, owner, "no-such-user")
        with pytest.raises(services.OrganizationError) as exc:
            invite(org, owner, "ivan", roles=["GodMode"])
        assert exc.value.message == services.ERR_UNKNOWN_ROLE.format(role="GodMode")

    def test_self_invite_is_refused_for_owner_and_admin(self, team, owner, admin_user):
        for actor in (owner, admin_user):
            with pytest.raises(services.OrganizationError) as exc:
                invite(team, actor, actor.username.upper(), is_admin=True)
            assert exc.value.message == services.ERR_SELF_INVITE

    def test_contributor_cannot_invite(self, team, member):
        with pytest.raises(PermissionError_, match=services.ERR_NOT_ADMIN):
            invite(team, member, "oscar")

    def test_expired_invitation_cannot_be_accepted(self, org, owner, invited):
        inv = invite(org, owner, "ivan")
        Invitation.objects.filter(pk=inv.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        with pytest.raises(services.OrganizationError, match=services.ERR_INVITE_EXPIRED):
            services.invitation_accept(actor=invited, organization=org)
        assert list(invitation_list_for_user(user=invited)) == []
        assert services.invitations_expire() == 1
        assert Invitation.objects.get(pk=inv.pk).status == "expired"
        with pytest.raises(NotFoundError, match=services.ERR_INVITE_NOT_FOUND):
            services.invitation_accept(actor=invited, organization=org)

    def test_revoked_invitation_cannot_be_accepted(self, team, admin_user, invited):
        services.contributor_remove(actor=admin_user, organization=team, username="ivan")
        assert Invitation.objects.get(invitee=invited).status == "revoked"
        with pytest.raises(NotFoundError, match=services.ERR_INVITE_NOT_FOUND):
            services.invitation_accept(actor=invited, organization=team)
        assert AuditEntry.objects.filter(action=AuditAction.INVITE_REVOKE, target="ivan").exists()

    def test_decline(self, team, invited, outsider):
        with pytest.raises(NotFoundError):
            services.invitation_decline(actor=outsider, organization=team)
        services.invitation_decline(actor=invited, organization=team)
        assert Invitation.objects.get(invitee=invited).status == "declined"
        assert list(organization_list(actor=invited)) == []
        with pytest.raises(NotFoundError):
            services.invitation_accept(actor=invited, organization=team)

    def test_invitation_to_deleted_org_disappears(self, team, owner, invited):
        services.organization_delete(actor=owner, organization=team, confirmed=True)
        assert list(invitation_list_for_user(user=invited)) == []
        with pytest.raises(NotFoundError):
            services.invitation_accept(actor=invited, organization=team)


class TestPermissionGuards:
    def test_owner_has_everything(self, team, owner):
        m = membership_get(actor=owner, organization=team)
        assert m.is_owner and m.is_admin and m.impersonate_seller and m.impersonate_supplier and m.impersonate_buyer
        assert m.token_roles == ["FullAccess"]
        assert member_permissions_get(actor=owner, organization=team, username="olivia").is_owner

    def test_nobody_grants_a_role_they_do_not_hold(self, team, owner, member, outsider):
        # an admin holding only ProductReader
        services.contributor_save(actor=owner, organization=team, username="adam", roles=["ProductReader"],
                                  is_admin=True, impersonate_seller=False, impersonate_supplier=False,
                                  impersonate_buyer=False)
        with pytest.raises(PermissionError_, match=services.ERR_GRANT_ROLE_NOT_HELD):
            invite(team, Contributor.objects.get(user__username="adam").user, "oscar", roles=["OrderAdmin"])
        adam = Contributor.objects.get(user__username="adam").user
        invite(team, adam, "oscar", roles=["ProductReader"])  # holds it: fine

    def test_nobody_grants_an_impersonation_they_do_not_hold(self, team, owner):
        services.contributor_save(actor=owner, organization=team, username="adam", roles=["FullAccess"],
                                  is_admin=True, impersonate_seller=False, impersonate_supplier=True,
                                  impersonate_buyer=False)
        adam = Contributor.objects.get(user__username="adam").user
        with pytest.raises(PermissionError_, match=services.ERR_GRANT_FLAG_NOT_HELD):
            invite(team, adam, "oscar", impersonate_seller=True)
        # keeping a flag the target already has is not granting it
        services.contributor_save(actor=adam, organization=team, username="mia", roles=["ProductReader"],
                                  is_admin=False)
        assert Contributor.objects.get(user__username="mia").impersonate_buyer is True

    def test_what_an_admin_does_not_hold_they_cannot_take_away_either(self, team, owner):
        """The contributor page shows such roles disabled and the browser leaves them out: saving
        must keep them, not strip them."""
        services.contributor_save(actor=owner, organization=team, username="mia",
                                  roles=["BuyerAdmin", "BuyerReader", "ProductReader"], is_admin=False,
                                  impersonate_buyer=True)  # fmt: skip
        services.contributor_save(actor=owner, organization=team, username="adam", roles=["ProductAdmin", "ProductReader"],
                                  is_admin=True, impersonate_seller=False, impersonate_supplier=False,
                                  impersonate_buyer=False)  # fmt: skip
        adam = Contributor.objects.get(user__username="adam").user
        services.contributor_save(actor=adam, organization=team, username="mia", roles=["ProductAdmin"], is_admin=False,
                                  impersonate_buyer=False)  # fmt: skip
        mia = Contributor.objects.get(user__username="mia")
        # ProductReader (held by adam) was removed, ProductAdmin added; the buyer roles and flag stay
        assert (mia.roles, mia.impersonate_buyer) == (["BuyerAdmin", "BuyerReader", "ProductAdmin"], True)

    def test_fullaccess_holder_can_grant_any_role(self, team, admin_user):
        c = invite(team, admin_user, "oscar", roles=["OrderAdmin", "WebhookAdmin"])
        assert c.roles == ["OrderAdmin", "WebhookAdmin"]

    def test_admin_cannot_demote_or_remove_the_owner(self, team, admin_user):
        with pytest.raises(services.OrganizationError, match=services.ERR_OWNER_ACCESS_FIXED):
            invite(team, admin_user, "olivia", roles=[])
        with pytest.raises(services.OrganizationError, match=services.ERR_CANNOT_REMOVE_OWNER):
            services.contributor_remove(actor=admin_user, organization=team, username="olivia")

    def test_owner_cannot_leave_without_transferring(self, team, owner):
        with pytest.raises(services.OrganizationError, match=services.ERR_OWNER_CANNOT_LEAVE):
            services.contributor_remove(actor=owner, organization=team, username="olivia")

    def test_contributor_can_remove_themselves_but_not_others(self, team, member, admin_user):
        with pytest.raises(PermissionError_, match=services.ERR_NOT_ADMIN):
            services.contributor_remove(actor=member, organization=team, username="adam")
        services.contributor_remove(actor=member, organization=team, username="mia")
        assert list(organization_list(actor=member)) == []
        assert AuditEntry.objects.filter(action=AuditAction.CONTRIBUTOR_LEAVE, actor=member).exists()

    def test_admin_changes_and_removes_a_contributor_with_audit(self, team, admin_user, member):
        services.contributor_save(actor=admin_user, organization=team, username="mia", roles=["OrderReader"],
                                  is_admin=False, impersonate_buyer=False)
        entry = AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE).get()
        assert entry.details["before"]["roles"] == ["ProductReader"] and entry.details["after"]["roles"] == ["OrderReader"]
        services.contributor_remove(actor=admin_user, organization=team, username="mia")
        assert not Contributor.objects.filter(user=member).exists()
        with pytest.raises(NotFoundError, match=services.ERR_CONTRIBUTOR_NOT_FOUND):
            services.contributor_remove(actor=admin_user, organization=team, username="mia")

    def test_contributor_becomes_admin_only_when_granted_by_an_admin(self, team, owner, member):
        UserFactory(username="zed")
        with pytest.raises(PermissionError_):
            invite(team, member, "zed", is_admin=True)
        services.contributor_save(actor=owner, organization=team, username="mia", roles=["ProductReader"], is_admin=True)
        assert membership_get(actor=member, organization=team).is_admin


def test_a_deactivated_contributor_can_still_be_removed_and_revoked(team, owner, member, invited):
    """Staff deactivated an account (someone who left): it stayed in the organization's Contributors
    and pending invitations, and Remove / Revoke said "This user is not a contributor and has no
    pending invitation." while the row was still there."""
    from accounts.models import User
    from organizations.models import Contributor, Invitation

    User.objects.filter(pk__in=[member.pk, invited.pk]).update(is_active=False)
    assert services.contributor_remove(actor=owner, organization=team, username=member.username.upper()) == services.REMOVED
    assert services.contributor_remove(actor=owner, organization=team, username=invited.username) == services.REVOKED
    assert not Contributor.objects.filter(organization=team, user=member).exists()
    assert not Invitation.objects.filter(organization=team, invitee=invited, status="pending").exists()
    with pytest.raises(services.NotFoundError):  # still "not found" for nobody by that name
        services.contributor_remove(actor=owner, organization=team, username="nobody-here")
