"""Authentication of the Portal REST API: the OAuth endpoints and the Bearer check.

`POST /oauth/token` (form-encoded) takes `grant_type=password` (username or email, password;
`recaptchaToken` is accepted and ignored) or `grant_type=refresh_token`. `POST /oauth/revoke`
takes `token` (a refresh token). Every other operation needs `Authorization: Bearer <jwt>`;
a bare `Bearer` (what the SDK sends with no stored token) is treated as anonymous: 401.
"""

from django.http import HttpRequest
from ninja import Form, Router, Schema
from ninja.security import HttpBearer

from portal.apiauth import services as auth_services
from portal.apiauth.services import OAuthError
from portal.common.clientip import client_ip
from portal.common.errors import ApplicationError
from portal.common.nul import request_has_nul

ERR_NUL_CHARACTER = "The request contains a NUL character, which no field may hold."
ERR_NOT_A_FORM = (
    "Send the token request form-encoded (Content-Type: application/x-www-form-urlencoded), "
    "as OAuth 2.0 requires; this one was {content_type}."
)
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class PortalBearer(HttpBearer):
    def __call__(self, request: HttpRequest):
        if request_has_nul(request):  # PostgreSQL cannot store or compare NUL: refuse before any query
            raise ApplicationError(ERR_NUL_CHARACTER)
        header = request.headers.get(self.header, "")
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None  # anonymous -> ninja's AuthenticationError -> 401 (portal.api handler)
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str):
        return auth_services.access_token_authenticate(token=token)


portal_bearer = PortalBearer()

router = Router(tags=["Auth"], auth=None)


class PortalAuthenticationOut(Schema):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class OAuthErrorOut(Schema):
    error: str
    error_description: str


@router.post(
    "/oauth/token",
    response={200: PortalAuthenticationOut, 400: OAuthErrorOut, 429: OAuthErrorOut},
    summary="Sign in (password grant) or refresh an access token",
    operation_id="Auth_Token",
)
def oauth_token(
    request: HttpRequest,
    grant_type: str = Form(None),
    username: str = Form(None),
    password: str = Form(None),
    refresh_token: str = Form(None),
    recaptchaToken: str = Form(None),  # noqa: N803 - the SDK's field name; not verified here
):
    if request_has_nul(request):
        raise OAuthError("invalid_request", ERR_NUL_CHARACTER)
    if grant_type == "password":
        tokens = auth_services.portal_token_password_grant(
            login=username or "", password=password or "", user_agent=request.headers.get("User-Agent", ""),
            client_ip=client_ip(request),
        )
    elif grant_type == "refresh_token":
        tokens = auth_services.portal_token_refresh_grant(refresh_token=refresh_token or "")
    elif not grant_type and request.content_type not in FORM_CONTENT_TYPES:
        # a JSON body (or none) has no grant_type form field: say what to send, not "grant_type must be..."
        raise OAuthError("unsupported_grant_type", ERR_NOT_A_FORM.format(content_type=request.content_type or "empty"))
    else:
        raise OAuthError("unsupported_grant_type", auth_services.ERR_GRANT_TYPE)
    return tokens.as_response()


@router.post(
    "/oauth/revoke",
    response={200: dict},
    summary="Sign out: revoke a refresh token and the access tokens issued with it",
    operation_id="Auth_Revoke",
)
def oauth_revoke(request: HttpRequest, token: str = Form(None)):
    auth_services.portal_token_revoke(token=token or "")
    return {}
