"""Staging restore services: who may restore, what a run records, the lock, the weekly fan-out,
and the [BETA] staging restore webhook (config, signature, retries, SSRF guard, delivery log)."""

import json
import re
import time

import pytest
from django.db import transaction

from coreapi import models as m
from coreapi.restore import resource_counts
from organizations import services, services_restore as sr
from organizations.models import (
    AuditAction,
    AuditEntry,
    Environment,
    RestoreWebhookDelivery,
    StagingRestore,
    StagingRestoreStatus,
    StagingRestoreTrigger,
    StagingRestoreWebhook,
)
from portal.common import outbound
from portal.common.errors import NotFoundError, PermissionError_
from tests.stack.restore_receiver import RestoreReceiver


def marketplace(env: str):
    return m.Marketplace.objects.get(environment=env, marketplace_id="acme")


def product_names(env: str) -> list[str]:
    return sorted(m.Product.objects.filter(marketplace=marketplace(env)).values_list("name", flat=True))


@pytest.fixture
def run_restore(django_capture_on_commit_callbacks):
    """Start a restore as `actor` and run everything queued on commit (tasks are eager in tests)."""

    def run(actor, organization, **kwargs) -> StagingRestore:
        with django_capture_on_commit_callbacks(execute=True):
            restore = sr.staging_restore_start(actor=actor, organization=organization, **kwargs)
        restore.refresh_from_db()
        return restore

    return run


