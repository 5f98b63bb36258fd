"""Activity log: a deleted account's actions still name the person ("<name> (deleted account)"),
"system" only for entries that never had an actor (AuditEntry.actor_username, migration 0010)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from organizations import services
from organizations.models import AuditAction, AuditEntry
from tests.portal_api import PortalApi


def _admins_invite_then_delete(team, admin_user):
    """adam (an Organization Admin) invites someone, then his account is deleted."""
    from tests.factories import UserFactory

    UserFactory(username="nina", email="nina@example.com")
    services.contributor_save(actor=admin_user, organization=team, username="nina", roles=["ProductReader"],
                              is_admin=False)
    admin_user.delete()


def test_activity_page_names_a_deleted_account_and_keeps_system_for_system_rows(client, team, owner, admin_user):
    _admins_invite_then_delete(team, admin_user)
    AuditEntry.objects.create(organization=team, actor=None, action=AuditAction.STAGING_RESTORE_FAIL, target="x")

    client.force_login(owner)
    page = client.get(f"/organizations/sandbox/{team.oc_id}/activity/").content.decode()
    assert "adam (deleted account)" in page
    assert "olivia" in page  # a live account: its username, no suffix
    assert "olivia (deleted account)" not in page
    assert page.count(">system<") == 1  # only the row that never had an actor


def test_api_activity_keeps_the_deleted_actors_username(client, team, owner, admin_user):
    _admins_invite_then_delete(team, admin_user)
    items = PortalApi(client, owner).get(f"/organizations/{team.oc_id}/activity", pageSize=100).json()["Items"]
    by_adam = [i for i in items if i["ActorUsername"] == "adam"]
    assert by_adam and all(i["Actor"] is None for i in by_adam)  # Actor keeps its contract: None once deleted
    assert all(i["ActorUsername"] == "olivia" for i in items if i["Actor"] == "olivia")


def test_admin_list_shows_the_deleted_account(client, team, admin_user):
    from tests.factories import UserFactory

    _admins_invite_then_delete(team, admin_user)
    client.force_login(UserFactory(username="sam", is_staff=True, is_superuser=True))
    page = client.get("/admin/organizations/auditentry/").content.decode()
    assert "adam (deleted account)" in page


@pytest.mark.django_db(transaction=True)
def test_migration_backfills_the_username_from_accounts_that_still_exist():
    before = [("organizations", "0009_one_line_names")]
    after = [("organizations", "0010_auditentry_actor_username")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    User = old.get_model("accounts", "User")
    AuditEntry_ = old.get_model("organizations", "AuditEntry")
    alice = User.objects.create(username="legacy-alice", email="la@example.com")
    AuditEntry_.objects.create(actor=alice, action="org.rename", target="t")
    AuditEntry_.objects.create(actor=None, action="org.rename", target="t")

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    rows = sorted(new.get_model("organizations", "AuditEntry").objects.values_list("actor_username", flat=True))
    assert rows == ["", "legacy-alice"]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_renamed_actor_is_named_as_then_with_the_current_username(client, team, owner):
    """The Who column showed today's username while Target and Details kept the one of the time:
    one row named the same person twice under two names."""
    from organizations.models import AuditEntry

    entry = AuditEntry.objects.filter(organization=team, actor=owner).order_by("pk").first()
    old = owner.username
    owner.username = "olivia2"
    owner.save(update_fields=["username"])
    entry.refresh_from_db()
    assert entry.actor_label == f"{old} (now olivia2)"
    client.force_login(owner)
    page = client.get(f"/organizations/sandbox/{team.oc_id}/activity/").content.decode()
    assert f"{old} (now olivia2)" in page
