"""Staging restore (issue #7): each Staging organization's marketplace data in the built-in core API
is replaced by a copy of its Production twin's, weekly (Celery beat, Sunday 03:00 UTC) or when an
Organization Admin asks; then the [BETA] Staging Restore Webhook is POSTed, signed like OrderCloud
webhooks, so an integration can re-create the webhook and integration assignments the restore
disabled.

Flow
    staging_restore_start()      checks, creates a queued StagingRestore, queues the task on commit
    staging_restore_execute()    (task) marks it running, then ONE transaction: lock, copy every
                                 table (coreapi.restore.marketplace_copy), save the report, mark it
                                 succeeded, audit. Any failure rolls the copy back (Staging keeps its
                                 data) and marks the run failed in a new transaction.
    restore_webhook_deliver()    (task) one signed POST attempt per call, logged; retried with
                                 exponential backoff up to RESTORE_WEBHOOK_MAX_ATTEMPTS.

Concurrency: at most one queued/running restore per organization (partial unique constraint,
checked under a row lock on the organization), and the copy locks the two Marketplace rows, so
a task delivered twice (acks_late after a worker died) copies once: the second waits for the lock,
then finds the run finished and does nothing. A run left "running" by a dead worker (its copy was
rolled back by the database) is marked failed after STAGING_RESTORE_STALE_AFTER, when the next
restore is started.

Progress: the copy runs in one transaction, so per-table progress is published to the cache
(Redis in production) for the page's progress bar (polled every second); the final report is stored
with the data. A cache write is a network round trip (~1-2 ms), as much as copying an empty table,
so progress is written when the copy starts, then at most every PROGRESS_MIN_INTERVAL_SECONDS
(with every table finished since the last write) and after the last table: a small marketplace's
restore writes it twice instead of once per table, a large one still shows each slow table when it
is done.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from accounts.models import User
from organizations import environments
from organizations.models import (
    ACTIVE_RESTORE_STATUSES,
    AuditAction,
    Environment,
    Organization,
    RestoreWebhookDelivery,
    StagingRestore,
    StagingRestoreStatus,
    StagingRestoreTrigger,
    StagingRestoreWebhook,
)
from organizations.services import _audit, _lock, _membership, _require_admin
from portal.common import outbound
from portal.common.errors import ApplicationError, NotFoundError
from portal.common.outbound import OutboundRefused, ResponseTooLarge, url_for_log
from portal.common.queue import ERR_QUEUE_UNAVAILABLE, QueueUnavailableError, enqueue_on_commit

logger = logging.getLogger(__name__)

# --- messages -----------------------------------------------------------------------------------
ERR_RESTORE_STAGING_ONLY = "Only Staging organizations are restored from Production and have a staging restore webhook."
ERR_RESTORE_REMOTE = (
    "This organization's environment is not the built-in core API ({url}). Its data lives in another "
    "OrderCloud-compatible service, which restores it itself; the portal can only restore built-in environments."
)
ERR_RESTORE_NO_PRODUCTION = "This Staging organization has no Production organization to restore from."
ERR_RESTORE_NOT_TWIN = (
    "The Production organization with this Id was created after this Staging organization, by someone else: it "
    "is not its twin (the twin was deleted for good), so nothing is copied from it."
)
ERR_RESTORE_NO_MARKETPLACE = "The marketplace of this organization is missing in the built-in core API."
ERR_RESTORE_ORG_DELETED = (
    "This organization was deleted before the restore ran; its data was left as it was, so restoring the "
    "organization brings back what it held when it was deleted."
)
ERR_RESTORE_CLIENT_ID_TAKEN = (
    "These API client IDs of Production are used by another organization in Staging: {ids}. An API client ID "
    "must be unique in its environment (sign-in finds the client by its ID alone), so nothing was copied: give "
    "them other IDs in Production, then restore again."
)
ERR_RESTORE_WRITES_DURING_COPY = (
    "Staging was written to through its API while it was being replaced, {attempts} times in a row ({detail}), "
    "so the copy was rolled back each time and Staging kept its data. Restore again once those writes stop."
)
ERR_RESTORE_RUNNING = "A restore of this organization is already queued or running. Wait for it to finish."
ERR_RESTORE_SCHEDULED_ALREADY = "already restored by the weekly schedule at {at:%Y-%m-%d %H:%M} UTC (restore #{pk})"
ERR_RESTORE_NOT_FOUND = "Restore not found."
ERR_WEBHOOK_NOT_FOUND = "This organization has no staging restore webhook."
ERR_WEBHOOK_URL_REQUIRED = "Enter the URL to POST to after each restore."
ERR_WEBHOOK_URL_INVALID = "Enter a valid http:// or https:// URL."
ERR_WEBHOOK_URL_TOO_LONG = "The URL can be at most 2000 characters long."
ERR_WEBHOOK_URL_PRIVATE = (
    "This URL points at a private, loopback or link-local address ({address}); restore webhooks must "
    "reach a public address."
)
ERR_WEBHOOK_URL_CREDENTIALS = (
    "The user name and password in the URL can hold only ASCII and Latin-1 characters (the Basic "
    "Authorization header they are sent in carries no others)."
)
ERR_WEBHOOK_URL_UNRESOLVED = "The host name of this URL could not be resolved."
ERR_WEBHOOK_REDIRECTED = (
    "HTTP {status} to {location}: redirects are not followed; if the receiver moved there, save that URL."
)
ERR_WEBHOOK_HASH_KEY_TOO_LONG = "The HashKey can be at most 200 characters long."
ERR_WEBHOOK_HASH_KEY_NUL = "The HashKey may not contain NUL characters."

STAGING_RESTORE_STALE_AFTER = timedelta(hours=2)
# The weekly fan-out skips an org the schedule restored (or is restoring) this recently: beat fires a
# due entry again after a restart that lost its last save, or twice when two beats run.
STAGING_RESTORE_SCHEDULE_ONCE_WITHIN = timedelta(hours=12)
RESTORE_WEBHOOK_MAX_ATTEMPTS = 5
RESTORE_WEBHOOK_BACKOFF_BASE_SECONDS = 10
RESTORE_WEBHOOK_TIMEOUT = (3.05, 10.0)  # (connect, read) seconds
RESTORE_WEBHOOK_USER_AGENT = "Portal-StagingRestore-Webhook/1.0"
RESTORE_WEBHOOK_NOT_RETRIED_EAGER = (
    "Not retried: without a task queue (CELERY_BROKER_URL or REDIS_URL) a retry cannot wait and would hold the "
    "page again."
)
# A copy that met a write to Staging through its API (the same ID committed meanwhile, a deadlock)
# is rolled back and tried again, this many times in all, after 0.5 s, then 1 s.
RESTORE_COPY_ATTEMPTS = 3
RESTORE_COPY_RETRY_SECONDS = 0.5
PROGRESS_TTL_SECONDS = 24 * 3600
PROGRESS_MIN_INTERVAL_SECONDS = 0.25  # between two progress writes during a copy; the page polls every 1 s


class RestoreError(ApplicationError):
    pass


class RestoreRunningError(RestoreError):
    status_code = 409
    code = "RestoreRunning"


# --- helpers ------------------------------------------------------------------------------------
def _require_staging(organization: Organization) -> None:
    if organization.environment != Environment.STAGING:
        raise RestoreError(ERR_RESTORE_STAGING_ONLY)


def _admin_of_staging(*, actor: User, organization: Organization) -> None:
    """Outsiders: NotFoundError (404); a Sandbox/Production org: RestoreError (400; the page: 404),
    for any member, as there is nothing to restore; members who are not admins: PermissionError_ (403)."""
    membership = _membership(actor=actor, organization=organization)
    _require_staging(organization)
    _require_admin(membership)


def _marketplaces(organization: Organization):
    """(production marketplace, staging marketplace) of a Staging org on the built-in core API."""
    from coreapi.models import Marketplace

    if organization.is_deleted:  # a run queued before the delete: a deleted org's data stays as it was
        raise RestoreError(ERR_RESTORE_ORG_DELETED)
    if not environments.is_builtin(organization.core_api_url):
        raise RestoreError(ERR_RESTORE_REMOTE.format(url=organization.core_api_url))
    production = Organization.objects.alive().filter(
        environment=Environment.PRODUCTION, oc_id__iexact=organization.oc_id
    ).first()
    if production is None:
        raise RestoreError(ERR_RESTORE_NO_PRODUCTION)
    # Twins are paired by Id, and a Staging twin is made from its Production org, so it is the
    # younger. A Production org made after it with the Id of a purged twin belongs to whoever
    # asked for it: unless that is this org's owner, its data must not be copied in here.
    if production.created_at > organization.created_at and production.owner_id != organization.owner_id:
        raise RestoreError(ERR_RESTORE_NOT_TWIN)
    if not environments.is_builtin(production.core_api_url):
        raise RestoreError(ERR_RESTORE_REMOTE.format(url=production.core_api_url))
    found = {
        mp.environment: mp
        for mp in Marketplace.objects.filter(
            marketplace_id=organization.oc_id,
            environment__in=[environments.environment_slug(Environment.PRODUCTION),
                             environments.environment_slug(Environment.STAGING)],
        )
    }
    source = found.get(environments.environment_slug(Environment.PRODUCTION))
    target = found.get(environments.environment_slug(Environment.STAGING))
    if source is None or target is None:
        raise RestoreError(ERR_RESTORE_NO_MARKETPLACE)
    return source, target


def _staging_marketplace(organization: Organization):
    """The Staging org's own marketplace on the built-in core API."""
    from coreapi.models import Marketplace

    if not environments.is_builtin(organization.core_api_url):
        raise RestoreError(ERR_RESTORE_REMOTE.format(url=organization.core_api_url))
    target = Marketplace.objects.filter(
        marketplace_id=organization.oc_id, environment=environments.environment_slug(Environment.STAGING)
    ).first()
    if target is None:
        raise RestoreError(ERR_RESTORE_NO_MARKETPLACE)
    return target


