"""API client and webhook screens of an organization. Every read and write goes through the
console proxy with the user's own console token (so the core API's role checks apply), and
nothing is cached: each page load asks the API again, so the webhook screen always lists the
current API clients."""

from __future__ import annotations

import json
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.validators import URLValidator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from console import once, selectors, services
from console.services import SELF
from console.views import _console_context, console_url, console_view
from coreapi.roles import expand as roles_expand
from portal.common import jsonbody
from portal.common.errors import ApplicationError

ERR_JSON_OBJECT = "Enter a JSON object, e.g. {}."
ERR_ROUTE = "One route per line: VERB route, e.g. POST v1/products."
ERR_API = "The core API answered {status}."
ERR_CLIENT_GONE = (
    "The API client %(value)s no longer exists (deleted since this page was loaded), so it is no longer offered: "
    "save again to assign the others."
)
ERR_EVENT_GONE = (
    "The integration event %(value)s no longer exists (deleted since this page was loaded), so it is no longer "
    "offered: choose another or (none)."
)
ERR_EXPIRATION_PAST = "Choose a time in the future (an expired secret could never be used)."
SECRETS_PER_CLIENT = 10  # the core API's limit (coreapi.models.ApiClientSecret), shown on the page
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class CoreCallError(ApplicationError):
    """The core API gave no answer to use (unreachable, timed out, no token): a gateway error."""

    status_code = 502
    code = "CoreApiUnavailable"


def _seg(value: str) -> str:
    """An ID from the page's address as one segment of a core API path: a '?', '#', '/' or '%' in it
    is part of the ID (which then does not exist), not a query string or fragment that would leave
    the ID before it (an address ending in /webhooks/hook-1%3Fx/delete/ deleted hook-1)."""
    return quote(value, safe="")


def _core(request, org, method: str, path: str, *, query=None, body=None):
    """(status, parsed JSON or None) of a call with the user's own token; no history entry."""
    call = services.console_request_send(
        user=request.user, organization=org, method=method, path=path, query=query or [],
        body=json.dumps(body) if body is not None else None, context=SELF, record=False,
    )
    if call.token is not None:  # the roles this request's calls are made with (_write_access)
        request.console_granted_roles = list(call.token.granted_roles or [])
    if call.response is None:
        raise CoreCallError(call.error)
    try:
        data = call.response.json() if call.response.content else None
    except ValueError:
        data = None
    return call.response.status, data


MSG_STILL_SAVING = (
    "This form was already sent and is still being saved, so it was not sent again: check the list before "
    "saving it once more."
)
MSG_WRITE_ROLE = ("Creating, changing or deleting {things} needs the {role} role, which your access does not "
                  "include. ")
MSG_DELETED_ALREADY = "{label} was already deleted."
MSG_ASK_ADMIN = "An Organization Admin can give you that role under the organization's Contributors."


def _api_errors(status: int, data) -> list[str]:
    if isinstance(data, dict) and isinstance(data.get("Errors"), list):
        out = []
        for e in data["Errors"]:
            details = e.get("Data") if isinstance(e.get("Data"), dict) else {}
            message = e.get("Message")
            if e.get("ErrorCode") == "NotFound" and details.get("ObjectType"):  # as the SDK words it
                message = f"{details['ObjectType']} {details.get('ObjectID') or ''} not found".replace("  ", " ")
            field = details.get("Field")
            roles = details.get("SufficientRoles") if e.get("ErrorCode") == "InsufficientRoles" else None
            if isinstance(roles, list) and roles:  # say which role to ask for, not only that one is missing
                message = f"{message} It needs one of: {', '.join(map(str, roles))}. {MSG_ASK_ADMIN}"
            out.append(f"{e.get('ErrorCode')}: {message}" + (f" ({field})" if field else ""))
        return out
    return [ERR_API.format(status=status)]


