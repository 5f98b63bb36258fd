"""QA finding 8 (console): the API's refusal of a saved API client or webhook is where the keyboard is
sent (static/js/portal.js focuses `form [aria-invalid=true]`, else `form .errorlist.nonfield[role=alert]`):
an error about a field (IdExists on the ID, Data naming a field) is that field's error, and the
rest is listed inside the form, not above it."""

from console import views_admin
from console.tests.helpers import url
from coreapi import models as core_models
from tests.a11y import A11yPage

HOOK = {"ID": "dup-hook", "Name": "Hook", "Url": "https://example.com/hook", "WebhookRoutes": "POST v1/products"}


def test_an_id_that_exists_is_the_id_fields_error(team, owner, as_user):
    c = as_user(owner)
    assert c.post(url(team, "webhook-create"), HOOK).status_code == 302
    response = c.post(url(team, "webhook-create"), {**HOOK, "Name": "Hook again"})
    assert response.status_code == 200
    assert response.context["form"].errors["ID"] == ["An object with this ID already exists."]
    assert response.context["api_errors"] == []  # not repeated at the top
    page = A11yPage(response.content.decode())
    field = page.one("input", name="ID")
    assert field.attrs["aria-invalid"] == "true" and field.attrs["value"] == "dup-hook"
    assert "An object with this ID already exists." in page.description_of(field)
    assert core_models.Webhook.objects.filter(oc_id="dup-hook").count() == 1


def test_an_error_whose_data_names_a_field_is_that_fields_error(team, owner, as_user):
    form = views_admin.WebhookForm({**HOOK}, clients=[])
    assert form.is_valid()
    rest = views_admin._form_api_errors(form, 400, {"Errors": [
        {"ErrorCode": "InvalidRequest", "Message": "Not a reachable address.", "Data": {"Url": "https://example.com/hook"}},
        {"ErrorCode": "InsufficientRoles", "Message": "No.", "Data": {"SufficientRoles": ["WebhookAdmin"]}},
    ]})
    assert form.errors["Url"] == ["Not a reachable address."]
    assert len(rest) == 1 and rest[0].startswith("InsufficientRoles: No. It needs one of: WebhookAdmin.")


def test_a_refusal_naming_no_field_is_listed_inside_the_form(team, member, as_user):
    c = as_user(member)  # ProductReader: the API refuses to create either
    cases = [("apiclient-create", "api-client-form", {"AppName": "x", "Active": "on", "AccessTokenDuration": "600"}),
             ("webhook-create", "webhook-form", {**HOOK, "ID": ""})]
    for name, form_id, data in cases:
        page = A11yPage(c.post(url(team, name), data).content.decode())
        [errors] = page.find_all("ul", **{"data-testid": "api-errors"})
        assert "InsufficientRoles" in errors.text
        assert errors.attrs["class"] == "errorlist nonfield" and errors.attrs["role"] == "alert"
        assert any(a.attrs.get("data-testid") == form_id for a in errors.ancestors()), name


def test_a_page_that_could_not_load_still_shows_why(team, member, as_user):
    response = as_user(member).get(url(team, "apiclient-edit", client_id="buyer-client"))
    page = A11yPage(response.content.decode())
    assert response.status_code == 403 and "InsufficientRoles" in page.one("ul", **{"data-testid": "api-errors"}).text