def progress_key(restore_id: int) -> str:
    return f"organizations:staging-restore:{restore_id}:progress"


def _publish_progress(restore_id: int, *, done: int, total: int, tables: list[dict], current: str = "") -> None:
    try:
        cache.set(progress_key(restore_id), {"done": done, "total": total, "tables": tables, "current": current},
                  PROGRESS_TTL_SECONDS)
    except Exception:
        logger.warning("staging restore %s: could not publish progress", restore_id, exc_info=True)


# --- restore ------------------------------------------------------------------------------------
ERR_RESTORE_INTERRUPTED = "Interrupted: the worker stopped before the restore finished; Staging kept its data."
ERR_RESTORE_NOT_QUEUED = "Not started: the task queue was unavailable; Staging kept its data."


def _fail_stale_runs(organization: Organization) -> None:
    """Runs queued or running for longer than STAGING_RESTORE_STALE_AFTER are failed, each with its
    entry in the Activity log like any other failed restore."""
    cutoff = timezone.now() - STAGING_RESTORE_STALE_AFTER
    stale = StagingRestore.objects.filter(
        organization=organization, status__in=ACTIVE_RESTORE_STATUSES, created_at__lt=cutoff
    )
    for run in stale.select_related("requested_by"):
        # each one only if it is still active: a long copy that committed since it was read (the
        # update waits for its row lock) succeeded, and must not be logged as failed
        if StagingRestore.objects.filter(pk=run.pk, status__in=ACTIVE_RESTORE_STATUSES).update(
            status=StagingRestoreStatus.FAILED, finished_at=timezone.now(), error=ERR_RESTORE_INTERRUPTED
        ):
            _audit(organization=organization, actor=run.requested_by, action=AuditAction.STAGING_RESTORE_FAIL,
                   target=organization.oc_id, details={"restore": run.pk, "error": ERR_RESTORE_INTERRUPTED})


