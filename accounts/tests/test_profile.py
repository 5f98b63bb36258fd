import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import override_settings
from django.urls import reverse

from accounts.adapters import ERR_UNLINK_LAST_SIGN_IN_METHOD
from accounts.validators import ERR_USERNAME_TAKEN, ERR_USERNAME_TOO_LONG
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AUTH = reverse("accounts:authentication")
PROFILE = reverse("accounts:profile")


def test_profile_edits_name_and_username(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"name": "Hamlet, Prince of Denmark", "username": "the-prince"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.name, user.username) == ("Hamlet, Prince of Denmark", "the-prince")
    assert "Your profile has been saved." in client.get(response["Location"]).content.decode()


def test_profile_username_input_hints_3_to_40_characters_and_a_longer_one_gets_the_portals_message(client, user):
    from accounts.tests.test_sign_in_up import username_input

    client.force_login(user)
    tag = username_input(client.get(PROFILE).content.decode())
    assert 'minlength="3"' in tag and 'maxlength="40"' in tag
    response = client.post(PROFILE, {"name": "X", "username": "a" * 41})
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [ERR_USERNAME_TOO_LONG]


def test_profile_refuses_a_username_of_someone_else_in_another_case(client, user, other_user):
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"name": "X", "username": "OPHELIA"})
    assert response.status_code == 200
    assert ERR_USERNAME_TAKEN in response.content.decode()
    user.refresh_from_db()
    assert (user.name, user.username) == ("Prince Hamlet", "hamlet")


def test_profile_requires_sign_in(client):
    assert client.get(reverse("accounts:profile"))["Location"].startswith(reverse("account_login"))


def _social(user, provider, uid, **extra):
    return SocialAccount.objects.create(user=user, provider=provider, uid=uid, extra_data=extra)


def test_authentication_page_lists_providers_with_link_and_unlink(client, user):
    _social(user, "github", "1", login="hamlet-gh")
    client.force_login(user)
    html = client.get(AUTH).content.decode()
    assert "hamlet-gh" in html and "Unlink" in html
    assert "Link Google" in html and "process=connect" in html
    assert "Change password" in html


def test_social_only_user_is_offered_to_set_a_password(client):
    social_only = UserFactory(username="socialite")
    social_only.set_unusable_password()
    social_only.save()
    _social(social_only, "github", "2", login="socialite")
    client.force_login(social_only)
    html = client.get(AUTH).content.decode()
    assert "Set a password" in html and reverse("account_set_password") in html


def test_unlinking_the_last_way_to_sign_in_is_refused_with_a_clear_message(client):
    social_only = UserFactory(username="socialite")
    social_only.set_unusable_password()
    social_only.save()
    account = _social(social_only, "github", "3", login="socialite")
    client.force_login(social_only)
    response = client.post(reverse("accounts:social-account-disconnect", args=[account.pk]), follow=True)
    assert ERR_UNLINK_LAST_SIGN_IN_METHOD in response.content.decode()
    assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_unlinking_one_of_two_providers_works(client):
    social_only = UserFactory(username="socialite")
    social_only.set_unusable_password()
    social_only.save()
    github = _social(social_only, "github", "4", login="socialite")
    _social(social_only, "google", "5", email="s@example.com")
    client.force_login(social_only)
    response = client.post(reverse("accounts:social-account-disconnect", args=[github.pk]))
    assert response["Location"] == AUTH
    assert list(SocialAccount.objects.filter(user=social_only).values_list("provider", flat=True)) == ["google"]


def test_unlinking_the_only_provider_is_fine_with_a_password(client, user):
    account = _social(user, "google", "6", email="h@example.com")
    client.force_login(user)
    client.post(reverse("accounts:social-account-disconnect", args=[account.pk]))
    assert not SocialAccount.objects.filter(user=user).exists()


def test_unlinking_someone_elses_account_is_404(client, user, other_user):
    account = _social(other_user, "github", "7", login="oph")
    client.force_login(user)
    assert client.post(reverse("accounts:social-account-disconnect", args=[account.pk])).status_code == 404
    assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_unlink_needs_post(client, user):
    account = _social(user, "github", "8")
    client.force_login(user)
    assert client.get(reverse("accounts:social-account-disconnect", args=[account.pk])).status_code == 405


@override_settings(SOCIALACCOUNT_PROVIDERS={"github": {}, "google": {}})
def test_authentication_page_without_configured_providers_says_so(client, user):
    client.force_login(user)
    html = client.get(AUTH).content.decode()
    assert "No sign-in providers are configured" in html and "Link GitHub" not in html


