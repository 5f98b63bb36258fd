"""Portal API sign-in: the password and refresh-token grants, revocation, and access-token checks.

Access tokens are JWTs (HS256) because the official SDK decodes them on the client to read `exp`
(portal-api-contract §2, §11.1). They name their sign-in session (`sid`), so a revoked session
ends its access tokens too. Refresh tokens are random, stored as SHA-256, valid for
`PORTAL_API_REFRESH_TOKEN_LIFETIME` seconds, and are not rotated: the SDK keeps using the refresh
token it was given first.
"""

import hashlib
import math
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import User
from portal.apiauth.models import PortalRefreshToken
from portal.common.cache import window_count
from portal.common.errors import ApplicationError

ERR_GRANT_TYPE = "grant_type must be 'password' or 'refresh_token'."
ERR_CREDENTIALS_MISSING = "Send username and password."
ERR_CREDENTIALS_INVALID = "The username or password is incorrect."
ERR_TOO_MANY_FAILURES_WAIT = "Too many failed sign-in attempts. Try again in {wait}."
ERR_TOO_MANY_FAILURES = ERR_TOO_MANY_FAILURES_WAIT.format(wait="15 minutes")  # a lock just begun, default window
ERR_USERNAME_NOT_CHOSEN = (
    "This account has no portal username yet: sign in at {url} once and choose one (the portal asks for it), "
    "then use the API."
)
ERR_REFRESH_TOKEN_MISSING = "Send refresh_token."
ERR_REFRESH_TOKEN_INVALID = "The refresh token is invalid, expired or revoked. Sign in again."
ERR_TOKEN_MISSING = "Authentication required: send 'Authorization: Bearer <access token>'."
ERR_TOKEN_INVALID = "The access token is invalid or has been revoked. Sign in again."
ERR_TOKEN_EXPIRED = "The access token has expired. Use the refresh token or sign in again."

JWT_ALGORITHM = "HS256"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def access_token_lifetime() -> int:
    return _setting("PORTAL_API_ACCESS_TOKEN_LIFETIME", 3600)


def refresh_token_lifetime() -> int:
    return _setting("PORTAL_API_REFRESH_TOKEN_LIFETIME", 30 * 24 * 3600)


