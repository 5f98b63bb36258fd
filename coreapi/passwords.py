"""Security profiles' PasswordConfig, enforced (OrderCloud's "Custom Password Configuration").

Every user has *effective* password rules: the platform minimum (at least 10 characters and 3 of
the 4 character classes, upper case, lower case, digit, special; 10 failed sign-ins lock for 10
minutes) combined with the PasswordConfig of every security profile that applies to it (the ones
that give it its roles: marketplace level for admin users, its buyer or supplier, its user groups,
itself), each field taking the strictest value: the longest MinimumCharacterCount, every class any
profile requires, the fewest AllowedFailedAttempts, the longest LockoutDuration, the shortest
MaximumPasswordAge, the longest MinimumPasswordAge, the largest LimitPasswordReuse, the smallest
MaxConsecutiveDupeChars. A value less strict than the platform minimum is superseded by it; 0 (or
null) in MaxConsecutiveDupeChars, MinimumPasswordAge and LimitPasswordReuse sets no limit.

- Setting a password (`password_set`: user create / PUT / PATCH, Me.Patch, Me.ResetPasswordByToken)
  refuses one that does not meet the rules (400 PasswordReset.InsecurePassword, the rules as Data),
  one of the last LimitPasswordReuse passwords (the current one included; compared with
  check_password against `CoreUser.password_history`, hashes only), and, when the user changes
  its own password, one changed less than MinimumPasswordAge minutes ago.
- Signing in (`sign_in_check`, `sign_in_failure_record`): the AllowedFailedAttempts-th consecutive
  failure locks the user for LockoutDuration minutes (`CoreUser.locked_until`); a correct password
  that no longer meets the rules, or is older than MaximumPasswordAge days, is an `invalid_grant`.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import F
from django.utils import timezone

from coreapi import selectors
from coreapi.errors import (
    MSG_INSECURE_PASSWORD,
    MSG_PASSWORD_EXPIRED,
    MSG_PASSWORD_REUSED,
    MSG_PASSWORD_TOO_LONG,
    MSG_PASSWORD_TOO_RECENT,
    PASSWORD_EXPIRED,
    PASSWORD_INSECURE,
    PASSWORD_TOO_RECENT,
    InvalidRequest,
    OAuthPasswordError,
    PasswordRefused,
)
from coreapi.models import CoreUser

PLATFORM_MINIMUM_LENGTH = 10
PLATFORM_MINIMUM_CLASSES = 3  # of upper case, lower case, digit, special
PLATFORM_ALLOWED_FAILED_ATTEMPTS = 10
PLATFORM_LOCKOUT_MINUTES = 10
PASSWORD_MAX_LENGTH = 200
PASSWORD_HISTORY_LIMIT = 24  # earlier passwords kept (LimitPasswordReuse is at most 24)

# The documented range of each integer field (coreapi.schemas.PasswordConfig refuses others);
# a value stored before the ranges were checked is brought into its range here.
_RANGES = {
    "MinimumCharacterCount": (0, PASSWORD_MAX_LENGTH),
    "AllowedFailedAttempts": (1, 9),
    "LockoutDuration": (10, 1440),
    "MaximumPasswordAge": (1, 365),
    "MinimumPasswordAge": (0, 60),
    "LimitPasswordReuse": (0, PASSWORD_HISTORY_LIMIT),
    "MaxConsecutiveDupeChars": (0, 24),
}


@dataclass(frozen=True)
class PasswordRules:
    """A user's effective password rules (see the module docstring)."""

    minimum_length: int = PLATFORM_MINIMUM_LENGTH
    upper_required: bool = False
    lower_required: bool = False
    numeric_required: bool = False
    special_required: bool = False
    max_consecutive_dupes: int = 0  # 0: no limit
    allowed_failed_attempts: int = PLATFORM_ALLOWED_FAILED_ATTEMPTS
    lockout_minutes: int = PLATFORM_LOCKOUT_MINUTES
    maximum_age_days: int = 0  # 0: never expires
    minimum_age_minutes: int = 0
    reuse_limit: int = 0  # 0: any earlier password may be set again

    def as_data(self) -> dict:
        """The rules with PasswordConfig's names (the Data of PasswordReset.InsecurePassword), plus
        the platform's MinimumCharacterClasses."""
        return {
            "MinimumCharacterCount": self.minimum_length,
            "MinimumCharacterClasses": PLATFORM_MINIMUM_CLASSES,
            "UpperCaseRequired": self.upper_required,
            "LowerCaseRequired": self.lower_required,
            "NumericRequired": self.numeric_required,
            "SpecialCharacterRequired": self.special_required,
            "MaxConsecutiveDupeChars": self.max_consecutive_dupes or None,
            "AllowedFailedAttempts": self.allowed_failed_attempts,
            "LockoutDuration": self.lockout_minutes,
            "MaximumPasswordAge": self.maximum_age_days or None,
            "MinimumPasswordAge": self.minimum_age_minutes or None,
            "LimitPasswordReuse": self.reuse_limit or None,
        }


