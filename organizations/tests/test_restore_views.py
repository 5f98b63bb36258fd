"""The "Staging restore" tab: restore now, progress (htmx polling), report, webhook form, delivery
log; and the maintenance banner on every page."""

import re

import pytest
from django.urls import reverse

from organizations.models import RestoreWebhookDelivery, StagingRestore, StagingRestoreWebhook
from organizations.tests.conftest import add_member
from tests.stack.restore_receiver import RestoreReceiver

PAGE = "/organizations/staging/acme/restore/"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


class TestStagingRestorePage:
    def test_the_tab_is_shown_to_admins_of_staging_orgs_only(self, staging_org, production_org, client, admin_user,
                                                              member, owner):
        client.force_login(admin_user)
        assert "Staging restore" in client.get("/organizations/staging/acme/").content.decode()
        client.force_login(member)
        assert "Staging restore" not in client.get("/organizations/staging/acme/").content.decode()
        client.force_login(owner)
        assert "Staging restore" not in client.get("/organizations/production/acme/").content.decode()

    @pytest.mark.parametrize("actor, expected", [("owner", 200), ("admin_user", 200), ("member", 403), ("outsider", 404)])
    def test_page_permissions(self, staging_org, client, request, actor, expected):
        client.force_login(request.getfixturevalue(actor))
        assert client.get(PAGE).status_code == expected
        assert client.post(PAGE).status_code == (302 if expected == 200 else expected)

    def test_a_production_org_has_no_restore_page(self, production_org, client, owner, member):
        add_member(production_org, owner, member.username, roles=["FullAccess"])
        for user in (owner, member):  # not "admins only" to a plain member: there is no such page
            client.force_login(user)
            assert client.get("/organizations/production/acme/restore/").status_code == 404
            assert client.post("/organizations/production/acme/restore/").status_code == 404
            assert client.post("/organizations/production/acme/restore/webhook/", {"action": "save"}).status_code == 404

    def test_anonymous_visitors_are_sent_to_sign_in(self, staging_org, client):
        assert client.get(PAGE).status_code == 302

    def test_restore_now_shows_the_per_resource_report(self, staging_org, admin_client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            assert admin_client.post(PAGE).status_code == 302
        html = admin_client.get(PAGE).content.decode()
        assert "Restore started" in html  # the callbacks ran after the request: as with a worker
        assert 'data-status="succeeded"' in html and "hx-trigger" not in html  # finished: no more polling
        assert 'data-resource="Product"' in html and "Products" in html
        run = StagingRestore.objects.get()
        assert f"Restore #{run.pk}" in html and 'aria-valuenow="100"' in html

    def test_a_running_restore_is_polled_and_its_partial_shows_progress(self, staging_org, admin_client):
        from django.core.cache import cache

        from organizations.services_restore import progress_key

        run = StagingRestore.objects.create(organization=staging_org, status="running", tables_total=4)
        cache.set(progress_key(run.pk), {"done": 1, "total": 4, "current": "API clients", "tables": [
            {"resource": "ApiClient", "label": "API clients", "rows_copied": 3, "rows_removed": 1, "ms": 2.5}]})
        page = admin_client.get(PAGE).content.decode()
        progress_url = reverse("organizations:staging-restore-progress", kwargs={"env": "staging", "oc_id": "acme",
                                                                               "pk": run.pk})
        assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 1s"' in page
        assert "disabled" in page.split('data-testid="restore-now"')[0].rsplit("<button", 1)[1]
        partial = admin_client.get(progress_url, headers={"HX-Request": "true"}).content.decode()
        assert "<html" not in partial and 'aria-valuenow="25"' in partial
        assert "1 of 4 resources copied" in partial and 'data-resource="ApiClient"' in partial

    def test_with_a_task_queue_the_message_says_the_restore_started(self, staging_org, admin_client):
        response = admin_client.post(PAGE, follow=True)  # nothing runs it here: queued, as with a worker
        assert "Restore started: Staging is being replaced by a copy of Production." in response.content.decode()
        assert StagingRestore.objects.get().status == "queued"

    @pytest.mark.django_db(transaction=True)  # commits for real: the eager task runs inside the request
    def test_without_a_task_queue_the_message_says_the_restore_is_done_not_started(self, staging_org, admin_client):
        html = admin_client.post(PAGE, follow=True).content.decode()
        assert "Restore done: Staging now holds a copy of Production." in html and "Restore started" not in html
        assert 'data-status="succeeded"' in html

    @pytest.mark.django_db(transaction=True)
    def test_a_restore_that_failed_at_once_says_so_not_that_it_started(self, staging_org, admin_client, monkeypatch):
        import coreapi.restore

        def broken(**kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(coreapi.restore, "marketplace_copy", broken)
        html = admin_client.post(PAGE, follow=True).content.decode()
        assert "Restore failed: RuntimeError: disk full Staging kept its previous data." in html
        assert "Restore started" not in html and "Restore done" not in html

    def test_the_history_names_who_started_each_run(self, staging_org, admin_client, admin_user):
        StagingRestore.objects.create(organization=staging_org, status="succeeded", trigger="schedule")
        StagingRestore.objects.create(organization=staging_org, status="succeeded", requested_by=admin_user)
        StagingRestore.objects.create(organization=staging_org, status="failed", requested_by=None)  # user deleted
        rows = admin_client.get(PAGE).content.decode().split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
        started_by = [row.split("<td>")[2].split("</td>")[0] for row in rows]
        assert started_by == ["a removed user", admin_user.username, "weekly schedule"]

    @staticmethod
    def _form_token(admin_client) -> str:
        return re.search(r'name="form_token" value="([^"]+)"', admin_client.get(PAGE).content.decode()).group(1)

    @pytest.mark.django_db(transaction=True)
    def test_restore_now_posted_twice_restores_once_and_says_it_is_done(self, staging_org, admin_client):
        # no scripts to hold back the second click, or a retry on a slow network: the eager restore
        # has finished when the second POST of the same form arrives, which must not start another
        token = self._form_token(admin_client)
        first = admin_client.post(PAGE, {"form_token": token}, follow=True).content.decode()
        second = admin_client.post(PAGE, {"form_token": token}, follow=True).content.decode()
        assert StagingRestore.objects.count() == 1
        assert "Restore done" in first and "Restore done" in second and "already" not in second

    @pytest.mark.django_db(transaction=True)
    def test_restore_now_pressed_again_on_the_page_it_came_back_to_restores_again(self, staging_org, admin_client):
        # a deliberate second restore (Staging changed meanwhile) is one: the tab shows a new form
        admin_client.post(PAGE, {"form_token": self._form_token(admin_client)})
        html = admin_client.post(PAGE, {"form_token": self._form_token(admin_client)}, follow=True).content.decode()
        assert StagingRestore.objects.filter(status="succeeded").count() == 2 and "Restore done" in html

    def test_the_same_form_posted_while_its_restore_is_queued_says_it_started(self, staging_org, admin_client):
        token = self._form_token(admin_client)
        admin_client.post(PAGE, {"form_token": token})
        html = admin_client.post(PAGE, {"form_token": token}, follow=True).content.decode()
        assert "Restore started" in html and "already queued or running" not in html
        assert StagingRestore.objects.count() == 1

    def test_another_admin_s_form_token_is_not_their_answer(self, staging_org, admin_client, owner, client):
        token = self._form_token(admin_client)
        admin_client.post(PAGE, {"form_token": token})
        client.force_login(owner)
        html = client.post(PAGE, {"form_token": token}, follow=True).content.decode()
        assert "already queued or running" in html and StagingRestore.objects.count() == 1

    def test_starting_while_one_is_running_shows_an_error(self, staging_org, admin_client):
        StagingRestore.objects.create(organization=staging_org)
        response = admin_client.post(PAGE, follow=True)
        assert "already queued or running" in response.content.decode()
        assert StagingRestore.objects.count() == 1

    def test_another_orgs_restore_progress_is_not_found(self, staging_org, client, outsider):
        run = StagingRestore.objects.create(organization=staging_org)
        client.force_login(outsider)
        assert client.get(f"{PAGE}{run.pk}/progress/").status_code == 404


class TestProgressPolling:
    """The card polls every second; when its answer would not be the card of a running restore,
    the page reloads (HX-Refresh) instead."""

    def poll(self, client, run):
        return client.get(f"{PAGE}{run.pk}/progress/", headers={"HX-Request": "true"})

    def test_a_poll_after_signing_out_reloads_the_page_instead_of_showing_sign_in_inside_the_card(
        self, staging_org, admin_client
    ):
        run = StagingRestore.objects.create(organization=staging_org, status="running", tables_total=4)
        admin_client.logout()
        response = self.poll(admin_client, run)
        assert response["HX-Refresh"] == "true" and b"Sign in" not in response.content
        # opened directly (no htmx), the address still asks to sign in
        assert admin_client.get(f"{PAGE}{run.pk}/progress/").status_code == 302

    def test_an_admin_who_loses_access_while_watching_is_not_left_polling_a_running_card(
        self, staging_org, admin_client, admin_user, owner
    ):
        from organizations import services

        run = StagingRestore.objects.create(organization=staging_org, status="running", tables_total=4)
        assert 'data-status="running"' in self.poll(admin_client, run).content.decode()
        services.contributor_remove(actor=owner, organization=staging_org, username=admin_user.username)
        response = self.poll(admin_client, run)
        assert (response.status_code, response["HX-Refresh"]) == (404, "true")  # the reloaded page: not found
        assert admin_client.get(PAGE).status_code == 404

    def test_a_finished_restore_reloads_the_tab_so_restore_now_and_the_history_are_current(
        self, staging_org, admin_client
    ):
        run = StagingRestore.objects.create(organization=staging_org, status="running", tables_total=4)
        assert "HX-Refresh" not in self.poll(admin_client, run)
        StagingRestore.objects.filter(pk=run.pk).update(status="failed", error="Boom.")
        assert self.poll(admin_client, run)["HX-Refresh"] == "true"
        page = admin_client.get(PAGE).content.decode()
        assert "disabled" not in page.split('data-testid="restore-now"')[0].rsplit("<button", 1)[1]
        assert "Failed: Boom." in page


class TestStaleRun:
    def test_a_run_whose_worker_stopped_does_not_block_restore_now_for_ever(self, staging_org, admin_client):
        """The run stays "queued" when no worker takes it; only a new start marks it failed, but the
        tab disabled "Restore now" while it was active, so only the Sunday schedule could."""
        from datetime import timedelta

        from django.utils import timezone

        run = StagingRestore.objects.create(organization=staging_org, status="queued", tables_total=4)
        StagingRestore.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(hours=3))
        text = " ".join(admin_client.get(PAGE).content.decode().split())
        assert "Queued for more than 2 hours: its worker has most likely stopped" in text
        assert "disabled" not in text.split('data-testid="restore-now"')[0].rsplit("<button", 1)[1]
        assert 'hx-trigger="every 1s"' not in text
        poll = admin_client.get(f"{PAGE}{run.pk}/progress/", headers={"HX-Request": "true"})
        assert poll["HX-Refresh"] == "true"  # a page left open stops polling too
        admin_client.post(PAGE)
        run.refresh_from_db()
        assert run.status == "failed" and StagingRestore.objects.count() == 2

    def test_a_run_failed_as_interrupted_says_that_staging_kept_its_data_once(self, staging_org, admin_client):
        from organizations.services_restore import ERR_RESTORE_INTERRUPTED

        StagingRestore.objects.create(organization=staging_org, status="failed", error=ERR_RESTORE_INTERRUPTED)
        text = " ".join(admin_client.get(PAGE).content.decode().split())
        assert f"Failed: {ERR_RESTORE_INTERRUPTED} </p>" in text and text.count("Staging kept") == 1

    def test_a_recent_run_still_blocks_it(self, staging_org, admin_client):
        StagingRestore.objects.create(organization=staging_org, status="queued", tables_total=4)
        page = admin_client.get(PAGE).content.decode()
        assert "disabled" in page.split('data-testid="restore-now"')[0].rsplit("<button", 1)[1]
        assert "most likely stopped" not in page


class TestWithoutProductionTwin:
    def test_the_tab_says_there_is_nothing_to_restore_from_and_restore_now_is_disabled(
        self, staging_org, production_org, admin_client
    ):
        from django.utils import timezone

        production_org.deleted_at = timezone.now()
        production_org.save(update_fields=["deleted_at"])
        page = admin_client.get(PAGE).content.decode()
        assert 'data-testid="restore-blocker"' in page
        assert "has no Production organization to restore from. The weekly restore skips it too." in page
        assert "disabled" in page.split('data-testid="restore-now"')[0].rsplit("<button", 1)[1]

    def test_before_the_first_restore_the_tab_says_staging_has_not_been_restored_yet(self, staging_org, admin_client):
        text = " ".join(admin_client.get(PAGE).content.decode().split())
        assert "Not restored yet:</strong> Staging holds only what was made in it" in text
        StagingRestore.objects.create(organization=staging_org, status="succeeded")
        assert 'data-testid="restore-none-yet"' not in admin_client.get(PAGE).content.decode()

    def test_with_its_twin_there_is_no_warning(self, staging_org, admin_client):
        page = admin_client.get(PAGE).content.decode()
        assert 'data-testid="restore-blocker"' not in page
        assert "disabled" not in page.split('data-testid="restore-now"')[0].rsplit("<button", 1)[1]


class TestRestoreWebhookForm:
    def test_an_admin_saves_tests_and_removes_the_webhook_and_sees_the_delivery_log(
        self, staging_org, admin_client, django_capture_on_commit_callbacks
    ):
        with RestoreReceiver(hash_key="key-1") as receiver:
            saved = admin_client.post(f"{PAGE}webhook/", {"action": "save", "url": receiver.url, "hash_key": "key-1"})
            assert saved.status_code == 302
            with django_capture_on_commit_callbacks(execute=True):
                admin_client.post(f"{PAGE}webhook/", {"action": "test"})
        html = admin_client.get(PAGE).content.decode()
        assert "Test payload queued" in html and receiver.received[0]["signature_ok"]
        assert 'data-testid="delivery"' in html and ">200<" in html and "1 / 5" in html
        # 5 attempts in all (RESTORE_WEBHOOK_MAX_ATTEMPTS), not 5 retries after the first
        text = " ".join(html.split())
        assert "is tried up to 5 times in all" in text and "retried 5 times" not in text
        assert RestoreWebhookDelivery.objects.count() == 1
        admin_client.post(f"{PAGE}webhook/", {"action": "delete"})
        assert not StagingRestoreWebhook.objects.exists()

    def test_without_a_task_queue_the_tab_says_how_attempts_go(self, staging_org, admin_client, settings):
        text = " ".join(admin_client.get(PAGE).content.decode().split())
        assert "runs without a task queue, so attempts follow one another at once" in text
        settings.CELERY_TASK_ALWAYS_EAGER = False
        text = " ".join(admin_client.get(PAGE).content.decode().split())
        assert "without a task queue" not in text and "with a growing wait." in text

    def test_a_bad_url_is_a_form_error_that_keeps_the_input(self, staging_org, admin_client, settings):
        settings.STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS = False
        response = admin_client.post(f"{PAGE}webhook/", {"action": "save", "url": "http://10.0.0.5/x", "hash_key": "k"})
        assert response.status_code == 400
        html = response.content.decode()
        assert 'data-testid="hook-error"' in html and "private, loopback or link-local" in html
        assert 'value="http://10.0.0.5/x"' in html

    def test_the_restore_card_says_whether_its_webhook_was_delivered(self, staging_org, admin_client, admin_user,
                                                                       django_capture_on_commit_callbacks):
        from organizations import services_restore

        with RestoreReceiver(hash_key="k", statuses=[500] * 5) as receiver:
            services_restore.restore_webhook_save(actor=admin_user, organization=staging_org, url=receiver.url,
                                                  hash_key="k")
            with django_capture_on_commit_callbacks(execute=True):
                admin_client.post(PAGE)
        text = " ".join(admin_client.get(PAGE).content.decode().split())
        assert 'data-testid="restore-webhook-result"' in text
        assert "Restore webhook not delivered (attempt 5 of 5, see the deliveries below): HTTP 500" in text
        with RestoreReceiver(hash_key="k") as receiver:
            services_restore.restore_webhook_save(actor=admin_user, organization=staging_org, url=receiver.url,
                                                  hash_key="k")
            with django_capture_on_commit_callbacks(execute=True):
                admin_client.post(PAGE)
        text = " ".join(admin_client.get(PAGE).content.decode().split())
        assert "Restore webhook delivered (HTTP 200, attempt 1 of 5)." in text and "not delivered" not in text

    def test_a_failure_that_is_not_retried_says_so_instead_of_counting_attempts(
        self, staging_org, admin_client, admin_user, django_capture_on_commit_callbacks
    ):
        """A 404 is never tried again: the card and the log said "attempt 1 of 5", as if four more
        attempts were coming."""
        from organizations import services_restore

        with RestoreReceiver(hash_key="k", statuses=[404]) as receiver:
            services_restore.restore_webhook_save(actor=admin_user, organization=staging_org, url=receiver.url,
                                                  hash_key="k")
            with django_capture_on_commit_callbacks(execute=True):
                admin_client.post(PAGE)
            assert len(receiver.received) == 1
        text = " ".join(admin_client.get(PAGE).content.decode().split())
        assert "Restore webhook not delivered (attempt 1, not tried again, see the deliveries below): HTTP 404" in text
        assert "1 (not tried again)" in text and "1 / 5" not in text

    def test_send_test_with_an_unsaved_url_keeps_what_was_typed_and_says_to_save_first(
        self, staging_org, admin_client, admin_user
    ):
        from organizations import services_restore

        services_restore.restore_webhook_save(actor=admin_user, organization=staging_org,
                                              url="https://old.example.com/hook", hash_key="old")
        response = admin_client.post(f"{PAGE}webhook/", {"action": "test", "url": "https://new.example.com/hook",
                                                         "hash_key": "new"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "is not saved yet, and a test goes to the saved webhook: save it first" in html
        assert 'value="https://new.example.com/hook"' in html and 'value="new"' in html  # not lost
        assert not RestoreWebhookDelivery.objects.exists()
        assert StagingRestoreWebhook.objects.get().url == "https://old.example.com/hook"

    def test_testing_without_a_webhook_is_a_message_not_an_error_page(self, staging_org, admin_client):
        response = admin_client.post(f"{PAGE}webhook/", {"action": "test"}, follow=True)
        assert response.status_code == 200 and "has no staging restore webhook" in response.content.decode()

    def test_remove_posted_twice_says_it_was_already_removed_not_an_error(self, staging_org, admin_client, admin_user):
        from organizations import services_restore
        from organizations.views_restore import WEBHOOK_ALREADY_REMOVED

        services_restore.restore_webhook_save(actor=admin_user, organization=staging_org,
                                              url="https://h.example.com/hook", hash_key="k")
        first = admin_client.post(f"{PAGE}webhook/", {"action": "delete"}, follow=True)
        assert "Staging restore webhook removed." in first.content.decode()
        second = admin_client.post(f"{PAGE}webhook/", {"action": "delete"}, follow=True)  # a double-click
        messages = [(m.level_tag, m.message) for m in second.context["messages"]]
        assert messages == [("info", WEBHOOK_ALREADY_REMOVED)]
        assert not StagingRestoreWebhook.objects.exists()

    def test_members_cannot_change_the_webhook(self, staging_org, client, member):
        client.force_login(member)
        assert client.post(f"{PAGE}webhook/", {"action": "save", "url": "https://h.example.com/"}).status_code == 403


class TestMaintenanceBanner:
    def test_a_banner_set_in_the_admin_is_shown_on_every_page(self, client, admin_client, django_user_model):
        from portal.common.models import MaintenanceBanner

        staff = django_user_model.objects.create_superuser(username="root", email="root@example.com", password="pw-123456789")
        client.force_login(staff)
        response = client.post("/admin/common/maintenancebanner/add/", {
            "message": "Maintenance Sunday 03:00 UTC: Staging is being restored", "level": "info", "active": "on",
        })
        assert response.status_code == 302, response.content.decode()[:2000]
        for path in ("/dashboard/", "/organizations/", "/accounts/login/"):
            html = admin_client.get(path, follow=True).content.decode()
            assert "Maintenance Sunday 03:00 UTC: Staging is being restored" in html, path
        MaintenanceBanner.objects.update(active=False)
        assert 'data-testid="maintenance-banner"' not in admin_client.get("/organizations/").content.decode()

    def test_a_banner_outside_its_time_window_is_not_shown(self, admin_client):
        from datetime import timedelta

        from django.utils import timezone

        from portal.common.models import MaintenanceBanner

        now = timezone.now()
        MaintenanceBanner.objects.create(message="Later", starts_at=now + timedelta(hours=1))
        MaintenanceBanner.objects.create(message="Over", ends_at=now - timedelta(minutes=1))
        assert 'data-testid="maintenance-banner"' not in admin_client.get("/organizations/").content.decode()
        MaintenanceBanner.objects.create(message="Now", level="critical", starts_at=now - timedelta(minutes=1),
                                         ends_at=now + timedelta(hours=1))
        html = admin_client.get("/organizations/").content.decode()
        assert 'maintenance-banner critical' in html and ">Now<" in html