class TestStagingRestoreStart:
    def test_an_admin_restores_staging_from_production(self, staging_org, admin_user, run_restore):
        run = run_restore(admin_user, staging_org)

        assert run.status == StagingRestoreStatus.SUCCEEDED
        assert product_names("staging") == product_names("production") == [f"prod product {i}" for i in range(5)]
        assert resource_counts(marketplace=marketplace("staging")) == resource_counts(marketplace=marketplace("production"))
        assert m.Webhook.objects.get(marketplace=marketplace("staging")).api_client_ids == []
        assert run.started_at <= run.finished_at and run.requested_by == admin_user
        report = {t["resource"]: t for t in run.report}
        assert report["Product"]["rows_copied"] == 5 and report["Product"]["ms"] >= 0
        assert run.rows_copied == sum(t["rows_copied"] for t in run.report)

    def test_each_restore_is_in_the_audit_log(self, staging_org, admin_user, run_restore):
        run = run_restore(admin_user, staging_org)
        actions = list(AuditEntry.objects.filter(organization=staging_org).values_list("action", "actor", "details"))
        assert (AuditAction.STAGING_RESTORE_START, admin_user.pk, {"restore": run.pk, "trigger": "manual"}) in actions
        done = [a for a in actions if a[0] == AuditAction.STAGING_RESTORE_DONE]
        assert len(done) == 1 and done[0][2]["rows"] == run.rows_copied

    def test_outsiders_get_not_found_and_members_who_are_not_admins_are_refused(self, staging_org, member, outsider):
        with pytest.raises(NotFoundError):
            sr.staging_restore_start(actor=outsider, organization=staging_org)
        with pytest.raises(PermissionError_, match=services.ERR_NOT_ADMIN):
            sr.staging_restore_start(actor=member, organization=staging_org)
        assert not StagingRestore.objects.exists()

    def test_only_staging_organizations_can_be_restored(self, production_org, owner):
        with pytest.raises(sr.RestoreError, match=sr.ERR_RESTORE_STAGING_ONLY):
            sr.staging_restore_start(actor=owner, organization=production_org)

    def test_a_remote_environment_cannot_be_restored_with_a_clear_message(self, staging_org, owner, settings):
        settings.PORTAL_ENVIRONMENTS = {
            **settings.PORTAL_ENVIRONMENTS,
            "Staging": {"slug": "staging", "regions": {"usw": "https://staging.ordercloud.example.com"}},
        }
        with pytest.raises(sr.RestoreError) as exc:
            sr.staging_restore_start(actor=owner, organization=staging_org)
        assert "not the built-in core API (https://staging.ordercloud.example.com)" in exc.value.message

    def test_a_staging_org_whose_production_twin_is_deleted_cannot_be_restored(self, staging_org, production_org, owner):
        production_org.deleted_at = production_org.created_at
        production_org.save(update_fields=["deleted_at"])
        with pytest.raises(sr.RestoreError, match=sr.ERR_RESTORE_NO_PRODUCTION):
            sr.staging_restore_start(actor=owner, organization=staging_org)

    def test_a_new_production_org_with_the_id_of_a_purged_twin_is_not_copied_into_someone_elses_staging(
        self, staging_org, production_org, owner, outsider, django_capture_on_commit_callbacks
    ):
        """Twins are paired by Id. Once a deleted Production org was purged (its Staging twin
        stays), its Id was free in Production again: another user's approved "acme" became the
        twin, and the weekly restore copied their users, API clients and products into the old
        owner's Staging org. It is not the twin (made later, by another owner): nothing is copied."""
        from datetime import timedelta

        from coreapi.models import Marketplace
        from coreapi.tests.test_restore import seed_marketplace
        from django.utils import timezone

        queued = sr.staging_restore_start(actor=owner, organization=staging_org)  # before the purge, run after
        with django_capture_on_commit_callbacks(execute=True):
            services.organization_delete(actor=owner, organization=production_org, confirmed=True)
        assert services.organizations_purge_due(now=timezone.now() + timedelta(days=8)) == 1
        services._org_create(actor=outsider, oc_id="acme", name="Not Acme", region="usw",
                             environment=Environment.PRODUCTION)
        seed_marketplace(Marketplace.objects.get(environment="production", marketplace_id="acme"), products=4,
                         tag="outsider")
        before = product_names("staging")

        assert sr.staging_restore_execute(restore_id=queued.pk).status == StagingRestoreStatus.FAILED
        with pytest.raises(sr.RestoreError, match=re.escape(sr.ERR_RESTORE_NOT_TWIN)):
            sr.staging_restore_start(actor=owner, organization=staging_org)
        with django_capture_on_commit_callbacks(execute=True):
            assert sr.staging_restores_schedule() == []
        assert product_names("staging") == before
        assert StagingRestore.objects.get(pk=queued.pk).error == sr.ERR_RESTORE_NOT_TWIN

    def test_a_production_org_made_again_by_the_staging_owner_is_its_twin(
        self, staging_org, production_org, owner, run_restore, django_capture_on_commit_callbacks
    ):
        from datetime import timedelta

        from coreapi.models import Marketplace
        from coreapi.tests.test_restore import seed_marketplace
        from django.utils import timezone

        with django_capture_on_commit_callbacks(execute=True):
            services.organization_delete(actor=owner, organization=production_org, confirmed=True)
        services.organizations_purge_due(now=timezone.now() + timedelta(days=8))
        services._org_create(actor=owner, oc_id="acme", name="Acme", region="usw", environment=Environment.PRODUCTION)
        seed_marketplace(Marketplace.objects.get(environment="production", marketplace_id="acme"), products=1,
                         tag="again")
        assert run_restore(owner, staging_org).status == StagingRestoreStatus.SUCCEEDED
        assert product_names("staging") == ["again product 0"]

    def test_an_api_client_id_another_staging_marketplace_has_is_not_copied_twice_into_the_environment(
        self, staging_org, owner
    ):
        """API client IDs are unique in an environment (the token endpoint finds a client by ID
        alone), and an ID can be chosen. Another org made "shared-app" in its Staging while
        Production "acme" had one too: the restore copied it, two Staging clients had that ID, and
        sign-ins with it went to whichever the database returned first. Now the restore fails,
        naming the ID, and copies nothing."""
        from coreapi.testing import core_world

        other = core_world(environment="staging", marketplace_id="other-stg", client_id="shared-app")
        m.ApiClient.objects.create(marketplace=marketplace("production"), oc_id="shared-app", app_name="acme app")
        before = product_names("staging")
        run = sr.staging_restore_start(actor=owner, organization=staging_org)
        result = sr.staging_restore_execute(restore_id=run.pk)
        assert result.status == StagingRestoreStatus.FAILED
        assert result.error == sr.ERR_RESTORE_CLIENT_ID_TAKEN.format(ids="shared-app")
        assert list(m.ApiClient.objects.filter(marketplace__environment="staging", oc_id="shared-app")
                    .values_list("marketplace", flat=True)) == [other.marketplace.pk]
        assert product_names("staging") == before
        other.admin_token()  # the other org still signs in with its client

    def test_a_restore_cannot_be_started_while_one_is_queued_or_running(self, staging_org, owner, admin_user):
        first = sr.staging_restore_start(actor=owner, organization=staging_org)  # queued (commit never happens)
        with pytest.raises(sr.RestoreRunningError, match=sr.ERR_RESTORE_RUNNING):
            sr.staging_restore_start(actor=admin_user, organization=staging_org)
        StagingRestore.objects.filter(pk=first.pk).update(status=StagingRestoreStatus.RUNNING)
        with pytest.raises(sr.RestoreRunningError):
            sr.staging_restore_start(actor=admin_user, organization=staging_org)

    def test_the_database_refuses_a_second_active_restore_even_without_the_service(self, staging_org):
        from django.db import IntegrityError

        StagingRestore.objects.create(organization=staging_org)
        with pytest.raises(IntegrityError), transaction.atomic():
            StagingRestore.objects.create(organization=staging_org, status=StagingRestoreStatus.RUNNING)

    def test_a_run_left_running_by_a_dead_worker_is_failed_later_and_a_new_one_can_start(self, staging_org, owner):
        from django.utils import timezone

        stale = StagingRestore.objects.create(organization=staging_org, status=StagingRestoreStatus.RUNNING)
        StagingRestore.objects.filter(pk=stale.pk).update(created_at=timezone.now() - sr.STAGING_RESTORE_STALE_AFTER * 2)
        fresh = sr.staging_restore_start(actor=owner, organization=staging_org)
        stale.refresh_from_db()
        assert stale.status == StagingRestoreStatus.FAILED and "Interrupted" in stale.error
        assert fresh.status == StagingRestoreStatus.QUEUED
        from organizations.models import AuditAction, AuditEntry

        failed = AuditEntry.objects.get(organization=staging_org, action=AuditAction.STAGING_RESTORE_FAIL)
        assert failed.details["restore"] == stale.pk and "Interrupted" in failed.details["error"]


    def test_a_long_run_that_finishes_while_being_failed_as_stale_is_not_logged_as_failed(
        self, staging_org, owner, monkeypatch
    ):
        """Stale is counted from when it was queued: a run that waited, then copied for long, can
        commit between the start reading it as stale and failing it."""
        from django.db.models.query import QuerySet
        from django.utils import timezone

        long_run = StagingRestore.objects.create(organization=staging_org, status=StagingRestoreStatus.RUNNING)
        StagingRestore.objects.filter(pk=long_run.pk).update(created_at=timezone.now() - sr.STAGING_RESTORE_STALE_AFTER * 2)
        iterate = QuerySet.__iter__

        def read_then_it_commits(qs):
            rows = list(iterate(qs))
            if qs.model is StagingRestore and any(r.pk == long_run.pk and r.is_active for r in rows):
                StagingRestore.objects.filter(pk=long_run.pk).update(status=StagingRestoreStatus.SUCCEEDED)
            return iter(rows)

        monkeypatch.setattr(QuerySet, "__iter__", read_then_it_commits)
        sr.staging_restore_start(actor=owner, organization=staging_org)  # the long run is done: a new one starts
        monkeypatch.undo()
        long_run.refresh_from_db()
        assert long_run.status == StagingRestoreStatus.SUCCEEDED and long_run.error == ""
        assert not AuditEntry.objects.filter(action=AuditAction.STAGING_RESTORE_FAIL).exists()


