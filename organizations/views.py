"""HTML pages of organizations. Thin: parse input, call one service or selector, render.

Organizations are addressed as /organizations/<environment>/<Id>/ (a Staging twin shares its
Production org's Id). Someone who cannot see an organization gets 404 on every page of it.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from organizations import selectors, services
from organizations.forms import (
    CodeForm,
    ContributorForm,
    DecisionForm,
    OrganizationCreateForm,
    ProductionRequestForm,
    RenameForm,
    TransferForm,
)
from organizations.models import Environment, InvitationStatus, Organization
from organizations.permissions import IMPERSONATION_FLAGS
from organizations.roles import role_groups
from organizations.services import CodeAction
from portal.common.errors import ApplicationError, NotFoundError, PermissionError_

PAGE_SIZE = 20
SORTS = [("name", "Name (A–Z)"), ("-name", "Name (Z–A)"), ("id", "Id"), ("-created", "Newest"), ("created", "Oldest")]
ENV_TABS = ["All", *Environment.values]


def org_url(org: Organization, name: str = "detail", **kwargs) -> str:
    return reverse(f"organizations:{name}", kwargs={"env": org.environment.lower(), "oc_id": org.oc_id, **kwargs})


def deleted_organization_page(request, env, oc_id):
    """A page of the signed-in user's own deleted organization, opened (GET) from a bookmark,
    another tab or the history: a 404 saying it was deleted and until when Deleted organizations can
    restore it, not "Page not found". None for anyone else's address (still the plain 404)."""
    if request.method not in ("GET", "HEAD") or not request.user.is_authenticated:
        return None
    deleted = selectors.deleted_organization_find(actor=request.user, environment=env, oc_id=oc_id)
    if deleted is None:
        return None
    return render(request, "organizations/deleted_404.html", {"org": deleted}, status=404)


