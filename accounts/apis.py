"""Portal API: the signed-in user (`/me`, `/me/regions`, `/me/password`, `/me/authorizationmethods`),
the user directory (`/portalusers`), and the account lifecycle calls the portal leaves to its web
pages (501 with the page to use).

The directory finds users by username or name prefix (accounts.selectors.user_search) and never
exposes an email address; an empty search lists nobody, so the directory cannot be enumerated.
"""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema

from accounts import selectors, services
from accounts.models import User
from accounts.validators import validate_person_name
from portal.api_lists import PageParams, list_page, paginate
from portal.apiauth.services import wait_text
from portal.common.clientip import client_ip
from portal.common.errors import ApplicationError, NotFoundError, TooManyRequestsError
from portal.common.ninja_compat import Status

router = Router(tags=["Me", "PortalUsers"])

ERR_USER_NOT_FOUND = "User {username} not found"


class UserOut(Schema):
    Username: str | None
    Name: str | None
    Email: str
    TermsAccepted: str | None = None
    Country: str | None = None
    Region: str | None = None
    SCAdmin: bool = False
    Verified: bool = False


class UserSearchResultOut(Schema):
    Username: str
    Name: str | None


class RegionOut(Schema):
    Id: str
    Name: str
    AzureRegion: str


class DevRegionAccessOut(Schema):
    Region: RegionOut
    CanCreateQa: bool = False
    CanCreateProduction: bool = False
    CanCreateSandbox: bool = True


class PortalUserListParams(PageParams):
    search: str | None = None


def verified_email_exists():
    """An Exists() for annotating users with `email_verified` (their email is a confirmed address),
    so that a list serializes every user's "Verified" without one query per row."""
    return Exists(EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True))


def user_out(user: User) -> dict:
    verified = getattr(user, "email_verified", None)  # annotated by lists: verified_email_exists()
    if verified is None:
        verified = EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
    return {
        "Username": user.username,
        "Name": user.name or None,
        "Email": user.email,
        "SCAdmin": user.is_staff,
        "Verified": verified,
    }


def user_search_result_out(user: User) -> dict:
    return {"Username": user.username, "Name": user.name or None}


def _region_access(user: User) -> list[dict]:
    from organizations import selectors as org_selectors

    rows = []
    for row in org_selectors.region_access(user=user):
        region = row["Region"]
        if not isinstance(region, dict):  # an organizations.environments.Region
            region = {"Id": region.id, "Name": region.name, "AzureRegion": region.azure_region}
        rows.append(
            {
                "Region": region,
                "CanCreateQa": False,
                "CanCreateSandbox": bool(row.get("CanCreateSandbox", True)),
                "CanCreateProduction": bool(row.get("CanCreateProduction", False)),
            }
        )
    return rows


@router.get("/me", response=UserOut, summary="The signed-in portal user", operation_id="CurrentUser_Get", tags=["Me"])
def me_get(request: HttpRequest):
    return user_out(request.auth)


@router.get(
    "/me/regions",
    response=list_page(DevRegionAccessOut),
    summary="Regions where the signed-in user may create organizations",
    operation_id="CurrentUser_ListRegions",
    tags=["Me"],
)
def me_regions_list(request: HttpRequest, params: Query[PortalUserListParams]):
    rows = _region_access(request.auth)
    if params.search:
        needle = params.search.strip().lower()
        rows = [r for r in rows if needle in r["Region"]["Id"].lower() or needle in r["Region"]["Name"].lower()]
    return paginate(rows, page=params.page, page_size=params.pageSize, serialize=lambda r: r)


@router.get(
    "/portalusers",
    response=list_page(UserSearchResultOut),
    summary="Find portal users by username or name (at most 10; never their email)",
    operation_id="PortalUsers_List",
    tags=["PortalUsers"],
)
def portal_user_list(request: HttpRequest, params: Query[PortalUserListParams]):
    users = list(selectors.user_search(query=params.search or ""))
    return paginate(users, page=params.page, page_size=params.pageSize, serialize=user_search_result_out)


