from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.views import (
    ConfirmEmailView,
    EmailView,
    PasswordResetFromKeyView,
    PasswordResetView,
    PasswordSetView,
    SignupView,
)
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialAccount, SocialLogin
from allauth.socialaccount.views import SignupView as AllauthSocialSignupView
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import ProfileForm, ResetPasswordForm, SignupConflict, UsernameChooseForm
from accounts.selectors import social_account_list, user_search, username_suggest
from accounts.services import (
    UsernameError,
    email_release_notices_take,
    social_account_disconnect,
    social_account_label,
    user_profile_update,
    user_username_set,
)

MSG_USERNAME_CHOSEN = "Welcome! Your username is {username}."
MSG_USERNAME_CHOSEN_ALREADY = (
    "Your username is {username}: it was chosen in another tab or window, so {posted} was not used."
    " You can change it under Profile."
)
MSG_PROFILE_SAVED = "Your profile has been saved."
# Profile, for an account from before every account needed an email address (its email is empty)
MSG_NO_EMAIL = "Your account has no email address: you cannot reset your password or receive organization codes."
ERR_SEARCH_SIGN_IN = "Sign in to search for users."
# Unlink of an account that is not (or no longer) linked to the user's: a 404 that says what happened
ERR_UNLINK_GONE = (
    "This sign-in account is not linked to yours (any more), so nothing was unlinked. It may have been unlinked"
    " already, in another tab or window or by a second click."
)
# the user autocomplete's list, for a page whose session ended (signed out in another tab)
ERR_AUTOCOMPLETE_SIGNED_OUT = "You are signed out (perhaps in another tab or window)."


def _safe_next(request, default: str) -> str:
    """`next` when it is a path on this site, else `default`. Only a path: redirect() reads any
    other text without a "/" ("abc", "-1") as the name of a view, and a control character (NUL)
    has no place in a Location header."""
    url = request.POST.get("next") or request.GET.get("next")
    if (
        url
        and url.startswith("/")
        and not any(ord(char) < 32 or ord(char) == 127 for char in url)
        and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    ):
        return url
    return default