def org_view(view):
    """Resolve <env>/<oc_id> for the signed-in user (404 if they cannot see it) and pass
    (request, org, membership, ...)."""

    @login_required
    @wraps(view)
    def wrapper(request, env, oc_id, *args, **kwargs):
        try:
            try:
                org = selectors.organization_get(actor=request.user, environment=env, oc_id=oc_id)
            except NotFoundError:
                if (page := deleted_organization_page(request, env, oc_id)) is not None:
                    return page
                raise
            except ApplicationError as exc:  # an unknown environment in the address: nothing there
                raise NotFoundError(exc.message) from exc
            membership = selectors.membership_get(actor=request.user, organization=org)
            return view(request, org, membership, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(exc.message) from exc
        except PermissionError_ as exc:
            raise PermissionDenied(exc.message) from exc

    return wrapper


def post_only_or_redirect(to):
    """Only POST runs the view (as with Django's require_POST), but a GET or HEAD goes to the page
    that hosts the form instead of a blank 405.

    Such an address ends up in the address bar after a form re-renders with errors (e.g. a wrong
    code on Settings > Delete); reloading or reopening it should show that page again. `to` is a
    URL name or path, or a callable taking the view's arguments and returning an address. Other
    methods still get 405. Put it below @org_view, so an outsider still gets 404."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                return view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD"):
                return redirect(to(request, *args, **kwargs) if callable(to) else to)
            return HttpResponseNotAllowed(["POST"])

        return wrapper

    return decorator


def _explain_404_on_post(find, message: str, to: str):
    """Above @org_view: a POST that would be "Page not found" because it was done already (a
    double-click, a second tab) goes to `to` saying `message` ({name}) when `find(request, env, oc_id,
    *args, **kwargs)` finds the organization it was about; otherwise (anyone else) still 404."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, env, oc_id, *args, **kwargs):
            try:
                return view(request, env, oc_id, *args, **kwargs)
            except Http404:
                found = (find(request, env, oc_id, *args, **kwargs)
                         if request.method == "POST" and request.user.is_authenticated else None)
                if found is None:
                    raise
                messages.info(request, message.format(name=found.name))
                return redirect(to)

        return wrapper

    return decorator


def _deleted_by_owner(request, env, oc_id, *args, **kwargs):
    return selectors.deleted_organization_find(actor=request.user, environment=env, oc_id=oc_id)


def _left_by_self(request, env, oc_id, username="", *args, **kwargs):
    if (username or "").lower() != (request.user.username or "").lower():
        return None
    return selectors.left_organization_find(actor=request.user, environment=env, oc_id=oc_id)


MSG_DELETED_ALREADY = "{name} is already deleted. You can restore it from this list."
MSG_DELETED_MEANWHILE = "{name} was deleted meanwhile, so nothing was done. You can restore it from this list."
MSG_LEFT_ALREADY = "You already left {name}."
# on Delete: a second POST once the organization is deleted (a double-click, the Back button); only
# its owner is told
deleted_already = _explain_404_on_post(_deleted_by_owner, MSG_DELETED_ALREADY, "organizations:deleted")
# on the other forms of its pages (rename, codes, transfer, contributors), open in another tab
deleted_meanwhile = _explain_404_on_post(_deleted_by_owner, MSG_DELETED_MEANWHILE, "organizations:deleted")
# on Remove: the second Leave, once the user has left that organization themselves
left_already = _explain_404_on_post(_left_by_self, MSG_LEFT_ALREADY, "organizations:list")


def org_page(name: str = "detail", anchor: str = ""):
    """For post_only_or_redirect(to=...) under @org_view: a tab of the view's organization."""

    def address(request, org, membership, *args, **kwargs):
        return org_url(org, name) + (f"#{anchor}" if anchor else "")

    return address


def _page(request, qs, size=PAGE_SIZE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _querystring(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


# --- list, create ----------------------------------------------------------------------------------
NAME_ERRORS = {services.ERR_NAME_REQUIRED, services.ERR_NAME_TOO_LONG, services.ERR_NAME_CHARACTERS}


def _create_error_field(message: str) -> str | None:
    """The field of the create / production request form a service error is about (None: the form)."""
    if message in NAME_ERRORS:
        return "name"
    return "oc_id" if "Id" in message else None

@login_required
@require_safe
def organization_list_view(request):
    env = request.GET.get("env") or ""
    if env not in Environment.values:
        env = ""
    search = (request.GET.get("q") or "").strip()
    sort = request.GET.get("sort") or "name"
    if sort not in dict(SORTS):
        sort = "name"
    qs = selectors.organization_list(actor=request.user, environment=env or None, search=search, sort=sort)
    page = _page(request, qs)
    counts = selectors.organization_counts(actor=request.user, search=search)
    tabs = [
        {"label": label, "count": counts[label], "active": (env or "All") == label,
         "query": _querystring(request, env=None if label == "All" else label, page=None)}
        for label in ENV_TABS
    ]
    context = {
        "page": page, "tabs": tabs, "search": search, "sort": sort, "sorts": SORTS, "env": env,
        "prev_query": _querystring(request, page=page.previous_page_number()) if page.has_previous() else "",
        "next_query": _querystring(request, page=page.next_page_number()) if page.has_next() else "",
        "invitation_count": selectors.invitation_count_for_user(user=request.user),
    }
    if request.htmx and request.htmx.target == "org-results":
        return render(request, "organizations/list.html#results", context)
    return render(request, "organizations/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def organization_create_view(request):
    form = OrganizationCreateForm(request.POST or None, initial={"region": "usw"})
    if request.method == "POST" and form.is_valid():
        org = None
        try:
            org = services.organization_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            # a second identical submit (a double-click, a retry on a slow network) of a create that
            # succeeded: its success, not "already exists"
            org = selectors.organization_just_created(
                actor=request.user, environment=Environment.SANDBOX, **form.cleaned_data
            ) if isinstance(exc, services.IdTakenError) else None
            if org is None:
                form.add_error(_create_error_field(exc.message), exc.message)
        if org is not None:
            messages.success(request, f"Organization {org.name} created in Sandbox.")
            return redirect(org_url(org))
    return render(request, "organizations/create.html", {"form": form}, status=400 if form.errors else 200)


# --- one organization ----------------------------------------------------------------------------
def _org_context(request, org, membership, tab, **extra):
    return {
        "org": org, "membership": membership, "tab": tab,
        "staging_twin": selectors.staging_twin_get(actor=request.user, organization=org),
        "production_twin": selectors.production_twin_get(actor=request.user, organization=org),
        "can_create_twin": membership.is_owner and org.environment == Environment.PRODUCTION
        and not selectors.staging_twin_exists(organization=org),
        "staging_twin_blocked": selectors.staging_twin_blocked(organization=org)
        if membership.is_owner and org.environment == Environment.PRODUCTION else "",
        **extra,
    }


def _contributor_form_context(request, org, membership, form, editing=None):
    checked = set(form["roles"].value() or []) if form.is_bound else set(form.initial.get("roles", []))
    groups = [
        (label, [{"name": r, "checked": r in checked, "held": membership.holds_role(r)} for r in roles])
        for label, roles in role_groups()
    ]
    flags = [
        {"name": f, "label": form.fields[f].label, "checked": bool(form[f].value()), "held": membership.holds_flag(f)}
        for f in IMPERSONATION_FLAGS
    ]
    person = getattr(editing, "user", None) or getattr(editing, "invitee", None)
    return {"form": form, "role_groups": groups, "flags": flags, "editing": editing,
            "editing_user_id": person.pk if person is not None else None}


@org_view
@require_safe
def organization_detail_view(request, org, membership):
    """The Contributors tab (default tab of an organization)."""
    search = (request.GET.get("q") or "").strip()
    contributors = selectors.contributor_list(actor=request.user, organization=org, search=search)
    invitations = selectors.invitation_list_for_organization(actor=request.user, organization=org)
    owner = org.owner  # listed first, and like the others only when the search finds them
    show_owner = not search or any(search.casefold() in (value or "").casefold()
                                   for value in (owner.username, owner.name, owner.email))
    context = _org_context(request, org, membership, "contributors", contributors=contributors,
                           invitations=invitations, search=search, show_owner=show_owner)
    if membership.can_manage_contributors:
        context.update(_contributor_form_context(request, org, membership, ContributorForm()))
    return render(request, "organizations/detail.html", context)


ERR_TYPED_NOT_A_USERNAME = (
    "No portal user has the username “{text}”. To invite someone by name, press Change, type part of their "
    "name or username and choose them from the list."
)
ERR_EDIT_GONE = "{username} is not a contributor and has no pending invitation (any more): nothing was saved."
MSG_INVITED_RENAMED = (
    "Invitation sent to {username}, the person you picked as {shown}: they changed their username meanwhile."
)


def _picked_user_id(data) -> int | None:
    """The account id of the person picked in the invite form's search (user_autocomplete.html sends
    it with their username as `username_id`): the one invited, though they were renamed since and
    someone else took the username shown. None for a typed username (no JavaScript, Enter in the box)."""
    raw = data.get("username_id") or ""
    return int(raw) if data.get("username") and raw.isdigit() and len(raw) < 19 else None


def _addressed_username(request, org, username: str) -> str | None:
    """The username a contributor form or Edit link means. They carry the person's account id too
    (`user`): one renamed since the page was shown is found under the new username, and someone who
    took the old username meanwhile is never acted on: None when the person with that id is no
    longer the owner, a contributor or invited. Without an id (a typed address): the username given."""
    raw = (request.POST.get("user") if request.method == "POST" else request.GET.get("user")) or ""
    if not (raw.isdigit() and len(raw) < 19):
        return username
    return selectors.member_username_get(actor=request.user, organization=org, user_id=int(raw))


@deleted_meanwhile
@org_view
@require_http_methods(["GET", "POST"])
def contributor_save_view(request, org, membership, username=None):
    """GET: edit form for `username`. POST: invite (new user) or update access."""
    if not membership.can_manage_contributors:
        raise PermissionDenied(services.ERR_NOT_ADMIN)
    editing = None
    if username is not None:
        addressed = _addressed_username(request, org, username)
        if addressed is None:  # removed, revoked or declined while the page was open
            if request.method != "POST":
                raise Http404(ERR_EDIT_GONE.format(username=username))
            messages.error(request, ERR_EDIT_GONE.format(username=username))
            return redirect(org_url(org))
        username = addressed
    if username is not None and username.lower() in {(request.user.username or "").lower(),
                                                     (org.owner.username or "").lower()} - {""}:
        # no Edit link leads here (a typed or old address): a form that could only be refused
        own = username.lower() == (request.user.username or "").lower()
        messages.error(request, services.ERR_SELF_INVITE if own else services.ERR_OWNER_ACCESS_FIXED)
        return redirect(org_url(org))
    if username is not None:
        try:
            editing = selectors.member_permissions_get(actor=request.user, organization=org, username=username)
        except NotFoundError:
            editing = next(
                (i for i in selectors.invitation_list_for_organization(actor=request.user, organization=org)
                 if i.invitee.username.lower() == username.lower()), None)
            if editing is None and request.method == "POST":
                # removed, revoked or declined while the Edit page was open (another admin, a second
                # tab): say that nothing was saved, not "Page not found"
                messages.error(request, ERR_EDIT_GONE.format(username=username))
                return redirect(org_url(org))
            if editing is None:
                raise
    if request.method == "POST":
        data = request.POST.copy()
        typed = False
        picked_id = shown = None
        if editing is not None:
            data["username"] = username
        elif (picked_id := _picked_user_id(data)) is not None:
            # invited by id; the form (shown again on an error) names them by their username now
            shown = data["username"]
            data["username"] = selectors.user_username_get(user_id=picked_id) or shown
        elif not data.get("username") and data.get("q", "").strip():
            typed = True
            # Enter pressed in the search box without picking a suggestion: the typed text is
            # taken as a username (found case-insensitively, or "no such user" with the text kept)
            data["username"] = data["q"].strip()
        form = ContributorForm(data)
        if form.is_valid():
            try:
                # the invite form invites; a contributor's access is changed with Edit (their row)
                result = services.contributor_save(actor=request.user, organization=org, **form.cleaned_data,
                                                   invite_only=editing is None, user_id=picked_id)
            except ApplicationError as exc:
                on_username = exc.message in (services.ERR_USER_NOT_FOUND, services.ERR_PICKED_USER_GONE) or isinstance(
                    exc, services.AlreadyContributorError)
                message = exc.message
                if typed and message == services.ERR_USER_NOT_FOUND:  # often a name typed in full
                    message = ERR_TYPED_NOT_A_USERNAME.format(text=data["username"])
                form.add_error("username" if on_username else None, message)
            else:
                if hasattr(result, "invitee") and shown and shown.lower() != result.invitee.username.lower():
                    messages.success(request, MSG_INVITED_RENAMED.format(username=result.invitee.username, shown=shown))
                elif hasattr(result, "invitee"):
                    messages.success(request, f"Invitation sent to {result.invitee.username}.")
                else:
                    messages.success(request, f"Access of {result.user.username} updated.")
                return redirect(org_url(org))
        template = "organizations/contributor_edit.html" if editing is not None else "organizations/detail.html"
        context = _org_context(
            request, org, membership, "contributors",
            contributors=selectors.contributor_list(actor=request.user, organization=org), show_owner=True,
            invitations=selectors.invitation_list_for_organization(actor=request.user, organization=org),
            **_contributor_form_context(request, org, membership, form, editing=editing),
            picked_user_id=picked_id,  # still the one picked, when the form is sent again
        )
        return render(request, template, context, status=400)
    if editing is None:
        return redirect(org_url(org))
    initial = {"username": username, "is_admin": editing.is_admin, "roles": sorted(editing.roles),
               **{f: getattr(editing, f) for f in IMPERSONATION_FLAGS}}
    form = ContributorForm(initial=initial)
    return render(request, "organizations/contributor_edit.html", _org_context(
        request, org, membership, "contributors", **_contributor_form_context(request, org, membership, form, editing)))


@deleted_meanwhile
@left_already
@org_view
@post_only_or_redirect(to=org_page("detail"))
def contributor_remove_view(request, org, membership, username):
    addressed = _addressed_username(request, org, username)
    if addressed is None:  # removed or revoked already (a second tab), maybe renamed meanwhile
        messages.info(request, services.ERR_CONTRIBUTOR_NOT_FOUND)
        return redirect(org_url(org))
    username = addressed
    try:
        done = services.contributor_remove(actor=request.user, organization=org, username=username)
    except ApplicationError as exc:
        if isinstance(exc, NotFoundError) and exc.message == services.ERR_CONTRIBUTOR_NOT_FOUND:
            # removed or revoked already (a double-click on Remove, a second tab): say so, not "Page
            # not found" (the first click did its job); the actor can see the organization
            messages.info(request, exc.message)
            return redirect(org_url(org))
        if isinstance(exc, PermissionError_ | NotFoundError):
            raise
        messages.error(request, exc.message)
        return redirect(org_url(org))
    if done == services.LEFT:
        messages.success(request, f"You left {org.name}.")
        return redirect("organizations:list")
    if done == services.REVOKED:  # they never had access: their invitation no longer stands
        messages.success(request, f"The invitation of {username} to {org.name} was revoked.")
    else:
        messages.success(request, f"{username} no longer has access to {org.name}.")
    return redirect(org_url(org))


# --- settings: rename, transfer, delete ----------------------------------------------------------
def _code_session_key(org, action):
    return f"orgcode:{org.pk}:{action}"


def _transfer_chosen_id(request) -> int | None:
    """The account id of the new owner chosen on Settings > Transfer ownership. The list offers
    contributors by username (`new_owner`) and the form carries, for each, the id it was shown for
    (`candidate` = "<id>:<username>"): someone renamed meanwhile is still the one chosen, and whoever
    took the username shown is never made the owner. None without it (a typed or older form): the
    username given, as before."""
    chosen = request.POST.get("new_owner") or ""
    for shown in request.POST.getlist("candidate"):
        raw, _, username = shown.partition(":")
        if username == chosen and raw.isdigit() and len(raw) < 19:
            return int(raw)
    return None


def _code_status(request, org, action) -> dict:
    """The code step of the transfer or delete form (organizations/_code_step.html): where the
    code was sent ("Code sent to ..."), and whether that email could not be delivered.

    The field for the code is shown while a code can be used, whether or not this session sent
    it (signed in again, another browser: "Email me a code" would only answer that one was sent
    less than a minute ago, with nowhere to type it); once it expired or was used, the page
    offers to send a new one instead of "valid for 5 minutes"."""
    sent_to = request.session.get(_code_session_key(org, action))
    undelivered = bool(sent_to) and selectors.action_code_delivery_failed(
        user=request.user, action=action, organization=org)
    live = not undelivered and selectors.action_code_live(user=request.user, action=action, organization=org)
    return {f"{action}_code": {"action": action,
                               "sent_to": (sent_to or services.mask_email(request.user.email)) if live else None,
                               "undelivered": services.ERR_CODE_UNDELIVERED.format(to=sent_to) if undelivered else ""}}


def _settings_render(request, org, membership, *, rename_form=None, transfer_form=None, delete_form=None, status=200):
    # a deactivated account cannot become the owner (the transfer refuses it): not offered
    contributors = selectors.contributor_list(actor=request.user, organization=org).filter(user__is_active=True)
    if transfer_form is not None:
        chosen, chosen_id = transfer_form["new_owner"].value(), _transfer_chosen_id(request)
    else:  # the person "Email me a code" was sent for, by id (renamed meanwhile: still them)
        chosen = request.session.get(_code_session_key(org, "transfer") + ":to", "")
        chosen_id = request.session.get(_code_session_key(org, "transfer") + ":to_user")
    context = _org_context(
        request, org, membership, "settings",
        rename_form=rename_form or RenameForm(initial={"name": org.name}),
        transfer_form=transfer_form or TransferForm(initial={"new_owner": chosen}),
        transfer_chosen_id=chosen_id,
        delete_form=delete_form or CodeForm(),
        transfer_candidates=contributors,
        # the chosen new owner is no longer a contributor (left, removed): the list must not fall
        # back to its first name, one click (the code kept) from transferring to someone else
        # (by id when the form carried it: the username shown may be someone else's now)
        transfer_choose_again=not any(c.user_id == chosen_id for c in contributors) if chosen_id else bool(
            chosen) and not any((c.user.username or "").lower() == str(chosen).lower() for c in contributors),
        **_code_status(request, org, CodeAction.TRANSFER),
        **_code_status(request, org, CodeAction.DELETE),
        restore_days=selectors.restore_days(),
    )
    return render(request, "organizations/settings.html", context, status=status)


MSG_NAME_UNCHANGED = "The name is unchanged: nothing was saved."


@deleted_meanwhile
@org_view
@require_http_methods(["GET", "POST"])
def organization_settings_view(request, org, membership):
    """GET the Settings tab; POST renames (admins)."""
    if request.method == "GET":
        return _settings_render(request, org, membership)
    if not membership.can_rename:
        raise PermissionDenied(services.ERR_NOT_ADMIN)
    form = RenameForm(request.POST)
    if form.is_valid():
        try:
            unchanged = form.cleaned_data["name"].strip() == org.name
            services.organization_rename(actor=request.user, organization=org, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            form.add_error("name", exc.message)
        else:
            if unchanged:  # the service does nothing (and logs nothing) then
                messages.info(request, MSG_NAME_UNCHANGED)
            else:
                messages.success(request, "Organization renamed.")
            return redirect(org_url(org, "settings"))
    return _settings_render(request, org, membership, rename_form=form, status=400)


def _code_step_address(request, org, membership, action):
    """Where a GET of a send-code address goes: its code step on Settings; an unknown action is not
    found, as it is for a POST (it redirected to settings/#bogus)."""
    if action not in (CodeAction.TRANSFER, CodeAction.DELETE):
        raise Http404("Unknown action")
    return org_url(org, "settings") + f"#{action}"


MSG_NO_LONGER_OWNER = "{name} now belongs to {owner}: only they can {action} it."


def _not_owner(request, org, action: str):
    """A non-owner's delete or code request: the former owner (a page left open from before they
    transferred it, another tab) goes to the organization's page told who owns it now; anyone else
    gets 403 as before."""
    if selectors.organization_transferred_away_by(actor=request.user, organization=org):
        messages.info(request, MSG_NO_LONGER_OWNER.format(name=org.name, owner=org.owner.username, action=action))
        return redirect(org_url(org))
    raise PermissionDenied(services.ERR_NOT_OWNER)


@deleted_meanwhile
@org_view
@post_only_or_redirect(to=_code_step_address)
def action_code_send_view(request, org, membership, action):
    if action not in (CodeAction.TRANSFER, CodeAction.DELETE):
        raise Http404("Unknown action")
    if not membership.is_owner:
        return _not_owner(request, org, action)
    if action == CodeAction.TRANSFER:
        request.session[_code_session_key(org, "transfer") + ":to"] = request.POST.get("new_owner", "")
        request.session[_code_session_key(org, "transfer") + ":to_user"] = _transfer_chosen_id(request)
    try:
        masked = services.action_code_send(user=request.user, action=action, organization=org)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        # said once, in the form that takes the code ("Code sent to ..."), not again in a banner
        request.session[_code_session_key(org, action)] = masked
    return redirect(org_url(org, "settings") + f"#{action}")


def _verify(request, org, action, code, form) -> bool:
    if not code:
        form.add_error("code", "Enter the 6-digit code from the email.")
        return False
    try:
        services.action_code_verify(user=request.user, action=action, organization=org, code=code)
    except services.CodeError as exc:
        form.add_error("code", exc.message)
        return False
    return True


@deleted_meanwhile
@org_view
@post_only_or_redirect(to=org_page("settings", anchor="transfer"))
def organization_transfer_view(request, org, membership):
    chosen_id = _transfer_chosen_id(request)
    if not membership.is_owner:
        if chosen_id == org.owner_id or (
                chosen_id is None
                and (request.POST.get("new_owner") or "").strip().lower() == (org.owner.username or "").lower() != ""):
            # done already (a double-click on Transfer ownership, a second tab): the first POST made
            # them the owner; say so rather than "Not allowed (403): Only the owner can do this."
            messages.info(request, MSG_TRANSFERRED_ALREADY.format(name=org.name, owner=org.owner.username))
            return redirect(org_url(org))
        return _not_owner(request, org, CodeAction.TRANSFER)
    form = TransferForm(request.POST)
    if form.is_valid():  # a refused new owner must not use up the code
        try:
            services.organization_transfer_check(actor=request.user, organization=org,
                                                 new_owner_username=form.cleaned_data["new_owner"],
                                                 new_owner_id=chosen_id)
        except ApplicationError as exc:
            form.add_error("new_owner", exc.message)
    if form.is_valid() and _verify(request, org, CodeAction.TRANSFER, form.cleaned_data["code"], form):
        try:
            services.organization_transfer(actor=request.user, organization=org,
                                           new_owner_username=form.cleaned_data["new_owner"],
                                           new_owner_id=chosen_id, confirmed=True)
        except ApplicationError as exc:
            form.add_error("new_owner", exc.message)
        else:
            request.session.pop(_code_session_key(org, CodeAction.TRANSFER), None)
            twin = selectors.staging_twin_get(actor=request.user, organization=org)
            along = " Its Staging twin went with it." if twin is not None and twin.owner_id == org.owner_id else ""
            # their username now (the one chosen may have been renamed meanwhile)
            messages.success(request, f"{org.name} now belongs to {org.owner.username}.{along} "
                                      "You remain an Organization Admin.")
            return redirect(org_url(org))
    return _settings_render(request, org, membership, transfer_form=form, status=400)


MSG_TRANSFERRED_ALREADY = "{name} already belongs to {owner}."
MSG_RESTORED_ALREADY = "{name} is not deleted: there is nothing to restore."


@deleted_already
@org_view
@post_only_or_redirect(to=org_page("settings", anchor="delete"))
def organization_delete_view(request, org, membership):
    if not membership.is_owner:
        return _not_owner(request, org, CodeAction.DELETE)
    form = CodeForm(request.POST)
    if form.is_valid() and _verify(request, org, CodeAction.DELETE, form.cleaned_data["code"], form):
        services.organization_delete(actor=request.user, organization=org, confirmed=True)
        request.session.pop(_code_session_key(org, CodeAction.DELETE), None)
        days = selectors.restore_days()
        messages.success(request, f"{org.name} was deleted. You can restore it for "
                                  f"{days} day{pluralize(days)} under Deleted organizations.")
        return redirect("organizations:deleted")
    return _settings_render(request, org, membership, delete_form=form, status=400)


@org_view
@require_safe
def organization_activity_view(request, org, membership):
    entries = selectors.audit_list(actor=request.user, organization=org)
    return render(request, "organizations/activity.html",
                  _org_context(request, org, membership, "activity", page=_page(request, entries, 50)))


@org_view
@post_only_or_redirect(to=org_page("detail"))
def staging_twin_create_view(request, org, membership):
    if not membership.is_owner:
        raise PermissionDenied(services.ERR_NOT_OWNER)
    try:
        twin = services.staging_twin_create(actor=request.user, production_org=org)
    except ApplicationError as exc:
        # a second submit (a double-click, a retry) of the create that made it: go to it
        twin = selectors.organization_just_created(actor=request.user, environment=Environment.STAGING,
                                                   oc_id=org.oc_id)
        if twin is None:
            messages.error(request, exc.message)
            return redirect(org_url(org))
    messages.success(request, f"Staging twin of {org.name} created.")
    return redirect(org_url(twin))


# --- invitations, deleted orgs -------------------------------------------------------------------
@login_required
@require_safe
def invitation_list_view(request):
    invitations = list(selectors.invitation_list_for_user(user=request.user))
    for invitation in invitations:  # Accept carries the offer shown (invitation_respond_view)
        invitation.offer = services.invitation_offer(invitation)
    return render(request, "organizations/invitations.html", {"invitations": invitations})


MSG_INVITATION_ORG_DELETED = "{name} was deleted by its owner, so its invitation can no longer be answered."


@login_required
@post_only_or_redirect(to="organizations:invitations")
def invitation_respond_view(request, pk, decision):
    invitation = selectors.invitation_list_for_user(user=request.user).filter(pk=pk).first()
    if invitation is None:
        # answered already (the Back button, a second tab): say so rather than "not found"
        answered = selectors.invitation_answered_get(user=request.user, pk=pk)
        if answered is not None and answered.status == InvitationStatus.ACCEPTED:
            messages.info(request, f"You already joined {answered.organization.name}.")
            return redirect(org_url(answered.organization))
        if answered is not None and answered.status == InvitationStatus.DECLINED:
            messages.info(request, f"You already declined the invitation to {answered.organization.name}.")
            return redirect("organizations:invitations")
        closed = selectors.invitation_closed_get(user=request.user, pk=pk)
        if closed is not None:  # expired or withdrawn while the page was open: say so, not "not found"
            messages.error(request, services.ERR_INVITE_EXPIRED if closed.is_expired
                           else services.ERR_INVITE_REVOKED.format(organization=closed.organization.name))
            return redirect("organizations:invitations")
        gone = selectors.invitation_to_deleted_get(user=request.user, pk=pk)
        if gone is not None:  # its organization was deleted while the page was open (the invitee knew of it)
            messages.error(request, MSG_INVITATION_ORG_DELETED.format(name=gone.organization.name))
            return redirect("organizations:invitations")
        raise Http404("No such invitation.")
    org = invitation.organization
    try:
        if decision == "accept":
            # what the page showed: changed since (an admin edited it), it is shown again, not accepted
            services.invitation_accept(actor=request.user, organization=org, offer=request.POST.get("offer"))
        else:
            services.invitation_decline(actor=request.user, organization=org)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("organizations:invitations")
    if decision == "accept":
        messages.success(request, f"You joined {org.name}.")
        return redirect(org_url(org))
    messages.success(request, f"You declined the invitation to {org.name}.")
    return redirect("organizations:invitations")


@login_required
@require_safe
def deleted_list_view(request):
    return render(request, "organizations/deleted.html", {
        "organizations": selectors.deleted_organization_list(actor=request.user),
        "restore_days": selectors.restore_days(),
    })


def _owned_organization(user, pk: int) -> Organization | None:
    try:
        org = selectors.organization_get(actor=user, pk=pk)
    except NotFoundError:
        return None
    return org if org.owner_id == user.pk else None


@login_required
@post_only_or_redirect(to="organizations:deleted")
def organization_restore_view(request, pk):
    try:
        org = selectors.deleted_organization_get(actor=request.user, pk=pk)
        services.organization_restore(actor=request.user, organization=org)
    except NotFoundError as exc:
        # restored already (a double-click on Restore, a second tab): say so and open it
        restored = _owned_organization(request.user, pk)
        if restored is None:
            raise Http404(exc.message) from exc
        messages.info(request, MSG_RESTORED_ALREADY.format(name=restored.name))
        return redirect(org_url(restored))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("organizations:deleted")
    messages.success(request, f"{org.name} was restored.")
    return redirect(org_url(org))


# --- production requests -------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def production_request_view(request):
    form = ProductionRequestForm(request.POST or None, initial={"region": "usw"})
    if request.method == "POST" and form.is_valid():
        try:
            services.production_request_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            # a second identical submit (a double-click, a retry) of the request just sent: sent
            sent = exc.message == services.ERR_PRODUCTION_PENDING and selectors.production_request_just_sent(
                actor=request.user, **form.cleaned_data) is not None
            if not sent:
                form.add_error(_create_error_field(exc.message), exc.message)
        if not form.errors:
            messages.success(request, "Your request was sent. We will email you when staff have decided.")
            return redirect("organizations:production")
    requests_ = selectors.production_request_list(actor=request.user)
    return render(request, "organizations/production.html", {"form": form, "requests": requests_},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def production_review_view(request, pk=None):
    """Staff only (others: 404): pending production requests, approve or reject with a message."""
    form = None
    try:
        pending = selectors.production_request_list_for_staff(actor=request.user)
        if request.method == "GET" and pk is not None:  # the decide address of a request that does not exist: 404
            selectors.production_request_get_for_staff(actor=request.user, pk=pk)
        if request.method == "POST":
            req = selectors.production_request_get_for_staff(actor=request.user, pk=pk)
            form = DecisionForm(request.POST)
            # an over-long message or an unknown decision: said next to that request with the message
            # kept, not decided without the message (or taken for a rejection)
            if form.is_valid():
                approve = form.cleaned_data["decision"] == "approve"
                try:
                    services.production_request_decide(actor=request.user, request=req, approve=approve,
                                                       message=form.cleaned_data["message"])
                except ApplicationError as exc:
                    if exc.message != services.ERR_REJECT_MESSAGE_REQUIRED:  # e.g. decided meanwhile: gone from the list
                        messages.error(request, f"{req.oc_id}: {exc.message}")
                        return redirect("organizations:production-review")
                    form.add_error("message", exc.message)  # next to that request's message box, as form errors are
                else:
                    messages.success(request, f"Request {req.oc_id} {'approved' if approve else 'rejected'}.")
                    return redirect("organizations:production-review")
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    decided = selectors.production_request_list_for_staff(actor=request.user, status=None).exclude(status="pending")[:20]
    pending = list(pending)
    conflicts = selectors.production_request_staging_conflicts(requests=pending)
    for req in pending:  # approving it would be refused: say so before Approve is pressed
        req.staging_conflict = services.ERR_APPROVE_STAGING_LEFTOVER.format(id=req.oc_id) if req.pk in conflicts else ""
    return render(request, "organizations/production_review.html",
                  {"pending": pending, "decided": decided, "form": form, "form_pk": pk if form else None},
                  status=400 if form else 200)
