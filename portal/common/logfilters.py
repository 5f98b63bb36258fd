"""Logging filters."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """django.request logs every 403 and 404 with the exception's traceback at WARNING: for a portal
    whose permission checks refuse requests routinely, that buries the real errors. Client errors
    (status below 500) keep their one line; server errors keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
