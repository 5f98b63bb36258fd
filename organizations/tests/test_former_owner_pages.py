"""The former owner's Settings page left open (a tab from before they transferred the organization in
another one): Delete, "Email me a code" for it or for a transfer answered a bare "Not allowed (403)
Only the owner can do this." Now they land on the organization's page told who owns it and that only
they can do that. Someone who never owned it still gets 403."""

import re

from django.core import mail
from django.utils.html import escape

from organizations import services, views
from organizations.models import Organization
from organizations.tests.test_views_flows import org_path


def transfer_to(team, owner, username):
    services.organization_transfer(actor=owner, organization=team, new_owner_username=username, confirmed=True)


def test_delete_from_a_page_left_open_before_the_transfer_says_who_owns_it_now(client, team, owner):
    client.force_login(owner)
    client.post(org_path("code-send", action="delete"))
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    transfer_to(team, owner, "mia")  # in tab B
    done = client.post(org_path("delete"), {"code": code}, follow=True)
    assert done.status_code == 200 and done.redirect_chain[-1][0] == org_path("detail")
    assert escape(views.MSG_NO_LONGER_OWNER.format(name="Acme", owner="mia", action="delete")) in done.content.decode()
    assert Organization.objects.get(pk=team.pk).deleted_at is None


def test_email_me_a_code_from_a_page_left_open_says_who_owns_it_now(client, team, owner):
    client.force_login(owner)
    transfer_to(team, owner, "mia")
    sent = len(mail.outbox)
    for action in ("delete", "transfer"):
        done = client.post(org_path("code-send", action=action), {"new_owner": "adam"}, follow=True)
        assert done.status_code == 200 and done.redirect_chain[-1][0] == org_path("detail")
        page = done.content.decode()
        assert escape(views.MSG_NO_LONGER_OWNER.format(name="Acme", owner="mia", action=action)) in page
    assert len(mail.outbox) == sent  # no code sent


def test_it_names_the_owner_by_their_current_username(client, team, owner, member):
    from accounts.services import user_profile_update

    client.force_login(owner)
    transfer_to(team, owner, "mia")
    user_profile_update(user=member, name=member.name, username="mia-renamed")
    done = client.post(org_path("delete"), {"code": "123456"}, follow=True)
    assert "now belongs to mia-renamed" in done.content.decode()


def test_someone_who_never_owned_it_still_gets_403(client, team, owner, admin_user):
    transfer_to(team, owner, "mia")
    client.force_login(admin_user)
    assert client.post(org_path("delete"), {"code": "123456"}).status_code == 403
    assert client.post(org_path("code-send", action="delete")).status_code == 403
    assert client.post(org_path("code-send", action="transfer"), {"new_owner": "adam"}).status_code == 403
