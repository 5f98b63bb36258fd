from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from coreapi.models import Marketplace
from organizations import services
from organizations.models import AuditAction, AuditEntry, Contributor, Environment, Organization, ProductionRequest
from organizations.selectors import organization_list
from portal.common.errors import NotFoundError, PermissionError_
from tests.factories import UserFactory


def audit_actions(org):
    return list(AuditEntry.objects.filter(organization=org).order_by("id").values_list("action", flat=True))


class TestOrganizationCreate:
    def test_new_organization_is_a_sandbox_owned_by_the_actor_with_its_marketplace(self, owner):
        org = services.organization_create(actor=owner, oc_id="my-shop_1", name="  My Shop ", region="eur")
        assert (org.environment, org.owner, org.name, org.region) == (Environment.SANDBOX, owner, "My Shop", "eur")
        assert org.core_api_url.endswith("/core/sandbox")
        assert Marketplace.objects.filter(environment="sandbox", marketplace_id="my-shop_1", name="My Shop").exists()
        assert audit_actions(org) == [AuditAction.ORG_CREATE]

    @pytest.mark.parametrize(
        ("oc_id", "message"),
        [
            ("", services.ERR_ID_REQUIRED),
            ("has space", services.ERR_ID_INVALID),
            ("dots.not.allowed", services.ERR_ID_INVALID),
            ("ümlaut", services.ERR_ID_INVALID),
            ("x" * 101, services.ERR_ID_TOO_LONG),
        ],
    )
    def test_bad_id_is_refused(self, owner, oc_id, message):
        with pytest.raises(services.OrganizationError) as exc:
            services.organization_create(actor=owner, oc_id=oc_id, name="Shop")
        assert exc.value.message == message
        assert not Organization.objects.exists()

    def test_duplicate_id_in_the_same_environment_is_refused_case_insensitively(self, org, outsider):
        with pytest.raises(services.IdTakenError) as exc:
            services.organization_create(actor=outsider, oc_id="ACME-SBX", name="Copy")
        assert exc.value.message == services.ERR_ID_TAKEN
        assert exc.value.status_code == 409

    def test_the_id_of_ones_own_deleted_organization_says_to_restore_it(self, org, owner, outsider):
        """It said "already exists" though the organization was in no list but Deleted organizations."""
        services.organization_delete(actor=owner, organization=org, confirmed=True)
        with pytest.raises(services.IdTakenError) as exc:
            services.organization_create(actor=owner, oc_id="ACME-SBX", name="Again")
        assert exc.value.message == services.ERR_ID_TAKEN_DELETED and exc.value.status_code == 409
        with pytest.raises(services.IdTakenError) as exc:  # someone else's: nothing more is said
            services.organization_create(actor=outsider, oc_id="acme-sbx", name="Copy")
        assert exc.value.message == services.ERR_ID_TAKEN

    def test_marketplace_already_in_core_api_is_refused_and_no_org_is_left(self, owner):
        Marketplace.objects.create(environment="sandbox", marketplace_id="taken", name="Old")
        with pytest.raises(services.IdTakenError):
            services.organization_create(actor=owner, oc_id="taken", name="Shop")
        assert not Organization.objects.filter(oc_id="taken").exists()

    def test_name_and_region_are_validated(self, owner):
        with pytest.raises(services.OrganizationError, match=services.ERR_NAME_REQUIRED):
            services.organization_create(actor=owner, oc_id="a", name="   ")
        with pytest.raises(services.OrganizationError) as exc:
            services.organization_create(actor=owner, oc_id="a", name="A", region="mars")
        assert exc.value.message == services.ERR_REGION_INVALID

    def test_remote_environment_creates_no_builtin_marketplace(self, owner, settings):
        settings.PORTAL_ENVIRONMENTS = {
            **settings.PORTAL_ENVIRONMENTS,
            "Sandbox": {"slug": "sandbox", "regions": {"usw": "https://sandboxapi.example.com"}},
        }
        org = services.organization_create(actor=owner, oc_id="remote1", name="Remote", region="usw")
        assert org.core_api_url == "https://sandboxapi.example.com"
        assert not Marketplace.objects.filter(marketplace_id="remote1").exists()
        with pytest.raises(services.OrganizationError, match=services.ERR_REGION_UNAVAILABLE):
            services.organization_create(actor=owner, oc_id="remote2", name="Remote", region="eur")


