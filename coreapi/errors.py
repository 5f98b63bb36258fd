"""Errors of the core API, in OrderCloud's shapes.

Resource errors render as `{"Errors": [{"ErrorCode", "Message", "Data"}]}`; OAuth errors
(`OAuthError`) as `{"error", "error_description"}` with status 400. Messages are constants so tests
can assert them.
"""

from portal.common.errors import ApplicationError, NotFoundError

# --- messages ---------------------------------------------------------------------------------
MSG_NOT_FOUND = "Object not found."
MSG_ID_EXISTS = "An object with this ID already exists."
MSG_USERNAME_EXISTS = "Username must be unique."
MSG_INSUFFICIENT_ROLES = "User does not have role(s) required to perform this action."
MSG_INVALID_TOKEN = "Access token is invalid or expired."
MSG_MISSING_TOKEN = "An access token is required (Authorization: Bearer <token>)."
MSG_SELLER_ONLY = "This endpoint is for marketplace (seller) users only; use /v1/me for the buyer perspective."
MSG_NOT_OWNER = "Only the marketplace or the supplier that owns this {object_type} can change it."
MSG_OWNER_IS_YOUR_SUPPLIER = "OwnerID must be your supplier ({supplier}) or left out."
MSG_SUPPLIER_ROW = "Only marketplace (seller) users can create or delete a {object_type}."
MSG_SUPPLIER_ID_FIXED = "A supplier user cannot change its own supplier's ID."
MSG_MARKETPLACE_EXISTS = "A marketplace with this ID already exists in this environment."
MSG_BAD_PAGE = "page must be an integer of at least 1."
MSG_BAD_PAGE_SIZE = "pageSize must be an integer between 1 and 100."
# a boolean body field ("Active: Input should be ..." as pydantic words the other wrong types) and query parameter
MSG_BAD_BOOL = 'Input should be true or false (or the string "true" or "false")'
MSG_BAD_BOOL_PARAM = "{name} must be true or false."
MSG_BAD_SORT = "Invalid sortBy field: {field}. Sortable fields: {allowed}."
MSG_BAD_FILTER = "Invalid filter field: {field}. Filterable fields: {allowed}."
MSG_BAD_FILTER_VALUE = "Invalid filter value for {field}: {value!r} ({reason})."
MSG_BAD_SEARCH_ON = "Invalid searchOn field: {field}. Searchable fields: {allowed}."
MSG_BAD_SEARCH_TYPE = "Invalid searchType: {value}. Possible values: {allowed}."
MSG_SEARCH_TOO_MANY_TERMS = "search may have at most {limit} words."
MSG_SEARCH_TOO_LONG = "search is too long: at most {limit} characters; this one has {length}."
MSG_SEARCH_TOO_MANY_FIELDS = "searchOn may name at most {limit} fields; this one names {count}."
MSG_FILTER_VALUE_TOO_LONG = "Filter value for {field} is too long: at most {limit} characters; this one has {length}."
MSG_TOO_MANY_FILTER_VALUES = (
    "Too many filter values: a list request may have at most {limit} (each repeated filter and each | alternative "
    "counts); this one has {count}, {field_count} of them for {field}."
)
MSG_QUERY_TOO_LARGE = (
    "This request is too large for the database to run ({reason}): use fewer or shorter filter values, "
    "search words or searchOn fields."
)
MSG_BAD_DEPTH = "depth must be 'all' or a whole number of 1 or greater."
MSG_REQUIRED = "{field} is required."
MSG_INVALID_ID = "ID may contain only letters, digits, '-' and '_' (at most 100 characters)."
MSG_BODY_MISSING = "The request has no body; send a JSON object."
MSG_BODY_NOT_OBJECT = "The body must be a JSON object."  # as the Portal API says
MSG_WEBHOOK_BLOCKED = "The request was blocked by the pre-hook webhook '{name}'."
MSG_WEBHOOK_FAILED = "The pre-hook webhook '{name}' gave no valid answer ({reason}), so the request was not processed."

# Passwords (coreapi.passwords): what a security profile's PasswordConfig, or the platform minimum, refuses
MSG_PASSWORD_TOO_LONG = "Password is too long."
MSG_INSECURE_PASSWORD = "Password does not meet security requirements."
MSG_PASSWORD_REUSED = (
    "This password was used before: it may not be one of the user's last {limit} passwords (the current one "
    "included, LimitPasswordReuse)."
)
MSG_PASSWORD_EXPIRED = "Password has expired; an administrator or the user must set a new one."
MSG_PASSWORD_TOO_RECENT = (
    "The password was changed less than {minimum} minutes ago (MinimumPasswordAge): it can be changed again in "
    "{remaining} minute(s)."
)
MSG_ANONYMOUS_PASSWORD = (
    "An anonymous shopper's token cannot change a password: sign in with the user's username and password."
)
# Me.Patch / Save / RevokeTokens and the Me address writes with an anonymous shopper's token (Auth.Anonymous)
MSG_ANONYMOUS_ME_WRITE = (
    "An anonymous shopper's token cannot change the user it acts as: that user (the API client's "
    "DefaultContextUserName) is shared by every anonymous shopper, as are its addresses and tokens. Sign in with "
    "a username and password to change a user."
)
PASSWORD_INSECURE = "PasswordReset.InsecurePassword"
# OrderCloud's docs name no ErrorCode for these two: this API's choice
PASSWORD_EXPIRED = "PasswordReset.PasswordExpired"
PASSWORD_TOO_RECENT = "PasswordReset.MinimumPasswordAge"

