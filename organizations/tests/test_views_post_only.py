"""Action addresses (POST-only) opened with GET go back to the page that hosts their form.

A form that re-renders with errors leaves its action address in the address bar (e.g. a wrong code
on Settings > Delete); reloading it, or opening a copied link, must show that page again rather
than a blank 405."""

import pytest
from django.urls import reverse

from organizations.tests.test_views_flows import org_path


@pytest.mark.parametrize(("action", "host"), [
    (org_path("transfer"), org_path("settings") + "#transfer"),
    (org_path("delete"), org_path("settings") + "#delete"),
    (org_path("code-send", action="delete"), org_path("settings") + "#delete"),
    (org_path("code-send", action="transfer"), org_path("settings") + "#transfer"),
    (org_path("contributor-remove", username="mia"), org_path("detail")),
    (org_path("staging-create"), org_path("detail")),
])
def test_an_organization_action_opened_with_get_goes_to_its_page(client, team, owner, action, host):
    client.force_login(owner)
    response = client.get(action)
    assert response.status_code == 302 and response["Location"] == host
    assert client.get(host.partition("#")[0]).status_code == 200


def test_reloading_the_address_of_a_failed_delete_shows_settings_again(client, team, owner):
    client.force_login(owner)
    client.post(org_path("code-send", action="delete"))
    wrong = client.post(org_path("delete"), {"code": "000000"})
    assert wrong.status_code == 400
    reloaded = client.get(org_path("delete"), follow=True)  # the address bar still shows /delete/
    assert reloaded.status_code == 200
    assert reloaded.redirect_chain == [(org_path("settings") + "#delete", 302)]
    assert 'id="delete"' in reloaded.content.decode()


def test_invitation_and_restore_actions_opened_with_get_go_to_their_lists(client, team, invited, owner):
    client.force_login(invited)
    inv = team.invitations.get(invitee=invited)
    for name in ("invitation-accept", "invitation-decline"):
        response = client.get(reverse(f"organizations:{name}", kwargs={"pk": inv.pk}))
        assert response["Location"] == reverse("organizations:invitations")
    team.invitations.get(invitee=invited).refresh_from_db()
    assert team.invitations.get(invitee=invited).status == "pending"  # a GET changes nothing
    client.force_login(owner)
    response = client.get(reverse("organizations:restore", kwargs={"pk": team.pk}))
    assert response.status_code == 302 and response["Location"] == reverse("organizations:deleted")


def test_the_restore_webhook_address_opened_with_get_goes_to_the_webhook_card(client, staging_org, owner):
    client.force_login(owner)
    response = client.get(org_path("restore-webhook", oc_id="acme", env="staging"))
    assert response["Location"] == org_path("staging-restore", oc_id="acme", env="staging") + "#webhook"


def test_an_outsider_still_gets_404_and_other_methods_still_405(client, team, owner, outsider):
    client.force_login(outsider)
    assert client.get(org_path("delete")).status_code == 404  # does not reveal the organization
    client.force_login(owner)
    put = client.put(org_path("delete"))
    assert put.status_code == 405 and put["Allow"] == "POST"


@pytest.mark.parametrize("page", [
    reverse("organizations:list"), reverse("organizations:invitations"), reverse("organizations:deleted"),
    org_path("detail"), org_path("activity"),
    reverse("console:apiclients", kwargs={"env": "sandbox", "oc_id": "acme-sbx"}),
    reverse("console:webhooks", kwargs={"env": "sandbox", "oc_id": "acme-sbx"}),
])
def test_a_page_sent_a_put_or_post_answers_405_not_the_page(client, team, owner, page):
    client.force_login(owner)
    assert client.get(page).status_code == 200
    for method in (client.put, client.post, client.delete):
        response = method(page)
        assert response.status_code == 405 and response["Allow"] == "GET, HEAD", (page, response.status_code)
