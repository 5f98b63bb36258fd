"""Bearer authentication of core API requests: verify the JWT, resolve the marketplace.

Cheap on purpose: the only DB hit is one indexed lookup of the marketplace row (unique on
environment + marketplace ID). It is not cached across requests: a deleted and re-created
marketplace must never be served from a stale entry, and the lookup costs ~0.2 ms.
"""

from dataclasses import dataclass

import jwt
from ninja.security import HttpBearer

from coreapi import roles as role_utils
from coreapi.errors import MSG_INVALID_TOKEN, MSG_SELLER_ONLY, InsufficientRoles, InvalidToken
from coreapi.models import Marketplace
from coreapi.tokens import TokenClaims, access_token_decode


@dataclass(frozen=True)
class Caller:
    """The authenticated token: who calls, in which marketplace, with which roles."""

    claims: TokenClaims
    marketplace_pk: int
    marketplace: Marketplace | None = None

    def marketplace_row(self) -> Marketplace:
        return self.marketplace or Marketplace.objects.get(pk=self.marketplace_pk)

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

    def require(self, needed: tuple[str, ...] | list[str], *, seller_only: bool = False) -> None:
        """403 InsufficientRoles (with the roles that would do in Data) unless a role matches."""
        if needed and not role_utils.has_any(self.claims.roles, needed):
            raise InsufficientRoles(needed)
        if seller_only and self.claims.user_type != "admin":
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
        marketplace = Marketplace.objects.filter(
            environment=self.environment, marketplace_id=claims.marketplace_id
        ).first()
        if marketplace is None:
            raise InvalidToken(MSG_INVALID_TOKEN)
        caller = Caller(claims=claims, marketplace_pk=marketplace.pk, marketplace=marketplace)
        request.core_caller = caller
        return caller