@router.get(
    "/portalusers/{username}",
    response=UserSearchResultOut,
    summary="One portal user by username",
    operation_id="PortalUsers_Get",
    tags=["PortalUsers"],
)
def portal_user_get(request: HttpRequest, username: str):
    user = selectors.user_get_by_username(username=username)
    if user is None or not user.username:
        raise NotFoundError(
            ERR_USER_NOT_FOUND.format(username=username), extra={"ObjectType": "User", "ObjectID": username}
        )
    return user_search_result_out(user)


# --- the account, as the SDK's CurrentUser changes it ------------------------------------------
ERR_EMAIL_ON_THE_WEB = (
    "The email address is changed on the web, where the new address is confirmed by mail first: "
    "Profile > Email ({url}). Send the Email you have ({email}) or leave it out."
)
ERR_NO_PASSWORD_YET = (
    "This account has no password yet (it signs in with GitHub or Google): set one on the web, "
    "Profile > Authentication ({url})."
)
ERR_CURRENT_PASSWORD_MISSING = services.ERR_CURRENT_PASSWORD_MISSING
ERR_CURRENT_PASSWORD_WRONG = services.ERR_CURRENT_PASSWORD_WRONG
AUTH_METHOD_NAMES = services.PROVIDER_API_NAMES
NAME_MAX_LENGTH = User._meta.get_field("name").max_length
# worded as the API's other length errors (portal.api_lists.ERR_VALUE_TOO_LONG); the web Profile page has
# no message of its own for it (its form field's max_length answers with Django's)
ERR_NAME_TOO_LONG = "Name is too long: at most {limit} characters; this one has {length}."
ERR_CURRENT_PASSWORD_TOO_MANY_WAIT = "Too many wrong passwords for this account: try again in {wait}."


class UserIn(Schema):
    """PUT /me: what may change is the Name and the Username; the other fields of the User the SDK
    sends back (Email, Verified, TermsAccepted, SCAdmin...) are read-only and ignored, except an
    Email other than the account's, which is refused rather than silently dropped."""

    Username: str | None = None
    Name: str | None = None
    Email: str | None = None


class PasswordChangeIn(Schema):
    NewPassword: str
    CurrentPassword: str | None = None
    RefreshToken: str | None = None  # sent by the SDK; every Portal API session ends anyway
    Recaptcha: dict | None = None


class AuthMethodOut(Schema):
    Name: str


class LinkOut(Schema):
    RedirectUrl: str


class NotOfferedError(ApplicationError):
    status_code = 501
    code = "NotImplemented"


def _web(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(reverse(name))


def _name_length_check(name: str) -> None:
    """ValidationError on "Name" (Data.Field "Name", as the body spells it) for a name longer than the
    account's field. Too long was the model's "Ensure this value has at most 150 characters (it has
    151)." on the field "name" (PUT /me) or, on PostgreSQL, a 500 (POST /verify)."""
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"Name": [ERR_NAME_TOO_LONG.format(limit=NAME_MAX_LENGTH, length=len(name))]})


def _name_check(name: str) -> None:
    """A person's name as PUT /me takes it: its length, then accounts.validators.validate_person_name."""
    _name_length_check(name)
    try:
        validate_person_name(name)
    except ValidationError as exc:
        raise ValidationError({"Name": exc.messages}) from exc


@router.put(
    "/me",
    response=UserOut,
    summary="Change your name or portal username (the email address is changed on the web)",
    operation_id="CurrentUser_Save",
    tags=["Me"],
)
def me_save(request: HttpRequest, payload: UserIn):
    user = User.objects.get(pk=request.auth.pk)
    if payload.Email is not None and payload.Email.strip().lower() != (user.email or "").lower():
        raise ApplicationError(
            ERR_EMAIL_ON_THE_WEB.format(url=_web(request, "account_email"), email=user.email),
            extra={"Field": "Email"},
        )
    name = user.name if payload.Name is None else payload.Name.strip()
    if payload.Name is not None:
        _name_check(name)
    username = None
    if payload.Username is not None and payload.Username != user.username:
        username = payload.Username
    try:
        user = services.user_profile_update(user=user, name=name, username=username)
    except services.UsernameError as exc:
        raise ApplicationError(exc.message, extra={"Field": "Username"}) from exc
    return user_out(user)


