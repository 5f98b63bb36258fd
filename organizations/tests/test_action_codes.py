import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from organizations import services
from organizations.models import ActionCodeDevice, AuditAction, AuditEntry
from organizations.services import CodeAction
from portal.common.errors import PermissionError_


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def send(user, action, org):
    return services.action_code_send(user=user, action=action, organization=org)


def verify(user, action, org, code):
    services.action_code_verify(user=user, action=action, organization=org, code=code)


def unthrottle(user):
    ActionCodeDevice.objects.filter(user=user).update(throttling_failure_timestamp=timezone.now() - timedelta(hours=1))


class TestActionCodeSend:
    def test_emails_a_six_digit_code_to_the_owner_and_returns_masked_address(self, org, owner):
        assert send(owner, CodeAction.DELETE, org) == "o***@example.com"
        message = mail.outbox[-1]
        assert message.to == ["olivia@example.com"]
        assert "delete the organization" in message.subject and "Acme (acme-sbx, Sandbox)" in message.body
        assert re.fullmatch(r"\d{6}", last_code())
        assert message.subject == f"Portal: Your code to delete the organization is {last_code()}"  # "Portal: You now own ...", "Portal: Your Production request ..."
        assert AuditEntry.objects.filter(organization=org, action=AuditAction.CODE_SENT, target="delete").exists()
        device = ActionCodeDevice.objects.get(user=owner)
        assert device.confirmed is False  # never a login second factor

    def test_an_organization_name_with_braces_is_mailed_as_typed(self, org, owner):
        org.name = "Acme {test} {token}"
        org.save()
        send(owner, CodeAction.DELETE, org)
        assert "Acme {test} {token} (acme-sbx, Sandbox) is " in mail.outbox[-1].body
        assert re.fullmatch(r"\d{6}", last_code())

    def test_resend_honours_the_cooldown(self, org, owner):
        send(owner, CodeAction.DELETE, org)
        with pytest.raises(services.CodeError) as exc:
            send(owner, CodeAction.DELETE, org)
        assert exc.value.message == services.ERR_CODE_COOLDOWN
        assert len(mail.outbox) == 1
        ActionCodeDevice.objects.filter(user=owner).update(last_generated_timestamp=timezone.now() - timedelta(minutes=2))
        send(owner, CodeAction.DELETE, org)
        assert len(mail.outbox) == 2

    @pytest.mark.parametrize(("seconds", "wait"), [(300, "5 minutes"), (90, "90 seconds"), (120, "2 minutes")])
    def test_the_cooldown_message_says_the_configured_wait(self, settings, org, owner, seconds, wait):
        settings.OTP_EMAIL_COOLDOWN_DURATION = seconds  # OTP_EMAIL_COOLDOWN_DURATION in the environment
        send(owner, CodeAction.DELETE, org)
        with pytest.raises(services.CodeError) as exc:
            send(owner, CodeAction.DELETE, org)
        assert f"A code was sent less than {wait} ago." in exc.value.message
        assert "a minute" not in exc.value.message

    def test_only_the_owner_can_ask_for_transfer_or_delete_codes(self, team, admin_user):
        with pytest.raises(PermissionError_, match=services.ERR_NOT_OWNER):
            send(admin_user, CodeAction.TRANSFER, team)

    def test_unknown_action_is_refused(self, org, owner):
        with pytest.raises(services.OrganizationError, match=services.ERR_CODE_ACTION_INVALID):
            send(owner, "launch-missiles", org)