class TestStagingRestoreExecute:
    def test_executing_the_same_run_twice_copies_once(self, staging_org, owner):
        run = sr.staging_restore_start(actor=owner, organization=staging_org)
        sr.staging_restore_execute(restore_id=run.pk)
        m.Product.objects.create(marketplace=marketplace("staging"), oc_id="made-after", name="made after")
        again = sr.staging_restore_execute(restore_id=run.pk)  # a redelivered task
        assert again.status == StagingRestoreStatus.SUCCEEDED
        assert "made after" in product_names("staging")
        assert AuditEntry.objects.filter(action=AuditAction.STAGING_RESTORE_DONE).count() == 1

    def test_rerunning_a_restore_later_is_safe(self, staging_org, owner, run_restore):
        run_restore(owner, staging_org)
        counts = resource_counts(marketplace=marketplace("staging"))
        second = run_restore(owner, staging_org)
        assert second.status == StagingRestoreStatus.SUCCEEDED
        assert resource_counts(marketplace=marketplace("staging")) == counts

    def test_a_failure_mid_copy_keeps_the_staging_data_and_fails_the_run(self, staging_org, owner, monkeypatch):
        """The production twin's marketplace disappears between start and copy: the run fails with
        a clear message, Staging keeps its data, and the failure is in the audit log."""
        before = product_names("staging")
        run = sr.staging_restore_start(actor=owner, organization=staging_org)
        m.Marketplace.objects.filter(pk=marketplace("production").pk).delete()
        result = sr.staging_restore_execute(restore_id=run.pk)
        assert result.status == StagingRestoreStatus.FAILED
        assert result.error == sr.ERR_RESTORE_NO_MARKETPLACE
        assert product_names("staging") == before
        assert AuditEntry.objects.filter(action=AuditAction.STAGING_RESTORE_FAIL, organization=staging_org).exists()

    @staticmethod
    def copies_that_lose(monkeypatch, losses: int, cause=None) -> list[int]:
        """marketplace_copy that, `losses` times, writes and then fails as a concurrent write made it."""
        import coreapi.restore
        import psycopg
        from django.db import IntegrityError

        real = coreapi.restore.marketplace_copy
        calls: list[int] = []

        def copy(**kwargs):
            calls.append(1)
            reports = real(**kwargs)
            if len(calls) <= losses:
                try:
                    raise cause or psycopg.errors.UniqueViolation('duplicate key value violates unique constraint "x"')
                except Exception as exc:
                    raise IntegrityError(str(exc)) from exc
            return reports

        monkeypatch.setattr(coreapi.restore, "marketplace_copy", copy)
        monkeypatch.setattr(sr, "RESTORE_COPY_RETRY_SECONDS", 0)
        return calls

    def test_a_copy_that_met_a_write_to_staging_is_tried_again(self, staging_org, owner, monkeypatch):
        """An integration writing to Staging during the copy (an ID Production has, committed in
        between, or a deadlock) failed the whole restore, and the weekly one waited a week."""
        calls = self.copies_that_lose(monkeypatch, losses=2)
        run = sr.staging_restore_start(actor=owner, organization=staging_org)
        result = sr.staging_restore_execute(restore_id=run.pk)
        assert result.status == StagingRestoreStatus.SUCCEEDED and len(calls) == 3
        assert product_names("staging") == product_names("production")
        actions = list(AuditEntry.objects.filter(organization=staging_org).values_list("action", flat=True))
        assert AuditAction.STAGING_RESTORE_FAIL not in actions and actions.count(AuditAction.STAGING_RESTORE_DONE) == 1
        assert [t["resource"] for t in result.report].count("Product") == 1

    def test_after_three_tries_it_fails_saying_staging_was_written_to(self, staging_org, owner, monkeypatch):
        calls = self.copies_that_lose(monkeypatch, losses=3)
        before = product_names("staging")
        run = sr.staging_restore_start(actor=owner, organization=staging_org)
        result = sr.staging_restore_execute(restore_id=run.pk)
        assert result.status == StagingRestoreStatus.FAILED and len(calls) == sr.RESTORE_COPY_ATTEMPTS == 3
        assert result.error == sr.ERR_RESTORE_WRITES_DURING_COPY.format(
            attempts=3, detail='UniqueViolation: duplicate key value violates unique constraint "x"')
        assert product_names("staging") == before

    def test_other_database_errors_are_not_tried_again(self, staging_org, owner, monkeypatch):
        import psycopg

        calls = self.copies_that_lose(monkeypatch, losses=1, cause=psycopg.errors.NotNullViolation("null value"))
        run = sr.staging_restore_start(actor=owner, organization=staging_org)
        result = sr.staging_restore_execute(restore_id=run.pk)
        assert result.status == StagingRestoreStatus.FAILED and len(calls) == 1
        assert result.error == "IntegrityError: null value"

    def test_a_run_queued_before_the_organization_was_deleted_leaves_its_data_as_it_was(
        self, staging_org, owner, django_capture_on_commit_callbacks
    ):
        """Restoring the deleted organization must bring back what it held, not a copy of Production
        made after the delete; and no restore webhook is sent for it."""
        before = product_names("staging")
        with RestoreReceiver(hash_key="k") as receiver:
            sr.restore_webhook_save(actor=owner, organization=staging_org, url=receiver.url, hash_key="k")
            run = sr.staging_restore_start(actor=owner, organization=staging_org)
            services.organization_delete(actor=owner, organization=staging_org, confirmed=True)
            with django_capture_on_commit_callbacks(execute=True):
                result = sr.staging_restore_execute(restore_id=run.pk)
        assert (result.status, result.error) == (StagingRestoreStatus.FAILED, sr.ERR_RESTORE_ORG_DELETED)
        assert product_names("staging") == before
        assert receiver.received == [] and not RestoreWebhookDelivery.objects.exists()

    def test_progress_is_published_table_by_table(self, staging_org, owner):
        from django.core.cache import cache

        run = sr.staging_restore_start(actor=owner, organization=staging_org)
        sr.staging_restore_execute(restore_id=run.pk)
        progress = cache.get(sr.progress_key(run.pk))
        assert progress["done"] == progress["total"] == run.tables_total
        assert [t["resource"] for t in progress["tables"]] == [t["resource"] for t in StagingRestore.objects.get(pk=run.pk).report]

    @staticmethod
    def published(monkeypatch) -> list[tuple[int, int, int]]:
        """(done, total, tables in the write) of every progress write, in order."""
        writes = []
        real = sr._publish_progress

        def spy(restore_id, *, done, total, tables, current=""):
            writes.append((done, total, len(tables)))
            real(restore_id, done=done, total=total, tables=tables, current=current)

        monkeypatch.setattr(sr, "_publish_progress", spy)
        return writes

    def test_tables_slower_than_the_interval_are_each_published_when_done(self, staging_org, owner, monkeypatch):
        monkeypatch.setattr(sr, "PROGRESS_MIN_INTERVAL_SECONDS", 0)
        writes = self.published(monkeypatch)
        run = sr.staging_restore_start(actor=owner, organization=staging_org)
        sr.staging_restore_execute(restore_id=run.pk)
        total = StagingRestore.objects.get(pk=run.pk).tables_total
        assert writes == [(done, total, done) for done in range(total + 1)]

    def test_quick_tables_are_published_together_a_small_restore_writes_progress_twice(self, staging_org, owner,
                                                                                        monkeypatch):
        """A cache write is a round trip to Redis: not one per table when the tables take no time."""
        monkeypatch.setattr(sr, "PROGRESS_MIN_INTERVAL_SECONDS", 3600)
        writes = self.published(monkeypatch)
        run = sr.staging_restore_start(actor=owner, organization=staging_org)
        sr.staging_restore_execute(restore_id=run.pk)
        total = StagingRestore.objects.get(pk=run.pk).tables_total
        assert writes == [(0, total, 0), (total, total, total)]  # the start, then every table at the end