def _error_field(form: forms.Form, error: dict, details: dict, message: str) -> str | None:
    """The form field an API error is about: Data.Field, a message "Field: ...", the ID an IdExists
    names (the ID field), or a field named by a key of its Data ({"Username": ...}); else None."""
    candidates = [details.get("Field")]
    if ": " in message:
        candidates.append(message.split(": ", 1)[0])
    if error.get("ErrorCode") == "IdExists":
        candidates.append("ID")
    candidates += list(details)
    return next((name for name in candidates if isinstance(name, str) and name in form.fields), None)


def _form_api_errors(form: forms.Form, status: int, data) -> list[str]:
    """The API's refusal of a form's body: an error about one of the form's fields (_error_field)
    goes next to that field in the API's words (so it is marked aria-invalid and described by it);
    the rest is returned for the top of the form."""
    if not (isinstance(data, dict) and isinstance(data.get("Errors"), list)):
        return _api_errors(status, data)
    rest = []
    for error in data["Errors"]:
        details = error.get("Data") if isinstance(error.get("Data"), dict) else {}
        message = str(error.get("Message") or "")
        field = _error_field(form, error, details, message)
        if field:
            form.add_error(field, message.removeprefix(f"{field}: "))
        else:
            rest += _api_errors(status, {"Errors": [error]})
    return rest


WRITE_ROLES = {"apiclients": ("API clients", "ApiClientAdmin"), "webhooks": ("webhooks", "WebhookAdmin")}


def _write_access(request, kind: str, errors=()) -> dict:
    """Whether this page's calls were made with the role that writes `kind` ("apiclients" or
    "webhooks"), as the token's granted roles say (FullAccess implies it), and if not, the notice
    naming that role: New, Edit and Delete are then not offered (the API would refuse them). Read
    from the token of the calls already made for the page: no call or query of its own. No token
    (the API unreachable, none issued): allowed unless the page's calls failed."""
    things, role = WRITE_ROLES[kind]
    roles = getattr(request, "console_granted_roles", None)
    allowed = not errors if roles is None else role in roles_expand(roles)
    return {"can_write": allowed,
            "write_notice": "" if allowed or roles is None else MSG_WRITE_ROLE.format(things=things, role=role)
            + MSG_ASK_ADMIN}


LIST_PAGE_SIZE = 100  # the API's largest page
LIST_MAX_PAGES = 100  # 10,000 API clients, webhooks or events: more than any marketplace has


def _items(request, org, path: str, *, query=None) -> tuple[list[dict], list[str]]:
    """Every item of the list, page after page (a webhook's API clients beyond the first page are
    neither "missing" nor dropped when it is saved), or none and the errors to show above it (the
    API refused, is down or issued no token)."""
    items: list[dict] = []
    page = 1
    while True:
        paging = [("pageSize", str(LIST_PAGE_SIZE))] + ([("page", str(page))] if page > 1 else [])
        try:
            status, data = _core(request, org, "GET", path, query=[*paging, *(query or [])])
        except (CoreCallError, services.ConsoleError) as exc:
            return [], [exc.message]
        if status != 200 or not isinstance(data, dict):
            return [], _api_errors(status, data)
        items += list(data.get("Items") or [])
        total_pages = (data.get("Meta") or {}).get("TotalPages") if isinstance(data.get("Meta"), dict) else None
        if not isinstance(total_pages, int) or page >= min(total_pages, LIST_MAX_PAGES):
            return items, []
        page += 1


