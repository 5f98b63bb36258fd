"""Reads of the core API used by the portal and by the API itself."""

from django.db.models import Q

from coreapi import roles as role_utils
from coreapi.errors import CoreObjectNotFound
from coreapi.webhooks import payload_for_log
from coreapi.models import (
    AdminUserGroupAssignment,
    ApiClient,
    ApiClientAssignment,
    Buyer,
    CoreUser,
    Marketplace,
    SecurityProfile,
    SecurityProfileAssignment,
    Supplier,
    SupplierUserGroupAssignment,
    UserGroupAssignment,
    UserKind,
    WebhookDelivery,
)

def marketplace_get(*, environment: str, marketplace_id: str) -> Marketplace:
    try:
        return Marketplace.objects.get(environment=environment, marketplace_id=marketplace_id)
    except Marketplace.DoesNotExist:
        raise CoreObjectNotFound("Marketplace", marketplace_id) from None


def user_group_ids(*, marketplace_pk: int, user: CoreUser) -> list[str]:
    """A buyer user's user groups (none for other users)."""
    if user.kind != UserKind.BUYER:
        return []
    return list(_party_user_groups(marketplace_pk=marketplace_pk, user=user))


def _party_user_groups(*, marketplace_pk: int, user: CoreUser):
    """The group IDs of the user's party (a `values_list` queryset, not yet run)."""
    if user.kind == UserKind.BUYER:
        rows = UserGroupAssignment.objects.filter(
            marketplace_id=marketplace_pk, buyer_id=user.company_id, user_id=user.oc_id
        )
    elif user.kind == UserKind.SUPPLIER:
        rows = SupplierUserGroupAssignment.objects.filter(
            marketplace_id=marketplace_pk, supplier_id=user.company_id, user_id=user.oc_id
        )
    else:
        rows = AdminUserGroupAssignment.objects.filter(marketplace_id=marketplace_pk, user_id=user.oc_id)
    return rows.values_list("user_group_id", flat=True)


def party_user_group_ids(*, marketplace_pk: int, user: CoreUser) -> list[str]:
    """The groups the user is in, whatever its kind: its buyer's user groups, its supplier's
    (SupplierUserGroups) or the admin user groups (AdminUserGroups)."""
    return list(_party_user_groups(marketplace_pk=marketplace_pk, user=user))


def _profile_assignments(*, marketplace_pk: int, user: CoreUser, groups):
    """The security profile assignments that apply to the user: at marketplace level (admin
    users), buyer/supplier level, user group level (`groups`: a list or a subquery) and user level."""
    if user.kind == UserKind.ADMIN:
        party = Q(buyer_id="", supplier_id="")
    elif user.kind == UserKind.BUYER:
        party = Q(buyer_id=user.company_id, supplier_id="")
    else:
        party = Q(supplier_id=user.company_id, buyer_id="")
    cond = party & (Q(user_id="", user_group_id="") | Q(user_id=user.oc_id) | Q(user_group_id__in=groups, user_id=""))
    return SecurityProfileAssignment.objects.filter(cond, marketplace_id=marketplace_pk)


def user_available_roles(*, marketplace_pk: int, user: CoreUser) -> list[str]:
    """API roles then custom roles of every security profile assigned to the user: at marketplace
    level (admin users), buyer/supplier level, user group level (buyer, supplier and admin user
    groups) and user level."""
    groups = party_user_group_ids(marketplace_pk=marketplace_pk, user=user)
    profile_ids = _profile_assignments(marketplace_pk=marketplace_pk, user=user, groups=groups).values_list(
        "security_profile_id", flat=True
    )
    api: list[str] = []
    custom: list[str] = []
    for roles, custom_roles in (
        SecurityProfile.objects.filter(marketplace_id=marketplace_pk, oc_id__in=list(profile_ids))
        .order_by("oc_id")
        .values_list("roles", "custom_roles")
    ):
        a, c = role_utils.split_roles([*(roles or []), *(custom_roles or [])])
        api += [r for r in a if r not in api]
        custom += [r for r in c if r not in custom]
    ordered = [r for r in role_utils.ALL_ROLES if r in api]
    return ordered + custom


