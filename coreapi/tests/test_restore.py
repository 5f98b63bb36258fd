"""coreapi.restore.marketplace_copy: a marketplace's data replaced by a copy of another's, set-based,
all or nothing, with webhooks and outbound URLs made safe in the copy."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coreapi import models as m
from coreapi import restore
from coreapi.services import marketplace_create, user_tokens_revoke
from coreapi.testing import core_security_profile, core_user


def seed_marketplace(marketplace, *, products: int = 3, tag: str = "prod", webhook_url: str = "https://hooks.example.com/oc") -> None:  # fmt: skip
    """An admin user, an API client, products with price schedules and assignments, a webhook, an
    integration event and a message sender; names carry `tag` so copies can be told apart."""
    mp = marketplace
    m.ApiClient.objects.create(marketplace=mp, oc_id="admin-client", app_name=f"{tag} app", allow_seller=True,
                               refresh_token_duration=60)
    core_security_profile(mp, profile_id="admin-profile", roles=["FullAccess"])
    core_user(mp, user_id="admin-user", username="admin")
    m.Buyer.objects.create(marketplace=mp, oc_id="buyer-1", name=f"{tag} buyer", active=True)
    m.Catalog.objects.create(marketplace=mp, oc_id="cat-1", name=f"{tag} catalog", active=True)
    m.PriceSchedule.objects.bulk_create(
        m.PriceSchedule(marketplace=mp, oc_id=f"ps-{i}", name=f"{tag} price {i}", price_breaks=[{"Quantity": 1, "Price": i}])
        for i in range(products)
    )
    m.Product.objects.bulk_create(
        m.Product(marketplace=mp, oc_id=f"p-{i}", name=f"{tag} product {i}", default_price_schedule_id=f"ps-{i}",
                  active=True, xp={"n": i})
        for i in range(products)
    )
    m.ProductAssignment.objects.bulk_create(
        m.ProductAssignment(marketplace=mp, product_id=f"p-{i}", buyer_id="buyer-1", price_schedule_id=f"ps-{i}")
        for i in range(products)
    )
    m.ProductCatalogAssignment.objects.bulk_create(
        m.ProductCatalogAssignment(marketplace=mp, catalog_id="cat-1", product_id=f"p-{i}") for i in range(products)
    )
    m.Webhook.objects.create(
        marketplace=mp, oc_id="order-hook", name=f"{tag} hook", url=webhook_url, hash_key="s3cret",
        api_client_ids=["admin-client"], webhook_routes=[{"Route": "v1/products", "Verb": "POST"}],
    )
    m.IntegrationEvent.objects.create(
        marketplace=mp, oc_id="checkout", name=f"{tag} checkout", event_type="OrderCheckout",
        custom_implementation_url="https://integrations.example.com/checkout", hash_key="k",
    )
    m.MessageSender.objects.create(marketplace=mp, oc_id="mailer", name=f"{tag} mailer", message_types=["OrderSubmitted"],
                                   delivery_config_id="smtp-prod")


@pytest.fixture
def production(db):
    mp = marketplace_create(environment="production", marketplace_id="acme", name="Acme")
    seed_marketplace(mp, products=5, tag="prod")
    return mp


@pytest.fixture
def staging(db):
    mp = marketplace_create(environment="staging", marketplace_id="acme", name="Acme")
    seed_marketplace(mp, products=2, tag="staging", webhook_url="https://hooks.example.com/staging")
    m.Product.objects.create(marketplace=mp, oc_id="only-in-staging", name="staging experiment")
    return mp


def copy(source, target, **kwargs):
    with transaction.atomic():
        return restore.marketplace_copy(source=source, target=target, **kwargs)


def names(model, mp) -> list[str]:
    return sorted(model.objects.filter(marketplace=mp).values_list("name", flat=True))


class TestMarketplaceCopy:
    def test_target_data_is_replaced_by_a_copy_of_the_source(self, production, staging):
        reports = copy(production, staging)

        assert names(m.Product, staging) == names(m.Product, production)
        assert not m.Product.objects.filter(marketplace=staging, oc_id="only-in-staging").exists()
        assert restore.resource_counts(marketplace=staging) == restore.resource_counts(marketplace=production)
        by_resource = {r.resource: r for r in reports}
        assert by_resource["Product"].rows_copied == 5 and by_resource["Product"].rows_removed == 3
        assert by_resource["PriceSchedule"].rows_copied == 5
        assert by_resource["ProductAssignment"].rows_copied == 5
        assert [by_resource[r].label for r in ("Product", "Category", "ApiClient", "CoreUser")] == [
            "Products", "Categories", "API clients", "Users"]  # fmt: skip
        copied = m.Product.objects.get(marketplace=staging, oc_id="p-3")
        assert (copied.default_price_schedule_id, copied.xp, copied.active) == ("ps-3", {"n": 3}, True)

    def test_the_source_is_left_untouched(self, production, staging):
        before = restore.resource_counts(marketplace=production)
        copy(production, staging)
        assert restore.resource_counts(marketplace=production) == before
        hook = m.Webhook.objects.get(marketplace=production)
        assert hook.api_client_ids == ["admin-client"]
        assert m.IntegrationEvent.objects.get(marketplace=production).custom_implementation_url

    def test_webhooks_are_disabled_with_empty_api_client_ids_in_the_copy(self, production, staging):
        reports = copy(production, staging)
        hook = m.Webhook.objects.get(marketplace=staging)
        assert hook.api_client_ids == []
        assert hook.name == "prod hook"  # the rest is kept, so an integration can re-assign it
        assert {r.resource: r.rows_sanitized for r in reports}["Webhook"] == 1

    def test_integration_event_and_message_sender_targets_are_cleared_in_the_copy(self, production, staging):
        copy(production, staging)
        assert m.IntegrationEvent.objects.get(marketplace=staging).custom_implementation_url == ""
        assert m.MessageSender.objects.get(marketplace=staging).delivery_config_id == ""

    def test_a_failure_half_way_leaves_the_target_as_it_was(self, production, staging):
        before = {model.__name__: names(model, staging) for model in (m.Product, m.Webhook, m.ApiClient)
                  if hasattr(model, "name")} | {"ApiClient": list(m.ApiClient.objects.filter(marketplace=staging)
                                                                 .values_list("app_name", flat=True))}
        counts = restore.resource_counts(marketplace=staging)
        product_position = [mdl.__name__ for mdl in restore.copied_models()].index("Product")

        def fail_after_products(report, done, total):
            if report.resource == "Product":
                raise RuntimeError("worker lost")

        assert product_position > 0  # tables before it were already replaced when it fails
        with pytest.raises(RuntimeError, match="worker lost"):
            copy(production, staging, on_table=fail_after_products)

        assert restore.resource_counts(marketplace=staging) == counts
        assert names(m.Product, staging) == before["Product"]
        assert list(m.ApiClient.objects.filter(marketplace=staging).values_list("app_name", flat=True)) == ["staging app"]
        assert m.Webhook.objects.get(marketplace=staging).api_client_ids == ["admin-client"]

    def test_refresh_tokens_are_not_copied_and_the_targets_are_cleared_deliveries_are_kept(self, production, staging):
        for mp in (production, staging):
            m.RefreshToken.objects.create(marketplace=mp, token_hash=f"h-{mp.environment}", user_kind="admin",
                                          username="admin", expires_at=timezone.now())
            m.WebhookDelivery.objects.create(marketplace=mp, webhook_oc_id="order-hook", url="u", route="r", verb="POST")
        reports = copy(production, staging)
        assert not m.RefreshToken.objects.filter(marketplace=staging).exists()
        assert m.RefreshToken.objects.filter(marketplace=production).count() == 1
        assert m.WebhookDelivery.objects.filter(marketplace=staging).count() == 1  # staging's own log
        assert {r.resource for r in reports} >= {"RefreshToken"} and "WebhookDelivery" not in {r.resource for r in reports}

    def test_revoked_staging_tokens_stay_revoked_and_productions_revocations_are_not_copied(
        self, production, staging, client
    ):
        def admin_token(env):
            response = client.post(f"/core/{env}/oauth/token", {
                "grant_type": "password", "client_id": "admin-client", "username": "admin", "password": "Core-pass-123!",
            })  # fmt: skip
            return response.json()["access_token"]

        def works(env, token):
            return client.get(f"/core/{env}/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

        revoked = admin_token("staging")
        user_tokens_revoke(marketplace=staging, user_kind="admin", company_id="", user_id="admin-user")
        user_tokens_revoke(marketplace=production, user_kind="admin", company_id="", user_id="admin-user")
        user_tokens_revoke(marketplace=production, user_kind="admin", company_id="", user_id="admin-user")
        copy(production, staging)
        assert not works("staging", revoked)
        assert works("staging", admin_token("staging"))
        assert m.TokenRevocation.objects.get(marketplace=staging).generation == 1  # its own, not production's 2

    def test_running_it_again_gives_the_same_result(self, production, staging):
        copy(production, staging)
        first = restore.resource_counts(marketplace=staging)
        copy(production, staging)
        assert restore.resource_counts(marketplace=staging) == first

    def test_the_copy_is_usable_the_production_admin_signs_in_to_staging(self, production, staging, client):
        m.CoreUser.objects.filter(marketplace=production, username="admin").update(first_name="Production")
        copy(production, staging)
        response = client.post("/core/staging/oauth/token", {
            "grant_type": "password", "client_id": "admin-client", "username": "admin", "password": "Core-pass-123!",
        })
        assert response.status_code == 200, response.content
        me = client.get("/core/staging/v1/me", HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
        assert me.json()["FirstName"] == "Production"

    def test_a_users_password_history_and_sign_in_lock_are_copied_with_it(self, production, staging):
        """As coreapi.restore says: the user row is copied whole, so Staging refuses the same reused
        passwords and keeps Production's lock until the same time."""
        until = timezone.now() + timedelta(minutes=10)
        m.CoreUser.objects.filter(marketplace=production, username="admin").update(
            password_history=["md5$salt$0123"], failed_login_attempts=10, locked_until=until
        )
        copy(production, staging)
        user = m.CoreUser.objects.get(marketplace=staging, username="admin")
        assert (user.password_history, user.failed_login_attempts, user.locked_until) == (["md5$salt$0123"], 10, until)

    def test_it_is_set_based_a_few_statements_per_table_whatever_the_row_count(self, production, staging):
        with CaptureQueriesContext(connection) as queries:
            copy(production, staging)
        tables = restore.restore_table_count()
        # DELETE + INSERT ... SELECT per table, an UPDATE per sanitized table, the row locks, savepoints,
        # and 3 for the API client IDs (read them, lock them in the environment, look for them elsewhere).
        assert len(queries) <= 2 * tables + len(restore.STAGING_SANITIZE) + 4 + 3
        assert any("INSERT INTO" in q["sql"] and "SELECT" in q["sql"] for q in queries.captured_queries)

    def test_the_api_client_id_check_costs_the_same_for_many_clients(self, production, staging):
        m.ApiClient.objects.bulk_create(m.ApiClient(marketplace=production, oc_id=f"client-{i}", app_name="a")
                                        for i in range(50))
        with CaptureQueriesContext(connection) as queries:
            copy(production, staging)
        assert len(queries) <= 2 * restore.restore_table_count() + len(restore.STAGING_SANITIZE) + 4 + 3

    def test_an_api_client_id_another_marketplace_of_the_environment_has_stops_the_copy(self, production, staging):
        other = marketplace_create(environment="staging", marketplace_id="other", name="Other")
        m.ApiClient.objects.create(marketplace=other, oc_id="admin-client", app_name="theirs")
        before = names(m.Product, staging)
        with pytest.raises(restore.CopyConflict) as exc:
            copy(production, staging)
        assert exc.value.ids == ["admin-client"]
        assert names(m.Product, staging) == before

    @pytest.mark.django_db(transaction=True)
    def test_it_refuses_to_run_outside_a_transaction(self, production, staging):
        with pytest.raises(RuntimeError, match="transaction"):
            restore.marketplace_copy(source=production, target=staging)

    def test_it_refuses_to_copy_a_marketplace_onto_itself(self, production):
        with pytest.raises(ValueError):
            copy(production, production)


class TestWhatIsCopied:
    def test_every_coreapi_table_with_a_marketplace_is_copied_unless_listed_as_not_copied(self):
        from django.apps import apps

        with_marketplace = {
            model.__name__ for model in apps.get_app_config("coreapi").get_models()
            if any(f.name == "marketplace" for f in model._meta.concrete_fields)
        }
        assert {mdl.__name__ for mdl in restore.resource_models()} == with_marketplace
        assert {mdl.__name__ for mdl in restore.copied_models()} == with_marketplace - set(restore.NOT_COPIED)
        assert {"Product", "PriceSchedule", "ProductAssignment", "Webhook", "ApiClient"} <= with_marketplace

    def test_resource_tables_reference_each_other_by_id_strings_never_by_foreign_keys(self):
        """The copy relies on it: a FK to another resource row would point into the source."""
        for model in restore.resource_models():
            fks = [f.name for f in model._meta.concrete_fields if f.is_relation and f.name != "marketplace"]
            assert fks == [], f"{model.__name__} has foreign keys {fks}"
