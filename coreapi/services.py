"""Writes of the core API: marketplaces, OAuth grants, token minting for the portal, revocation.

Resource CRUD (products, buyers, ...) goes through the generic writers in `coreapi.resources`.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from coreapi import passwords, selectors
from coreapi import roles as role_utils
from coreapi.auth import marketplace_cache_forget
from coreapi.errors import (
    MSG_MARKETPLACE_EXISTS,
    OAUTH_INVALID_CREDENTIALS,
    OAUTH_INVALID_GRANT,
    OAUTH_INVALID_REQUEST,
    OAUTH_MSG_CLIENT,
    OAUTH_MSG_CONTEXT_USER_INACTIVE,
    OAUTH_MSG_CREDENTIALS,
    OAUTH_MSG_FORM_ENCODED,
    OAUTH_MSG_NO_CONTEXT_USER,
    OAUTH_MSG_REFRESH,
    OAUTH_MSG_SECRET,
    OAUTH_MSG_SECRET_EXPIRED,
    OAUTH_UNSUPPORTED_GRANT,
    CoreObjectNotFound,
    InsufficientRoles,
    InvalidRequest,
    MarketplaceExists,
    OAuthError,
)
from coreapi.models import (
    REVOKED_API_CLIENT,
    REVOKED_PORTAL_USER,
    AdminUserGroupAssignment,
    ApiClient,
    ApiClientSecret,
    CoreUser,
    Environment,
    ImpersonationConfig,
    Marketplace,
    RefreshToken,
    SecurityProfile,
    TokenRevocation,
    UserGroupAssignment,
    UserKind,
)
from coreapi.tokens import access_token_encode, refresh_token_hash, refresh_token_new

__all__ = [
    "CoreObjectNotFound",
    "MarketplaceExists",
    "marketplace_create",
    "marketplace_delete",
    "marketplace_rename",
    "marketplace_suspend",
    "organization_token_mint",
]

# Failed sign-ins in a row that lock a user none of whose profiles sets AllowedFailedAttempts (coreapi.passwords)
LOCKOUT_AFTER_FAILED_ATTEMPTS = passwords.PLATFORM_ALLOWED_FAILED_ATTEMPTS
DEFAULT_ACCESS_MINUTES = 600
MINTED_REFRESH_MINUTES = 24 * 60
# A token the portal mints for a contributor lives at most this long (its refresh rechecks their
# access): one handed out ("Reveal my token", the Portal API) outlives a withdrawn access by no more.
MINTED_ACCESS_MINUTES = 10
# Checked when the username does not exist, so both failures take the same time.
_DUMMY_PASSWORD_HASH = make_password("coreapi-dummy-password-for-timing")


# --- marketplaces -----------------------------------------------------------------------------


@transaction.atomic
def marketplace_create(*, environment: str, marketplace_id: str, name: str) -> Marketplace:
    if Marketplace.objects.filter(environment=environment, marketplace_id=marketplace_id).exists():
        raise MarketplaceExists(MSG_MARKETPLACE_EXISTS, data={"ObjectType": "Marketplace", "ObjectID": marketplace_id})
    marketplace = Marketplace(environment=environment, marketplace_id=marketplace_id, name=name)
    marketplace.full_clean()
    marketplace.save()
    _marketplace_cache_forget(environment=environment, marketplace_id=marketplace_id)
    return marketplace


@transaction.atomic
def marketplace_delete(*, environment: str, marketplace_id: str) -> None:
    """Delete the marketplace and, by CASCADE, every row of it. Its tokens stop working at once
    (their `mpk` names a pk that no longer exists; see coreapi.auth)."""
    Marketplace.objects.filter(environment=environment, marketplace_id=marketplace_id).delete()
    _marketplace_cache_forget(environment=environment, marketplace_id=marketplace_id)


@transaction.atomic
def marketplace_suspend(*, environment: str, marketplace_id: str, suspended: bool) -> None:
    """Suspend the marketplace (its organization was deleted, restorably) or lift the suspension
    (restored). While suspended no token is issued and every token answers 401, as for a deleted
    marketplace; its data is kept."""
    Marketplace.objects.filter(environment=environment, marketplace_id=marketplace_id).update(
        suspended_at=timezone.now() if suspended else None
    )
    _marketplace_cache_forget(environment=environment, marketplace_id=marketplace_id)


def _marketplace_cache_forget(*, environment: str, marketplace_id: str) -> None:
    """Drop this process's cached pk now and again after commit (a read between the two could
    have cached the row this transaction is replacing)."""
    forget = partial(marketplace_cache_forget, environment=environment, marketplace_id=marketplace_id)
    forget()
    transaction.on_commit(forget)


@transaction.atomic
def marketplace_rename(*, environment: str, marketplace_id: str, name: str) -> Marketplace:
    marketplace = selectors.marketplace_get(environment=environment, marketplace_id=marketplace_id)
    marketplace.name = name
    marketplace.full_clean()
    marketplace.save(update_fields=["name"])
    return marketplace


# --- issuing tokens ---------------------------------------------------------------------------


def _token_generation(*, marketplace: Marketplace, user_kind: str, company_id: str, user_id: str) -> int:
    """The user's current token generation (0 until their tokens are first revoked); with
    user_kind REVOKED_PORTAL_USER, a portal contributor's (user_id: the portal username)."""
    if not user_id:
        return 0
    return (
        TokenRevocation.objects.filter(
            marketplace=marketplace, user_kind=user_kind, company_id=company_id, user_id=user_id
        )
        .values_list("generation", flat=True)
        .first()
        or 0
    )


