"""Words for people: how users, access and activity-log details read on pages and in emails.

Pure functions of the objects they are given (no queries); the template filters in
organizations_tags and the email templates call them, so pages and emails say the same thing.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import formats
from django.utils.dateparse import parse_datetime

from organizations.models import AuditAction
from organizations.permissions import IMPERSONATION_FLAGS

YES_NO = {True: "yes", False: "no"}
FLAG_NOUNS = {
    "impersonate_seller": "seller users",
    "impersonate_supplier": "supplier users",
    "impersonate_buyer": "buyer users",
}
ACCESS_ACTIONS = {
    AuditAction.INVITE, AuditAction.INVITE_UPDATE, AuditAction.INVITE_ACCEPT, AuditAction.CONTRIBUTOR_REMOVE,
}
DETAIL_LABELS = {
    "name": "Name",
    "environment": "Environment",
    "region": "Region",
    "from": "From",
    "to": "To",
    "along_with": "Along with",
    "purge_after": "Restorable until",
    "deleted_at": "Deleted at",
    "production": "Production organization",
    "staging": "Staging twin",
    "request": "Request",
    "requester": "Requested by",
    "message": "Message",
    "reason": "Reason",
    "restore": "Restore",
    "trigger": "Trigger",
    "rows": "Rows copied",
    "seconds": "Seconds",
    "url": "URL",
    "delivery": "Delivery",
    "error": "Error",
}


# --- people ----------------------------------------------------------------------------------------
def user_name_and_handle(user) -> tuple[str, str]:
    """(name to show, username to show beside it or ""): the username only when it adds something,
    so a user without a name reads "alice", not "alice alice"."""
    if user is None:
        return "", ""
    name = user.display_name
    username = user.username or ""
    return name, username if username and username.casefold() != name.casefold() else ""


def user_label(user) -> str:
    """ "Olivia Owner (olivia)", or "alice" for a user whose only name is the username."""
    name, handle = user_name_and_handle(user)
    return f"{name} ({handle})" if handle else name


# --- access (contributors, invitations) -------------------------------------------------------------
def _access(obj) -> Mapping[str, Any]:
    if isinstance(obj, Mapping):
        return obj
    return {"is_admin": obj.is_admin, "roles": list(obj.roles), **{f: getattr(obj, f) for f in IMPERSONATION_FLAGS}}


def access_summary(obj) -> str:
    """The access a contributor holds or an invitation offers, in words, e.g.
    "Organization Admin; roles ProductReader, BuyerReader; may impersonate buyer users"."""
    access = _access(obj)
    parts = ["Organization Admin"] if access.get("is_admin") else []
    roles = list(access.get("roles") or [])
    parts.append(f"roles {', '.join(roles)}" if roles else "no data roles")
    flags = [FLAG_NOUNS[f] for f in IMPERSONATION_FLAGS if access.get(f)]
    if flags:
        parts.append(f"may impersonate {' and '.join(flags) if len(flags) < 3 else ', '.join(flags)}")
    return "; ".join(parts)


def access_change_summary(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """What changed between two access snapshots, e.g.
    "+ProductAdmin, −ProductReader, +Impersonate buyer users, Organization Admin: yes→no"."""
    old_roles, new_roles = list(before.get("roles") or []), list(after.get("roles") or [])
    parts = [f"+{r}" for r in new_roles if r not in old_roles] + [f"−{r}" for r in old_roles if r not in new_roles]
    for flag in IMPERSONATION_FLAGS:
        was, now = bool(before.get(flag)), bool(after.get(flag))
        if was != now:
            parts.append(f"{'+' if now else '−'}Impersonate {FLAG_NOUNS[flag]}")
    was_admin, is_admin = bool(before.get("is_admin")), bool(after.get("is_admin"))
    if was_admin != is_admin:
        parts.append(f"Organization Admin: {YES_NO[was_admin]}→{YES_NO[is_admin]}")
    return ", ".join(parts) or "no change"


# --- activity log ----------------------------------------------------------------------------------
def _value(value: Any) -> str:
    if isinstance(value, bool):
        return YES_NO[value]
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, str) and (moment := _datetime(value)) is not None:
        return formats.date_format(moment, "j M Y H:i")
    return str(value)


def _datetime(value: str) -> datetime | None:
    try:
        return parse_datetime(value) if "T" in value else None
    except ValueError:
        return None


def audit_details_summary(entry) -> str:
    """One readable line for an activity-log row's details (which hold plain JSON)."""
    details = entry.details or {}
    if entry.action == AuditAction.PERMISSION_CHANGE and "before" in details and "after" in details:
        return access_change_summary(details["before"], details["after"])
    if entry.action in ACCESS_ACTIONS and "roles" in details:
        return access_summary(details)
    if entry.action == AuditAction.STAGING_CREATE and isinstance(details.get("production"), int):
        # the Production organization's row id is stored; people know it by its Id, the twin's own
        details = {**details, "production": entry.target}
    if entry.action == AuditAction.STAGING_CREATE and isinstance(details.get("staging"), int):
        details = {**details, "staging": entry.target}  # the Production log's entry: the twin, by its Id
    # in DETAIL_LABELS' order, then the rest by name: PostgreSQL's jsonb does not keep key order
    order = {key: n for n, key in enumerate(DETAIL_LABELS)}
    keys = sorted(details, key=lambda k: (order.get(k, len(order)), k))
    return " · ".join(
        f"{DETAIL_LABELS.get(key, key.replace('_', ' ').capitalize())}: {_value(details[key])}"
        for key in keys if details[key] not in ("", None)
    )
