"""Profile > Email: Make primary, Re-send verification or Remove that cannot act says why. allauth
reloaded the page without a word when the picked address was no longer the user's (removed in
another tab, whose list still showed it), when no address was picked, or when the post named no
action (hand-made); the user could not tell whether anything happened."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts import views
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hamlet(user, client):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    EmailAddress.objects.create(user=user, email="prince@example.com", verified=False, primary=False)
    client.force_login(user)
    return user


def post(client, data):
    page = client.post(reverse("account_email"), data, follow=True)
    assert page.status_code == 200
    return page.content.decode()


GONE = views.ERR_EMAIL_NOT_YOURS.format(email="prince@example.com")


@pytest.mark.parametrize("action", ["action_primary", "action_send", "action_remove"])
def test_an_address_removed_in_another_tab_is_said_to_be_gone(client, hamlet, action):
    # two tabs show the list; the second one removes prince@, the first then acts on it
    assert "Removed email address prince@example.com." in post(client, {"email": "prince@example.com",
                                                                         "action_remove": ""})
    mail.outbox.clear()
    page = post(client, {"email": "prince@example.com", action: ""})
    assert GONE in page
    assert "Removed email address" not in page and mail.outbox == []
    assert list(EmailAddress.objects.filter(user=hamlet).values_list("email", "primary")) == [
        ("hamlet@example.com", True)]


def test_someone_elses_address_gets_the_same_answer_and_nothing_is_sent(client, hamlet):
    other = UserFactory(username="ophelia", email="ophelia@example.com")
    EmailAddress.objects.create(user=other, email=other.email, verified=False, primary=True)
    page = post(client, {"email": "Ophelia@example.com", "action_send": ""})
    assert views.ERR_EMAIL_NOT_YOURS.format(email="Ophelia@example.com") in page
    assert mail.outbox == []


def test_a_value_that_is_no_address_is_not_echoed(client, hamlet):
    page = post(client, {"email": "<b>not-an-address</b>", "action_primary": ""})
    assert views.ERR_EMAIL_NOT_YOURS.format(email="The address you picked") in page
    assert "not-an-address" not in page


@pytest.mark.parametrize("action", ["action_primary", "action_send", "action_remove"])
def test_no_address_picked_says_to_pick_one(client, hamlet, action):
    page = post(client, {action: ""})
    assert views.ERR_EMAIL_NOT_PICKED in page
    assert EmailAddress.objects.get(user=hamlet, primary=True).email == "hamlet@example.com"


def test_a_post_without_a_known_action_says_so(client, hamlet):
    page = post(client, {"email": "prince@example.com", "action": "delete"})
    assert views.ERR_EMAIL_ACTION_UNKNOWN in page
    assert EmailAddress.objects.filter(user=hamlet, email="prince@example.com", primary=False).exists()


def test_the_actions_that_work_say_nothing_of_the_kind(client, hamlet):
    page = post(client, {"email": "prince@example.com", "action_remove": ""})
    assert "Removed email address prince@example.com." in page
    for text in (GONE, views.ERR_EMAIL_NOT_PICKED, views.ERR_EMAIL_ACTION_UNKNOWN):
        assert text not in page
    page = post(client, {"action_add": "", "email": ""})  # the add form: its own field error, as before
    assert "This field is required." in page and views.ERR_EMAIL_NOT_PICKED not in page


def test_make_primary_on_the_primary_address_says_nothing_changed(client, hamlet):
    page = post(client, {"email": "hamlet@example.com", "action_primary": ""})
    assert views.MSG_ALREADY_PRIMARY.format(email="hamlet@example.com") in page
    assert "Primary email address set." not in page


def test_an_extra_address_confirmed_while_signed_in_goes_back_to_profile_email(client, hamlet):
    from allauth.account.models import EmailConfirmationHMAC

    extra = EmailAddress.objects.get(email="prince@example.com")
    key = EmailConfirmationHMAC(extra).key
    response = client.post(reverse("account_confirm_email", kwargs={"key": key}))
    assert response.status_code == 302 and response["Location"] == reverse("account_email")
    assert EmailAddress.objects.get(email="prince@example.com").verified


def test_a_sign_ups_own_address_confirmed_while_signed_in_keeps_going_to_the_dashboard(client, user):
    own = EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    client.force_login(user)
    from allauth.account.models import EmailConfirmationHMAC

    response = client.post(reverse("account_confirm_email", kwargs={"key": EmailConfirmationHMAC(own).key}))
    assert response.status_code == 302 and response["Location"] != reverse("account_email")
