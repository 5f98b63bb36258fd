"""Console reads, scoped to the actor."""

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Count, Q

from coreapi import selectors as core_selectors
from coreapi.errors import CoreObjectNotFound
from coreapi.models import ApiClientAssignment
from console.models import HISTORY_LIMIT, ConsoleRequest, ConsoleToken
from organizations import environments
from organizations import services as org_services
from organizations.models import Contributor, Environment, Organization
from organizations.permissions import Membership
from portal.common.errors import NotFoundError
from portal.common.rawsql import ModelColumns

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


_ORG = ModelColumns(Organization, "o")
_TOKEN = ModelColumns(ConsoleToken, "t")
_CONTRIBUTOR = ModelColumns(Contributor, "c")


@cache
def _access_sql(with_token: bool) -> str:
    token_join = (
        f"LEFT JOIN {ConsoleToken._meta.db_table} t ON t.organization_id = o.id AND t.user_id = %s"
        " AND t.client_id = %s AND t.username = %s"
        if with_token
        else ""
    )
    return (
        f"SELECT {_ORG.select()}, {_CONTRIBUTOR.select()}{', ' + _TOKEN.select() if with_token else ''}"
        f" FROM {Organization._meta.db_table} o"
        f" LEFT JOIN {Contributor._meta.db_table} c ON c.organization_id = o.id AND c.user_id = %s"
        f" {token_join}"
        " WHERE o.environment = %s AND LOWER(o.oc_id) = %s AND o.deleted_at IS NULL"
    )


def console_access_get(
    *, user, environment: str, oc_id: str, token_context: tuple[str, str] | None = None
) -> ConsoleAccess:
    """The organization at /console/<environment>/<Id>/ and the user's current access to it.

    NotFoundError when it does not exist, is deleted, or the user is neither its owner nor a
    contributor (the rule of organizations.services.membership_from). `token_context` =
    (client_id, username): also read that context's stored ConsoleToken (None if none yet).

    This runs on every console request and is the call-time access check of proxied calls, so it
    is one hand-written query on the (environment, lower(Id)) unique index: the organization, the
    user's Contributor row and the context's token, LEFT JOINed. Built through the ORM the same
    lookup spent ~85% of its time compiling the query (portal.common.rawsql)."""
    env = next((value for value in Environment.values if value.lower() == (environment or "").strip().lower()), None)
    if env is None or not getattr(user, "is_authenticated", False):
        raise NotFoundError(ERR_ORG_NOT_FOUND)
    params: list = [user.pk]
    if token_context is not None:
        params += [user.pk, token_context[0], token_context[1]]
    params += [env, (oc_id or "").strip().lower()]
    with connection.cursor() as cursor:
        cursor.execute(_access_sql(token_context is not None), params)
        row = cursor.fetchone()
    if row is None:
        raise NotFoundError(ERR_ORG_NOT_FOUND)
    org = _ORG.build(row)
    contributor = _CONTRIBUTOR.build(row, len(_ORG))
    token = _TOKEN.build(row, len(_ORG) + len(_CONTRIBUTOR)) if token_context is not None else None
    if token is not None:
        token.organization, token.user = org, user
    membership = org_services.membership_from(actor=user, organization=org, contributor=contributor)
    return ConsoleAccess(organization=org, membership=membership, token=token)


def is_builtin(organization: Organization) -> bool:
    return environments.is_builtin(organization.core_api_url)


def can_impersonate(*, membership: Membership) -> bool:
    return membership.can_impersonate


def _marketplace_args(organization: Organization) -> dict:
    return {"environment": environments.environment_slug(organization.environment), "marketplace_id": organization.oc_id}


def context_client_name(*, organization: Organization, client_id: str) -> str:
    """What to call an API client in the context bar and messages: its AppName, else its ID (a
    remote environment's clients are known by ID only)."""
    if not client_id or not is_builtin(organization):
        return client_id
    return core_selectors.api_client_app_name(**_marketplace_args(organization), client_id=client_id) or client_id


def context_client_list(*, user, organization: Organization, membership: Membership, search: str = "") -> list[dict]:
    """API clients to impersonate through; none without an Impersonate permission (or remote)."""
    if not can_impersonate(membership=membership) or not is_builtin(organization):
        raise NotFoundError(ERR_CLIENT_NOT_FOUND)
    clients = core_selectors.api_client_list(**_marketplace_args(organization), search=search.strip() or None)
    counts = _assigned_counts(organization=organization, client_ids=[c["ID"] for c in clients])
    for client in clients:
        client["Audience"] = _client_audience(client, *counts.get(client["ID"], (0, 0)))
    return clients


