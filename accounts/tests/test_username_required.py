"""UsernameRequiredMiddleware and the "Choose your username" page."""

import pytest
from django.urls import reverse

from accounts.validators import ERR_USERNAME_EMAIL, ERR_USERNAME_TAKEN, ERR_USERNAME_TOO_LONG
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHOOSE = reverse("accounts:username-choose")


@pytest.fixture
def nameless(client):
    user = UserFactory(username=None, name="Legacy Person", email="legacy.person@example.com")
    client.force_login(user)
    return user


def test_user_without_username_is_sent_to_choose_before_the_dashboard(client, nameless):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{CHOOSE}?next=%2Fdashboard%2F"


@pytest.mark.parametrize("url", [reverse("accounts:profile"), reverse("accounts:authentication"), "/account/users/search?q=x", reverse("account_email")])
def test_every_other_page_also_redirects(client, nameless, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(CHOOSE)


def test_htmx_requests_get_a_client_redirect(client, nameless):
    response = client.get(reverse("accounts:profile"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == CHOOSE


def test_choose_page_healthz_and_logout_stay_reachable(client, nameless):
    assert client.get(CHOOSE).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302 and not response["Location"].startswith(CHOOSE)
    assert "_auth_user_id" not in client.session


def test_api_paths_are_not_redirected(client, nameless):
    response = client.get("/api/v1/openapi.json")
    assert not (response.status_code == 302 and response["Location"].startswith(CHOOSE))


def test_users_with_a_valid_username_are_left_alone(client, user):
    client.force_login(user)
    assert client.get(reverse("dashboard")).status_code == 200


def test_anonymous_users_are_left_alone(client):
    response = client.get(reverse("dashboard"))
    assert response["Location"].startswith(reverse("account_login"))


def test_legacy_email_username_must_choose(client):
    legacy = UserFactory(username=None, email="old@example.com")
    type(legacy).objects.filter(pk=legacy.pk).update(username="old@example.com")  # as before migration 0002
    client.force_login(legacy)
    assert client.get(reverse("dashboard"))["Location"].startswith(CHOOSE)


def test_choose_page_suggests_a_username_from_the_email(client, nameless):
    page = client.get(CHOOSE)
    assert page.context["form"]["username"].value() == "legacy-person"  # from the name first
    assert "Choose your username" in page.content.decode()


def test_choosing_a_valid_username_goes_on_to_next(client, nameless):
    response = client.post(CHOOSE, {"username": "legacy", "next": "/account/profile/"})
    assert response.status_code == 302 and response["Location"] == "/account/profile/"
    nameless.refresh_from_db()
    assert nameless.username == "legacy"
    assert client.get(reverse("dashboard")).status_code == 200


def test_an_offsite_next_is_ignored(client, nameless):
    response = client.post(CHOOSE, {"username": "legacy", "next": "https://evil.example/"})
    assert response["Location"] == reverse("dashboard")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("legacy@example.com", ERR_USERNAME_EMAIL),
        ("HAMLET", ERR_USERNAME_TAKEN),
        ("x" * 41, ERR_USERNAME_TOO_LONG),
        ("", "Choose a username."),
        ("ab", "at least 3"),
        ("bad name!", "only letters"),
    ],
)
def test_choose_page_refuses_bad_usernames_with_a_clear_message(client, nameless, user, value, message):
    response = client.post(CHOOSE, {"username": value})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["username"])
    assert message.split("'")[0] in response.content.decode().replace("&#x27;", "'")
    nameless.refresh_from_db()
    assert nameless.username is None


def test_choose_page_for_a_user_who_has_a_username_redirects(client, user):
    client.force_login(user)
    assert client.get(CHOOSE)["Location"] == reverse("dashboard")


def test_choosing_in_a_second_tab_after_the_first_says_which_username_the_account_has(client):
    """The second tab's choice was dropped without a word: the user believed they were 'beta'."""
    from accounts.views import MSG_USERNAME_CHOSEN_ALREADY

    newcomer = UserFactory(username=None, email="newcomer@example.com")
    client.force_login(newcomer)
    assert client.post(CHOOSE, {"username": "alpha", "next": "/account/profile/"}).status_code == 302
    client.get("/account/profile/")  # the first tab shows its welcome
    second = client.post(CHOOSE, {"username": "beta", "next": "/account/profile/"})
    assert second.status_code == 302 and second["Location"] == "/account/profile/"
    page = client.get(second["Location"])
    said = [str(m) for m in page.context["messages"]]
    assert said == [MSG_USERNAME_CHOSEN_ALREADY.format(username="alpha", posted="beta")]
    newcomer.refresh_from_db()
    assert newcomer.username == "alpha"


def test_the_same_choice_posted_twice_says_nothing_more(client):
    newcomer = UserFactory(username=None, email="newcomer@example.com")
    client.force_login(newcomer)
    client.post(CHOOSE, {"username": "alpha"})
    client.get("/dashboard/")  # the welcome is shown
    page = client.get(client.post(CHOOSE, {"username": "Alpha"})["Location"])
    assert [str(m) for m in page.context["messages"]] == []


def test_the_choose_input_hints_3_to_40_characters(client, nameless):
    from accounts.tests.test_sign_in_up import username_input

    tag = username_input(client.get(CHOOSE).content.decode())
    assert 'minlength="3"' in tag and 'maxlength="40"' in tag