def wait_text(seconds: int) -> str:
    """A wait in words, rounded up: 720 -> "12 minutes", 60 -> "a minute", 61 -> "2 minutes", 12 -> "12 seconds"."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return "a second" if seconds == 1 else f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    return "a minute" if minutes == 1 else f"{minutes} minutes"


class OAuthError(Exception):
    """An error of the token endpoint, answered as {"error", "error_description"} (RFC 6749 §5.2).
    `retry_after` (seconds) goes out as the Retry-After header of a 429 (portal.api)."""

    def __init__(self, error: str, description: str, *, status_code: int = 400, retry_after: int | None = None):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status_code = status_code
        self.retry_after = retry_after


class InvalidTokenError(ApplicationError):
    status_code = 401
    code = "InvalidToken"


@dataclass(frozen=True)
class PortalTokens:
    access_token: str
    refresh_token: str
    expires_in: int

    def as_response(self) -> dict:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
        }


def _signing_key() -> str:
    return salted_hmac("portal.apiauth.jwt", "portal-api-access-token", algorithm="sha256").hexdigest()


def _issuer() -> str:
    return settings.PORTAL_BASE_URL


def _audience() -> str:
    return f"{settings.PORTAL_BASE_URL}/api/v1"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def access_token_encode(*, session: PortalRefreshToken) -> str:
    now = int(timezone.now().timestamp())
    user = session.user
    claims = {
        "iss": _issuer(),
        "aud": _audience(),
        "sub": str(user.pk),
        "usr": user.username or "",
        "sid": str(session.pk),
        "iat": now,
        "nbf": now,
        "exp": now + access_token_lifetime(),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _signing_key(), algorithm=JWT_ALGORITHM)


def access_token_authenticate(*, token: str) -> User:
    """The active user an access token belongs to; InvalidTokenError (401) otherwise."""
    if not token or not token.strip():
        raise InvalidTokenError(ERR_TOKEN_MISSING)
    try:
        claims = jwt.decode(
            token.strip(),
            _signing_key(),
            algorithms=[JWT_ALGORITHM],
            audience=_audience(),
            issuer=_issuer(),
            options={"require": ["exp", "sub", "sid", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidTokenError(ERR_TOKEN_EXPIRED) from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidTokenError(ERR_TOKEN_INVALID) from exc
    session = (
        PortalRefreshToken.objects.select_related("user")
        .filter(pk=_int_or_none(claims["sid"]), user_id=_int_or_none(claims["sub"]), revoked_at__isnull=True)
        .first()
    )
    if session is None or not session.user.is_active:
        raise InvalidTokenError(ERR_TOKEN_INVALID)
    return session.user


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Failed sign-ins are counted three ways within PORTAL_API_LOGIN_FAILURE_WINDOW seconds; reaching
# any limit answers 429 until the window of that counter ends:
#   login + address  PORTAL_API_LOGIN_FAILURE_LIMIT    (10)  guessing one account from one place
#   address          PORTAL_API_ADDRESS_FAILURE_LIMIT  (50)  one place trying many accounts
#   login            PORTAL_API_LOGIN_GLOBAL_FAILURE_LIMIT (100) many places guessing one account
# Someone who knows a user's login can therefore no longer lock them out with 10 wrong passwords
# from elsewhere (the first counter is per address); the per-login cap is ten times higher and
# only reached by a distributed attack. A success clears its login + address counter. Each counter
# has a companion "<key>:until" holding the time its window ends, so a 429 can say how long it lasts
# (Retry-After, and "Try again in 12 minutes.").
FAILURE_LIMITS = (
    ("PORTAL_API_LOGIN_FAILURE_LIMIT", 10),
    ("PORTAL_API_ADDRESS_FAILURE_LIMIT", 50),
    ("PORTAL_API_LOGIN_GLOBAL_FAILURE_LIMIT", 100),
)


def _failure_keys(login: str, client_ip: str) -> tuple[str, str, str]:
    login_hash, ip_hash = _hash(login.strip().lower()), _hash(client_ip or "-")
    return (
        f"apiauth:login-failures:{login_hash}:{ip_hash}",
        f"apiauth:address-failures:{ip_hash}",
        f"apiauth:login-failures:{login_hash}",
    )


def login_failures_clear(*, user: User, client_ip: str = "") -> None:
    """A password reset mailed to `user` was completed (web or Portal API): forget the failed
    sign-ins counted for each of its logins (username, email, confirmed addresses) from anywhere and
    from `client_ip`, so the new password signs in at once. The count of `client_ip` over all logins
    stays (it stops one place trying many accounts, which a reset of one does not excuse)."""
    from allauth.account.models import EmailAddress

    logins = {user.username, user.email,
              *EmailAddress.objects.filter(user_id=user.pk, verified=True).values_list("email", flat=True)}
    keys = []
    for login in filter(None, logins):
        here, _address, anywhere = _failure_keys(login, client_ip)
        keys += [here, anywhere, _until_key(here), _until_key(anywhere)]
    cache.delete_many(keys)


def _until_key(key: str) -> str:
    return f"{key}:until"


def _failure_count(key: str, window: int) -> None:
    """Count one failure on `key` (portal.common.cache.window_count) and note when its window ends
    (set with the window's first count, so it ends when the counter does)."""
    if cache.add(_until_key(key), time.time() + window, timeout=window):
        cache.set(key, 0, timeout=window)  # a counter left without its end restarts with it
    window_count(key, window)


def _seconds_left(keys: list[str], window: int) -> int:
    """Seconds until the last of these counters' windows ends; the window length when not known."""
    until = cache.get_many([_until_key(k) for k in keys])
    ends = [value for value in until.values() if isinstance(value, int | float)]
    if not ends:
        return window
    return max(1, min(window, math.ceil(max(ends) - time.time())))


def _find_user(login: str) -> User | None:
    login = login.strip()
    longest = max(User._meta.get_field("username").max_length, User._meta.get_field("email").max_length)
    if len(login) > longest:  # no such user; on SQLite a LIKE pattern over 50,000 bytes is an OperationalError
        return None
    user = User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login)).first()
    if user is None and "@" in login:
        # another confirmed address of the account (Profile > Email), which web sign-in accepts too
        from allauth.account.models import EmailAddress

        address = EmailAddress.objects.filter(email__iexact=login, verified=True).select_related("user").first()
        user = address.user if address is not None else None
    return user


