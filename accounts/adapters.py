"""allauth adapters: the portal's username rules for password sign-ups, and social sign-ups that
create the user *without* a username so "Choose your username" is the one place it is chosen."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialApp
from django import forms
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from accounts.models import User
from accounts.services import UsernameError, username_clean


# Failed web sign-ins, as the Portal API counts them (portal.apiauth.services.FAILURE_LIMITS): allauth's
# ACCOUNT_RATE_LIMITS["login_failed"] per address ("/ip") and per login *from that address* ("/key",
# see AccountAdapter._get_login_attempts_cache_key), and this per login from any address.
LOGIN_FAILED_ANY_ADDRESS = {"login_failed_any_address": "100/15m/key"}


def confirmation_rate_limit_key(request, email: str) -> str:
    """Whose confirmation email this is: the signed-in account's (Profile › Email), else the account
    whose sign-in address it is (a sign-up, a sign-in asking to confirm), with the address."""
    email = (email or "").strip().lower()
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        user = User.objects.filter(email__iexact=email).only("pk").first()
    return f"{user.pk if user is not None else '-'}:{email}"


def confirmation_rate_limit_consume(request, email: str, dry_run: bool = False, raise_exception: bool = False) -> bool:
    """allauth's consume_email_verification_rate_limit (ACCOUNT_RATE_LIMITS["confirm_email"], one
    confirmation every 3 minutes), counted per account *and* address. allauth counted per address: an
    account that had typed someone's address on Profile › Email (re-sending every 3 minutes) kept the
    address's owner from getting any confirmation email, signing up with it or adding it to their own
    account. Installed by accounts.apps.AccountsConfig.ready."""
    from allauth.core.internal import ratelimit

    return bool(ratelimit.consume(request, app="allauth.account", action="confirm_email",
                                  key=confirmation_rate_limit_key(request, email), dry_run=dry_run,
                                  raise_exception=raise_exception, limit_get=True))


# the sign-in form once failures are "too many": a completed password reset ends the lock (login_failures_clear)
ERR_TOO_MANY_LOGIN_ATTEMPTS = (
    "Too many failed login attempts. Try again later, or choose \"Forgot your password?\": a new password"
    " signs in at once."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {**DefaultAccountAdapter.error_messages, "too_many_login_attempts": ERR_TOO_MANY_LOGIN_ATTEMPTS}

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """The login *and the address* trying it. allauth keyed the "5 failures in 5 minutes" lock on
        the login alone, so anyone anywhere could keep a user out of web sign-in ("Too many failed
        login attempts") with a few wrong passwords; the Portal API already did not allow that."""
        from portal.common.clientip import client_ip

        return f"{client_ip(request)}|{super()._get_login_attempts_cache_key(request, **credentials)}"

    def pre_authenticate(self, request, **credentials) -> None:
        super().pre_authenticate(request, **credentials)
        from allauth.core.internal import ratelimit

        login = super()._get_login_attempts_cache_key(request, **credentials)
        usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed_any_address", config=LOGIN_FAILED_ANY_ADDRESS, key=login
        )
        if not usage:
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")
        self._login_failed_rl_usage.usage.extend(usage.usage)  # a success rolls both back

    def login_failures_clear(self, request, *, user) -> None:
        """A password reset mailed to `user` was completed: forget the failed sign-ins counted for each
        of its logins (username, sign-in email and other addresses), from this address and from any.
        allauth forgot only those of the email addresses from this address, so whoever forgot the
        password and tried their username was still "Too many failed login attempts" with the new one."""
        from allauth.account.models import EmailAddress
        from allauth.core.internal import ratelimit

        logins = {user.username, user.email, *EmailAddress.objects.filter(user_id=user.pk).values_list("email", flat=True)}
        for login in filter(None, logins):
            anywhere = super()._get_login_attempts_cache_key(request, email=login)
            ratelimit.clear(request, app="allauth.account", action="login_failed",
                            key=self._get_login_attempts_cache_key(request, email=login))
            ratelimit.clear(request, app="allauth.account", action="login_failed_any_address",
                            config=LOGIN_FAILED_ANY_ADDRESS, key=anywhere)
        # and the Portal API's sign-in (POST /api/v1/oauth/token), which counts its own failures
        from portal.apiauth.services import login_failures_clear
        from portal.common.clientip import client_ip

        login_failures_clear(user=user, client_ip=client_ip(request))

    def is_safe_url(self, url: str) -> bool:
        """allauth's rule, but a relative `next` must be a path ("/..."), as on "Choose your username":
        "next=abc" after signing in went to /accounts/login/abc (a 404), and a control character has
        no place in a Location header."""
        if not url or any(ord(char) < 32 or ord(char) == 127 for char in url):
            return False
        if not url.startswith("/") and "://" not in url:
            return False
        return super().is_safe_url(url)

    def respond_email_verification_sent(self, request, user):
        """With ACCOUNT_EMAIL_VERIFICATION=mandatory, an account without any email address (from
        before every account needed one) is told so, instead of "We've emailed you a link to confirm
        your address" when nothing was sent."""
        from allauth.account.models import EmailAddress

        if user is not None and user.pk and not user.email and not EmailAddress.objects.filter(user_id=user.pk).exists():
            return render(request, "account/verification_no_address.html")
        return super().respond_email_verification_sent(request, user)

    def get_email_verification_redirect_url(self, email_address) -> str:
        """An extra address confirmed while signed in goes back to Profile › Email, where its next step
        (Make primary) is; it landed on the dashboard. A sign-up's own address keeps the default."""
        if self.request.user.is_authenticated and not email_address.primary:
            return reverse("account_email")
        return super().get_email_verification_redirect_url(email_address)

    def send_password_reset_mail(self, user, email, context):
        """The reset link names the address it was mailed to (signed, and bound to this link's key), so
        that completing the reset proves that address (accounts.views.PortalPasswordResetFromKeyView)."""
        from accounts.views import reset_link_with_address

        context = {**context, "password_reset_url": reset_link_with_address(
            context["password_reset_url"], user=user, email=email, key=context.get("key") or "")}
        return super().send_password_reset_mail(user, email, context)

    def confirm_email(self, request, email_address) -> bool:
        """allauth's, and when the link confirms an account's unconfirmed primary address outside a
        session of that account, its owner takes the account (accounts.services.user_email_takeover:
        provider links that do not vouch for it, other addresses and then the password go). Opened
        while signed in to the account, the person holding the session has the mailbox too: nothing
        is removed.

        An address that other accounts had only as an unconfirmed extra address is dropped from them
        (it was never theirs, as for a sign-up with it). Two accounts confirming the same address at
        once: the database keeps one confirmed row per address (allauth's unique_verified_email), so
        the second is told the confirmation failed (it was a 500)."""
        from django.contrib import messages

        from accounts.services import email_unconfirmed_extras_release, user_email_takeover

        was_unconfirmed_primary = (
            not email_address.verified and email_address.pk is not None
            and (email_address.primary or email_address.email.lower() == (email_address.user.email or "").lower())
        )
        try:
            with transaction.atomic():
                confirmed = super().confirm_email(request, email_address)
                if confirmed:
                    email_unconfirmed_extras_release(email=email_address.email, keep_user_id=email_address.user_id,
                                                      proven=True)
        except IntegrityError:
            email_address.verified = False
            self.add_message(request, messages.ERROR, "account/messages/email_confirmation_failed.txt",
                             {"email": email_address.email})
            return False
        signed_in_here = request.user.is_authenticated and request.user.pk == email_address.user_id
        if confirmed and was_unconfirmed_primary and not signed_in_here:
            for note in user_email_takeover(user=email_address.user, email=email_address.email, password_replaced=False,
                                            keep_session_key=request.session.session_key):
                messages.warning(request, note)
        return confirmed

    def save_user(self, request, user, form, commit=True):
        """allauth's; a password sign-up with an address that other accounts had only as an unconfirmed
        extra drops it from them (it was never theirs, and allauth would not record it for the new account)."""
        from accounts.services import email_unconfirmed_extras_release

        if commit:
            email_unconfirmed_extras_release(email=form.cleaned_data.get("email"))
        return super().save_user(request, user, form, commit=commit)

    def post_login(self, request, user, **kwargs):
        """allauth's; when an address the user had added was taken by another account meanwhile
        (accounts.services.email_release_notify), signing in points to Profile › Email, which says which."""
        from django.contrib import messages

        from accounts.selectors import email_release_notices_exist
        from accounts.services import MSG_EMAIL_RELEASED_AT_SIGN_IN

        response = super().post_login(request, user, **kwargs)
        if email_release_notices_exist(user=user):
            messages.warning(request, MSG_EMAIL_RELEASED_AT_SIGN_IN)
        return response

    def can_delete_email(self, email_address) -> bool:
        """Never the account's last address (allauth allows it when sign-in by username is on): the
        portal needs one for password resets and organization codes, the user's email is required,
        and a second account left with "" broke the unique constraint (a 500). The refusal's message
        is account/messages/cannot_delete_primary_email.txt."""
        from allauth.account.models import EmailAddress

        others = EmailAddress.objects.filter(user_id=email_address.user_id).exclude(pk=email_address.pk)
        if email_address.pk and not others.exists():
            return False
        return super().can_delete_email(email_address)

    def clean_username(self, username: str, shallow: bool = False) -> str:
        """Same rules as the choose-username page: shape, never an email, unique ignoring case."""
        try:
            if shallow:
                from accounts.validators import validate_portal_username

                validate_portal_username(username)
                return username.strip()
            return username_clean(username=username)
        except UsernameError as exc:
            raise forms.ValidationError(exc.message) from exc


