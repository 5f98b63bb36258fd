"""When the task queue (Redis) is down: nothing is left half-done behind a 500. A restore that
could not be queued is failed at once (so the next start is not blocked) and the caller gets a 503
that says why; mail is delivered in-process; a test webhook delivery says it could not be sent."""

import logging

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from organizations import services
from organizations.models import InvitationStatus, StagingRestore
from portal.common.queue import ERR_QUEUE_UNAVAILABLE
from tests.portal_api import PortalApi, error_codes, error_messages

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit runs as in production


def broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.fixture
def queue_down(monkeypatch):
    from organizations import tasks as org_tasks
    from portal.common import tasks as common_tasks

    for task in (org_tasks.staging_restore_execute_task, org_tasks.restore_webhook_deliver_task,
                 common_tasks.email_deliver):  # fmt: skip
        monkeypatch.setattr(task, "delay", broker_down)


def test_a_restore_that_cannot_be_queued_is_a_503_and_does_not_block_the_next_start(
    staging_org, admin_user, client, queue_down, monkeypatch
):
    api = PortalApi(client, admin_user)
    response = api.post("/organizations/acme/stagingrestores")
    assert response.status_code == 503, response.content
    assert error_codes(response) == ["ServiceUnavailable"] and error_messages(response) == [ERR_QUEUE_UNAVAILABLE]
    [run] = StagingRestore.objects.filter(organization=staging_org)
    assert run.status == "failed" and "task queue was unavailable" in run.error
    monkeypatch.undo()  # the queue is back: the next start is accepted, not a 409 for two hours
    assert api.post("/organizations/acme/stagingrestores").status_code == 202


def test_the_restore_button_says_why_when_the_queue_is_down(staging_org, admin_user, client, queue_down):
    client.force_login(admin_user)
    page = client.post("/organizations/staging/acme/restore/", follow=True)
    assert page.status_code == 200
    assert ERR_QUEUE_UNAVAILABLE in [str(m) for m in page.context["messages"]]
    assert StagingRestore.objects.get(organization=staging_org).status == "failed"


def test_mail_is_delivered_in_process_when_the_queue_is_down(org, owner, outsider, queue_down, caplog, settings):
    settings.EMAIL_BACKEND = "portal.common.mail.CeleryEmailBackend"  # as in production (tests: locmem)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker is configured (and down)
    caplog.set_level(logging.INFO)
    invitation = services.contributor_save(actor=owner, organization=org, username=outsider.username,
                                           roles=["ProductReader"], is_admin=False)  # fmt: skip
    assert invitation.status == InvitationStatus.PENDING
    [message] = mail.outbox
    assert message.to == [outsider.email] and "Acme" in message.subject
    assert "could not queue an email" in caplog.text


def test_a_test_webhook_delivery_says_it_could_not_be_sent(staging_org, admin_user, client, queue_down):
    api = PortalApi(client, admin_user)
    api.put("/organizations/acme/stagingrestorewebhook", {"URL": "https://hooks.example.com/r", "HashKey": "k"})
    response = api.post("/organizations/acme/stagingrestorewebhook/test")
    assert response.status_code == 503 and error_messages(response) == [ERR_QUEUE_UNAVAILABLE]


def test_the_delivery_log_never_carries_the_subject_with_its_code(caplog):
    from portal.common.tasks import email_deliver_now

    caplog.set_level(logging.INFO)
    payload = {"subject": "Portal code: 479377", "body": "479377", "from_email": "p@example.com",
               "to": ["a@example.com"], "cc": [], "bcc": [], "reply_to": [], "headers": {}, "alternatives": [],
               "attachments": []}  # fmt: skip
    assert email_deliver_now(payload) == 1
    assert "a@example.com" in caplog.text and "479377" not in caplog.text


@pytest.mark.parametrize("queue", ["eager", "down"])
def test_a_mail_server_that_is_down_does_not_fail_sending_a_code(org, owner, client, settings, caplog, queue, request):
    """SMTP refused: the code request still answers (the failure is logged, naming the recipient),
    with no broker (tasks run in-process) or with the broker down."""
    settings.EMAIL_BACKEND = "portal.common.mail.CeleryEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT, settings.EMAIL_USE_TLS = "127.0.0.1", 1, 2, False
    if queue == "down":
        settings.CELERY_TASK_ALWAYS_EAGER = False
        request.getfixturevalue("queue_down")
    client.force_login(owner)
    response = client.post(f"/organizations/sandbox/{org.oc_id}/settings/code/delete/", follow=True)
    assert response.status_code == 200
    assert f"email to ['{owner.email}'] could not be delivered" in caplog.text
