"""Console reads, scoped to the actor."""

from dataclasses import dataclass

from django.db.models.functions import Lower

from coreapi import selectors as core_selectors
from coreapi.errors import CoreObjectNotFound
from console.models import HISTORY_LIMIT, ConsoleRequest, ConsoleToken
from organizations import environments
from organizations import selectors as org_selectors
from organizations.models import Environment, Organization
from organizations.permissions import Membership
from portal.common.errors import NotFoundError

ERR_ORG_NOT_FOUND = "Organization not found."
ERR_HISTORY_NOT_FOUND = "This history entry does not exist."
ERR_CLIENT_NOT_FOUND = "API client not found."
# CommerceRole of a core user -> the Impersonate permission a contributor needs for it
COMMERCE_FLAG = {"Seller": "impersonate_seller", "Supplier": "impersonate_supplier", "Buyer": "impersonate_buyer"}


@dataclass(frozen=True)
class ConsoleAccess:
    """What a console request works with: the organization, the user's current access to it and,
    when asked for, the stored token of the user's current context there (None if none yet)."""

    organization: Organization
    membership: Membership
    token: ConsoleToken | None = None


def console_access_get(
    *, user, environment: str, oc_id: str, token_context: tuple[str, str] | None = None
) -> ConsoleAccess:
    """The organization at /console/<environment>/<Id>/ and the user's current access to it.

    NotFoundError when it does not exist, is deleted, or the user is neither its owner nor a
    contributor (the access rule is organizations.selectors.membership_get). This runs on every
    console request and is the call-time access check of proxied calls, so it is lean: one lookup on
    the (environment, lower(Id)) unique index, plus the contributor row for non-owners.
    `token_context` = (client_id, username): also read that context's stored ConsoleToken, in the
    same query (the organization comes with it; looked up on its own when there is no token yet)."""
    env = next((value for value in Environment.values if value.lower() == (environment or "").strip().lower()), None)
    org, token = None, None
    if env is not None:
        oc_id_lower = (oc_id or "").strip().lower()
        if token_context is not None:
            token = (
                ConsoleToken.objects.select_related("organization")
                .alias(org_oc_id_lower=Lower("organization__oc_id"))
                .filter(
                    user=user,
                    client_id=token_context[0],
                    username=token_context[1],
                    organization__environment=env,
                    organization__deleted_at__isnull=True,
                    org_oc_id_lower=oc_id_lower,
                )
                .first()
            )
            org = token.organization if token is not None else None
        if org is None:
            org = (
                Organization.objects.alive()
                .alias(oc_id_lower=Lower("oc_id"))
                .filter(environment=env, oc_id_lower=oc_id_lower)
                .first()
            )
    if org is None:
        raise NotFoundError(ERR_ORG_NOT_FOUND)
    try:
        membership = org_selectors.membership_get(actor=user, organization=org)
    except NotFoundError as exc:
        raise NotFoundError(ERR_ORG_NOT_FOUND) from exc
    return ConsoleAccess(organization=org, membership=membership, token=token)


def is_builtin(organization: Organization) -> bool:
    return environments.is_builtin(organization.core_api_url)


def can_impersonate(*, membership: Membership) -> bool:
    return any(membership.holds_flag(flag) for flag in COMMERCE_FLAG.values())


def _marketplace_args(organization: Organization) -> dict:
    return {"environment": environments.environment_slug(organization.environment), "marketplace_id": organization.oc_id}


def context_client_list(*, user, organization: Organization, membership: Membership, search: str = "") -> list[dict]:
    """API clients to impersonate through; none without an Impersonate permission (or remote)."""
    if not can_impersonate(membership=membership) or not is_builtin(organization):
        raise NotFoundError(ERR_CLIENT_NOT_FOUND)
    return core_selectors.api_client_list(**_marketplace_args(organization), search=search.strip() or None)


def context_user_list(*, user, organization: Organization, membership: Membership, client_id: str, search: str = "") -> list[dict]:
    """Users who can sign in through `client_id` and whom the contributor may impersonate."""
    if not can_impersonate(membership=membership) or not is_builtin(organization):
        raise NotFoundError(ERR_CLIENT_NOT_FOUND)
    try:
        users = core_selectors.api_client_user_list(
            **_marketplace_args(organization), client_id=client_id, search=search.strip() or None
        )
    except CoreObjectNotFound as exc:
        raise NotFoundError(ERR_CLIENT_NOT_FOUND) from exc
    return [u for u in users if u["Active"] and membership.holds_flag(COMMERCE_FLAG[u["CommerceRole"]])]


def history_list(*, user, organization: Organization):
    """The user's last HISTORY_LIMIT requests to this organization, newest first (without the
    request bodies and builder states, which the list does not show)."""
    return (
        ConsoleRequest.objects.filter(user=user, organization=organization)
        .defer("body", "state")
        .order_by("-created_at", "-id")[:HISTORY_LIMIT]
    )


def history_get(*, user, organization: Organization, pk) -> ConsoleRequest:
    try:
        return ConsoleRequest.objects.get(user=user, organization=organization, pk=int(pk))
    except (ConsoleRequest.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFoundError(ERR_HISTORY_NOT_FOUND) from exc
