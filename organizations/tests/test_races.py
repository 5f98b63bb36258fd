"""Two requests racing on the same organization, invitation, code or request (PostgreSQL).

Each test runs the two operations in threads with their own database connections and holds them
at a threading.Barrier inside the services (tests/races.py), so the interleaving that breaks an
unprotected check-then-write happens on every run, not by luck."""

import threading

import pytest
from django.core import mail

from organizations import services
from organizations.models import (
    ActionCodeDevice,
    AuditAction,
    AuditEntry,
    Contributor,
    Invitation,
    InvitationStatus,
    Organization,
    ProductionRequest,
    ProductionRequestStatus,
)
from portal.common.errors import ApplicationError, NotFoundError
from tests.factories import UserFactory
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

    assert outcomes["revoke"] == services.REVOKED, outcomes
    assert isinstance(outcomes["accept"], NotFoundError) and outcomes["accept"].message == services.ERR_INVITE_NOT_FOUND
    assert Invitation.objects.get(organization=team, invitee=invited).status == InvitationStatus.REVOKED
    assert not Contributor.objects.filter(organization=team, user=invited).exists()
    assert actions(team)[len(before):] == [AuditAction.INVITE_REVOKE]


def test_transfer_and_delete_at_once_one_of_them_happens(team, owner, admin_user, monkeypatch):
    """The owner transfers the organization in one tab and deletes it in another (each confirmed
    with its emailed code). Both checked "is the owner" before locking the organization, so both
    went through: the new owner received a deleted organization (and could restore it), or the
    old owner, no longer the owner, deleted the new owner's organization."""
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.services._membership", barrier)
    outcomes = run_concurrently(
        transfer=lambda: services.organization_transfer(
            actor=owner, organization=Organization.objects.get(pk=team.pk), new_owner_username=admin_user.username,
            confirmed=True),
        delete=lambda: services.organization_delete(
            actor=owner, organization=Organization.objects.get(pk=team.pk), confirmed=True),
    )

    failed = {name for name, o in outcomes.items() if isinstance(o, ApplicationError)}
    assert len(failed) == 1, outcomes
    org = Organization.objects.get(pk=team.pk)
    log = actions(team)
    subjects = [m.subject for m in mail.outbox]
    if failed == {"delete"}:
        assert outcomes["delete"].message == services.ERR_NOT_OWNER
        assert org.owner == admin_user and not org.is_deleted
        assert AuditAction.ORG_DELETE not in log and not any("was deleted" in s for s in subjects)
    else:
        assert outcomes["transfer"].message == services.ERR_ORG_NOT_FOUND
        assert org.owner == owner and org.is_deleted
        assert AuditAction.ORG_TRANSFER not in log and not any("now own" in s for s in subjects)


def test_a_removed_admin_cannot_invite_at_the_same_moment(team, owner, admin_user, monkeypatch):
    """An admin invites someone while the owner removes that admin: the invite checked the admin's
    access before waiting for the organization's lock, so it went through after the removal: a
    non-member invited a user (email sent, "Contributor invited" by someone who had left)."""
    newcomer = UserFactory(username="nina")
    before = actions(team)
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.services._membership", barrier, threads={"invite"})
    pause_at(monkeypatch, "organizations.services._lock", barrier, threads={"remove"})  # holds the lock
    outcomes = run_concurrently(
        invite=lambda: services.contributor_save(actor=admin_user, organization=team, username=newcomer.username,
                                                 roles=["ProductReader"], is_admin=False),
        remove=lambda: services.contributor_remove(actor=owner, organization=team, username=admin_user.username),
    )

    # the removal holds the organization's lock first (paused after _lock), so it always wins
    assert outcomes["remove"] == services.REMOVED, outcomes
    assert isinstance(outcomes["invite"], NotFoundError), outcomes
    assert not Invitation.objects.filter(organization=team, invitee=newcomer).exists()
    assert actions(team)[len(before):] == [AuditAction.CONTRIBUTOR_REMOVE]


def test_requesting_production_twice_at_once_makes_one_request(owner, monkeypatch):
    """Double-submit of "Request Production": both requests found no pending request for the Id
    and both were saved, so staff had two requests to decide for one organization."""
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.models.ProductionRequest.save", barrier, before=True)
    request = lambda: services.production_request_create(  # noqa: E731
        actor=owner, oc_id="acme-live", name="Acme", region="usw", reason="Go live")
    outcomes = run_concurrently(first=request, second=request)

    errors = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert [e.message for e in errors] == [services.ERR_PRODUCTION_PENDING], outcomes
    assert ProductionRequest.objects.filter(status=ProductionRequestStatus.PENDING).count() == 1
    assert actions().count(AuditAction.PRODUCTION_REQUEST) == 1


def test_two_users_requesting_the_same_id_in_another_case_make_one_request(owner, outsider, monkeypatch):
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.models.ProductionRequest.save", barrier, before=True)
    outcomes = run_concurrently(
        first=lambda: services.production_request_create(actor=owner, oc_id="acme-live", name="A", region="usw",
                                                         reason="Go live"),
        second=lambda: services.production_request_create(actor=outsider, oc_id="ACME-LIVE", name="B",
                                                          region="usw", reason="Go live"),
    )
    errors = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert [e.message for e in errors] == [services.ERR_PRODUCTION_PENDING], outcomes
    assert ProductionRequest.objects.count() == 1