@transaction.atomic
def staging_restore_start(
    *, actor: User | None, organization: Organization, trigger: str = StagingRestoreTrigger.MANUAL,
    form_token: str = "",
) -> StagingRestore:
    """Queue a restore of a Staging org. `actor` None means the weekly schedule (no permission
    check). Raises RestoreRunningError (409) when one is already queued or running. `form_token`:
    the Restore now form's (selectors_restore.staging_restore_of_form finds the run by it)."""
    from coreapi.restore import restore_table_count

    if actor is not None:
        _admin_of_staging(actor=actor, organization=organization)
    else:
        _require_staging(organization)
    _marketplaces(organization)
    org = _lock(organization)  # serializes starts per org
    if actor is not None:  # again from the locked row: a removal or delete committed while waiting counts
        _admin_of_staging(actor=actor, organization=org)
    _fail_stale_runs(org)
    if StagingRestore.objects.filter(organization=org, status__in=ACTIVE_RESTORE_STATUSES).exists():
        raise RestoreRunningError(ERR_RESTORE_RUNNING)
    if trigger == StagingRestoreTrigger.SCHEDULE:  # under the org's lock: a second fan-out waits, then sees it
        done = (StagingRestore.objects.filter(organization=org, trigger=StagingRestoreTrigger.SCHEDULE,
                                              created_at__gte=timezone.now() - STAGING_RESTORE_SCHEDULE_ONCE_WITHIN)
                .exclude(status=StagingRestoreStatus.FAILED).order_by("-created_at").first())
        if done is not None:
            raise RestoreError(ERR_RESTORE_SCHEDULED_ALREADY.format(at=done.created_at, pk=done.pk))
    run = StagingRestore(organization=org, requested_by=actor, trigger=trigger, tables_total=restore_table_count(),
                         form_token=(form_token or "")[:64])
    run.full_clean()
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError as exc:  # the partial unique constraint: a concurrent start won
        raise RestoreRunningError(ERR_RESTORE_RUNNING) from exc
    _audit(organization=org, actor=actor, action=AuditAction.STAGING_RESTORE_START, target=org.oc_id,
           details={"restore": run.pk, "trigger": trigger})

    from organizations.tasks import staging_restore_execute_task

    def not_queued(exc: Exception) -> None:  # the run is committed as queued: it must not block the next start
        StagingRestore.objects.filter(pk=run.pk, status=StagingRestoreStatus.QUEUED).update(
            status=StagingRestoreStatus.FAILED, finished_at=timezone.now(), error=ERR_RESTORE_NOT_QUEUED
        )
        _audit(organization=org, actor=actor, action=AuditAction.STAGING_RESTORE_FAIL, target=org.oc_id,
               details={"restore": run.pk, "error": ERR_RESTORE_NOT_QUEUED})
        if actor is not None:
            raise QueueUnavailableError(ERR_QUEUE_UNAVAILABLE)

    enqueue_on_commit(lambda: staging_restore_execute_task.delay(restore_id=run.pk), on_failure=not_queued,
                      what=f"staging restore #{run.pk}")
    return run


