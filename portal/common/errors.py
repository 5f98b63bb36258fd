"""Domain errors raised by services. Views and APIs map them to HTTP; services never raise Http404."""


class ApplicationError(Exception):
    """A rule of the domain was broken. `message` is a constant a test can assert."""

    status_code = 400
    code = "InvalidRequest"

    def __init__(self, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFoundError(ApplicationError):
    """The object does not exist *for this actor*: missing and not-yours look the same."""

    status_code = 404
    code = "NotFound"


class PermissionError_(ApplicationError):
    """The actor can see the object but may not do this to it."""

    status_code = 403
    code = "Forbidden"


class ConfirmationRequiredError(PermissionError_):
    """A dangerous action without an open confirmation (an emailed code: organization transfer and
    delete, unlinking a sign-in method through the Portal API)."""

    code = "ConfirmationRequired"


class TooManyRequestsError(ApplicationError):
    """Too many attempts or mails asked for in a window; says nothing about any account."""

    status_code = 429
    code = "TooManyRequests"
