"""Error answers of the HTML pages: the portal's layout and a reason, never Django's bare pages."""

import pytest
from django.test import RequestFactory, override_settings
from django.views.defaults import server_error

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = User.objects.create_user(username="ada", email="ada@example.com", password="pw-Long-enough-1")
    client.force_login(user)
    return client


def test_not_found_page_has_the_layout(signed_in):
    response = signed_in.get("/organizations/sandbox/nobody-s-org/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="error-page"' in page and "Page not found (404)" in page and "portal.css" in page


def test_opening_an_action_address_is_a_readable_405_page(signed_in):
    """e.g. reloading the address a failed form submission left in the address bar"""
    from django.urls import reverse

    response = signed_in.get(reverse("accounts:social-account-disconnect", args=[1]))
    assert response.status_code == 405
    page = response.content.decode()
    assert 'data-testid="error-page"' in page and "This address is not a page (405)" in page
    assert response["Allow"] == "POST"


def test_a_page_sent_a_post_says_it_cannot_take_that_request_not_that_it_is_no_page(signed_in):
    from django.urls import reverse

    for method, url in (("post", reverse("dashboard")), ("delete", reverse("dashboard")), ("post", "/")):
        response = getattr(signed_in, method)(url)
        assert response.status_code == 405, (method, url)
        page = response.content.decode()
        assert "This page cannot take that request (405)" in page and "not a page" not in page
        assert f'<a href="{url}">Open the page</a>' in page
        assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("url", ["/api/v1/docs", "/api/v1/openapi.json", "/core/sandbox/v1/docs",
                                 "/core/sandbox/v1/openapi.json"])
def test_the_api_docs_are_read_with_get_only(client, url):
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


def test_server_error_page_renders_without_a_request_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong (500)" in response.content.decode()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_too_large_form_body_is_a_readable_413(signed_in):
    body = {"name": "x" * 2000}
    page = signed_in.post("/organizations/new/", body)
    assert page.status_code == 413
    assert "The request is too large: at most 1,024 bytes (0.0 MB) can be sent." in page.content.decode()
    assert 'data-testid="error-page"' in page.content.decode()
    fragment = signed_in.post("/organizations/new/", body, headers={"HX-Request": "true"})
    assert fragment.status_code == 413
    assert fragment.content.decode().startswith('<div class="card"><div class="errorlist nonfield" role="alert">')


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_the_json_apis_keep_their_own_answer_to_a_too_large_body(client):
    response = client.post("/core/sandbox/v1/products", "x" * 2000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["Errors"][0]["Message"] == "The body is larger than 1,024 bytes."


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/api/v1/nonexistent", 404), ("put", "/api/v1/organizations/a%2Fb", 404), ("post", "/api/v1/me", 405),
    ("delete", "/core/sandbox/v1/products", 405),
])  # fmt: skip
def test_the_json_apis_answer_unknown_paths_and_methods_in_their_shape(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    [error] = response.json()["Errors"]
    assert error["ErrorCode"] == ("NotFound" if status == 404 else "MethodNotAllowed")
    assert response["X-oc-logid"]
    if status == 405:
        assert response["Allow"]  # what the path does take


def test_client_errors_are_logged_in_one_line_server_errors_with_their_traceback():
    import logging

    from portal.common.logfilters import ClientErrorsWithoutTraceback

    try:
        raise PermissionError("nope")
    except PermissionError:
        import sys

        exc_info = sys.exc_info()
    for status, kept in ((403, False), (404, False), (500, True)):
        record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "msg", (), exc_info)
        record.status_code = status
        assert ClientErrorsWithoutTraceback().filter(record) is True
        assert (record.exc_info is not None) is kept, status


def test_a_form_posted_with_a_stale_csrf_token_gets_a_readable_page():
    """e.g. the sign-in form of a second tab, submitted after signing in in the first (the token
    changed): the portal's layout and what to do, not Django's bare "CSRF verification failed"."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    response = browser.post("/accounts/login/", {"login": "ada", "password": "x", "csrfmiddlewaretoken": "stale" * 6})
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="error-page"' in page and "This form has expired" in page and "nothing was saved" in page
    assert "CSRF verification failed" not in page


def test_an_htmx_post_with_a_stale_csrf_token_gets_the_message_for_its_panel(signed_in):
    """the console's Send from a page loaded before signing in again: the response panel says what
    to do (the console swaps 4xx answers into it), not a whole page inside the panel"""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.cookies = signed_in.cookies
    response = browser.post("/console/sandbox/some-org/send/", {"op": "Products.List"},
                            headers={"HX-Request": "true", "X-CSRFToken": "stale" * 6})
    assert response.status_code == 403
    page = response.content.decode()
    assert page.startswith('<div class="card"><div class="errorlist nonfield" role="alert">This form has expired')
    assert "<html" not in page
