"""The invite form invites the person picked in its search box, by account id (user_autocomplete.html
sends it with their username as username_id). Before, it invited whoever held the username shown
when Send invitation was clicked: the picked person renamed meanwhile and someone else took their old
username, that someone was invited. A username typed without picking (no JavaScript) works as before."""

import re

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from accounts.services import user_profile_update
from organizations import services, views
from organizations.models import Invitation, InvitationStatus
from organizations.tests.test_views_flows import org_path
from tests.factories import UserFactory


def rename(user, username):
    return user_profile_update(user=user, name=user.name, username=username)


def pending(org):
    return {i.invitee.username for i in Invitation.objects.filter(organization=org, status=InvitationStatus.PENDING)}


def test_the_picked_person_is_invited_though_renamed_and_their_old_username_taken(client, org, owner):
    bob = UserFactory(username="bobby", name="Robert Builder")
    carol = UserFactory(username="carol", name="Carol Newcomer")
    client.force_login(owner)
    rename(bob, "bob9")
    rename(carol, "bobby")
    done = client.post(org_path("contributor-save"), {"username": "bobby", "username_id": str(bob.pk),
                                                      "roles": ["ProductReader"]}, follow=True)
    page = done.content.decode()
    assert escape(views.MSG_INVITED_RENAMED.format(username="bob9", shown="bobby")) in page
    assert pending(org) == {"bob9"}
    assert not Invitation.objects.filter(organization=org, invitee=carol).exists()


def test_a_refused_invite_comes_back_with_the_picked_person_under_their_username_now(client, org, owner):
    bob = UserFactory(username="bobby", name="Robert Builder")
    client.force_login(owner)
    rename(bob, "bob9")
    UserFactory(username="bobby", name="Carol Newcomer")
    refused = client.post(org_path("contributor-save"), {"username": "bobby", "username_id": str(bob.pk),
                                                         "roles": ["NoSuchRole"]})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'name="username" value="bob9"' in page
    assert f'name="username_id" value="{bob.pk}"' in page


def test_a_picked_person_whose_account_is_gone_is_not_replaced_by_who_took_the_name(client, org, owner):
    bob = UserFactory(username="bobby", name="Robert Builder")
    client.force_login(owner)
    rename(bob, "bob9")
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    UserFactory(username="bobby", name="Carol Newcomer")
    refused = client.post(org_path("contributor-save"), {"username": "bobby", "username_id": str(bob.pk),
                                                         "roles": ["ProductReader"]})
    assert refused.status_code == 400
    assert escape(services.ERR_PICKED_USER_GONE) in refused.content.decode()
    assert pending(org) == set()


def test_a_typed_username_without_an_id_still_invites_by_username(client, org, owner):
    UserFactory(username="bobby", name="Robert Builder")
    client.force_login(owner)
    done = client.post(org_path("contributor-save"), {"username": "", "q": "bobby", "roles": ["ProductReader"]},
                       follow=True)
    assert "Invitation sent to bobby." in done.content.decode()
    done = client.post(org_path("contributor-save"), {"username": "ivan-x", "username_id": "", "roles": []})
    assert done.status_code == 400  # no such user, as before


def test_the_suggestions_carry_the_account_id_and_the_widget_submits_it(client, owner):
    bob = UserFactory(username="bobby", name="Robert Builder")
    client.force_login(owner)
    results = client.get(reverse("accounts:user-autocomplete"), {"q": "Robert"}, HTTP_HX_REQUEST="true").content.decode()
    assert re.search(rf'data-username="bobby" data-user-id="{bob.pk}"', results)
    request = RequestFactory().get("/")
    widget = render_to_string("accounts/includes/user_autocomplete.html",
                              {"field": "username", "value": "bobby", "value_id": bob.pk}, request=request)
    assert f'name="username_id" value="{bob.pk}"' in widget
    empty = render_to_string("accounts/includes/user_autocomplete.html", {"field": "username"}, request=request)
    assert 'name="username_id" value=""' in empty
