import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("accounts:user-search")
AUTOCOMPLETE = reverse("accounts:user-autocomplete")


def test_search_returns_username_and_name_only(client, user, other_user):
    client.force_login(other_user)
    body = client.get(SEARCH, {"q": "ham"}).json()
    assert body == {"Items": [{"Username": "hamlet", "Name": "Prince Hamlet"}]}


def test_search_never_exposes_email_addresses_even_when_searching_by_email(client, user, other_user):
    client.force_login(other_user)
    response = client.get(SEARCH, {"q": "hamlet@"})
    assert "@example.com" not in response.content.decode()
    assert "example.com" not in client.get(SEARCH, {"q": "h"}).content.decode()


def test_search_is_limited_to_ten(client, user):
    for i in range(12):
        UserFactory(username=f"dev{i:02d}", email=f"d{i}@example.com")
    client.force_login(user)
    assert len(client.get(SEARCH, {"q": "DEV"}).json()["Items"]) == 10


def test_search_without_query_is_empty(client, user):
    client.force_login(user)
    assert client.get(SEARCH).json() == {"Items": []}


def test_search_requires_sign_in(client, user):
    response = client.get(SEARCH, {"q": "ham"})
    assert response.status_code == 401
    assert "hamlet" not in response.content.decode()


def test_autocomplete_renders_choosable_buttons_without_emails(client, user, other_user):
    client.force_login(other_user)
    html = client.get(AUTOCOMPLETE, {"q": "Prince", "field": "invitee"}, headers={"HX-Request": "true"}).content.decode()
    assert 'data-username="hamlet"' in html and "Prince Hamlet" in html
    assert "hamlet@example.com" not in html


def test_autocomplete_says_when_nobody_matches(client, user):
    client.force_login(user)
    html = client.get(AUTOCOMPLETE, {"q": "zzz"}).content.decode()
    assert "No user matches" in html


def test_autocomplete_widget_include_renders_the_htmx_input(rf, user):
    from django.template import engines

    request = rf.get("/")
    request.user = user
    html = engines["django"].from_string(
        '{% include "accounts/includes/user_autocomplete.html" with field="invitee" label="Invite" %}'
    ).render({}, request)
    assert 'name="invitee"' in html and 'type="hidden"' in html
    assert f'hx-get="{AUTOCOMPLETE}"' in html and 'hx-trigger="input changed delay:150ms, search"' in html
    assert '"field": "invitee"' in html


def test_autocomplete_signed_out_says_so_in_the_list_instead_of_showing_the_sign_in_page(client, user):
    """Signed out in another tab, the invite box's list showed the whole sign-in page (htmx followed
    login_required's redirect); now it says so and links to sign in and come back to the page."""
    from accounts.views import ERR_AUTOCOMPLETE_SIGNED_OUT

    page = "http://testserver/organizations/sandbox/acme/?tab=contributors"
    response = client.get(AUTOCOMPLETE, {"q": "ham", "field": "username"}, headers={"HX-Request": "true", "HX-Current-URL": page})
    assert response.status_code == 200  # htmx swaps it in (it swaps no 4xx)
    html = response.content.decode()
    assert ERR_AUTOCOMPLETE_SIGNED_OUT in html
    assert 'href="/accounts/login/?next=%2Forganizations%2Fsandbox%2Facme%2F%3Ftab%3Dcontributors"' in html
    assert "<form" not in html and "hamlet" not in html


def test_autocomplete_signed_out_never_links_back_to_another_site(client, user):
    response = client.get(AUTOCOMPLETE, {"q": "ham"}, headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"})
    assert 'href="/accounts/login/?next=%2Fdashboard%2F"' in response.content.decode()


def test_autocomplete_opened_without_htmx_while_signed_out_asks_to_sign_in(client, user):
    response = client.get(AUTOCOMPLETE, {"q": "ham"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
