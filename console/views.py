"""The API console pages (function views + htmx). Thin: parse input, call a service or selector,
render. Organizations are addressed like /organizations/<env>/<Id>/: /console/<env>/<Id>/.

Someone who cannot see the organization gets 404 everywhere; every proxied call re-checks access
(console.services). Tokens are never rendered, except the user's own current token on "reveal".
"""

from __future__ import annotations

import json
import shlex
from functools import wraps
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from console import selectors, services
from console.operations import (
    FILTER_OPERATORS,
    LIST_PARAMS,
    BuilderError,
    field_error_place,
    operation_exists,
    operation_get,
    operations_grouped,
    request_build,
    builder_state,
)
from console.services import SELF, Context, ConsoleError
from console.snippets import curl, js_sdk
from organizations import selectors as org_selectors
from organizations.views import deleted_organization_page
from portal.common.errors import ApplicationError, NotFoundError, PermissionError_

SESSION_CONTEXT = "console_context_{}/{}"  # environment, lower-case Id
DEFAULT_OPERATION = "Products.List"


def console_url(org, name: str = "console", **kwargs) -> str:
    return reverse(f"console:{name}", kwargs={"env": org.environment.lower(), "oc_id": org.oc_id, **kwargs})


def _sign_in_first(request, env: str, oc_id: str):
    """Signed out (in another tab, or the session ended): sign in, then come back to the page. For a
    GET that is this address (login_required's rule); a button or form posted from a console page
    (context switch, Delete) comes back to that page, not to its POST-only action (a 405 once signed
    in). accounts.middleware.SignedOutMiddleware adds that nothing was done (and for htmx, which
    says its page itself, makes the browser go there)."""
    if request.method in ("GET", "HEAD"):
        return redirect_to_login(request.get_full_path())
    base = reverse("console:console", kwargs={"env": env, "oc_id": oc_id})
    return redirect_to_login(_referer_console_page(request, base))


def _console_view(view, *, with_token: bool):
    @wraps(view)
    def wrapper(request, env, oc_id, *args, **kwargs):
        if not request.user.is_authenticated:
            return _sign_in_first(request, env, oc_id)
        access = None
        try:
            token_context = None
            if with_token:
                token_context = tuple(request.session.get(SESSION_CONTEXT.format(env.lower(), oc_id.lower())) or ("", ""))
            access = selectors.console_access_get(
                user=request.user, environment=env, oc_id=oc_id, token_context=token_context
            )
            if with_token:
                return view(request, access.organization, access.membership, access.token, *args, **kwargs)
            return view(request, access.organization, access.membership, *args, **kwargs)
        except (NotFoundError, PermissionError_) as exc:
            if request.htmx:  # into the panel the request targets: a message, not a whole page
                status = 404 if isinstance(exc, NotFoundError) else 403
                if access is None and status == 404 and (deleted := org_selectors.deleted_organization_find(
                        actor=request.user, environment=env, oc_id=oc_id)) is not None:
                    # its owner deleted it (in another tab, say): as loading a page of it says
                    # (organizations.views.deleted_organization_page), not "Organization not found."
                    return render(request, "console/_error.html", {"deleted_org": deleted}, status=404)
                return render(request, "console/_error.html", {"message": exc.message}, status=status)
            if isinstance(exc, NotFoundError):
                if (page := deleted_organization_page(request, env, oc_id)) is not None:
                    return page
                raise Http404(exc.message) from exc
            raise PermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            if request.htmx:
                return render(request, "console/_error.html", {"message": exc.message}, status=exc.status_code)
            return render(request, "console/error.html", {"message": exc.message}, status=exc.status_code)

    return wrapper


def console_view(view):
    """Resolve <env>/<oc_id> for the signed-in user (404 if they cannot see it); map domain errors.
    The view gets (request, org, membership, ...)."""
    return _console_view(view, with_token=False)


def console_call_view(view):
    """console_view for views that send a proxied call: the view gets (request, org, membership,
    token, ...), `token` being the stored ConsoleToken of the current context, read in the same
    query as the organization (None before the first call), handed to the service as is."""
    return _console_view(view, with_token=True)