def _integers(configs: list[dict], name: str) -> list[int]:
    low, high = _RANGES[name]
    return [min(max(v, low), high) for c in configs if type(v := c.get(name)) is int]


def rules_combine(configs: list[dict]) -> PasswordRules:
    """The strictest value of each field of these PasswordConfigs, and never less than the
    platform minimum."""

    def required(name: str) -> bool:
        return any(c.get(name) is True for c in configs)

    dupes = [v for v in _integers(configs, "MaxConsecutiveDupeChars") if v > 0]
    max_age = _integers(configs, "MaximumPasswordAge")
    return PasswordRules(
        minimum_length=max([PLATFORM_MINIMUM_LENGTH, *_integers(configs, "MinimumCharacterCount")]),
        upper_required=required("UpperCaseRequired"),
        lower_required=required("LowerCaseRequired"),
        numeric_required=required("NumericRequired"),
        special_required=required("SpecialCharacterRequired"),
        max_consecutive_dupes=min(dupes, default=0),
        allowed_failed_attempts=min([PLATFORM_ALLOWED_FAILED_ATTEMPTS, *_integers(configs, "AllowedFailedAttempts")]),
        lockout_minutes=max([PLATFORM_LOCKOUT_MINUTES, *_integers(configs, "LockoutDuration")]),
        maximum_age_days=min(max_age, default=0),
        minimum_age_minutes=max([0, *_integers(configs, "MinimumPasswordAge")]),
        reuse_limit=max([0, *_integers(configs, "LimitPasswordReuse")]),
    )


def user_password_rules(*, user: CoreUser) -> PasswordRules:
    """The user's effective rules (one query; `user` may be a user being created)."""
    return rules_combine(selectors.user_password_configs(marketplace_pk=user.marketplace_id, user=user))


def _longest_run(password: str) -> int:
    longest = run = 0
    previous = None
    for char in password:
        run = run + 1 if char == previous else 1
        previous = char
        longest = max(longest, run)
    return longest