def _issue(
    *,
    marketplace: Marketplace,
    client: ApiClient | None,
    username: str,
    user_id: str,
    user_kind: str,
    company_id: str,
    roles: list[str],
    access_minutes: int,
    refresh_minutes: int,
    impersonator: str = "",
    anonymous_order_id: str = "",
    portal_user: str = "",
) -> dict:
    """An access token (and a refresh token when refresh_minutes > 0). `portal_user`: the portal
    contributor a token minted by the portal is for (its tokens end when their access is cut)."""
    access = access_token_encode(
        environment=marketplace.environment,
        marketplace_id=marketplace.marketplace_id,
        username=username,
        client_id=client.oc_id if client else "",
        user_id=user_id,
        user_type=user_kind,
        company_id=company_id,
        roles=roles,
        lifetime_seconds=access_minutes * 60,
        impersonator=impersonator,
        anonymous_order_id=anonymous_order_id,
        marketplace_pk=marketplace.pk,
        generation=_token_generation(marketplace=marketplace, user_kind=user_kind, company_id=company_id, user_id=user_id),
        portal_user=portal_user,
        portal_generation=_token_generation(
            marketplace=marketplace, user_kind=REVOKED_PORTAL_USER, company_id="", user_id=portal_user
        ),
    )
    refresh = None
    if refresh_minutes > 0 and not anonymous_order_id:
        refresh, digest = refresh_token_new()
        RefreshToken.objects.create(
            marketplace=marketplace,
            token_hash=digest,
            client_id=client.oc_id if client else "",
            user_kind=user_kind,
            user_id=user_id,
            company_id=company_id,
            username=username,
            roles=roles,
            impersonator=impersonator,
            expires_at=timezone.now() + timedelta(minutes=refresh_minutes),
        )
    return {
        "access_token": access,
        "expires_in": access_minutes * 60,
        "token_type": "bearer",
        "refresh_token": refresh,
    }


def _client_for_token(*, environment: str, client_id: str) -> ApiClient:
    client = (
        ApiClient.objects.select_related("marketplace")
        .filter(marketplace__environment=environment, marketplace__suspended_at=None, oc_id=client_id)
        .first()
        if client_id
        else None
    )
    if client is None or not client.active:
        raise OAuthError(OAUTH_INVALID_GRANT, OAUTH_MSG_CLIENT)
    return client