def user_password_configs(*, marketplace_pk: int, user: CoreUser) -> list[dict]:
    """The PasswordConfig of every security profile that applies to the user (those that give it
    its roles, `user_available_roles`), the ones without one left out: one query (the groups and
    assignments are subqueries), as it runs on every password sign-in. `user` may be unsaved (a
    user being created: its party's and its groups' profiles)."""
    groups = _party_user_groups(marketplace_pk=marketplace_pk, user=user)
    assigned = _profile_assignments(marketplace_pk=marketplace_pk, user=user, groups=groups)
    configs = SecurityProfile.objects.filter(
        marketplace_id=marketplace_pk, oc_id__in=assigned.values("security_profile_id")
    ).values_list("password_config", flat=True)
    return [config for config in configs if isinstance(config, dict)]


def api_client_can_sign_in(*, client: ApiClient, user: CoreUser) -> bool:
    """Whether `user` may get tokens through `client` (AllowSeller / assignments / AllowAny*)."""
    if not client.active:
        return False
    if user.kind == UserKind.ADMIN:
        return client.allow_seller
    if user.kind == UserKind.BUYER:
        if client.allow_any_buyer:
            return True
        return ApiClientAssignment.objects.filter(
            marketplace_id=client.marketplace_id, api_client_id=client.oc_id, buyer_id=user.company_id
        ).exists()
    if client.allow_any_supplier:
        return True
    return ApiClientAssignment.objects.filter(
        marketplace_id=client.marketplace_id, api_client_id=client.oc_id, supplier_id=user.company_id
    ).exists()


def user_company_active(*, user: CoreUser) -> bool:
    if user.kind == UserKind.BUYER:
        return Buyer.objects.filter(marketplace_id=user.marketplace_id, oc_id=user.company_id, active=True).exists()
    if user.kind == UserKind.SUPPLIER:
        return Supplier.objects.filter(
            marketplace_id=user.marketplace_id, oc_id=user.company_id, active=True
        ).exists()
    return True


def api_client_app_name(*, environment: str, marketplace_id: str, client_id: str) -> str:
    """The client's AppName ("" when it has none or does not exist)."""
    return (
        ApiClient.objects.filter(
            marketplace__environment=environment, marketplace__marketplace_id=marketplace_id, oc_id=client_id
        )
        .values_list("app_name", flat=True)
        .first()
        or ""
    )


def api_client_app_names(*, environment: str, marketplace_id: str, client_ids) -> dict[str, str]:
    """{client ID: AppName} of those of `client_ids` that exist and have an AppName (one query)."""
    ids = {client_id for client_id in client_ids if client_id}
    if not ids:
        return {}
    rows = ApiClient.objects.filter(
        marketplace__environment=environment, marketplace__marketplace_id=marketplace_id, oc_id__in=ids
    ).exclude(app_name="").values_list("oc_id", "app_name")
    return dict(rows)


PICKER_LIMIT = 200  # the console's pickers show at most this many (the Portal API pages through all)


def api_client_queryset(*, environment: str, marketplace_id: str, search: str | None = None):
    """A marketplace's API clients, by app name (search: in the ID or the app name)."""
    marketplace = marketplace_get(environment=environment, marketplace_id=marketplace_id)
    qs = ApiClient.objects.filter(marketplace=marketplace)
    if search:
        qs = qs.filter(Q(oc_id__icontains=search) | Q(app_name__icontains=search))
    return qs.order_by("app_name", "oc_id")


def api_client_row(client: ApiClient) -> dict:
    return {
        "ID": client.oc_id,
        "AppName": client.app_name,
        "Active": client.active,
        "AllowSeller": client.allow_seller,
        "AllowAnyBuyer": client.allow_any_buyer,
        "AllowAnySupplier": client.allow_any_supplier,
        "IsAnonBuyer": client.is_anon_buyer,
        "HasClientSecret": bool(client.client_secret),
    }


def api_client_list(*, environment: str, marketplace_id: str, search: str | None = None) -> list[dict]:
    """API clients of a marketplace for the console picker: ID, AppName, Active, flags."""
    qs = api_client_queryset(environment=environment, marketplace_id=marketplace_id, search=search)
    return [api_client_row(c) for c in qs[:PICKER_LIMIT]]


COMMERCE_ROLE = {UserKind.ADMIN: "Seller", UserKind.BUYER: "Buyer", UserKind.SUPPLIER: "Supplier"}