class TestWeeklySchedule:
    def test_beat_runs_the_weekly_restore_on_sunday_at_three_utc(self, settings):
        entry = settings.CELERY_BEAT_SCHEDULE["organizations-staging-restore-weekly"]
        assert entry["task"] == "organizations.tasks.staging_restores_weekly"
        schedule = entry["schedule"]
        assert (schedule.minute, schedule.hour, schedule.day_of_week) == ({0}, {3}, {0})
        from portal.celery import app

        app.loader.import_default_modules()  # what a worker or beat does at start: autodiscovery
        assert entry["task"] in app.tasks

    def test_the_weekly_task_queues_one_restore_per_staging_org(self, staging_org, owner, org,
                                                                django_capture_on_commit_callbacks):
        from organizations.tasks import staging_restores_weekly

        with django_capture_on_commit_callbacks(execute=True):
            queued = staging_restores_weekly.delay().get()
        runs = StagingRestore.objects.filter(pk__in=queued)
        assert [(r.organization, r.trigger, r.status, r.requested_by) for r in runs] == [
            (staging_org, StagingRestoreTrigger.SCHEDULE, StagingRestoreStatus.SUCCEEDED, None)
        ]
        assert product_names("staging") == product_names("production")
        assert org.environment == Environment.SANDBOX  # the Sandbox org was not touched


    def test_the_weekly_task_fired_twice_restores_once(self, staging_org, django_capture_on_commit_callbacks, caplog):
        """Beat fires a due entry again when it restarts before it saved its schedule file (killed
        during a 03:00 deploy), or when two beats run: every Staging org was restored twice (its
        receivers called twice), as the first runs had finished before the second fan-out came."""
        from organizations.tasks import staging_restores_weekly

        with django_capture_on_commit_callbacks(execute=True):
            first = staging_restores_weekly.delay().get()
        with django_capture_on_commit_callbacks(execute=True), caplog.at_level("INFO", logger=sr.__name__):
            second = staging_restores_weekly.delay().get()
        assert len(first) == 1 and second == []
        assert StagingRestore.objects.count() == 1
        assert "already restored by the weekly schedule" in caplog.text

    def test_after_a_failed_weekly_run_the_schedule_fired_again_retries_it(self, staging_org, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
        import coreapi.restore

        real_copy = coreapi.restore.marketplace_copy
        monkeypatch.setattr(coreapi.restore, "marketplace_copy", lambda **kw: 1 / 0)
        with django_capture_on_commit_callbacks(execute=True):
            (failed,) = sr.staging_restores_schedule()
        assert StagingRestore.objects.get(pk=failed).status == StagingRestoreStatus.FAILED
        monkeypatch.setattr(coreapi.restore, "marketplace_copy", real_copy)
        with django_capture_on_commit_callbacks(execute=True):
            (retried,) = sr.staging_restores_schedule()
        assert StagingRestore.objects.get(pk=retried).status == StagingRestoreStatus.SUCCEEDED

    def test_a_manual_restore_after_the_weekly_one_is_not_refused(self, staging_org, owner, run_restore,
                                                                 django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            sr.staging_restores_schedule()
        assert run_restore(owner, staging_org).status == StagingRestoreStatus.SUCCEEDED


# --- the staging restore webhook -----------------------------------------------------------------
class TestRestoreWebhookConfig:
    def test_an_admin_saves_reads_and_removes_the_webhook(self, staging_org, admin_user):
        hook = sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="https://hooks.example.com/r",
                                       hash_key="k1")
        assert sr.restore_webhook_get(actor=admin_user, organization=staging_org) == hook
        sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="https://hooks.example.com/r2", hash_key="")
        assert sr.restore_webhook_get(actor=admin_user, organization=staging_org).url == "https://hooks.example.com/r2"
        sr.restore_webhook_delete(actor=admin_user, organization=staging_org)
        with pytest.raises(NotFoundError, match=sr.ERR_WEBHOOK_NOT_FOUND):
            sr.restore_webhook_get(actor=admin_user, organization=staging_org)
        actions = set(AuditEntry.objects.filter(organization=staging_org).values_list("action", flat=True))
        assert {AuditAction.RESTORE_WEBHOOK_SAVE, AuditAction.RESTORE_WEBHOOK_DELETE} <= actions

    def test_the_activity_log_keeps_the_address_but_not_credentials_in_it(self, staging_org, admin_user):
        url = "https://hookuser:s3cret-pass@hooks.example.com/r?x=1"
        hook = sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=url, hash_key="")
        assert hook.url == url  # the delivery still uses them
        sr.restore_webhook_delete(actor=admin_user, organization=staging_org)
        logged = [e.details["url"] for e in AuditEntry.objects.filter(
            organization=staging_org, action__in=[AuditAction.RESTORE_WEBHOOK_SAVE, AuditAction.RESTORE_WEBHOOK_DELETE])]
        assert logged == ["https://***@hooks.example.com/r?x=1"] * 2

    @pytest.mark.parametrize("url, message", [
        ("", sr.ERR_WEBHOOK_URL_REQUIRED),
        ("ftp://hooks.example.com/x", sr.ERR_WEBHOOK_URL_INVALID),
        ("https://", sr.ERR_WEBHOOK_URL_INVALID),
        ("https://hooks.example.com:99999/x", sr.ERR_WEBHOOK_URL_INVALID),
        ("https://hooks.example.com:0/x", sr.ERR_WEBHOOK_URL_INVALID),  # was saved, then POSTed to port 443
        ("https://hooks.example.com/" + "x" * 2000, sr.ERR_WEBHOOK_URL_TOO_LONG),
    ])
    def test_bad_urls_are_refused_with_a_clear_message(self, staging_org, admin_user, url, message):
        with pytest.raises(sr.RestoreError, match=message.replace("(", r"\(").replace(")", r"\)")):
            sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=url, hash_key="k")

    @pytest.mark.parametrize("url", [
        "http://127.0.0.1:8000/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data", "http://[::1]/hook", "http://0.0.0.0/hook",
        # shared address space (a cloud metadata service lives at 100.100.100.200), 6to4 of 169.254.169.254
        "http://100.100.100.200/latest/meta-data", "http://100.64.0.1/hook", "http://[2002:a9fe:a9fe::1]/hook",
    ])
    def test_production_refuses_private_loopback_and_link_local_addresses(self, staging_org, admin_user, settings, url):
        settings.STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS = False
        with pytest.raises(sr.RestoreError, match="private, loopback or link-local"):
            sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=url, hash_key="k")

    def test_public_addresses_pass_the_ssrf_guard(self, staging_org, admin_user, settings):
        settings.STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS = False
        hook = sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="https://93.184.215.14/hook")
        assert hook.url == "https://93.184.215.14/hook"

    def test_only_admins_of_staging_orgs(self, staging_org, production_org, owner, member, outsider):
        with pytest.raises(PermissionError_):
            sr.restore_webhook_save(actor=member, organization=staging_org, url="https://h.example.com/", hash_key="")
        with pytest.raises(NotFoundError):
            sr.restore_webhook_save(actor=outsider, organization=staging_org, url="https://h.example.com/", hash_key="")
        with pytest.raises(sr.RestoreError, match=sr.ERR_RESTORE_STAGING_ONLY):
            sr.restore_webhook_save(actor=owner, organization=production_org, url="https://h.example.com/", hash_key="")


