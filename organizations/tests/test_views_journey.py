"""What a new user sees on organization pages and in organization emails (QA walk-through):
readable activity, links in emails and between twins, names shown once, restore wording."""

import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from organizations import services
from organizations.models import StagingRestore
from organizations.tests.test_views_flows import org_path
from tests.factories import UserFactory

BASE = "https://portal.example.com"


def emailed(django_capture_on_commit_callbacks, action):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        action()
    return mail.outbox


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


@pytest.fixture
def base_url(settings):
    """Emails link to settings.PORTAL_BASE_URL (only emails: the built-in core API's URLs derive
    from it at start-up, and marketplaces are created only for the built-in one)."""
    settings.PORTAL_BASE_URL = BASE


# --- 4: activity log -------------------------------------------------------------------------------
def test_the_activity_log_reads_as_words_not_python_dicts(client, team, owner, member):
    services.contributor_save(actor=owner, organization=team, username=member.username, roles=["ProductAdmin"],
                              is_admin=True, impersonate_buyer=False)
    client.force_login(owner)
    page = client.get(org_path("activity")).content.decode()
    details = re.findall(r'<td class="details">(.*?)</td>', page, re.S)
    assert "+ProductAdmin, −ProductReader, −Impersonate buyer users, Organization Admin: no→yes" in details
    assert "roles ProductReader" in details  # the pending invitation of ivan
    assert "Name: Acme · Environment: Sandbox · Region: usw" in details
    assert not any("{" in d or "False" in d or "[" in d for d in details)


# --- 7: links in emails ----------------------------------------------------------------------------
def test_the_invitation_email_links_to_the_invitations_page(team, owner, django_capture_on_commit_callbacks, base_url):
    UserFactory(username="carol", name="Carol C", email="carol@example.com")
    [message] = emailed(django_capture_on_commit_callbacks, lambda: services.contributor_save(
        actor=owner, organization=team, username="carol", roles=[], is_admin=False))
    assert links(message) == [BASE + reverse("organizations:invitations")]


def test_transfer_emails_link_to_the_organization(team, owner, member, django_capture_on_commit_callbacks, base_url):
    sent = emailed(django_capture_on_commit_callbacks, lambda: services.organization_transfer(
        actor=owner, organization=team, new_owner_username=member.username, confirmed=True))
    assert {m.to[0]: links(m) for m in sent} == {
        "mia@example.com": [BASE + org_path("detail")], "olivia@example.com": [BASE + org_path("detail")]}


def test_the_deleted_email_links_to_deleted_organizations(team, owner, django_capture_on_commit_callbacks, base_url):
    [message] = emailed(django_capture_on_commit_callbacks, lambda: services.organization_delete(
        actor=owner, organization=team, confirmed=True))
    assert links(message) == [BASE + reverse("organizations:deleted")]


def test_the_production_decision_email_links_to_the_new_organization(owner, django_capture_on_commit_callbacks,
                                                                    base_url):
    staff = UserFactory(username="stella", is_staff=True)
    req = services.production_request_create(actor=owner, oc_id="live", name="Live", region="usw", reason="Go")
    [approved] = emailed(django_capture_on_commit_callbacks, lambda: services.production_request_decide(
        actor=staff, request=req, approve=True, message=""))
    assert links(approved) == [BASE + org_path("detail", oc_id="live", env="production")]
    other = services.production_request_create(actor=owner, oc_id="live2", name="Live 2", region="usw", reason="Go")
    [rejected] = emailed(django_capture_on_commit_callbacks, lambda: services.production_request_decide(
        actor=staff, request=other, approve=False, message="Not yet"))
    assert links(rejected) == [BASE + reverse("organizations:production")]