def _context(request, org) -> Context:
    stored = request.session.get(SESSION_CONTEXT.format(org.environment.lower(), org.oc_id.lower())) or ["", ""]
    return Context(client_id=stored[0], username=stored[1])


def _set_context(request, org, context: Context) -> None:
    key = SESSION_CONTEXT.format(org.environment.lower(), org.oc_id.lower())
    request.session[key] = [context.client_id, context.username]


def _context_label(org, context: Context) -> str:
    """"you", or "<username> via <API client's app name>", as the context bar and history say it."""
    if context.is_self:
        return "you"
    return f"{context.username} via {selectors.context_client_name(organization=org, client_id=context.client_id)}"


def _entry_context(entry) -> Context:
    return Context(client_id=entry.client_id, username=entry.username)


# --- pages ----------------------------------------------------------------------------------------
@login_required
@require_GET
def console_home_view(request):
    orgs = org_selectors.organization_list(actor=request.user)
    return render(request, "console/home.html", {"organizations": orgs})


def _console_context(request, org, membership, *, tab: str) -> dict:
    context = _context(request, org)
    token, context_error = None, ""
    try:
        services.console_context_check(organization=org, context=context)
        token = services.console_token_get(user=request.user, organization=org, context=context, context_checked=True)
    except (NotFoundError, PermissionError_, ConsoleError) as exc:
        if context.is_self:
            if isinstance(exc, NotFoundError):
                raise
            context_error = exc.message
        else:
            context_error = services.impersonation_lost_message(
                context_label=_context_label(org, context), membership=membership, exc=exc)
            context = SELF
            _set_context(request, org, SELF)
            token = services.console_token_get(user=request.user, organization=org, context=SELF)
    except ApplicationError as exc:
        context_error = exc.message
    return {
        "org": org,
        "membership": membership,
        "ctx": context,
        "ctx_client_name": "" if context.is_self else selectors.context_client_name(organization=org,
                                                                                   client_id=context.client_id),
        "token": token,
        "context_error": context_error,
        "can_impersonate": selectors.can_impersonate(membership=membership) and selectors.is_builtin(org),
        "organizations": org_selectors.organization_list(actor=request.user),
        "tab": tab,
    }


@console_view
@require_GET
def console_page_view(request, org, membership):
    page = _console_context(request, org, membership, tab="requests")
    op_id = request.GET.get("op") or DEFAULT_OPERATION
    if not operation_exists(op_id):  # an old bookmark, a mistyped link: the console, not a 404
        messages.warning(request, f"There is no operation {op_id[:100]} in this API; showing {DEFAULT_OPERATION}.")
        op_id = DEFAULT_OPERATION
    history_id = request.GET.get("history")
    page.update(_builder_context(request, org, op_id=op_id, history_id=history_id))
    page["groups"] = operations_grouped()
    page["history"] = selectors.history_list(user=request.user, organization=org)
    return render(request, "console/console.html", page)


# --- context ----------------------------------------------------------------------------------------
@console_view
@require_POST
def context_set_view(request, org, membership):
    if request.POST.get("mode") == "self":
        context = SELF
    else:
        context = Context(client_id=request.POST.get("client_id", "").strip(),
                          username=request.POST.get("username", "").strip())
        if not context.client_id or not context.username:
            raise ConsoleError(services.ERR_CONTEXT_INCOMPLETE)
    # validates and mints: a new token even when one is stored, so that picking a user again
    # brings the roles given to them since
    try:
        token = services.console_token_get(user=request.user, organization=org, context=context, renew=True)
    except NotFoundError as exc:
        if context.is_self or not membership.can_impersonate:
            raise
        # picked from a list that has gone stale (the user deactivated, the client deleted...):
        # why, and the way back, rather than a bare "page not found"
        return render(request, "console/error.html", {"message": exc.message, "back_url": console_url(org)},
                      status=404)
    _set_context(request, org, context)
    if context.is_self:
        messages.success(request, "Now calling the API as you.")
        return redirect(_back_to_console_page(request, org))
    client = selectors.context_client_name(organization=org, client_id=context.client_id)
    messages.success(request, f"Now calling the API as {context.username} via {client}.")
    if not token.granted_roles:
        if not selectors.context_user_roles(organization=org, username=context.username):
            messages.warning(request, services.MSG_USER_HAS_NO_ROLES.format(username=context.username))
        else:
            messages.warning(request, services.MSG_NO_SHARED_ROLES.format(
                username=context.username, roles=", ".join(membership.token_roles) or "none"))
    return redirect(_back_to_console_page(request, org))