def staging_restore_execute(*, restore_id: int) -> StagingRestore | None:
    """Run a queued restore (the Celery task calls this). Safe to call twice for the same run."""
    with transaction.atomic():
        run = StagingRestore.objects.select_for_update(of=("self",)).select_related("organization").filter(pk=restore_id).first()
        if run is None or run.status not in ACTIVE_RESTORE_STATUSES:
            return run
        if run.status == StagingRestoreStatus.QUEUED:
            run.status = StagingRestoreStatus.RUNNING
            run.started_at = timezone.now()
            run.save(update_fields=["status", "started_at", "updated_at"])
    _publish_progress(run.pk, done=0, total=run.tables_total, tables=[])

    tables: list[dict] = []
    last_published = time.monotonic()

    def on_table(report, done, total):
        nonlocal last_published
        tables.append(report.as_dict())
        if done < total and time.monotonic() - last_published < PROGRESS_MIN_INTERVAL_SECONDS:
            return  # a quick table: published with the next write
        _publish_progress(run.pk, done=done, total=total, tables=list(tables), current=report.label)
        last_published = time.monotonic()

    for attempt in range(1, RESTORE_COPY_ATTEMPTS + 1):
        tables.clear()
        try:
            return _copy_and_finish(run, on_table)
        except (IntegrityError, OperationalError) as exc:
            if attempt == RESTORE_COPY_ATTEMPTS or not _lost_to_a_concurrent_write(exc):
                return _fail(run, exc)
            logger.info("staging restore %s of %s: a write to Staging met the copy (%s); copying again",
                        run.pk, run.organization.oc_id, exc.__cause__.__class__.__name__)
            _publish_progress(run.pk, done=0, total=run.tables_total, tables=[])
            time.sleep(RESTORE_COPY_RETRY_SECONDS * attempt)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded; the copy was rolled back
            return _fail(run, exc)
    return None  # not reached


def _lost_to_a_concurrent_write(exc: Exception) -> bool:
    """A write to Staging through its API during the copy (PostgreSQL): a row it committed with an
    ID Production has (unique violation), or a deadlock / serialization failure with it. A new copy
    deletes what it wrote and copies again."""
    code = getattr(exc.__cause__, "sqlstate", None) or getattr(exc.__cause__, "pgcode", None)
    return code in {"23505", "40P01", "40001"}


