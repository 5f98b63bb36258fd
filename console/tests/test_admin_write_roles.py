"""QA finding 12: the API client and webhook screens offer New, Edit and Delete only to a context whose
token has the role that writes them (ApiClientAdmin, WebhookAdmin; FullAccess implies both), and
otherwise say which role is needed, instead of letting the user fill in a form the API refuses."""

import pytest

from console import views_admin
from console.tests.helpers import url
from organizations import services as org_services
from tests.a11y import A11yPage

HOOK = {"ID": "hook-1", "Name": "Hook", "Url": "https://example.com/hook", "WebhookRoutes": "POST v1/products"}
NEEDS_CLIENT_ADMIN = views_admin.MSG_WRITE_ROLE.format(things="API clients", role="ApiClientAdmin")
NEEDS_WEBHOOK_ADMIN = views_admin.MSG_WRITE_ROLE.format(things="webhooks", role="WebhookAdmin")


def page_of(c, address) -> A11yPage:
    return A11yPage(c.get(address).content.decode())


def actions(page: A11yPage) -> list[str]:
    return [e.text for e in page.main.find_all() if e.tag in ("a", "button") and
            e.text.split(" ")[0] in ("New", "Edit", "View", "Delete")]


def notice(page: A11yPage) -> str:
    found = page.find_all("p", **{"data-testid": "write-role-notice"})
    return found[0].text if found else ""


@pytest.fixture
def with_roles(team, owner, member, as_user):
    """The member (mia) signed in, with these roles only."""
    def make(*roles):
        org_services.contributor_save(actor=owner, organization=team, username=member.username, roles=list(roles),
                                      is_admin=False)
        return as_user(member)
    return make


def test_a_context_without_the_roles_is_offered_no_new_and_told_which_role_is_needed(team, member, as_user):
    c = as_user(member)  # ProductReader, MeAdmin, Shopper: the API lists neither
    for name, needed, new in (("apiclients", NEEDS_CLIENT_ADMIN, "New API client"),
                              ("webhooks", NEEDS_WEBHOOK_ADMIN, "New webhook")):
        page = page_of(c, url(team, name))
        assert "InsufficientRoles" in page.one("ul", **{"data-testid": "api-errors"}).text  # why nothing is listed
        assert new not in actions(page) and actions(page) == [], name
        assert notice(page).startswith(needed) and views_admin.MSG_ASK_ADMIN in notice(page)
    for name, needed in (("apiclient-create", NEEDS_CLIENT_ADMIN), ("webhook-create", NEEDS_WEBHOOK_ADMIN)):
        assert notice(page_of(c, url(team, name))).startswith(needed), name


def test_a_reader_can_open_each_but_is_offered_no_new_or_delete(team, with_roles):
    c = with_roles("ApiClientReader", "WebhookReader")
    clients = page_of(c, url(team, "apiclients"))
    assert actions(clients) == ["View API client Admin app", "View API client Storefront"]
    assert notice(clients).startswith(NEEDS_CLIENT_ADMIN)
    assert notice(page_of(c, url(team, "apiclient-edit", client_id="admin-client"))).startswith(NEEDS_CLIENT_ADMIN)


def test_a_webhook_admin_is_offered_the_webhook_actions_only(team, owner, as_user, with_roles):
    as_user(owner).post(url(team, "webhook-create"), HOOK)
    c = with_roles("WebhookAdmin")
    hooks = page_of(c, url(team, "webhooks"))
    assert actions(hooks) == ["New webhook", "Edit webhook Hook", "Delete webhook Hook"] and not notice(hooks)
    assert not notice(page_of(c, url(team, "webhook-create")))
    clients = page_of(c, url(team, "apiclients"))
    assert actions(clients) == [] and notice(clients).startswith(NEEDS_CLIENT_ADMIN)


def test_full_access_is_offered_everything_without_a_notice(team, owner, as_user):
    c = as_user(owner)
    clients = page_of(c, url(team, "apiclients"))
    assert actions(clients) == ["New API client", "Edit API client Admin app", "Delete API client Admin app",
                                "Edit API client Storefront", "Delete API client Storefront"]
    for name in ("apiclients", "webhooks", "apiclient-create", "webhook-create"):
        assert not notice(page_of(c, url(team, name))), name