def _back_to_console_page(request, org) -> str:
    """The console page of this organization the context was switched from (the operation shown,
    the API client being edited...), from the Referer; else the console."""
    return _referer_console_page(request, console_url(org))


def _referer_console_page(request, base: str) -> str:
    """The console page under `base` (an organization's console) named by the Referer, else `base`."""
    referer = request.headers.get("Referer") or ""
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return base
    parts = urlsplit(referer)
    try:
        match = resolve(parts.path)
    except Http404:
        return base
    if not parts.path.startswith(base) or match.view_name not in _CONSOLE_PAGES:
        return base
    return parts.path + (f"?{parts.query}" if parts.query else "")


_CONSOLE_PAGES = {f"console:{name}" for name in (  # pages shown by a GET
    "console", "apiclients", "apiclient-create", "apiclient-edit", "webhooks", "webhook-create", "webhook-edit")}


@console_view
@require_GET
def context_clients_view(request, org, membership):
    clients = selectors.context_client_list(
        user=request.user, organization=org, membership=membership, search=request.GET.get("q", "")
    )
    # the API client of the context in use is marked (aria-current), whatever the search
    return render(request, "console/_context_clients.html",
                  {"org": org, "clients": clients, "q": request.GET.get("q", "").strip(),
                   "ctx": _context(request, org)})


@console_view
@require_GET
def context_users_view(request, org, membership):
    client_id = request.GET.get("client_id", "")
    users = selectors.context_user_list(
        user=request.user, organization=org, membership=membership, client_id=client_id,
        search=request.GET.get("q", ""),
    )
    client_name = selectors.context_client_name(organization=org, client_id=client_id)
    return render(request, "console/_context_users.html",
                  {"org": org, "users": users, "client_id": client_id, "client_name": client_name,
                   "q": request.GET.get("q", "").strip(), "ctx": _context(request, org)})


# --- request builder ------------------------------------------------------------------------------
@console_view
@require_GET
def operation_list_view(request, org, membership):
    return render(request, "console/_operations.html",
                  {"org": org, "groups": operations_grouped(request.GET.get("q", "")), "q": request.GET.get("q", "")})


def _builder_context(request, org, *, op_id: str, history_id: str | None = None) -> dict:
    state: dict = {}
    sent_as = send_as = ""
    if history_id:
        entry = selectors.history_get(user=request.user, organization=org, pk=history_id)
        op_id = entry.operation_id or op_id
        state = entry.state
        current = _context(request, org)
        if _entry_context(entry) != current:  # Send uses the current context: say so
            sent_as, send_as = _context_label(org, _entry_context(entry)), _context_label(org, current)
    operation = operation_get(op_id)
    filters = []
    fields, ops, values = state.get("f.field", []), state.get("f.op", []), state.get("f.value", [])
    for i, name in enumerate(fields):
        filters.append({"field": name, "op": ops[i] if i < len(ops) else "=", "value": values[i] if i < len(values) else ""})
    body_json = (state.get("body_json") or [None])[0]
    if body_json is None and operation.has_body:
        body_json = json.dumps(operation.body_example, indent=2) if operation.body_example not in (None, {}) else "{}"
    return {
        "op": operation,
        "state": state,
        "filters": filters or [{"field": "", "op": "=", "value": ""}],
        "filter_operators": FILTER_OPERATORS,
        "body_json": body_json or "",
        "redacted": bool(state.get("redacted")),  # a history entry whose password or secret is not kept
        "sent_as": sent_as,  # an entry sent in another context than the current one
        "send_as": send_as,
    }


