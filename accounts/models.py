from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.validators import USERNAME_MAX_LENGTH, is_valid_portal_username, validate_portal_username


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)

    @classmethod
    def normalize_email(cls, email):
        """The whole address in lower case, as allauth compares it (sign-in, password reset, the
        "already registered" checks): Django lowercases only the domain."""
        return (email or "").strip().lower()

    def _create_user(self, username, email, password, **extra_fields):
        if not email:
            raise ValueError("Users must have an email address.")
        email = self.normalize_email(email)
        user = self.model(username=username or None, email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, username=None, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(username, email, password, **extra_fields)

    def create_superuser(self, username, email, password=None, **extra_fields):
        """`manage.py createsuperuser` (the README's production set-up): the operator typed the address
        on the server, so it is recorded as confirmed and primary. Staff are emailed about Production
        requests only at a confirmed address, and with optional verification nothing else would ever
        ask this account to confirm it."""
        from allauth.account.models import EmailAddress

        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        user = self._create_user(username, email, password, **extra_fields)
        if user.email:
            EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person using the portal.

    `username` is the *portal username*: what contributors search for and what the Portal API
    puts in URLs. It is NULL until the person has chosen a valid one (a new social sign-up, or a
    legacy account whose username was an email address); such users are sent to the
    "Choose your username" page before anything else.
    """

    username = models.CharField(
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_portal_username],
        help_text="3-40 letters, digits, '-', '_' or '.'; not an email address.",
    )
    name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username or self.email

    def save(self, *args, **kwargs):
        if self.username is not None:
            self.username = self.username.strip() or None
        # however the row is written (sign-up, createsuperuser, the admin site, a script)
        self.email = UserManager.normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def has_valid_username(self) -> bool:
        return is_valid_portal_username(self.username)

    @property
    def display_name(self) -> str:
        return self.name or self.username or self.email.split("@")[0]

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else (self.username or "")


class UserSession(models.Model):
    """Which web session (django_session's key) is signed in as which user: Django's sessions have no
    index by user, so ending a user's sessions (accounts.services.user_email_takeover) read every
    unexpired one. Written when a signed-in session is saved and removed when it is deleted or cycled
    (portal.common.sessions.SessionStore); a row whose session expired is removed by clearsessions."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "session_key"], name="user_session_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_key[:8]}…"


class EmailReleaseNotice(models.Model):
    """An address this user had added on Profile › Email and never confirmed was taken by another
    account (confirmed there, or used to sign up) and dropped from this one
    (accounts.services.email_unconfirmed_extras_release). Profile › Email says so once, the next time
    the user opens it (and signing in points there); the other account is never named."""

    class Reason(models.TextChoices):
        CONFIRMED = "confirmed", "confirmed by another account"
        SIGNED_UP = "signed_up", "used to sign up for another account"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(max_length=254)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email} ({self.reason})"