def _copy_and_finish(run: StagingRestore, on_table) -> StagingRestore:
    """One try of the copy, in one transaction: the data, the report, succeeded, audited."""
    from coreapi.restore import NOT_COPIED, marketplace_copy

    with transaction.atomic():
        # The run row stays locked until the copy commits: a second execution of this run
        # (a redelivered task) waits here, then finds it finished and copies nothing.
        locked = StagingRestore.objects.select_for_update(of=("self",)).select_related("organization", "requested_by").get(
            pk=run.pk)
        if locked.status != StagingRestoreStatus.RUNNING:
            return locked
        source, target = _marketplaces(locked.organization)
        reports = marketplace_copy(source=source, target=target, on_table=on_table)  # locks both marketplaces
        locked.status = StagingRestoreStatus.SUCCEEDED
        locked.finished_at = timezone.now()
        locked.report = [r.as_dict() for r in reports]
        locked.tables_total = len(reports)
        locked.save(update_fields=["status", "finished_at", "report", "tables_total", "updated_at"])
        counts = {r.resource: r.rows_copied for r in reports if r.resource not in NOT_COPIED}
        _audit(organization=locked.organization, actor=locked.requested_by, action=AuditAction.STAGING_RESTORE_DONE,
               target=locked.organization.oc_id,
               details={"restore": locked.pk, "rows": locked.rows_copied,
                        "seconds": round(locked.duration_seconds or 0, 2)})
        transaction.on_commit(lambda: _webhook_after_restore(locked, counts))
        return locked


def _fail(run: StagingRestore, exc: Exception) -> StagingRestore:
    """Record a failed run (its copy was rolled back: Staging kept its data)."""
    from coreapi.restore import CopyConflict

    logger.exception("staging restore %s of %s failed", run.pk, run.organization.oc_id, exc_info=exc)
    if isinstance(exc, CopyConflict):
        message = ERR_RESTORE_CLIENT_ID_TAKEN.format(ids=", ".join(exc.ids))
    elif _lost_to_a_concurrent_write(exc):
        detail = f"{type(exc.__cause__).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        message = ERR_RESTORE_WRITES_DURING_COPY.format(attempts=RESTORE_COPY_ATTEMPTS, detail=detail)
    else:
        message = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
    with transaction.atomic():
        StagingRestore.objects.filter(pk=run.pk, status=StagingRestoreStatus.RUNNING).update(
            status=StagingRestoreStatus.FAILED, finished_at=timezone.now(), error=message[:4000],
            updated_at=timezone.now(),
        )
        _audit(organization=run.organization, actor=run.requested_by, action=AuditAction.STAGING_RESTORE_FAIL,
               target=run.organization.oc_id, details={"restore": run.pk, "error": message[:300]})
    run.refresh_from_db()
    return run


def staging_restores_schedule() -> list[int]:
    """The weekly run: queue a restore of every live Staging organization on the built-in core API
    (one task each). Organizations that cannot be restored now are logged and skipped."""
    queued = []
    for org in Organization.objects.alive().filter(environment=Environment.STAGING).order_by("pk"):
        try:
            queued.append(staging_restore_start(actor=None, organization=org, trigger=StagingRestoreTrigger.SCHEDULE).pk)
        except ApplicationError as exc:
            logger.info("weekly staging restore: %s skipped: %s", org.oc_id, exc.message)
    return queued


# --- the [BETA] staging restore webhook -----------------------------------------------------------
def _refusal(exc: OutboundRefused) -> RestoreError:
    if exc.reason == "private":
        return RestoreError(ERR_WEBHOOK_URL_PRIVATE.format(address=exc.address))
    return RestoreError(ERR_WEBHOOK_URL_UNRESOLVED)


def _checked_addresses(host: str) -> list:
    """The host's addresses; RestoreError when the SSRF guard is on and any of them is private."""
    try:
        return outbound.checked_addresses(host, allow_private=settings.STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS)
    except OutboundRefused as exc:
        raise _refusal(exc) from exc


