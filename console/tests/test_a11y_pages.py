"""The console pages' outline and forms as a screen reader gets them: one h1, headings that go
down one level at a time, and every aria-describedby (help texts of the API client and webhook
forms) pointing at text on the page."""

import pytest

from console.tests.helpers import url
from coreapi import models as core_models
from tests.a11y import A11yPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def webhook(team):
    mp = core_models.Marketplace.objects.get(environment=team.environment.lower(), marketplace_id=team.oc_id)
    return core_models.Webhook.objects.create(marketplace=mp, oc_id="hook-1", name="Orders hook", url="https://example.com/hook")


PAGES = [
    ("requests", "console", {}),
    ("api clients", "apiclients", {}),
    ("new api client", "apiclient-create", {}),
    ("edit api client", "apiclient-edit", {"client_id": "admin-client"}),
    ("webhooks", "webhooks", {}),
    ("new webhook", "webhook-create", {}),
    ("edit webhook", "webhook-edit", {"webhook_id": "hook-1"}),
]


@pytest.mark.parametrize(("what", "name", "kwargs"), PAGES, ids=[p[0] for p in PAGES])
def test_console_pages_have_one_h1_and_an_ordered_outline(owner_client, team, webhook, what, name, kwargs):
    response = owner_client.get(url(team, name, **kwargs))
    assert response.status_code == 200
    page = A11yPage(response.content.decode())
    assert page.heading_problems() == [], page.headings()
    assert page.one("h1").text == f"API console · {team.name}"
    assert page.describedby_problems() == []
    assert page.label_problems() == []


def test_the_webhook_and_api_client_forms_link_their_help_texts(owner_client, team, webhook):
    hook = A11yPage(owner_client.get(url(team, "webhook-create")).content.decode())
    assert "One per line" in hook.description_of(hook.one("textarea", name="WebhookRoutes"))
    assert "Leave empty to generate one" in hook.description_of(hook.one("input", name="ID"))
    client = A11yPage(owner_client.get(url(team, "apiclient-create")).content.decode())
    assert "Leave empty for none: the OAuth grants of this client then need no secret" in client.description_of(client.one("input", name="ClientSecret"))
    assert "Comma-separated" in client.description_of(client.one("input", name="MinimumRequiredRoles"))


def test_a_refused_api_client_form_describes_its_fields_by_their_errors(owner_client, team):
    response = owner_client.post(url(team, "apiclient-create"), {"AppName": "", "AccessTokenDuration": "x"})
    page = A11yPage(response.content.decode())
    assert page.describedby_problems() == []
    assert page.heading_problems() == []


def test_the_secret_form_of_an_api_client_links_its_help_text(owner_client, team):
    page = A11yPage(owner_client.get(url(team, "apiclient-edit", client_id="admin-client")).content.decode())
    expiration = [e for e in page.find_all() if e.attrs.get("name") == "Expiration"]
    assert expiration and "Optional" in page.description_of(expiration[0])