def test_a_production_request_emails_staff_with_a_link_to_the_review_page(
    client, owner, member, django_capture_on_commit_callbacks, base_url
):
    """Staff were not told of a new Production request: it waited until someone opened Requests."""
    verified_staff(username="stella", name="Stella Staff", email="stella@example.com")
    verified_staff(username="sid", name="Sid Staff", email="sid@example.com")
    verified_staff(username="gone", email="gone@example.com", is_active=False)  # left the team
    UserFactory(username="noaddr", email="", is_staff=True)  # nowhere to send it
    client.force_login(owner)
    sent = emailed(django_capture_on_commit_callbacks, lambda: client.post(reverse("organizations:production"), {
        "oc_id": "live", "name": "Acme Live", "region": "usw", "reason": "Going live in May"}))
    assert sorted(m.to[0] for m in sent) == ["sid@example.com", "stella@example.com"]
    message = next(m for m in sent if m.to == ["stella@example.com"])
    assert message.subject == "Portal: Olivia Owner (olivia) requested the Production organization live"
    assert "Hello Stella Staff," in message.body
    assert "Olivia Owner (olivia) (olivia@example.com) requested a Production organization:" in message.body
    assert "Acme Live (live, US-West)" in message.body and "Going live in May" in message.body
    assert links(message) == [BASE + reverse("organizations:production-review")]
    # the review page it links to lists the request for staff
    client.force_login(type(owner).objects.get(username="stella"))
    assert "Acme Live" in client.get(reverse("organizations:production-review")).content.decode()


def verified_staff(**fields):
    """A staff member whose address was confirmed (an allauth EmailAddress, verified and primary)."""
    user = UserFactory(is_staff=True, **fields)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def request_production(django_capture_on_commit_callbacks, owner):
    return emailed(django_capture_on_commit_callbacks, lambda: services.production_request_create(
        actor=owner, oc_id="live", name="Live", region="usw", reason="Go"))


def test_a_production_request_is_not_emailed_to_an_unconfirmed_staff_address(
    owner, django_capture_on_commit_callbacks
):
    """Staff were emailed at their User.email even when nobody ever confirmed it (a typo, or an
    address someone else owns, got the requester's name, address and plans)."""
    verified_staff(username="stella", email="stella@example.com")
    unconfirmed = UserFactory(username="sid", email="sid@example.com", is_staff=True)
    EmailAddress.objects.create(user=unconfirmed, email=unconfirmed.email, verified=False, primary=True)
    UserFactory(username="sam", email="sam@example.com", is_staff=True)  # no EmailAddress row at all
    assert [m.to for m in request_production(django_capture_on_commit_callbacks, owner)] == [["stella@example.com"]]


def test_a_superuser_made_with_createsuperuser_is_emailed_about_production_requests(
    owner, django_capture_on_commit_callbacks
):
    """The README's production set-up makes the first staff member with `manage.py createsuperuser`:
    the operator typed the address on the server, and nothing would ever ask that account to confirm
    it, so it is recorded as confirmed rather than never emailed."""
    call_command("createsuperuser", "--noinput", username="ops", email="Ops.Lead@Example.com", stdout=StringIO())
    assert [m.to for m in request_production(django_capture_on_commit_callbacks, owner)] == [["ops.lead@example.com"]]
    address = EmailAddress.objects.get(user__username="ops")
    assert (address.email, address.verified, address.primary) == ("ops.lead@example.com", True, True)


def test_a_production_request_goes_to_the_primary_verified_staff_address(owner, django_capture_on_commit_callbacks):
    """Among several addresses, the verified primary one; failing that, another verified one (never
    an unconfirmed primary, nor User.email when that one is not verified)."""
    stella = UserFactory(username="stella", email="stella@old.example", is_staff=True)
    EmailAddress.objects.create(user=stella, email="stella@other.example", verified=True, primary=False)
    EmailAddress.objects.create(user=stella, email="stella@example.com", verified=True, primary=True)
    sid = UserFactory(username="sid", email="sid@typo.example", is_staff=True)
    EmailAddress.objects.create(user=sid, email="sid@typo.example", verified=False, primary=True)
    EmailAddress.objects.create(user=sid, email="sid@example.com", verified=True, primary=False)
    sent = request_production(django_capture_on_commit_callbacks, owner)
    assert sorted(m.to[0] for m in sent) == ["sid@example.com", "stella@example.com"]
    assert "Hello " + stella.display_name + "," in next(m for m in sent if m.to == ["stella@example.com"]).body