class TestRestoreWebhookDelivery:
    def test_after_a_restore_the_signed_payload_arrives_with_resource_counts(self, staging_org, admin_user, run_restore):
        with RestoreReceiver(hash_key="s3cret-key") as receiver:
            sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=receiver.url, hash_key="s3cret-key")
            run = run_restore(admin_user, staging_org)
        (got,) = receiver.received
        assert got["signature_ok"]
        payload = got["payload"]
        assert payload["OrganizationID"] == "acme" and payload["Environment"] == "Staging"
        assert payload["Test"] is False and payload["RestoreID"] == run.pk
        assert payload["ResourceCounts"]["Product"] == 5 and payload["ResourceCounts"]["Webhook"] == 1
        assert payload["RestoreStarted"] <= payload["RestoreEnded"]
        assert got["headers"]["Content-Type"].startswith("application/json")
        (delivery,) = RestoreWebhookDelivery.objects.all()
        assert (delivery.status_code, delivery.attempt, delivery.test, delivery.restore_id) == (200, 1, False, run.pk)
        assert delivery.latency_ms >= 0

    def test_the_test_button_sends_a_signed_test_payload(self, staging_org, admin_user, django_capture_on_commit_callbacks):
        with RestoreReceiver(hash_key="abc") as receiver:
            sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=receiver.url, hash_key="abc")
            with django_capture_on_commit_callbacks(execute=True):
                sr.restore_webhook_test(actor=admin_user, organization=staging_org)
        (got,) = receiver.received
        assert got["signature_ok"] and got["payload"]["Test"] is True and got["payload"]["RestoreID"] is None
        assert RestoreWebhookDelivery.objects.get().test is True

    def test_the_test_button_works_without_a_production_twin(
        self, staging_org, production_org, owner, admin_user, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            services.organization_delete(actor=owner, organization=production_org, confirmed=True)
        with RestoreReceiver(hash_key="abc") as receiver:
            sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=receiver.url, hash_key="abc")
            with django_capture_on_commit_callbacks(execute=True):
                sr.restore_webhook_test(actor=admin_user, organization=staging_org)
        (got,) = receiver.received
        assert got["signature_ok"] and got["payload"]["ResourceCounts"]["Product"] == 2  # the Staging's own

    def test_a_wrong_hash_key_is_rejected_by_the_receiver_and_not_retried(self, staging_org, admin_user, run_restore):
        with RestoreReceiver(hash_key="the-right-key") as receiver:
            sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=receiver.url, hash_key="wrong")
            run_restore(admin_user, staging_org)
        assert [r["signature_ok"] for r in receiver.received] == [False]
        assert list(RestoreWebhookDelivery.objects.values_list("status_code", flat=True)) == [401]

    def test_failures_are_retried_five_attempts_in_all(self, staging_org, admin_user, run_restore):
        with RestoreReceiver(hash_key="k", statuses=[500, 502, 503, 500, 500, 500]) as receiver:
            sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=receiver.url, hash_key="k")
            run_restore(admin_user, staging_org)
        attempts = list(RestoreWebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code"))
        assert attempts == [(1, 500), (2, 502), (3, 503), (4, 500), (5, 500)]
        assert len(receiver.received) == 5

    def test_the_wait_before_the_next_attempt_doubles(self, staging_org, admin_user):
        with RestoreReceiver(hash_key="k", statuses=[500] * 5) as receiver:
            sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=receiver.url, hash_key="k")
            body = json.dumps({"DeliveryID": "d1", "Test": True})
            waits = [sr.restore_webhook_deliver(organization_id=staging_org.pk, body=body, restore_id=None, attempt=a)
                     for a in range(1, 6)]
        assert waits == [10, 20, 40, 80, None]  # seconds; None: the fifth attempt was the last

    def test_a_receiver_that_recovers_gets_the_payload_on_a_later_attempt(self, staging_org, admin_user, run_restore):
        with RestoreReceiver(hash_key="k", statuses=[503]) as receiver:
            sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=receiver.url, hash_key="k")
            run_restore(admin_user, staging_org)
        assert list(RestoreWebhookDelivery.objects.order_by("attempt").values_list("status_code", flat=True)) == [503, 200]
        ids = set(RestoreWebhookDelivery.objects.values_list("delivery_id", flat=True))
        assert len(ids) == 1  # one delivery, two attempts
        bodies = [json.dumps(r["payload"], sort_keys=True) for r in receiver.received]
        assert bodies[0] == bodies[1]

    def test_without_a_task_queue_a_receiver_that_times_out_is_not_retried_at_once(
        self, staging_org, admin_user, monkeypatch, django_capture_on_commit_callbacks, settings
    ):
        """Eager tasks (the embedded default) cannot wait between attempts: 5 read timeouts of 10 s
        kept "Send test" (and "Restore now") waiting for a minute."""
        import requests

        calls = []

        def too_slow(url, **kwargs):
            calls.append(url)
            raise requests.exceptions.ReadTimeout("Read timed out. (read timeout=10.0)")

        monkeypatch.setattr(outbound, "post_pinned", too_slow)
        sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="http://slow.example.com/h")
        with django_capture_on_commit_callbacks(execute=True):
            sr.restore_webhook_test(actor=admin_user, organization=staging_org)
        assert len(calls) == 1
        delivery = RestoreWebhookDelivery.objects.get()
        assert delivery.error == f"Timed out after 10 s: no answer. {sr.RESTORE_WEBHOOK_NOT_RETRIED_EAGER}"
        # with a task queue the worker waits, then tries again
        settings.CELERY_TASK_ALWAYS_EAGER = False
        body = json.dumps({"DeliveryID": "d1", "Test": True})
        assert sr.restore_webhook_deliver(organization_id=staging_org.pk, body=body, restore_id=None, attempt=1) == 10

    @pytest.mark.parametrize("status, retried", [(200, False), (204, False), (503, True)])
    def test_an_answer_with_a_huge_body_counts_by_its_status(self, staging_org, admin_user, monkeypatch, status, retried):
        """A receiver that did the work and answered 200 with a body over 1 MB (a debug dump, a
        whole page) was logged as "no answer" (Status –, ResponseTooLarge) and sent the payload 4
        more times; the status counts, like a core API webhook's, and the body is dropped."""
        import requests

        def huge_answer(url, **kwargs):
            response = requests.Response()
            response.status_code = status
            raise outbound.ResponseTooLarge("The answer is larger than 1048576 bytes.", response=response)

        monkeypatch.setattr(outbound, "post_pinned", huge_answer)
        sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="http://hooks.example.com/h")
        body = json.dumps({"DeliveryID": "d1", "Test": True})
        wait = sr.restore_webhook_deliver(organization_id=staging_org.pk, body=body, restore_id=None, attempt=1)
        delivery = RestoreWebhookDelivery.objects.get()
        assert delivery.status_code == status
        assert (wait is not None) == retried
        assert delivery.ok == (not retried)
        if retried:
            assert delivery.error == f"HTTP {status} Service Unavailable: The answer is larger than 1048576 bytes."
        else:
            assert delivery.error == ""

    def test_a_redirect_is_not_followed_and_the_log_says_where_it_pointed(self, staging_org, admin_user, monkeypatch):
        """A receiver moved behind a redirect (http -> https, a new path) was logged as "HTTP 302: "
        and nothing else: the log now says redirects are not followed and where it pointed."""
        import requests

        def moved(url, **kwargs):
            response = requests.Response()
            response.status_code = 301
            response.headers["Location"] = "https://user:pw@hooks.example.com/new"
            response._content = b""
            return response

        monkeypatch.setattr(outbound, "post_pinned", moved)
        sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="http://hooks.example.com/old")
        body = json.dumps({"DeliveryID": "d1", "Test": True})
        assert sr.restore_webhook_deliver(organization_id=staging_org.pk, body=body, restore_id=None) is None
        delivery = RestoreWebhookDelivery.objects.get()
        assert delivery.status_code == 301
        assert delivery.error == sr.ERR_WEBHOOK_REDIRECTED.format(status=301, location="https://***@hooks.example.com/new")

    def test_a_receiver_that_is_down_is_logged_as_a_network_error(self, staging_org, admin_user, run_restore):
        from portal.tests.processes import free_port

        sr.restore_webhook_save(actor=admin_user, organization=staging_org,
                                url=f"http://127.0.0.1:{free_port()}/nobody", hash_key="k")
        run_restore(admin_user, staging_org)
        deliveries = list(RestoreWebhookDelivery.objects.all())
        assert len(deliveries) == sr.RESTORE_WEBHOOK_MAX_ATTEMPTS
        # in plain words: the tab showed "ConnectionError: [Errno 111] Connection refused (_TrackedHTTPPool(..."
        assert all(d.status_code is None and d.error == "Connection refused." for d in deliveries)

    def test_a_timeout_says_how_long_it_waited(self, staging_org, admin_user, monkeypatch, settings):
        import requests

        def slow(url, **kwargs):
            raise requests.exceptions.ReadTimeout(
                "_TrackedHTTPPool(host='127.0.0.1', port=8744): Read timed out. (read timeout=10.0)")

        monkeypatch.setattr(outbound, "post_pinned", slow)
        settings.CELERY_TASK_ALWAYS_EAGER = False
        sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="http://hooks.example.com/x")
        body = json.dumps({"DeliveryID": "d1", "Test": True})
        sr.restore_webhook_deliver(organization_id=staging_org.pk, body=body, restore_id=None)
        assert RestoreWebhookDelivery.objects.get().error == "Timed out after 10 s: no answer."

    def test_the_ssrf_guard_also_applies_at_delivery_time_without_retries(self, staging_org, admin_user, run_restore,
                                                                           settings):
        with RestoreReceiver(hash_key="k") as receiver:
            sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=receiver.url, hash_key="k")
            settings.STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS = False
            run_restore(admin_user, staging_org)
        assert receiver.received == []
        (delivery,) = RestoreWebhookDelivery.objects.all()
        assert delivery.status_code is None and "loopback" in delivery.error