def client_secret_hash(value: str) -> str:
    """How an ApiClientSecret's value is stored: its SHA-256 (the value is 64 random bytes)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _check_secret(client: ApiClient, client_secret: str | None) -> None:
    """A client with a secret (its legacy ClientSecret field, or any ApiClientSecret, expired ones
    included) requires one on the grant: the ClientSecret, or an unexpired ApiClientSecret."""
    presented = client_secret or ""
    if client.client_secret and hmac.compare_digest(presented.encode(), client.client_secret.encode()):
        return
    secrets_of_client = ApiClientSecret.objects.filter(marketplace_id=client.marketplace_id, api_client_id=client.oc_id)
    if presented:
        row = secrets_of_client.filter(secret_hash=client_secret_hash(presented)).only("expiration").first()
        if row is not None:
            if row.expiration is None or row.expiration > timezone.now():
                return
            raise OAuthError(OAUTH_INVALID_GRANT, OAUTH_MSG_SECRET_EXPIRED)
    if client.client_secret or secrets_of_client.exists():
        raise OAuthError(OAUTH_INVALID_GRANT, OAUTH_MSG_SECRET)


def _requested_roles(scope: str | None) -> list[str]:
    return [s for s in (scope or "").replace(",", " ").split() if s]


def _roles_for(*, client: ApiClient, user: CoreUser, scope: str | None) -> list[str]:
    available = selectors.user_available_roles(marketplace_pk=client.marketplace_id, user=user)
    effective = role_utils.expand(available)
    minimum = [*client.minimum_required_roles, *client.minimum_required_custom_roles]
    if any(role not in effective for role in minimum):
        raise OAuthError(OAUTH_INVALID_GRANT, OAUTH_MSG_CLIENT)
    granted = role_utils.grant(requested=_requested_roles(scope), available=available)
    maximum = [*client.maximum_granted_roles, *client.maximum_granted_custom_roles]
    if maximum:
        granted = role_utils.intersect(granted, maximum)
    return granted


def _user_token(
    *, client: ApiClient, user: CoreUser, scope: str | None, impersonator: str = "", anonymous_order_id: str = ""
) -> dict:
    """A token for `user` through `client`. An anonymous shopper token (`anonymous_order_id`) uses the
    client's AnonymousTokenDuration, has no refresh token and does not count as the user's activity."""
    roles = _roles_for(client=client, user=user, scope=scope)
    if anonymous_order_id:
        access_minutes, refresh_minutes = client.anonymous_token_duration or DEFAULT_ACCESS_MINUTES, 0
    else:
        CoreUser.objects.filter(pk=user.pk).update(last_active=timezone.now(), failed_login_attempts=0)
        access_minutes, refresh_minutes = client.access_token_duration or DEFAULT_ACCESS_MINUTES, client.refresh_token_duration
    return _issue(
        marketplace=client.marketplace,
        client=client,
        username=user.username,
        user_id=user.oc_id,
        user_kind=user.kind,
        company_id=user.company_id,
        roles=roles,
        access_minutes=access_minutes,
        refresh_minutes=refresh_minutes,
        impersonator=impersonator,
        anonymous_order_id=anonymous_order_id,
    )


def _user_may_use(client: ApiClient, user: CoreUser) -> None:
    if not selectors.api_client_can_sign_in(client=client, user=user):
        raise OAuthError(OAUTH_INVALID_GRANT, OAUTH_MSG_CLIENT)


def oauth_password_grant(
    *, environment: str, client_id: str, username: str, password: str, scope: str | None, client_secret: str | None
) -> dict:
    client = _client_for_token(environment=environment, client_id=client_id)
    _check_secret(client, client_secret)
    user = CoreUser.objects.filter(marketplace_id=client.marketplace_id, username=username).first()
    if user is None:
        check_password(password, _DUMMY_PASSWORD_HASH)
        raise OAuthError(OAUTH_INVALID_CREDENTIALS, OAUTH_MSG_CREDENTIALS)
    password_ok = bool(user.password) and check_password(password, user.password)
    now = timezone.now()
    rules = passwords.user_password_rules(user=user)
    # locked (AllowedFailedAttempts failures in a row, for LockoutDuration): even the right password
    # gets the wrong one's answer, and no failure is counted until the lock ends
    locked = passwords.user_locked(user=user, now=now)
    if not password_ok and not locked:
        passwords.sign_in_failure_record(user=user, rules=rules, now=now)
    if not password_ok or locked or not user.active or not selectors.user_company_active(user=user):
        raise OAuthError(OAUTH_INVALID_CREDENTIALS, OAUTH_MSG_CREDENTIALS)
    _user_may_use(client, user)
    if user.failed_login_attempts or user.locked_until:  # the right password: the count restarts
        CoreUser.objects.filter(pk=user.pk).update(failed_login_attempts=0, locked_until=None)
    passwords.sign_in_check(user=user, password=password, rules=rules, now=now)
    return _user_token(client=client, user=user, scope=scope)


def oauth_client_credentials_grant(
    *, environment: str, client_id: str, client_secret: str | None, scope: str | None, anonuserid: str | None = None
) -> dict:
    """client_credentials: a token for the client's DefaultContextUserName. Without a secret on an
    IsAnonBuyer client this is the SDK's Auth.Anonymous: an anonymous shopper token."""
    client = _client_for_token(environment=environment, client_id=client_id)
    _check_secret(client, client_secret)
    if not client.default_context_user_name:
        raise OAuthError(OAUTH_INVALID_GRANT, OAUTH_MSG_NO_CONTEXT_USER)
    user = CoreUser.objects.filter(
        marketplace_id=client.marketplace_id, username=client.default_context_user_name
    ).first()
    if user is None or not user.active:
        raise OAuthError(
            OAUTH_INVALID_GRANT, OAUTH_MSG_CONTEXT_USER_INACTIVE.format(username=client.default_context_user_name)
        )
    _user_may_use(client, user)
    anonymous = client.is_anon_buyer and not client.client_secret and not client_secret
    if anonymous and user.kind == UserKind.BUYER:
        order_id = (anonuserid or secrets.token_urlsafe(16))[:100]
        return _user_token(client=client, user=user, scope=scope, anonymous_order_id=order_id)
    return _user_token(client=client, user=user, scope=scope)