def test_saving_the_first_restore_webhook_twice_at_once_saves_one(staging_org, admin_user, monkeypatch):
    """Double-submit of the first staging restore webhook: both found none and both inserted one,
    and the second was a 500 (IntegrityError: one webhook per organization)."""
    from organizations import services_restore as sr
    from organizations.models import StagingRestoreWebhook

    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.models.StagingRestoreWebhook.save", barrier, before=True)
    save = lambda url: lambda: sr.restore_webhook_save(  # noqa: E731
        actor=admin_user, organization=staging_org, url=url, hash_key="k")
    outcomes = run_concurrently(first=save("https://hooks.example.com/a"), second=save("https://hooks.example.com/b"))

    assert all(isinstance(o, StagingRestoreWebhook) for o in outcomes.values()), outcomes
    (hook,) = StagingRestoreWebhook.objects.filter(organization=staging_org)
    assert hook.url in ("https://hooks.example.com/a", "https://hooks.example.com/b")
    assert actions(staging_org).count(AuditAction.RESTORE_WEBHOOK_SAVE) == 2


def test_removing_the_restore_webhook_twice_at_once_logs_one_removal(staging_org, admin_user, monkeypatch):
    """Two tabs remove the webhook: both read it, both deleted it, and the activity log said it was
    removed twice. The second now says there is no webhook."""
    from organizations import services_restore as sr

    sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="https://hooks.example.com/a")
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.services_restore.restore_webhook_get", barrier)
    remove = lambda: sr.restore_webhook_delete(actor=admin_user, organization=staging_org)  # noqa: E731
    outcomes = run_concurrently(first=remove, second=remove)

    errors = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert [e.message for e in errors] == [sr.ERR_WEBHOOK_NOT_FOUND], outcomes
    assert actions(staging_org).count(AuditAction.RESTORE_WEBHOOK_DELETE) == 1


def test_a_removed_admin_cannot_start_a_staging_restore_at_the_same_moment(staging_org, owner, admin_user, monkeypatch):
    """An admin starts a restore while the owner removes that admin: the start checked the admin's
    access before waiting for the organization's lock, so a restore was queued (and logged) by
    someone who no longer had access."""
    from organizations import services_restore as sr
    from organizations.models import StagingRestore

    before = actions(staging_org)
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.services_restore._marketplaces", barrier, threads={"restore"})
    pause_at(monkeypatch, "organizations.services._lock", barrier, threads={"remove"})  # holds the lock
    outcomes = run_concurrently(
        restore=lambda: sr.staging_restore_start(actor=admin_user, organization=staging_org),
        remove=lambda: services.contributor_remove(actor=owner, organization=staging_org, username=admin_user.username),
    )

    assert outcomes["remove"] == services.REMOVED, outcomes
    assert isinstance(outcomes["restore"], NotFoundError), outcomes
    assert not StagingRestore.objects.filter(organization=staging_org).exists()
    assert actions(staging_org)[len(before):] == [AuditAction.CONTRIBUTOR_REMOVE]


def test_a_removed_admin_cannot_save_the_restore_webhook_at_the_same_moment(staging_org, owner, admin_user, monkeypatch):
    """An admin saves the Staging Restore Webhook while the owner removes that admin: the save
    checked access before waiting for the organization's lock, so it went through after the removal."""
    from organizations import services_restore as sr
    from organizations.models import StagingRestoreWebhook

    before = actions(staging_org)
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.services_restore.webhook_url_check", barrier, threads={"save"})
    pause_at(monkeypatch, "organizations.services._lock", barrier, threads={"remove"})  # holds the lock
    outcomes = run_concurrently(
        save=lambda: sr.restore_webhook_save(actor=admin_user, organization=staging_org,
                                             url="https://hooks.example.com/a", hash_key="k"),
        remove=lambda: services.contributor_remove(actor=owner, organization=staging_org, username=admin_user.username),
    )

    assert outcomes["remove"] == services.REMOVED, outcomes
    assert isinstance(outcomes["save"], NotFoundError), outcomes
    assert not StagingRestoreWebhook.objects.filter(organization=staging_org).exists()
    assert actions(staging_org)[len(before):] == [AuditAction.CONTRIBUTOR_REMOVE]


def test_two_puts_of_a_new_organization_at_once_both_succeed(owner, outsider, monkeypatch):
    """A client's PUT /organizations/{id} sent twice at once (a retry after a timeout, a double
    submit): both found no organization and both created one; the one that lost the race answered
    409 IdExists for the caller's own organization, which a moment later it would have saved
    (200). Now it saves over it. Someone else's organization stays a 409."""
    from django.test import Client

    from tests.portal_api import PortalApi

    owner_api, outsider_api = PortalApi(Client(), owner), PortalApi(Client(), outsider)
    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.services._check_id_free", barrier)
    outcomes = run_concurrently(
        first=lambda: owner_api.put("/organizations/race-org", {"Name": "First"}),
        second=lambda: owner_api.put("/organizations/race-org", {"Name": "Second"}),
    )
    assert sorted(r.status_code for r in outcomes.values()) == [200, 201], {k: r.content for k, r in outcomes.items()}
    org = Organization.objects.get(oc_id="race-org")
    assert org.owner == owner and org.name in {"First", "Second"}

    barrier = threading.Barrier(2)
    pause_at(monkeypatch, "organizations.services._check_id_free", barrier)
    outcomes = run_concurrently(
        first=lambda: owner_api.put("/organizations/other-race", {"Name": "Mine"}),
        second=lambda: outsider_api.put("/organizations/other-race", {"Name": "Theirs"}),
    )
    assert sorted(r.status_code for r in outcomes.values()) == [201, 409], {k: r.content for k, r in outcomes.items()}
    assert Organization.objects.filter(oc_id="other-race").count() == 1