@console_view
@require_GET
def builder_view(request, org, membership):
    ctx = {"org": org, **_builder_context(request, org, op_id=request.GET.get("op", DEFAULT_OPERATION),
                                           history_id=request.GET.get("history"))}
    return render(request, "console/_builder.html", ctx)


def _script_safe(text: str) -> str:
    """JSON text made safe inside <script type="application/json">: "<", ">" and "&" can only
    occur inside JSON strings, where their \\u escapes mean the same (django's json_script does this
    after serializing; the response is JSON already, so it is not parsed and re-serialized)."""
    return mark_safe(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def _api_error_place(operation, error: dict, data) -> tuple[str, int] | None:
    """The builder field an API error names, as (its form name, which of the fields of that name), for
    console.js to mark it as it marks the builder's own errors; None when it names none the builder has.
    Data.Field is a body field ("Name" -> body.Name; "PriceBreaks.0.Quantity" -> the nearest field the
    builder shows: body.PriceBreaks, else the JSON editor); Data.Parameter a query or path parameter
    (list options, the operation's own query parameters, a filter's value, a path parameter)."""
    info = error.get("Data")
    if not isinstance(info, dict):
        return None
    field, parameter = info.get("Field"), info.get("Parameter")
    if isinstance(field, str) and field.strip():
        top = field.strip().split(".")[0].lower()
        for param in operation.body_fields:
            if param.name.lower() == top:
                return f"body.{param.name}", 0
        if operation.has_body:
            return "body_json", 0
        parameter = parameter or field  # an operation without a body: a query parameter named so
    if not isinstance(parameter, str) or not parameter.strip():
        return None
    name = parameter.strip()
    lower = name.lower()
    if operation.is_list:
        for known in LIST_PARAMS:
            if known.lower() == lower:
                return known, 0
    for param in operation.query_params:
        if param.name.lower() == lower:
            return f"q.{param.name}", 0
    for param in operation.path_params:
        if param.name.lower() == lower:
            return f"path.{param.name}", 0
    if operation.is_list and hasattr(data, "getlist"):  # a filter on that field: its value
        for index, filtered in enumerate(data.getlist("f.field")):
            if filtered.strip().lower() == lower:
                return "f.value", index
    return None


def _render_call(request, org, operation, built, call, *, path_values, ran_as: str = "", current_as: str = "",
                 data=None) -> HttpResponse:
    base = org.core_api_url
    body_json, has_json, json_text = None, False, ""
    if call.response is not None and call.response.content:
        try:
            json_text = call.response.content.decode("utf-8")
            body_json = json.loads(json_text)
            has_json = True
        except ValueError:  # not UTF-8 or not JSON: shown as text
            json_text = ""
    errors = []
    if isinstance(body_json, dict) and isinstance(body_json.get("Errors"), list):
        errors = [e for e in body_json["Errors"] if isinstance(e, dict)]
    elif isinstance(body_json, dict) and "error" in body_json and "error_description" in body_json:
        errors = [{"ErrorCode": body_json["error"], "Message": body_json["error_description"]}]
    # A fragment that uses no request context: rendered without the context processors (user,
    # messages, CSRF token), which cost more than the template itself on every send.
    response = HttpResponse(render_to_string("console/_response.html", {
        "org": org,
        "call": call,
        "op": operation,
        "has_json": has_json,
        # the raw JSON: console.js builds the collapsible tree from it in the browser
        "json_script": _script_safe(json_text),
        "text": call.response.content.decode("utf-8", "replace")[:200_000] if call.response is not None and not has_json else "",
        # each with the builder field it names (console.js marks it, described by the error's message)
        "oc_errors": [(e, _api_error_place(operation, e, data)) for e in errors],
        "curl": curl(base_url=base, built=built),
        "js": js_sdk(operation=operation, base_url=base, built=built, path_values=path_values),
        "history_id": call.history.pk if call.history else None,
        # a history entry re-run in its own context, not the current one (which the context bar shows)
        "ran_as": ran_as,
        "current_as": current_as,
    }))
    response["HX-Trigger"] = "console-history"
    return response


def _field_errors(errors: dict[str, str]) -> list[dict]:
    """A BuilderError's messages for "Fix these fields": each named as the builder labels its field
    (JSON, NewPassword, Filter 1 field), with the form field's name and which of those it is, for
    console.js to mark it (aria-invalid, described by its message) and focus the first."""
    fields = []
    for key, message in errors.items():
        label, name, index = field_error_place(key)
        fields.append({"label": label, "name": name, "index": index, "message": message})
    return fields


def _send(request, org, membership, token, operation, data, *, live: bool = False, context: Context | None = None):
    """Build and send the request. `context`: a history entry's own context, for a re-run (else,
    or when it is the current one, the session's current context)."""
    try:
        built = request_build(operation=operation, data=data)
    except BuilderError as exc:
        return render(request, "console/_response.html",
                      {"org": org, "op": operation, "field_errors": _field_errors(exc.errors)})
    current = _context(request, org)
    other = context is not None and context != current
    context = context if other else current
    try:
        if other:  # as the console page checks the current context before using it
            services.console_context_check(organization=org, context=context)
        call = services.console_request_send(
            user=request.user, organization=org, method=built.method, path=built.path, query=built.query,
            body=built.body, context=context, operation_id=operation.id, state=builder_state(data), live=live,
            membership=membership,  # the access console_call_view just looked up: the call-time check
            stored_token=None if other else token,  # the token read is the current context's
        )
    except (NotFoundError, PermissionError_, ConsoleError) as exc:
        if other and not context.is_self:  # the entry's context cannot be used now: nothing sent, the current one unchanged
            message = services.MSG_RERUN_CONTEXT_LOST.format(
                context=_context_label(org, context),
                reason=services.impersonation_lost_reason(membership=membership, exc=exc),
                current=_context_label(org, current))
            status = 404 if isinstance(exc, NotFoundError) else 403 if isinstance(exc, PermissionError_) else 400
            return render(request, "console/_error.html", {"message": message}, status=status)
        if context.is_self:
            raise
        # the impersonation ended (permission taken away, client or user deleted): nothing sent, back
        # to the user's own access, and the page reloads to show it with the reason; console.js keeps
        # the request being built (as when signed out meanwhile) and puts it back into the reloaded page
        message = services.impersonation_lost_message(
            context_label=_context_label(org, context), membership=membership, exc=exc)
        _set_context(request, org, SELF)
        messages.warning(request, message)
        response = render(request, "console/_error.html", {"message": message})
        response["HX-Refresh"] = "true"
        return response
    # as request_build read them (stripped): the SDK call names what the request was sent to
    path_values = [(data.getlist(f"path.{p.name}") or [""])[0].strip() for p in operation.path_params] \
        if hasattr(data, "getlist") else [(data.get(f"path.{p.name}") or [""])[0].strip() for p in operation.path_params]
    if other:
        return _render_call(request, org, operation, built, call, path_values=path_values, data=data,
                            ran_as=_context_label(org, context), current_as=_context_label(org, current))
    return _render_call(request, org, operation, built, call, path_values=path_values, data=data)


def _shown_context(data) -> Context | None:
    """The context the page that sent the builder's form shows in its context bar (console.html
    sends it along with the form), None when the post names none."""
    if "ctx_client_id" not in data and "ctx_username" not in data:
        return None
    return Context(client_id=data.get("ctx_client_id", "").strip(), username=data.get("ctx_username", "").strip())


@console_call_view
@require_POST
def send_view(request, org, membership, token):
    shown, current = _shown_context(request.POST), _context(request, org)
    if shown is not None and shown != current:
        # switched in another tab since this page was loaded: Send would call the API as someone
        # else than the context bar says (a write made as the wrong user); nothing is sent
        message = services.MSG_CONTEXT_SWITCHED_ELSEWHERE.format(
            shown=_context_label(org, shown), current=_context_label(org, current))
        return render(request, "console/_error.html", {"message": message, "reload": True}, status=409)
    operation = operation_get(request.POST.get("op", ""))
    # live=1: console.js sent it for a live edit of list options or filters, not the Send button
    return _send(request, org, membership, token, operation, request.POST, live=request.POST.get("live") == "1")


@console_call_view
@require_POST
def history_rerun_view(request, org, membership, token, pk):
    entry = selectors.history_get(user=request.user, organization=org, pk=pk)
    if entry.state.get("redacted"):  # a password or secret it sent is not kept: not re-sent as "********"
        return render(request, "console/_error.html", {
            "message": services.history_redacted_message(entry),
            "edit_url": f"{console_url(org, 'builder')}?history={entry.pk}",
            "edit_op": entry.operation_id,
        }, status=400)
    operation = operation_get(entry.operation_id)
    # in the context it was sent in (the history's "As"), whatever the current one
    return _send(request, org, membership, token, operation, _StateData(entry.state), context=_entry_context(entry))


class _StateData(dict):
    """A stored builder state ({name: [values]}) read like a QueryDict."""

    def getlist(self, key):
        return list(self.get(key) or [])


@console_view
@require_GET
def history_view(request, org, membership):
    return render(request, "console/_history.html",
                  {"org": org, "history": selectors.history_list(user=request.user, organization=org)})


@console_view
@require_POST
def history_clear_view(request, org, membership):
    services.console_history_clear(user=request.user, organization=org)
    return render(request, "console/_history.html", {"org": org, "history": []})


MSG_REVEAL_ENTRY_GONE = (
    "Your token cannot be shown for this request any more: it is no longer in your history (cleared, or replaced "
    "by newer requests). The command above is unchanged: set TOKEN in your shell to run it, or send the request "
    "again and reveal your token under its answer."
)


@console_view
@require_POST
def token_reveal_view(request, org, membership, pk):
    """"Copy as curl" with the user's own token of the context the request was sent in (they asked
    to reveal it), as "Reveal my token" under its response says."""
    try:
        entry = selectors.history_get(user=request.user, organization=org, pk=pk)
    except NotFoundError:
        if not request.htmx:
            raise
        # the history was cleared while the response was shown: the command stays in its place (it
        # was replaced by "This history entry does not exist."), and the note under it says why
        response = render(request, "console/_reveal_note.html", {"message": MSG_REVEAL_ENTRY_GONE})
        response["HX-Retarget"] = f"#reveal-note-{int(pk)}"
        response["HX-Reswap"] = "innerHTML"
        return response
    operation = operation_get(entry.operation_id)
    built = None
    if not entry.state.get("redacted"):
        try:
            built = request_build(operation=operation, data=_StateData(entry.state))
        except BuilderError as exc:
            return render(request, "console/_error.html", {"message": str(exc)})
    context = _entry_context(entry)
    try:
        token = services.console_token_get(user=request.user, organization=org, context=context)
    except (NotFoundError, PermissionError_, ConsoleError) as exc:
        if context.is_self:
            raise
        # that impersonation has ended since: why, rather than "this user does not exist"
        message = services.MSG_REVEAL_CONTEXT_LOST.format(
            context=_context_label(org, context), reason=services.impersonation_lost_reason(membership=membership, exc=exc))
        return render(request, "console/_error.html", {"message": message},
                      status=404 if isinstance(exc, NotFoundError) else 403 if isinstance(exc, PermissionError_) else 400)
    if built is None:
        # the password or secret it sent is not kept: no command with ******** in its place (it would
        # set that as the password); the token alone, for the command shown with $TOKEN
        return render(request, "console/_curl.html",
                      {"curl": f"export TOKEN={shlex.quote(token.access_token)}", "revealed": True, "redacted": True,
                       "impersonated": context.username})
    return render(request, "console/_curl.html",
                  {"curl": curl(base_url=org.core_api_url, built=built, token=token.access_token), "revealed": True,
                   "impersonated": context.username})
