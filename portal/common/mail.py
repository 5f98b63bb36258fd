"""Send every email through Celery, queued when the current transaction commits.

Django, allauth and django-otp all call django.core.mail; with EMAIL_BACKEND pointing here,
their messages are serialised to JSON and handed to `portal.common.tasks.email_deliver`, which
delivers them through settings.EMAIL_DELIVERY_BACKEND. A slow or down mail server therefore
never blocks or breaks a request, and a rolled-back transaction sends nothing.

A message may name what to do when it finally cannot be delivered (after the task's retries, or
at once in-process): `on_delivery_failure(message, "dotted.path", **kwargs)` before sending; the
callable is then called with those kwargs (JSON values). The emailed codes use it so that the page
waiting for a code says the email could not be sent instead of "Code sent".
"""

import base64
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

FAILURE_ATTRIBUTE = "portal_on_failure"


def on_delivery_failure(message: EmailMessage, handler: str, **kwargs) -> EmailMessage:
    """Have `handler(**kwargs)` called if `message` finally cannot be delivered."""
    setattr(message, FAILURE_ATTRIBUTE, {"handler": handler, "kwargs": kwargs})
    return message


def delivery_failed(payload: dict[str, Any]) -> None:
    """Run the message's failure handler, if it has one (never raises: it runs in a task's
    failure path or in an on_commit callback)."""
    failure = payload.get("on_failure")
    if not failure:
        return
    try:
        import_string(failure["handler"])(**failure["kwargs"])
    except Exception:
        logger.exception("the failure handler of an email to %s failed", payload.get("to"))


def message_to_dict(message: EmailMessage) -> dict[str, Any]:
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, tuple) or hasattr(attachment, "filename"):
            filename, content, mimetype = attachment
            if isinstance(content, str):
                content = content.encode()
            attachments.append([filename, base64.b64encode(content).decode(), mimetype])
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [list(a) for a in getattr(message, "alternatives", [])],
        "attachments": attachments,
        "on_failure": getattr(message, FAILURE_ATTRIBUTE, None),
    }


def message_from_dict(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, content, mimetype in data["attachments"]:
        message.attach(filename, base64.b64decode(content), mimetype)
    if data.get("on_failure"):
        setattr(message, FAILURE_ATTRIBUTE, data["on_failure"])
    return message


class CeleryEmailBackend(BaseEmailBackend):
    """Queues each message; when the task queue is down, delivers it in-process instead (the
    request waits for the mail server, and a failure there is logged, not raised)."""

    def send_messages(self, email_messages):
        from portal.common.queue import enqueue_on_commit
        from portal.common.tasks import email_deliver, email_deliver_now

        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            payload = message_to_dict(message)
            if settings.CELERY_TASK_ALWAYS_EAGER:
                # No broker (the embedded setup): the task would run in this request with its
                # retries raised (Retry), a 500 after the commit when the mail server is down.
                # Deliver on commit and log a failure instead, as when the queue is down.
                transaction.on_commit(lambda payload=payload: email_deliver_now(payload, raise_errors=False))
                count += 1
                continue
            enqueue_on_commit(
                lambda payload=payload: email_deliver.delay(payload),
                on_failure=lambda exc, payload=payload: email_deliver_now(payload, raise_errors=False),
                what="an email",
            )
            count += 1
        return count
