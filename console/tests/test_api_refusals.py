"""A contributor whose roles don't allow an API client / webhook screen is told which role would."""


def test_a_refusal_names_the_roles_that_would_do_and_who_grants_them(team, member, client):
    client.force_login(member)  # ProductReader, MeAdmin, Shopper
    for screen, roles in (("apiclients", "ApiClientReader"), ("webhooks", "WebhookReader")):
        text = " ".join(client.get(f"/console/sandbox/{team.oc_id}/{screen}/").content.decode().split())
        assert "InsufficientRoles: " in text
        assert "It needs one of: " in text and roles in text
        assert "An Organization Admin can give you that role under the organization&#x27;s Contributors." in text
