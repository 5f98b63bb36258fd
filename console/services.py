"""Console writes: tokens per (user, organization, context), proxied calls, history.

Rules (each has a test in console/tests/test_services.py):
- Every proxied call first re-checks the contributor's current access: a removed contributor gets
  NotFoundError even with a cached token (a view that has just looked the access up in the same
  request passes it as `membership`, so a call costs one lookup, not two); an impersonation context needs the matching Impersonate
  permission *now*; when the contributor's roles changed since the token was minted it is re-minted.
- A token that is expired or expires within TOKEN_MIN_VALIDITY seconds is refreshed *before* the
  call, under select_for_update on its row: concurrent calls wait for the one refresh and then use
  its result (exactly one refresh). Refresh = refresh_token grant against {CoreApiUrl}/oauth/token
  when there is a refresh token, else (or when that fails) a new organization token.
- A 401 from the API triggers one refresh-and-retry.
- Remote environments (a CoreApiUrl that is not the built-in API) get tokens from their own
  /oauth/token with the client_credentials grant of the API client the operator configured in
  CONSOLE_REMOTE_API_CLIENTS, scope = the contributor's roles; impersonation is built-in only. A remote
  token is used only for its own marketplace (_remote_marketplace_check).
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from console.client import CoreApiUnavailable, CoreResponse, core_request, is_builtin, within_call_budget
from console.models import HISTORY_LIMIT, ConsoleRequest, ConsoleToken
from console.operations import REDACTED, SECRET_NAME_RE, is_secret_name, redacted_secret_names
from organizations import selectors as org_selectors
from organizations import services as org_services
from organizations.models import Organization
from organizations.permissions import IMPERSONATION_FLAG_OF_USER_KIND, Membership
from portal.common.errors import ApplicationError, NotFoundError, PermissionError_
from portal.common.rawsql import ModelColumns

logger = logging.getLogger(__name__)

TOKEN_MIN_VALIDITY = 30  # seconds: a token expiring sooner is refreshed before the call

ERR_ORG_NOT_FOUND = "Organization not found."
ERR_CONTEXT_INCOMPLETE = "Pick both an API client and a user to impersonate."
ERR_CONTEXT_USER_NOT_FOUND = "This user does not exist in the organization or cannot sign in through this API client."
ERR_CONTEXT_CLIENT_MISSING = "The API client {client_id} does not exist or is inactive."
ERR_CONTEXT_USER_MISSING = "The user {username} does not exist or is inactive."
ERR_CONTEXT_CANNOT_SIGN_IN = (
    "{username} cannot sign in through the API client {client_id}: it is not assigned to their company and "
    "does not allow every user of their kind."
)
ERR_IMPERSONATION_NOT_ALLOWED = org_services.ERR_IMPERSONATION_NOT_ALLOWED
ERR_NO_IMPERSONATION_LEFT = "You no longer hold a permission to impersonate users in this organization."
ERR_REMOTE_IMPERSONATION = "Impersonation is available on the built-in core API only."
ERR_REMOTE_NOT_CONFIGURED = (
    "This organization's core API is remote and no console API client is configured for it "
    "(CONSOLE_REMOTE_API_CLIENTS)."
)
ERR_REMOTE_OTHER_MARKETPLACE = (
    "The console's API client for {key} signs in to the marketplace {marketplace}, not to this organization's "
    "({oc_id}), so the console does not use it here. Configure this organization's own API client in "
    "CONSOLE_REMOTE_API_CLIENTS (\"{environment}/{oc_id}\")."
)
ERR_REMOTE_MARKETPLACE_UNKNOWN = (
    "The console's API client for every {environment} organization is not used for {oc_id}: an API client "
    "belongs to one marketplace, and the core API's token does not say it is this one. Configure this "
    "organization's own API client in CONSOLE_REMOTE_API_CLIENTS (\"{environment}/{oc_id}\")."
)
ERR_TOKEN_FAILED = "The core API refused to issue a token: {detail}"
ERR_TOKEN_SERVER_ERROR = (
    "The core API at {host} failed to issue a token (HTTP {status}). Try again in a minute; if it keeps "
    "failing, the API is down or the environment's core API URL is wrong."
)
ERR_TOKEN_NOT_A_TOKEN = (
    "The core API at {host} answered the token request with something that is not a token. "
    "Check the environment's core API URL: it must be the API's base URL, not a web page."
)
ERR_PATH_INVALID = "The path must start with /v1/."
ERR_METHOD_INVALID = "Unsupported method."

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# Passwords and secrets typed into a request body (Users.Create Password, ApiClients.Create
# ClientSecret, Webhooks.Create HashKey and CustomAuthHeaderValue, ...; operations.is_secret_name)
# or a filter are sent but never kept in the history: it is stored in clear, shown again when an
# entry is opened, and outlives the request by far.
# (REDACTED, the placeholder kept instead, comes from console.operations, which refuses to send it)
SECRET_FIELD_RE = SECRET_NAME_RE
ERR_HISTORY_REDACTED = (
    "The history does not keep the {names} this request sent (it shows ********), so it is not sent again "
    "as it is: open it with Edit, type the value again and send it."
)

class ConsoleError(ApplicationError):
    pass


MSG_USER_HAS_NO_ROLES = (
    "{username} holds no role: no security profile is assigned to them, their company or one of their user "
    "groups, so the token has none and every call will be refused (403). Assign one "
    "(SecurityProfiles.SaveAssignment), then pick {username} again."
)
MSG_NO_SHARED_ROLES = (
    "{username} and you hold no role in common, so the token has none and every call will be refused (403). "
    "The token gets the roles you both hold; yours here: {roles}. Ask an admin of this organization for the "
    "roles {username} uses, or pick another user."
)


@dataclass(frozen=True)
class Context:
    """Whose token the console uses: the contributor ("self") or an impersonated core user."""

    client_id: str = ""
    username: str = ""

    @property
    def is_self(self) -> bool:
        return not self.client_id and not self.username

    @property
    def label(self) -> str:
        return "you" if self.is_self else f"{self.username} via {self.client_id}"


SELF = Context()


# --- access -----------------------------------------------------------------------------------------
def _membership(*, user, organization: Organization, membership: Membership | None = None) -> Membership:
    """The contributor's access right now; NotFoundError when they have none (removed, deleted org).
    `membership`: the access the caller looked up (organizations.selectors.membership_get) earlier
    in the same request, used as is when it belongs to this user and organization."""
    if (
        membership is not None
        and getattr(membership.organization, "pk", None) == organization.pk
        and getattr(membership.user, "pk", None) == user.pk
    ):
        return membership
    organization = Organization.objects.filter(pk=organization.pk).first() or organization
    try:
        return org_selectors.membership_get(actor=user, organization=organization)
    except NotFoundError as exc:
        raise NotFoundError(ERR_ORG_NOT_FOUND) from exc


def _check_context(*, membership: Membership, organization: Organization, context: Context, user_type: str = "") -> None:
    if context.is_self:
        return
    if not context.client_id or not context.username:
        raise ConsoleError(ERR_CONTEXT_INCOMPLETE)
    if not is_builtin(organization.core_api_url):
        raise ConsoleError(ERR_REMOTE_IMPERSONATION)
    if not membership.can_impersonate:
        raise NotFoundError(ERR_CONTEXT_USER_NOT_FOUND)  # the option does not exist for them
    if user_type and not membership.holds_flag(IMPERSONATION_FLAG_OF_USER_KIND.get(user_type, "impersonate_seller")):
        raise PermissionError_(ERR_IMPERSONATION_NOT_ALLOWED)


def _context_text_ok(context: Context) -> bool:
    """Whether a context's client ID and username could name anything: no NUL (PostgreSQL can
    neither store nor compare it) and no longer than the columns that keep them."""
    limit = ConsoleToken._meta.get_field("client_id").max_length
    return all("\x00" not in value and len(value) <= limit for value in (context.client_id, context.username))


def console_context_check(*, organization: Organization, context: Context) -> None:
    """Before the console page shows an impersonation context: its API client and user still
    exist, are active and the user can still sign in through the client (a stored token outlives
    them until it expires or the API refuses it). NotFoundError otherwise. Built-in API only."""
    if context.is_self or not is_builtin(organization.core_api_url):
        return
    if not _context_text_ok(context):
        raise NotFoundError(ERR_CONTEXT_USER_NOT_FOUND)
    problem = _context_problem(organization=organization, context=context)
    if problem:
        raise NotFoundError(problem)


def _context_problem(*, organization: Organization, context: Context) -> str:
    """What keeps an impersonation context of the built-in API from working, in a user's words
    ("" when nothing does): the API client or the user is gone or inactive, or the user cannot sign
    in through the client."""
    from coreapi.models import ApiClient, CoreUser
    from coreapi.selectors import api_client_can_sign_in
    from organizations import environments

    marketplace = {"marketplace__environment": environments.environment_slug(organization.environment),
                   "marketplace__marketplace_id": organization.oc_id}
    client = ApiClient.objects.filter(**marketplace, oc_id=context.client_id, active=True).first()
    if client is None:
        return ERR_CONTEXT_CLIENT_MISSING.format(client_id=context.client_id)
    user = CoreUser.objects.filter(**marketplace, username=context.username, active=True).first()
    if user is None:
        return ERR_CONTEXT_USER_MISSING.format(username=context.username)
    if not api_client_can_sign_in(client=client, user=user):
        return ERR_CONTEXT_CANNOT_SIGN_IN.format(username=context.username, client_id=context.client_id)
    return ""


def impersonation_lost_reason(*, membership: Membership, exc: ApplicationError) -> str:
    """Why an impersonation context cannot be used (any more)."""
    return ERR_NO_IMPERSONATION_LEFT if not membership.can_impersonate else exc.message


def impersonation_lost_message(*, context_label: str, membership: Membership, exc: ApplicationError) -> str:
    """Why the console switched an impersonation context back to the user's own access.
    `context_label`: the context as the context bar and history name it ("<username> via <AppName>")."""
    reason = impersonation_lost_reason(membership=membership, exc=exc)
    return f"Impersonating {context_label} is no longer possible: {reason} Switched back to your own access."


MSG_CONTEXT_SWITCHED_ELSEWHERE = (
    "Not sent: since this page was loaded, the context was switched (in another tab or window) from {shown} to "
    "{current}. Reload the page to send as {current}, or switch context."
)
MSG_REVEAL_CONTEXT_LOST = "No token to show: this request was sent as {context}, which is no longer possible: {reason}"
MSG_RERUN_CONTEXT_LOST = (
    "Not re-run: this request was sent as {context}, which is no longer possible: {reason} Your context is "
    "unchanged ({current}); open the request with Edit to send it as {current}."
)


# --- tokens -----------------------------------------------------------------------------------------
def _claims(access_token: str) -> dict:
    """The JWT payload, unverified (only to show roles and the user type; the API verifies)."""
    try:
        payload = access_token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        data = json.loads(base64.urlsafe_b64decode(payload.encode()))
        return data if isinstance(data, dict) else {}
    except (IndexError, ValueError):
        return {}


def _roles_from(response: dict, claims: dict) -> list[str]:
    if response.get("granted_roles") is not None:
        return list(response["granted_roles"])
    role = claims.get("role") or []
    return [role] if isinstance(role, str) else [str(r) for r in role]


def _store(row: ConsoleToken, response: dict, *, access_roles: list[str], refreshed: bool) -> None:
    claims = _claims(response["access_token"])
    row.access_token = response["access_token"]
    row.refresh_token = response.get("refresh_token") or ""
    row.expires_at = timezone.now() + timedelta(seconds=int(response.get("expires_in") or 0))
    row.access_roles = access_roles
    row.granted_roles = _roles_from(response, claims)
    row.user_type = str(claims.get("usrtype") or row.user_type or "")
    if refreshed:
        row.refresh_count += 1
        row.refreshed_at = timezone.now()
    row.full_clean()
    row.save()


def _token_endpoint(organization: Organization) -> str:
    return f"{organization.core_api_url.rstrip('/')}/oauth/token"


def _oauth_post(organization: Organization, form: dict) -> dict | None:
    """POST {CoreApiUrl}/oauth/token; the token response, or None when the grant is refused."""
    response = core_request(
        method="POST",
        url=_token_endpoint(organization),
        data=form,
        headers={"Accept": "application/json"},
    )
    if response.status == 200:
        try:
            return _token_response(organization, response)
        except CoreApiUnavailable:
            return None
    logger.info("console: token grant %s refused with %s", form.get("grant_type"), response.status)
    return None


def _remote_credentials_entry(organization: Organization) -> tuple[str, dict | None]:
    """(the key of CONSOLE_REMOTE_API_CLIENTS that applies, its credentials): the organization's own
    ("<Environment>/<ID>") or else the environment's."""
    configured = getattr(settings, "CONSOLE_REMOTE_API_CLIENTS", {}) or {}
    for key in (f"{organization.environment}/{organization.oc_id}", organization.environment):
        if configured.get(key):
            return key, configured[key]
    return "", None


