"""Permission matrix over every HTML page: owner / admin / contributor / invited-not-accepted /
outsider / anonymous, with the exact status. Outsiders and invitees get 404 (the org's existence
does not leak); anonymous users are sent to sign in."""

import pytest
from django.urls import reverse

from organizations import services
from organizations.models import Invitation
from tests.factories import UserFactory

ACTORS = ["anonymous", "outsider", "invited", "member", "admin", "owner"]


def org_path(name, **extra):
    return reverse(f"organizations:{name}", kwargs={"env": "sandbox", "oc_id": "acme-sbx", **extra})


def reinvite_ivan(team):
    Invitation.objects.filter(invitee__username="ivan").delete()
    services.contributor_save(actor=team.owner, organization=team, username="ivan", roles=[], is_admin=False)


def uninvite_zoe(team):
    """The invite form refuses someone already invited (use Edit): each actor invites her afresh."""
    Invitation.objects.filter(invitee__username="zoe").delete()


# (label, method, path-factory, data, {actor: status}, reset-before-each-actor)
READ = {"anonymous": 302, "outsider": 404, "invited": 404, "member": 200, "admin": 200, "owner": 200}
ADMIN_READ = {**READ, "member": 403}
OWNER_POST = {"anonymous": 302, "outsider": 404, "invited": 404, "member": 403, "admin": 403}
ORG_PAGES = [
    ("detail", "get", lambda: org_path("detail"), None, READ, None),
    ("settings", "get", lambda: org_path("settings"), None, READ, None),
    ("activity", "get", lambda: org_path("activity"), None, ADMIN_READ, None),
    ("contributor edit", "get", lambda: org_path("contributor-edit", username="mia"), None, ADMIN_READ, None),
    ("pending invite edit", "get", lambda: org_path("contributor-edit", username="ivan"), None, ADMIN_READ, None),
    ("unknown contributor edit", "get", lambda: org_path("contributor-edit", username="nobody"), None,
     {**ADMIN_READ, "admin": 404, "owner": 404}, None),
    ("rename", "post", lambda: org_path("settings"), {"name": "Renamed"},
     {**ADMIN_READ, "admin": 302, "owner": 302}, None),
    ("invite", "post", lambda: org_path("contributor-save"), {"username": "zoe", "roles": ["ProductReader"]},
     {**ADMIN_READ, "admin": 302, "owner": 302}, uninvite_zoe),
    ("revoke invite", "post", lambda: org_path("contributor-remove", username="ivan"), {},
     {**ADMIN_READ, "admin": 302, "owner": 302}, reinvite_ivan),
    ("send delete code", "post", lambda: org_path("code-send", action="delete"), {}, {**OWNER_POST, "owner": 302}, None),
    ("delete without code", "post", lambda: org_path("delete"), {"code": ""}, {**OWNER_POST, "owner": 400}, None),
    ("transfer without code", "post", lambda: org_path("transfer"), {"new_owner": "mia", "code": ""},
     {**OWNER_POST, "owner": 400}, None),
    ("staging twin of a sandbox", "post", lambda: org_path("staging-create"), {}, {**OWNER_POST, "owner": 302}, None),
]


@pytest.fixture
def actors(team, owner, admin_user, member, invited, outsider):
    UserFactory(username="zoe")
    return {"anonymous": None, "outsider": outsider, "invited": invited, "member": member, "admin": admin_user,
            "owner": owner}


@pytest.mark.parametrize(("label", "method", "path", "data", "expected", "reset"), ORG_PAGES, ids=[p[0] for p in ORG_PAGES])
def test_organization_pages(client, team, actors, label, method, path, data, expected, reset):
    for actor in ACTORS:
        if reset:
            reset(team)
        client.logout()
        if actors[actor] is not None:
            client.force_login(actors[actor])
        response = getattr(client, method)(path(), data) if method == "post" else client.get(path())
        assert response.status_code == expected[actor], f"{label} as {actor}: {response.status_code}"
        if actor == "anonymous":
            assert response["Location"].startswith(reverse("account_login"))
        if response.status_code == 403:  # the portal's page with the reason, not Django's bare one
            page = response.content.decode()
            assert 'data-testid="error-page"' in page and "<p>Only " in page, f"{label} as {actor}"


GLOBAL_PAGES = ["list", "create", "invitations", "deleted", "production"]


@pytest.mark.parametrize("name", GLOBAL_PAGES)
def test_personal_pages_need_sign_in_only(client, team, actors, name):
    path = reverse(f"organizations:{name}")
    assert client.get(path).status_code == 302
    for actor in ("outsider", "invited", "member", "owner"):
        client.force_login(actors[actor])
        assert client.get(path).status_code == 200