def _csv(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _json_object(value: str, *, allow_empty=True):
    value = (value or "").strip()
    if not value:
        if allow_empty:
            return {}
        raise forms.ValidationError(ERR_JSON_OBJECT)
    try:
        parsed = jsonbody.loads(value)
    except jsonbody.BodyRejected as exc:  # a field, not the request body: "Not valid JSON: ..."
        raise forms.ValidationError(str(exc).replace("The body is not valid JSON", "Not valid JSON")) from exc
    if not isinstance(parsed, dict):
        raise forms.ValidationError(ERR_JSON_OBJECT)
    return parsed


def _secret_input() -> forms.PasswordInput:
    """A secret (client secret, hash key, auth header value): masked (console.js adds Show), but
    rendered with its value, so saving unchanged keeps it and emptying the field clears it.
    new-password: a browser never fills in the user's own saved password here ("off" is ignored
    for password fields)."""
    return forms.PasswordInput(render_value=True, attrs={
        "autocomplete": "new-password", "spellcheck": "false", "autocapitalize": "off", "class": "grow"})


# --- API clients -------------------------------------------------------------------------------------
class ApiClientForm(forms.Form):
    AppName = forms.CharField(label="App name", max_length=200)
    Active = forms.BooleanField(required=False, initial=True)
    ClientSecret = forms.CharField(
        label="Client secret", required=False, max_length=200, widget=_secret_input(),
        help_text="Leave empty for none: the OAuth grants of this client then need no secret, unless it has one of "
                  "the secrets listed under Secrets.",
    )
    AccessTokenDuration = forms.IntegerField(label="Access token duration (minutes)", min_value=10, max_value=43200, initial=600)
    RefreshTokenDuration = forms.IntegerField(label="Refresh token duration (minutes)", required=False, min_value=0, max_value=525600)
    AnonymousTokenDuration = forms.IntegerField(label="Anonymous token duration (minutes)", required=False, min_value=10, max_value=43200)
    DefaultContextUserName = forms.CharField(label="Default context username", required=False, max_length=100)
    AllowSeller = forms.BooleanField(label="Allow seller (admin) users", required=False)
    AllowAnyBuyer = forms.BooleanField(label="Allow any buyer", required=False)
    AllowAnySupplier = forms.BooleanField(label="Allow any supplier", required=False)
    IsAnonBuyer = forms.BooleanField(label="Anonymous buyer client", required=False)
    OrderCheckoutIntegrationEventID = forms.ChoiceField(label="Order checkout integration event", required=False,
                                                        error_messages={"invalid_choice": ERR_EVENT_GONE})
    OrderReturnIntegrationEventID = forms.ChoiceField(label="Order return integration event", required=False,
                                                      error_messages={"invalid_choice": ERR_EVENT_GONE})
    AddToCartIntegrationEventID = forms.ChoiceField(label="Add to cart integration event", required=False,
                                                    error_messages={"invalid_choice": ERR_EVENT_GONE})
    MinimumRequiredRoles = forms.CharField(label="Minimum required roles", required=False, help_text="Comma-separated")
    MinimumRequiredCustomRoles = forms.CharField(label="Minimum required custom roles", required=False, help_text="Comma-separated")
    MaximumGrantedRoles = forms.CharField(label="Maximum granted roles", required=False, help_text="Comma-separated")
    MaximumGrantedCustomRoles = forms.CharField(label="Maximum granted custom roles", required=False, help_text="Comma-separated")
    xp = forms.CharField(label="xp (JSON)", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    EVENT_FIELDS = ("OrderCheckoutIntegrationEventID", "OrderReturnIntegrationEventID", "AddToCartIntegrationEventID")
    LIST_FIELDS = ("MinimumRequiredRoles", "MinimumRequiredCustomRoles", "MaximumGrantedRoles", "MaximumGrantedCustomRoles")

    def __init__(self, *args, events=(), deleted_events=(), **kwargs):
        """`deleted_events`: IDs the client names whose event no longer exists (deleted_event_ids)."""
        super().__init__(*args, **kwargs)
        choices = [("", "(none)")] + [(e.get("ID"), f"{e.get('Name') or e.get('ID')} ({e.get('ID')})") for e in events]
        for name in self.EVENT_FIELDS:
            current = self.initial.get(name) or (self.data.get(name) if self.is_bound else "")
            field_choices = list(choices)
            if current and current not in {c[0] for c in choices}:
                field_choices.append((current, f"{current} (deleted)" if current in deleted_events else current))
            self.fields[name].choices = field_choices

    @classmethod
    def deleted_event_ids(cls, client: dict | None) -> set[str]:
        """The integration event IDs the client names whose event was deleted since (the API keeps
        the ID; it names no event for it: its ...IntegrationEventName is null)."""
        gone = set()
        for name in cls.EVENT_FIELDS:
            event_name = name.removesuffix("ID") + "Name"
            if client and client.get(name) and event_name in client and client[event_name] is None:
                gone.add(client[name])
        return gone

    def clean_xp(self):
        return _json_object(self.cleaned_data.get("xp"))

    @classmethod
    def initial_from(cls, client: dict) -> dict:
        initial = {name: client.get(name) for name in cls.base_fields if name in client}
        for name in cls.LIST_FIELDS:
            initial[name] = ", ".join(client.get(name) or [])
        initial["xp"] = json.dumps(client.get("xp") or {}, indent=2)
        for name in cls.EVENT_FIELDS:
            initial[name] = client.get(name) or ""
        initial["ClientSecret"] = client.get("ClientSecret") or ""
        return initial

    def to_body(self) -> dict:
        data = self.cleaned_data
        body = {
            "AppName": data["AppName"],
            "Active": data["Active"],
            "ClientSecret": data.get("ClientSecret") or "",  # empty string clears the secret
            "DefaultContextUserName": data.get("DefaultContextUserName") or "",
            "AllowSeller": data["AllowSeller"],
            "AllowAnyBuyer": data["AllowAnyBuyer"],
            "AllowAnySupplier": data["AllowAnySupplier"],
            "IsAnonBuyer": data["IsAnonBuyer"],
            "xp": data.get("xp") or {},
        }
        for name in ("AccessTokenDuration", "RefreshTokenDuration", "AnonymousTokenDuration"):
            if data.get(name) is not None:
                body[name] = data[name]
        for name in self.EVENT_FIELDS:
            body[name] = data.get(name) or ""
        for name in self.LIST_FIELDS:
            body[name] = _csv(data.get(name))
        return body


@console_view
@require_safe
def api_client_list_view(request, org, membership):
    page = _console_context(request, org, membership, tab="apiclients")
    clients, errors = _items(request, org, "/v1/apiclients", query=[("sortBy", "AppName")])
    counts = selectors.api_client_secret_counts(organization=org, client_ids=[c.get("ID") for c in clients])
    for client in clients:
        client["secret_count"] = counts.get(client.get("ID"), 0)
        client["checkout_event_deleted"] = client.get("OrderCheckoutIntegrationEventID") in \
            ApiClientForm.deleted_event_ids(client)
    page.update(clients=clients, api_errors=errors, **_write_access(request, "apiclients", errors))
    return render(request, "console/api_clients.html", page)


class ApiClientSecretForm(forms.Form):
    Name = forms.CharField(max_length=200)
    Expiration = forms.DateTimeField(
        label="Expires (UTC)", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Optional. After it, token requests with this secret are refused.",
    )

    def clean_Expiration(self):  # noqa: N802
        value = self.cleaned_data.get("Expiration")
        if value is not None and value <= timezone.now():
            raise forms.ValidationError(ERR_EXPIRATION_PAST)
        return value

    def to_body(self) -> dict:
        expiration = self.cleaned_data.get("Expiration")
        return {"Name": self.cleaned_data["Name"], "Expiration": expiration.isoformat() if expiration else None}


def _client_secrets(request, org, client_id: str) -> tuple[list[dict], list[str]]:
    """The client's secrets (names and expirations: the API never returns a value again)."""
    secrets, errors = _items(request, org, f"/v1/apiclients/{_seg(client_id)}/secrets", query=[("sortBy", "Name")])
    now = timezone.now()
    for secret in secrets:
        expires = parse_datetime(secret.get("Expiration") or "")
        secret["expires"] = expires
        secret["expired"] = expires is not None and expires <= now
    return secrets, errors


def _create_once(request, org, kind: str) -> once.Once | None:
    """The claim of a POST of a create form on its one-time token (console.once); None for GETs and edits."""
    if request.method != "POST":
        return None
    return once.once_claim(user=request.user, scope=f"{kind}/{org.pk}", data=request.POST)


def _created_before(request, org, claim: once.Once, list_name: str):
    """A create form posted again: where the first POST's object is, with the same message; or,
    if that POST is still saving, the list with what to check (never a second object)."""
    if claim.earlier:
        storage = messages.get_messages(request)
        queued = [m.message for m in storage]
        storage.used = False  # looked at, not shown: kept for the next page
        if claim.earlier["message"] not in queued:  # the first POST's, its answer not shown (the browser left it)
            messages.success(request, claim.earlier["message"])
        return redirect(claim.earlier["url"])
    messages.info(request, MSG_STILL_SAVING)
    return redirect(console_url(org, list_name))


def _edit_once(request, org, kind: str, list_name: str, object_id: str | None, edit):
    """An edit page (`object_id`) or a create page of `kind`: a create form posted again goes where
    the first POST's object is (`_created_before`); otherwise `edit(claim)` answers, and a claim it
    did not finish (nothing was created) is released so the corrected form can be saved."""
    claim = None if object_id else _create_once(request, org, kind)
    if claim and claim.earlier is not None:
        return _created_before(request, org, claim, list_name)
    try:
        return edit(claim)
    finally:
        if claim:
            claim.release()


def _once_token(request, claim: once.Once | None) -> str:
    """The token the create form carries: the one posted (released when nothing was saved, so the
    corrected form stays guarded), else a new one."""
    posted = request.POST.get(once.FIELD) if claim is not None and claim.key else ""
    return posted or once.once_token_new()


@console_view
@require_http_methods(["GET", "POST"])
def api_client_edit_view(request, org, membership, client_id=None):
    return _edit_once(request, org, "apiclient", "apiclients", client_id,
                      lambda claim: _api_client_edit(request, org, membership, client_id, claim))


def _api_client_edit(request, org, membership, client_id, claim):
    page, events, client, missing = _api_client_load(request, org, membership, client_id)
    if missing:
        return missing
    api_errors: list[str] = []
    if request.method == "POST":
        form = ApiClientForm(request.POST, events=events, deleted_events=ApiClientForm.deleted_event_ids(client),
                             initial=ApiClientForm.initial_from(client) if client else None)
        if form.is_valid():
            body = form.to_body()
            if client_id:
                status, data = _core(request, org, "PUT", f"/v1/apiclients/{_seg(client_id)}", body=body)
            else:
                status, data = _core(request, org, "POST", "/v1/apiclients", body=body)
            if status in (200, 201):
                message = f"API client {data.get('AppName') or data.get('ID')} saved."
                target = console_url(org, "apiclient-edit", client_id=data["ID"])
                if claim:
                    claim.finish(url=target, message=message)
                messages.success(request, message)
                return redirect(target)
            api_errors = _form_api_errors(form, status, data)
    else:
        form = ApiClientForm(initial=ApiClientForm.initial_from(client) if client else {"Active": True},
                             events=events, deleted_events=ApiClientForm.deleted_event_ids(client))
    page.update(form=form, client=client, api_errors=api_errors, **_write_access(request, "apiclients"))
    if not client_id:
        page.update(once=_once_token(request, claim))
    if client:
        page.update(_secrets_context(request, org, client_id, ApiClientSecretForm()))
    return render(request, "console/api_client_form.html", page)


def _api_client_load(request, org, membership, client_id: str | None):
    """(page context, integration events, the client or None when new, a not-found response or None)."""
    page = _console_context(request, org, membership, tab="apiclients")
    events, _ = _items(request, org, "/v1/integrationEvents")
    if not client_id:
        return page, events, None, None
    status, client = _core(request, org, "GET", f"/v1/apiclients/{_seg(client_id)}")
    if status != 200:
        page.update(api_errors=_api_errors(status, client), form=None, client=None, client_id=client_id)
        return page, events, None, render(request, "console/api_client_form.html", page,
                                          status=status if status in (403, 404) else 200)
    return page, events, client, None


def _secrets_context(request, org, client_id: str, secret_form, *, new_secret: dict | None = None,
                     secret_errors=()) -> dict:
    secrets, errors = _client_secrets(request, org, client_id)
    return {"secrets": secrets, "secret_form": secret_form, "new_secret": new_secret,
            "secret_errors": list(dict.fromkeys([*secret_errors, *errors])), "secret_limit": SECRETS_PER_CLIENT}


@console_view
@require_POST
def api_client_secret_create_view(request, org, membership, client_id):
    """Create a secret and show its value once, in this response only. The form posts with htmx and
    this answers with the secrets section alone, so the page's address stays the GET of the client
    (a reload neither shows the value again nor posts a second secret). Without JavaScript the
    whole page comes back. The value is never put in the session (no flash message)."""
    secret_form = ApiClientSecretForm(request.POST)
    new_secret, secret_errors, status = None, [], 200
    if secret_form.is_valid():
        api_status, data = _core(request, org, "POST", f"/v1/apiclients/{_seg(client_id)}/secrets", body=secret_form.to_body())
        if api_status == 201 and isinstance(data, dict):
            new_secret, secret_form, status = data, ApiClientSecretForm(), 201
        else:
            secret_errors, status = _api_errors(api_status, data), 404 if api_status == 404 else 200
    secrets = _secrets_context(request, org, client_id, secret_form, new_secret=new_secret, secret_errors=secret_errors)
    if request.htmx:
        response = render(request, "console/_api_client_secrets.html",
                          {"org": org, "client": {"ID": client_id}, **secrets}, status=status)
    else:
        page, events, client, missing = _api_client_load(request, org, membership, client_id)
        if missing:
            return missing
        page.update(form=ApiClientForm(initial=ApiClientForm.initial_from(client), events=events,
                                       deleted_events=ApiClientForm.deleted_event_ids(client)), client=client,
                    api_errors=[], **secrets)
        response = render(request, "console/api_client_form.html", page, status=status)
    if new_secret:
        response["Cache-Control"] = "no-store"
    return response


def _deleted_message(request, status: int, data, *, kind: str, object_id: str, consequence: str = "") -> None:
    """What a Delete did, naming the object as the list shows it: "API client “QA App v2” deleted."
    (the name is posted by the row's form; the ID when it has none). A second POST of the same
    Delete (a double click, a retry) finds it gone: that is said as done, not as the API's NotFound
    (which an address typed or made up, posting no name, still gets)."""
    name = " ".join((request.POST.get("name") or "").split())[:200]
    label = f"{kind} “{name}”" if name else f"{kind} {object_id}"
    if status in (200, 204):
        messages.success(request, f"{label} deleted{consequence}.")
    elif status == 404 and "name" in request.POST:
        messages.success(request, MSG_DELETED_ALREADY.format(label=label))
    else:
        messages.error(request, " ".join(_api_errors(status, data)))


@console_view
@require_POST
def api_client_secret_delete_view(request, org, membership, client_id, secret_id):
    status, data = _core(request, org, "DELETE", f"/v1/apiclients/{_seg(client_id)}/secrets/{_seg(secret_id)}")
    _deleted_message(request, status, data, kind="Secret", object_id=secret_id,
                     consequence=": token requests with it are refused from now on")
    return redirect(console_url(org, "apiclient-edit", client_id=client_id))


@console_view
@require_POST
def api_client_delete_view(request, org, membership, client_id):
    status, data = _core(request, org, "DELETE", f"/v1/apiclients/{_seg(client_id)}")
    _deleted_message(request, status, data, kind="API client", object_id=client_id)
    return redirect(console_url(org, "apiclients"))


# --- webhooks ------------------------------------------------------------------------------------------
class WebhookForm(forms.Form):
    ID = forms.CharField(label="ID", required=False, max_length=100, help_text="Leave empty to generate one.")
    Name = forms.CharField(max_length=200)
    Description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    Url = forms.URLField(label="URL", max_length=2000, assume_scheme="https",
                         validators=[URLValidator(schemes=["http", "https"])])
    HashKey = forms.CharField(label="Hash key", required=False, max_length=200, widget=_secret_input(),
                              help_text="Signs each payload: X-oc-hash = base64(HMAC-SHA256(body, key)).")
    ApiClientIDs = forms.MultipleChoiceField(label="API clients", required=False, widget=forms.CheckboxSelectMultiple,
                                             help_text="Requests made through these clients fire the webhook.",
                                             # the choices are the clients the API lists now
                                             error_messages={"invalid_choice": ERR_CLIENT_GONE})
    WebhookRoutes = forms.CharField(label="Routes", widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text="One per line: VERB route, e.g. POST v1/products")
    ElevatedRoles = forms.CharField(label="Elevated roles", required=False,
                                    help_text="Comma-separated. Added to the caller's roles in the UserToken the webhook "
                                              "receives, e.g. BuyerReader.")
    ConfigData = forms.CharField(label="Config data (JSON)", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    BeforeProcessRequest = forms.BooleanField(
        label="Pre-hook (BeforeProcessRequest)", required=False,
        help_text='Called before the write, which is made only if it answers {"proceed": true}. '
                  '{"proceed": false, "body": ...} refuses it with 400 "blocked by web hook".')
    DeliveryConfigID = forms.CharField(label="Delivery config ID", required=False, max_length=100)
    CustomAuthHeaderName = forms.CharField(label="Custom auth header name", required=False, max_length=200)
    CustomAuthHeaderValue = forms.CharField(label="Custom auth header value", required=False, max_length=2000,
                                            widget=_secret_input())

    def __init__(self, *args, clients=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ApiClientIDs"].choices = [(c["ID"], f"{c['AppName']} ({c['ID']})" if c.get("AppName") else c["ID"])
                                               for c in clients]
        if editing:
            self.fields["ID"].disabled = True
            self.fields["ID"].help_text = ""

    def clean_ConfigData(self):  # noqa: N802
        return _json_object(self.cleaned_data.get("ConfigData"))

    def clean_WebhookRoutes(self):  # noqa: N802
        routes = []
        for line in (self.cleaned_data.get("WebhookRoutes") or "").splitlines():
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2 or parts[0].upper() not in VERBS:
                raise forms.ValidationError(ERR_ROUTE)
            routes.append({"Verb": parts[0].upper(), "Route": parts[1].lstrip("/")})
        return routes

    @staticmethod
    def initial_from(hook: dict) -> dict:
        return {
            **{k: hook.get(k) for k in ("ID", "Name", "Description", "Url", "HashKey", "BeforeProcessRequest",
                                        "DeliveryConfigID", "CustomAuthHeaderName", "CustomAuthHeaderValue")},
            "ApiClientIDs": hook.get("ApiClientIDs") or [],
            "WebhookRoutes": "\n".join(f"{r.get('Verb')} {r.get('Route')}" for r in hook.get("WebhookRoutes") or []),
            "ElevatedRoles": ", ".join(hook.get("ElevatedRoles") or []),
            "ConfigData": json.dumps(hook.get("ConfigData") or {}, indent=2),
        }

    def to_body(self) -> dict:
        data = self.cleaned_data
        body = {
            "Name": data["Name"],
            "Description": data.get("Description") or "",
            "Url": data["Url"],
            "HashKey": data.get("HashKey") or "",
            "ApiClientIDs": list(data.get("ApiClientIDs") or []),
            "WebhookRoutes": data["WebhookRoutes"],
            "ElevatedRoles": _csv(data.get("ElevatedRoles")),
            "ConfigData": data.get("ConfigData") or {},
            "BeforeProcessRequest": data["BeforeProcessRequest"],
            "DeliveryConfigID": data.get("DeliveryConfigID") or "",
            "CustomAuthHeaderName": data.get("CustomAuthHeaderName") or "",
            "CustomAuthHeaderValue": data.get("CustomAuthHeaderValue") or "",
        }
        if data.get("ID") and not self.fields["ID"].disabled:
            body["ID"] = data["ID"]
        return body


@console_view
@require_POST
def webhook_delete_view(request, org, membership, webhook_id):
    status, data = _core(request, org, "DELETE", f"/v1/webhooks/{_seg(webhook_id)}")
    _deleted_message(request, status, data, kind="Webhook", object_id=webhook_id)
    return redirect(console_url(org, "webhooks"))


@console_view
@require_safe
def webhook_list_view(request, org, membership):
    page = _console_context(request, org, membership, tab="webhooks")
    hooks, errors = _items(request, org, "/v1/webhooks")
    clients, client_errors = _items(request, org, "/v1/apiclients")  # fresh on every load: no cache
    names = {c["ID"]: c.get("AppName") or c["ID"] for c in clients}
    for hook in hooks:
        # clients the API did not let this context list are shown by ID, never as deleted
        hook["clients"] = [{"ID": cid, "name": names.get(cid, cid), "missing": not client_errors and cid not in names}
                           for cid in hook.get("ApiClientIDs") or []]
    # one "no roles" message: the webhooks' refusal, else (webhooks listed) the API clients'
    page.update(hooks=hooks, api_errors=errors or client_errors, **_write_access(request, "webhooks", errors))
    return render(request, "console/webhooks.html", page)


@console_view
@require_http_methods(["GET", "POST"])
def webhook_edit_view(request, org, membership, webhook_id=None):
    return _edit_once(request, org, "webhook", "webhooks", webhook_id,
                      lambda claim: _webhook_edit(request, org, membership, webhook_id, claim))


def _webhook_edit(request, org, membership, webhook_id, claim):
    page = _console_context(request, org, membership, tab="webhooks")
    clients, client_errors = _items(request, org, "/v1/apiclients", query=[("sortBy", "AppName")])
    hook = None
    if webhook_id:
        status, hook = _core(request, org, "GET", f"/v1/webhooks/{_seg(webhook_id)}")
        if status != 200:
            page.update(api_errors=_api_errors(status, hook), form=None, hook=None, webhook_id=webhook_id)
            return render(request, "console/webhook_form.html", page, status=status if status in (403, 404) else 200)
    api_errors = list(client_errors)
    if client_errors and hook:
        # The API did not list the clients (no ApiClientReader): offer the assigned ones by ID, so
        # they stay assigned when the webhook is saved, rather than none (which unassigned them all).
        clients = [{"ID": cid} for cid in hook.get("ApiClientIDs") or []]
    if request.method == "POST":
        form = WebhookForm(request.POST, clients=clients, editing=bool(webhook_id),
                           initial=WebhookForm.initial_from(hook) if hook else None)
        if form.is_valid():
            if webhook_id:
                status, data = _core(request, org, "PUT", f"/v1/webhooks/{_seg(webhook_id)}", body=form.to_body())
            else:
                status, data = _core(request, org, "POST", "/v1/webhooks", body=form.to_body())
            if status in (200, 201):
                message = f"Webhook {data.get('Name') or data.get('ID')} saved."
                if claim:
                    claim.finish(url=console_url(org, "webhooks"), message=message)
                messages.success(request, message)
                return redirect(console_url(org, "webhooks"))
            api_errors += _form_api_errors(form, status, data)
    else:
        form = WebhookForm(initial=WebhookForm.initial_from(hook) if hook else None, clients=clients,
                           editing=bool(webhook_id))
    stale = [] if client_errors else [
        cid for cid in (hook or {}).get("ApiClientIDs") or [] if cid not in {c["ID"] for c in clients}]
    # read only once the API has let this context read the webhook (WebhookReader or more)
    deliveries = selectors.webhook_delivery_list(organization=org, webhook_id=hook["ID"]) if hook else None
    for delivery in deliveries or []:
        delivery["payload_json"] = json.dumps(delivery["payload"], indent=2, default=str)
    page.update(form=form, hook=hook, api_errors=list(dict.fromkeys(api_errors)), stale_client_ids=stale,
                deliveries=deliveries, **_write_access(request, "webhooks"))
    if not webhook_id:
        page.update(once=_once_token(request, claim))
    return render(request, "console/webhook_form.html", page)