def _htmx_page(request) -> str:
    """The path of the page an htmx request came from (HX-Current-URL) when it is on this site, else the dashboard."""
    url = urlsplit(request.headers.get("HX-Current-URL", ""))
    if url.netloc == request.get_host() and url.path.startswith("/") and not url.path.startswith("//"):
        return url.path + (f"?{url.query}" if url.query else "")
    return reverse("dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def username_choose_view(request):
    """"Choose your username": the one place a new social user (or a legacy user whose username was
    an email address) picks a portal username. UsernameRequiredMiddleware sends them here."""
    user = request.user
    next_url = _safe_next(request, reverse("dashboard"))
    if user.has_valid_username:
        posted = (request.POST.get("username") or "").strip()
        if request.method == "POST" and posted.lower() != user.username.lower():
            # chosen meanwhile in another tab: this one's choice was not applied, and the user is told so
            messages.info(request, MSG_USERNAME_CHOSEN_ALREADY.format(username=user.username, posted=posted))
        return redirect(next_url)
    if request.method == "POST":
        form = UsernameChooseForm(request.POST, user=user)
        if form.is_valid():
            try:
                user = user_username_set(user=user, username=form.cleaned_data["username"])
            except UsernameError as exc:
                form.add_error("username", exc.message)
            else:
                messages.success(request, MSG_USERNAME_CHOSEN.format(username=user.username))
                return redirect(next_url)
    else:
        form = UsernameChooseForm(initial={"username": username_suggest(user=user)}, user=user)
    return render(request, "accounts/username_choose.html", {"form": form, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, user=user)
        if form.is_valid():
            try:
                edited = form.edited  # only what was changed on this page (another tab may have changed the rest)
                user_profile_update(
                    user=user,
                    name=form.cleaned_data["name"] if "name" in edited else user.name,
                    username=form.cleaned_data["username"] if "username" in edited else None,
                )
            except UsernameError as exc:
                form.add_error("username", exc.message)
            else:
                messages.success(request, MSG_PROFILE_SAVED)
                return redirect("accounts:profile")
    else:
        form = ProfileForm(initial={"name": user.name, "username": user.username}, user=user)
    return render(request, "accounts/profile.html", {"form": form, "active_tab": "profile", "MSG_NO_EMAIL": MSG_NO_EMAIL})


@login_required
@require_GET
def authentication_view(request):
    """Profile > Authentication: linked providers with link/unlink buttons, and the password."""
    here = reverse("accounts:authentication")
    accounts = list(social_account_list(user=request.user))
    providers = []
    for provider in get_social_adapter().list_providers(request):
        linked = [a for a in accounts if a.provider == provider.id]
        providers.append(
            {
                "id": provider.id,
                "name": provider.name,
                "accounts": [{"pk": a.pk, "label": social_account_label(a)} for a in linked],
                "connect_url": provider.get_login_url(request, process="connect", next=here),
            }
        )
    context = {
        "providers": providers,
        "has_password": request.user.has_usable_password(),
        "linked_names": [p["name"] for p in providers if p["accounts"]],
        "active_tab": "authentication",
    }
    return render(request, "accounts/authentication.html", context)


@login_required
@require_POST
def social_account_disconnect_view(request, pk: int):
    """Unlink a provider through allauth's own DisconnectForm, which refuses to remove the last
    way to sign in (no other provider and no usable password)."""
    account = social_account_list(user=request.user).filter(pk=pk).first()
    if account is None:  # unlinked already (a double-click, another tab), or never this user's
        return render(request, "accounts/unlink_gone.html", {"message": ERR_UNLINK_GONE, "active_tab": "authentication"},
                      status=404)
    for error in social_account_disconnect(request=request, account=account):
        messages.error(request, error)
    return redirect("accounts:authentication")


@require_GET
def user_search_api_view(request):
    """GET /account/users/search?q= -> {"Items": [{"Username", "Name"}]}: at most 10 active users
    whose username or name starts with q. Never returns email addresses."""
    if not request.user.is_authenticated:
        return JsonResponse({"Errors": [{"ErrorCode": "NotAuthenticated", "Message": ERR_SEARCH_SIGN_IN}]}, status=401)
    users = user_search(query=request.GET.get("q", ""))
    return JsonResponse({"Items": [{"Username": u.username, "Name": u.name} for u in users]})


@require_GET
def user_autocomplete_view(request):
    """The HTML result list of accounts/includes/user_autocomplete.html (htmx partial). Signed out
    (e.g. in another tab), the list says so with a link to sign in and come back to the page: htmx
    followed login_required's redirect and put the whole sign-in page inside the list."""
    if not request.user.is_authenticated:
        if not request.htmx:
            return redirect_to_login(request.get_full_path())
        sign_in = f"{reverse('account_login')}?{urlencode({'next': _htmx_page(request)})}"
        context = {"signed_out": ERR_AUTOCOMPLETE_SIGNED_OUT, "sign_in_url": sign_in}
        return render(request, "accounts/includes/user_autocomplete_results.html", context)
    query = request.GET.get("q", "").strip()
    users = user_search(query=query)
    return render(
        request,
        "accounts/includes/user_autocomplete_results.html",
        {"users": users, "query": query, "field": request.GET.get("field", "username")},
    )


MSG_CONFIRMATION_RECENTLY_SENT = (
    "A confirmation email was sent to {email} a few minutes ago. Check your inbox (and spam folder), "
    "or ask again in a few minutes."
)


MSG_ALREADY_VERIFIED = "{email} is already verified: there is nothing to confirm."
MSG_ALREADY_PRIMARY = "{email} is already your primary address: nothing changed."
# Profile > Email: Make primary, Re-send verification or Remove that did nothing (allauth reloaded
# the page without a word)
ERR_EMAIL_NOT_PICKED = "Pick one of your addresses first, then choose Make primary, Re-send verification or Remove."
ERR_EMAIL_NOT_YOURS = (
    "{email} is not an address of your account (any more), so nothing was done. It may have been removed"
    " in another tab or window: the list below is up to date."
)
ERR_EMAIL_NOT_YOURS_UNNAMED = "The address you picked"
ERR_EMAIL_ACTION_UNKNOWN = "Choose Make primary, Re-send verification or Remove: nothing was done."
EMAIL_ACTIONS = ("action_primary", "action_send", "action_remove")


class EmailManageView(EmailView):
    """allauth's Profile > Email, saying why "Re-send verification" sent nothing (one confirmation
    per address every 3 minutes, ACCOUNT_RATE_LIMITS["confirm_email"]) instead of answering with
    silence, and not mailing a confirmation for an address that is already verified (allauth did,
    saying "Confirmation email sent", as if the address were not). An action that allauth skips
    without a word says why: no address picked, an address that is not (or no longer, e.g. removed
    in another tab) the user's, or no known action (a hand-made post)."""

    def get(self, request, *args, **kwargs):
        for notice in email_release_notices_take(user=request.user):
            messages.warning(request, notice)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if "action_add" not in request.POST:
            refusal = self._refusal(request)
            if refusal:
                messages.error(request, refusal)
        return super().post(request, *args, **kwargs)  # in each refused case allauth only reloads the page

    def form_valid(self, form):
        """Add email: when the confirmation email is not sent (one went to this address from this
        account in the last 3 minutes, e.g. it was removed and added again), say so; allauth said nothing."""
        from allauth.account.internal.flows import email_verification

        email = form.cleaned_data["email"]
        will_send = email_verification.consume_email_verification_rate_limit(self.request, email, dry_run=True)
        response = super().form_valid(form)
        if not will_send:
            messages.info(self.request, MSG_CONFIRMATION_RECENTLY_SENT.format(email=email))
        return response

    def _refusal(self, request) -> str | None:
        """Why allauth will do nothing with this post, or None when it acts on it."""
        email = request.POST.get("email")
        if not email:
            return ERR_EMAIL_NOT_PICKED
        if not any(action in request.POST for action in EMAIL_ACTIONS):
            return ERR_EMAIL_ACTION_UNKNOWN
        if self._get_email_address(request) is None:
            try:
                validate_email(email)
            except ValidationError:
                email = ERR_EMAIL_NOT_YOURS_UNNAMED
            return ERR_EMAIL_NOT_YOURS.format(email=email)
        return None

    def _action_primary(self, request, *args, **kwargs):
        """Make primary on the address that is primary already says so (allauth said "Primary email
        address set." while nothing changed)."""
        address = self._get_email_address(request)
        if address is not None and address.primary:
            messages.info(request, MSG_ALREADY_PRIMARY.format(email=address.email))
            return None
        return super()._action_primary(request, *args, **kwargs)

    def _action_send(self, request, *args, **kwargs):
        verified = self._get_email_address(request)
        if verified is not None and verified.verified:
            messages.info(request, MSG_ALREADY_VERIFIED.format(email=verified.email))
            return None
        response = super()._action_send(request, *args, **kwargs)
        address = self._get_email_address(request)
        if address is not None and not address.verified and not self._did_send_verification_email:
            messages.info(request, MSG_CONFIRMATION_RECENTLY_SENT.format(email=address.email))
        return response


email_manage_view = login_required(EmailManageView.as_view())


class PortalSignupView(SignupView):
    """allauth's sign-up page; a username or an email address taken by a concurrent sign-up after
    the form checked it shows the form again with the error (accounts.forms.SignupForm.try_save)."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except SignupConflict:
            return self.form_invalid(form)


signup_view = PortalSignupView.as_view()


PENDING_SOCIAL_SIGNUP = "socialaccount_sociallogin"  # allauth's session key (socialaccount.internal.flows.signup)


class PortalSocialSignupView(AllauthSocialSignupView):
    """allauth's "Finish signing up with <provider>" form. Submitted twice (a double-click on
    Continue), the second submit was a 500 (IntegrityError) or the form again saying the address
    "belongs to another account", the account its first submit had just made; it now signs in to
    that account, as the provider sign-in would. When someone else took the typed address meanwhile,
    the form is shown again with what a taken address gets."""

    def get(self, request, *args, **kwargs):
        # the same provider account signed up in another tab at the same moment (its callback came first)
        if self._signed_up_already(self.sociallogin):
            return self._sign_in(request.session.get(PENDING_SOCIAL_SIGNUP))
        completed = self._complete_with_unclaimed_email()
        return completed or super().get(request, *args, **kwargs)

    def _complete_with_unclaimed_email(self):
        """allauth sends here a provider address that any account has, even only as an unconfirmed
        extra address, and the page said "An account with it already exists. If it is yours, sign in
        to it". Such an address is nobody's (accounts.selectors.email_claimed): the sign-up completes
        with it, as allauth's automatic sign-up does with any other address. None when the form is
        needed (an address an account does have, or none at all)."""
        from accounts.selectors import email_claimed

        addresses = self.sociallogin.email_addresses
        email = addresses[0].email if addresses else None
        if not email or email_claimed(email):
            return None
        form = self.get_form_class()(**{**self.get_form_kwargs(), "data": {"email": email}})
        return self.form_valid(form) if form.is_valid() else None

    def post(self, request, *args, **kwargs):
        if self._signed_up_already(self.sociallogin):
            return self._sign_in(request.session.get(PENDING_SOCIAL_SIGNUP))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        pending = self.request.session.get(PENDING_SOCIAL_SIGNUP)
        try:
            return super().form_valid(form)
        except SignupConflict:
            sociallogin = SocialLogin.deserialize(pending)  # as before this submit: nothing of it was saved
            if self._signed_up_already(sociallogin):
                return self._sign_in(pending)
            self.request.session[PENDING_SOCIAL_SIGNUP] = pending
            self.sociallogin = form.sociallogin = sociallogin
            try:
                form.validate_unique_email(form.cleaned_data.get("email"))
            except forms.ValidationError as exc:
                form.add_error("email", exc)
            return self.form_invalid(form)

    @staticmethod
    def _signed_up_already(sociallogin) -> bool:
        """The provider account of this pending sign-up belongs to an account by now."""
        account = sociallogin.account
        return SocialAccount.objects.filter(provider=account.provider, uid=account.uid).exists()

    def _sign_in(self, pending):
        from allauth.socialaccount.internal.flows.login import complete_login

        return complete_login(self.request, SocialLogin.deserialize(pending))


social_signup_view = PortalSocialSignupView.as_view()


# the confirmation page of another account's address, opened while signed in
MSG_CONFIRM_SIGNS_OUT = (
    "{email} is an address of another account: confirming it will sign you out of your account {username}."
)


class PortalConfirmEmailView(ConfirmEmailView):
    """allauth's page of an email confirmation link. A link whose address is confirmed already (the
    link opened again, or Confirm pressed again after going back) says so: it said the link "has
    expired or is invalid" and to ask for a new one, and pressing Confirm again was a 404 page.

    Opened while signed in to another account, the page says that confirming signs you out of it,
    and only Confirm does: allauth signed out on opening the link (a GET), which the portal does not
    let anything do (ACCOUNT_LOGOUT_ON_GET = False), before the user had chosen anything."""

    _confirming = False

    def post(self, *args, **kwargs):
        try:
            self.get_object()
        except Http404:
            return self.get(*args, **kwargs)  # the page saying why there is nothing to confirm
        self._confirming = True
        return super().post(*args, **kwargs)

    def logout_other_user(self, confirmation) -> None:
        """allauth's, once the address is confirmed (Confirm, a POST); not when the page is opened."""
        if self._confirming:
            super().logout_other_user(confirmation)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.object:
            context["confirmed_already"] = self._confirmed_address()
        elif self.request.user.is_authenticated and self.request.user.pk != self.object.email_address.user_id:
            context["signs_out"] = MSG_CONFIRM_SIGNS_OUT.format(
                email=self.object.email_address.email, username=self.request.user.username or self.request.user.email)
        return context

    def _confirmed_address(self):
        """The address this (unexpired, genuine) link was sent for, when it is confirmed by now."""
        from allauth.account import app_settings as account_settings
        from allauth.account.models import EmailAddress
        from django.core import signing

        try:
            pk = signing.loads(self.kwargs["key"], max_age=60 * 60 * 24 * account_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS,
                               salt=account_settings.SALT)
        except signing.BadSignature:  # SignatureExpired included
            return None
        return EmailAddress.objects.filter(pk=pk, verified=True).first() if isinstance(pk, int) else None


