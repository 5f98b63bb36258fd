"""Two requests racing on the same organization, invitation, code or request (PostgreSQL).

Each test runs the two operations in threads with their own database connections and holds them
at a threading.Barrier inside the services (tests/races.py), so the interleaving that breaks an
unprotected check-then-write happens on every run, not by luck."""

import threading

import pytest
from django.core import mail

from organizations import services
from organizations.models import ActionCodeDevice, AuditAction, AuditEntry, Contributor, Invitation, InvitationStatus
from portal.common.errors import NotFoundError
from tests.races import needs_postgres, pause_at, run_concurrently

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def actions(org=None) -> list[str]:
    entries = AuditEntry.objects.all() if org is None else AuditEntry.objects.filter(organization=org)
    return list(entries.order_by("id").values_list("action", flat=True))


def test_sending_the_first_code_twice_at_once_makes_one_code_not_two(org, owner, monkeypatch):
    """Double-click on "Send code" before any code was ever sent: both requests found no device and
    created one each, so two emails with two codes went out, one of which could never be used,
    and every later send for this action was a 500 (get_or_create found two devices)."""
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.models.ActionCodeDevice.save", barrier, before=True)
    send = lambda: services.action_code_send(user=owner, action=services.CodeAction.DELETE, organization=org)  # noqa: E731
    outcomes = run_concurrently(first=send, second=send)

    errors = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert [e.message for e in errors] == [services.ERR_CODE_COOLDOWN], outcomes
    assert ActionCodeDevice.objects.filter(user=owner).count() == 1
    assert len(mail.outbox) == 1
    assert actions(org).count(AuditAction.CODE_SENT) == 1


def test_accepting_while_the_invitation_is_revoked_is_not_a_500(team, owner, invited, monkeypatch):
    """The invitee accepts while an admin revokes the invitation. Accept locked the invitation and
    then the organization, revoke the organization and then the invitation: PostgreSQL found the
    deadlock and one of them was a 500. Now both lock the organization first: the revoke, which
    got there first, wins and the accept says there is no pending invitation."""
    before = actions(team)
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.services._lock", barrier, threads={"revoke"})  # holds the organization
    pause_at(monkeypatch, "organizations.services._pending_invitation", barrier, before=True, threads={"accept"})
    outcomes = run_concurrently(
        accept=lambda: services.invitation_accept(actor=invited, organization=team),
        revoke=lambda: services.contributor_remove(actor=owner, organization=team, username=invited.username),
    )

    assert outcomes["revoke"] is None, outcomes
    assert isinstance(outcomes["accept"], NotFoundError) and outcomes["accept"].message == services.ERR_INVITE_NOT_FOUND
    assert Invitation.objects.get(organization=team, invitee=invited).status == InvitationStatus.REVOKED
    assert not Contributor.objects.filter(organization=team, user=invited).exists()
    assert actions(team)[len(before):] == [AuditAction.INVITE_REVOKE]
