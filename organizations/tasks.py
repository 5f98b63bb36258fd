from celery import shared_task

from organizations.services import invitations_expire, organizations_purge_due


@shared_task
def organizations_purge_deleted() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): delete for good organizations deleted more than 7 days ago,
    and mark invitations past their 14 days as expired."""
    invitations_expire()
    return organizations_purge_due()


# --- staging restore (issue #7) --------------------------------------------------------------------
@shared_task
def staging_restores_weekly() -> list[int]:
    """Sunday 03:00 UTC (CELERY_BEAT_SCHEDULE): queue one restore task per Staging organization."""
    from organizations.services_restore import staging_restores_schedule

    return staging_restores_schedule()


@shared_task(acks_late=True)
def staging_restore_execute_task(*, restore_id: int) -> str | None:
    """Copy Production into Staging for one queued StagingRestore (safe to run twice)."""
    from organizations.services_restore import staging_restore_execute

    run = staging_restore_execute(restore_id=restore_id)
    return run.status if run else None


@shared_task(acks_late=True)
def restore_webhook_deliver_task(*, organization_id: int, body: str, restore_id: int | None = None,
                                 attempt: int = 1) -> None:  # fmt: skip
    """One signed POST of a restore webhook payload; a failed attempt queues the next one with
    exponential backoff (a new task with a countdown, like coreapi.webhook_deliver, so eager mode
    and a real broker follow the same schedule), 5 attempts in all."""
    from organizations.services_restore import restore_webhook_deliver

    delay = restore_webhook_deliver(organization_id=organization_id, body=body, restore_id=restore_id, attempt=attempt)
    if delay is not None:
        restore_webhook_deliver_task.apply_async(
            kwargs={"organization_id": organization_id, "body": body, "restore_id": restore_id, "attempt": attempt + 1},
            countdown=delay,
        )
