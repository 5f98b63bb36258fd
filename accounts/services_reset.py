"""Password reset by code: the Portal API's POST /forgotpassword and POST /resetpassword, as the
portal SDK calls them (Accounts.ForgotPassword, Accounts.ResetPassword).

The web's "Forgot password" mails a link; the SDK's flow mails a 6-digit code that the caller sends
back with the new password. The rules are the link's:
- only an account's primary address or a confirmed one gets a code (an unconfirmed extra address
  is nobody's), and nobody is told whether an account was found: the answer is the same, and no
  mail is sent otherwise;
- the code proves the address it was mailed to, and only that one: a reset through the account's
  unconfirmed primary address confirms it and takes the account (services.user_email_takeover);
- a new password ends every web and Portal API session (portal.apiauth.signals).

Codes are ActionCodeDevices named RESET_DEVICE (as the organization action codes): 6 digits, valid 5
minutes, single use, one mail a minute at most per account (django-otp's cooldown, kept silently:
a 429 would tell that the account exists), wrong codes throttled."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from accounts.models import User
from accounts.selectors import address_is_the_accounts
from portal.common.errors import ApplicationError

RESET_DEVICE = "account:password-reset"
_NAME = settings.PORTAL_NAME.replace("{", "{{").replace("}", "}}")  # the mail texts are format strings
ERR_RESET_CODE = (
    "This code does not reset a password for this address: it is wrong, expired or already used, or too "
    "many wrong codes were tried (wait a minute). Ask for a new one with POST /forgotpassword."
)
MAIL_SUBJECT = f"{_NAME}: Your code to reset your password is {{token}}"
MAIL_BODY = (
    f"Your code to reset your {_NAME} password is {{token}}\n\n"
    "It is valid for 5 minutes and can be used once. If you did not ask for it, ignore this email:\n"
    "your password stays as it is.\n"
)


def _account_for(email: str) -> User | None:
    """The active account whose primary or confirmed address `email` is (case-insensitive)."""
    email = (email or "").strip()
    if not email or len(email) > 254:
        return None
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        address = EmailAddress.objects.filter(email__iexact=email, verified=True, user__is_active=True).first()
        user = address.user if address is not None else None
    return user if user is not None and address_is_the_accounts(user, email) else None


@transaction.atomic
def password_reset_code_send(*, email: str) -> None:
    """Mail a reset code to `email` when it is an account's (else nothing, and nothing tells)."""
    from organizations.models import ActionCodeDevice

    user = _account_for(email)
    if user is None:
        return
    # the user's row first (as organization codes lock it): two sends at once make one device
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    device, _ = ActionCodeDevice.objects.select_for_update().get_or_create(
        user=user, name=RESET_DEVICE, defaults={"confirmed": False}
    )
    allowed, _info = device.generate_is_allowed()
    if not allowed:
        return
    device.email = email.strip().lower()  # the address the code proves
    device.mail_subject, device.mail_body = MAIL_SUBJECT, MAIL_BODY
    device.generate_challenge()


def password_reset_by_code(*, email: str, code: str, password: str) -> User:
    """Set `password` for the account of `email` with a code mailed there. ValidationError for a
    password the validators refuse (checked first: a weak password does not use the code up),
    ApplicationError(ERR_RESET_CODE) for anything wrong with the address or the code."""
    from accounts import services
    from organizations.models import ActionCodeDevice

    user = _account_for(email)
    # the same check whether or not the address has an account (the account's own username or name
    # in the message would tell that it has one)
    validate_password(password, User(email=(email or "").strip().lower()))
    if user is None:
        raise ApplicationError(ERR_RESET_CODE)
    email = email.strip().lower()
    with transaction.atomic():  # committed whatever the outcome: a wrong code counts (throttling)
        device = ActionCodeDevice.objects.select_for_update().filter(user=user, name=RESET_DEVICE).first()
        ok = (
            device is not None
            and (device.email or "").lower() == email
            and device.verify_is_allowed()[0]
            and device.verify_token((code or "").strip())
        )
    if not ok:
        raise ApplicationError(ERR_RESET_CODE)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.save(update_fields=["password", "updated_at"])
        if services.user_email_prove_by_reset(user=user, email=email):
            services.user_email_takeover(user=user, email=email, password_replaced=True)
    return user