@pytest.mark.parametrize("name", ["Evil\r\nBcc: x@example.com", "Two\nlines", "Tab\there", "Acme \u202eeviL", "Nul\x00"])
def test_a_name_is_one_line_of_visible_text(owner, org, name):
    """A line break in an organization's name split the subject of every email about it ("Demo invited
    you to Evil") and put the rest ("Bcc: x@example.com") on a line of its own at the top of the text;
    a text-direction override turned the text after it around. Create, rename and production requests
    all refuse it, saying why."""
    for attempt in (
        lambda: services.organization_create(actor=owner, oc_id="new-one", name=name),
        lambda: services.organization_rename(actor=owner, organization=org, name=name),
        lambda: services.production_request_create(actor=owner, oc_id="live", name=name, region="usw", reason="x"),
    ):
        with pytest.raises(services.OrganizationError) as exc:
            attempt()
        assert exc.value.message == services.ERR_NAME_CHARACTERS
    org.refresh_from_db()
    assert org.name == "Acme" and not Organization.objects.filter(oc_id="new-one").exists()
    assert not ProductionRequest.objects.exists()
    services.organization_rename(actor=owner, organization=org, name="Ünïcode & <Sons> 🚀")  # visible text is fine


class TestOrganizationRename:
    def test_admin_renames_and_the_marketplace_follows(self, team, admin_user):
        services.organization_rename(actor=admin_user, organization=team, name="Acme Corp")
        team.refresh_from_db()
        assert team.name == "Acme Corp"
        assert Marketplace.objects.get(marketplace_id="acme-sbx").name == "Acme Corp"
        entry = AuditEntry.objects.filter(organization=team, action=AuditAction.ORG_RENAME).get()
        assert entry.details == {"from": "Acme", "to": "Acme Corp"} and entry.actor == admin_user

    def test_contributor_cannot_rename(self, team, member):
        with pytest.raises(PermissionError_, match=services.ERR_NOT_ADMIN):
            services.organization_rename(actor=member, organization=team, name="Mine")

    def test_outsider_and_invitee_get_not_found(self, team, outsider, invited):
        for actor in (outsider, invited):
            with pytest.raises(NotFoundError):
                services.organization_rename(actor=actor, organization=team, name="Mine")