@router.put(
    "/me/password",
    response=UserOut,
    summary="Change your password (CurrentPassword required); every portal session ends, so sign in again",
    operation_id="CurrentUser_ChangePassword",
    tags=["Me"],
)
def me_password_change(request: HttpRequest, payload: PasswordChangeIn):
    user = User.objects.get(pk=request.auth.pk)
    if not user.has_usable_password():
        # setting a first password proves nothing about who holds this token: the web asks for
        # a fresh GitHub/Google sign-in first
        raise ApplicationError(ERR_NO_PASSWORD_YET.format(url=_web(request, "account_set_password")))
    try:
        user = services.user_password_change(user=user, current=payload.CurrentPassword, new=payload.NewPassword,
                                             client_ip=client_ip(request))
    except TooManyRequestsError as exc:
        # the sign-in failures' lock (portal.apiauth.services): say how long it still lasts, not "15 minutes"
        wait = getattr(exc.__cause__, "retry_after", None)
        if not wait:
            raise
        error = TooManyRequestsError(ERR_CURRENT_PASSWORD_TOO_MANY_WAIT.format(wait=wait_text(wait)))
        error.retry_after = wait
        raise error from exc
    return user_out(user)


def _mails_rate_limit(*, kind: str, request: HttpRequest) -> None:
    """accounts.services_register.mails_rate_limit, whose 429 lasts at most its window (Retry-After)."""
    from accounts.services_register import MAILS_WINDOW, mails_rate_limit

    try:
        mails_rate_limit(kind=kind, client_ip=client_ip(request))
    except TooManyRequestsError as exc:
        exc.retry_after = MAILS_WINDOW  # the window's end is not kept: its length
        raise


@router.get(
    "/me/authorizationmethods",
    response=list[AuthMethodOut],
    summary="How you sign in: Password, Github, Google",
    operation_id="CurrentUser_ListAccounts",
    tags=["Me"],
)
def me_auth_methods_list(request: HttpRequest):
    methods = [{"Name": "Password"}] if request.auth.has_usable_password() else []
    providers = SocialAccount.objects.filter(user=request.auth).order_by("provider", "pk").values_list(
        "provider", flat=True)
    seen = []
    for provider in providers:
        name = AUTH_METHOD_NAMES.get(provider, provider.title())
        if name not in seen:
            seen.append(name)
    return methods + [{"Name": name} for name in seen]


@router.post(
    "/me/authorizationmethods/{name}/link",
    response=LinkOut,
    summary="Where to link GitHub or Google: the web page that does it (a browser is needed for the provider)",
    operation_id="CurrentUser_LinkAccount",
    tags=["Me"],
)
def me_auth_method_link(request: HttpRequest, name: str):
    if name.lower() not in AUTH_METHOD_NAMES:
        raise NotFoundError(f"Authorization method {name} not found", extra={"ObjectType": "AuthorizationMethod",
                                                                             "ObjectID": name})
    return {"RedirectUrl": _web(request, "socialaccount_connections")}


@router.delete(
    "/me/authorizationmethods/{name}",
    response={204: None},
    summary="Unlink GitHub or Google (needs an open confirmation window; not your last way to sign in)",
    operation_id="CurrentUser_RemoveAccount",
    tags=["Me"],
)
def me_auth_method_remove(request: HttpRequest, name: str):
    from organizations.services import confirmation_consume

    # the house's "sudo": a token alone does not take a way to sign in away (the web asks for a
    # fresh sign-in); an open confirmation window does, and is used up
    provider = next((p for p, label in AUTH_METHOD_NAMES.items() if label.lower() == name.lower()), "")
    try:
        services.sign_in_method_remove(user=request.auth, provider=provider,
                                       confirmed=lambda user: confirmation_consume(user=user))
    except NotFoundError as exc:  # named as it was asked for
        raise NotFoundError(services.ERR_SIGN_IN_METHOD_NOT_FOUND.format(name=name),
                            extra={"ObjectType": "AuthorizationMethod", "ObjectID": name}) from exc
    return Status(204, None)


class RegistrationIn(Schema):
    Email: str
    Recaptcha: dict | None = None


class VerificationIn(Schema):
    Code: str
    Email: str
    Username: str
    Password: str
    Name: str | None = None
    Country: str | None = None  # the SDK's VerificationRequest has them; the portal keeps neither
    Region: str | None = None


