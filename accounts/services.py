"""Writes about portal users. Sign-up, sign-in, passwords and social connections are allauth's;
this module owns the portal username and the profile."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.validators import ERR_USERNAME_RESERVED, ERR_USERNAME_TAKEN, is_reserved_username, validate_portal_username
from portal.common.errors import ApplicationError


class UsernameError(ApplicationError):
    """The chosen portal username breaks a rule; `message` is one of the ERR_USERNAME_* constants."""


def username_clean(*, username: str | None, exclude: User | None = None) -> str:
    """The username stripped and checked against every rule: shape (accounts.validators) and
    uniqueness ignoring case. Raises UsernameError with the constant message of the first rule broken."""
    username = (username or "").strip()
    try:
        validate_portal_username(username)
    except ValidationError as exc:
        raise UsernameError(exc.messages[0]) from exc
    keeps_own = exclude is not None and (exclude.username or "").lower() == username.lower()
    if is_reserved_username(username) and not keeps_own:
        raise UsernameError(ERR_USERNAME_RESERVED)
    taken = User.objects.filter(username__iexact=username)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise UsernameError(ERR_USERNAME_TAKEN)
    return username


def _user_update(*, user: User, data: dict) -> User:
    """Write `data` to `user`, validating only those fields: the rest were checked when they were
    written, and an account from before a rule (an empty email, kept in databases from before every
    account needed one) must still be able to change its name or username. portal.common's
    model_update validated every field, so saving Profile or choosing a username was a 500
    ("email: This field cannot be blank") for such an account."""
    changed = [field for field, value in data.items() if getattr(user, field) != value]
    if not changed:
        return user
    for field in changed:
        setattr(user, field, data[field])
    user.full_clean(exclude=[f.name for f in User._meta.concrete_fields if f.name not in changed])
    user.save(update_fields=[*changed, "updated_at"])
    return user


@transaction.atomic
def user_username_set(*, user: User, username: str) -> User:
    """Give `user` the portal username `username` (first choice or a later change)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    username = username_clean(username=username, exclude=user)
    if user.username == username:
        return user
    try:
        with transaction.atomic():  # a concurrent sign-up may take the name between check and save
            user = _user_update(user=user, data={"username": username})
    except IntegrityError as exc:
        raise UsernameError(ERR_USERNAME_TAKEN) from exc
    return user


@transaction.atomic
def user_profile_update(*, user: User, name: str, username: str | None = None) -> User:
    """Save the name shown to others and, when given, a new portal username (same rules)."""
    if username is not None:
        user = user_username_set(user=user, username=username)
    user = _user_update(user=user, data={"name": (name or "").strip()})
    return user


@transaction.atomic
def social_account_disconnect(*, request, account) -> list[str]:
    """Unlink one of the signed-in user's providers through allauth's DisconnectForm, which refuses
    to remove the last way to sign in. Returns the form's errors, [] when unlinked. The user's row is
    locked first: two tabs unlinking the user's two providers at once each saw the other one still
    linked, both went, and the account had no way to sign in left."""
    from allauth.socialaccount.forms import DisconnectForm

    User.objects.select_for_update().only("pk").get(pk=request.user.pk)
    form = DisconnectForm(data={"account": account.pk}, request=request)
    if form.is_valid():
        form.save()
        return []
    return [str(error) for error in form.non_field_errors() or form.errors.get("account", [])]


@transaction.atomic
def user_email_make_primary(*, user: User) -> None:
    """Make the account's email (`user.email`, as staff just set it in the admin) its primary address
    among allauth's EmailAddress rows, adding it (unconfirmed) when it is not one of them yet. The
    addresses it had stay, no longer primary. Profile › Email still called the old address Primary,
    and confirmations, staff notices and "Make primary" went by that one, while the account's email
    (Profile, password resets, organization codes) was the new one."""
    from allauth.account.models import EmailAddress

    if not user.email:
        return
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        address = EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=False)
    if not address.primary:
        EmailAddress.objects.filter(user=user, primary=True).update(primary=False)
        address.primary = True
        address.save(update_fields=["primary"])


# --- Proving the primary address takes the account ---------------------------------------------
# Someone can sign up with another person's address (a provider that does not vouch for it, or a
# password) and leave it unconfirmed. Whoever later proves that address by mail (a password reset
# mailed to it, or its confirmation link) is its owner and takes the account: what was attached
# before without proving it is removed, and whoever was signed in is signed out.

