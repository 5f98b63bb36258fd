"""Sign-up by code: the Portal API's POST /register and POST /verify, as the portal SDK calls them
(Accounts.Register, Accounts.Verify). The web's sign-up mails a confirmation link after creating the
account; the SDK's flow mails a 6-digit code first and creates the account when the code comes back
with the username and password, so an account made this way starts with its address confirmed.

The rules are the web sign-up's:
- an address that is some account's (its primary, or a confirmed one) is taken; /register does not
  say so (the answer is the same): the address is mailed that it has an account and how to sign in
  or reset the password, so nobody learns from the API who has an account;
- an address another account has only as an unconfirmed extra is nobody's: signing up with it drops
  it from that account, which is told (services.email_unconfirmed_extras_release);
- the username, name and password rules are the web's.

The pending code lives in the cache (no account exists yet to hold an OTP device): hashed, for 5
minutes, bound to the address, five wrong codes end it, one mail a minute per address at most."""

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from accounts.models import User
from portal.common.cache import window_count
from portal.common.errors import ApplicationError, TooManyRequestsError

CODE_SECONDS = 300
COOLDOWN_SECONDS = 60
MAX_WRONG = 5
ERR_EMAIL_INVALID = "Enter a valid email address."
ERR_VERIFY_CODE = (
    "This code does not confirm this address: it is wrong, expired or already used, or too many wrong "
    "codes were tried. Ask for a new one with POST /register."
)
ERR_TAKEN_MEANWHILE = (
    "The username or the address was taken by another sign-up at the same moment: choose another username "
    "and send the same code again."
)
_NAME = settings.PORTAL_NAME.replace("{", "{{").replace("}", "}}")  # the mail texts are format strings
MAIL_CODE = (
    f"{_NAME}: Your sign-up code is {{code}}",
    f"Your code to sign up for {_NAME} with this address is {{code}}\n\n"
    "It is valid for 5 minutes and can be used once. If you did not ask for it, ignore this email:\n"
    "no account is made without the code.\n",
)
MAIL_HAS_ACCOUNT = (
    f"{_NAME}: This address already has an account",
    f"Someone asked to sign up for {_NAME} with this address, which already has an account.\n\n"
    "If it was you, sign in instead, or reset your password: {reset_url}\n"
    "If it was not, ignore this email: nothing was changed.\n",
)


MAILS_PER_CLIENT = 20  # codes asked for from one client address within MAILS_WINDOW (sign-ups and resets each)
MAILS_WINDOW = 900
ERR_TOO_MANY_MAILS = "Too many codes asked for from your address: try again in 15 minutes."


def mails_rate_limit(*, kind: str, client_ip: str) -> None:
    """At most MAILS_PER_CLIENT code mails of `kind` ("register", "reset") asked for from one client
    address in MAILS_WINDOW seconds: the per-address cooldown alone let one client mail a code to any
    number of strangers. Raises TooManyRequestsError (which says nothing about any account)."""
    key = f"accounts:mails:{kind}:{hashlib.sha256((client_ip or '-').encode()).hexdigest()}"
    if window_count(key, MAILS_WINDOW) > MAILS_PER_CLIENT:
        raise TooManyRequestsError(ERR_TOO_MANY_MAILS)


def _key(email: str, kind: str) -> str:
    return f"accounts:register:{kind}:{hashlib.sha256(email.encode()).hexdigest()}"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _clean_email(email: str) -> str:
    email = User.objects.normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"Email": [ERR_EMAIL_INVALID]}) from exc
    return email


def registration_code_send(*, email: str, reset_url: str) -> None:
    """Mail `email` a sign-up code, or, when the address is taken, that it has an account. Nothing
    tells the caller which; at most one mail a minute per address."""
    from accounts.selectors import email_claimed

    email = _clean_email(email)
    if not cache.add(_key(email, "cooldown"), 1, timeout=COOLDOWN_SECONDS):
        return
    if email_claimed(email):
        subject, body = MAIL_HAS_ACCOUNT
        EmailMessage(subject, body.format(reset_url=reset_url), None, [email]).send()
        return
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_key(email, "code"), {"hash": _hash(code), "until": time.time() + CODE_SECONDS, "wrong": 0},
              timeout=CODE_SECONDS)
    subject, body = MAIL_CODE
    EmailMessage(subject.format(code=code), body.format(code=code), None, [email]).send()


def _code_use(email: str, code: str) -> bool:
    """Whether `code` is the pending one of `email`; used up when it is, counted when it is not."""
    key = _key(email, "code")
    pending = cache.get(key)
    if not pending or pending["until"] <= time.time() or pending["wrong"] >= MAX_WRONG:
        return False
    if hmac.compare_digest(pending["hash"], _hash((code or "").strip())):
        cache.delete(key)
        return True
    pending["wrong"] += 1
    cache.set(key, pending, timeout=max(1, int(pending["until"] - time.time())))
    return False


def registration_verify(*, email: str, code: str, username: str, password: str, name: str = "") -> User:
    """Create the account for `email` with the code /register mailed there. ValidationError names
    the field (Email, Username, Name, Password), checked before the code is used; ApplicationError
    for the code."""
    from accounts import services
    from accounts.selectors import email_claimed
    from accounts.validators import validate_person_name

    email = _clean_email(email)
    errors: dict[str, list[str]] = {}
    try:
        username = services.username_clean(username=username)
    except ApplicationError as exc:
        errors["Username"] = [exc.message]
    name = (name or "").strip()
    try:
        validate_person_name(name)
    except ValidationError as exc:
        errors["Name"] = exc.messages
    try:
        validate_password(password, User(username=username if "Username" not in errors else None, email=email,
                                         name=name))
    except ValidationError as exc:
        errors["Password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if not _code_use(email, code):
        raise ApplicationError(ERR_VERIFY_CODE)
    from allauth.account.models import EmailAddress

    try:
        with transaction.atomic():
            if email_claimed(email):  # taken since the code was sent
                raise ApplicationError(ERR_VERIFY_CODE)
            services.email_unconfirmed_extras_release(email=email, proven=True)
            user = User.objects.create_user(username=username, email=email, password=password, name=name)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    except IntegrityError as exc:  # a sign-up with the same username or address at the same moment
        cache.set(_key(email, "code"), {"hash": _hash((code or "").strip()), "until": time.time() + CODE_SECONDS,
                                        "wrong": 0}, timeout=CODE_SECONDS)  # the code stays usable
        raise ApplicationError(ERR_TAKEN_MEANWHILE) from exc
    return user
