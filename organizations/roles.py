"""Data-access roles (OrderCloud ApiRole names) for contributors: the list and the UI grouping
come from the built-in core API (coreapi/roles.py)."""

from coreapi.roles import ALL_ROLES as _ALL_ROLES
from coreapi.roles import FULL_ACCESS, ROLE_GROUPS

ALL_ROLES: list[str] = list(_ALL_ROLES)
ROLE_SET = frozenset(ALL_ROLES)

__all__ = ["ALL_ROLES", "ROLE_SET", "FULL_ACCESS", "role_groups"]


def role_groups() -> list[tuple[str, list[str]]]:
    """[(group label, [role, ...]), ...] for the grouped role checkboxes."""
    return [(label, list(roles)) for label, roles in ROLE_GROUPS.items()]