def test_an_email_of_another_account_cannot_be_added(client, user, other_user):
    """Whether it is their sign-in email (a user made outside allauth has no EmailAddress row) or
    one they confirmed: refused, so it never becomes two people's email. (One they added and never
    confirmed is nobody's: test_email_unconfirmed_elsewhere.)"""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=other_user, email="ophelia@elsinore.dk", verified=True, primary=False)
    client.force_login(user)
    for taken in ("Ophelia@Example.com", "ophelia@elsinore.dk"):
        response = client.post(reverse("account_email"), {"action_add": "", "email": taken})
        assert response.status_code == 200, taken
        assert "A user is already registered with this email address." in response.content.decode()
    assert not EmailAddress.objects.filter(user=user, email__icontains="ophelia").exists()
    response = client.post(reverse("account_email"), {"action_add": "", "email": "hamlet@elsinore.dk"})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=user, email="hamlet@elsinore.dk").exists()


@override_settings(ACCOUNT_RATE_LIMITS={"confirm_email": "1/3m/key"})
def test_re_sending_a_confirmation_too_soon_says_so_instead_of_nothing(client, user):
    from django.core.cache import cache

    from accounts.views import MSG_CONFIRMATION_RECENTLY_SENT

    cache.clear()
    client.force_login(user)
    assert client.post(reverse("account_email"), {"action_add": "", "email": "hamlet@elsinore.dk"}).status_code == 302
    page = client.post(reverse("account_email"), {"action_send": "", "email": "hamlet@elsinore.dk"}, follow=True)
    shown = [str(m) for m in page.context["messages"]]
    assert MSG_CONFIRMATION_RECENTLY_SENT.format(email="hamlet@elsinore.dk") in shown
    cache.clear()  # the 3 minutes are over: sent, and said so by allauth
    page = client.post(reverse("account_email"), {"action_send": "", "email": "hamlet@elsinore.dk"}, follow=True)
    shown = [str(m) for m in page.context["messages"]]
    assert MSG_CONFIRMATION_RECENTLY_SENT.format(email="hamlet@elsinore.dk") not in shown
    assert any("Confirmation email sent" in m for m in shown)


def test_re_sending_verification_for_a_verified_address_says_so_and_sends_nothing(
    client, user, django_capture_on_commit_callbacks
):
    from allauth.account.models import EmailAddress
    from django.core import mail
    from django.core.cache import cache

    from accounts.views import MSG_ALREADY_VERIFIED

    cache.clear()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("account_email"), {"action_send": "", "email": user.email}, follow=True)
    shown = [str(m) for m in page.context["messages"]]
    assert shown == [MSG_ALREADY_VERIFIED.format(email="hamlet@example.com")]
    assert mail.outbox == []


def test_making_an_unconfirmed_address_primary_says_to_confirm_it_first(client, user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    EmailAddress.objects.create(user=user, email="hamlet.new@example.com", verified=False, primary=False)
    client.force_login(user)
    response = client.post(reverse("account_email"), {"action_primary": "", "email": "Hamlet.New@example.com"}, follow=True)
    text = response.content.decode()
    assert (
        "hamlet.new@example.com is not confirmed yet, and only a confirmed address can become your primary one. "
        "Open the link we emailed to it, or choose Re-send verification."
    ) in text
    assert "Your primary email address must be verified" not in text
    user.refresh_from_db()
    assert user.email == "hamlet@example.com"


@pytest.mark.parametrize("name", ["Demo\rDev", "Line one\nURGENT: reset your password at evil.example", "Tab\there",
                                  "Ann \u202e)nimda( \u202c", "Bell\x07"])
def test_a_name_with_line_breaks_or_control_characters_is_a_form_error(client, user, name):
    """A carriage return in a name stopped every invitation email that person sent (its subject is
    "<name> invited you to ..."), a line break put the rest of the name into the email's text, and
    text-direction overrides let a name read as someone else's "Name (username)"."""
    from accounts.validators import ERR_NAME_CHARACTERS

    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"name": name, "username": "hamlet"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"name": [ERR_NAME_CHARACTERS]}
    user.refresh_from_db()
    assert user.name == "Prince Hamlet"


@pytest.mark.parametrize("name", ["Zoë Ølsen-Ünal", "山田 太郎", "علی رضا", "Family 👨\u200d👩\u200d👧", "  Padded  "])
def test_names_in_any_script_are_kept(client, user, name):
    client.force_login(user)
    assert client.post(reverse("accounts:profile"), {"name": name, "username": "hamlet"}).status_code == 302
    user.refresh_from_db()
    assert user.name == name.strip()