@router.post(
    "/register",
    response={204: None, 429: dict},
    auth=None,
    summary="Sign up, step 1: email a 6-digit code (valid 5 minutes) for POST /verify; an address that has an "
            "account is mailed so instead, and the answer is the same",
    operation_id="Accounts_Register",
    tags=["Accounts"],
)
def register(request: HttpRequest, payload: RegistrationIn):
    from accounts.services_register import registration_code_send

    _mails_rate_limit(kind="register", request=request)
    registration_code_send(email=payload.Email, reset_url=_web(request, "account_reset_password"))
    return Status(204, None)


@router.post(
    "/verify",
    response={204: None},
    auth=None,
    summary="Sign up, step 2: the code, Username, Password (and Name) make the account, its address confirmed; "
            "then sign in with POST /oauth/token",
    operation_id="Accounts_Verify",
    tags=["Accounts"],
)
def verify(request: HttpRequest, payload: VerificationIn):
    from accounts.services_register import registration_verify

    # before the service's field checks, which do not check the length (their errors come together)
    _name_length_check((payload.Name or "").strip())
    registration_verify(email=payload.Email, code=payload.Code, username=payload.Username,
                        password=payload.Password, name=payload.Name or "")
    return Status(204, None)


class ForgotPasswordIn(Schema):
    Email: str
    Recaptcha: dict | None = None


class PasswordResetIn(Schema):
    Email: str
    Password: str
    Code: str


@router.post(
    "/forgotpassword",
    response={204: None, 429: dict},
    auth=None,
    summary="Email a 6-digit code (valid 5 minutes) for POST /resetpassword to an account's address; "
            "the answer is the same whether there is one",
    operation_id="Accounts_ForgotPassword",
    tags=["Accounts"],
)
def forgot_password(request: HttpRequest, payload: ForgotPasswordIn):
    from accounts.services_reset import password_reset_code_send

    _mails_rate_limit(kind="reset", request=request)
    password_reset_code_send(email=payload.Email)
    return Status(204, None)


@router.post(
    "/resetpassword",
    response=UserOut,
    auth=None,
    summary="Set a new password with the code POST /forgotpassword mailed; every session ends",
    operation_id="Accounts_ResetPassword",
    tags=["Accounts"],
)
def reset_password(request: HttpRequest, payload: PasswordResetIn):
    from allauth.account.adapter import get_adapter

    from accounts.services_reset import password_reset_by_code

    try:
        user = password_reset_by_code(email=payload.Email, code=payload.Code, password=payload.Password)
    except ValidationError as exc:
        raise ValidationError({"Password": exc.messages}) from exc
    # the new password signs in at once, here and on the web (a lock of failed sign-ins ends)
    get_adapter(request).login_failures_clear(request, user=user)
    return user_out(user)


def _not_offered(message: str, url_name: str):
    def view(request: HttpRequest):
        raise NotOfferedError(message.format(url=_web(request, url_name)))

    return view


_WEB = "Not offered by this portal's API: {what} on the web, {{url}}."
# The rest of the SDK's account lifecycle happens on the web pages, whose mails carry links (not the
# SDK's codes): each answers 501 naming the page to use, instead of a bare 404.
for _path, _method, _op, _message, _url_name, _anonymous in (
    ("/unlock", "post", "Accounts_Unlock",
     "Not offered by this portal's API, and not needed: after too many failed sign-ins a login is refused "
     "only until their 15-minute window ends; a password reset (POST /forgotpassword, then POST "
     "/resetpassword, or on the web, {url}) ends it at once.", "account_reset_password", True),
    ("/me/email", "put", "CurrentUser_ChangeEmail", _WEB.format(what="change your email address (Profile > Email)"),
     "account_email", False),
    ("/me/accept", "post", "CurrentUser_AcceptTerms",
     "This portal has no terms of use to accept (TermsAccepted stays empty); see {url}.", "home", False),
):
    getattr(router, _method)(
        _path, response={501: dict}, summary=f"Not offered by the API: {_op.split('_')[1]} on the web",
        operation_id=_op, tags=["Accounts" if _anonymous else "Me"], **({"auth": None} if _anonymous else {}),
    )(_not_offered(_message, _url_name))
