"""Data migration 0002: the legacy "Manage Contributors" permission becomes Organization Admin."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("organizations", "0001_initial")]
AFTER = [("organizations", "0003_remove_manage_contributors")]


@pytest.mark.django_db(transaction=True)
def test_manage_contributors_grants_become_organization_admin():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("accounts", "User")
    Organization = old.get_model("organizations", "Organization")
    Contributor = old.get_model("organizations", "Contributor")
    owner = User.objects.create(username="legacy-owner", email="lo@example.com")
    manager = User.objects.create(username="legacy-manager", email="lm@example.com")
    reader = User.objects.create(username="legacy-reader", email="lr@example.com")
    org = Organization.objects.create(oc_id="legacy", name="Legacy", environment="Sandbox", region="usw", owner=owner)
    Contributor.objects.create(organization=org, user=manager, manage_contributors=True, roles=["ProductReader"])
    Contributor.objects.create(organization=org, user=reader, manage_contributors=False, roles=["OrderReader"])

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Contributor = new.get_model("organizations", "Contributor")
    rows = {c.user.username: c for c in Contributor.objects.select_related("user")}
    assert rows["legacy-manager"].is_admin is True
    assert rows["legacy-manager"].roles == ["ProductReader"]
    assert rows["legacy-reader"].is_admin is False
    assert "manage_contributors" not in {f.name for f in Contributor._meta.get_fields()}

    # leave the database as the rest of the suite expects it
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
