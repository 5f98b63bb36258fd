"""What a screen-reader or keyboard user meets on the account pages (and the other forms' pages):
descriptions that resolve, labels tied to controls, grouped radios, honest titles and links on the
sign-in side pages (cancelled linking, social sign-up with a taken email, 429, bad reset link)."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from accounts.validators import ERR_USERNAME_TOO_SHORT
from tests.a11y import A11yPage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
AUTHENTICATION = reverse("accounts:authentication")


def page_of(response) -> A11yPage:
    assert response.status_code in (200, 400, 429), response.status_code
    return A11yPage(response.content.decode())


def _signed_in(client, user):
    client.force_login(user)
    return client


# (what, who: "anonymous" | "user" | "new social user", method, url, data)
FORM_PAGES = [
    ("sign in", "anonymous", "get", "account_login", None),
    ("sign in, errors", "anonymous", "post", "account_login", {"login": "", "password": ""}),
    ("sign up", "anonymous", "get", "account_signup", None),
    ("sign up, errors", "anonymous", "post", "account_signup", {"email": "x", "username": "a", "password1": "1", "password2": "2"}),
    ("password reset", "anonymous", "get", "account_reset_password", None),
    ("profile", "user", "get", "accounts:profile", None),
    ("profile, errors", "user", "post", "accounts:profile", {"name": "", "username": "ab"}),
    ("choose username", "new social user", "get", "accounts:username-choose", None),
    ("choose username, errors", "new social user", "post", "accounts:username-choose", {"username": "a@b.c"}),
    ("change password", "user", "get", "account_change_password", None),
    ("change password, errors", "user", "post", "account_change_password", {"oldpassword": "x", "password1": "1", "password2": "2"}),
    ("email addresses", "user", "get", "account_email", None),
    ("email addresses, errors", "user", "post", "account_email", {"action_add": "", "email": "not-an-email"}),
    ("new organization", "user", "get", "organizations:create", None),
    ("new organization, errors", "user", "post", "organizations:create", {"oc_id": "no spaces!", "name": ""}),
    ("request production", "user", "get", "organizations:production", None),
    ("request production, errors", "user", "post", "organizations:production", {"oc_id": "", "reason": ""}),
]


@pytest.mark.parametrize(("what", "who", "method", "url_name", "data"), FORM_PAGES, ids=[p[0] for p in FORM_PAGES])
def test_every_description_a_form_field_points_at_is_on_the_page(client, user, what, who, method, url_name, data):
    """Django gives a field with help text (or errors) aria-describedby="id_<name>_helptext"
    (/_error); the page must carry those ids, or a screen reader reads no rules and no errors."""
    if who == "user":
        client.force_login(user)
    elif who == "new social user":
        client.force_login(UserFactory(username=None, email="zoe@example.com"))
    url = reverse(url_name)
    response = client.post(url, data) if method == "post" else client.get(url)
    page = page_of(response)
    assert page.describedby_problems() == []
    assert page.label_problems() == []
    described = [e for e in page.find_all() if e.attrs.get("aria-describedby")]
    if method == "post":
        assert described, "a form with errors describes its fields by them"


def test_form_pages_with_help_text_actually_link_it(client, user):
    """Not vacuous: the fields with rules are described by exactly those rules."""
    client.force_login(user)
    profile = page_of(client.get(reverse("accounts:profile")))
    assert "People find you by it" in profile.description_of(profile.one("input", name="username"))
    assert "Shown to people in your organizations" in profile.description_of(profile.one("input", name="name"))
    create = page_of(client.get(reverse("organizations:create")))
    assert "Used in API URLs" in create.description_of(create.one("input", name="oc_id"))
    production = page_of(client.get(reverse("organizations:production")))
    assert "go-live date" in production.description_of(production.one("textarea", name="reason"))
    password = page_of(client.get(reverse("account_change_password")))
    assert "at least 8 characters" in password.description_of(password.one("input", name="password1"))


def test_choose_username_describes_the_box_by_the_username_rules(client):
    client.force_login(UserFactory(username=None, email="zoe@example.com"))
    page = page_of(client.get(reverse("accounts:username-choose")))
    assert "cannot be an email address" in page.description_of(page.one("input", name="username"))


def test_sign_up_describes_the_username_box_by_the_rules_shown_under_it(client):
    page = page_of(client.get(reverse("account_signup")))
    username = page.one("input", name="username")
    assert "it cannot be an email address" in page.description_of(username)
    # the hand-written input keeps the widget's attributes
    assert username.attrs["autocomplete"] == "username" and "required" in username.attrs
    assert username.attrs["maxlength"] == "40"


def test_sign_up_with_a_username_error_describes_the_box_by_rules_and_error(client):
    page = page_of(client.post(reverse("account_signup"), {"email": "n@example.com", "username": "ab",
                                                            "password1": "a-Strong-pass-42", "password2": "a-Strong-pass-42"}))
    username = page.one("input", name="username")
    assert username.attrs["value"] == "ab" and username.attrs.get("aria-invalid") == "true"
    description = page.description_of(username)
    assert "cannot be an email address" in description and ERR_USERNAME_TOO_SHORT in description
    assert page.describedby_problems() == []


class TestSignInPage:
    def test_the_password_box_is_named_password_and_described_by_the_reset_link(self, client):
        page = page_of(client.get(LOGIN))
        password = page.one("input", name="password")
        assert page.label_text(password.attrs["id"]) == "Password"
        assert page.description_of(password) == "Forgot your password?"
        # the link is a link of its own after the box (tab order: box, then link), in no label
        assert not [a for label in page.find_all("label") for a in label.find_all("a")]
        link = page.one("a", href=reverse("account_reset_password"))
        assert link.text == "Forgot your password?"
        order = [e for e in page.find_all() if e is password or e is link]
        assert order == [password, link]

    def test_the_login_box_autocompletes_a_username(self, client):
        page = page_of(client.get(LOGIN))
        login = page.one("input", name="login")
        assert login.attrs["autocomplete"] == "username"
        assert page.label_text(login.attrs["id"]) == "Username or email"

    def test_the_hand_written_login_box_still_signs_in_and_keeps_the_value_on_error(self, client, user, password):
        page = page_of(client.post(LOGIN, {"login": "hamlet", "password": "wrong"}))
        assert page.one("input", name="login").attrs["value"] == "hamlet"
        assert client.post(LOGIN, {"login": "hamlet", "password": password}).status_code == 302


class TestLayout:
    def test_a_signed_out_page_has_no_empty_navigation(self, client):
        page = page_of(client.get(LOGIN))
        assert [nav for nav in page.find_all("nav") if not nav.text] == []

    def test_the_user_menu_is_named_by_the_name_it_shows(self, client, user):
        client.force_login(user)
        page = page_of(client.get(reverse("dashboard")))
        summary = page.one("summary")
        name = summary.attrs.get("aria-label") or summary.text
        assert name.startswith("hamlet")

    def test_profile_email_is_not_a_label_without_a_control(self, client, user):
        client.force_login(user)
        page = page_of(client.get(reverse("accounts:profile")))
        assert page.label_problems() == []
        assert "hamlet@example.com" in page.one(role="group", **{"aria-labelledby": "profile-email-label"}).text

    def test_email_addresses_are_a_group_with_a_legend(self, client, user):
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=user, email="hamlet@example.com", verified=True, primary=True)
        EmailAddress.objects.create(user=user, email="hamlet@elsinore.dk", verified=False, primary=False)
        client.force_login(user)
        page = page_of(client.get(reverse("account_email")))
        assert len(page.find_all("input", type="radio")) == 2
        assert page.radios_outside_a_labelled_group() == []
        for name in ("action_primary", "action_send", "action_remove"):
            page.one("button", name=name)


class TestLinkingCancelled:
    def test_a_signed_in_user_who_cancels_linking_reads_so_and_goes_back_to_authentication(self, client, user, social_login):
        client.force_login(user)
        response = social_login("github", process="connect", deny=True)
        assert response.status_code == 302 and response["Location"] == reverse("socialaccount_login_cancelled")
        page = page_of(client.get(response["Location"]))
        assert page.one("h1").text == "Linking cancelled"
        assert page.title.startswith("Linking cancelled")
        back = page.main.one("a", href=AUTHENTICATION)
        assert back.text == "Back to Authentication"
        assert not page.find_all("a", href=LOGIN)  # no "sign in" for someone signed in
        assert "sign in" not in page.main.text.lower()

    def test_a_signed_out_user_who_cancels_signing_in_is_offered_to_sign_in(self, client, social_login):
        response = social_login("github", deny=True)
        page = page_of(client.get(response["Location"]))
        assert page.one("h1").text == "Sign-in cancelled"
        assert page.main.one("a", href=LOGIN).text == "Sign in"
        assert not page.main.find_all("a", href=AUTHENTICATION)


class TestSocialSignUpWithATakenEmail:
    def _start(self, social_login, user):
        response = social_login("github", uid=9, login="hamlet-gh", email="hamlet@example.com")
        assert response["Location"] == reverse("socialaccount_signup")
        return response["Location"]

    def test_the_page_says_the_account_exists_and_links_sign_in_before_any_submit(self, client, user, social_login):
        page = page_of(client.get(self._start(social_login, user)))
        assert page.one("h1").text == "Finish signing up with GitHub"
        assert page.title.startswith("Finish signing up")
        notice = page.one(**{"data-testid": "email-taken"})
        assert "An account with hamlet@example.com already exists" in notice.text
        assert "link GitHub under Profile › Authentication" in notice.text
        sign_in = [a for a in notice.find_all("a") if a.attrs["href"].startswith(LOGIN)]
        assert sign_in and sign_in[0].attrs["href"] == f"{LOGIN}?next={AUTHENTICATION}"
        assert "complete the following form" not in page.main.text
        # the form is allauth's: CSRF, the email box, posted to the pending sign-up
        form = page.one("form", action=reverse("socialaccount_signup"))
        assert form.find_all("input", name="csrfmiddlewaretoken")
        assert form.find_all("input", name="email")[0].attrs["value"] == "hamlet@example.com"
        assert page.describedby_problems() == [] and page.label_problems() == []

    def test_submitting_the_taken_email_shows_the_error_and_the_sign_in_link(self, client, user, social_login):
        url = self._start(social_login, user)
        page = page_of(client.post(url, {"email": "hamlet@example.com"}))
        email = page.one("input", name="email")
        assert "belongs to another account" in page.description_of(email)
        notice = page.one(**{"data-testid": "email-taken"})
        assert notice.find_all("a", href=f"{LOGIN}?next={AUTHENTICATION}")
        assert page.describedby_problems() == []

    def test_another_error_is_not_called_a_taken_address(self, client, user, social_login):
        page = page_of(client.post(self._start(social_login, user), {"email": "not-an-email"}))
        # the notice still names the provider's address (why this form is here), never the typed text
        notice = page.one(**{"data-testid": "email-taken"})
        assert "An account with hamlet@example.com already exists" in notice.text
        assert "not-an-email" not in notice.text
        assert "Enter a valid email address." in page.description_of(page.one("input", name="email"))


@pytest.fixture
def rate_limit_cache():
    cache.clear()
    yield
    cache.clear()


@override_settings(ACCOUNT_RATE_LIMITS={"change_password": "1/m/user"})
def test_429_offers_the_dashboard_to_a_signed_in_user(client, user, rate_limit_cache):
    client.force_login(user)
    url = reverse("account_change_password")
    client.post(url, {"oldpassword": "x", "password1": "y", "password2": "y"})
    response = client.post(url, {"oldpassword": "x", "password1": "y", "password2": "y"})
    assert response.status_code == 429
    page = page_of(response)
    assert page.main.one("a", href=reverse("dashboard")).text == "Back to the dashboard"
    assert not page.find_all("a", href=LOGIN)


@override_settings(ACCOUNT_RATE_LIMITS={"login": "1/m/ip"})
def test_429_offers_sign_in_to_a_signed_out_user(client, rate_limit_cache):
    client.post(LOGIN, {"login": "x", "password": "y"})
    response = client.post(LOGIN, {"login": "x", "password": "y"})
    assert response.status_code == 429
    assert page_of(response).main.one("a", href=LOGIN).text == "Back to sign in"


def test_an_invalid_password_reset_link_says_so_in_the_title_and_the_heading(client, user):
    page = page_of(client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "bad-key"})))
    assert page.one("h1").text == "Invalid password reset link"
    assert page.title.startswith("Invalid password reset link")
    assert page.one("a", href=reverse("account_reset_password")).text == "Request a new link"


class TestSignedInMessage:
    def test_a_new_social_user_is_not_greeted_by_email_address(self, client, social_login):
        social_login("github", uid=55, login="zoe-gh", email="zoe@example.com", name="Zoe")
        page = client.get(reverse("accounts:username-choose"))
        shown = [str(m) for m in page.context["messages"]]
        assert shown == ["Signed in."]
        assert "zoe@example.com." not in page.content.decode().split("<main")[0]

    def test_a_user_with_a_username_is_greeted_by_it(self, client, user, password):
        page = client.post(LOGIN, {"login": "hamlet@example.com", "password": password}, follow=True)
        assert [str(m) for m in page.context["messages"]] == ["Signed in as hamlet."]
