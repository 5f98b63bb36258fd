"""The invite form over someone with a pending invitation (QA report 76, finding 2)."""

from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from organizations import services
from organizations.models import AuditEntry, Invitation, InvitationStatus


def org_path(name, **extra):
    return reverse(f"organizations:{name}", kwargs={"env": "sandbox", "oc_id": "acme-sbx", **extra})


def _pending(org, user):
    return Invitation.objects.get(organization=org, invitee=user, status=InvitationStatus.PENDING)


def test_the_invite_form_refuses_someone_already_invited_and_keeps_the_access_offered(
    client, team, owner, invited, django_capture_on_commit_callbacks
):
    """Re-inviting said "Invitation sent to ivan.", replaced the access offered with the form's
    (none), emailed again and logged "Invitation updated"."""
    before = _pending(team, invited)
    audit_before = AuditEntry.objects.count()
    mail.outbox.clear()
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(org_path("contributor-save"), {"username": invited.username})
    assert response.status_code == 400
    page = response.content.decode()
    message = services.ERR_ALREADY_INVITED.format(username=invited.username)
    assert message.startswith("ivan already has a pending invitation. Use Edit next to it")
    assert escape(message) in page and "Invitation sent" not in page
    after = _pending(team, invited)
    assert (after.roles, after.expires_at) == (before.roles, before.expires_at) == (["ProductReader"], before.expires_at)
    assert mail.outbox == [] and AuditEntry.objects.count() == audit_before


def test_the_invite_form_refusal_is_in_the_service_not_only_the_view(team, owner, invited):
    import pytest

    with pytest.raises(services.AlreadyContributorError) as exc:
        services.contributor_save(actor=owner, organization=team, username=invited.username, roles=[],
                                  is_admin=False, invite_only=True)
    assert exc.value.message == services.ERR_ALREADY_INVITED.format(username=invited.username)


def test_an_invitations_own_edit_still_changes_it_and_sends_it_again(
    client, team, owner, invited, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    client.force_login(owner)
    edit_url = org_path("contributor-edit", username=invited.username) + f"?user={invited.pk}"
    assert client.get(edit_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        edited = client.post(org_path("contributor-edit", username=invited.username),
                             {"user": invited.pk, "roles": ["ProductAdmin"], "is_admin": "on"})
    assert edited.status_code == 302
    after = _pending(team, invited)
    assert (after.roles, after.is_admin) == (["ProductAdmin"], True)
    assert [m.to for m in mail.outbox] == [[invited.email]]


def test_an_expired_invitation_can_be_renewed_from_the_invite_form(client, team, owner, invited):
    """It is listed nowhere (no Edit next to it): refusing would leave no way to invite them."""
    from datetime import timedelta

    from django.utils import timezone

    Invitation.objects.filter(invitee=invited).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(owner)
    response = client.post(org_path("contributor-save"), {"username": invited.username, "roles": ["ProductAdmin"]})
    assert response.status_code == 302
    assert _pending(team, invited).roles == ["ProductAdmin"]