def _remote_credentials(organization: Organization) -> dict | None:
    return _remote_credentials_entry(organization)[1]


def _remote_marketplace_check(organization: Organization, response: dict) -> None:
    """A remote token is for this organization's marketplace, or it is not used (ConsoleError): an API
    client belongs to one marketplace, so an environment-wide console client would hand every
    organization of that environment (any user can create a Sandbox) a token to that one marketplace.
    A token naming its marketplace (`mkt`, as the built-in API's do) must name this one; one that does
    not is used only with the organization's own entry ("<Environment>/<ID>"), which the operator made
    for it."""
    key, _ = _remote_credentials_entry(organization)
    marketplace = _claims(response.get("access_token") or "").get("mkt")
    environment, oc_id = organization.environment, organization.oc_id
    if isinstance(marketplace, str) and marketplace:
        if marketplace.casefold() != oc_id.casefold():
            raise ConsoleError(ERR_REMOTE_OTHER_MARKETPLACE.format(
                key=key or environment, marketplace=marketplace, oc_id=oc_id, environment=environment))
    elif key != f"{environment}/{oc_id}":
        raise ConsoleError(ERR_REMOTE_MARKETPLACE_UNKNOWN.format(environment=environment, oc_id=oc_id))


def _mint(*, user, organization: Organization, membership: Membership, context: Context) -> dict:
    if is_builtin(organization.core_api_url):
        try:
            return org_services.organization_token(
                actor=user,
                organization=organization,
                client_id=context.client_id or None,
                username=context.username or None,
            )
        except NotFoundError as exc:  # unknown client/user, or a user of another org
            if context.is_self:
                raise NotFoundError(ERR_ORG_NOT_FOUND) from exc
            problem = _context_problem(organization=organization, context=context) if _context_text_ok(context) else ""
            raise NotFoundError(problem or ERR_CONTEXT_USER_NOT_FOUND) from exc
    credentials = _remote_credentials(organization)
    if not credentials:
        raise ConsoleError(ERR_REMOTE_NOT_CONFIGURED)
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials["client_id"],
        "scope": " ".join(membership.token_roles),
    }
    if credentials.get("client_secret"):
        form["client_secret"] = credentials["client_secret"]
    response = core_request(method="POST", url=_token_endpoint(organization), data=form,
                            headers={"Accept": "application/json"})
    token = _token_response(organization, response)
    _remote_marketplace_check(organization, token)
    return token