@pytest.mark.django_db(transaction=True)
def test_two_workers_executing_the_same_restore_at_once_copy_once(staging_org):
    """PostgreSQL row locks: the second execution waits for the first, then finds the run finished."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks (SELECT ... FOR UPDATE); scripts/test runs this on PostgreSQL")
    run = StagingRestore.objects.create(organization=staging_org, tables_total=1)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(sr.staging_restore_execute(restore_id=run.pk).status)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and results == ["succeeded", "succeeded"]
    assert AuditEntry.objects.filter(action=AuditAction.STAGING_RESTORE_DONE).count() == 1
    assert product_names("staging") == product_names("production")
    assert resource_counts(marketplace=marketplace("staging")) == resource_counts(marketplace=marketplace("production"))



def _staging_write_committed_while_the_restore_runs(write, *, hold_seconds: float = 1.5):
    """Start `write` (a function) in a transaction of its own, run the restore while it is open,
    commit it `hold_seconds` later; returns (the run, the write's exception or None)."""
    import threading

    from django.db import connections

    started, errors = threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                write()
                started.set()
                time.sleep(hold_seconds)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
            started.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert started.wait(10)
    run = StagingRestore.objects.create(organization=StagingRestore._meta.get_field("organization").related_model
                                        .objects.get(environment=Environment.STAGING, oc_id="acme"), tables_total=1)
    result = sr.staging_restore_execute(restore_id=run.pk)
    thread.join(30)
    return result, (errors[0] if errors else None)


@pytest.mark.django_db(transaction=True)
def test_a_product_created_in_staging_during_the_restore_does_not_deadlock_it(staging_org):
    """The copy locked both marketplaces FOR UPDATE; a product created in Staging meanwhile checks
    its marketplace foreign key when it commits (FOR KEY SHARE), which waited for the copy, while the
    copy waited for that product's row count: PostgreSQL broke the deadlock by failing the restore
    ("OperationalError: deadlock detected ...", every time an integration wrote to Staging at 03:00)
    or the write (a 503). The copy's lock (FOR NO KEY UPDATE) no longer blocks such checks."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; scripts/test runs this on PostgreSQL")
    staging = marketplace("staging")
    result, error = _staging_write_committed_while_the_restore_runs(
        lambda: m.Product.objects.create(marketplace=staging, oc_id="made-during", name="made during"))
    assert error is None
    assert result.status == StagingRestoreStatus.SUCCEEDED, result.error


@pytest.mark.django_db(transaction=True)
def test_a_write_of_an_id_production_has_committed_during_the_copy_is_replaced_by_a_retry(staging_org):
    """A price schedule made in Staging during the copy, with an ID Production has, made the copy's
    INSERT fail (IntegrityError: duplicate key): the copy is tried again, which replaces it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; scripts/test runs this on PostgreSQL")
    staging = marketplace("staging")
    result, error = _staging_write_committed_while_the_restore_runs(
        lambda: m.PriceSchedule.objects.create(marketplace=staging, oc_id="ps-4", name="made during"))
    assert error is None
    assert result.status == StagingRestoreStatus.SUCCEEDED, result.error
    assert m.PriceSchedule.objects.get(marketplace=staging, oc_id="ps-4").name == "prod price 4"


class TestRestoreWebhookAddressPinning:
    """The delivery POSTs to the address it checked: a DNS answer that changes between the check
    and the connection (rebinding) cannot send it elsewhere."""

    def test_the_post_goes_to_the_checked_address_with_one_lookup(self, staging_org, admin_user, run_restore,
                                                                   settings, monkeypatch):
        import socket

        with RestoreReceiver(hash_key="k") as receiver:
            port = int(receiver.url.split(":")[2].split("/")[0])
            sr.restore_webhook_save(actor=admin_user, organization=staging_org,
                                    url=f"http://hooks.example.test:{port}/restored", hash_key="k")
            lookups = []
            real_getaddrinfo = socket.getaddrinfo

            def rebinding_dns(host, *args, **kwargs):
                # first answer: the receiver's address (treated as public below); any later answer
                # would be 127.0.0.2, where nothing listens, and counts as private
                if host[0].isdigit():  # an address literal: the connection itself, no DNS
                    return real_getaddrinfo(host, *args, **kwargs)
                lookups.append(host)
                address = "127.0.0.1" if len(lookups) == 1 else "127.0.0.2"
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 0))]

            monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
            monkeypatch.setattr(outbound, "address_blocked", lambda a: str(a) != "127.0.0.1")
            settings.STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS = False
            run_restore(admin_user, staging_org)
        assert lookups == ["hooks.example.test"]
        (got,) = receiver.received
        assert got["signature_ok"] and got["headers"].get("Host") == f"hooks.example.test:{port}"
        (delivery,) = RestoreWebhookDelivery.objects.all()
        assert delivery.status_code == 200 and delivery.url == f"http://hooks.example.test:{port}/restored"

    def test_an_internationalized_host_name_is_delivered_with_its_ascii_form_in_the_host_header(
        self, staging_org, admin_user, run_restore, monkeypatch
    ):
        """"Send test" to https://пример.example/… was a 500 (UnicodeEncodeError: the Host header
        cannot carry Cyrillic), and a restore's delivery failed with nothing in the log; bücher.example
        went out as a raw Latin-1 Host that no server matches. The Host header (and TLS's SNI and
        certificate check) carry the name's A-label form, as a browser sends it."""
        import socket

        with RestoreReceiver(hash_key="k") as receiver:
            port = int(receiver.url.split(":")[2].split("/")[0])
            real_getaddrinfo = socket.getaddrinfo

            def local(host, *args, **kwargs):
                if host[0].isdigit():
                    return real_getaddrinfo(host, *args, **kwargs)
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))]

            monkeypatch.setattr(socket, "getaddrinfo", local)
            for host in ("пример.example", "bücher.example"):
                sr.restore_webhook_save(actor=admin_user, organization=staging_org,
                                        url=f"http://{host}:{port}/restored", hash_key="k")
                run_restore(admin_user, staging_org)
        assert [r["headers"]["Host"] for r in receiver.received] == [
            f"xn--e1afmkfd.example:{port}", f"xn--bcher-kva.example:{port}"]
        assert list(RestoreWebhookDelivery.objects.order_by("id").values_list("status_code", flat=True)) == [200, 200]

    def test_credentials_a_basic_authorization_header_cannot_carry_are_refused_not_a_500(
        self, staging_org, admin_user, run_restore, settings
    ):
        """http://юзер:пароль@host/ was saved, then every delivery raised UnicodeEncodeError (Basic
        auth is Latin-1 in requests): "Send test" was a 500 and a restore's deliveries were not logged."""
        url = "http://юзер:пароль@hooks.example.com/x"
        with pytest.raises(sr.RestoreError, match=re.escape(sr.ERR_WEBHOOK_URL_CREDENTIALS)):
            sr.restore_webhook_save(actor=admin_user, organization=staging_org, url=url)
        with pytest.raises(sr.RestoreError, match=re.escape(sr.ERR_WEBHOOK_URL_CREDENTIALS)):
            sr.restore_webhook_save(actor=admin_user, organization=staging_org,
                                    url="http://us%D0%B5r:pw@hooks.example.com/x")
        sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="http://us%C3%A9r:p%C3%A4ss@h.example.com/")
        # one saved before this check: its deliveries are logged as failed, not retried, never an exception
        with RestoreReceiver(hash_key="k") as receiver:
            StagingRestoreWebhook.objects.filter(organization=staging_org).update(
                url=receiver.url.replace("http://", "http://юзер:пароль@"))
            run_restore(admin_user, staging_org)
        (delivery,) = RestoreWebhookDelivery.objects.all()
        assert delivery.status_code is None and delivery.error == sr.ERR_WEBHOOK_URL_CREDENTIALS
        assert receiver.received == []

    def test_a_url_requests_cannot_send_is_logged_and_not_retried(self, staging_org, admin_user, run_restore,
                                                                  monkeypatch):
        import requests

        def invalid(url, **kwargs):
            raise requests.exceptions.InvalidURL("Not a valid host name: a..b")

        monkeypatch.setattr(outbound, "post_pinned", invalid)
        sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="http://hooks.example.com/x")
        run_restore(admin_user, staging_org)
        (delivery,) = RestoreWebhookDelivery.objects.all()
        assert delivery.status_code is None and delivery.error == "This URL cannot be sent to: Not a valid host name: a..b."

    def test_an_internationalized_name_keeps_its_ascii_form_for_tls(self):
        import requests

        adapter = outbound.PinnedAddressAdapter(outbound.ascii_host("пример.example"))
        request = requests.Request("POST", "https://93.184.215.14/x").prepare()
        _, pool_kwargs = adapter.build_connection_pool_key_attributes(request, True)
        assert pool_kwargs["server_hostname"] == pool_kwargs["assert_hostname"] == "xn--e1afmkfd.example"

    def test_a_host_that_now_resolves_to_a_private_address_is_refused_not_retried(
        self, staging_org, admin_user, run_restore, settings, monkeypatch
    ):
        import socket

        sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="http://hooks.example.test/x")
        monkeypatch.setattr(socket, "getaddrinfo",
                            lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 0))])
        settings.STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS = False
        run_restore(admin_user, staging_org)
        (delivery,) = RestoreWebhookDelivery.objects.all()
        assert delivery.status_code is None and "10.0.0.7" in delivery.error

    def test_https_keeps_the_host_name_for_sni_and_the_certificate_check(self):
        import requests

        adapter = outbound.PinnedAddressAdapter("hooks.example.test")
        request = requests.Request("POST", "https://93.184.215.14:8443/x").prepare()
        host_params, pool_kwargs = adapter.build_connection_pool_key_attributes(request, True)
        assert host_params["host"] == "93.184.215.14"
        assert pool_kwargs["server_hostname"] == pool_kwargs["assert_hostname"] == "hooks.example.test"
        assert pool_kwargs["cert_reqs"] == "CERT_REQUIRED"