confirm_email_view = PortalConfirmEmailView.as_view()


MSG_PASSWORD_SET_ALREADY = (
    "Your account has a password already (set in another tab or window), so the one you just typed was not"
    " saved. Change it here if you like."
)


class PortalPasswordSetView(PasswordSetView):
    """allauth's "Set a password", for an account signed up through a provider. Sent from a second
    tab after a password was set in the first, it went to "Change password" without a word and the
    password typed in it was dropped: the user believed it was theirs, and could not sign in with it."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and request.user.is_authenticated and request.user.has_usable_password():
            messages.warning(request, MSG_PASSWORD_SET_ALREADY)
            url = reverse("account_change_password")
            next_url = _safe_next(request, "")
            return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)
        return super().dispatch(request, *args, **kwargs)


password_set_view = login_required(PortalPasswordSetView.as_view())


# --- Password reset: only to an address that is the account's; completing it proves the address --
RESET_ADDRESS_PARAM = "address"
RESET_ADDRESS_SESSION_KEY = "portal_reset_address"
RESET_ADDRESS_SALT = "accounts.password-reset-address"


def _key_digest(key: str) -> str:
    import hashlib

    return hashlib.sha256((key or "").encode()).hexdigest()[:32]


def reset_link_with_address(url: str, *, user, email: str, key: str) -> str:
    """The reset link mailed to `email`, naming that address (signed; bound to the user and this link's key)."""
    from django.core import signing

    proof = signing.dumps({"u": str(user.pk), "e": email.lower(), "k": _key_digest(key)}, salt=RESET_ADDRESS_SALT)
    return f"{url}{'&' if '?' in url else '?'}{urlencode({RESET_ADDRESS_PARAM: proof})}"


def _reset_address(proof: str | None, *, user, key: str) -> str | None:
    """The address a reset link was mailed to, when `proof` is genuine and belongs to this user and key."""
    from django.core import signing

    if not proof or user is None:
        return None
    try:
        data = signing.loads(proof, salt=RESET_ADDRESS_SALT, max_age=60 * 60 * 24 * 7)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != str(user.pk) or data.get("k") != _key_digest(key):
        return None
    return data.get("e") or None


class PortalPasswordResetView(PasswordResetView):
    """allauth's "Forgot password", mailing a link only to an account's primary or a confirmed address
    (accounts.forms.ResetPasswordForm)."""

    form_class = ResetPasswordForm


password_reset_view = PortalPasswordResetView.as_view()


class PortalPasswordResetFromKeyView(PasswordResetFromKeyView):
    """allauth's page of a reset link. The link names the address it was mailed to; a reset completed
    through the account's unconfirmed primary address confirms it, and its owner takes the account
    (accounts.services.user_email_takeover): allauth confirmed nothing, so whoever had signed up with
    someone else's address kept their provider sign-in after the address's owner reset the password.
    A completed reset also ends the "Too many failed login attempts" lock on the account's logins."""

    def dispatch(self, request, uidb36, key, **kwargs):
        proof = request.GET.get(RESET_ADDRESS_PARAM)
        if key != self.reset_url_key and proof:  # the link from the mail, before allauth hides its key
            request.session[RESET_ADDRESS_SESSION_KEY] = proof
        else:
            proof = request.session.get(RESET_ADDRESS_SESSION_KEY)
        response = super().dispatch(request, uidb36, key, **kwargs)
        # allauth signs out another account's session first (which empties it): keep the proof
        if proof and not getattr(self, "_reset_done", False) and RESET_ADDRESS_SESSION_KEY not in request.session:
            request.session[RESET_ADDRESS_SESSION_KEY] = proof
        return response

    def form_valid(self, form):
        from accounts.services import user_email_prove_by_reset, user_email_takeover

        user, key = self.reset_user, self.key
        email = _reset_address(self.request.session.pop(RESET_ADDRESS_SESSION_KEY, None), user=user, key=key)
        self._reset_done = True
        response = super().form_valid(form)
        get_account_adapter(self.request).login_failures_clear(self.request, user=user)
        if email and user_email_prove_by_reset(user=user, email=email):
            for note in user_email_takeover(user=user, email=email, password_replaced=True,
                                            keep_session_key=self.request.session.session_key):
                messages.warning(self.request, note)
        return response


password_reset_from_key_view = PortalPasswordResetFromKeyView.as_view()
