import re

from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from organizations import services, views
from organizations.models import Organization


def org_path(name, oc_id="acme-sbx", env="sandbox", **extra):
    return reverse(f"organizations:{name}", kwargs={"env": env, "oc_id": oc_id, **extra})


def test_list_filters_by_environment_searches_and_pages(client, owner):
    for i in range(23):
        services.organization_create(actor=owner, oc_id=f"shop-{i:02d}", name=f"Shop {i:02d}")
    Organization.objects.filter(oc_id="shop-05").update(environment="Production")
    client.force_login(owner)
    page1 = client.get(reverse("organizations:list")).content.decode()
    assert "Page 1 of 2" in page1 and "shop-00" in page1 and "shop-22" not in page1
    assert re.search(r"Production <span class=\"tab-count\">1</span>", page1)
    prod = client.get(reverse("organizations:list"), {"env": "Production"}).content.decode()
    assert "shop-05" in prod and "shop-06" not in prod
    found = client.get(reverse("organizations:list"), {"q": "Shop 22", "sort": "-name"}).content.decode()
    assert "shop-22" in found and "shop-21" not in found
    partial = client.get(reverse("organizations:list"), {"q": "shop-1"}, HTTP_HX_REQUEST="true",
                         HTTP_HX_TARGET="org-results").content.decode()
    assert "<html" not in partial and "shop-10" in partial


def test_create_form_shows_bad_and_duplicate_id_errors(client, org, owner):
    client.force_login(owner)
    bad = client.post(reverse("organizations:create"), {"oc_id": "bad id", "name": "X", "region": "usw"})
    assert bad.status_code == 400 and escape(services.ERR_ID_INVALID) in bad.content.decode()
    dup = client.post(reverse("organizations:create"), {"oc_id": "acme-sbx", "name": "X", "region": "usw"})
    assert escape(services.ERR_ID_TAKEN) in dup.content.decode()
    ok = client.post(reverse("organizations:create"), {"oc_id": "new-one", "name": "New", "region": "jpn"})
    assert ok["Location"] == org_path("detail", oc_id="new-one")
    detail = client.get(ok["Location"]).content.decode()
    assert "Japan-East" in detail and "/core/sandbox" in detail and "Sandbox" in detail


def test_creating_an_organization_with_the_id_of_ones_deleted_one_says_to_restore_it(client, org, owner):
    services.organization_delete(actor=owner, organization=org, confirmed=True)
    client.force_login(owner)
    again = client.post(reverse("organizations:create"), {"oc_id": "acme-sbx", "name": "Again", "region": "usw"})
    assert again.status_code == 400 and escape(services.ERR_ID_TAKEN_DELETED) in again.content.decode()


def test_a_deleted_organization_s_pages_tell_its_owner_it_was_deleted_and_where_to_restore_it(
    client, team, owner, member
):
    """Opened from a bookmark, another tab or the history it was the generic "Page not found"."""
    services.organization_delete(actor=owner, organization=team, confirmed=True)
    client.force_login(owner)
    for name in ("detail", "settings", "activity"):
        response = client.get(org_path(name))
        assert response.status_code == 404, name
        page = response.content.decode()
        assert f"{escape(team.name)} was deleted (404)" in page and "can be restored until" in page
        assert f'href="{reverse("organizations:deleted")}"' in page
    console = client.get(f"/console/sandbox/{team.oc_id}/")  # the console's pages too
    assert console.status_code == 404 and "was deleted (404)" in console.content.decode()
    # anyone else, a contributor too, still finds nothing there
    for user in (member,):
        client.force_login(user)
        page = client.get(org_path("detail")).content.decode()
        assert "Page not found (404)" in page and "was deleted" not in page


def test_invite_form_errors_for_unknown_user_and_self(client, team, owner):
    client.force_login(owner)
    unknown = client.post(org_path("contributor-save"), {"username": "ghost"})
    assert unknown.status_code == 400 and escape(services.ERR_USER_NOT_FOUND) in unknown.content.decode()
    me = client.post(org_path("contributor-save"), {"username": "olivia"})
    assert escape(services.ERR_SELF_INVITE) in me.content.decode()


def test_delete_code_flow_with_wrong_expired_and_right_code(client, team, owner):
    client.force_login(owner)
    client.post(org_path("code-send", action="delete"))
    settings_page = client.get(org_path("settings")).content.decode()
    assert "Code sent to <strong>o***@example.com</strong>" in settings_page
    assert settings_page.count("o***@example.com") == 1  # in the form that takes it, not again in a banner
    resend = client.post(org_path("code-send", action="delete"), follow=True).content.decode()
    assert "A code was sent less than a minute ago" in resend
    assert len(mail.outbox) == 1
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)
    wrong = client.post(org_path("delete"), {"code": "999999" if code != "999999" else "111111"})
    assert wrong.status_code == 400 and escape(services.ERR_CODE_WRONG) in wrong.content.decode()
    throttled = client.post(org_path("delete"), {"code": code})
    assert "Too many wrong codes. Try again in " in throttled.content.decode()  # how long, not "a few seconds"
    from organizations.tests.test_action_codes import unthrottle

    unthrottle(owner)
    done = client.post(org_path("delete"), {"code": code})
    assert done["Location"] == reverse("organizations:deleted")
    assert client.get(org_path("detail")).status_code == 404
    deleted = client.get(reverse("organizations:deleted")).content.decode()
    assert "acme-sbx" in deleted and "Restore" in deleted


def test_delete_clicked_twice_goes_to_deleted_organizations_saying_so(client, team, owner, admin_user):
    """The second POST of a double-clicked Delete answered "Page not found (404)" though the first
    had deleted the organization."""
    from organizations.views import MSG_DELETED_ALREADY

    client.force_login(owner)
    client.post(org_path("code-send", action="delete"))
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    assert client.post(org_path("delete"), {"code": code})["Location"] == reverse("organizations:deleted")
    again = client.post(org_path("delete"), {"code": code}, follow=True)
    assert again.status_code == 200 and again.redirect_chain[-1][0] == reverse("organizations:deleted")
    assert escape(MSG_DELETED_ALREADY.format(name="Acme")) in again.content.decode()
    assert client.post(org_path("delete", env="production"), {"code": code}).status_code == 404
    assert client.get(org_path("delete")).status_code == 404  # only the POST: an address to a deleted org is gone
    client.force_login(admin_user)  # not theirs to restore: nothing to say
    assert client.post(org_path("delete"), {"code": code}).status_code == 404