def _access_minutes(client: ApiClient, *, minted: bool) -> int:
    """The client's AccessTokenDuration; for a token the portal mints, at most MINTED_ACCESS_MINUTES."""
    minutes = client.access_token_duration or DEFAULT_ACCESS_MINUTES
    return min(minutes, MINTED_ACCESS_MINUTES) if minted else minutes


def _minted_token_roles(**kwargs) -> list[str] | None:
    """settings.COREAPI_MINTED_TOKEN_ROLES (the portal's organizations.services.minted_token_roles):
    the roles a portal user may still hold in a marketplace, None for none. Without the setting
    (the core API alone) a minted token keeps its roles."""
    path = getattr(settings, "COREAPI_MINTED_TOKEN_ROLES", "")
    return import_string(path)(**kwargs) if path else None


@transaction.atomic
def oauth_refresh_grant(*, environment: str, refresh_token: str, client_id: str | None) -> dict:
    """Single use: the presented refresh token is marked used and a new pair is issued."""
    row = (
        RefreshToken.objects.select_for_update()
        .select_related("marketplace")
        .filter(token_hash=refresh_token_hash(refresh_token or ""), marketplace__environment=environment)
        .first()
    )
    now = timezone.now()
    if row is None or row.used_at or row.revoked_at or row.expires_at <= now or row.client_id != (client_id or ""):
        raise OAuthError(OAUTH_INVALID_GRANT, OAUTH_MSG_REFRESH)
    if row.marketplace.suspended_at is not None:
        raise OAuthError(OAUTH_INVALID_GRANT, OAUTH_MSG_REFRESH)
    row.used_at = now
    row.save(update_fields=["used_at"])
    marketplace = row.marketplace
    # The new pair carries the roles the first one was issued with, less any taken away since:
    # the user's (security profiles, the client's limits) and, for a token the portal minted for a
    # contributor, the contributor's current access in the organization.
    roles = list(row.roles)
    minted = not row.client_id or bool(row.impersonator)  # by the portal (organization_token_mint)
    portal_user = (row.impersonator or row.username) if minted else ""
    if minted:
        if getattr(settings, "COREAPI_MINTED_TOKEN_ROLES", ""):
            portal_roles = _minted_token_roles(
                environment=environment, marketplace_id=marketplace.marketplace_id,
                username=portal_user, impersonating=row.user_kind if row.impersonator else None,
            )
            if portal_roles is None:
                raise OAuthError(OAUTH_INVALID_GRANT, OAUTH_MSG_REFRESH)
            roles = role_utils.intersect(roles, portal_roles)
    if not row.client_id:
        return _issue(
            marketplace=marketplace,
            client=None,
            username=row.username,
            user_id=row.user_id,
            user_kind=row.user_kind,
            company_id=row.company_id,
            roles=roles,
            access_minutes=MINTED_ACCESS_MINUTES,
            refresh_minutes=MINTED_REFRESH_MINUTES,
            impersonator=row.impersonator,
            portal_user=portal_user,
        )
    client = ApiClient.objects.filter(marketplace=marketplace, oc_id=row.client_id, active=True).first()
    user = CoreUser.objects.filter(
        marketplace=marketplace, kind=row.user_kind, company_id=row.company_id, oc_id=row.user_id
    ).first()
    # what the grant that issued the first token checked, but the password: the user may still sign
    # in through the client (AllowSeller, its buyer's or supplier's assignment) and, signed in with a
    # password, its buyer or supplier is still active. A lock or an expired password does not end a
    # session: a lock stops guesses (anyone who knows a username can lock it), and an expired password
    # is changed at the next sign-in.
    if (
        client is None
        or user is None
        or not user.active
        or not selectors.api_client_can_sign_in(client=client, user=user)
        or (not row.impersonator and not selectors.user_company_active(user=user))
    ):
        raise OAuthError(OAUTH_INVALID_GRANT, OAUTH_MSG_REFRESH)
    if row.impersonator:  # as organization_token_mint: the user's available roles
        roles = role_utils.intersect(roles, selectors.user_available_roles(marketplace_pk=marketplace.pk, user=user))
    else:  # as the password grant, with the roles first granted as the scope
        roles = role_utils.intersect(roles, _roles_for(client=client, user=user, scope=None))
    return _issue(
        marketplace=marketplace,
        client=client,
        username=user.username,
        user_id=user.oc_id,
        user_kind=user.kind,
        company_id=user.company_id,
        roles=roles,
        access_minutes=_access_minutes(client, minted=minted),
        refresh_minutes=client.refresh_token_duration or MINTED_REFRESH_MINUTES,
        impersonator=row.impersonator,
        portal_user=portal_user,
    )


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def oauth_token(*, environment: str, data, content_type: str = "") -> dict:
    """Dispatch a form-encoded `POST {base}/oauth/token` by grant_type. A body of another type (JSON:
    the form fields are not read from it) is a 400 invalid_request saying the request must be
    form-encoded, not "grant_type is required."."""
    if content_type and content_type.lower() not in FORM_CONTENT_TYPES:
        raise OAuthError(OAUTH_INVALID_REQUEST, OAUTH_MSG_FORM_ENCODED.format(content_type=content_type[:100]))
    grant_type = data.get("grant_type") or ""

    def required(name: str) -> str:
        value = data.get(name)
        if not value:
            raise OAuthError(OAUTH_INVALID_REQUEST, f"{name} is required.")
        return value

    if grant_type == "password":
        return oauth_password_grant(
            environment=environment,
            client_id=required("client_id"),
            username=required("username"),
            password=required("password"),
            scope=data.get("scope"),
            client_secret=data.get("client_secret"),
        )
    if grant_type == "client_credentials":
        return oauth_client_credentials_grant(
            environment=environment,
            client_id=required("client_id"),
            client_secret=data.get("client_secret"),
            scope=data.get("scope"),
            anonuserid=data.get("anonuserid"),
        )
    if grant_type == "refresh_token":
        return oauth_refresh_grant(
            environment=environment, refresh_token=required("refresh_token"), client_id=data.get("client_id")
        )
    if not grant_type:
        raise OAuthError(OAUTH_INVALID_REQUEST, "grant_type is required.")
    raise OAuthError(OAUTH_UNSUPPORTED_GRANT, f"grant_type {grant_type!r} is not supported.")


