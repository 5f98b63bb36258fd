import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection

from portal.common.mail import message_from_dict

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=5)
def email_deliver(self, payload: dict) -> int:
    """Deliver one serialised message through the real mail backend."""
    connection = get_connection(settings.EMAIL_DELIVERY_BACKEND)
    sent = connection.send_messages([message_from_dict(payload)])
    logger.info("email delivered to %s (%s)", payload["to"], payload["subject"])
    return sent
