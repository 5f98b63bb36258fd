"""The API client list and form count assigned buyers and suppliers in proper English."""


def test_counts_are_singular_for_one_and_plural_otherwise(team, owner, client):
    client.force_login(owner)
    base = f"/console/sandbox/{team.oc_id}/apiclients/"
    listing = " ".join(client.get(base).content.decode().split())
    assert "1 buyer · 0 suppliers" in listing  # Storefront: one buyer
    assert "0 buyers · 0 suppliers" in listing  # Admin app
    assert "1 buyers" not in listing
    form = " ".join(client.get(f"{base}buyer-client/").content.decode().split())
    assert "Assigned to 1 buyer and 0 suppliers." in form