def _post_to_checked_address(url: str, *, data: bytes, headers: dict) -> requests.Response:
    """POST `url` (passed webhook_url_check) to the address its host resolved to when checked now
    (portal.common.outbound)."""
    try:
        return outbound.post_pinned(url, data=data, headers=headers, timeout=RESTORE_WEBHOOK_TIMEOUT,
                                    allow_private=settings.STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS)
    except OutboundRefused as exc:
        raise _refusal(exc) from exc


def webhook_url_check(url: str, *, resolve: bool = True) -> str:
    """A clean http(s) URL; in production (STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS False) one
    whose host resolves only to public addresses (SSRF guard; `resolve=False`: the caller checks
    the addresses itself). Raises RestoreError."""
    url = (url or "").strip()
    if not url:
        raise RestoreError(ERR_WEBHOOK_URL_REQUIRED)
    if len(url) > 2000:
        raise RestoreError(ERR_WEBHOOK_URL_TOO_LONG)
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a bad port
    except ValueError as exc:
        raise RestoreError(ERR_WEBHOOK_URL_INVALID) from exc
    if port == 0:  # no server listens there; the delivery went to the scheme's default port instead
        raise RestoreError(ERR_WEBHOOK_URL_INVALID)
    # a control character (NUL: PostgreSQL cannot store it) has no place in a URL, like a space
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() or c < " " for c in url):
        raise RestoreError(ERR_WEBHOOK_URL_INVALID)
    userinfo = parts.netloc.rpartition("@")[0]
    try:  # requests sends them as Basic auth, Latin-1: anything else failed every delivery
        unquote(userinfo).encode("latin-1")
    except UnicodeEncodeError as exc:
        raise RestoreError(ERR_WEBHOOK_URL_CREDENTIALS) from exc
    if resolve and not settings.STAGING_RESTORE_WEBHOOK_ALLOW_PRIVATE_URLS:
        _checked_addresses(parts.hostname)
    return url


def restore_webhook_get(*, actor: User, organization: Organization) -> StagingRestoreWebhook:
    _admin_of_staging(actor=actor, organization=organization)
    hook = StagingRestoreWebhook.objects.filter(organization=organization).first()
    if hook is None:
        raise NotFoundError(ERR_WEBHOOK_NOT_FOUND)
    return hook


@transaction.atomic
def restore_webhook_save(*, actor: User, organization: Organization, url: str, hash_key: str = "") -> StagingRestoreWebhook:
    _admin_of_staging(actor=actor, organization=organization)
    url = webhook_url_check(url)
    hash_key = hash_key or ""
    if len(hash_key) > 200:
        raise RestoreError(ERR_WEBHOOK_HASH_KEY_TOO_LONG)
    if "\x00" in hash_key:  # PostgreSQL cannot store it
        raise RestoreError(ERR_WEBHOOK_HASH_KEY_NUL)
    # the organization's row first: two first saves at once each found no webhook and inserted one
    # (the second a 500); now the second waits, then updates the first's. The access again from the
    # locked row: a removal committed while waiting counts.
    org = _lock(organization)
    _admin_of_staging(actor=actor, organization=org)
    hook = StagingRestoreWebhook.objects.filter(organization=org).first()
    hook = hook or StagingRestoreWebhook(organization=org)
    hook.url, hook.hash_key = url, hash_key
    hook.full_clean()
    hook.save()
    _audit(organization=org, actor=actor, action=AuditAction.RESTORE_WEBHOOK_SAVE, target=org.oc_id,
           details={"url": url_for_log(url)})
    return hook


@transaction.atomic
def restore_webhook_delete(*, actor: User, organization: Organization) -> None:
    org = _lock(organization)  # a second removal at once: not found; access read from the locked row
    hook = restore_webhook_get(actor=actor, organization=org)
    hook.delete()
    _audit(organization=org, actor=actor, action=AuditAction.RESTORE_WEBHOOK_DELETE,
           target=org.oc_id, details={"url": url_for_log(hook.url)})


def restore_webhook_payload(*, organization: Organization, restore: StagingRestore | None, counts: dict[str, int],
                            test: bool) -> dict:  # fmt: skip
    now = timezone.now()
    started = restore.started_at if restore and restore.started_at else now
    ended = restore.finished_at if restore and restore.finished_at else now
    return {
        "OrganizationID": organization.oc_id,
        "Environment": organization.environment,
        "RestoreID": restore.pk if restore else None,
        "RestoreStarted": started.isoformat().replace("+00:00", "Z"),
        "RestoreEnded": ended.isoformat().replace("+00:00", "Z"),
        "ResourceCounts": counts,
        "Test": test,
        "DeliveryID": uuid.uuid4().hex,
    }


