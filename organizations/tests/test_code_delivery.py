"""An emailed code that cannot be delivered: the page (or Portal API call) waiting for it says so
instead of "Code sent", the code is withdrawn, a new one can be sent at once and the activity log
records it. Mail goes through CeleryEmailBackend as in production, to a mail server that refuses
connections."""

import logging
import re

import pytest
from django.core import mail
from django.utils.html import escape

from organizations import services
from organizations.models import ActionCodeDevice, AuditAction, AuditEntry
from organizations.services import CodeAction
from portal.common.mail import message_to_dict
from tests.portal_api import PortalApi, error_messages

pytestmark = pytest.mark.django_db(transaction=True)  # mail is handed over on commit, as in production

SETTINGS_URL = "/organizations/sandbox/{}/settings/"


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "portal.common.mail.CeleryEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT, settings.EMAIL_USE_TLS = "127.0.0.1", 1, 2, False


@pytest.fixture
def smtp_up(settings):
    settings.EMAIL_BACKEND = "portal.common.mail.CeleryEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def test_the_settings_page_says_the_code_could_not_be_emailed(org, owner, client, smtp_down, caplog):
    client.force_login(owner)
    page = client.post(f"{SETTINGS_URL.format(org.oc_id)}code/delete/", follow=True)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="delete-code-undelivered"' in text
    assert escape(services.ERR_CODE_UNDELIVERED.format(to="o***@example.com")) in text
    assert 'data-testid="delete-code-sent"' not in text and "Code sent to" not in text
    assert "Email me a new code" in text
    device = ActionCodeDevice.objects.get(user=owner)
    assert device.token is None  # nobody received it: it confirms nothing
    entry = AuditEntry.objects.get(organization=org, action=AuditAction.CODE_UNDELIVERED)
    assert entry.target == "delete" and entry.details == {"to": "o***@example.com"} and entry.actor == owner
    # the activity log reads it
    assert "Confirmation code could not be emailed" in client.get(f"/organizations/sandbox/{org.oc_id}/activity/").content.decode()


def test_a_new_code_can_be_sent_at_once_and_then_the_page_says_sent(org, owner, client, smtp_down, settings):
    client.force_login(owner)
    client.post(f"{SETTINGS_URL.format(org.oc_id)}code/delete/")
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the mail server is back
    page = client.post(f"{SETTINGS_URL.format(org.oc_id)}code/delete/", follow=True)
    text = page.content.decode()
    assert services.ERR_CODE_COOLDOWN not in text  # no minute's wait after a code nobody got
    assert 'data-testid="delete-code-sent"' in text and "delete-code-undelivered" not in text
    deleted = client.post(f"/organizations/sandbox/{org.oc_id}/delete/", {"code": last_code()}, follow=True)
    assert deleted.status_code == 200
    org.refresh_from_db()
    assert org.is_deleted


def test_entering_a_code_after_a_failed_email_says_why_it_cannot_work(org, owner, smtp_down):
    services.action_code_send(user=owner, action=CodeAction.TRANSFER, organization=org)
    with pytest.raises(services.CodeError) as exc:
        services.action_code_verify(user=owner, action=CodeAction.TRANSFER, organization=org, code="123456")
    assert exc.value.message == services.ERR_CODE_UNDELIVERED.format(to="o***@example.com")
    # the other action's code is unaffected: never sent, so the usual message
    with pytest.raises(services.CodeError) as exc:
        services.action_code_verify(user=owner, action=CodeAction.DELETE, organization=org, code="123456")
    assert exc.value.message == services.ERR_CODE_NONE


def test_the_portal_api_confirmation_says_the_code_could_not_be_emailed(owner, client, smtp_down):
    api = PortalApi(client, owner)
    assert api.post("/me/verifyemail").status_code == 200
    response = api.post("/confirmation", {"Code": "123456"})
    assert response.status_code == 400
    assert error_messages(response) == [services.ERR_CODE_UNDELIVERED.format(to="o***@example.com")]
    assert AuditEntry.objects.filter(organization=None, action=AuditAction.CODE_UNDELIVERED, target="confirmation").exists()


def test_a_failure_of_an_older_code_does_not_withdraw_a_newer_one(org, owner, smtp_up, settings):
    settings.OTP_EMAIL_COOLDOWN_DURATION = 0
    services.action_code_send(user=owner, action=CodeAction.DELETE, organization=org)
    first = mail.outbox[-1]
    services.action_code_send(user=owner, action=CodeAction.DELETE, organization=org)
    newest = last_code()
    # the first message's task gives up only now (it was being retried)
    failure = message_to_dict(first)["on_failure"]
    assert failure["handler"] == "organizations.services.action_code_undelivered"
    services.action_code_undelivered(**failure["kwargs"])
    assert not AuditEntry.objects.filter(action=AuditAction.CODE_UNDELIVERED).exists()
    services.action_code_verify(user=owner, action=CodeAction.DELETE, organization=org, code=newest)


def test_the_mail_task_giving_up_after_its_retries_withdraws_the_code(org, owner, smtp_up, settings, caplog):
    """With a broker, delivery is a Celery task retried 5 times; when the last retry fails too the
    task's failure handler withdraws the code (run here eagerly as its last retry)."""
    from portal.common.tasks import email_deliver

    services.action_code_send(user=owner, action=CodeAction.DELETE, organization=org)
    payload = message_to_dict(mail.outbox[-1])
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT, settings.EMAIL_USE_TLS = "127.0.0.1", 1, 2, False
    caplog.set_level(logging.ERROR)
    result = email_deliver.apply(args=[payload], retries=5, throw=False)
    assert result.failed()
    assert "could not be delivered after 5 retries" in caplog.text
    assert ActionCodeDevice.objects.get(user=owner).token is None
    assert AuditEntry.objects.filter(organization=org, action=AuditAction.CODE_UNDELIVERED, target="delete").exists()
