"""API client and webhook screens of an organization. Every read and write goes through the
console proxy with the user's own console token (so the core API's role checks apply), and
nothing is cached: each page load asks the API again, so the webhook screen always lists the
current API clients."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from console import services
from console.services import SELF
from console.views import _console_context, console_url, console_view
from portal.common.errors import ApplicationError

ERR_JSON_OBJECT = "Enter a JSON object, e.g. {}."
ERR_ROUTE = "One route per line: VERB route, e.g. POST v1/products."
ERR_API = "The core API answered {status}."
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class CoreCallError(ApplicationError):
    pass


def _core(request, org, method: str, path: str, *, query=None, body=None):
    """(status, parsed JSON or None) of a call with the user's own token; no history entry."""
    call = services.console_request_send(
        user=request.user, organization=org, method=method, path=path, query=query or [],
        body=json.dumps(body) if body is not None else None, context=SELF, record=False,
    )
    if call.response is None:
        raise CoreCallError(call.error)
    try:
        data = call.response.json() if call.response.content else None
    except ValueError:
        data = None
    return call.response.status, data


def _api_errors(status: int, data) -> list[str]:
    if isinstance(data, dict) and isinstance(data.get("Errors"), list):
        out = []
        for e in data["Errors"]:
            field = (e.get("Data") or {}).get("Field") if isinstance(e.get("Data"), dict) else None
            out.append(f"{e.get('ErrorCode')}: {e.get('Message')}" + (f" ({field})" if field else ""))
        return out
    return [ERR_API.format(status=status)]


def _items(request, org, path: str, *, query=None) -> tuple[list[dict], list[str]]:
    status, data = _core(request, org, "GET", path, query=[("pageSize", "100"), *(query or [])])
    if status != 200 or not isinstance(data, dict):
        return [], _api_errors(status, data)
    return list(data.get("Items") or []), []