def test_staff_review_page_is_404_for_everyone_else(client, team, actors):
    path = reverse("organizations:production-review")
    assert client.get(path)["Location"].startswith(reverse("account_login"))
    for actor in ("outsider", "member", "owner"):
        client.force_login(actors[actor])
        assert client.get(path).status_code == 404
        assert client.post(reverse("organizations:production-decide", kwargs={"pk": 1}), {}).status_code == 404
    client.force_login(UserFactory(username="stella", is_staff=True))
    assert client.get(path).status_code == 200


def test_invitation_accept_of_someone_else_is_404(client, team, actors):
    invitation = Invitation.objects.get(invitee__username="ivan")
    for actor in ("outsider", "member", "owner"):
        client.force_login(actors[actor])
        url = reverse("organizations:invitation-accept", kwargs={"pk": invitation.pk})
        assert client.post(url).status_code == 404


def test_restore_of_someone_elses_deleted_org_is_404(client, team, actors, owner):
    services.organization_delete(actor=owner, organization=team, confirmed=True)
    url = reverse("organizations:restore", kwargs={"pk": team.pk})
    for actor in ("outsider", "member", "admin"):
        client.force_login(actors[actor])
        assert client.post(url).status_code == 404
    client.force_login(owner)
    assert client.post(url).status_code == 302



@pytest.mark.parametrize("path", ["/organizations/bogus/acme-sbx/", "/organizations/bogus/acme-sbx/restore/",
                                  "/organizations/bogus/nothing/activity/"])
def test_an_unknown_environment_in_the_address_is_404(client, team, owner, path):
    client.force_login(owner)
    assert client.get(path).status_code == 404


def test_the_admin_site_neither_adds_nor_deletes_what_services_own(client, team):
    from tests.factories import UserFactory

    staff = UserFactory(username="sam", is_staff=True, is_superuser=True)
    client.force_login(staff)
    for model in ("organization", "contributor", "invitation", "productionrequest"):
        assert client.get(f"/admin/organizations/{model}/add/").status_code == 403, model
        assert client.get(f"/admin/organizations/{model}/").status_code == 200, model
    assert client.get(f"/admin/organizations/organization/{team.pk}/delete/").status_code == 403
    assert client.get(f"/admin/organizations/organization/{team.pk}/change/").status_code == 200


def test_the_admin_site_shows_but_does_not_change_organizations_contributors_or_invitations(client, team, member):
    """Access changes revoke the tokens minted for it and are in the Activity log, a rename renames
    the marketplace too: only the services do that, so the admin shows these rows read-only. A
    contributor's roles cut in the admin left their FullAccess console token working, unlogged."""
    from organizations.models import Contributor, Invitation
    from tests.factories import UserFactory

    staff = UserFactory(username="sam", is_staff=True, is_superuser=True)
    client.force_login(staff)
    contributor = Contributor.objects.get(organization=team, user=member)
    invitation = Invitation.objects.filter(organization=team).first()
    for model, pk, data in [
        ("organization", team.pk, {"name": "Renamed in the admin"}),
        ("contributor", contributor.pk, {"roles": "[]", "initial-roles": '["ProductReader"]'}),
        ("invitation", invitation.pk, {"roles": '["FullAccess"]', "status": invitation.status}),
    ]:
        url = f"/admin/organizations/{model}/{pk}/change/"
        page = client.get(url)
        assert page.status_code == 200, model
        assert 'name="_save"' not in page.content.decode(), model
        assert client.post(url, data).status_code == 403, model
    team.refresh_from_db()
    contributor.refresh_from_db()
    invitation.refresh_from_db()
    assert team.name != "Renamed in the admin"
    assert contributor.roles == ["ProductReader"]
    assert "FullAccess" not in invitation.roles


def test_the_admin_site_corrects_a_pending_production_request_but_not_a_decided_one(client, owner):
    from organizations import services
    from tests.factories import UserFactory

    staff = UserFactory(username="sam", is_staff=True, is_superuser=True)
    pending = services.production_request_create(actor=owner, oc_id="live", name="Live", region="usw", reason="Go")
    decided = services.production_request_create(actor=owner, oc_id="gone", name="Gone", region="usw", reason="Go")
    services.production_request_decide(actor=staff, request=decided, approve=False, message="No")
    client.force_login(staff)
    form = {"oc_id": "live-2", "name": "Live 2", "region": "usw", "reason": "Go", "decision_message": ""}
    url = f"/admin/organizations/productionrequest/{pending.pk}/change/"
    assert 'name="_save"' in client.get(url).content.decode()
    assert client.post(url, form).status_code == 302
    pending.refresh_from_db()
    assert (pending.oc_id, pending.name) == ("live-2", "Live 2")

    url = f"/admin/organizations/productionrequest/{decided.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {**form, "oc_id": "rewritten"}).status_code == 403
    decided.refresh_from_db()
    assert (decided.oc_id, decided.status) == ("gone", "rejected")
