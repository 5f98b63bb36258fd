import logging

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import get_connection

from portal.common.mail import delivery_failed, message_from_dict

logger = logging.getLogger(__name__)


class EmailDeliverTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """The last retry failed too (or the error is not retried): the message is given up."""
        payload = args[0] if args else kwargs.get("payload")
        if isinstance(payload, dict):
            logger.error("email to %s could not be delivered after %s retries", payload.get("to"),
                         self.request.retries)
            delivery_failed(payload)


@shared_task(bind=True, base=EmailDeliverTask, autoretry_for=(OSError,), retry_backoff=True,
             retry_backoff_max=600, max_retries=5)
def email_deliver(self, payload: dict) -> int:
    """Deliver one serialised message through the real mail backend."""
    return email_deliver_now(payload)


def email_deliver_now(payload: dict, *, raise_errors: bool = True) -> int:
    """Deliver in this process (the task's body; also the fallback when the queue is down). The
    log names the recipients, never the subject or body: they carry one-time codes."""
    try:
        connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
        sent = connection.send_messages([message_from_dict(payload)])
    except Exception:
        if raise_errors:
            raise
        logger.exception("email to %s could not be delivered", payload["to"])
        delivery_failed(payload)
        return 0
    logger.info("email delivered to %s", payload["to"])
    return sent
