"""Handing work to Celery once the transaction commits, when the broker may be down.

`transaction.on_commit(lambda: task.delay(...))` alone turns a broker outage into a 500 *after*
the transaction committed: the row says "queued", no task exists, and the user is told nothing
useful. `enqueue_on_commit` sends the same way and, when the broker refuses, calls `on_failure`
(undo or mark what was committed, deliver in-process, or raise QueueUnavailableError for a 503
with a message) and logs the outage once per send.
"""

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from portal.common.errors import ApplicationError

logger = logging.getLogger(__name__)

ERR_QUEUE_UNAVAILABLE = "The task queue is unavailable right now, so this could not be started. Try again in a minute."


class QueueUnavailableError(ApplicationError):
    status_code = 503
    code = "ServiceUnavailable"


def enqueue_on_commit(send: Callable[[], object], *, on_failure: Callable[[Exception], None] | None = None,
                      what: str = "task") -> None:
    """Run `send` (e.g. `lambda: task.delay(...)`) after the commit; on a broker error, log and
    call `on_failure(exc)` (which may raise an ApplicationError for the caller's answer)."""

    def run() -> None:
        try:
            send()
        except BrokerUnavailable as exc:
            logger.error("could not queue %s: task queue unavailable (%s)", what, exc)
            if on_failure is not None:
                on_failure(exc)

    transaction.on_commit(run)