def test_setting_a_password_in_a_second_tab_after_the_first_says_it_was_not_saved(client):
    """The second tab went to "Change password" without a word, its password dropped: the user
    believed it was theirs."""
    from accounts.views import MSG_PASSWORD_SET_ALREADY

    social_only = UserFactory(username="socialite")
    social_only.set_unusable_password()
    social_only.save()
    client.force_login(social_only)
    url = f"{reverse('account_set_password')}?next={AUTH}"
    first = client.post(url, {"password1": "First-pass-4242", "password2": "First-pass-4242"})
    assert first.status_code == 302
    client.get(first["Location"])  # its "Password successfully set."
    second = client.post(url, {"password1": "Second-pass-4242", "password2": "Second-pass-4242"})
    assert second.status_code == 302
    assert second["Location"] == f"{reverse('account_change_password')}?next=%2Faccount%2Fauthentication%2F"
    page = client.get(second["Location"])
    assert [str(m) for m in page.context["messages"]] == [MSG_PASSWORD_SET_ALREADY]
    social_only.refresh_from_db()
    assert social_only.check_password("First-pass-4242")


def test_unlinking_twice_says_it_is_not_linked_any_more_instead_of_page_not_found(client, user):
    """A double-click on Unlink (or Unlink in two tabs): the second answer was the bare "Page not
    found" page."""
    from accounts.views import ERR_UNLINK_GONE

    account = _social(user, "github", "9", login="hamlet-gh")
    client.force_login(user)
    url = reverse("accounts:social-account-disconnect", args=[account.pk])
    assert client.post(url).status_code == 302
    again = client.post(url)
    assert again.status_code == 404
    html = again.content.decode()
    assert ERR_UNLINK_GONE in html and f'href="{AUTH}"' in html


def test_saving_the_name_on_a_page_opened_before_the_username_changed_keeps_the_new_username(client, user):
    """Profile in two tabs: the second tab, saving only the name, set the username back to the one
    its page showed (and the name saved in the first tab was overwritten the same way)."""
    client.force_login(user)
    page = client.get(PROFILE).content.decode()
    assert 'name="initial-username" value="hamlet"' in page and 'name="initial-name" value="Prince Hamlet"' in page
    stale = {"initial-name": "Prince Hamlet", "initial-username": "hamlet"}
    client.post(PROFILE, {**stale, "name": "Prince Hamlet", "username": "the-prince"})  # tab 1
    response = client.post(PROFILE, {**stale, "name": "Hamlet of Denmark", "username": "hamlet"})  # tab 2
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.name, user.username) == ("Hamlet of Denmark", "the-prince")


def test_an_unchanged_username_someone_took_since_does_not_stop_saving_the_name(client, user):
    client.force_login(user)
    stale = {"initial-name": "Prince Hamlet", "initial-username": "hamlet"}
    client.post(PROFILE, {**stale, "name": "Prince Hamlet", "username": "the-prince"})
    UserFactory(username="hamlet", email="another@example.com")
    response = client.post(PROFILE, {**stale, "name": "Hamlet II", "username": "hamlet"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.name, user.username) == ("Hamlet II", "the-prince")


def test_changing_the_password_again_to_the_same_new_one_says_it_is_changed_already(client, user, password):
    """A double-click on Change password (or the form sent again): the second answer said "Please
    type your current password", as if the change had failed."""
    from accounts.forms import ERR_PASSWORD_CHANGED_ALREADY

    client.force_login(user)
    data = {"oldpassword": password, "password1": "Brand-new-pass-42", "password2": "Brand-new-pass-42"}
    assert client.post(reverse("account_change_password"), data).status_code == 302
    again = client.post(reverse("account_change_password"), data)
    assert again.status_code == 200
    assert again.context["form"].errors["oldpassword"] == [ERR_PASSWORD_CHANGED_ALREADY]
    user.refresh_from_db()
    assert user.check_password("Brand-new-pass-42")


def test_the_current_password_as_the_new_one_is_refused_and_signs_nobody_out(client, user, password):
    """It said "Password successfully changed." and signed out every other session, for nothing."""
    from django.test import Client

    from accounts.services import ERR_NEW_PASSWORD_SAME

    elsewhere = Client()
    elsewhere.force_login(user)
    client.force_login(user)
    data = {"oldpassword": password, "password1": password, "password2": password}
    response = client.post(reverse("account_change_password"), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"password1": [ERR_NEW_PASSWORD_SAME]}
    assert ERR_NEW_PASSWORD_SAME in response.content.decode()
    assert "successfully changed" not in response.content.decode()
    assert elsewhere.get(reverse("dashboard")).status_code == 200  # the other session is still signed in


def test_a_wrong_current_password_is_still_said_to_be_wrong(client, user):
    client.force_login(user)
    data = {"oldpassword": "not-it", "password1": "Brand-new-pass-42", "password2": "Brand-new-pass-42"}
    response = client.post(reverse("account_change_password"), data)
    assert response.context["form"].errors["oldpassword"] == ["Please type your current password."]