def _queue_delivery(*, organization: Organization, payload: dict, restore: StagingRestore | None) -> None:
    from organizations.tasks import restore_webhook_deliver_task

    body = json.dumps(payload, separators=(",", ":"))

    def not_queued(exc: Exception) -> None:
        if restore is None:  # a test delivery someone is waiting for: say so (a restore's own is logged)
            raise QueueUnavailableError(ERR_QUEUE_UNAVAILABLE)

    enqueue_on_commit(lambda: restore_webhook_deliver_task.delay(
        organization_id=organization.pk, body=body, restore_id=restore.pk if restore else None,
    ), on_failure=not_queued, what=f"the Staging Restore Webhook of {organization.oc_id}")


@transaction.atomic
def restore_webhook_test(*, actor: User, organization: Organization) -> dict:
    """Queue a `Test: true` delivery to the configured webhook; returns the payload."""
    restore_webhook_get(actor=actor, organization=organization)
    from coreapi.restore import resource_counts

    target = _staging_marketplace(organization)  # the Staging's own counts: no Production twin needed
    payload = restore_webhook_payload(organization=organization, restore=None,
                                      counts=resource_counts(marketplace=target), test=True)
    _audit(organization=organization, actor=actor, action=AuditAction.RESTORE_WEBHOOK_TEST, target=organization.oc_id,
           details={"delivery": payload["DeliveryID"]})
    _queue_delivery(organization=organization, payload=payload, restore=None)
    return payload


def _webhook_after_restore(run: StagingRestore, counts: dict[str, int]) -> None:
    if not StagingRestoreWebhook.objects.filter(organization=run.organization).exists():
        return
    payload = restore_webhook_payload(organization=run.organization, restore=run, counts=counts, test=False)
    with transaction.atomic():
        _queue_delivery(organization=run.organization, payload=payload, restore=run)


def restore_webhook_retry_delay(*, attempt: int) -> int:
    """Seconds after failed attempt `attempt` (1-based): 10, 20, 40, 80."""
    return RESTORE_WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)


# What a failed connection's text says, in the words the deliveries table and the restore report use.
_NETWORK_REASONS = (
    (("connection refused",), "Connection refused"),
    (("name or service not known", "nodename nor servname", "temporary failure in name resolution",
      "failed to resolve", "nameresolutionerror", "getaddrinfo failed", "no address associated"),
     "Could not resolve host"),
    (("connection reset",), "Connection reset by the receiver"),
    (("network is unreachable",), "Network unreachable"),
    (("no route to host",), "No route to host"),
    (("remotedisconnected", "connection aborted", "without response"), "The receiver closed the connection without an answer"),
)


def _network_error(exc: requests.RequestException) -> str:
    """What went wrong, in plain words for the deliveries table and the restore report ("Connection
    refused", "Timed out after 10 s: no answer", "Could not resolve host"), not urllib3's text
    ("ConnectionError: _TrackedHTTPPool(host=..., port=...): Max retries exceeded ... NewConnectionError(
    ...)"), which only the log keeps (restore_webhook_deliver)."""
    text = str(exc)
    if isinstance(exc, requests.ConnectTimeout):
        return f"Timed out after {RESTORE_WEBHOOK_TIMEOUT[0]:g} s: no connection."
    if isinstance(exc, outbound.DeadlineExceeded):
        return f"Timed out after {sum(RESTORE_WEBHOOK_TIMEOUT):g} s: no complete answer."
    if isinstance(exc, requests.Timeout):
        return f"Timed out after {RESTORE_WEBHOOK_TIMEOUT[1]:g} s: no answer."
    if isinstance(exc, requests.exceptions.SSLError):
        found = re.search(r"certificate verify failed: ([^(\'\"]+)", text) or re.search(r"\[SSL: ([A-Z_]+)\]", text)
        detail = found.group(1).strip().rstrip(".").replace("_", " ").lower() if found else ""
        return f"TLS error{': ' + detail if detail else ''}."
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema):
        return f"This URL cannot be sent to: {text.rstrip('.')}." if 0 < len(text) <= 200 else "This URL cannot be sent to."
    lowered = text.lower()
    for needles, words in _NETWORK_REASONS:
        if any(needle in lowered for needle in needles):
            return f"{words}."
    if isinstance(exc, requests.ConnectionError):
        return "Could not connect."
    return f"The request failed ({type(exc).__name__})."


