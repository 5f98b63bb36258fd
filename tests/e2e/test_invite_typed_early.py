"""A name typed into the invite box before the page's scripts were ready (a slow phone, a loaded
machine: the first instant after the page appears) is searched for once they are; it sent no search
and showed no suggestions until the next keystroke (accounts/static/accounts/user_autocomplete.js)."""

import re

import pytest
from playwright.sync_api import expect

from organizations.services import organization_create
from tests.e2e.test_organizations import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The page is parsed, its deferred scripts (htmx among them) not run yet: what was typed by then.
TYPED_BEFORE_SCRIPTS = """
document.addEventListener("readystatechange", function () {
  if (document.readyState !== "interactive") return;
  var box = document.querySelector("[data-user-autocomplete] input[type=search]");
  if (box) box.value = "Petr";
});
"""


def test_a_name_typed_before_the_scripts_ran_is_searched_for(page, live_server):
    olivia = UserFactory(username="olivia", email="olivia@example.com")
    UserFactory(username="ivan", name="Ivan Petrov", email="ivan@example.com")
    organization_create(actor=olivia, oc_id="acme-shop", name="Acme shop")
    sign_in(page, live_server.url, "olivia")
    page.add_init_script(TYPED_BEFORE_SCRIPTS)
    page.goto(f"{live_server.url}/organizations/sandbox/acme-shop/")
    expect(page.get_by_role("combobox", name="Invite a user")).to_have_value("Petr")
    expect(page.get_by_role("option", name=re.compile("ivan"))).to_be_visible()  # no keystroke after