MSG_SIGN_IN_REMOVED = (
    "We removed the {provider} sign-in '{label}' that was linked before you confirmed {email}; link it again if"
    " it is yours."
)
MSG_ADDRESS_REMOVED = (
    "We removed the address {address} that was added before you confirmed {email}; add it again if it is yours."
)
MSG_SIGNED_OUT_ELSEWHERE = (
    "Everyone signed in to this account before you confirmed {email} was signed out, and its Portal API and"
    " organization tokens were revoked."
)
MSG_PASSWORD_REMOVED = (
    "The password set before you confirmed {email} was removed too: choose yours with Forgot password."
)
PROVIDER_NAMES = {"github": "GitHub", "google": "Google"}


def social_account_label(account) -> str:
    """How Profile › Authentication names a linked provider account (GitHub login, Google address)."""
    data = account.extra_data or {}
    if account.provider == "github":
        return data.get("login") or account.uid
    return data.get("email") or data.get("name") or account.uid


def _provider_name(account) -> str:
    return PROVIDER_NAMES.get(account.provider, account.provider.title())


def _provider_vouches(account, email: str) -> bool:
    """Whether the provider said, the last time it signed in, that `email` is its user's verified address."""
    try:
        provider = account.get_provider()
        addresses = provider.extract_email_addresses(account.extra_data or {})
    except Exception:  # a provider no longer configured: nothing vouches
        return False
    return any(a.verified and (a.email or "").lower() == email.lower() for a in addresses)