class TestActionCodeVerify:
    def test_correct_code_works_once(self, org, owner):
        send(owner, CodeAction.DELETE, org)
        code = last_code()
        verify(owner, CodeAction.DELETE, org, code)
        with pytest.raises(services.CodeError) as exc:
            verify(owner, CodeAction.DELETE, org, code)
        assert exc.value.message == services.ERR_CODE_NONE

    def test_wrong_code_is_refused_and_recorded(self, org, owner):
        send(owner, CodeAction.DELETE, org)
        with pytest.raises(services.CodeError) as exc:
            verify(owner, CodeAction.DELETE, org, "000000" if last_code() != "000000" else "111111")
        assert exc.value.message == services.ERR_CODE_WRONG
        assert AuditEntry.objects.filter(action=AuditAction.CODE_FAILED, organization=org).count() == 1

    def test_after_a_failure_even_the_right_code_is_throttled(self, org, owner):
        send(owner, CodeAction.DELETE, org)
        code = last_code()
        with pytest.raises(services.CodeError):
            verify(owner, CodeAction.DELETE, org, "not-it")
        with pytest.raises(services.CodeThrottledError) as exc:
            verify(owner, CodeAction.DELETE, org, code)
        # it says how long: django-otp holds the next check back 1 second after one wrong code
        assert exc.value.message in (services.ERR_CODE_THROTTLED_WAIT.format(wait="a second"),
                                     services.ERR_CODE_THROTTLED_WAIT.format(wait="2 seconds"))  # fmt: skip
        assert exc.value.status_code == 429 and exc.value.retry_after in (1, 2)
        unthrottle(owner)
        verify(owner, CodeAction.DELETE, org, code)

    def test_expired_code_is_refused(self, org, owner):
        send(owner, CodeAction.DELETE, org)
        ActionCodeDevice.objects.filter(user=owner).update(valid_until=timezone.now() - timedelta(seconds=1))
        with pytest.raises(services.CodeError) as exc:
            verify(owner, CodeAction.DELETE, org, last_code())
        assert exc.value.message == services.ERR_CODE_EXPIRED

    def test_code_is_valid_five_minutes(self, org, owner):
        send(owner, CodeAction.DELETE, org)
        device = ActionCodeDevice.objects.get(user=owner)
        assert timedelta(minutes=4, seconds=55) < device.valid_until - timezone.now() <= timedelta(minutes=5)

    def test_code_for_another_action_does_not_confirm(self, org, owner):
        send(owner, CodeAction.DELETE, org)
        with pytest.raises(services.CodeError) as exc:
            verify(owner, CodeAction.TRANSFER, org, last_code())
        assert exc.value.message == services.ERR_CODE_NONE

    def test_code_for_another_organization_does_not_confirm(self, org, owner):
        other = services.organization_create(actor=owner, oc_id="other", name="Other")
        send(owner, CodeAction.DELETE, org)
        code = last_code()
        send(owner, CodeAction.DELETE, other)
        other_code = last_code()
        if other_code != code:
            with pytest.raises(services.CodeError):
                verify(owner, CodeAction.DELETE, other, code)
            unthrottle(owner)
        verify(owner, CodeAction.DELETE, other, other_code)
        verify(owner, CodeAction.DELETE, org, code)

    def test_code_of_another_user_does_not_confirm(self, team, owner, admin_user):
        send(owner, CodeAction.DELETE, team)
        with pytest.raises(services.CodeError, match=services.ERR_CODE_NONE):
            verify(admin_user, CodeAction.DELETE, team, last_code())


class TestApiConfirmationWindow:
    def test_confirm_opens_a_window_consumed_once(self, owner):
        assert services.confirmation_code_send(user=owner) == "o***@example.com"
        assert not services.confirmation_is_open(user=owner)
        services.confirmation_confirm(user=owner, code=last_code())
        assert services.confirmation_is_open(user=owner)
        assert services.confirmation_consume(user=owner) is True
        assert services.confirmation_consume(user=owner) is False

    def test_window_closes_after_five_minutes(self, owner):
        services.confirmation_code_send(user=owner)
        services.confirmation_confirm(user=owner, code=last_code())
        ActionCodeDevice.objects.filter(user=owner).update(last_used_at=timezone.now() - timedelta(minutes=5, seconds=1))
        assert not services.confirmation_is_open(user=owner)

    def test_org_action_code_does_not_open_the_window(self, org, owner):
        send(owner, CodeAction.DELETE, org)
        with pytest.raises(services.CodeError):
            services.confirmation_confirm(user=owner, code=last_code())
