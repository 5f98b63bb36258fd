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


@pytest.mark.django_db(transaction=True)
def test_duplicate_pending_production_requests_are_closed_before_the_constraint():
    """0007: requests saved twice by the old race (same Id, any case, both pending) would break the
    new unique constraint; the oldest stays pending, the others are rejected saying why."""
    before = [("organizations", "0006_audit_code_undelivered")]
    after = [("organizations", "0007_one_pending_production_request")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    User = old.get_model("accounts", "User")
    ProductionRequest = old.get_model("organizations", "ProductionRequest")
    user = User.objects.create(username="legacy-requester", email="lq@example.com")
    first, second, third = (
        ProductionRequest.objects.create(requester=user, oc_id=oc_id, name="Acme", region="usw", reason="Go live")
        for oc_id in ("acme", "ACME", "acme")
    )
    other = ProductionRequest.objects.create(requester=user, oc_id="beta", name="Beta", region="usw", reason="Go live")

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    ProductionRequest = executor.loader.project_state(after).apps.get_model("organizations", "ProductionRequest")
    status = dict(ProductionRequest.objects.values_list("pk", "status"))
    assert status == {first.pk: "pending", second.pk: "rejected", third.pk: "rejected", other.pk: "pending"}
    assert ProductionRequest.objects.get(pk=second.pk).decision_message == (
        f"Closed automatically: a duplicate of production request #{first.pk} for the same Id, which stays pending.")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_names_stored_with_line_breaks_become_one_line():
    """0009: a name saved before the rule (a rename to 'Evil\\r\\nBcc: x@example.com') split the
    subject of every email about the organization; it is made one line, and a name of nothing but
    control characters becomes the Id. Other names are left as they are."""
    before = [("organizations", "0008_restore_webhook_delivery_final")]
    after = [("organizations", "0009_one_line_names")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    User = old.get_model("accounts", "User")
    Organization = old.get_model("organizations", "Organization")
    ProductionRequest = old.get_model("organizations", "ProductionRequest")
    owner = User.objects.create(username="legacy-names", email="ln@example.com")
    for oc_id, name in (("evil", "Evil\r\nBcc: x@example.com"), ("blank", "\t\n"), ("rtl", "Ann\u202e (admin)"),
                        ("plain", "Ünïcode  Co")):
        Organization.objects.create(oc_id=oc_id, name=name, environment="Sandbox", region="usw", owner=owner)
    ProductionRequest.objects.create(requester=owner, oc_id="live", name="Live\nCo", region="usw", reason="Go live")

    executor = MigrationExecutor(connection)
    try:
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        names = dict(new.get_model("organizations", "Organization").objects.values_list("oc_id", "name"))
        requested = list(new.get_model("organizations", "ProductionRequest").objects.values_list("name", flat=True))
    finally:  # leave the database as the rest of the suite expects it
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert names == {"evil": "Evil Bcc: x@example.com", "blank": "blank", "rtl": "Ann (admin)", "plain": "Ünïcode  Co"}
    assert requested == ["Live Co"]
