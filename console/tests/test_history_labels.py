"""The history's "As" column names an impersonated call's API client as the context bar does."""

from console import selectors, services
from console.services import Context


def _record(user, org, context):
    services.console_history_record(
        user=user, organization=org, context=context, operation_id="Me.Get", method="GET",
        path="/v1/me", query=[], body="", state={}, response=None,
    )


def test_history_names_the_api_client_by_its_app_name(team, member, client):
    _record(member, team, Context(client_id="buyer-client", username="shopper"))
    _record(member, team, services.SELF)
    labels = [entry.context_label for entry in selectors.history_list(user=member, organization=team)]
    assert labels == ["you", "shopper via Storefront"]

    client.force_login(member)
    page = client.get(f"/console/sandbox/{team.oc_id}/history/").content.decode()
    assert "shopper via Storefront" in page
    assert "via buyer-client" not in page


def test_a_client_without_app_name_or_deleted_keeps_its_id(team, member):
    _record(member, team, Context(client_id="gone-client", username="shopper"))
    [entry] = selectors.history_list(user=member, organization=team)
    assert entry.context_label == "shopper via gone-client"