# --- the portal's console tokens --------------------------------------------------------------


def organization_token_mint(
    *,
    environment: str,
    marketplace_id: str,
    roles: list[str],
    portal_username: str,
    client_id: str | None = None,
    username: str | None = None,
) -> dict:
    """A token for a portal contributor.

    Without client_id/username: an admin-perspective token for a user that does not exist in the
    marketplace (`usr` = the portal username), with exactly `roles`.
    With client_id + username: a token for that core user through that client, with the user's
    available roles ∩ `roles`. Raises CoreObjectNotFound when the client or user does not exist in
    the marketplace or the user cannot sign in through the client.
    """
    if environment not in Environment.values:
        raise CoreObjectNotFound("Environment", environment)
    marketplace = selectors.marketplace_get(environment=environment, marketplace_id=marketplace_id)
    roles = list(dict.fromkeys(r for r in roles if r))
    if not client_id and not username:
        token = _issue(
            marketplace=marketplace,
            client=None,
            username=portal_username,
            user_id="",
            user_kind=UserKind.ADMIN,
            company_id="",
            roles=roles,
            access_minutes=MINTED_ACCESS_MINUTES,
            refresh_minutes=MINTED_REFRESH_MINUTES,
            portal_user=portal_username,
        )
        return {**token, "coreuser_roles": roles, "portaluser_roles": roles, "granted_roles": roles}
    client = ApiClient.objects.filter(marketplace=marketplace, oc_id=client_id or "").first()
    if client is None or not client.active:
        raise CoreObjectNotFound("ApiClient", client_id or "")
    user = CoreUser.objects.filter(marketplace=marketplace, username=username or "").first()
    if user is None or not user.active or not selectors.api_client_can_sign_in(client=client, user=user):
        raise CoreObjectNotFound("User", username or "")
    available = selectors.user_available_roles(marketplace_pk=marketplace.pk, user=user)
    granted = role_utils.intersect(roles, available)
    token = _issue(
        marketplace=marketplace,
        client=client,
        username=user.username,
        user_id=user.oc_id,
        user_kind=user.kind,
        company_id=user.company_id,
        roles=granted,
        access_minutes=_access_minutes(client, minted=True),
        refresh_minutes=client.refresh_token_duration or MINTED_REFRESH_MINUTES,
        impersonator=portal_username,
        portal_user=portal_username,
    )
    return {**token, "coreuser_roles": available, "portaluser_roles": roles, "granted_roles": granted}