def test_a_staff_member_requesting_production_is_not_emailed_about_it(owner, django_capture_on_commit_callbacks):
    stella = verified_staff(username="stella", email="stella@example.com")
    sent = emailed(django_capture_on_commit_callbacks, lambda: services.production_request_create(
        actor=stella, oc_id="live", name="Live", region="usw", reason="Go"))
    assert sent == []


def test_a_refused_production_request_emails_nobody(owner, django_capture_on_commit_callbacks):
    verified_staff(username="stella", email="stella@example.com")
    services.production_request_create(actor=owner, oc_id="live", name="Live", region="usw", reason="Go")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.OrganizationError):
        services.production_request_create(actor=owner, oc_id="LIVE", name="Live", region="usw", reason="Go")
    assert mail.outbox == []


# --- 8: links between twins and from production requests ---------------------------------------------
def test_a_staging_org_links_to_its_production_twin(client, staging_org, owner):
    client.force_login(owner)
    page = client.get(org_path("detail", oc_id="acme", env="staging")).content.decode()
    assert f'href="{org_path("detail", oc_id="acme", env="production")}">Open Production twin</a>' in page
    production = client.get(org_path("detail", oc_id="acme", env="production")).content.decode()
    assert "Open Production twin" not in production and "Open Staging twin" in production


def test_an_approved_production_request_links_to_its_organization(client, owner):
    staff = UserFactory(username="stella", is_staff=True)
    req = services.production_request_create(actor=owner, oc_id="live", name="Live", region="usw", reason="Go")
    services.production_request_create(actor=owner, oc_id="later", name="Later", region="usw", reason="Go")
    services.production_request_decide(actor=staff, request=req, approve=True, message="")
    client.force_login(owner)
    page = client.get(reverse("organizations:production")).content.decode()
    assert f'<a href="{org_path("detail", oc_id="live", env="production")}" data-testid="production-org-link">' \
           "<code>live</code></a>" in page
    assert page.count('data-testid="production-org-link"') == 1  # the pending one has no organization yet


# --- 11: a name shown once ---------------------------------------------------------------------------
def test_a_user_without_a_name_is_shown_once(client, owner, django_capture_on_commit_callbacks):
    alice = UserFactory(username="alice", name="", email="alice@example.com")
    org = services.organization_create(actor=alice, oc_id="alice-sbx", name="Alice's", region="usw")
    [invitation] = emailed(django_capture_on_commit_callbacks, lambda: services.contributor_save(
        actor=alice, organization=org, username=owner.username, roles=[], is_admin=False))
    assert "alice invited you to contribute" in invitation.body and "alice (alice)" not in invitation.body
    assert "Alice's" in invitation.body  # plain text: not HTML-escaped
    client.force_login(alice)
    page = client.get(org_path("detail", oc_id="alice-sbx")).content.decode()
    assert "alice <small>alice</small>" not in page and "<strong>alice</strong> <small>alice</small>" not in page
    assert "<dd>alice</dd>" in page and "<td><strong>alice</strong></td>" in page
    assert "<strong>Olivia Owner</strong> <small>olivia</small>" in page  # the pending invitation: both


# --- 3 and 14: the staging restore card ----------------------------------------------------------------
def test_restore_now_asks_before_overwriting_staging(client, staging_org, owner):
    client.force_login(owner)
    page = client.get(org_path("staging-restore", oc_id="acme", env="staging")).content.decode()
    form = page[:page.index('data-testid="restore-now"')].rsplit("<form", 1)[1]
    assert "onsubmit=\"return confirm(" in form
    assert "Staging&#x27;s data in Acme will be replaced by a copy of Production" in form


def test_the_restore_card_says_who_started_it_and_counts_in_words(client, staging_org, owner):
    now = timezone.now()
    StagingRestore.objects.create(organization=staging_org, requested_by=owner, status="succeeded", tables_total=1,
                                  started_at=now, finished_at=now, report=[
                                      {"resource": "Product", "label": "Products", "rows_copied": 1, "ms": 1.0}])
    client.force_login(owner)
    page = client.get(org_path("staging-restore", oc_id="acme", env="staging")).content.decode()
    assert "Started by Olivia Owner (olivia)" in page and "Started by an admin" not in page
    assert "Done: 1 row in 1 resource," in page
