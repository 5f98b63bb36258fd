"""Accept on My invitations accepts the offer the invitee saw. An admin changing the pending
invitation's access after the page was opened (more, or less) made Accept join with the new access
without a word; now the page comes back saying the offer changed and what it is now, and nothing is
accepted until they accept (or decline) it as it is. The Portal API's accept is unchanged."""

import re

from django.urls import reverse
from django.utils.html import escape

from organizations import services
from organizations.models import Contributor, Invitation, InvitationStatus


def shown_offer(client, org) -> str:
    page = client.get(reverse("organizations:invitations")).content.decode()
    card = page.split(f'data-org="{org.oc_id}"', 1)[1]
    return re.search(r'name="offer" value="([^"]+)"', card).group(1)


def accept(client, invitation, offer):
    return client.post(reverse("organizations:invitation-accept", kwargs={"pk": invitation.pk}), {"offer": offer},
                       follow=True)


def test_accepting_an_offer_changed_meanwhile_shows_it_again_instead(client, team, owner, invited):
    client.force_login(invited)
    offer = shown_offer(client, team)  # ProductReader, no admin
    services.contributor_save(actor=owner, organization=team, username="ivan", roles=["FullAccess"], is_admin=True,
                              impersonate_buyer=True)
    done = accept(client, Invitation.objects.get(organization=team, invitee=invited), offer)
    assert done.redirect_chain[-1][0] == reverse("organizations:invitations")
    page = done.content.decode()
    assert escape(services.ERR_INVITE_CHANGED.format(
        organization="Acme", access="Organization Admin; roles FullAccess; may impersonate buyer users")) in page
    assert not Contributor.objects.filter(organization=team, user=invited).exists()
    assert Invitation.objects.get(organization=team, invitee=invited).status == InvitationStatus.PENDING
    # accepted as it is now (the page carries the new offer)
    again = accept(client, Invitation.objects.get(organization=team, invitee=invited), shown_offer(client, team))
    assert "You joined Acme." in again.content.decode()
    joined = Contributor.objects.get(organization=team, user=invited)
    assert joined.is_admin and joined.roles == ["FullAccess"]


def test_less_access_meanwhile_is_also_said_before_joining(client, team, owner, invited):
    client.force_login(invited)
    offer = shown_offer(client, team)
    services.contributor_save(actor=owner, organization=team, username="ivan", roles=[], is_admin=False)
    done = accept(client, Invitation.objects.get(organization=team, invitee=invited), offer)
    assert escape(services.ERR_INVITE_CHANGED.format(organization="Acme", access="no data roles")) in (
        done.content.decode())
    assert not Contributor.objects.filter(organization=team, user=invited).exists()


def test_the_same_offer_sent_again_is_accepted(client, team, owner, invited):
    client.force_login(invited)
    offer = shown_offer(client, team)
    invitation = Invitation.objects.get(organization=team, invitee=invited)
    services.contributor_save(actor=owner, organization=team, username="ivan", roles=["ProductReader"],
                              is_admin=False)  # its Edit saved unchanged: the 14 days restart
    assert "You joined Acme." in accept(client, invitation, offer).content.decode()


def test_decline_needs_no_check(client, team, owner, invited):
    client.force_login(invited)
    shown_offer(client, team)
    services.contributor_save(actor=owner, organization=team, username="ivan", roles=["FullAccess"], is_admin=True)
    invitation = Invitation.objects.get(organization=team, invitee=invited)
    done = client.post(reverse("organizations:invitation-decline", kwargs={"pk": invitation.pk}), follow=True)
    assert "You declined the invitation to Acme." in done.content.decode()


def test_the_service_without_an_offer_accepts_what_it_offers_now(team, owner, invited):
    services.contributor_save(actor=owner, organization=team, username="ivan", roles=["FullAccess"], is_admin=True)
    assert services.invitation_accept(actor=invited, organization=team).roles == ["FullAccess"]
