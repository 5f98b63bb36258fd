"""Two requests racing on the same organization, invitation, code or request (PostgreSQL).

Each test runs the two operations in threads with their own database connections and holds them
at a threading.Barrier inside the services (tests/races.py), so the interleaving that breaks an
unprotected check-then-write happens on every run, not by luck."""

import threading

import pytest
from django.core import mail

from organizations import services
from organizations.models import ActionCodeDevice, AuditAction, AuditEntry
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