def _web_sessions_end(*, user: User, keep_session_key: str | None = None) -> int:
    """Delete the user's web sessions but `keep_session_key`, found through their index
    (accounts.UserSession, kept by portal.common.sessions.SessionStore): other users' sessions are
    not read. Returns how many unexpired sessions ended."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.models import UserSession

    indexed = UserSession.objects.filter(user=user)
    if keep_session_key:
        indexed = indexed.exclude(session_key=keep_session_key)
    keys = list(indexed.values_list("session_key", flat=True))
    if not keys:
        return 0
    ended = []
    for session in Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()):
        try:
            data = session.get_decoded()
        except Exception:  # a corrupt session is nobody's
            continue
        if str(data.get(SESSION_KEY)) == str(user.pk):  # still theirs (the index is only a hint)
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(ended)


def minted_core_tokens_revoke(*, user: User, username: str | None = None) -> None:
    """The built-in core API tokens the portal minted for `user` (console, "Reveal my token", the Portal
    API's /organizations/{id}/token), their own and impersonation ones: refresh tokens are revoked, and
    access tokens stop working at once in every organization the user owns or contributes to. The
    console's stored tokens go too; it mints new ones when next used. `username`: the one the tokens
    carry (claim `pu`), when it is no longer the user's (a rename); default the current one."""
    from django.db.models import Q
    from django.utils import timezone

    from coreapi import services as core_services
    from coreapi.models import RefreshToken
    from console.models import ConsoleToken
    from organizations import environments
    from organizations.models import Organization

    username = username or user.username
    if not username:
        return
    minted = Q(client_id="", username=username) | Q(impersonator=username)
    RefreshToken.objects.filter(minted, revoked_at=None).update(revoked_at=timezone.now())
    for org in Organization.objects.filter(Q(owner=user) | Q(contributors__user=user)).distinct():
        if environments.is_builtin(org.core_api_url):
            core_services.portal_user_tokens_revoke(environment=environments.environment_slug(org.environment),
                                                    marketplace_id=org.oc_id, portal_username=username)
    ConsoleToken.objects.filter(user=user).delete()


@transaction.atomic
def user_email_takeover(
    *, user: User, email: str, password_replaced: bool, keep_session_key: str | None = None
) -> list[str]:
    """`email`, the primary address of `user`, was unconfirmed and has just been proven by mail: by a
    password reset (`password_replaced`) or by its confirmation link. Removes every provider link
    whose provider does not vouch for `email` and every other address of the account (all were
    added while `email` was unconfirmed, by whoever held the account then). When something was
    removed, or the reset replaced the password, every web session but `keep_session_key`, every
    Portal API session and every core API token minted for the user end, and a password the reset
    did not replace goes too (it may have been set through a removed sign-in). A confirmation link
    that removes nothing changes nothing else: the account was a plain password sign-up with this
    address, whose password the confirmer may well know (it signed up and confirms from another
    device). Returns the messages telling the address's owner what was removed and ended (none when
    nothing was)."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    from accounts.models import EmailReleaseNotice
    from portal.apiauth.services import portal_sessions_revoke_all

    user = User.objects.select_for_update().get(pk=user.pk)
    notes = []
    for account in SocialAccount.objects.filter(user=user).order_by("pk"):
        if _provider_vouches(account, email):
            continue
        notes.append(MSG_SIGN_IN_REMOVED.format(provider=_provider_name(account), label=social_account_label(account),
                                                email=email))
        account.delete()
    for address in EmailAddress.objects.filter(user=user).exclude(email__iexact=email).order_by("pk"):
        notes.append(MSG_ADDRESS_REMOVED.format(address=address.email, email=email))
        address.delete()
    # notices about addresses the account's previous holder had added are theirs, not the owner's
    EmailReleaseNotice.objects.filter(user=user).delete()
    if not notes and not password_replaced:
        return notes
    if not password_replaced and user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password", "updated_at"])
        notes.append(MSG_PASSWORD_REMOVED.format(email=email))
    signed_out = _web_sessions_end(user=user, keep_session_key=keep_session_key)
    revoked = portal_sessions_revoke_all(user=user)
    minted_core_tokens_revoke(user=user)
    if notes or signed_out or revoked:
        notes.append(MSG_SIGNED_OUT_ELSEWHERE.format(email=email))
    return notes


@transaction.atomic
def user_email_prove_by_reset(*, user: User, email: str) -> bool:
    """A password reset mailed to `email` was completed: when `email` is the account's primary
    address it is confirmed now. Returns whether it was unconfirmed until now (the reset then takes
    the account, user_email_takeover)."""
    from allauth.account.models import EmailAddress

    User.objects.select_for_update().only("pk").get(pk=user.pk)
    email = (email or "").strip().lower()
    if not email or email != (user.email or "").lower():
        return False
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return True
    if address.verified:
        return False
    address.verified = True
    address.save(update_fields=["verified"])
    if not address.primary:
        address.set_as_primary(conditional=True)
    return True


def email_unconfirmed_extras_release(*, email: str, keep_user_id: int | None = None, proven: bool = False) -> int:
    """Someone signs up with `email`, or proves it (`proven`: its confirmation link, or a provider
    that vouches for it): drop it from other accounts that had it only as an unconfirmed extra address
    (not their primary), as it was never theirs. Each such account is told, without naming the account
    that took it (email_release_notify). Returns how many were dropped."""
    from allauth.account.models import EmailAddress

    from accounts.models import EmailReleaseNotice

    email = (email or "").strip().lower()
    if not email:
        return 0
    extras = EmailAddress.objects.filter(email__iexact=email, verified=False, primary=False).exclude(
        user__email__iexact=email)
    if keep_user_id is not None:
        extras = extras.exclude(user_id=keep_user_id)
    losers = list(User.objects.filter(pk__in=extras.values("user_id")).order_by("pk"))
    dropped = extras.delete()[0]
    reason = EmailReleaseNotice.Reason.CONFIRMED if proven else EmailReleaseNotice.Reason.SIGNED_UP
    for user in losers:
        email_release_notify(user=user, email=email, reason=reason)
    return dropped


MSG_EMAIL_RELEASED = {
    "confirmed": "{email}, which you added and had not confirmed, was confirmed by another account, so it was"
                 " removed from yours.",
    "signed_up": "{email}, which you added and had not confirmed, was used to sign up for another account, so it"
                 " was removed from yours.",
}
MSG_EMAIL_RELEASED_AT_SIGN_IN = "An address you had added was removed from your account: see Profile › Email."


def email_release_notify(*, user: User, email: str, reason: str) -> None:
    """`email`, an unconfirmed extra address of `user`, was taken by another account and dropped. A
    notice waits for the user on Profile › Email (whoever signs in to the account added the address),
    and an email goes to the account's primary address only when it is confirmed: an unconfirmed one
    may be anybody's (an account can be signed up with someone else's address), and they are not to
    learn the address. Neither names the other account."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    from accounts.models import EmailReleaseNotice
    from accounts.selectors import email_is_confirmed_primary

    EmailReleaseNotice.objects.create(user=user, email=email, reason=reason)
    if not email_is_confirmed_primary(user=user):
        return
    text = render_to_string("account/email/email_released.txt", {
        "PORTAL_NAME": settings.PORTAL_NAME, "user": user, "email": email, "reason": reason})
    subject, _, body = text.strip().partition("\n")
    subject = f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject.strip()}"
    address = user.email
    transaction.on_commit(lambda: send_mail(subject, body.strip() + "\n", None, [address]))