def test_transfer_clicked_twice_opens_the_organization_saying_it_was_transferred(client, team, owner, admin_user):
    """The second POST of a double-clicked Transfer ownership (or the form sent again from a second
    tab) answered "Not allowed (403): Only the owner can do this." though the first had transferred it."""
    from organizations.views import MSG_TRANSFERRED_ALREADY

    client.force_login(owner)
    client.post(org_path("code-send", action="transfer"), {"new_owner": "mia"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    assert client.post(org_path("transfer"), {"new_owner": "mia", "code": code})["Location"] == org_path("detail")
    again = client.post(org_path("transfer"), {"new_owner": "mia", "code": code}, follow=True)
    assert again.status_code == 200 and again.redirect_chain[-1][0] == org_path("detail")
    assert escape(MSG_TRANSFERRED_ALREADY.format(name="Acme", owner="mia")) in again.content.decode()
    assert Organization.objects.get(pk=team.pk).owner.username == "mia"
    # to someone else: the former owner is told who owns it now; anyone else who is not the owner is refused
    other = client.post(org_path("transfer"), {"new_owner": "adam", "code": code}, follow=True)
    assert other.redirect_chain[-1][0] == org_path("detail")
    assert escape("Acme now belongs to mia: only they can transfer it.") in other.content.decode()
    assert Organization.objects.get(pk=team.pk).owner.username == "mia"
    client.force_login(admin_user)
    assert client.post(org_path("transfer"), {"new_owner": "adam", "code": "123456"}).status_code == 403


def test_leave_clicked_twice_goes_to_the_organization_list_saying_so(client, team, owner, member, outsider):
    """The second POST of a double-clicked Leave (or Leave in a second tab) answered "Page not found
    (404)" though the first had done it."""
    from organizations.views import MSG_LEFT_ALREADY

    client.force_login(member)
    leave = org_path("contributor-remove", username="mia")
    assert client.post(leave)["Location"] == reverse("organizations:list")
    again = client.post(leave, follow=True)
    assert again.status_code == 200 and again.redirect_chain[-1][0] == reverse("organizations:list")
    assert escape(MSG_LEFT_ALREADY.format(name="Acme")) in again.content.decode()
    assert client.get(org_path("detail")).status_code == 404  # still gone, and nothing else is said
    assert client.post(org_path("contributor-remove", username="adam")).status_code == 404
    client.force_login(outsider)  # never in it: nothing to say
    assert client.post(org_path("contributor-remove", username="oscar")).status_code == 404
    # removed by an admin after joining again: not "left"
    services.contributor_save(actor=owner, organization=team, username="mia", roles=[], is_admin=False)
    services.invitation_accept(actor=member, organization=team)
    services.contributor_remove(actor=owner, organization=team, username="mia")
    client.force_login(member)
    assert client.post(leave).status_code == 404


def test_a_form_sent_from_another_tab_after_the_owner_deleted_the_organization_says_so(client, team, owner, admin_user):
    """Rename, a code, transfer or a contributor change sent from a tab opened before the owner
    deleted the organization in another one answered "Page not found (404)"."""
    from organizations.views import MSG_DELETED_MEANWHILE

    services.organization_delete(actor=owner, organization=team, confirmed=True)
    client.force_login(owner)
    for path, data in ((org_path("settings"), {"name": "Renamed"}),
                       (org_path("code-send", action="transfer"), {"new_owner": "mia"}),
                       (org_path("transfer"), {"new_owner": "mia", "code": "123456"}),
                       (org_path("contributor-save"), {"username": "zed"}),
                       (org_path("contributor-edit", username="mia"), {"roles": ["ProductReader"]}),
                       (org_path("contributor-remove", username="mia"), {})):
        response = client.post(path, data, follow=True)
        assert response.redirect_chain[-1][0] == reverse("organizations:deleted"), path
        assert escape(MSG_DELETED_MEANWHILE.format(name="Acme")) in response.content.decode(), path
    assert Organization.objects.get(pk=team.pk).name == "Acme" and len(mail.outbox) == 0
    assert client.get(org_path("settings")).status_code == 404  # only a POST: the address itself is gone
    client.force_login(admin_user)  # not theirs to restore: nothing to say
    assert client.post(org_path("settings"), {"name": "Renamed"}).status_code == 404


def test_restore_clicked_twice_opens_the_organization_saying_so(client, team, owner, member):
    from organizations.views import MSG_RESTORED_ALREADY

    services.organization_delete(actor=owner, organization=team, confirmed=True)
    client.force_login(owner)
    restore = reverse("organizations:restore", kwargs={"pk": team.pk})
    assert client.post(restore)["Location"] == org_path("detail")
    again = client.post(restore, follow=True)
    assert again.status_code == 200 and again.redirect_chain[-1][0] == org_path("detail")
    assert escape(MSG_RESTORED_ALREADY.format(name="Acme")) in again.content.decode()
    client.force_login(member)  # a contributor: not theirs to restore
    assert client.post(restore).status_code == 404


def test_a_code_sent_in_another_session_can_be_typed_in_and_an_expired_one_is_not_offered(client, team, owner):
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from organizations.models import ActionCodeDevice

    client.force_login(owner)
    client.post(org_path("code-send", action="delete"))
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    elsewhere = Client()  # signed in again, or another browser: no "code sent" in this session
    elsewhere.force_login(owner)
    page = elsewhere.get(org_path("settings")).content.decode()
    assert "Code sent to <strong>o***@example.com</strong>" in page and 'id="id_delete_code"' in page
    assert 'id="id_transfer_code"' not in page  # that action has no code
    done = elsewhere.post(org_path("delete"), {"code": code})
    assert done["Location"] == reverse("organizations:deleted")

    org = services.organization_create(actor=owner, oc_id="second", name="Second")
    client.post(org_path("code-send", oc_id="second", action="delete"))
    ActionCodeDevice.objects.filter(user=owner, name=f"org:{org.pk}:delete").update(
        valid_until=timezone.now() - timedelta(seconds=1))
    stale = client.get(org_path("settings", oc_id="second")).content.decode()
    assert "valid for 5 minutes" not in stale and 'id="id_delete_code"' not in stale and "Email me a code" in stale


def test_transfer_code_does_not_confirm_delete(client, team, owner):
    client.force_login(owner)
    client.post(org_path("code-send", action="transfer"), {"new_owner": "mia"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    response = client.post(org_path("delete"), {"code": code})
    assert escape(services.ERR_CODE_NONE) in response.content.decode()
    assert client.get(org_path("detail")).status_code == 200
    transferred = client.post(org_path("transfer"), {"new_owner": "mia", "code": code})
    assert transferred.status_code == 302
    assert Organization.objects.get(pk=team.pk).owner.username == "mia"


def test_a_refused_new_owner_does_not_use_up_the_transfer_code(client, team, owner):
    client.force_login(owner)
    client.post(org_path("code-send", action="transfer"))
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    for not_a_contributor in ("ivan", "oscar", "nobody"):  # invited only, an outsider, unknown
        refused = client.post(org_path("transfer"), {"new_owner": not_a_contributor, "code": code})
        assert refused.status_code == 400
        assert escape(services.ERR_TRANSFER_NOT_CONTRIBUTOR) in refused.content.decode()
    transferred = client.post(org_path("transfer"), {"new_owner": "mia", "code": code})  # the same code
    assert transferred.status_code == 302
    assert Organization.objects.get(pk=team.pk).owner.username == "mia"


def test_a_code_typed_before_a_refused_new_owner_stays_in_its_field(client, team, owner):
    """The code was still unused but the field came back empty: it had to be typed again."""
    client.force_login(owner)
    client.post(org_path("code-send", action="transfer"))
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    refused = client.post(org_path("transfer"), {"new_owner": "ivan", "code": code}).content.decode()
    assert re.search(rf'id="id_transfer_code"[^>]*value="{code}"', refused)
    # ivan is not a contributor: the list does not quietly show someone else chosen, with the code kept
    select = re.search(r'<select name="new_owner"[^>]*>(.*?)</select>', refused, re.S).group(1)
    assert select.lstrip().startswith('<option value="" selected>Choose the new owner</option>')
    assert select.count("selected") == 1
    unchosen = client.post(org_path("transfer"), {"new_owner": "", "code": code})
    assert unchosen.status_code == 400 and "Choose the new owner." in unchosen.content.decode()
    assert Organization.objects.get(pk=team.pk).owner == owner
    wrong = client.post(org_path("transfer"), {"new_owner": "mia", "code": "000000" if code != "000000" else "111111"})
    assert 'value="' not in re.search(r'<input[^>]*id="id_transfer_code"[^>]*>', wrong.content.decode()).group(0)


def test_a_username_typed_without_picking_a_suggestion_is_used(client, team, owner):
    from tests.factories import UserFactory

    UserFactory(username="carol", name="Carol Contributor", email="carol@example.com")
    client.force_login(owner)
    invited = client.post(org_path("contributor-save"), {"username": "", "q": " Carol ", "roles": ["ProductReader"]})
    assert invited.status_code == 302
    assert team.invitations.filter(invitee__username="carol").exists()
    unknown = client.post(org_path("contributor-save"), {"username": "", "q": "nobody-here"})
    assert unknown.status_code == 400
    page = unknown.content.decode()
    assert escape(views.ERR_TYPED_NOT_A_USERNAME.format(text="nobody-here")) in page  # the text is kept
    assert 'value="nobody-here"' in page
    # a name typed in full and Enter (no suggestion picked) read "No portal user has this username."
    # under a chip showing that very name: it said neither what was wrong nor what to do
    carol = client.post(org_path("contributor-save"), {"username": "", "q": "Carol Contributor"}).content.decode()
    assert escape(views.ERR_TYPED_NOT_A_USERNAME.format(text="Carol Contributor")) in carol
    picked = client.post(org_path("contributor-save"), {"username": "nobody-here"}).content.decode()
    assert escape(services.ERR_USER_NOT_FOUND) in picked  # a picked (or posted) username: as before


def test_an_invitation_shows_every_permission_it_offers(client, team, owner, invited, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.contributor_save(actor=owner, organization=team, username=invited.username, roles=["BuyerReader"],
                                  is_admin=False, impersonate_buyer=True)  # fmt: skip
    assert "Access offered: roles BuyerReader; may impersonate buyer users." in mail.outbox[-1].body
    client.force_login(invited)
    mine = client.get(reverse("organizations:invitations")).content.decode()
    assert "BuyerReader" in mine and "Impersonate buyers" in mine
    client.force_login(owner)
    pending = client.get(org_path("detail")).content.decode()
    pending = pending[pending.index("ivan"):]
    assert "Impersonate buyers" in pending[:pending.index("</tr>")]


def test_accepting_or_declining_again_says_it_was_done(client, team, invited, owner):
    client.force_login(invited)
    inv = team.invitations.get(invitee=invited)
    accept = reverse("organizations:invitation-accept", kwargs={"pk": inv.pk})
    assert client.post(accept)["Location"] == org_path("detail")
    again = client.post(accept, follow=True)  # the Back button, then Accept again
    assert again.redirect_chain[-1][0] == org_path("detail") and "You already joined Acme." in again.content.decode()
    services.contributor_remove(actor=owner, organization=team, username=invited.username)
    assert client.post(accept).status_code == 404  # removed since: nothing to go back to


def test_an_invitation_expired_or_withdrawn_while_the_page_was_open_says_so(client, team, invited, owner):
    """Accept on a page opened before the invitation expired or was revoked answered a bare 404."""
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(invited)
    inv = team.invitations.get(invitee=invited)
    accept = reverse("organizations:invitation-accept", kwargs={"pk": inv.pk})
    decline = reverse("organizations:invitation-decline", kwargs={"pk": inv.pk})
    type(inv).objects.filter(pk=inv.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.post(accept, follow=True)
    assert expired.redirect_chain[-1][0] == reverse("organizations:invitations")
    assert escape(services.ERR_INVITE_EXPIRED) in expired.content.decode()
    services.invitations_expire()  # marked expired by the nightly task: the same
    assert escape(services.ERR_INVITE_EXPIRED) in client.post(decline, follow=True).content.decode()

    services.contributor_save(actor=owner, organization=team, username=invited.username, roles=[], is_admin=False)
    inv = team.invitations.get(invitee=invited, status="pending")
    services.contributor_remove(actor=owner, organization=team, username=invited.username)
    withdrawn = client.post(reverse("organizations:invitation-accept", kwargs={"pk": inv.pk}), follow=True)
    assert escape(services.ERR_INVITE_REVOKED.format(organization="Acme")) in withdrawn.content.decode()
    assert client.get(org_path("detail")).status_code == 404


def test_invitee_accepts_from_my_invitations_and_nav_shows_count(client, team, invited):
    client.force_login(invited)
    page = client.get(reverse("organizations:invitations")).content.decode()
    assert 'data-testid="invitation-count">1<' in page and "acme-sbx" in page
    assert "acme-sbx" not in client.get(reverse("organizations:list")).content.decode()
    inv = team.invitations.get(invitee=invited)
    response = client.post(reverse("organizations:invitation-accept", kwargs={"pk": inv.pk}))
    assert response["Location"] == org_path("detail")
    assert "acme-sbx" in client.get(reverse("organizations:list")).content.decode()
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Acme" in dashboard


def test_production_request_and_staff_review(client, owner):
    from tests.factories import UserFactory

    client.force_login(owner)
    bad = client.post(reverse("organizations:production"), {"oc_id": "live", "name": "Live", "region": "usw",
                                                             "reason": ""})
    assert bad.status_code == 400
    client.post(reverse("organizations:production"), {"oc_id": "live", "name": "Live", "region": "usw",
                                                      "reason": "Launch"})
    assert "Pending" in client.get(reverse("organizations:production")).content.decode()
    staff = UserFactory(username="stella", is_staff=True)
    client.force_login(staff)
    review = client.get(reverse("organizations:production-review")).content.decode()
    assert "live" in review and "Launch" in review
    req = owner.production_requests.get()
    client.post(reverse("organizations:production-decide", kwargs={"pk": req.pk}), {"decision": "approve",
                                                                                   "message": "Go"})
    client.force_login(owner)
    assert "Approved" in client.get(reverse("organizations:production")).content.decode()
    prod = client.get(org_path("detail", oc_id="live", env="production")).content.decode()
    assert "Create Staging twin" in prod
    twin = client.post(org_path("staging-create", oc_id="live", env="production"))
    assert twin["Location"] == org_path("detail", oc_id="live", env="staging")


def test_demo_data_creates_the_demo_sandbox_once(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("demo_data", stdout=StringIO())
    call_command("demo_data", stdout=StringIO())
    org = Organization.objects.get(oc_id="demo-marketplace")
    assert (org.environment, org.owner.username) == ("Sandbox", "demo")


def test_blank_fields_say_what_is_missing_in_the_services_words(client, org, owner):
    """Spaces only pass the browser's `required`: the page then said Django's "This field is required."."""
    client.force_login(owner)
    create = client.post(reverse("organizations:create"), {"oc_id": "  ", "name": "  ", "region": "usw"}).content.decode()
    assert escape(services.ERR_ID_REQUIRED) in create and escape(services.ERR_NAME_REQUIRED) in create
    assert "This field is required." not in create
    production = client.post(reverse("organizations:production"),
                             {"oc_id": "prod-x", "name": "Prod", "region": "usw", "reason": "   "}).content.decode()
    assert escape(services.ERR_REASON_REQUIRED) in production and "This field is required." not in production
    rename = client.post(org_path("settings"), {"name": "   "})
    assert rename.status_code == 400 and escape(services.ERR_NAME_REQUIRED) in rename.content.decode()
    assert "This field is required." not in rename.content.decode()


def test_the_invite_form_does_not_overwrite_a_contributors_access(client, team, owner, member):
    """Inviting someone who already contributes said "Access of mia updated." and replaced their
    roles with the invite form's (none): the owner lost a contributor's access without noticing."""
    from organizations.models import Contributor

    client.force_login(owner)
    before = Contributor.objects.get(organization=team, user=member)
    response = client.post(org_path("contributor-save"), {"username": member.username})
    assert response.status_code == 400
    page = response.content.decode()
    assert escape(services.ERR_ALREADY_CONTRIBUTOR.format(username=member.username)) in page
    after = Contributor.objects.get(organization=team, user=member)
    assert (after.roles, after.impersonate_buyer) == (before.roles, before.impersonate_buyer) == (["ProductReader"], True)
    edited = client.post(org_path("contributor-edit", username=member.username), {"roles": ["ProductReader"]})
    assert edited.status_code == 302  # Edit still changes it
    assert not Contributor.objects.get(organization=team, user=member).impersonate_buyer


def test_revoking_an_invitation_says_so_and_removing_says_access_ends(client, team, owner, member, invited):
    client.force_login(owner)
    revoked = client.post(org_path("contributor-remove", username=invited.username), follow=True).content.decode()
    assert f"The invitation of {invited.username} to Acme was revoked." in revoked
    assert "no longer has access" not in revoked
    removed = client.post(org_path("contributor-remove", username=member.username), follow=True).content.decode()
    assert f"{member.username} no longer has access to Acme." in removed


def test_transferring_a_production_organization_says_its_staging_twin_goes_with_it(client, owner, member):
    from organizations.models import Environment
    from organizations.tests.conftest import add_member

    prod = services._org_create(actor=owner, oc_id="acme", name="Acme", region="usw", environment=Environment.PRODUCTION)
    services.staging_twin_create(actor=owner, production_org=prod)
    add_member(prod, owner, member.username)
    client.force_login(owner)
    assert "Its Staging twin goes with it." in client.get(org_path("settings", oc_id="acme", env="production")).content.decode()
    client.post(org_path("code-send", oc_id="acme", env="production", action="transfer"), {"new_owner": "mia"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    done = client.post(org_path("transfer", oc_id="acme", env="production"), {"new_owner": "mia", "code": code}, follow=True)
    assert "Acme now belongs to mia. Its Staging twin went with it." in done.content.decode()


def test_the_environment_tabs_keep_a_live_search(client, owner):
    """Typing in the search box (htmx) left the tabs' links as the page was loaded: choosing an
    environment then dropped the search."""
    services.organization_create(actor=owner, oc_id="shop-a", name="Shop A")
    services.organization_create(actor=owner, oc_id="mart-b", name="Mart B")
    client.force_login(owner)
    partial = client.get(reverse("organizations:list"), {"q": "shop", "sort": "-name"}, HTTP_HX_REQUEST="true",
                         HTTP_HX_TARGET="org-results").content.decode()
    tabs = re.search(r'<nav class="tabs"[^>]*id="org-tabs" hx-swap-oob="true">(.*?)</nav>', partial, re.S)
    assert tabs and 'href="?q=shop&amp;sort=-name&amp;env=Sandbox"' in tabs.group(1)
    full = client.get(reverse("organizations:list")).content.decode()
    assert 'id="org-tabs"' in full and "hx-swap-oob" not in full


def test_removing_someone_already_removed_says_so_instead_of_page_not_found(client, team, owner, member, invited):
    """A double-click on Remove (or Remove in a second tab): the second POST answered "Page not
    found (404)" though the first had removed them."""
    client.force_login(owner)
    for username in (member.username, invited.username):
        remove = org_path("contributor-remove", username=username)
        assert client.post(remove).status_code == 302
        again = client.post(remove, follow=True)
        assert again.status_code == 200 and again.redirect_chain[-1][0] == org_path("detail")
        assert escape(services.ERR_CONTRIBUTOR_NOT_FOUND) in again.content.decode()
    # a member who may not remove others still gets 403, and an outsider 404
    client.force_login(member)
    assert client.post(org_path("contributor-remove", username="adam")).status_code == 404  # mia was removed
    services.contributor_save(actor=owner, organization=team, username=member.username, roles=[], is_admin=False)
    services.invitation_accept(actor=member, organization=team)
    assert client.post(org_path("contributor-remove", username="nobody")).status_code == 403


def test_the_environment_tabs_count_what_the_search_finds(client, owner, member):
    """With a search the tabs still counted every organization: "Production 1" over a search
    whose Production tab then listed none."""
    services.organization_create(actor=owner, oc_id="shop-a", name="Shop A")
    services.organization_create(actor=owner, oc_id="mart-b", name="Mart B")
    production = services._org_create(actor=owner, oc_id="mart-live", name="Mart Live", region="usw",
                                      environment="Production")
    services.staging_twin_create(actor=owner, production_org=production)
    services.organization_create(actor=member, oc_id="mart-c", name="Mart C")  # not visible to the owner
    client.force_login(owner)

    def counts(html):
        return dict(re.findall(r'>(\w+) <span class="tab-count">(\d+)</span>', html))

    every = {"All": "4", "Sandbox": "2", "Staging": "1", "Production": "1"}
    assert counts(client.get(reverse("organizations:list")).content.decode()) == every
    mart = {"All": "3", "Sandbox": "1", "Staging": "1", "Production": "1"}
    assert counts(client.get(reverse("organizations:list"), {"q": " MART "}).content.decode()) == mart
    shop = client.get(reverse("organizations:list"), {"q": "shop", "env": "Production"}).content.decode()
    assert counts(shop) == {"All": "1", "Sandbox": "1", "Staging": "0", "Production": "0"}
    # the live search (htmx) swaps in the tabs with the counts of what it finds
    partial = client.get(reverse("organizations:list"), {"q": "live"}, HTTP_HX_REQUEST="true",
                         HTTP_HX_TARGET="org-results").content.decode()
    assert counts(partial) == {"All": "2", "Sandbox": "0", "Staging": "1", "Production": "1"}
    assert partial.count('<span class="badge') == 2  # the list shows what the tab "All" counts


def test_searching_contributors_lists_only_who_matches_the_owner_included(client, team, owner, member):
    """The owner's row was listed whatever the search, and a search finding nobody said nothing."""
    client.force_login(owner)

    def rows(q):
        page = client.get(org_path("detail"), {"q": q}).content.decode()
        table = page.split("<h2>Contributors</h2>", 1)[1].split("</table>", 1)[0]
        return table

    found = rows("mia")
    assert "Mia Member" in found and "Olivia Owner" not in found
    assert "Olivia Owner" in rows("olivia") and "Olivia Owner" in rows("")
    assert "No contributor matches “nobody”." in rows("nobody")
    invite_error = client.post(org_path("contributor-save"), {"username": "ghost"}).content.decode()
    assert "Olivia Owner" in invite_error.split("<h2>Contributors</h2>", 1)[1]  # the full list again


def test_saving_the_edit_form_of_someone_removed_meanwhile_says_nothing_was_saved(client, team, owner, admin_user):
    """Save on an Edit page opened before another admin removed the contributor (or revoked the
    invitation) answered "Page not found (404)"."""
    from organizations.models import Contributor, Invitation
    from organizations.views import ERR_EDIT_GONE

    client.force_login(admin_user)
    for username in ("mia", "ivan"):  # a contributor, a pending invitation
        assert client.get(org_path("contributor-edit", username=username)).status_code == 200
        services.contributor_remove(actor=owner, organization=team, username=username)
        saved = client.post(org_path("contributor-edit", username=username), {"roles": ["ProductReader"]}, follow=True)
        assert saved.status_code == 200 and saved.redirect_chain[-1][0] == org_path("detail")
        assert escape(ERR_EDIT_GONE.format(username=username)) in saved.content.decode()
    assert not Contributor.objects.filter(organization=team, user__username__in=["mia", "ivan"]).exists()
    assert not Invitation.objects.filter(organization=team, invitee__username="ivan", status="pending").exists()
    assert client.get(org_path("contributor-edit", username="mia")).status_code == 404  # the address itself is gone


def test_the_edit_address_of_the_owner_or_oneself_says_why_there_is_no_form(client, team, owner, admin_user):
    """It showed an access form that could only be refused on Save."""
    client.force_login(admin_user)
    for username, message in ((owner.username, services.ERR_OWNER_ACCESS_FIXED), (admin_user.username.upper(),
                                                                                  services.ERR_SELF_INVITE)):
        response = client.get(org_path("contributor-edit", username=username), follow=True)
        assert response.redirect_chain[-1][0] == org_path("detail")
        assert escape(message) in response.content.decode()


def test_an_owner_without_a_username_yet_does_not_break_the_edit_page(client, team, owner, admin_user, member):
    from accounts.models import User

    User.objects.filter(pk=owner.pk).update(username=None)  # a legacy account not through "Choose your username"
    client.force_login(admin_user)
    assert client.get(org_path("contributor-edit", username=member.username)).status_code == 200


def test_searching_contributors_from_a_page_with_an_invite_error_keeps_the_search(client, team, owner):
    """The search form had no action: on the re-rendered invite form (at .../contributors/) it sent
    the search there, which redirected to the tab without it."""
    client.force_login(owner)
    page = client.post(org_path("contributor-save"), {"username": "ghost"}).content.decode()
    action = re.search(r'<form method="get" class="row" action="([^"]+)"><input type="search" name="q"', page)
    assert action and action.group(1) == org_path("detail")
    assert "Mia Member" in client.get(action.group(1), {"q": "mia"}).content.decode()


def test_leaving_from_settings_and_revoking_an_invitation_ask_first_like_remove(client, team, owner, member, invited):
    """Remove and Leave on the Contributors tab asked for confirmation; Leave on Settings and Revoke did not."""
    client.force_login(member)
    settings_page = client.get(org_path("settings")).content.decode()
    assert "onclick=\"return confirm('Leave Acme?')\">Leave Acme</button>" in settings_page
    client.force_login(owner)
    detail = client.get(org_path("detail")).content.decode()
    assert f"onclick=\"return confirm('Revoke the invitation of {invited.username}?')\">Revoke<span" in detail


def test_rejecting_without_a_message_says_so_next_to_that_request(client, owner):
    """It was a banner at the top of the page ("prod-x: Tell the requester why..."), away from the box to fill in."""
    from organizations.models import ProductionRequest
    from tests.factories import UserFactory

    staff = UserFactory(username="stella", is_staff=True)

    services.production_request_create(actor=owner, oc_id="prod-x", name="Prod X", region="usw", reason="Go live")
    services.production_request_create(actor=owner, oc_id="prod-y", name="Prod Y", region="usw", reason="Go live")
    req = ProductionRequest.objects.get(oc_id="prod-x")
    client.force_login(staff)
    response = client.post(reverse("organizations:production-decide", kwargs={"pk": req.pk}),
                           {"decision": "reject", "message": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    card = page.split('data-request="prod-x"', 1)[1].split('data-request="prod-y"', 1)[0]
    assert escape(services.ERR_REJECT_MESSAGE_REQUIRED) in card
    assert ProductionRequest.objects.get(pk=req.pk).status == "pending"
    # its box takes the focus (in view however far down the list it is), described by the error
    box = re.search(r"<textarea[^>]*>", card).group(0)
    assert 'aria-invalid="true"' in box and " autofocus" in box
    described = re.search(r'aria-describedby="([^"]+)"', box).group(1)
    assert re.search(rf'<ul class="errorlist" id="{described}"><li>{re.escape(escape(services.ERR_REJECT_MESSAGE_REQUIRED))}',
                     card)
    assert page.count(" autofocus") == 1 and page.count("aria-invalid") == 1


def test_a_production_organization_whose_staging_id_is_left_from_a_purged_one_says_why_it_has_no_twin(
        client, owner, outsider, member):
    """The Create Staging twin button was simply missing, and a POST said "This organization
    already has a Staging twin", which its owner could not see anywhere."""
    from datetime import timedelta

    from django.utils import timezone

    from organizations.models import Environment

    old = services._org_create(actor=owner, oc_id="acme", name="Acme", region="usw", environment=Environment.PRODUCTION)
    services.staging_twin_create(actor=owner, production_org=old)
    services.organization_delete(actor=owner, organization=old, confirmed=True)
    services.organizations_purge_due(now=timezone.now() + timedelta(days=8))
    client.force_login(member)  # asking for the Id now, anyone but the twin's owner is told to choose another
    asked = client.post(reverse("organizations:production"),
                        {"oc_id": "acme", "name": "A", "region": "usw", "reason": "x"}).content.decode()
    assert escape(services.ERR_ID_TAKEN_STAGING.format(id="acme")) in asked
    # a Production organization given the Id before that check
    services._org_create(actor=outsider, oc_id="acme", name="New Acme", region="usw", environment=Environment.PRODUCTION)
    client.force_login(outsider)
    page = client.get(org_path("detail", oc_id="acme", env="production")).content.decode()
    message = escape(services.ERR_STAGING_LEFTOVER.format(id="acme"))
    assert message in page and "Create Staging twin" not in page
    refused = client.post(org_path("staging-create", oc_id="acme", env="production"), follow=True).content.decode()
    assert message in refused


def test_a_refused_code_name_or_new_owner_takes_the_focus_and_describes_its_box(client, team, owner):
    """A wrong code on Delete (the last card of Settings) re-rendered the page at its top: nothing in
    view said it had failed, focus was on the page, and the error was tied to no box (its id was
    id_code_error, the box's id_delete_code)."""
    client.force_login(owner)

    def invalid_boxes(response):
        html = response.content.decode()
        boxes = re.findall(r"<(?:input|select)[^>]*>", html)
        invalid = [box for box in boxes if 'aria-invalid="true"' in box]
        assert [box for box in boxes if " autofocus" in box] == invalid[:1], "the refused box, and only it, takes the focus"
        found = []
        for box in invalid:
            described = re.search(r'aria-describedby="([^"]+)"', box).group(1)
            errors = re.search(rf'<ul class="errorlist[^"]*" id="{described}"[^>]*>(.*?)</ul>', html, re.S)
            assert errors is not None, f"{described} is on the page"
            found.append((re.search(r'name="([^"]+)"', box).group(1), re.sub(r"<[^>]+>", "", errors.group(1))))
        return found

    client.post(org_path("code-send", action="delete"))
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    wrong = client.post(org_path("delete"), {"code": "999999" if code != "999999" else "111111"})
    assert invalid_boxes(wrong) == [("code", escape(services.ERR_CODE_WRONG))]
    assert invalid_boxes(client.post(org_path("delete"), {"code": ""})) == [
        ("code", "Enter the 6-digit code from the email.")]
    assert invalid_boxes(client.post(org_path("settings"), {"name": " "})) == [("name", services.ERR_NAME_REQUIRED)]
    assert invalid_boxes(client.post(org_path("transfer"), {"new_owner": "ivan", "code": "123456"})) == [
        ("new_owner", escape(services.ERR_TRANSFER_NOT_CONTRIBUTOR))]


def test_the_buttons_of_a_list_row_say_whom_or_what_they_act_on(client, team, owner, member, invited):
    """Contributors, pending invitations, My invitations and Deleted organizations had a column of
    identical "Edit", "Remove", "Revoke", "Accept", "Decline" and "Restore" buttons: a screen reader's
    list of buttons could not tell them apart, and the column headers were empty."""

    def names(html):
        controls = re.findall(r"<(button|a)\b[^>]*>(.*?)</\1>", html, re.S)
        return {re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip() for _, text in controls}

    def bare_headers(html):
        return re.findall(r"<th></th>", html)

    client.force_login(owner)
    detail = client.get(org_path("detail")).content.decode()
    assert {f"Edit the access of {member.username}", f"Remove {member.username}",
            f"Edit the invitation of {invited.username}", f"Revoke the invitation of {invited.username}"} <= names(detail)
    assert not {"Edit", "Remove", "Revoke"} & names(detail) and not bare_headers(detail)
    client.force_login(member)
    assert "Leave Acme" in names(client.get(org_path("detail")).content.decode())
    client.force_login(invited)
    invitations = client.get(reverse("organizations:invitations")).content.decode()
    assert {"Accept the invitation to Acme (Sandbox)", "Decline the invitation to Acme (Sandbox)"} <= names(invitations)
    services.organization_delete(actor=owner, organization=team, confirmed=True)
    client.force_login(owner)
    deleted = client.get(reverse("organizations:deleted")).content.decode()
    assert "Restore Acme (Sandbox)" in names(deleted) and "Restore" not in names(deleted) and not bare_headers(deleted)


def test_a_name_with_a_line_break_is_refused_next_to_the_name_box(client, org, owner):
    client.force_login(owner)
    for path, data in [(reverse("organizations:create"), {"oc_id": "new-one", "region": "usw"}),
                       (reverse("organizations:production"), {"oc_id": "live", "region": "usw", "reason": "x"}),
                       (org_path("settings"), {})]:
        page = client.post(path, {**data, "name": "Evil\r\nBcc: x@example.com"}).content.decode()
        assert re.search(r'<input[^>]*name="name"[^>]*aria-invalid="true"', page), path
        assert re.search(rf'id="id_name_error"[^>]*><li>{re.escape(escape(services.ERR_NAME_CHARACTERS))}</li>', page), path
    assert Organization.objects.get(pk=org.pk).name == "Acme"


def test_an_unknown_role_is_said_not_a_blank_refusal(client, team, owner, member):
    """A role the form does not know (a page from before a role was withdrawn, a crafted post) was a
    400 page with no message anywhere: the invite or Save access seemed to do nothing."""
    client.force_login(owner)
    for path, data in [(org_path("contributor-save"), {"username": "oscar"}), (org_path("contributor-edit", username="mia"), {})]:
        response = client.post(path, {**data, "roles": ["ProductReader", "NoSuchRole"]})
        assert response.status_code == 400
        assert "Select a valid choice. NoSuchRole is not one of the available choices." in response.content.decode(), path


def test_deleting_a_production_organization_says_its_staging_twin_stays(client, owner):
    """Nothing said the twin was not deleted with it: it stayed, keeping the Id in Staging, its
    weekly restore failing for want of a Production organization."""
    from organizations.models import Environment

    prod = services._org_create(actor=owner, oc_id="acme", name="Acme", region="usw", environment=Environment.PRODUCTION)
    client.force_login(owner)
    assert "Staging twin</a> is not deleted with it" not in client.get(
        org_path("settings", oc_id="acme", env="production")).content.decode()
    services.staging_twin_create(actor=owner, production_org=prod)
    page = client.get(org_path("settings", oc_id="acme", env="production")).content.decode()
    assert f'Its <a href="{org_path("detail", oc_id="acme", env="staging")}">Staging twin</a> is not deleted with it' in page


def test_accepting_an_invitation_to_an_organization_deleted_meanwhile_says_so(client, team, invited, owner):
    """Accept (or Decline) on a page opened before the owner deleted the organization answered a bare
    "Page not found"; once it is restored the invitation can be answered again."""
    client.force_login(invited)
    inv = team.invitations.get(invitee=invited, status="pending")
    services.organization_delete(actor=owner, organization=team, confirmed=True)
    for decision in ("accept", "decline"):
        response = client.post(reverse(f"organizations:invitation-{decision}", kwargs={"pk": inv.pk}), follow=True)
        assert response.redirect_chain[-1][0] == reverse("organizations:invitations")
        assert escape(views.MSG_INVITATION_ORG_DELETED.format(name="Acme")) in response.content.decode()
    assert client.post(reverse("organizations:invitation-accept", kwargs={"pk": inv.pk + 999})).status_code == 404
    services.organization_restore(actor=owner, organization=team)
    assert client.post(reverse("organizations:invitation-accept", kwargs={"pk": inv.pk})).status_code == 302
    assert client.get(org_path("detail")).status_code == 200


def test_the_open_tab_of_an_organization_is_announced_as_the_current_page(client, team, owner):
    """Only its colour marked the open tab: a screen reader read three alike links."""
    client.force_login(owner)
    for name, label in [("detail", "Contributors"), ("settings", "Settings"), ("activity", "Activity")]:
        nav = re.search(r'<nav class="tabs"[^>]*>(.*?)</nav>', client.get(org_path(name)).content.decode(), re.S).group(1)
        assert re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]+)</a>', nav) == [label]


def test_staff_see_which_pending_request_asks_for_an_id_left_in_staging(client, owner, outsider, member):
    """A request made before a Staging organization was left holding its Id could only be found out
    by pressing Approve."""
    from datetime import timedelta

    from django.utils import timezone

    from organizations.models import Environment, ProductionRequest
    from tests.factories import UserFactory

    staff = UserFactory(username="stella", is_staff=True)
    old = services._org_create(actor=owner, oc_id="acme", name="Acme", region="usw", environment=Environment.PRODUCTION)
    services.staging_twin_create(actor=owner, production_org=old)
    services.organization_delete(actor=owner, organization=old, confirmed=True)
    services.organizations_purge_due(now=timezone.now() + timedelta(days=8))
    ProductionRequest.objects.create(requester=outsider, oc_id="ACME", name="Acme", region="usw", reason="x")
    services.production_request_create(actor=owner, oc_id="acme-2", name="Acme 2", region="usw", reason="x")
    client.force_login(staff)
    page = client.get(reverse("organizations:production-review")).content.decode()
    conflicted = page.split('data-request="ACME"', 1)[1].split('data-request="acme-2"', 1)[0] if page.index(
        'data-request="ACME"') < page.index('data-request="acme-2"') else page.split('data-request="ACME"', 1)[1]
    assert escape(services.ERR_APPROVE_STAGING_LEFTOVER.format(id="ACME")) in conflicted
    assert page.count('data-testid="staging-conflict"') == 1


def test_a_deactivated_contributor_is_not_offered_as_the_new_owner(client, team, owner, member, admin_user):
    """Choosing them (with a code) was refused as "Ownership can only be transferred to a contributor
    who has accepted their invitation", about someone listed as a contributor."""
    from accounts.models import User

    User.objects.filter(pk=member.pk).update(is_active=False)
    client.force_login(owner)
    page = client.get(org_path("settings")).content.decode()
    options = re.findall(r'<option value="([^"]*)"', re.search(r'<select name="new_owner".*?</select>', page, re.S).group(0))
    assert options == [admin_user.username]


def test_a_deactivated_requester_s_request_is_flagged_and_cannot_be_approved_only_rejected(client, owner):
    """Approving it made a Production organization owned by an account that cannot sign in, and mailed it."""
    from django.core import mail

    from organizations.models import Organization, ProductionRequest
    from tests.factories import UserFactory

    staff = UserFactory(username="stella", is_staff=True)
    services.production_request_create(actor=owner, oc_id="prod-x", name="Prod X", region="usw", reason="Go live")
    req = ProductionRequest.objects.get(oc_id="prod-x")
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    client.force_login(staff)
    card = client.get(reverse("organizations:production-review")).content.decode().split('data-request="prod-x"', 1)[1]
    assert 'data-testid="requester-inactive"' in card and "deactivated" in card
    mail.outbox.clear()
    response = client.post(reverse("organizations:production-decide", kwargs={"pk": req.pk}),
                           {"decision": "approve", "message": ""}, follow=True)
    assert escape(services.ERR_APPROVE_REQUESTER_INACTIVE.format(username=owner.username)) in response.content.decode()
    assert ProductionRequest.objects.get(pk=req.pk).status == "pending" and not mail.outbox
    assert not Organization.objects.filter(oc_id="prod-x", environment="production").exists()
    client.post(reverse("organizations:production-decide", kwargs={"pk": req.pk}),
                {"decision": "reject", "message": "Account closed"})
    assert ProductionRequest.objects.get(pk=req.pk).status == "rejected"


def test_each_tab_of_an_organization_has_its_own_title(client, team, owner):
    """The Settings tab's title was the organization's name alone, as every tab's."""
    client.force_login(owner)
    titles = {name: re.search(r"<title>(.*?)</title>", client.get(org_path(name)).content.decode(), re.S).group(1)
              for name in ("detail", "settings", "activity")}  # fmt: skip
    assert titles == {"detail": f"Contributors · {team.name} (Sandbox) · Portal",
                      "settings": f"Settings · {team.name} (Sandbox) · Portal",
                      "activity": f"Activity · {team.name} (Sandbox) · Portal"}  # fmt: skip


def test_creating_the_staging_twin_is_in_the_production_organization_s_activity_too(client, owner, production_org):
    """It was only in the Staging twin's log: the Production log's admins never saw it."""
    services.staging_twin_create(actor=owner, production_org=production_org)
    client.force_login(owner)
    for env in ("production", "staging"):
        page = client.get(org_path("activity", oc_id="acme", env=env)).content.decode()
        assert "Staging twin created" in page, env
    production_page = client.get(org_path("activity", oc_id="acme", env="production")).content.decode()
    assert "Staging twin: acme" in production_page
