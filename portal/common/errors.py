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