def password_meets(password: str, rules: PasswordRules) -> bool:
    """Whether the password meets the rules: its length, 3 of the 4 character classes, every class
    required, no more than MaxConsecutiveDupeChars of one character in a row. A letter's case is
    Unicode's; special is any character that is neither a letter nor a digit (spaces included)."""
    upper = any(c.isupper() for c in password)
    lower = any(c.islower() for c in password)
    digit = any(c.isdigit() for c in password)
    special = any(not c.isalpha() and not c.isdigit() for c in password)
    return (
        len(password) >= rules.minimum_length
        and upper + lower + digit + special >= PLATFORM_MINIMUM_CLASSES
        and (upper or not rules.upper_required)
        and (lower or not rules.lower_required)
        and (digit or not rules.numeric_required)
        and (special or not rules.special_required)
        and (not rules.max_consecutive_dupes or _longest_run(password) <= rules.max_consecutive_dupes)
    )


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def password_set(*, user: CoreUser, password: str, by_self: bool, rules: PasswordRules | None = None) -> None:
    """Check a new password against the user's rules and put it on `user` (not saved): its hash,
    the password it replaces at the head of `password_history` (at most PASSWORD_HISTORY_LIMIT
    kept), PasswordLastSetDate now. `by_self`: the user changes its own password, so
    MinimumPasswordAge applies, counted from the last time the user set it itself: an administrator
    setting it is not held to it, and a password an administrator set (a new user's first one, a
    reset) can be changed by its user at once."""
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidRequest(MSG_PASSWORD_TOO_LONG, data={"Field": "Password"})
    rules = rules or user_password_rules(user=user)
    now = timezone.now()
    if by_self and rules.minimum_age_minutes and user.password_set_by_self and user.password_last_set_date:
        allowed_from = user.password_last_set_date + timedelta(minutes=rules.minimum_age_minutes)
        if now < allowed_from:
            remaining = _minutes_left(allowed_from, now)
            raise PasswordRefused(
                MSG_PASSWORD_TOO_RECENT.format(minimum=rules.minimum_age_minutes, remaining=remaining),
                code=PASSWORD_TOO_RECENT,
                data={"MinimumPasswordAge": rules.minimum_age_minutes, "MinutesRemaining": remaining},
            )
    if not password_meets(password, rules):
        raise PasswordRefused(MSG_INSECURE_PASSWORD, code=PASSWORD_INSECURE, data=rules.as_data())
    earlier = [h for h in [user.password, *(user.password_history or [])] if h]
    if rules.reuse_limit and any(check_password(password, h) for h in earlier[: rules.reuse_limit]):
        raise PasswordRefused(
            MSG_PASSWORD_REUSED.format(limit=rules.reuse_limit), code=PASSWORD_INSECURE, data=rules.as_data()
        )
    user.password_history = earlier[:PASSWORD_HISTORY_LIMIT]
    user.password = make_password(password)
    user.password_last_set_date = now
    user.password_set_by_self = by_self


# --- signing in -------------------------------------------------------------------------------


def user_locked(*, user: CoreUser, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def sign_in_failure_record(*, user: CoreUser, rules: PasswordRules, now: datetime) -> None:
    """A wrong password for a user that is not locked: one more consecutive failure; the
    AllowedFailedAttempts-th locks the user for LockoutDuration minutes. After a lock has ended the
    count restarts (the first failure after it is the first). Failures during a lock are not
    counted and do not make it longer."""
    rows = CoreUser.objects.filter(pk=user.pk)
    if user.locked_until is not None:  # a lock that has ended
        rows.update(failed_login_attempts=1, locked_until=None)
        attempts = 1
    else:
        rows.update(failed_login_attempts=F("failed_login_attempts") + 1)
        attempts = rows.values_list("failed_login_attempts", flat=True).first() or 0
    if attempts >= rules.allowed_failed_attempts:
        rows.filter(locked_until=None).update(locked_until=now + timedelta(minutes=rules.lockout_minutes))


def sign_in_check(*, user: CoreUser, password: str, rules: PasswordRules, now: datetime) -> None:
    """The right password may still not sign in: 400 invalid_grant with PasswordReset.InsecurePassword
    when it does not meet the user's rules (they may have become stricter since it was set), or
    PasswordReset.PasswordExpired when it is older than MaximumPasswordAge days (counted from
    PasswordLastSetDate, or the user's creation when it has none)."""
    if not password_meets(password, rules):
        raise OAuthPasswordError(PASSWORD_INSECURE, MSG_INSECURE_PASSWORD, data=rules.as_data())
    if rules.maximum_age_days:
        set_at = user.password_last_set_date or user.date_created
        if set_at + timedelta(days=rules.maximum_age_days) <= now:
            raise OAuthPasswordError(
                PASSWORD_EXPIRED, MSG_PASSWORD_EXPIRED, data={"MaximumPasswordAge": rules.maximum_age_days}
            )
