"""JWT access tokens of the core API (PyJWT, HS256), one signing key per environment.

The key is derived from SECRET_KEY and the environment, so a token of one environment (or of
another deployment) never verifies in another. Claims follow what the official SDKs decode:
`usr`, `cid`, `u`, `usrtype`, `role`, `iss`, `aud`, `exp`, `nbf`, plus `mkt` (the marketplace ID),
`mpk` (the marketplace row's primary key: which incarnation of that ID the token was issued for,
see coreapi.auth), `cmp` (buyer/supplier ID of the user), `imp` when impersonated and `gen` (the
user's token generation, coreapi.models.TokenRevocation) once the user's tokens were revoked.
A token the portal mints for a contributor also carries `pu` (the portal username) and `pgen` (that
contributor's generation in the marketplace, once their access there was cut), so taking access
away from a contributor ends the tokens already handed out to them.
"""

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache

import jwt
from django.conf import settings

from coreapi.models import Environment

ALGORITHM = "HS256"
MAX_ACCESS_TOKEN_MINUTES = 43200  # the longest AccessTokenDuration / AnonymousTokenDuration (30 days)
ENVIRONMENTS = tuple(Environment.values)


def base_url(environment: str) -> str:
    """The public base URL of an environment's core API (`{base}/oauth/token`, `{base}/v1/...`)."""
    return f"{settings.PORTAL_BASE_URL}/core/{environment}"


@lru_cache(maxsize=16)
def _key(secret_key: str, environment: str) -> tuple[str, bytes]:
    key = hmac.new(secret_key.encode(), f"coreapi-jwt:{environment}".encode(), hashlib.sha256).digest()
    kid = f"{environment}-{hashlib.sha256(key).hexdigest()[:12]}"
    return kid, key


def signing_key(environment: str) -> tuple[str, bytes]:
    return _key(settings.SECRET_KEY, environment)


@dataclass(frozen=True)
class TokenClaims:
    environment: str
    marketplace_id: str
    username: str
    client_id: str
    user_id: str
    user_type: str  # admin | buyer | supplier
    company_id: str
    roles: tuple[str, ...]
    impersonator: str = ""
    anonymous: bool = False
    marketplace_pk: int | None = None  # `mpk`; None in tokens minted before the claim existed
    generation: int = 0  # `gen`: the user's TokenRevocation.generation when the token was issued
    portal_user: str = ""  # `pu`: the portal contributor a token minted by the portal was issued to
    portal_generation: int = 0  # `pgen`: that contributor's generation when the token was issued
    raw: dict = field(default_factory=dict, compare=False)


def access_token_encode(
    *,
    environment: str,
    marketplace_id: str,
    username: str,
    client_id: str,
    user_id: str,
    user_type: str,
    company_id: str,
    roles: list[str],
    lifetime_seconds: int,
    impersonator: str = "",
    anonymous_order_id: str = "",
    marketplace_pk: int | None = None,
    generation: int = 0,
    portal_user: str = "",
    portal_generation: int = 0,
) -> str:
    kid, key = signing_key(environment)
    now = int(time.time())
    claims = {
        "usr": username,
        "cid": client_id,
        "u": user_id,
        "usrtype": user_type,
        "role": list(roles),
        "mkt": marketplace_id,
        "cmp": company_id,
        "iss": base_url(environment),
        "aud": base_url(environment),
        "exp": now + lifetime_seconds,
        "nbf": now,
        "iat": now,
        "jti": secrets.token_urlsafe(9),
    }
    if marketplace_pk is not None:
        claims["mpk"] = int(marketplace_pk)
    if impersonator:
        claims["imp"] = impersonator
    if generation:
        claims["gen"] = int(generation)
    if portal_user:
        claims["pu"] = portal_user
        if portal_generation:
            claims["pgen"] = int(portal_generation)
    if anonymous_order_id:
        claims["orderid"] = anonymous_order_id
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})


