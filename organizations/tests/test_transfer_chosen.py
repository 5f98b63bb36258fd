"""Settings > Transfer ownership hands the organization to the person the owner chose, not to whoever
holds the username shown when the code is entered. The form carries each offered contributor's account
id; before, a contributor renamed meanwhile was refused ("Ownership can only be transferred to a
contributor who has accepted their invitation.") and someone who took their old username became the
owner. The Portal API's transfer keeps taking a username (test_api_organizations)."""

import re

from django.core import mail
from django.utils.html import escape

from accounts.services import user_profile_update
from organizations import services
from organizations.models import Contributor, Organization
from organizations.tests.test_views_flows import org_path


def rename(user, username):
    return user_profile_update(user=user, name=user.name, username=username)


def shown_transfer_form(client) -> dict:
    """What the Transfer ownership form of the Settings page, as it is now, would send (less the code)."""
    page = client.get(org_path("settings")).content.decode()
    form = re.search(r'<form[^>]*action="[^"]*/transfer/"[^>]*>(.*?)</form>', page, re.DOTALL).group(1)
    return {"candidate": re.findall(r'name="candidate" value="([^"]*)"', form)}


def send_code(client, data) -> str:
    client.post(org_path("code-send", action="transfer"), data)
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def test_the_chosen_contributor_gets_it_though_they_were_renamed_and_their_old_username_was_taken(
    client, team, owner, member, admin_user
):
    client.force_login(owner)
    shown = shown_transfer_form(client)
    assert f"{member.pk}:mia" in shown["candidate"]
    code = send_code(client, {**shown, "new_owner": "mia"})
    rename(member, "mia2")  # meanwhile, while the page is open
    rename(admin_user, "mia")  # another contributor takes the old username
    done = client.post(org_path("transfer"), {**shown, "new_owner": "mia", "code": code}, follow=True)
    assert "Acme now belongs to mia2." in done.content.decode()
    team.refresh_from_db()
    assert team.owner == member
    assert Contributor.objects.filter(organization=team, user=admin_user).exists()  # not the owner


def test_a_rename_alone_does_not_refuse_the_transfer(client, team, owner, member):
    client.force_login(owner)
    shown = shown_transfer_form(client)
    code = send_code(client, {**shown, "new_owner": "mia"})
    rename(member, "mia-renamed")
    done = client.post(org_path("transfer"), {**shown, "new_owner": "mia", "code": code}, follow=True)
    page = done.content.decode()
    assert escape(services.ERR_TRANSFER_NOT_CONTRIBUTOR) not in page
    assert "Acme now belongs to mia-renamed." in page
    assert Organization.objects.get(pk=team.pk).owner == member


def test_the_chosen_one_removed_meanwhile_is_named_and_who_took_their_username_is_not_chosen(
    client, team, owner, member, admin_user
):
    client.force_login(owner)
    shown = shown_transfer_form(client)
    code = send_code(client, {**shown, "new_owner": "mia"})
    services.contributor_remove(actor=member, organization=team, username="mia")  # she left
    rename(member, "mia-left")
    rename(admin_user, "mia")
    refused = client.post(org_path("transfer"), {**shown, "new_owner": "mia", "code": code})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert escape(services.ERR_TRANSFER_CHOSEN_GONE.format(username="mia-left")) in page
    assert Organization.objects.get(pk=team.pk).owner == owner
    # the list does not show the one who took the username as chosen (the code is kept, one click away)
    select = re.search(r'<select name="new_owner"[^>]*>(.*?)</select>', page, re.DOTALL).group(1)
    assert select.lstrip().startswith('<option value="" selected>Choose the new owner</option>')
    assert select.count("selected") == 1
    # the code was not used up: choosing again (as shown now) works
    again = shown_transfer_form(client)
    done = client.post(org_path("transfer"), {**again, "new_owner": "mia", "code": code})
    assert done.status_code == 302
    assert Organization.objects.get(pk=team.pk).owner == admin_user


def test_the_page_after_email_me_a_code_keeps_the_chosen_person_selected_under_their_new_username(
    client, team, owner, member, admin_user
):
    client.force_login(owner)
    shown = shown_transfer_form(client)
    send_code(client, {**shown, "new_owner": "mia"})
    rename(member, "mia2")
    rename(admin_user, "mia")
    page = client.get(org_path("settings")).content.decode()
    select = re.search(r'<select name="new_owner"[^>]*>(.*?)</select>', page, re.DOTALL).group(1)
    assert re.findall(r'<option value="([^"]*)" selected', select) == ["mia2"]


def test_a_form_without_ids_still_transfers_by_username(client, team, owner, member):
    client.force_login(owner)
    code = send_code(client, {"new_owner": "mia"})
    assert client.post(org_path("transfer"), {"new_owner": "mia", "code": code}).status_code == 302
    assert Organization.objects.get(pk=team.pk).owner == member


def test_the_service_by_id_names_a_chosen_person_who_is_no_longer_a_contributor(team, owner, outsider):
    try:
        services.organization_transfer_check(actor=owner, organization=team, new_owner_id=outsider.pk)
    except services.OrganizationError as exc:
        assert exc.message == services.ERR_TRANSFER_CHOSEN_GONE.format(username="oscar")
    else:
        raise AssertionError("a non-contributor was accepted")