def api_client_user_queryset(
    *, environment: str, marketplace_id: str, client_id: str, search: str | None = None,
    commerce_roles: set[str] | None = None,
):
    """Users who can sign in through `client_id`: admin users when AllowSeller, buyer users of
    assigned buyers (or any buyer with AllowAnyBuyer), supplier users likewise; only those of
    `commerce_roles` (Seller, Buyer, Supplier) when given. By kind, then username."""
    marketplace = marketplace_get(environment=environment, marketplace_id=marketplace_id)
    client = ApiClient.objects.filter(marketplace=marketplace, oc_id=client_id).first()
    if client is None:
        raise CoreObjectNotFound("ApiClient", client_id)
    assigned = ApiClientAssignment.objects.filter(marketplace=marketplace, api_client_id=client.oc_id)
    cond = Q(pk__in=[])
    if client.allow_seller:
        cond |= Q(kind=UserKind.ADMIN)
    if client.allow_any_buyer:
        cond |= Q(kind=UserKind.BUYER)
    else:
        cond |= Q(kind=UserKind.BUYER, company_id__in=[a for a in assigned.values_list("buyer_id", flat=True) if a])
    if client.allow_any_supplier:
        cond |= Q(kind=UserKind.SUPPLIER)
    else:
        cond |= Q(
            kind=UserKind.SUPPLIER, company_id__in=[a for a in assigned.values_list("supplier_id", flat=True) if a]
        )
    qs = CoreUser.objects.filter(cond, marketplace=marketplace)
    if commerce_roles is not None:
        qs = qs.filter(kind__in=[kind for kind, role in COMMERCE_ROLE.items() if role in commerce_roles])
    if search:
        qs = qs.filter(
            Q(username__icontains=search)
            | Q(oc_id__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(email__icontains=search)
        )
    return qs.order_by("kind", "username")


def api_client_user_rows(*, environment: str, marketplace_id: str, users) -> list[dict]:
    """`users` (of api_client_user_queryset) with their company: the buyer's or supplier's ID and
    name, the marketplace's for admin users."""
    marketplace = marketplace_get(environment=environment, marketplace_id=marketplace_id)
    users = list(users)
    buyer_names = dict(
        Buyer.objects.filter(marketplace=marketplace, oc_id__in={u.company_id for u in users}).values_list(
            "oc_id", "name"
        )
    )
    supplier_names = dict(
        Supplier.objects.filter(marketplace=marketplace, oc_id__in={u.company_id for u in users}).values_list(
            "oc_id", "name"
        )
    )
    out = []
    for u in users:
        if u.kind == UserKind.ADMIN:
            company_id, company_name = marketplace.marketplace_id, marketplace.name
        elif u.kind == UserKind.BUYER:
            company_id, company_name = u.company_id, buyer_names.get(u.company_id, "")
        else:
            company_id, company_name = u.company_id, supplier_names.get(u.company_id, "")
        out.append(
            {
                "ID": u.oc_id,
                "Username": u.username,
                "FirstName": u.first_name,
                "LastName": u.last_name,
                "Email": u.email,
                "Active": u.active,
                "CommerceRole": COMMERCE_ROLE[u.kind],
                "CompanyID": company_id,
                "CompanyName": company_name,
            }
        )
    return out


def api_client_user_list(
    *, environment: str, marketplace_id: str, client_id: str, search: str | None = None
) -> list[dict]:
    """Users who can sign in through `client_id` (api_client_user_queryset), for the console's
    picker: the first PICKER_LIMIT."""
    users = api_client_user_queryset(
        environment=environment, marketplace_id=marketplace_id, client_id=client_id, search=search
    )[:PICKER_LIMIT]
    return api_client_user_rows(environment=environment, marketplace_id=marketplace_id, users=users)


WEBHOOK_DELIVERIES_SHOWN = 25


def webhook_delivery_list(*, environment: str, marketplace_id: str, webhook_id: str) -> list[dict]:
    """The webhook's latest delivery attempts (pre-hook calls included), newest first.

    Only for someone who may read the webhook: the caller checks that first. The log keeps no
    UserToken (coreapi.webhooks.payload_for_log); rows written before that are redacted here."""
    marketplace = marketplace_get(environment=environment, marketplace_id=marketplace_id)
    rows = WebhookDelivery.objects.filter(marketplace=marketplace, webhook_oc_id=webhook_id).order_by("-created_at", "-id")
    deliveries = []
    for row in rows[:WEBHOOK_DELIVERIES_SHOWN]:
        payload = payload_for_log(dict(row.payload or {}))
        deliveries.append(
            {
                "created_at": row.created_at,
                "route": row.route,
                "verb": row.verb,
                "url": row.url,
                "attempt": row.attempt,
                "status_code": row.status_code,
                "latency_ms": row.latency_ms,
                "error": row.error,
                "pre_hook": row.pre_hook,
                "ok": not row.error and row.status_code is not None and 200 <= row.status_code < 300,
                "payload": payload,
            }
        )
    return deliveries