# --- impersonation and revocation -------------------------------------------------------------


def impersonation_token_create(
    *,
    marketplace: Marketplace,
    impersonator,
    buyer_id: str,
    user_id: str,
    client_id: str,
    roles: list[str],
    custom_roles: list[str],
) -> dict:
    """`POST /v1/buyers/{buyerID}/users/{userID}/accesstoken` (needs BuyerImpersonation).

    The token's roles are the requested ones that the applicable ImpersonationConfig's security
    profile grants (`impersonation_config_applicable`), or, without one, that the user has."""
    user = CoreUser.objects.filter(
        marketplace=marketplace, kind=UserKind.BUYER, company_id=buyer_id, oc_id=user_id
    ).first()
    if user is None:
        raise CoreObjectNotFound("User", user_id)
    client = ApiClient.objects.filter(marketplace=marketplace, oc_id=client_id or "").first()
    if client is None:
        raise CoreObjectNotFound("ApiClient", client_id or "")
    if not selectors.api_client_can_sign_in(client=client, user=user):
        # the client, not the caller's roles, is what is wrong
        raise InvalidRequest(OAUTH_MSG_CLIENT, data={"Field": "ClientID", "Value": client.oc_id})
    match = impersonation_config_applicable(
        marketplace_pk=marketplace.pk,
        client_id=client.oc_id,
        impersonator_kind=impersonator.user_type,
        impersonator_company_id=impersonator.claims.company_id,
        impersonator_id=impersonator.user_id,
        user=user,
    )
    if match is not None:
        profile = SecurityProfile.objects.filter(marketplace=marketplace, oc_id=match.security_profile_id).first()
        available = [*(profile.roles if profile else []), *(profile.custom_roles if profile else [])]
    else:
        available = selectors.user_available_roles(marketplace_pk=marketplace.pk, user=user)
    requested = [*roles, *custom_roles]
    granted = role_utils.grant(requested=requested, available=available)
    return _issue(
        marketplace=marketplace,
        client=client,
        username=user.username,
        user_id=user.oc_id,
        user_kind=user.kind,
        company_id=user.company_id,
        roles=granted,
        access_minutes=client.access_token_duration or DEFAULT_ACCESS_MINUTES,
        refresh_minutes=0,
        impersonator=impersonator.username,
    )


