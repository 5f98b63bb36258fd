from allauth.account.utils import filter_users_by_email
from allauth.socialaccount.admin import SocialAppAdmin, SocialAppForm
from allauth.socialaccount.models import SocialApp
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.forms import UsernameField as DjangoUsernameField
from django.core.validators import MaxLengthValidator

from accounts.adapters import provider_env_variables, settings_configured_providers
from accounts.models import User, UserManager
from accounts.services import PROVIDER_NAMES, user_email_make_primary
from accounts.validators import ERR_USERNAME_TOO_LONG, validate_person_name

# the admin's answer to an address another account has (as its email, or added under Profile > Email)
ERR_ADMIN_EMAIL_TAKEN = "Another account already uses this email address (addresses are compared ignoring case)."
# Social applications › Add for a provider whose keys the environment gives ({provider}: its name)
ERR_SOCIAL_APP_IN_SETTINGS = (
    "{provider} sign-in is already configured by the server's environment ({variables}), and those keys are"
    " used. Change them there, or remove them from the environment to manage {provider}'s keys here."
)


class NullableUsernameField(DjangoUsernameField):
    """Django's username field, for a username that may be empty (NULL: the person chooses one at
    their next sign-in). Django's read an empty box as None and then took its length: a 500 on
    Add user and Change user when the username was left empty. A too long one gets the portal's
    message (accounts.validators), not Django's "Ensure this value has at most 40 characters"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators = [
            MaxLengthValidator(v.limit_value, message=ERR_USERNAME_TOO_LONG) if isinstance(v, MaxLengthValidator) else v
            for v in self.validators
        ]

    def to_python(self, value):
        if value in self.empty_values:
            return self.empty_value
        return super().to_python(value)


class _EmailMixin:
    """The email address in lower case (as it is stored) and refused, with a sentence, when another
    account uses it: the admin showed "Constraint “accounts_user_email_ci_unique” is violated." (with
    "User with this Email already exists." as well when the case matched), and let through an address
    another account had added under Profile > Email, which then signed in to two accounts."""

    def clean_email(self):
        email = UserManager.normalize_email(self.cleaned_data.get("email"))
        if email and any(user.pk != self.instance.pk for user in filter_users_by_email(email)):
            raise forms.ValidationError(ERR_ADMIN_EMAIL_TAKEN, code="email_taken")
        return email


class AdminUserCreationForm(_EmailMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
        field_classes = {"username": NullableUsernameField}


class AdminUserChangeForm(_EmailMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        field_classes = {"username": NullableUsernameField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "name" in self.fields:  # one line of visible text, as on Profile
            self.fields["name"].validators.append(validate_person_name)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    ordering = ["username"]
    list_display = ["username", "name", "email", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Profile", {"fields": ("name", "email")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or "email" in form.changed_data:  # the address staff typed is the account's primary one
            user_email_make_primary(user=obj)


class PortalSocialAppForm(SocialAppForm):
    """allauth's Social application form, refusing a provider whose app the settings give (from the
    environment): with both, the sign-in page showed two "Continue with GitHub" buttons and each was
    a 500 (allauth found two apps). accounts.adapters.SocialAccountAdapter.list_apps leaves out one
    saved before this check."""

    def clean_provider(self) -> str:
        provider = self.cleaned_data.get("provider")
        if provider in settings_configured_providers():
            raise forms.ValidationError(
                ERR_SOCIAL_APP_IN_SETTINGS.format(provider=PROVIDER_NAMES.get(provider, provider),
                                                  variables=provider_env_variables(provider)),
                code="configured_in_settings",
            )
        return provider


admin.site.unregister(SocialApp)


@admin.register(SocialApp)
class PortalSocialAppAdmin(SocialAppAdmin):
    form = PortalSocialAppForm
