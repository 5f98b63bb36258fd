"""In a real browser: the person picked in the invite box is invited, though they were renamed and
someone else took the username shown before Send invitation was clicked (test_invite_picked.py)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.services import user_profile_update
from organizations.models import Invitation
from organizations.services import organization_create
from tests.e2e.test_organizations import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_person_picked_is_invited_whatever_their_username_is_by_then(page, live_server):
    demo = UserFactory(username="demo", email="demo@example.com")
    bob = UserFactory(username="bobby", name="Robert Builder", email="bob@example.com")
    carol = UserFactory(username="carol", name="Carol Newcomer", email="carol@example.com")
    org = organization_create(actor=demo, oc_id="acme-shop", name="Acme shop")
    sign_in(page, live_server.url, "demo")
    page.goto(f"{live_server.url}/organizations/sandbox/acme-shop/")
    page.get_by_role("combobox", name="Invite a user").press_sequentially("Robert")
    page.get_by_role("option", name=re.compile("bobby")).click()
    user_profile_update(user=bob, name=bob.name, username="bob9")  # meanwhile
    user_profile_update(user=carol, name=carol.name, username="bobby")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to bob9")).to_be_visible()
    assert [i.invitee_id for i in Invitation.objects.filter(organization=org)] == [bob.pk]


def test_change_clears_the_picked_id_so_a_typed_username_is_invited(page, live_server):
    demo = UserFactory(username="demo", email="demo@example.com")
    UserFactory(username="bobby", name="Robert Builder", email="bob@example.com")
    carol = UserFactory(username="carol", name="Carol Newcomer", email="carol@example.com")
    org = organization_create(actor=demo, oc_id="acme-shop", name="Acme shop")
    sign_in(page, live_server.url, "demo")
    page.goto(f"{live_server.url}/organizations/sandbox/acme-shop/")
    box = page.get_by_role("combobox", name="Invite a user")
    box.press_sequentially("Robert")
    page.get_by_role("option", name=re.compile("bobby")).click()
    page.get_by_role("button", name="Change").click()
    box.press_sequentially("carol")
    box.press("Enter")
    expect(page.get_by_text("Invitation sent to carol")).to_be_visible()
    assert [i.invitee_id for i in Invitation.objects.filter(organization=org)] == [carol.pk]
