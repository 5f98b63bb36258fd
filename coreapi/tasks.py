"""Celery tasks of the core API: webhook delivery (queued by coreapi.webhooks.webhooks_fire)."""

import json
import logging

from celery import shared_task

from coreapi.models import Webhook, WebhookDelivery
from coreapi.webhooks import WEBHOOK_MAX_ATTEMPTS, payload_for_log, webhook_post, webhook_retry_delay
from portal.common.outbound import url_for_log

logger = logging.getLogger(__name__)


@shared_task(name="coreapi.webhook_deliver", acks_late=True)
def webhook_deliver(*, webhook_pk: int, body: str, route: str, verb: str, attempt: int = 1) -> int | None:
    """POST one signed payload; log the attempt; retry network errors and 5xx with backoff.

    The body is fixed when the write happens (same LogID and Date on every attempt); the Url,
    HashKey and auth header are read at each attempt, so fixing a webhook helps pending retries.
    A retry is a new task with `attempt + 1` and a countdown (rather than Celery's `self.retry`,
    which eager mode with EAGER_PROPAGATES turns into an exception), so the schedule is the same
    with a broker and in the embedded eager mode, where the countdown is not waited for.
    Returns the receiver's status code, or None when nothing was sent.
    """
    webhook = Webhook.objects.filter(pk=webhook_pk).first()
    if webhook is None or not webhook.url:
        logger.info("webhook %s is gone or has no Url; delivery dropped", webhook_pk)
        return None
    result = webhook_post(webhook=webhook, body=body)
    WebhookDelivery.objects.create(
        marketplace_id=webhook.marketplace_id,
        webhook_oc_id=webhook.oc_id,
        url=webhook.url[:1000],
        route=route[:300],
        verb=verb[:10],
        payload=payload_for_log(json.loads(body)),
        status_code=result.status_code,
        attempt=attempt,
        latency_ms=result.latency_ms,
        error=result.error,
    )
    if not result.ok:
        logger.warning("webhook %s attempt %s to %s failed: %s", webhook.oc_id, attempt, url_for_log(webhook.url), result.error)
        if result.retryable and attempt < WEBHOOK_MAX_ATTEMPTS:
            webhook_deliver.apply_async(
                kwargs={"webhook_pk": webhook_pk, "body": body, "route": route, "verb": verb, "attempt": attempt + 1},
                countdown=webhook_retry_delay(attempt=attempt),
            )
    return result.status_code