def settings_configured_providers() -> set[str]:
    """The providers whose app the settings give (SOCIALACCOUNT_PROVIDERS[...]["APP"] or "APPS",
    from GITHUB_CLIENT_ID / GOOGLE_CLIENT_ID and their secrets in the environment)."""
    from allauth.socialaccount import app_settings

    configured = set()
    for provider, config in app_settings.PROVIDERS.items():
        apps = config.get("APPS")  # as allauth reads them: "APPS", else "APP"
        if apps or (apps is None and config.get("APP") is not None):
            configured.add(provider)
    return configured


def provider_env_variables(provider: str) -> str:
    """The environment variables that give `provider`'s keys (portal/settings/base.py)."""
    return f"{provider.upper()}_CLIENT_ID and {provider.upper()}_CLIENT_SECRET"


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """Still a SocialApp.DoesNotExist for allauth's own handlers; a 404 for Django."""


# the social sign-up form's answer to an address another account has (%s: the provider's name)
ERR_SOCIAL_EMAIL_TAKEN = (
    "This email address belongs to another account. Enter another one, or sign in to that account "
    "and link %s under Profile › Authentication."
)
ERR_UNLINK_LAST_SIGN_IN_METHOD = (
    "You cannot unlink this account: it is your only way to sign in. "
    "Set a password or link another provider first."
)