class TestOrganizationDeleteAndRestore:
    def test_delete_needs_confirmation_and_the_owner(self, team, admin_user, owner):
        with pytest.raises(PermissionError_, match=services.ERR_NOT_OWNER):
            services.organization_delete(actor=admin_user, organization=team, confirmed=True)
        with pytest.raises(PermissionError_, match=services.ERR_CONFIRMATION_REQUIRED):
            services.organization_delete(actor=owner, organization=team, confirmed=False)
        assert not Organization.objects.get(pk=team.pk).is_deleted

    def test_soft_delete_hides_at_once_and_owner_restores_within_7_days(
        self, team, owner, member, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.organization_delete(actor=owner, organization=team, confirmed=True)
        assert list(organization_list(actor=owner)) == []
        assert list(organization_list(actor=member)) == []
        assert mail.outbox[-1].subject == "Portal: Acme was deleted"
        team.refresh_from_db()
        assert team.purge_after - team.deleted_at == timedelta(days=7)
        with pytest.raises(NotFoundError):
            services.organization_restore(actor=member, organization=team)
        services.organization_restore(actor=owner, organization=team)
        assert list(organization_list(actor=member)) == [team]
        assert audit_actions(team)[-2:] == [AuditAction.ORG_DELETE, AuditAction.ORG_RESTORE]

    def test_a_deleted_organizations_api_answers_no_token_until_it_is_restored(
        self, client, team, owner, django_capture_on_commit_callbacks
    ):
        from coreapi.models import ApiClient
        from coreapi.testing import DEFAULT_CORE_PASSWORD, core_security_profile, core_user

        mp = Marketplace.objects.get(marketplace_id="acme-sbx", environment="sandbox")
        ApiClient.objects.create(marketplace=mp, oc_id="app", app_name="App", allow_seller=True, refresh_token_duration=60)
        core_user(mp, user_id="u1", username="ann")
        core_security_profile(mp, profile_id="p", roles=["ProductReader"])
        form = {"grant_type": "password", "client_id": "app", "username": "ann", "password": DEFAULT_CORE_PASSWORD}
        signed_in = client.post("/core/sandbox/oauth/token", form).json()
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {signed_in['access_token']}"}
        assert client.get("/core/sandbox/v1/products", **bearer).status_code == 200

        with django_capture_on_commit_callbacks(execute=True):
            services.organization_delete(actor=owner, organization=team, confirmed=True)
        assert client.get("/core/sandbox/v1/products", **bearer).status_code == 401
        assert client.post("/core/sandbox/oauth/token", form).status_code == 400
        refresh = {"grant_type": "refresh_token", "client_id": "app", "refresh_token": signed_in["refresh_token"]}
        assert client.post("/core/sandbox/oauth/token", refresh).status_code == 400

        with django_capture_on_commit_callbacks(execute=True):
            services.organization_restore(actor=owner, organization=team)
        assert client.get("/core/sandbox/v1/products", **bearer).status_code == 200  # its data and tokens are back
        assert client.post("/core/sandbox/oauth/token", form).status_code == 200

    def test_restore_after_7_days_is_refused(self, org, owner):
        services.organization_delete(actor=owner, organization=org, confirmed=True)
        Organization.objects.filter(pk=org.pk).update(purge_after=timezone.now() - timedelta(seconds=1))
        org.refresh_from_db()
        with pytest.raises(services.OrganizationError, match=services.ERR_RESTORE_TOO_LATE):
            services.organization_restore(actor=owner, organization=org)

    def test_purge_deletes_due_orgs_for_good_with_their_marketplace(self, org, owner):
        keep = services.organization_create(actor=owner, oc_id="keep", name="Keep")
        services.organization_delete(actor=owner, organization=org, confirmed=True)
        services.organization_delete(actor=owner, organization=keep, confirmed=True)
        assert services.organizations_purge_due() == 0
        assert services.organizations_purge_due(now=timezone.now() + timedelta(days=7, seconds=1)) == 2
        assert not Organization.objects.exists()
        assert not Marketplace.objects.filter(marketplace_id__in=["acme-sbx", "keep"]).exists()
        assert AuditEntry.objects.filter(action=AuditAction.ORG_PURGE, target="acme-sbx").exists()

    def test_celery_task_purges(self, org, owner):
        from organizations.tasks import organizations_purge_deleted

        services.organization_delete(actor=owner, organization=org, confirmed=True)
        Organization.objects.filter(pk=org.pk).update(purge_after=timezone.now())
        assert organizations_purge_deleted.delay().get() == 1
        from django.conf import settings

        schedule = settings.CELERY_BEAT_SCHEDULE["organizations-purge-deleted"]
        assert schedule["task"] == organizations_purge_deleted.name


class TestOrganizationTransfer:
    def test_transfer_to_accepted_contributor(self, team, owner, member, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            services.organization_transfer(actor=owner, organization=team, new_owner_username="MIA", confirmed=True)
        team.refresh_from_db()
        assert team.owner == member
        assert not Contributor.objects.filter(organization=team, user=member).exists()
        old = Contributor.objects.get(organization=team, user=owner)
        assert old.is_admin and old.roles == ["FullAccess"]
        assert sorted(m.to[0] for m in mail.outbox[-2:]) == ["mia@example.com", "olivia@example.com"]
        assert "Portal: You now own Acme" in [m.subject for m in mail.outbox]

    def test_a_production_organizations_staging_twin_goes_with_it(self, owner, member, django_capture_on_commit_callbacks):
        """Left behind, the old owner kept a Staging twin the new owner could neither see nor create
        again, into which every restore copied Production's data, even once removed from Production."""
        from organizations import selectors
        from organizations.tests.conftest import add_member

        prod = services._org_create(actor=owner, oc_id="acme", name="Acme", region="usw",
                                    environment=Environment.PRODUCTION)
        twin = services.staging_twin_create(actor=owner, production_org=prod)
        add_member(prod, owner, member.username)
        services.contributor_save(actor=owner, organization=twin, username=member.username, roles=[], is_admin=False)
        with django_capture_on_commit_callbacks(execute=True):
            services.organization_transfer(actor=owner, organization=prod, new_owner_username=member.username,
                                           confirmed=True)
        twin.refresh_from_db()
        assert twin.owner == member
        assert selectors.staging_twin_get(actor=member, organization=prod) == twin
        old = Contributor.objects.get(organization=twin, user=owner)
        assert old.is_admin and old.roles == ["FullAccess"]
        assert not twin.invitations.filter(invitee=member, status="pending").exists()
        assert AuditAction.ORG_TRANSFER in audit_actions(twin)
        new_owner_mail = next(m for m in mail.outbox if m.to == ["mia@example.com"] and "You now own" in m.subject)
        assert "Its Staging twin is yours too" in new_owner_mail.body
        # the new owner can now remove the old one from both
        for org in (prod, twin):
            services.contributor_remove(actor=member, organization=org, username=owner.username)
        assert not organization_list(actor=owner).filter(oc_id="acme").exists()

    def test_transfer_guards(self, team, owner, admin_user, invited, outsider):
        with pytest.raises(PermissionError_, match=services.ERR_NOT_OWNER):
            services.organization_transfer(actor=admin_user, organization=team, new_owner_username="mia", confirmed=True)
        with pytest.raises(PermissionError_, match=services.ERR_CONFIRMATION_REQUIRED):
            services.organization_transfer(actor=owner, organization=team, new_owner_username="mia", confirmed=False)
        for username in (invited.username, outsider.username, "nobody-here"):
            with pytest.raises(services.OrganizationError) as exc:
                services.organization_transfer(actor=owner, organization=team, new_owner_username=username,
                                               confirmed=True)
            assert exc.value.message == services.ERR_TRANSFER_NOT_CONTRIBUTOR
        with pytest.raises(services.OrganizationError, match=services.ERR_TRANSFER_TO_SELF):
            services.organization_transfer(actor=owner, organization=team, new_owner_username="olivia", confirmed=True)
        team.refresh_from_db()
        assert team.owner == owner


@pytest.fixture
def staff(db):
    return UserFactory(username="stella", is_staff=True)


class TestProductionAndStaging:
    def test_request_approved_creates_production_org_and_emails_requester(
        self, owner, staff, django_capture_on_commit_callbacks
    ):
        req = services.production_request_create(actor=owner, oc_id="acme", name="Acme Live", region="eur",
                                                 reason="Going live in May")
        with django_capture_on_commit_callbacks(execute=True):
            services.production_request_decide(actor=staff, request=req, approve=True, message="Welcome")
        req.refresh_from_db()
        org = req.organization
        assert (req.status, org.environment, org.owner, org.region) == ("approved", "Production", owner, "eur")
        assert Marketplace.objects.filter(environment="production", marketplace_id="acme").exists()
        assert mail.outbox[-1].to == ["olivia@example.com"]
        assert "approved" in mail.outbox[-1].subject and "Welcome" in mail.outbox[-1].body

    def test_reject_needs_a_message_and_staff(self, owner, staff, django_capture_on_commit_callbacks):
        req = services.production_request_create(actor=owner, oc_id="acme", name="Acme", region="usw", reason="x")
        with pytest.raises(PermissionError_, match=services.ERR_STAFF_ONLY):
            services.production_request_decide(actor=owner, request=req, approve=True, message="")
        with pytest.raises(services.OrganizationError, match=services.ERR_REJECT_MESSAGE_REQUIRED):
            services.production_request_decide(actor=staff, request=req, approve=False, message=" ")
        with django_capture_on_commit_callbacks(execute=True):
            services.production_request_decide(actor=staff, request=req, approve=False, message="Sign a contract")
        assert ProductionRequest.objects.get().status == "rejected"
        assert "Sign a contract" in mail.outbox[-1].body
        assert not Organization.objects.filter(environment="Production").exists()
        with pytest.raises(services.OrganizationError, match=services.ERR_REQUEST_DECIDED):
            services.production_request_decide(actor=staff, request=req, approve=True)

    def test_request_validation(self, owner):
        with pytest.raises(services.OrganizationError, match=services.ERR_REASON_REQUIRED):
            services.production_request_create(actor=owner, oc_id="acme", name="Acme", region="usw", reason="")
        services.production_request_create(actor=owner, oc_id="acme", name="Acme", region="usw", reason="x")
        with pytest.raises(services.OrganizationError, match=services.ERR_PRODUCTION_PENDING):
            services.production_request_create(actor=owner, oc_id="ACME", name="Acme", region="usw", reason="x")

    def test_staging_twin_by_production_owner_only(self, owner, staff, member, org):
        req = services.production_request_create(actor=owner, oc_id="acme", name="Acme", region="aus", reason="x")
        prod = services.production_request_decide(actor=staff, request=req, approve=True).organization
        with pytest.raises(services.OrganizationError, match=services.ERR_STAGING_NOT_PRODUCTION):
            services.staging_twin_create(actor=owner, production_org=org)
        with pytest.raises(NotFoundError):
            services.staging_twin_create(actor=member, production_org=prod)
        twin = services.staging_twin_create(actor=owner, production_org=prod)
        assert (twin.oc_id, twin.environment, twin.region, twin.owner) == ("acme", "Staging", "aus", owner)
        assert Marketplace.objects.filter(environment="staging", marketplace_id="acme").exists()
        with pytest.raises(services.OrganizationError, match=services.ERR_STAGING_EXISTS):
            services.staging_twin_create(actor=owner, production_org=prod)


class TestStagingTwinLeftFromAPurgedProduction:
    """A Staging twin outlives its Production organization deleted for good and keeps the Id. Given
    that Id later, someone else's Production organization could never have a Staging twin (the
    button was gone, a POST said "This organization already has a Staging twin", which they could
    not see) nor be restored into it."""

    @pytest.fixture
    def leftover(self, owner, django_capture_on_commit_callbacks):
        prod = services._org_create(actor=owner, oc_id="acme", name="Acme", region="usw",
                                    environment=Environment.PRODUCTION)
        twin = services.staging_twin_create(actor=owner, production_org=prod)
        services.organization_delete(actor=owner, organization=prod, confirmed=True)
        assert services.organizations_purge_due(now=timezone.now() + timedelta(days=8)) == 1
        return twin

    def test_another_user_cannot_ask_for_its_id_in_production(self, leftover, outsider):
        with pytest.raises(services.IdTakenError) as exc:
            services.production_request_create(actor=outsider, oc_id="ACME", name="Acme", region="usw", reason="x")
        assert exc.value.message == services.ERR_ID_TAKEN_STAGING.format(id="ACME")

    def test_its_owner_can_and_gets_it_back_as_the_twin(self, leftover, owner, staff):
        req = services.production_request_create(actor=owner, oc_id="acme", name="Acme", region="usw", reason="x")
        prod = services.production_request_decide(actor=staff, request=req, approve=True).organization
        with pytest.raises(services.OrganizationError) as exc:
            services.staging_twin_create(actor=owner, production_org=prod)
        assert exc.value.message == services.ERR_STAGING_EXISTS

    def test_a_request_made_before_is_not_approved(self, leftover, outsider, staff):
        req = ProductionRequest.objects.create(requester=outsider, oc_id="acme", name="Acme", region="usw", reason="x")
        with pytest.raises(services.OrganizationError) as exc:
            services.production_request_decide(actor=staff, request=req, approve=True)
        assert exc.value.message == services.ERR_APPROVE_STAGING_LEFTOVER.format(id="acme")
        assert not Organization.objects.filter(environment=Environment.PRODUCTION).exists()
        assert ProductionRequest.objects.get(pk=req.pk).status == "pending"

    def test_a_production_organization_given_it_before_is_told_why_it_has_no_twin(self, leftover, outsider):
        from organizations import selectors

        prod = services._org_create(actor=outsider, oc_id="acme", name="Acme", region="usw",
                                    environment=Environment.PRODUCTION)
        with pytest.raises(services.OrganizationError) as exc:
            services.staging_twin_create(actor=outsider, production_org=prod)
        assert exc.value.message == services.ERR_STAGING_LEFTOVER.format(id="acme")
        assert selectors.staging_twin_blocked(organization=prod) == services.ERR_STAGING_LEFTOVER.format(id="acme")
        leftover.refresh_from_db()
        assert leftover.owner_id != outsider.pk