def access_token_elevate(*, claims: "TokenClaims", roles: list[str]) -> str:
    """The caller's token with `roles` added (a webhook's ElevatedRoles, OrderCloud's "access_token
    with higher permissions than the client that triggered the webhook"): same user, client,
    marketplace, generation and expiry, so it lives no longer and is revoked with the caller's."""
    kid, key = signing_key(claims.environment)
    now = int(time.time())
    elevated = {
        **claims.raw,
        "role": list(dict.fromkeys([*claims.roles, *roles])),
        "iat": now,
        "nbf": min(now, int(claims.raw.get("nbf", now))),
        "jti": secrets.token_urlsafe(9),
    }
    return jwt.encode(elevated, key, algorithm=ALGORITHM, headers={"kid": kid})


# Verified tokens: (environment, key, audience, token) -> claims. PyJWT's verification costs ~160 us, most of
# a cheap request's authentication; the same token is presented again and again (a client keeps it
# for its lifetime), and the same bytes under the same key always verify the same way. Only the
# lifetime depends on the clock, so it is checked on every use. FIFO-bounded; invalid tokens are
# never stored.
VERIFIED_TOKENS_MAX = 2048
_verified: dict[tuple[str, bytes, str, str], TokenClaims] = {}
_verified_lock = threading.Lock()


def access_token_decode(*, environment: str, token: str) -> TokenClaims:
    """Verify signature, audience, issuer and lifetime; raise jwt.InvalidTokenError otherwise."""
    _, key = signing_key(environment)
    audience = base_url(environment)
    cache_key = (environment, key, audience, token)
    claims = _verified.get(cache_key)
    if claims is None:
        claims = _access_token_verify(environment=environment, key=key, audience=audience, token=token)
        with _verified_lock:
            while len(_verified) >= VERIFIED_TOKENS_MAX:
                del _verified[next(iter(_verified))]
            _verified[cache_key] = claims
        return claims
    now = time.time()  # PyJWT's rules: expired when exp <= now, immature when nbf > now
    if claims.raw["exp"] <= now:
        raise jwt.ExpiredSignatureError("Signature has expired")
    if claims.raw["nbf"] > now:
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
    return claims


def _access_token_verify(*, environment: str, key: bytes, audience: str, token: str) -> TokenClaims:
    data = jwt.decode(
        token,
        key,
        algorithms=[ALGORITHM],
        audience=audience,
        issuer=audience,
        options={"require": ["exp", "nbf", "aud", "iss", "usr", "usrtype", "mkt"]},
    )
    role = data.get("role") or []
    if isinstance(role, str):
        role = [role]
    mpk = data.get("mpk")
    if data["usrtype"] not in ("admin", "buyer", "supplier") or not isinstance(role, list):
        raise jwt.InvalidTokenError("bad claims")
    if mpk is not None and (type(mpk) is not int or mpk <= 0):
        raise jwt.InvalidTokenError("bad claims")
    generation, portal_generation = data.get("gen", 0), data.get("pgen", 0)
    if type(generation) is not int or generation < 0 or type(portal_generation) is not int or portal_generation < 0:
        raise jwt.InvalidTokenError("bad claims")
    return TokenClaims(
        environment=environment,
        marketplace_id=str(data["mkt"]),
        username=str(data["usr"]),
        client_id=str(data.get("cid") or ""),
        user_id=str(data.get("u") or ""),
        user_type=data["usrtype"],
        company_id=str(data.get("cmp") or ""),
        roles=tuple(str(r) for r in role),
        impersonator=str(data.get("imp") or ""),
        anonymous=bool(data.get("orderid")),
        marketplace_pk=mpk,
        generation=generation,
        portal_user=str(data.get("pu") or ""),
        portal_generation=portal_generation,
        raw=data,
    )


def refresh_token_new() -> tuple[str, str]:
    """(the token to hand out, its SHA-256 to store)."""
    token = secrets.token_urlsafe(32)
    return token, refresh_token_hash(token)


def refresh_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
