"""QA findings 5 and 10 on the API client, webhook and secret lists: each row's Edit and Delete name
their row for a screen reader; a Delete's message names the object as the list showed it (not its
GUID); and a Delete posted twice (a double click, a retry) says it was already deleted, not the red
"NotFound: ApiClient ... not found"."""

from console.tests.helpers import form_as_sent, url
from coreapi import models as core_models
from tests.a11y import A11yPage

HOOK = {"ID": "hook-1", "Name": "Dbl Hook", "Url": "https://example.com/hook", "WebhookRoutes": "POST v1/products"}


def row(c, address, **attrs):
    return A11yPage(c.get(address).content.decode()).one("tr", **attrs)


def delete_twice(c, form):
    """Post the row's Delete form as the browser sends it, twice: the messages of each answer."""
    action, sent = form.attrs["action"], form_as_sent(form)
    return [[(m.level_tag, str(m)) for m in c.post(action, sent, follow=True).context["messages"]] for _ in range(2)]


def button_names(element) -> list[str]:
    """The accessible names of the row's links and buttons (their text, visually hidden part included)."""
    return [e.text for e in element.find_all() if e.tag in ("a", "button")]


def test_api_client_rows_name_their_client_and_a_second_delete_says_it_was_already_deleted(team, owner, as_user):
    c = as_user(owner)
    client_row = row(c, url(team, "apiclients"), **{"data-client": "admin-client"})
    assert button_names(client_row)[-2:] == ["Edit API client Admin app", "Delete API client Admin app"]
    hidden = [e for e in client_row.find_all("span") if e.attrs.get("class") == "visually-hidden"]
    assert len(hidden) == 2
    first, second = delete_twice(c, client_row.one("form"))
    assert first == [("success", "API client “Admin app” deleted.")]
    assert second == [("success", "API client “Admin app” was already deleted.")]
    assert not core_models.ApiClient.objects.filter(oc_id="admin-client").exists()


def test_a_nameless_api_client_is_named_by_its_id(team, owner, as_user):
    mp = core_models.Marketplace.objects.get(marketplace_id=team.oc_id, environment="sandbox")
    core_models.ApiClient.objects.create(marketplace=mp, oc_id="no-name", app_name="")
    c = as_user(owner)
    client_row = row(c, url(team, "apiclients"), **{"data-client": "no-name"})
    assert button_names(client_row)[-2:] == ["Edit API client no-name", "Delete API client no-name"]
    first, _ = delete_twice(c, client_row.one("form"))
    assert first == [("success", "API client no-name deleted.")]


def test_webhook_rows_name_their_webhook_and_a_second_delete_says_it_was_already_deleted(team, owner, as_user):
    c = as_user(owner)
    assert c.post(url(team, "webhook-create"), HOOK).status_code == 302
    hook_row = row(c, url(team, "webhooks"), **{"data-webhook": "hook-1"})
    assert button_names(hook_row)[-2:] == ["Edit webhook Dbl Hook", "Delete webhook Dbl Hook"]
    first, second = delete_twice(c, hook_row.one("form"))
    assert first == [("success", "Webhook “Dbl Hook” deleted.")]
    assert second == [("success", "Webhook “Dbl Hook” was already deleted.")]


def test_secret_rows_name_their_secret_and_a_second_delete_says_it_was_already_deleted(team, owner, as_user):
    c = as_user(owner)
    c.post(url(team, "apiclient-secret-create", client_id="admin-client"), {"Name": "rot-1"})
    secret = core_models.ApiClientSecret.objects.get(name="rot-1")
    secret_row = row(c, url(team, "apiclient-edit", client_id="admin-client"), **{"data-secret": secret.oc_id})
    assert button_names(secret_row) == ["Delete secret rot-1"]
    first, second = delete_twice(c, secret_row.one("form"))
    assert first == [("success", "Secret “rot-1” deleted: token requests with it are refused from now on.")]
    assert second == [("success", "Secret “rot-1” was already deleted.")]


def test_a_delete_the_api_refuses_is_still_its_error(team, owner, member, as_user):
    c = as_user(owner)
    c.post(url(team, "webhook-create"), HOOK)
    form = row(c, url(team, "webhooks"), **{"data-webhook": "hook-1"}).one("form")
    answer = as_user(member).post(form.attrs["action"], form_as_sent(form), follow=True)
    [(level, text)] = [(m.level_tag, str(m)) for m in answer.context["messages"]]
    assert level == "error" and text.startswith("InsufficientRoles")
    assert core_models.Webhook.objects.filter(oc_id="hook-1").exists()
