"""Contributor pages name a person by username in their addresses; their forms and Edit links also
carry the person's account id. A contributor renamed while an admin's page is open is still found
(under the new username), and whoever takes the old username meanwhile is never acted on. Before,
the admin got "not a contributor" for the renamed one, or changed the access of the wrong person."""

import re

from django.utils.html import escape

from accounts.services import user_profile_update
from organizations import services, views
from organizations.models import Contributor, Invitation, InvitationStatus
from organizations.tests.conftest import add_member
from organizations.tests.test_views_flows import org_path
from tests.factories import UserFactory


def rename(user, username):
    return user_profile_update(user=user, name=user.name, username=username)


def shown_page(client, org):
    """The Contributors tab as the admin had it open: its Edit links and forms, by username."""
    html = client.get(org_path("detail")).content.decode()
    edits = dict(re.findall(r'href="/organizations/sandbox/acme-sbx/contributors/([^/"]+)/\?user=(\d+)"', html))
    removes = dict(re.findall(r'contributors/([^/"]+)/remove/">.*?name="user" value="(\d+)"', html))
    return edits, removes


def test_saving_the_access_of_a_contributor_renamed_meanwhile_changes_theirs(client, team, owner, member):
    client.force_login(owner)
    edits, _ = shown_page(client, team)
    assert edits["mia"] == str(member.pk)
    rename(member, "mia-renamed")  # in another tab, while the Edit page is open
    carol = UserFactory(username="mia", name="Carol Newcomer")  # the old username, someone else's now
    add_member(team, owner, "mia", roles=["ProductReader"])

    form = client.get(org_path("contributor-edit", username="mia"), {"user": edits["mia"]}).content.decode()
    assert "Access of mia-renamed" in form
    saved = client.post(org_path("contributor-edit", username="mia"),
                        {"user": edits["mia"], "roles": ["FullAccess"]}, follow=True)
    assert "Access of mia-renamed updated." in saved.content.decode()
    assert Contributor.objects.get(organization=team, user=member).roles == ["FullAccess"]
    assert Contributor.objects.get(organization=team, user=carol).roles == ["ProductReader"]  # untouched


def test_removing_a_contributor_renamed_meanwhile_removes_them_not_who_took_the_name(client, team, owner, member):
    client.force_login(owner)
    _, removes = shown_page(client, team)
    rename(member, "mia-renamed")
    carol = UserFactory(username="mia", name="Carol Newcomer")
    add_member(team, owner, "mia", roles=["ProductReader"])

    done = client.post(org_path("contributor-remove", username="mia"), {"user": removes["mia"]}, follow=True)
    assert "mia-renamed no longer has access to Acme." in done.content.decode()
    assert not Contributor.objects.filter(organization=team, user=member).exists()
    assert Contributor.objects.filter(organization=team, user=carol).exists()


def test_a_form_for_someone_removed_meanwhile_does_nothing_to_who_took_their_name(client, team, owner, member):
    client.force_login(owner)
    edits, removes = shown_page(client, team)
    services.contributor_remove(actor=owner, organization=team, username="mia")  # another admin removed her
    rename(member, "mia-gone")
    carol = UserFactory(username="mia", name="Carol Newcomer")
    add_member(team, owner, "mia", roles=["ProductReader"])

    saved = client.post(org_path("contributor-edit", username="mia"),
                        {"user": edits["mia"], "roles": ["FullAccess"]}, follow=True)
    assert escape(views.ERR_EDIT_GONE.format(username="mia")) in saved.content.decode()
    removed = client.post(org_path("contributor-remove", username="mia"), {"user": removes["mia"]}, follow=True)
    assert escape(services.ERR_CONTRIBUTOR_NOT_FOUND) in removed.content.decode()
    assert Contributor.objects.get(organization=team, user=carol).roles == ["ProductReader"]
    assert client.get(org_path("contributor-edit", username="mia"), {"user": edits["mia"]}).status_code == 404


def test_revoking_the_invitation_of_someone_renamed_meanwhile(client, team, owner, invited):
    client.force_login(owner)
    edits, removes = shown_page(client, team)
    assert edits["ivan"] == removes["ivan"] == str(invited.pk)
    rename(invited, "ivan-renamed")
    done = client.post(org_path("contributor-remove", username="ivan"), {"user": removes["ivan"]}, follow=True)
    assert "The invitation of ivan-renamed to Acme was revoked." in done.content.decode()
    assert Invitation.objects.get(organization=team, invitee=invited).status != InvitationStatus.PENDING


def test_leaving_after_renaming_oneself_in_another_tab(client, team, member):
    client.force_login(member)
    settings_page = client.get(org_path("settings")).content.decode()
    assert f'name="user" value="{member.pk}"' in settings_page
    rename(member, "mia-renamed")
    left = client.post(org_path("contributor-remove", username="mia"), {"user": str(member.pk)}, follow=True)
    assert "You left Acme." in left.content.decode()
    assert not Contributor.objects.filter(organization=team, user=member).exists()


def test_an_address_without_the_id_still_acts_on_the_username(client, team, owner, member):
    # a typed or bookmarked address (and the Portal API) name people by username, as before
    client.force_login(owner)
    client.post(org_path("contributor-edit", username="mia"), {"roles": ["FullAccess"]})
    assert Contributor.objects.get(organization=team, user=member).roles == ["FullAccess"]
    assert client.get(org_path("contributor-edit", username="mia"), {"user": "not-a-number"}).status_code == 200