# sociallogin.state key: the provider's only address(es) were too long to keep (socialaccount/signup.html says so)
EMAIL_SET_ASIDE_STATE = "portal_email_too_long"


def _storable_email(email: str | None) -> str | None:
    """`email` in lower case when it is valid and the database can keep it, else None."""
    from allauth.account.internal.emailkit import valid_email_or_none

    from accounts.forms import EMAIL_MAX_LENGTH

    email = valid_email_or_none(email)
    return email if email and len(email) <= EMAIL_MAX_LENGTH else None


def _email_too_long(email: str | None) -> bool:
    from accounts.forms import EMAIL_MAX_LENGTH

    return bool(email) and len(email.strip().lower()) > EMAIL_MAX_LENGTH


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    # allauth's validate_disconnect raises "no_password" when the last provider of a user without a
    # usable password would be removed; say what that means and what to do instead.
    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        "no_password": ERR_UNLINK_LAST_SIGN_IN_METHOD,
        "email_taken": ERR_SOCIAL_EMAIL_TAKEN,
    }

    def list_apps(self, request, provider=None, client_id=None):
        """allauth's, except that a provider whose keys the settings give (GITHUB_CLIENT_ID,
        GOOGLE_CLIENT_ID in the environment) has only that app: a Social application added in the
        admin for it as well is left out. allauth listed both, so the sign-in page showed two
        "Continue with GitHub" buttons and both were a 500 (get_app: MultipleObjectsReturned). The
        admin refuses such an app (accounts.admin.PortalSocialAppForm); this covers one saved before."""
        configured = settings_configured_providers()
        return [
            app for app in super().list_apps(request, provider=provider, client_id=client_id)
            if app.pk is None or app.provider not in configured
        ]

    def get_app(self, request, provider, client_id=None):
        """A provider without keys (no GITHUB_CLIENT_ID / GOOGLE_CLIENT_ID) is a 404, not a 500."""
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist as exc:
            raise ProviderNotConfigured(f"{provider} sign-in is not configured.") from exc

    def get_connect_redirect_url(self, request, socialaccount):
        return reverse("accounts:authentication")

    def pre_social_login(self, request, sociallogin):
        """Set aside the provider's addresses that the portal cannot keep (over 254 characters in
        lower case, as stored): a new user is then asked for an address on the social sign-up form,
        which says why (EMAIL_SET_ASIDE_STATE in the login's state; it said the provider "did not
        share an email address"). allauth checks the length before lowering the address, so one that
        grew ("İ" is two characters in lower case) went through the sign-up and was dropped when
        saved: the user got an empty email, and the next such user a 500 (unique constraint)."""
        super().pre_social_login(request, sociallogin)
        provided = [a.email for a in sociallogin.email_addresses]
        sociallogin.email_addresses = [a for a in sociallogin.email_addresses if _storable_email(a.email)]
        kept = [a.email.lower() for a in sociallogin.email_addresses]
        user = sociallogin.user
        if user is not None and user.pk is None:  # a sign-up, not a known user signing in or linking
            provided.append(user.email)
            email = _storable_email(user.email)
            user.email = email if email in kept else (kept[0] if kept else "")
        # allauth already dropped an address over 254 characters; the account's data still has it
        shared = (sociallogin.account.extra_data or {}).get("email") if sociallogin.account else None
        provided.append(shared if isinstance(shared, str) else None)
        if not kept and any(_email_too_long(email) for email in provided):
            sociallogin.state[EMAIL_SET_ASIDE_STATE] = True
        if user is not None and user.pk is None and sociallogin.state.get("process") != "connect":
            # a sign-up with an address the provider vouches for: other accounts' unconfirmed extra
            # address of it is not theirs, so it does not send this sign-up to the "taken" form
            from accounts.services import email_unconfirmed_extras_release

            for address in sociallogin.email_addresses:
                if address.verified:
                    email_unconfirmed_extras_release(email=address.email, proven=True)

    def save_user(self, request, sociallogin, form=None):
        """Create the social user with no portal username (and no usable password). The
        UsernameRequiredMiddleware then sends them to "Choose your username"."""
        pending = sociallogin.serialize()  # as it came from the provider, before anything below changes it
        user = sociallogin.user
        user.set_unusable_password()
        if form is not None:
            from allauth.account.adapter import get_adapter as get_account_adapter

            get_account_adapter(request).save_user(request, user, form, commit=False)
        user.username = None
        from accounts.services import email_unconfirmed_extras_release

        vouched = {a.email.lower() for a in sociallogin.email_addresses if a.verified and a.email}
        for email in {user.email, *(a.email for a in sociallogin.email_addresses)}:
            # never those accounts' (see AccountAdapter.save_user)
            email_unconfirmed_extras_release(email=email, proven=(email or "").lower() in vouched)
        # allauth skips provider addresses that have an EmailAddress row elsewhere; accounts created
        # outside allauth (admin, legacy import) have none, so drop addresses another user owns.
        taken = {e.lower() for e in User.objects.exclude(pk=user.pk).filter(
            email__in=[a.email.lower() for a in sociallogin.email_addresses]).values_list("email", flat=True)}
        sociallogin.email_addresses = [a for a in sociallogin.email_addresses if a.email.lower() not in taken]
        try:
            with transaction.atomic():
                sociallogin.save(request)
        except IntegrityError:
            account = sociallogin.account
            if not SocialAccount.objects.filter(provider=account.provider, uid=account.uid).exists():
                raise
            # The same provider account signed up at the same moment (two tabs): sign in to the account
            # the other request made, as signing in with the provider a moment later would. It was a 500.
            from allauth.socialaccount.internal.flows.login import complete_login
            from allauth.socialaccount.models import SocialLogin

            raise ImmediateHttpResponse(complete_login(request, SocialLogin.deserialize(pending))) from None
        return user