def _http_error(response: requests.Response) -> str:
    """"HTTP 403 Forbidden": the status and its standard reason phrase, and nothing of the answer.

    No body text at all is kept, not even a short or JSON one: the deliveries log (the web tab and
    GET …/stagingrestorewebhook/deliveries) is shown to the organization's admins, so echoing the
    receiver's reply would let anyone who may set the URL read the answers of whatever it points at
    (an internal service where private URLs are allowed, any reachable host elsewhere). The reason
    phrase is the standard one for the status (none for a status without one), not the receiver's
    status line, which it chooses freely."""
    from http import HTTPStatus

    try:
        reason = HTTPStatus(response.status_code).phrase
    except ValueError:
        reason = ""
    return f"HTTP {response.status_code}{' ' + reason if reason else ''}"


def restore_webhook_deliver(*, organization_id: int, body: str, restore_id: int | None, attempt: int = 1) -> int | None:
    """One signed POST attempt to the org's current webhook, logged. Returns the delay before the
    next attempt (seconds) when it should be retried, else None."""
    from coreapi.webhooks import webhook_signature

    hook = StagingRestoreWebhook.objects.select_related("organization").filter(organization_id=organization_id).first()
    if hook is None:
        logger.info("restore webhook of organization %s is gone; delivery dropped", organization_id)
        return None
    payload = json.loads(body)
    raw = body.encode()
    status_code, error, refused, timed_out = None, "", False, False
    started = time.perf_counter()
    try:
        # checked again at delivery time (DNS may have changed since it was saved), and the POST
        # goes to the address that was checked, not to a second lookup's answer
        response = _post_to_checked_address(
            webhook_url_check(hook.url, resolve=False), data=raw,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": RESTORE_WEBHOOK_USER_AGENT,
                "X-oc-hash": webhook_signature(body=raw, hash_key=hook.hash_key or ""),
                "X-Portal-Delivery": payload.get("DeliveryID", ""),
            },
        )
        status_code = response.status_code
        if 300 <= status_code < 400 and response.headers.get("Location"):
            location = url_for_log(response.headers["Location"])[:500]
            error = ERR_WEBHOOK_REDIRECTED.format(status=status_code, location=location)
        elif not 200 <= status_code < 300:
            error = _http_error(response)
    except RestoreError as exc:
        error, refused = exc.message, True
    except ResponseTooLarge as exc:  # the receiver answered (its status counts); its body is dropped
        status_code = exc.response.status_code
        if not 200 <= status_code < 300:
            exc.response._content = b""
            error = f"{_http_error(exc.response)}: {exc}"
    except requests.RequestException as exc:
        error = _network_error(exc)
        logger.info("restore webhook delivery to %s failed: %s: %s", url_for_log(hook.url), type(exc).__name__, exc)
        timed_out = isinstance(exc, requests.Timeout)
        refused = isinstance(exc, requests.exceptions.InvalidURL)  # the same URL fails the same way again
    latency = int((time.perf_counter() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    retryable = not refused and (status_code is None or status_code >= 500 or status_code in (408, 429))
    if retryable and timed_out and settings.CELERY_TASK_ALWAYS_EAGER and attempt < RESTORE_WEBHOOK_MAX_ATTEMPTS:
        # Without a task queue the next attempt runs at once, in the request that sent this one
        # ("Send test", "Restore now"): 5 timeouts kept the page waiting for a minute.
        retryable = False
        error = f"{error} {RESTORE_WEBHOOK_NOT_RETRIED_EAGER}"[:2000]
    final = ok or not retryable or attempt >= RESTORE_WEBHOOK_MAX_ATTEMPTS
    RestoreWebhookDelivery.objects.create(
        organization_id=organization_id, restore_id=restore_id, delivery_id=payload.get("DeliveryID", ""),
        url=hook.url[:2000], test=bool(payload.get("Test")), attempt=attempt, status_code=status_code,
        latency_ms=latency, error=error, final=final,
    )
    return None if final else restore_webhook_retry_delay(attempt=attempt)
