"""Reads of the staging restore: runs, their live progress, the webhook's delivery log.
Admins of the Staging org only (outsiders NotFoundError, members PermissionError_)."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from organizations.models import (
    Organization,
    RestoreWebhookDelivery,
    StagingRestore,
    StagingRestoreTrigger,
    StagingRestoreWebhook,
)
from organizations.services_restore import (
    ERR_RESTORE_NOT_FOUND,
    STAGING_RESTORE_STALE_AFTER,
    RestoreError,
    _admin_of_staging,
    _marketplaces,
    progress_key,
)
from portal.common.errors import NotFoundError


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    tables: list[dict]
    current: str

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def staging_restore_list(*, actor: User, organization: Organization) -> QuerySet[StagingRestore]:
    _admin_of_staging(actor=actor, organization=organization)
    return StagingRestore.objects.filter(organization=organization).select_related("requested_by")


def staging_restore_get(*, actor: User, organization: Organization, pk) -> StagingRestore:
    qs = staging_restore_list(actor=actor, organization=organization)
    text = str(pk)
    # ASCII digits only ("²" is a digit to str.isdigit() but not to int()); no more than a bigint has
    run = qs.filter(pk=int(text)).first() if text.isascii() and text.isdigit() and len(text) <= 19 else None
    if run is None:
        raise NotFoundError(ERR_RESTORE_NOT_FOUND)
    return run


def staging_restore_of_form(*, actor: User, organization: Organization, form_token: str) -> StagingRestore | None:
    """The restore `actor` started from this very "Restore now" form (its `form_token`): the form
    posted again (a double click without scripts, a retry on a slow network) is that restore's
    answer, not "already running" nor, once it finished, a second restore. The tab shows a new form
    each time, so pressing Restore now again on it starts a new one. None without a token."""
    if not form_token:
        return None
    return (
        staging_restore_list(actor=actor, organization=organization)
        .filter(requested_by=actor, trigger=StagingRestoreTrigger.MANUAL, form_token=form_token[:64])
        .first()
    )


def staging_restore_is_stale(*, restore: StagingRestore) -> bool:
    """Queued or running for longer than STAGING_RESTORE_STALE_AFTER: its worker most likely stopped
    (the copy was rolled back); the next start marks it failed."""
    return restore.is_active and restore.created_at < timezone.now() - STAGING_RESTORE_STALE_AFTER


def staging_restore_blocker(*, actor: User, organization: Organization) -> str:
    """Why this Staging org cannot be restored now, e.g. its Production twin was deleted (the weekly
    restore skips it too); "" when it can."""
    _admin_of_staging(actor=actor, organization=organization)
    try:
        _marketplaces(organization)
    except RestoreError as exc:
        return exc.message
    return ""


def staging_restore_progress(*, restore: StagingRestore) -> Progress:
    """Finished runs: their stored report. Active runs: what the worker published so far."""
    if not restore.is_active:
        total = len(restore.report) or restore.tables_total
        return Progress(done=total if restore.status == "succeeded" else 0, total=total, tables=restore.report, current="")
    data = cache.get(progress_key(restore.pk)) or {}
    return Progress(done=int(data.get("done", 0)), total=int(data.get("total", restore.tables_total) or 0),
                    tables=list(data.get("tables", [])), current=data.get("current", ""))


def restore_webhook_find(*, actor: User, organization: Organization) -> StagingRestoreWebhook | None:
    _admin_of_staging(actor=actor, organization=organization)
    return StagingRestoreWebhook.objects.filter(organization=organization).first()


def restore_webhook_last_attempt(*, restore: StagingRestore) -> RestoreWebhookDelivery | None:
    """The latest attempt to POST this restore's webhook payload (None: none yet, or no webhook)."""
    return RestoreWebhookDelivery.objects.filter(restore=restore).order_by("-created_at", "-id").first()


def restore_webhook_delivery_list(*, actor: User, organization: Organization) -> QuerySet[RestoreWebhookDelivery]:
    _admin_of_staging(actor=actor, organization=organization)
    return RestoreWebhookDelivery.objects.filter(organization=organization)


def restore_webhook_delivery_outcome(*, organization: Organization, delivery_id: str) -> RestoreWebhookDelivery | None:
    """The last attempt of delivery `delivery_id` once it is settled (delivered, or not tried
    again); None while it is queued or waits for a retry (a task queue), e.g. right after "Send test"."""
    return (RestoreWebhookDelivery.objects.filter(organization=organization, delivery_id=delivery_id, final=True)
            .order_by("-attempt", "-id").first())
