"""Bearer authentication of core API requests: verify the JWT, resolve the marketplace.

Resolving the marketplace is free on the hot path and never serves a stale marketplace:

- Access tokens carry `mpk`, the primary key of the marketplace row they were issued for
  (coreapi.tokens). A marketplace deleted and re-created with the same ID gets a new pk, so the
  tokens of the two incarnations differ.
- Each process keeps `(environment, marketplace ID) -> (pk, checked_at)` of rows it has looked
  up. A token is accepted from the cache only when its `mpk` equals the cached pk and the entry is
  younger than `MARKETPLACE_CACHE_SECONDS`; anything else (no `mpk`, another pk, an old entry, a
  write request) is checked against the database, which refreshes the entry. So the token of a
  re-created marketplace works at once in every process, and its predecessor's tokens are refused
  (401) as soon as a process sees a pk it does not know.
- Writes (any method but GET/HEAD/OPTIONS) always check the database, so no row is ever written
  for a vanished marketplace. What is left: for at most `MARKETPLACE_CACHE_SECONDS`, in a process
  that had cached it, a *read* with a token of a deleted (and not re-created) marketplace answers
  as for an empty marketplace (every query is scoped by the deleted pk, so it sees no rows, and
  never another marketplace's). `marketplace_delete` forgets the entry in its own process at once.

A suspended marketplace (its organization deleted, restorably: Marketplace.suspended_at) is read as
absent, with the same timing.

Revoked tokens: the same lookup reads the marketplace's recent token revocations
(coreapi.models.TokenRevocation, younger than the longest access token lifetime), and a token
whose `gen` is older than its user's generation is refused (401), as is one issued (`iat`) through an
API client before that client was deleted, and one the portal minted for a contributor (`pu`) whose
`pgen` is older than that contributor's generation (their access to the organization was cut). Revoking forgets the entry in
the revoking process at once; elsewhere a revoked token is refused at once for writes and within
`MARKETPLACE_CACHE_SECONDS` for reads, as above.
"""

import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from datetime import timezone as dt_timezone
from functools import cache

import jwt
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja.security import HttpBearer

from coreapi import roles as role_utils
from coreapi.errors import MSG_INVALID_TOKEN, MSG_SELLER_ONLY, InsufficientRoles, InvalidToken
from coreapi.models import REVOKED_API_CLIENT, REVOKED_PORTAL_USER, Marketplace, TokenRevocation
from coreapi.tokens import MAX_ACCESS_TOKEN_MINUTES, TokenClaims, access_token_decode

MARKETPLACE_CACHE_SECONDS = 10.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class MarketplaceEntry:
    pk: int
    checked_at: float  # time.monotonic() of the database check
    # (user_kind, company_id, user_id) -> generation, for users whose tokens were revoked recently
    revoked: dict[tuple[str, str, str], int] = field(default_factory=dict)
    # API client ID -> when it was deleted (epoch seconds), for clients deleted recently
    clients_deleted: dict[str, float] = field(default_factory=dict)
    # portal username -> generation, for contributors whose access was cut recently
    portal_revoked: dict[str, int] = field(default_factory=dict)

    def refuses(self, claims: TokenClaims) -> bool:
        """Whether the token was issued before its user's tokens were last revoked, through an
        API client deleted since, or by the portal to a contributor whose access was cut since."""
        deleted_at = self.clients_deleted.get(claims.client_id) if self.clients_deleted else None
        if deleted_at is not None and claims.raw.get("iat", 0) <= deleted_at:
            return True
        if self.portal_revoked and claims.portal_user:
            if claims.portal_generation < self.portal_revoked.get(claims.portal_user, 0):
                return True
        if not self.revoked or not claims.user_id:
            return False
        return claims.generation < self.revoked.get((claims.user_type, claims.company_id, claims.user_id), 0)


# (environment, marketplace ID) -> the entry of the last database check
_marketplace_pks: dict[tuple[str, str], MarketplaceEntry] = {}
_marketplace_pks_lock = threading.Lock()


def marketplace_cache_forget(*, environment: str, marketplace_id: str) -> None:
    with _marketplace_pks_lock:
        _marketplace_pks.pop((environment, marketplace_id), None)


def marketplace_cache_clear() -> None:
    with _marketplace_pks_lock:
        _marketplace_pks.clear()


@cache
def _marketplace_sql() -> str:
    quote = connection.ops.quote_name
    m, r = Marketplace._meta.db_table, TokenRevocation._meta.db_table
    return (
        f"SELECT m.{quote('id')}, r.{quote('user_kind')}, r.{quote('company_id')}, r.{quote('user_id')},"
        f" r.{quote('generation')}, r.{quote('revoked_at')} FROM {quote(m)} m LEFT JOIN {quote(r)} r"
        f" ON r.{quote('marketplace_id')} = m.{quote('id')} AND r.{quote('revoked_at')} > %s"
        f" WHERE m.{quote('environment')} = %s AND m.{quote('marketplace_id')} = %s"
        f" AND m.{quote('suspended_at')} IS NULL"
    )


