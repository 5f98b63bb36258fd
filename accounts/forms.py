from allauth.account.adapter import get_adapter
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.core.validators import MaxLengthValidator, MinLengthValidator
from django.db import IntegrityError, transaction

from accounts.selectors import address_is_the_accounts, email_claimed
from accounts.services import ERR_NEW_PASSWORD_SAME, UsernameError, username_clean
from accounts.validators import ERR_USERNAME_EMPTY, USERNAME_MAX_LENGTH, USERNAME_MIN_LENGTH, validate_person_name


USERNAME_HELP = "3-40 letters, digits, '-', '_' or '.'. People find you by it; it cannot be an email address."
USERNAME_ATTRS = {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
# the browser's hint of the username's length, as USERNAME_HELP and accounts.validators say (not on the
# sign-in box, which takes an email address as well)
USERNAME_LENGTH_ATTRS = {"minlength": str(USERNAME_MIN_LENGTH), "maxlength": str(USERNAME_MAX_LENGTH)}
# The length of the user's and allauth's email columns. Django's EmailField lets through up to 320
# characters: a longer address was a 500 on PostgreSQL (value too long) and silently kept on SQLite.
EMAIL_MAX_LENGTH = 254
ERR_EMAIL_TOO_LONG = f"An email address can have at most {EMAIL_MAX_LENGTH} characters."


def limit_email_length(form: forms.Form) -> None:
    """The form's `email` field refuses an address longer than the database keeps, and its input says so."""
    field = form.fields.get("email")
    if field is None:
        return
    field.max_length = EMAIL_MAX_LENGTH
    field.validators.append(MaxLengthValidator(EMAIL_MAX_LENGTH, message=ERR_EMAIL_TOO_LONG))
    field.widget.attrs["maxlength"] = str(EMAIL_MAX_LENGTH)


def portal_username_lengths(field: forms.Field) -> None:
    """The username `field`'s input hints the portal's lengths (3-40), and the field leaves the
    length to the portal's rule (accounts.validators, through the adapter or username_clean), which
    says it in the portal's words. allauth's sign-up field had minlength="1" and answered 41 characters
    with Django's "Ensure this value has at most 40 characters (it has 41)."."""
    field.validators = [v for v in field.validators if not isinstance(v, (MinLengthValidator, MaxLengthValidator))]
    field.widget.attrs.update(USERNAME_LENGTH_ATTRS)


class UsernameField(forms.CharField):
    """The portal username (Choose your username, Profile); the rule itself is username_clean's."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"required": ERR_USERNAME_EMPTY})
        kwargs.setdefault("help_text", USERNAME_HELP)
        kwargs.setdefault("widget", forms.TextInput(attrs={**USERNAME_ATTRS, **USERNAME_LENGTH_ATTRS}))
        super().__init__(**kwargs)


class LoginForm(AllauthLoginForm):
    """The sign-in box takes a username or an email: browsers and password managers fill in a
    username (allauth's widget says autocomplete="email")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].widget.attrs.update(USERNAME_ATTRS)


class SignupConflict(Exception):
    """A concurrent sign-up took the username or the email address after the form checked them;
    the form now carries the error (accounts.views.PortalSignupView shows the form again)."""


class SignupForm(AllauthSignupForm):
    """allauth's sign-up with the portal username's rules as the username's help text, so the
    input is described by them (aria-describedby); the adapter enforces them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_email_length(self)
        if "username" in self.fields:
            self.fields["username"].help_text = USERNAME_HELP
            self.fields["username"].widget.attrs.update(USERNAME_ATTRS)
            portal_username_lengths(self.fields["username"])

    def validate_unique_email(self, value):
        """allauth's, except that an address only added to another account and never confirmed there does
        not make it "already registered": it is nobody's yet (accounts.services.email_unconfirmed_extras_release
        drops it from that account when this sign-up is saved)."""
        if value and not email_claimed(value):
            self.account_already_exists = False
            return get_adapter().validate_unique_email(value)
        return super().validate_unique_email(value)

    def try_save(self, request):
        """allauth's, except that a sign-up that took the username or the email address between this
        form's checks and the save (a double-submit, two people at once) is answered as if it had come
        first: "This username is taken", or for the address allauth's answer to a registered one
        (nothing revealed). It was a 500 (IntegrityError)."""
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError:
            try:
                username_clean(username=self.cleaned_data.get("username"))
            except UsernameError as exc:
                self.add_error("username", exc.message)
                raise SignupConflict from None
            try:  # the email address: "already registered", or with enumeration prevention its email
                self.validate_unique_email(self.cleaned_data.get("email"))
            except forms.ValidationError as exc:
                self.add_error("email", exc)
                raise SignupConflict from None
            if not self.account_already_exists:
                raise
            return super().try_save(request)


class UsernameChooseForm(forms.Form):
    username = UsernameField(label="Username")

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_username(self):
        try:
            return username_clean(username=self.cleaned_data["username"], exclude=self.user)
        except UsernameError as exc:
            raise forms.ValidationError(exc.message) from exc


class ProfileForm(UsernameChooseForm):
    """Profile's name and username. Each field carries the value the page showed (a hidden
    "initial-" input): a field left as it was is not written, so saving the name on a page opened
    before the username was changed in another tab does not change the username back."""

    name = forms.CharField(label="Name", max_length=150, required=False, help_text="Shown to people in your organizations.",
                           validators=[validate_person_name])

    field_order = ["name", "username"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.show_hidden_initial = True

    @property
    def edited(self) -> set[str]:
        """The fields changed on the page (all of them for a post without the page's initial values)."""
        return {name for name in self.fields if self.add_initial_prefix(name) not in self.data or name in self.changed_data}

    def clean_username(self):
        if "username" not in self.edited:  # not written: the page's old value may be stale
            return (self.cleaned_data.get("username") or "").strip()
        return super().clean_username()


class SocialSignupForm(AllauthSocialSignupForm):
    """Shown by allauth only when a social sign-up cannot complete on its own (the provider's
    email address belongs to another account). It asks for an email only: the portal username is
    chosen on the next page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("username", None)
        limit_email_length(self)

    def validate_unique_email(self, value):
        """As the password sign-up's (SignupForm.validate_unique_email): another account's unconfirmed
        extra address is not taken."""
        if value and not email_claimed(value):
            self.account_already_exists = False
            return get_adapter().validate_unique_email(value)
        return super().validate_unique_email(value)

    def try_save(self, request):
        """allauth's, except that a sign-up that collides with another made since the form was checked
        (someone taking the typed address) raises SignupConflict instead of a 500 (IntegrityError);
        accounts.views.PortalSocialSignupView answers it. The save is atomic in the adapter
        (SocialAccountAdapter.save_user), which signs in instead when this provider account itself
        signed up meanwhile (a double-click on Continue): no transaction here, or that sign-in's
        session would be rolled back with it."""
        try:
            return super().try_save(request)
        except IntegrityError:
            raise SignupConflict from None

    @property
    def provider_email(self) -> str | None:
        """The address the provider gave (taken by another account, or the form would not show), if any."""
        addresses = self.sociallogin.email_addresses
        return addresses[0].email if addresses else None

    @property
    def provider_email_too_long(self) -> bool:
        """The provider's only address was longer than the portal keeps (accounts.adapters set it aside)."""
        from accounts.adapters import EMAIL_SET_ASIDE_STATE

        return bool((self.sociallogin.state or {}).get(EMAIL_SET_ASIDE_STATE))

    @property
    def typed_email_taken(self) -> bool:
        """The address typed into this form belongs to another account."""
        return self.is_bound and any(error.code == "email_taken" for error in self.errors.as_data().get("email", []))


class AddEmailForm(AllauthAddEmailForm):
    """Profile > Email: an address another account uses (as its sign-in email, or confirmed there) is
    refused, as sign-up refuses it. allauth's enumeration prevention would accept it and leave the
    conflict for later: the other account's owner could confirm it by mistake, "Make primary" then
    hit the unique constraint on users' emails, and sign-in by that email became ambiguous. An
    address another account only added and never confirmed is nobody's (as for sign-up): it can be
    added, and confirming it drops it from the other account (AccountAdapter.confirm_email)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_email_length(self)

    def clean_email(self) -> str:
        value = (self.cleaned_data.get("email") or "").lower()
        if value and email_claimed(value, exclude_user_id=self.user.pk):
            raise get_adapter().validation_error("email_taken")
        return super().clean_email()

    def save(self, request):
        """An account without an email address (from before every account needed one) gets the added
        address as its email, as if it had signed up with it: allauth kept it a secondary address, the
        account's email stayed empty and password resets still went nowhere."""
        email_address = super().save(request)
        if not self.user.email and email_address is not None and email_address.pk:
            email_address.set_as_primary(conditional=True)
        return email_address


class _PortalLabels:
    """allauth's password forms labelled as the rest of the portal writes ("New password", not
    "New Password"); the placeholder, which allauth sets to the label, follows."""

    labels: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.labels.items():
            if name in self.fields:
                self.fields[name].label = label
                self.fields[name].widget.attrs["placeholder"] = label


NEW_PASSWORD_LABELS = {"password1": "New password", "password2": "New password (again)"}


ERR_PASSWORD_CHANGED_ALREADY = (
    "Your password is already the new one you typed: it was changed a moment ago (by a first click on"
    " Change password, or in another tab). There is nothing more to do."
)


class ChangePasswordForm(_PortalLabels, AllauthChangePasswordForm):
    labels = {"oldpassword": "Current password", **NEW_PASSWORD_LABELS}

    def clean_oldpassword(self) -> str:
        """allauth's, except that a change sent again after it was made (a double-click, the form
        sent again from the back button or another tab) says so: it said "Please type your current
        password", as if the change had failed, and the user no longer knew which password was theirs."""
        try:
            return super().clean_oldpassword()
        except forms.ValidationError:
            typed_new = self.data.get("password1") or ""
            if typed_new and typed_new == self.data.get("password2") and self.user.check_password(typed_new):
                raise forms.ValidationError(ERR_PASSWORD_CHANGED_ALREADY, code="changed_already") from None
            raise

    def clean(self):
        """allauth's, refusing the current password as the new one: it said "Password successfully
        changed." and signed out every other session, while nothing had changed."""
        cleaned_data = super().clean()
        current, new = cleaned_data.get("oldpassword"), cleaned_data.get("password1")
        if current and new and new == current:
            self.add_error("password1", forms.ValidationError(ERR_NEW_PASSWORD_SAME, code="same_password"))
        return cleaned_data


class SetPasswordForm(_PortalLabels, AllauthSetPasswordForm):
    labels = {"password1": "Password", "password2": "Password (again)"}


class ResetPasswordKeyForm(_PortalLabels, AllauthResetPasswordKeyForm):
    labels = NEW_PASSWORD_LABELS



class ResetPasswordForm(AllauthResetPasswordForm):
    """allauth's "Forgot password", mailing a link only to an account whose primary or confirmed address
    was typed. An unconfirmed extra address got the account's reset link: someone who typed their own
    address was handed the account of whoever had added it. Nobody is told whether an account was
    found (allauth mails the address that it has none)."""

    def clean_email(self) -> str:
        email = super().clean_email()
        self.users = [user for user in self.users if address_is_the_accounts(user, email)]
        return email