def _assigned_counts(*, organization: Organization, client_ids: list[str]) -> dict[str, tuple[int, int]]:
    """{client ID: (buyers, suppliers) it is assigned to} of those of `client_ids` assigned to any (one query)."""
    if not client_ids:
        return {}
    args = _marketplace_args(organization)
    rows = (
        ApiClientAssignment.objects.filter(marketplace__environment=args["environment"],
                                           marketplace__marketplace_id=args["marketplace_id"],
                                           api_client_id__in=client_ids)
        .values("api_client_id")
        .annotate(buyers=Count("buyer_id", filter=~Q(buyer_id=""), distinct=True),
                  suppliers=Count("supplier_id", filter=~Q(supplier_id=""), distinct=True))
    )
    return {row["api_client_id"]: (row["buyers"], row["suppliers"]) for row in rows}


def _assigned(count: int, kind: str) -> str:
    return f"{count} assigned {kind}{'' if count == 1 else 's'}"


def _client_audience(client: dict, buyers: int, suppliers: int) -> str:
    """Whose users sign in through an API client, as the context picker describes it: "sellers",
    "any buyer" or "2 assigned buyers", "any supplier" or "1 assigned supplier" (those it lets in),
    "no buyer or supplier assigned" when it lets nobody in."""
    parts = []
    if client.get("AllowSeller"):
        parts.append("sellers")
    if client.get("AllowAnyBuyer"):
        parts.append("any buyer")
    elif buyers:
        parts.append(_assigned(buyers, "buyer"))
    if client.get("AllowAnySupplier"):
        parts.append("any supplier")
    elif suppliers:
        parts.append(_assigned(suppliers, "supplier"))
    return ", ".join(parts) or "no buyer or supplier assigned"


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


def context_user_roles(*, organization: Organization, username: str) -> list[str] | None:
    """The roles the core user `username` holds through their security profiles (whatever the
    contributor holds), or None when no such user exists or the API is remote."""
    if not username or not is_builtin(organization):
        return None
    from coreapi.models import CoreUser

    user = CoreUser.objects.filter(marketplace__environment=_marketplace_args(organization)["environment"],
                                   marketplace__marketplace_id=organization.oc_id, username=username).first()
    if user is None:
        return None
    return core_selectors.user_available_roles(marketplace_pk=user.marketplace_id, user=user)


def api_client_secret_counts(*, organization: Organization, client_ids) -> dict[str, int]:
    """How many secrets (ApiClients.CreateSecret) each of these API clients has, for the API client
    list the core API has just let the caller read; {} for a remote environment. While a client
    has any, its password and client_credentials grants need a secret."""
    client_ids = [cid for cid in client_ids if cid]
    if not client_ids or not is_builtin(organization):
        return {}
    from django.db.models import Count

    from coreapi.models import ApiClientSecret

    args = _marketplace_args(organization)
    rows = (ApiClientSecret.objects.filter(marketplace__environment=args["environment"],
                                           marketplace__marketplace_id=args["marketplace_id"],
                                           api_client_id__in=client_ids)
            .values("api_client_id").annotate(n=Count("id")).values_list("api_client_id", "n"))
    return dict(rows)


def webhook_delivery_list(*, organization: Organization, webhook_id: str) -> list[dict] | None:
    """The latest delivery attempts of a webhook the caller has just read through the core API
    (which checked its roles), or None for a remote environment, whose log the portal cannot see."""
    if not is_builtin(organization):
        return None
    try:
        return core_selectors.webhook_delivery_list(**_marketplace_args(organization), webhook_id=webhook_id)
    except CoreObjectNotFound:
        return []


def history_list(*, user, organization: Organization) -> list[ConsoleRequest]:
    """The user's last HISTORY_LIMIT requests to this organization, newest first (without the
    request bodies and builder states, which the list does not show). An impersonated entry's
    `client_name` is its API client's AppName, as the context bar calls it (else its ID)."""
    entries = list(
        ConsoleRequest.objects.filter(user=user, organization=organization)
        .defer("body", "state")
        .order_by("-created_at", "-id")[:HISTORY_LIMIT]
    )
    client_ids = {entry.client_id for entry in entries if entry.client_id}
    names = (core_selectors.api_client_app_names(**_marketplace_args(organization), client_ids=client_ids)
             if client_ids and is_builtin(organization) else {})
    for entry in entries:
        entry.client_name = names.get(entry.client_id, entry.client_id)
    return entries


def history_get(*, user, organization: Organization, pk) -> ConsoleRequest:
    try:
        return ConsoleRequest.objects.get(user=user, organization=organization, pk=int(pk))
    except (ConsoleRequest.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFoundError(ERR_HISTORY_NOT_FOUND) from exc