def portal_user_authenticate(*, login: str, password: str, client_ip: str = "") -> User:
    """The user signing in with a username or email address and a password, from `client_ip`
    (portal.common.clientip).

    An unknown user, a wrong password, an inactive account and an account without a password all
    get the same answer (and roughly the same time: the hasher runs either way). Too many failures
    (FAILURE_LIMITS) answer 429 before the password is checked."""
    if not login or not password:
        raise OAuthError("invalid_request", ERR_CREDENTIALS_MISSING)
    window = _setting("PORTAL_API_LOGIN_FAILURE_WINDOW", 900)
    keys = _failure_keys(login, client_ip)
    limits = [_setting(name, default) for name, default in FAILURE_LIMITS]
    counts = cache.get_many(keys)
    reached = [key for key, limit in zip(keys, limits) if limit and counts.get(key, 0) >= limit]
    if reached:
        wait = _seconds_left(reached, window)
        raise OAuthError("invalid_grant", ERR_TOO_MANY_FAILURES_WAIT.format(wait=wait_text(wait)), status_code=429,
                         retry_after=wait)
    user = _find_user(login)
    if user is None:
        User().set_password(password)  # same work as a real check
        ok = False
    else:
        ok = user.check_password(password) and user.is_active
    if not ok:
        for key in keys:
            _failure_count(key, window)
        raise OAuthError("invalid_grant", ERR_CREDENTIALS_INVALID)
    cache.delete_many([keys[0], _until_key(keys[0])])
    return user


@transaction.atomic
def portal_session_create(*, user: User, user_agent: str = "") -> tuple[PortalRefreshToken, str]:
    refresh_token = secrets.token_urlsafe(32)
    session = PortalRefreshToken(
        user=user,
        token_hash=_hash(refresh_token),
        expires_at=timezone.now() + timedelta(seconds=refresh_token_lifetime()),
        user_agent=(user_agent or "")[:255],
    )
    session.full_clean()
    session.save()
    return session, refresh_token


def _require_username(user: User) -> None:
    """The web asks a user without a portal username (a provider sign-up, an account staff made
    without one, a legacy email username) to choose one before any page; the API did not, so such
    a user created organizations owned by "Username": null and could not be invited or found."""
    if not user.has_valid_username:
        raise OAuthError("invalid_grant", ERR_USERNAME_NOT_CHOSEN.format(url=f"{settings.PORTAL_BASE_URL}/accounts/login/"))


def portal_token_password_grant(*, login: str, password: str, user_agent: str = "", client_ip: str = "") -> PortalTokens:
    user = portal_user_authenticate(login=login, password=password, client_ip=client_ip)
    _require_username(user)
    session, refresh_token = portal_session_create(user=user, user_agent=user_agent)
    return PortalTokens(access_token_encode(session=session), refresh_token, access_token_lifetime())


@transaction.atomic
def portal_token_refresh_grant(*, refresh_token: str) -> PortalTokens:
    if not refresh_token:
        raise OAuthError("invalid_request", ERR_REFRESH_TOKEN_MISSING)
    session = (
        PortalRefreshToken.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=_hash(refresh_token), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if session is None or not session.user.is_active:
        raise OAuthError("invalid_grant", ERR_REFRESH_TOKEN_INVALID)
    _require_username(session.user)
    session.last_used_at = timezone.now()
    session.save(update_fields=["last_used_at"])
    return PortalTokens(access_token_encode(session=session), refresh_token, access_token_lifetime())


@transaction.atomic
def portal_token_revoke(*, token: str) -> None:
    """Ends the sign-in session of a refresh token, or of an access token (RFC 7009 §2.1: a client
    may revoke either; an access token was ignored, so it kept working while the client believed it
    had signed out). Unknown tokens are ignored (RFC 7009 §2.2)."""
    if not token:
        return
    now = timezone.now()
    if PortalRefreshToken.objects.filter(token_hash=_hash(token), revoked_at__isnull=True).update(revoked_at=now):
        return
    session_id = _session_of_access_token(token)
    if session_id is not None:
        PortalRefreshToken.objects.filter(pk=session_id, revoked_at__isnull=True).update(revoked_at=now)


def _session_of_access_token(token: str) -> int | None:
    """The session (sid) an access token of ours names, expired or not; None for anything else."""
    if token.count(".") != 2 or len(token) > 4096:
        return None
    try:
        claims = jwt.decode(
            token.strip(), _signing_key(), algorithms=[JWT_ALGORITHM], audience=_audience(), issuer=_issuer(),
            options={"require": ["sid", "sub"], "verify_exp": False},
        )
    except jwt.InvalidTokenError:
        return None
    return _int_or_none(claims.get("sid"))


@transaction.atomic
def portal_sessions_revoke_all(*, user: User) -> int:
    """Signs a user out of the Portal API everywhere (e.g. after a password change)."""
    return PortalRefreshToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