def _impersonation_config_rank(config: ImpersonationConfig) -> tuple:
    """Most specific first: about the impersonated user (UserID, then GroupID, then BuyerID only),
    then about the impersonator (ImpersonationUserID, then ImpersonationGroupID, then
    ImpersonationBuyerID only), then the lowest ID."""

    def level(user_id: str, group_id: str, buyer_id: str) -> int:
        return 3 if user_id else 2 if group_id else 1 if buyer_id else 0

    return (
        -level(config.user_id, config.group_id, config.buyer_id),
        -level(config.impersonation_user_id, config.impersonation_group_id, config.impersonation_buyer_id),
        config.oc_id,
    )


def impersonation_config_applicable(
    *,
    marketplace_pk: int,
    client_id: str,
    impersonator_kind: str,
    impersonator_company_id: str,
    impersonator_id: str,
    user: CoreUser,
) -> ImpersonationConfig | None:
    """The ImpersonationConfig that applies when this impersonator impersonates buyer user `user`
    through API client `client_id`, or None.

    OrderCloud's meaning: ImpersonationBuyerID / ImpersonationGroupID / ImpersonationUserID name
    the impersonator, BuyerID / GroupID / UserID the impersonated user. A config applies when
    every field it sets matches: ImpersonationUserID the impersonator's ID, ImpersonationGroupID
    a group it is in, ImpersonationBuyerID its buyer; an ImpersonationUserID or
    ImpersonationGroupID without an ImpersonationBuyerID names an admin user or an admin user
    group (AdminUserGroups; an admin user has no buyer); BuyerID the user's buyer, GroupID a group
    the user is in, UserID the user. Several: `_impersonation_config_rank`'s first. (The fields were
    matched the other way round - ImpersonationBuyerID and ImpersonationGroupID against the
    impersonated user - and the first config created won, so a config meant for some admins
    applied to every admin with BuyerImpersonation.)"""
    if impersonator_kind == UserKind.BUYER:
        impersonator_groups = list(
            UserGroupAssignment.objects.filter(
                marketplace_id=marketplace_pk, buyer_id=impersonator_company_id, user_id=impersonator_id
            ).values_list("user_group_id", flat=True)
        )
    elif impersonator_kind == UserKind.ADMIN:  # no buyer; its groups are admin user groups
        impersonator_company_id = ""
        impersonator_groups = list(
            AdminUserGroupAssignment.objects.filter(
                marketplace_id=marketplace_pk, user_id=impersonator_id
            ).values_list("user_group_id", flat=True)
        )
    else:  # a supplier user is neither a buyer's user nor an admin user a config can name
        impersonator_company_id, impersonator_groups, impersonator_id = "", [], ""
    user_groups = selectors.user_group_ids(marketplace_pk=marketplace_pk, user=user)
    # an ImpersonationGroupID / ImpersonationUserID is one of ImpersonationBuyerID's ("" = the admin users')
    impersonator_scoped = Q(impersonation_group_id="", impersonation_user_id="") | Q(
        impersonation_buyer_id=impersonator_company_id
    )
    configs = ImpersonationConfig.objects.filter(
        impersonator_scoped,
        marketplace_id=marketplace_pk,
        client_id=client_id,
        impersonation_buyer_id__in=["", impersonator_company_id] if impersonator_company_id else [""],
        impersonation_group_id__in=["", *impersonator_groups],
        impersonation_user_id__in=["", impersonator_id] if impersonator_id else [""],
        buyer_id__in=["", user.company_id],
        group_id__in=["", *user_groups],
        user_id__in=["", user.oc_id],
    )
    return min(configs, key=_impersonation_config_rank, default=None)