def _token_response(organization: Organization, response: CoreResponse) -> dict:
    """The token of a token endpoint's answer. A refusal (4xx) is a ConsoleError quoting the API's
    own error; a server error (5xx) or an answer that is no token (an HTML page, JSON without an
    access_token or with a non-numeric expires_in) is CoreApiUnavailable, never a 500 or the page's source."""
    host = urlsplit(organization.core_api_url).netloc
    try:
        data = response.json()
    except ValueError:  # not UTF-8 or not JSON
        data = None
    if response.status >= 500:
        raise CoreApiUnavailable(ERR_TOKEN_SERVER_ERROR.format(host=host, status=response.status))
    if response.status != 200:
        raise ConsoleError(ERR_TOKEN_FAILED.format(detail=_oauth_error_detail(response.status, data)))
    if not (isinstance(data, dict) and isinstance(data.get("access_token"), str) and data["access_token"]):
        raise CoreApiUnavailable(ERR_TOKEN_NOT_A_TOKEN.format(host=host))
    try:
        int(data.get("expires_in") or 0)
    except (TypeError, ValueError):
        raise CoreApiUnavailable(ERR_TOKEN_NOT_A_TOKEN.format(host=host)) from None
    return data


def _oauth_error_detail(status: int, data) -> str:
    """The API's words for a refused grant: OAuth's error_description, OrderCloud's Errors[0].Message."""
    if isinstance(data, dict):
        if isinstance(data.get("error_description"), str) and data["error_description"]:
            return data["error_description"][:200]
        errors = data.get("Errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict) and errors[0].get("Message"):
            return str(errors[0]["Message"])[:200]
        if isinstance(data.get("error"), str) and data["error"]:
            return data["error"][:200]
    return f"HTTP {status}"


def _refresh(*, row: ConsoleToken, user, organization: Organization, membership: Membership, context: Context) -> None:
    """Replace the row's token (caller holds the row lock). Same roles: try the refresh_token
    grant first; changed roles or a refused refresh: mint a new token."""
    access_roles = list(membership.token_roles)
    if row.refresh_token and row.access_roles == access_roles:
        form = {"grant_type": "refresh_token", "refresh_token": row.refresh_token}
        if row.client_id:
            form["client_id"] = row.client_id
        elif not is_builtin(organization.core_api_url):
            credentials = _remote_credentials(organization) or {}
            form["client_id"] = credentials.get("client_id", "")
        response = _oauth_post(organization, form)
        if response is not None:
            if not is_builtin(organization.core_api_url):
                _remote_marketplace_check(organization, response)
            _store(row, response, access_roles=access_roles, refreshed=True)
            return
    response = _mint(user=user, organization=organization, membership=membership, context=context)
    _store(row, response, access_roles=access_roles, refreshed=bool(row.access_token))


def _usable(row: ConsoleToken, membership: Membership, *, min_validity: int = TOKEN_MIN_VALIDITY) -> bool:
    return (
        bool(row.access_token)
        and row.expires_at > timezone.now() + timedelta(seconds=min_validity)
        and row.access_roles == list(membership.token_roles)
    )


@within_call_budget
def console_token_get(
    *,
    user,
    organization: Organization,
    context: Context = SELF,
    stale_access_token: str | None = None,
    membership: Membership | None = None,
    stored_token: ConsoleToken | None = None,
    context_checked: bool = False,
    renew: bool = False,
) -> ConsoleToken:
    """A usable token for this context, refreshed or minted when needed (see the module rules).
    `stale_access_token`: the token the API just answered 401 to; replaced unless already replaced.
    `membership`: the user's access as looked up earlier in this request (else looked up here).
    `stored_token`: this context's row as read earlier in this request (else read here).
    `context_checked`: console_context_check passed earlier in this request (not repeated).
    `renew`: mint a new token even if the stored one is usable (the user picked the context): a
    token carries the roles it was first issued with (a refresh never adds any), so a security
    profile assigned to the impersonated user since counts only in a new one."""
    membership = _membership(user=user, organization=organization, membership=membership)
    if not context.is_self and not _context_text_ok(context):  # before any query: typed in the context form
        raise NotFoundError(ERR_CONTEXT_USER_NOT_FOUND)
    if stored_token is not None and (
        stored_token.user_id == user.pk
        and stored_token.organization_id == organization.pk
        and stored_token.client_id == context.client_id
        and stored_token.username == context.username
    ):
        row = stored_token
    else:
        row = ConsoleToken.objects.filter(
            user=user, organization=organization, client_id=context.client_id, username=context.username
        ).first()
    if row is not None:
        _check_context(membership=membership, organization=organization, context=context, user_type=row.user_type)
        if stale_access_token is None and not renew and _usable(row, membership):
            if not is_builtin(organization.core_api_url):  # e.g. stored before the check existed
                _remote_marketplace_check(organization, {"access_token": row.access_token})
            return row
    else:
        _check_context(membership=membership, organization=organization, context=context)
        # a client and user that do not exist get no row: each one typed would be kept otherwise
        if not context_checked:
            console_context_check(organization=organization, context=context)
        try:
            with transaction.atomic():
                row = ConsoleToken.objects.create(
                    user=user, organization=organization, client_id=context.client_id, username=context.username,
                    expires_at=timezone.now(),
                )
        except IntegrityError:  # a concurrent call created it
            row = ConsoleToken.objects.get(
                user=user, organization=organization, client_id=context.client_id, username=context.username
            )
    with transaction.atomic():
        row = ConsoleToken.objects.select_for_update().get(pk=row.pk)
        needs = (
            not _usable(row, membership)
            if stale_access_token is None
            else row.access_token == stale_access_token or not _usable(row, membership)
        )
        if renew:
            response = _mint(user=user, organization=organization, membership=membership, context=context)
            _store(row, response, access_roles=list(membership.token_roles), refreshed=bool(row.access_token))
        elif needs:
            _refresh(row=row, user=user, organization=organization, membership=membership, context=context)
    _check_context(membership=membership, organization=organization, context=context, user_type=row.user_type)
    return row


def console_tokens_forget(*, user, organization: Organization) -> int:
    """Drop the user's stored tokens for an organization (e.g. when switching away for good)."""
    deleted, _ = ConsoleToken.objects.filter(user=user, organization=organization).delete()
    return deleted


# --- proxied calls ----------------------------------------------------------------------------------
@dataclass
class ConsoleCall:
    """The outcome of one proxied call, as the response panel shows it."""

    method: str
    url: str
    response: CoreResponse | None
    error: str = ""
    history: ConsoleRequest | None = None
    token: ConsoleToken | None = None

    @property
    def ok(self) -> bool:
        return self.response is not None and 200 <= self.response.status < 300


def _send_once(*, organization: Organization, token: ConsoleToken, method: str, path: str, query, body: str | None):
    headers = {"Authorization": f"Bearer {token.access_token}", "Accept": "application/json"}
    if body is not None and method in ("POST", "PUT", "PATCH"):
        headers["Content-Type"] = "application/json; charset=UTF-8"
    return core_request(
        method=method,
        url=f"{organization.core_api_url.rstrip('/')}{path}",
        headers=headers,
        params=list(query or []),
        body=body.encode("utf-8") if body is not None and method in ("POST", "PUT", "PATCH") else None,
    )


@within_call_budget
def console_request_send(
    *,
    user,
    organization: Organization,
    method: str,
    path: str,
    query: list[tuple[str, str]] | None = None,
    body: str | None = None,
    context: Context = SELF,
    operation_id: str = "",
    state: dict | None = None,
    record: bool = True,
    live: bool = False,
    membership: Membership | None = None,
    stored_token: ConsoleToken | None = None,
) -> ConsoleCall:
    """Send one request to the organization's core API with the context's token.

    Access errors (NotFoundError, PermissionError_, ConsoleError) are raised; an unreachable API
    or an oversized response is returned as `error` (and recorded in the history).
    `membership`, `stored_token`: the user's access and this context's token row as read earlier in
    this request (console_token_get). `live`: sent by a live edit of the builder (see
    console_history_record)."""
    method = (method or "").upper()
    if method not in METHODS:
        raise ConsoleError(ERR_METHOD_INVALID)
    if not path.startswith("/v1/") and path != "/v1":
        raise ConsoleError(ERR_PATH_INVALID)
    sent_at = timezone.now()  # the history's "When", and which of two live edits is the newer one
    url = f"{organization.core_api_url.rstrip('/')}{path}" + (f"?{urlencode(query)}" if query else "")
    error = ""
    response = None
    token = None
    membership = _membership(user=user, organization=organization, membership=membership)
    try:
        token = console_token_get(
            user=user, organization=organization, context=context, membership=membership, stored_token=stored_token
        )
        response = _send_once(organization=organization, token=token, method=method, path=path, query=query, body=body)
        if response.status == 401:
            token = console_token_get(
                user=user, organization=organization, context=context, stale_access_token=token.access_token,
                membership=membership,
            )
            response = _send_once(
                organization=organization, token=token, method=method, path=path, query=query, body=body
            )
    except CoreApiUnavailable as exc:
        error = exc.message
    except ApplicationError as exc:
        if exc.code in ("ResponseTooLarge",):
            error = exc.message
        else:
            raise
    call = ConsoleCall(method=method, url=url, response=response, error=error, token=token)
    if record:
        call.history = console_history_record(
            user=user,
            organization=organization,
            context=context,
            operation_id=operation_id,
            method=method,
            path=path,
            query=query or [],
            body=body or "",
            state=state or {},
            response=response,
            error=error,
            prune=False,
            live=live,
            sent_at=sent_at,
        )
    return call


# --- history ------------------------------------------------------------------------------------------
_HISTORY_ROW = ModelColumns(ConsoleRequest, "h")
HISTORY_PRUNE_EVERY = 10  # proxied calls prune the history on every 10th entry (by id), not on each


def console_history_record(
    *,
    user,
    organization: Organization,
    context: Context,
    operation_id: str,
    method: str,
    path: str,
    query: list,
    body: str,
    state: dict,
    response: CoreResponse | None,
    error: str = "",
    prune: bool = True,
    live: bool = False,
    sent_at=None,
) -> ConsoleRequest:
    """Keep the request (and its outcome) in the user's history; only the last HISTORY_LIMIT per
    organization are kept.

    One INSERT, no transaction (it is one statement; inside an outer transaction it joins it).
    `prune=False` (proxied calls: this runs on every one) drops older entries only when the new
    entry's id is a multiple of HISTORY_PRUNE_EVERY. Ids come from one sequence shared by all
    users, so that is every 10th entry of a user on average, not exactly: storage per user and
    organization stays around HISTORY_LIMIT + HISTORY_PRUNE_EVERY, not strictly under it. The
    history list shows the last HISTORY_LIMIT either way (selectors.history_list).

    `live` (a live edit of list options or filters sent it): typing "hoodie" in the search field
    sends six requests, which would push older entries out of the history. A burst of live edits
    leaves one entry, its last request (_history_replace_burst): a live send replaces the latest
    entry when that one was live too, of the same operation, path and context, sent at most
    LIVE_EDIT_GAP_SECONDS before it, in a burst whose first request was sent at most
    LIVE_BURST_SECONDS before it. Typing "shirt" is one entry; reading its answer, then searching
    "hoodie" is a second one; a Send's entry is never replaced. `sent_at`: when the request was
    sent (the entry's created_at, the history's "When": that of the request the entry keeps;
    default now). The page shows the answer to the latest edit and aborts the others, but the
    server still answers them: one sent before the latest entry of its burst and answered after it
    (a slow search overtaken by a quicker one) is not kept, so the entry is the request whose
    answer the page shows.

    Values of body fields named like a password or secret are replaced by REDACTED in the stored
    body, query and builder state (history_redact_secrets)."""
    body, query, state = history_redact_secrets(body=body, query=query, state=state)
    entry = ConsoleRequest(
        user=user,
        organization=organization,
        client_id=context.client_id[:100],
        username=context.username[:100],
        operation_id=operation_id[:100],
        method=method,
        path=path[:2000],
        query=[[str(k), str(v)] for k, v in query],
        body=body,
        state=state,
        status_code=response.status if response is not None else None,
        duration_ms=round(response.elapsed_ms) if response is not None else None,
        size_bytes=response.size if response is not None else None,
        error=error[:500],
        live=live,
        **({"created_at": sent_at} if sent_at is not None else {}),
    )
    if live:
        entry.burst_started_at = entry.created_at  # a new burst, unless it joins the latest entry's
        if _history_replace_burst(entry):
            return entry
    # Every value is cut to its column above and the method is one of METHODS; no full_clean (it
    # cost more than the INSERT). One INSERT without building it through the ORM (on every call).
    _HISTORY_ROW.insert(entry)
    if prune or entry.pk % HISTORY_PRUNE_EVERY == 0:
        console_history_prune(user=user, organization=organization)
    return entry


def _redacted(value):
    """`value` (parsed JSON) with every non-empty string under a secret-named key replaced."""
    if isinstance(value, dict):
        return {k: REDACTED if isinstance(v, str) and v and is_secret_name(k) else _redacted(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def history_redact_secrets(*, body: str, query: list | None = None, state: dict) -> tuple[str, list, dict]:
    """The body, query and builder state to keep in the history: passwords and secrets (in the
    body, or the value of a filter on such a field) replaced by REDACTED, and state["redacted"] set
    when anything was (a re-run then asks for the value again). Untouched (the same objects) when
    the request names no such field."""
    query = query if query is not None else []
    if (not SECRET_FIELD_RE.search(body or "") and not any(SECRET_FIELD_RE.search(k) for k in state)
            and not any(SECRET_FIELD_RE.search(str(name)) for name, _ in query)):
        return body, query, state
    redacted = False
    if body:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        cleaned = _redacted(parsed)
        if cleaned != parsed:
            body, redacted = json.dumps(cleaned), True
    if any(is_secret_name(name) and value for name, value in query):
        query = [(name, REDACTED if is_secret_name(name) and value else value) for name, value in query]
        redacted = True
    state = dict(state)
    for key, values in state.items():
        if key.startswith("body.") and is_secret_name(key[5:]) and any(values):
            state[key], redacted = [REDACTED if v else v for v in values], True
    fields, values = state.get("f.field") or [], state.get("f.value") or []
    if any(is_secret_name((name or "").strip()) for name in fields):
        state["f.value"] = [REDACTED if i < len(fields) and is_secret_name((fields[i] or "").strip()) and value
                            else value for i, value in enumerate(values)]
        redacted = redacted or state["f.value"] != values
    for text in state.get("body_json") or []:
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            continue
        cleaned = _redacted(parsed)
        if cleaned != parsed:
            state["body_json"], redacted = [json.dumps(cleaned, indent=2)], True
    if redacted:
        state["redacted"] = ["1"]
    return body, query, state


def history_redacted_names(entry: ConsoleRequest) -> list[str]:
    """The names of the passwords and secrets the history did not keep of this entry (body fields,
    fields in its JSON, filters), in order, each once."""
    names = [key[5:] for key, values in entry.state.items() if key.startswith("body.") and REDACTED in values]
    try:
        names += redacted_secret_names(json.loads(entry.body)) if entry.body else []
    except ValueError:
        pass
    names += [str(name) for name, value in entry.query if value == REDACTED and is_secret_name(name)]
    return list(dict.fromkeys(names))


def history_redacted_message(entry: ConsoleRequest) -> str:
    names = history_redacted_names(entry) or ["password or secret"]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return ERR_HISTORY_REDACTED.format(names=listed)


LIVE_EDIT_GAP_SECONDS = 5  # a live edit sent within this of the previous one continues its burst
LIVE_BURST_SECONDS = 30  # a burst of live edits ends this long after its first request


def _history_replace_burst(entry: ConsoleRequest) -> bool:
    """Replace the latest history entry with `entry` (live) when it belongs to the same burst of
    live edits, or drop `entry` when it was sent before that entry (superseded); sets entry.pk
    (and entry.burst_started_at to the burst's). False when there is no such entry: `entry` starts
    a new one.

    Same burst: the latest entry is live, of the same operation, path and context, sent at most
    LIVE_EDIT_GAP_SECONDS before `entry` (the edits follow one another: typing, not reading an
    answer and searching again), and its burst started at most LIVE_BURST_SECONDS before `entry`
    (each replacement moves created_at to the request kept, not the burst's start: a user who
    keeps editing gets an entry every LIVE_BURST_SECONDS, not one for the whole session).
    One SELECT, then at most one UPDATE."""
    latest = (
        ConsoleRequest.objects.filter(user=entry.user, organization=entry.organization)
        .order_by("-created_at", "-id")
        .values_list("pk", "live", "operation_id", "path", "client_id", "username", "created_at", "burst_started_at")
        .first()
    )
    if latest is None:
        return False
    pk, was_live, *same, created_at, started_at = latest
    if not was_live or same != [entry.operation_id, entry.path, entry.client_id, entry.username]:
        return False
    started_at = started_at or created_at  # an entry from before burst_started_at was kept
    if entry.created_at < created_at:  # superseded: the latest entry was sent after it
        entry.pk, entry.burst_started_at = pk, started_at
        return True
    if (entry.created_at - created_at).total_seconds() > LIVE_EDIT_GAP_SECONDS:
        return False  # a pause: a new lookup
    if (entry.created_at - started_at).total_seconds() > LIVE_BURST_SECONDS:
        return False  # a long burst: the entry so far stays, a new one goes on
    entry.burst_started_at = started_at
    fields = ("query", "body", "state", "status_code", "duration_ms", "size_bytes", "error", "created_at",
              "burst_started_at")
    if not ConsoleRequest.objects.filter(pk=pk).update(**{name: getattr(entry, name) for name in fields}):
        entry.burst_started_at = entry.created_at
        return False  # deleted in between (history cleared): insert instead
    entry.pk = pk
    return True


def console_history_prune(*, user, organization: Organization) -> int:
    """Delete the user's entries for this organization older than the last HISTORY_LIMIT."""
    mine = ConsoleRequest.objects.filter(user=user, organization=organization)
    kept = mine.order_by("-created_at", "-id").values("pk")[:HISTORY_LIMIT]
    deleted, _ = mine.exclude(pk__in=kept).delete()  # a fast delete: one DELETE statement
    return deleted


def console_history_clear(*, user, organization: Organization) -> int:
    deleted, _ = ConsoleRequest.objects.filter(user=user, organization=organization).delete()
    return deleted
