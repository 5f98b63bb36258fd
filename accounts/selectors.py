"""Reads about portal users."""

import re
import unicodedata

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.validators import RESERVED_USERNAMES, USERNAME_MAX_LENGTH, is_reserved_username, is_valid_portal_username

USER_SEARCH_LIMIT = 10


def user_search(*, query: str, limit: int = USER_SEARCH_LIMIT, exclude: User | None = None) -> QuerySet[User]:
    """Active users whose username or name starts with `query` (or any word of the name does),
    case-insensitively, at most `limit` of them. Users without a portal username are never found.
    Callers must never expose the email address of a result."""
    query = (query or "").strip()
    if not query:
        return User.objects.none()
    matches = Q(username__istartswith=query) | Q(name__istartswith=query) | Q(name__icontains=f" {query}")
    qs = User.objects.filter(matches, is_active=True, username__isnull=False).order_by("username")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs[: max(0, min(limit, USER_SEARCH_LIMIT))]


def user_get_by_username(*, username: str) -> User | None:
    return User.objects.filter(username__iexact=(username or "").strip(), is_active=True).first()


def user_verified_emails(*, users) -> dict[int, str]:
    """The address to email each of `users` at, by user pk: a verified one (allauth's EmailAddress),
    the primary first when they have several (the order of allauth's EmailAddress.objects.get_verified).
    A user without a verified address is left out: nothing is sent to an address never confirmed
    (User.email alone may be one)."""
    chosen: dict[int, str] = {}
    rows = (EmailAddress.objects.filter(user_id__in=[user.pk for user in users], verified=True)
            .order_by("user_id", "-primary", "pk").values_list("user_id", "email"))
    for user_id, email in rows:
        chosen.setdefault(user_id, email)
    return chosen


# Latin letters that Unicode does not decompose into a base letter and an accent, so dropping the
# accents dropped them whole: "Łukasz Żółć" was suggested "ukasz-zoc", "Søren" "sren".
LATIN_LETTERS_SPELLED_OUT = str.maketrans({
    "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t",
    "Ŧ": "T", "ŋ": "ng", "Ŋ": "Ng", "ĸ": "k",
})  # fmt: skip


def _username_candidate(raw: str | None, *, lower: bool = False) -> str:
    """`raw` reshaped into the username alphabet: accents dropped (letters such as ł, ø or ß spelled
    out), other runs of characters outside [A-Za-z0-9._-] turned into one '-', trimmed to the maximum length."""
    text = unicodedata.normalize("NFKD", (raw or "").translate(LATIN_LETTERS_SPELLED_OUT)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text.split("@")[0]).strip("-._")
    text = text.lower() if lower else text
    return text[:USERNAME_MAX_LENGTH].rstrip("-._")


def _username_sources(user: User) -> list[tuple[str | None, bool]]:
    sources: list[tuple[str | None, bool]] = []
    for account in SocialAccount.objects.filter(user=user).order_by("pk"):
        data = account.extra_data or {}
        if account.provider == "github":
            sources.append((data.get("login"), False))
        elif account.provider == "google":
            sources += [(data.get("name"), True), (data.get("email"), True)]
    sources += [(user.name, True), (user.email, True)]
    return sources


def username_suggest(*, user: User) -> str:
    """A valid, free portal username for `user`: the GitHub login, else the Google name or the
    local part of the email address, reshaped to the rules and numbered when already taken."""
    base = next(
        (c for raw, lower in _username_sources(user) if is_valid_portal_username(c := _username_candidate(raw, lower=lower))),
        "user",
    )
    taken = RESERVED_USERNAMES | {
        name.lower()
        for name in User.objects.filter(username__istartswith=base[: USERNAME_MAX_LENGTH - 4])
        .exclude(pk=user.pk)
        .values_list("username", flat=True)
    }
    if base.lower() not in taken and not is_reserved_username(base):
        return base
    for n in range(2, 10_000):
        suffix = f"-{n}"
        candidate = f"{base[: USERNAME_MAX_LENGTH - len(suffix)]}{suffix}"
        if candidate.lower() not in taken and not User.objects.filter(username__iexact=candidate).exclude(pk=user.pk).exists():
            return candidate
    return f"user-{user.pk}"  # pragma: no cover - ten thousand namesakes


def social_account_list(*, user: User) -> QuerySet[SocialAccount]:
    return SocialAccount.objects.filter(user=user).order_by("provider", "pk")


def address_is_the_accounts(user: User, email: str) -> bool:
    """`email` is `user`'s primary address or a confirmed one: not an extra address added on Profile ›
    Email and never confirmed, which anyone can type in there."""
    email = (email or "").strip().lower()
    if not email:
        return False
    if email == (user.email or "").lower():
        return True
    return EmailAddress.objects.filter(user_id=user.pk, email__iexact=email, verified=True).exists()


def email_claimed(email: str, *, exclude_user_id: int | None = None) -> bool:
    """Some account (other than `exclude_user_id`) has `email` as its primary address or a confirmed
    one. An unconfirmed extra address (Profile › Email) claims nothing: it does not block a sign-up or
    another account adding it, get a password reset or sign in."""
    email = (email or "").strip().lower()
    if not email:
        return False
    users = User.objects.filter(email__iexact=email)
    addresses = EmailAddress.objects.filter(email__iexact=email, verified=True)
    if exclude_user_id is not None:
        users = users.exclude(pk=exclude_user_id)
        addresses = addresses.exclude(user_id=exclude_user_id)
    return users.exists() or addresses.exists()


def email_is_confirmed_primary(*, user: User) -> bool:
    """`user`'s primary (sign-in) address is confirmed: mail to it reaches the account's owner."""
    if not user.email:
        return False
    return EmailAddress.objects.filter(user_id=user.pk, email__iexact=user.email, verified=True).exists()


def email_release_notices_exist(*, user: User) -> bool:
    from accounts.models import EmailReleaseNotice

    return EmailReleaseNotice.objects.filter(user_id=user.pk).exists()