def email_release_notices_take(*, user: User) -> list[str]:
    """The notices of email_release_notify not yet shown to `user`, as messages; they are shown once."""
    from accounts.models import EmailReleaseNotice

    notices = list(EmailReleaseNotice.objects.filter(user=user))
    EmailReleaseNotice.objects.filter(pk__in=[n.pk for n in notices]).delete()
    return [MSG_EMAIL_RELEASED.get(n.reason, MSG_EMAIL_RELEASED["signed_up"]).format(email=n.email) for n in notices]


# --- the Portal API's account calls (accounts.apis) ------------------------------------------------
ERR_CURRENT_PASSWORD_MISSING = "CurrentPassword is required to change the password."
ERR_CURRENT_PASSWORD_WRONG = "CurrentPassword is not the account's password."
ERR_CURRENT_PASSWORD_TOO_MANY = "Too many wrong passwords for this account: try again in 15 minutes."
ERR_NEW_PASSWORD_SAME = "The new password is the same as your current one."


def user_password_change(*, user: User, current: str | None, new: str, client_ip: str = "") -> User:
    """Change the password of an account that has one, given its current password. A wrong one is
    counted with the Portal API's sign-in failures of this login and address (no guessing through
    here: 429 past the limit); the new one must pass the validators (ValidationError on
    NewPassword) and differ from the current one (as on the web: "changing" to the same password ended
    every other session and token for nothing). Saving it ends every web and Portal API session
    (portal.apiauth.signals)."""
    from portal.apiauth.services import OAuthError, portal_user_authenticate
    from portal.common.errors import TooManyRequestsError

    if not current:
        raise ApplicationError(ERR_CURRENT_PASSWORD_MISSING, extra={"Field": "CurrentPassword"})
    try:
        portal_user_authenticate(login=user.username or user.email, password=current, client_ip=client_ip)
    except OAuthError as exc:
        if exc.status_code == 429:
            raise TooManyRequestsError(ERR_CURRENT_PASSWORD_TOO_MANY) from exc
        raise ApplicationError(ERR_CURRENT_PASSWORD_WRONG, extra={"Field": "CurrentPassword"}) from exc
    if new == current:
        raise ApplicationError(ERR_NEW_PASSWORD_SAME, extra={"Field": "NewPassword"})
    try:
        validate_password(new, user)
    except ValidationError as exc:
        raise ValidationError({"NewPassword": exc.messages}) from exc
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(new)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def sign_in_method_remove(*, user: User, provider: str, confirmed) -> None:
    """Unlink every `provider` sign-in of `user` (the Portal API's DELETE /me/authorizationmethods).
    NotFoundError when none is linked; never the last way to sign in (ApplicationError); then
    `confirmed(user)` must be true (the organization code window, used up only when the method
    goes), else ConfirmationRequiredError. The user's row is locked first, as the web's unlink
    does, so two removals at once cannot both go."""
    from allauth.socialaccount.models import SocialAccount

    from accounts.adapters import ERR_UNLINK_LAST_SIGN_IN_METHOD
    from portal.common.errors import ConfirmationRequiredError, NotFoundError

    user = User.objects.select_for_update().get(pk=user.pk)
    linked = SocialAccount.objects.filter(user=user, provider=provider)
    if not provider or not linked.exists():
        raise NotFoundError(ERR_SIGN_IN_METHOD_NOT_FOUND.format(name=PROVIDER_API_NAMES.get(provider, provider)),
                            extra={"ObjectType": "AuthorizationMethod", "ObjectID": provider})
    if not SocialAccount.objects.filter(user=user).exclude(provider=provider).exists() and not user.has_usable_password():
        raise ApplicationError(ERR_UNLINK_LAST_SIGN_IN_METHOD)
    if not confirmed(user):
        raise ConfirmationRequiredError(ERR_CONFIRM_UNLINK)
    linked.delete()


PROVIDER_API_NAMES = {"github": "Github", "google": "Google"}  # as the portal SDK spells them
ERR_SIGN_IN_METHOD_NOT_FOUND = "Authorization method {name} not found"
ERR_CONFIRM_UNLINK = (
    "Confirm this first: POST /me/verifyemail emails you a code, and POST /confirmation with "
    "{\"Code\": \"...\"} opens a 5-minute window for one change like this."
)