def _marketplace_load(environment: str, marketplace_id: str) -> MarketplaceEntry | None:
    """The marketplace's pk and recent revocations: one query (it runs on every write)."""
    since = timezone.now() - timedelta(minutes=MAX_ACCESS_TOKEN_MINUTES)
    with connection.cursor() as cursor:
        cursor.execute(
            _marketplace_sql(), [connection.ops.adapt_datetimefield_value(since), environment, marketplace_id]
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    revoked, clients_deleted, portal_revoked = {}, {}, {}
    for _, kind, company, user, generation, revoked_at in rows:
        if kind == REVOKED_API_CLIENT:
            clients_deleted[user] = _epoch(revoked_at)
        elif kind == REVOKED_PORTAL_USER:
            portal_revoked[user] = generation
        elif kind is not None:
            revoked[(kind, company, user)] = generation
    return MarketplaceEntry(
        pk=rows[0][0], checked_at=time.monotonic(), revoked=revoked, clients_deleted=clients_deleted,
        portal_revoked=portal_revoked,
    )


def _epoch(value) -> float:
    """A datetime column read by a raw cursor (a string on SQLite) as epoch seconds."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt_timezone.utc)
    return value.timestamp()


def marketplace_resolve(
    *, environment: str, marketplace_id: str, claimed_pk: int | None, use_cache: bool = True
) -> MarketplaceEntry | None:
    """The marketplace a token belongs to, or None when it no longer exists (or the token was
    issued for an earlier marketplace with the same ID)."""
    key = (environment, marketplace_id)
    if use_cache and claimed_pk is not None:
        hit = _marketplace_pks.get(key)
        if hit is not None and hit.pk == claimed_pk and time.monotonic() - hit.checked_at < MARKETPLACE_CACHE_SECONDS:
            return hit
    entry = _marketplace_load(environment, marketplace_id)
    with _marketplace_pks_lock:
        if entry is None:
            _marketplace_pks.pop(key, None)
        else:
            _marketplace_pks[key] = entry
    if entry is None or (claimed_pk is not None and claimed_pk != entry.pk):
        return None
    return entry


@dataclass(frozen=True)
class Caller:
    """The authenticated token: who calls, in which marketplace, with which roles."""

    claims: TokenClaims
    marketplace_pk: int
    marketplace: Marketplace | None = None

    def marketplace_row(self) -> Marketplace:
        """The Marketplace row (one query unless authentication already loaded it); a marketplace
        deleted since the token was checked is a 401 InvalidToken, not a 500."""
        if self.marketplace is not None:
            return self.marketplace
        row = Marketplace.objects.filter(pk=self.marketplace_pk).first()
        if row is None:
            raise InvalidToken(MSG_INVALID_TOKEN)
        return row

    @property
    def marketplace_id(self) -> str:
        return self.claims.marketplace_id

    @property
    def environment(self) -> str:
        return self.claims.environment

    @property
    def user_type(self) -> str:
        return self.claims.user_type

    @property
    def user_id(self) -> str:
        return self.claims.user_id

    @property
    def username(self) -> str:
        return self.claims.username

    @property
    def roles(self) -> tuple[str, ...]:
        return self.claims.roles

    def require(self, needed: tuple[str, ...] | list[str], *, seller_only: bool = False, suppliers: bool = False) -> None:
        """403 InsufficientRoles (with the roles that would do in Data) unless a role matches.
        `seller_only`: marketplace (admin) users only, and supplier users too with `suppliers`."""
        if needed and not role_utils.has_any(self.claims.roles, needed):
            raise InsufficientRoles(needed)
        if seller_only and self.claims.user_type != "admin" and not (suppliers and self.claims.user_type == "supplier"):
            raise InsufficientRoles(needed, message=MSG_SELLER_ONLY)


class CoreBearer(HttpBearer):
    def __init__(self, environment: str):
        super().__init__()
        self.environment = environment

    def authenticate(self, request, token: str) -> Caller:
        try:
            claims = access_token_decode(environment=self.environment, token=token)
        except (jwt.InvalidTokenError, ValueError, TypeError, KeyError):
            raise InvalidToken(MSG_INVALID_TOKEN) from None
        entry = marketplace_resolve(
            environment=self.environment,
            marketplace_id=claims.marketplace_id,
            claimed_pk=claims.marketplace_pk,
            use_cache=request.method in SAFE_METHODS,
        )
        if entry is None or entry.refuses(claims):
            raise InvalidToken(MSG_INVALID_TOKEN)
        caller = Caller(claims=claims, marketplace_pk=entry.pk)
        request.core_caller = caller
        return caller
