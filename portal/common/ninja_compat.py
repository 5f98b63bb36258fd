"""django-ninja across versions: `Status(code, body)` is how a view answers another status than the
first one declared (1.7+); older versions take a `(code, body)` tuple, which 1.7 deprecates."""

try:
    from ninja import Status
except ImportError:  # django-ninja < 1.7

    def Status(status_code, value):  # noqa: N802
        return status_code, value


__all__ = ["Status"]