def _csv(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _json_object(value: str, *, allow_empty=True):
    value = (value or "").strip()
    if not value:
        if allow_empty:
            return {}
        raise forms.ValidationError(ERR_JSON_OBJECT)
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise forms.ValidationError(f"Invalid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise forms.ValidationError(ERR_JSON_OBJECT)
    return parsed


# --- API clients -------------------------------------------------------------------------------------
class ApiClientForm(forms.Form):
    AppName = forms.CharField(label="App name", max_length=200)
    Active = forms.BooleanField(required=False, initial=True)
    ClientSecret = forms.CharField(
        label="Client secret", required=False, max_length=200,
        help_text="Leave empty for no secret: every OAuth grant of this client then works without one.",
    )
    AccessTokenDuration = forms.IntegerField(label="Access token duration (minutes)", min_value=10, max_value=43200, initial=600)
    RefreshTokenDuration = forms.IntegerField(label="Refresh token duration (minutes)", required=False, min_value=0, max_value=525600)
    AnonymousTokenDuration = forms.IntegerField(label="Anonymous token duration (minutes)", required=False, min_value=10, max_value=43200)
    DefaultContextUserName = forms.CharField(label="Default context username", required=False, max_length=100)
    AllowSeller = forms.BooleanField(label="Allow seller (admin) users", required=False)
    AllowAnyBuyer = forms.BooleanField(label="Allow any buyer", required=False)
    AllowAnySupplier = forms.BooleanField(label="Allow any supplier", required=False)
    IsAnonBuyer = forms.BooleanField(label="Anonymous buyer client", required=False)
    OrderCheckoutIntegrationEventID = forms.ChoiceField(label="Order checkout integration event", required=False)
    OrderReturnIntegrationEventID = forms.ChoiceField(label="Order return integration event", required=False)
    AddToCartIntegrationEventID = forms.ChoiceField(label="Add to cart integration event", required=False)
    MinimumRequiredRoles = forms.CharField(label="Minimum required roles", required=False, help_text="Comma-separated")
    MinimumRequiredCustomRoles = forms.CharField(label="Minimum required custom roles", required=False, help_text="Comma-separated")
    MaximumGrantedRoles = forms.CharField(label="Maximum granted roles", required=False, help_text="Comma-separated")
    MaximumGrantedCustomRoles = forms.CharField(label="Maximum granted custom roles", required=False, help_text="Comma-separated")
    xp = forms.CharField(label="xp (JSON)", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    EVENT_FIELDS = ("OrderCheckoutIntegrationEventID", "OrderReturnIntegrationEventID", "AddToCartIntegrationEventID")
    LIST_FIELDS = ("MinimumRequiredRoles", "MinimumRequiredCustomRoles", "MaximumGrantedRoles", "MaximumGrantedCustomRoles")

    def __init__(self, *args, events=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "(none)")] + [(e.get("ID"), f"{e.get('Name') or e.get('ID')} ({e.get('ID')})") for e in events]
        for name in self.EVENT_FIELDS:
            current = self.initial.get(name) or (self.data.get(name) if self.is_bound else "")
            field_choices = list(choices)
            if current and current not in {c[0] for c in choices}:
                field_choices.append((current, current))
            self.fields[name].choices = field_choices

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
def api_client_list_view(request, org, membership):
    page = _console_context(request, org, membership, tab="apiclients")
    clients, errors = _items(request, org, "/v1/apiclients", query=[("sortBy", "AppName")])
    page.update(clients=clients, api_errors=errors)
    return render(request, "console/api_clients.html", page)


@console_view
@require_http_methods(["GET", "POST"])
def api_client_edit_view(request, org, membership, client_id=None):
    page = _console_context(request, org, membership, tab="apiclients")
    events, _ = _items(request, org, "/v1/integrationEvents")
    client = None
    if client_id:
        status, client = _core(request, org, "GET", f"/v1/apiclients/{client_id}")
        if status != 200:
            page.update(api_errors=_api_errors(status, client), form=None, client=None)
            return render(request, "console/api_client_form.html", page, status=404 if status == 404 else 200)
    api_errors: list[str] = []
    if request.method == "POST":
        form = ApiClientForm(request.POST, events=events,
                             initial=ApiClientForm.initial_from(client) if client else None)
        if form.is_valid():
            body = form.to_body()
            if client_id:
                status, data = _core(request, org, "PUT", f"/v1/apiclients/{client_id}", body=body)
            else:
                status, data = _core(request, org, "POST", "/v1/apiclients", body=body)
            if status in (200, 201):
                messages.success(request, f"API client {data.get('AppName') or data.get('ID')} saved.")
                return redirect(console_url(org, "apiclient-edit", client_id=data["ID"]))
            api_errors = _api_errors(status, data)
    else:
        form = ApiClientForm(initial=ApiClientForm.initial_from(client) if client else {"Active": True},
                             events=events)
    page.update(form=form, client=client, api_errors=api_errors)
    return render(request, "console/api_client_form.html", page)


@console_view
@require_POST
def api_client_delete_view(request, org, membership, client_id):
    status, data = _core(request, org, "DELETE", f"/v1/apiclients/{client_id}")
    if status in (200, 204):
        messages.success(request, f"API client {client_id} deleted.")
    else:
        messages.error(request, " ".join(_api_errors(status, data)))
    return redirect(console_url(org, "apiclients"))


# --- webhooks ------------------------------------------------------------------------------------------
class WebhookForm(forms.Form):
    ID = forms.CharField(label="ID", required=False, max_length=100, help_text="Leave empty to generate one.")
    Name = forms.CharField(max_length=200)
    Description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    Url = forms.URLField(label="URL", max_length=2000, assume_scheme="https")
    HashKey = forms.CharField(label="Hash key", required=False, max_length=200,
                              help_text="Signs each payload: X-oc-hash = base64(HMAC-SHA256(body, key)).")
    ApiClientIDs = forms.MultipleChoiceField(label="API clients", required=False, widget=forms.CheckboxSelectMultiple,
                                             help_text="Requests made through these clients fire the webhook.")
    WebhookRoutes = forms.CharField(label="Routes", widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text="One per line: VERB route, e.g. POST v1/products")
    ElevatedRoles = forms.CharField(label="Elevated roles", required=False, help_text="Comma-separated")
    ConfigData = forms.CharField(label="Config data (JSON)", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    BeforeProcessRequest = forms.BooleanField(label="Before process request", required=False)
    DeliveryConfigID = forms.CharField(label="Delivery config ID", required=False, max_length=100)
    CustomAuthHeaderName = forms.CharField(label="Custom auth header name", required=False, max_length=200)
    CustomAuthHeaderValue = forms.CharField(label="Custom auth header value", required=False, max_length=2000)

    def __init__(self, *args, clients=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ApiClientIDs"].choices = [(c["ID"], f"{c.get('AppName') or c['ID']} ({c['ID']})") for c in clients]
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
def webhook_list_view(request, org, membership):
    page = _console_context(request, org, membership, tab="webhooks")
    hooks, errors = _items(request, org, "/v1/webhooks")
    clients, client_errors = _items(request, org, "/v1/apiclients")  # fresh on every load: no cache
    names = {c["ID"]: c.get("AppName") or c["ID"] for c in clients}
    for hook in hooks:
        hook["clients"] = [{"ID": cid, "name": names.get(cid), "missing": cid not in names}
                           for cid in hook.get("ApiClientIDs") or []]
    page.update(hooks=hooks, api_errors=errors + client_errors)
    return render(request, "console/webhooks.html", page)


@console_view
@require_http_methods(["GET", "POST"])
def webhook_edit_view(request, org, membership, webhook_id=None):
    page = _console_context(request, org, membership, tab="webhooks")
    clients, client_errors = _items(request, org, "/v1/apiclients", query=[("sortBy", "AppName")])
    hook = None
    if webhook_id:
        status, hook = _core(request, org, "GET", f"/v1/webhooks/{webhook_id}")
        if status != 200:
            page.update(api_errors=_api_errors(status, hook), form=None, hook=None)
            return render(request, "console/webhook_form.html", page, status=404 if status == 404 else 200)
    api_errors = list(client_errors)
    if request.method == "POST":
        form = WebhookForm(request.POST, clients=clients, editing=bool(webhook_id),
                           initial=WebhookForm.initial_from(hook) if hook else None)
        if form.is_valid():
            if webhook_id:
                status, data = _core(request, org, "PUT", f"/v1/webhooks/{webhook_id}", body=form.to_body())
            else:
                status, data = _core(request, org, "POST", "/v1/webhooks", body=form.to_body())
            if status in (200, 201):
                messages.success(request, f"Webhook {data.get('Name') or data.get('ID')} saved.")
                return redirect(console_url(org, "webhooks"))
            api_errors += _api_errors(status, data)
    else:
        form = WebhookForm(initial=WebhookForm.initial_from(hook) if hook else None, clients=clients,
                           editing=bool(webhook_id))
    stale = [cid for cid in (hook or {}).get("ApiClientIDs") or [] if cid not in {c["ID"] for c in clients}]
    page.update(form=form, hook=hook, api_errors=api_errors, stale_client_ids=stale)
    return render(request, "console/webhook_form.html", page)
