"""The one module that reads the process environment.

Every setting that an operator may change comes through here, so `grep env.` in the
settings package lists all of them.
"""

import os

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ImproperEnvironment(RuntimeError):
    pass


def has(name: str) -> bool:
    return bool(os.environ.get(name, "").strip())


def str_(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def required(name: str) -> str:
    value = str_(name)
    if value is None:
        raise ImproperEnvironment(f"The environment variable {name} must be set.")
    return value


def bool_(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":  # unset and blank both mean "use the default"
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperEnvironment(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def int_(name: str, default: int) -> int:
    value = str_(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperEnvironment(f"{name} must be an integer, not {value!r}.") from exc


def list_(name: str, default: list[str] | None = None) -> list[str]:
    value = str_(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]