OAUTH_INVALID_GRANT = "InvalidGrant"
OAUTH_INVALID_CREDENTIALS = "InvalidCredentials"
OAUTH_UNSUPPORTED_GRANT = "UnsupportedGrantType"
OAUTH_INVALID_REQUEST = "InvalidRequest"
OAUTH_MSG_CREDENTIALS = "Invalid username or password."
OAUTH_MSG_CLIENT = "The client ID is invalid, inactive, or not available to this user."
OAUTH_MSG_SECRET = "A valid client_secret is required for this API client."
OAUTH_MSG_SECRET_EXPIRED = "This client secret has expired. Use another of the API client's secrets."
OAUTH_MSG_REFRESH = "The refresh token is invalid, expired, revoked or already used."
OAUTH_MSG_NO_CONTEXT_USER = "This API client has no DefaultContextUserName, so client_credentials cannot be used."
OAUTH_MSG_FORM_ENCODED = (
    "The token request must be form-encoded (Content-Type: application/x-www-form-urlencoded, "
    "grant_type=...&client_id=...), not {content_type}."
)
OAUTH_MSG_CONTEXT_USER_INACTIVE = (
    "This API client's DefaultContextUserName, {username!r}, is not an active user of this marketplace, so "
    "client_credentials cannot be used: create or activate that user, or name another one."
)


class CoreApiError(ApplicationError):
    """An error with OrderCloud's ErrorCode and Data."""

    status_code = 400
    code = "InvalidRequest"

    def __init__(self, message: str, *, data=None, code: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.data = data
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code

    def as_body(self) -> dict:
        return {"Errors": [{"ErrorCode": self.code, "Message": self.message, "Data": self.data}]}


class InvalidRequest(CoreApiError):
    pass


class CoreObjectNotFound(CoreApiError, NotFoundError):
    status_code = 404
    code = "NotFound"

    def __init__(self, object_type: str, object_id: str, message: str = MSG_NOT_FOUND):
        super().__init__(message, data={"ObjectType": object_type, "ObjectID": object_id})
        self.object_type = object_type
        self.object_id = object_id


class IdExists(CoreApiError):
    status_code = 409
    code = "IdExists"


class InsufficientRoles(CoreApiError):
    status_code = 403
    code = "InsufficientRoles"

    def __init__(self, needed, message: str = MSG_INSUFFICIENT_ROLES):
        super().__init__(message, data={"SufficientRoles": list(dict.fromkeys(needed))})


class WebhookBlocked(CoreApiError):
    """A pre-hook answered `{"proceed": false, "body": ...}` (or no valid answer): the write is not
    made. ErrorCode and Data are what OrderCloud clients read (Headstart: `ErrorCode === 'blocked
    by web hook'`, then `Data.Body`)."""

    status_code = 400
    code = "blocked by web hook"

    def __init__(self, message: str, *, webhook_name: str, body=None):
        super().__init__(message, data={"WebhookName": webhook_name, "Body": body})


class InvalidToken(CoreApiError):
    status_code = 401
    code = "InvalidToken"


class MarketplaceExists(CoreApiError):
    status_code = 409
    code = "IdExists"


class OAuthError(ApplicationError):
    """Rendered as {"error", "error_description", "Errors": [...]}, status 400."""

    status_code = 400

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code

    def as_body(self) -> dict:
        # OAuth's own keys, plus the Errors array the official SDK reads for OrderCloudError.errorCode.
        return {
            "error": self.code,
            "error_description": self.message,
            "Errors": [{"ErrorCode": self.code, "Message": self.message, "Data": None}],
        }


class PasswordRefused(CoreApiError):
    """A password a user may not set (PasswordReset.InsecurePassword, with the user's effective
    requirements as Data) or not yet change (PasswordReset.MinimumPasswordAge)."""

    status_code = 400
    code = PASSWORD_INSECURE


class OAuthPasswordError(OAuthError):
    """The right password, which may not be used to sign in as it is (insecure or expired): OAuth's
    `invalid_grant`, with the reason as ErrorCode and the requirements as Data, so a client can
    ask for a new password."""

    def __init__(self, error_code: str, message: str, *, data=None):
        super().__init__("invalid_grant", message)
        self.error_code = error_code
        self.data = data

    def as_body(self) -> dict:
        return {
            "error": self.code,
            "error_description": self.message,
            "Errors": [{"ErrorCode": self.error_code, "Message": self.message, "Data": self.data}],
        }