def user_tokens_revoke(*, marketplace: Marketplace, user_kind: str, company_id: str, user_id: str) -> int:
    """Revoke every token of a user (RevokeUserTokens, Me.RevokeTokens). Returns the number of
    refresh tokens revoked."""
    return users_tokens_revoke(
        marketplace_pk=marketplace.pk, environment=marketplace.environment, marketplace_id=marketplace.marketplace_id,
        user_kind=user_kind, company_id=company_id, user_ids=[user_id],
    )


@transaction.atomic
def users_tokens_revoke(
    *, marketplace_pk: int, environment: str, marketplace_id: str, user_kind: str, company_id: str, user_ids: list[str]
) -> int:
    """Revoke every token of these users of one company (also run when users are deleted): their
    refresh tokens, and their access tokens through the next token generation (TokenRevocation,
    checked by coreapi.auth). Returns the number of refresh tokens revoked."""
    user_ids = [u for u in dict.fromkeys(user_ids) if u]
    if not user_ids:
        return 0
    now = timezone.now()
    scope = {"marketplace_id": marketplace_pk, "user_kind": user_kind, "company_id": company_id}
    _generations_bump(scope=scope, user_ids=user_ids, now=now)
    _marketplace_cache_forget(environment=environment, marketplace_id=marketplace_id)
    return RefreshToken.objects.filter(**scope, user_id__in=user_ids, revoked_at=None).update(revoked_at=now)


def _generations_bump(*, scope: dict, user_ids: list[str], now) -> None:
    TokenRevocation.objects.filter(**scope, user_id__in=user_ids).update(generation=F("generation") + 1, revoked_at=now)
    # users revoked for the first time; a row a concurrent revocation created in between is
    # already at generation 1 or more, which revokes the same tokens
    TokenRevocation.objects.bulk_create(
        [TokenRevocation(**scope, user_id=u, generation=1, revoked_at=now) for u in user_ids], ignore_conflicts=True,
    )


@transaction.atomic
def portal_user_tokens_revoke(*, environment: str, marketplace_id: str, portal_username: str) -> None:
    """When a contributor loses some or all of their access to an organization: the access tokens
    the portal minted for them in its marketplace (claim `pu`, including impersonation tokens)
    stop working. Their refresh tokens stay: a refresh gives only the access still held (none
    for a removed contributor, see oauth_refresh_grant), so the console carries on with the new
    access and a removed contributor gets nothing."""
    marketplace = Marketplace.objects.filter(environment=environment, marketplace_id=marketplace_id).first()
    if marketplace is None or not portal_username:
        return
    scope = {"marketplace_id": marketplace.pk, "user_kind": REVOKED_PORTAL_USER, "company_id": ""}
    _generations_bump(scope=scope, user_ids=[portal_username], now=timezone.now())
    _marketplace_cache_forget(environment=environment, marketplace_id=marketplace_id)


@transaction.atomic
def api_client_tokens_revoke(*, marketplace_pk: int, environment: str, marketplace_id: str, client_id: str) -> None:
    """When an API client is deleted: the access tokens issued through it stop working (checked by
    coreapi.auth against the deletion time, so a client created again with the same ID starts
    clean), and so do its refresh tokens."""
    now = timezone.now()
    TokenRevocation.objects.update_or_create(
        marketplace_id=marketplace_pk, user_kind=REVOKED_API_CLIENT, company_id="", user_id=client_id,
        defaults={"revoked_at": now, "generation": 0},
    )
    RefreshToken.objects.filter(marketplace_id=marketplace_pk, client_id=client_id, revoked_at=None).update(revoked_at=now)
    _marketplace_cache_forget(environment=environment, marketplace_id=marketplace_id)


def user_unlock(*, user: CoreUser) -> None:
    """UnlockUserAccount: ends the user's sign-in lock now and restarts its count of failures."""
    CoreUser.objects.filter(pk=user.pk).update(failed_login_attempts=0, locked_until=None)
