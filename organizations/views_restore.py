"""Staging restore pages: the "Staging restore" tab of a Staging organization (Organization Admins).

GET  restore/                      the page: restore now, live progress, history, webhook, deliveries
POST restore/                      start a restore now
GET  restore/<pk>/progress/        htmx: the progress card (polled every second while it runs; the page
                                   reloads once it has finished, or the poll is refused)
POST restore/webhook/              save (action=save), test (action=test) or remove (action=delete)
"""

import secrets
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils.text import Truncator
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRefresh

from organizations import selectors_restore, services_restore
from organizations.models import Environment, StagingRestoreStatus
from organizations.views import _org_context, _page, org_page, org_url, org_view, post_only_or_redirect
from portal.common.errors import ApplicationError, NotFoundError, PermissionError_

RESTORE_STARTED = "Restore started: Staging is being replaced by a copy of Production."
RESTORE_DONE = "Restore done: Staging now holds a copy of Production."
RESTORE_FAILED = "Restore failed: {error} Staging kept its previous data."
TEST_UNSAVED = ("The URL or HashKey above is not saved yet, and a test goes to the saved webhook: "
                "save it first, then send the test.")
TEST_QUEUED = "Test payload queued. Its delivery appears below."
TEST_DELIVERED = "Test delivered: HTTP {status}."
TEST_NOT_DELIVERED = "Test not delivered: {error} ({attempts}, see the deliveries below)"
WEBHOOK_ALREADY_REMOVED = "The staging restore webhook was already removed."
RESTORE_CONFIRM = ("Restore now? All of Staging's data in {name} will be replaced by a copy of Production. "
                   "Changes made in Staging since the last restore are lost.")


def _restore_context(request, org, membership, **extra):
    try:
        runs = selectors_restore.staging_restore_list(actor=request.user, organization=org)
    except services_restore.RestoreError as exc:  # not a Staging org: there is no such page
        raise Http404(exc.message) from exc
    latest = runs.first()
    hook = selectors_restore.restore_webhook_find(actor=request.user, organization=org)
    deliveries = selectors_restore.restore_webhook_delivery_list(actor=request.user, organization=org)[:20]
    return _org_context(
        request, org, membership, "restore", restore_confirm=RESTORE_CONFIRM.format(name=org.name),
        restore_form_token=secrets.token_urlsafe(24),
        latest=latest, latest_stale=bool(latest) and selectors_restore.staging_restore_is_stale(restore=latest),
        latest_delivery=selectors_restore.restore_webhook_last_attempt(restore=latest) if latest else None,
        blocker=selectors_restore.staging_restore_blocker(actor=request.user, organization=org),
        progress=selectors_restore.staging_restore_progress(restore=latest) if latest else None,
        history=_page(request, runs, 10), hook=hook, deliveries=deliveries,
        hook_max_attempts=services_restore.RESTORE_WEBHOOK_MAX_ATTEMPTS, no_task_queue=settings.CELERY_TASK_ALWAYS_EAGER,
        stale_hours=int(services_restore.STAGING_RESTORE_STALE_AFTER.total_seconds() // 3600),
        hook_url=extra.pop("hook_url", hook.url if hook else ""),
        hook_hash_key=extra.pop("hook_hash_key", hook.hash_key if hook else ""),
        **extra,
    )


def staging_only(view):
    """The tab exists on Staging organizations only: elsewhere its addresses are not found (404) for
    everyone, a GET or a POST, rather than "admins only" to a member or an error message on a page
    that does not exist."""

    @wraps(view)
    def wrapper(request, org, membership, *args, **kwargs):
        if org.environment != Environment.STAGING:
            raise Http404(services_restore.ERR_RESTORE_STAGING_ONLY)
        return view(request, org, membership, *args, **kwargs)

    return wrapper


@org_view
@staging_only
@require_http_methods(["GET", "POST"])
def staging_restore_view(request, org, membership):
    if request.method == "POST":
        try:
            form_token = request.POST.get("form_token", "")
            run = selectors_restore.staging_restore_of_form(actor=request.user, organization=org, form_token=form_token)
            if run is None:
                run = services_restore.staging_restore_start(actor=request.user, organization=org,
                                                             form_token=form_token)
        except (NotFoundError, PermissionError_):
            raise
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            run.refresh_from_db()  # without a task queue it has run already: say how it went
            if run.status == StagingRestoreStatus.SUCCEEDED:
                messages.success(request, RESTORE_DONE)
            elif run.status == StagingRestoreStatus.FAILED:
                messages.error(request, RESTORE_FAILED.format(error=run.error))
            else:
                messages.success(request, RESTORE_STARTED)
        return redirect(org_url(org, "staging-restore"))
    return render(request, "organizations/staging_restore.html", _restore_context(request, org, membership))


def _poll(view):
    """The progress card polls its view every second (htmx). When the answer is not the card of a
    running restore, the page is reloaded (HX-Refresh) instead of swapping it: signed out, htmx
    followed the redirect and put the whole sign-in page inside the card; access lost (404/403),
    htmx swapped nothing and the card said "Running" for ever, polling; finished, the card was
    swapped but the disabled "Restore now" button and the history stayed as they were."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.htmx:
            return view(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return HttpResponseClientRefresh()  # the reloaded page asks to sign in, then comes back
        try:
            return view(request, *args, **kwargs)
        except (Http404, PermissionDenied) as exc:
            response = HttpResponse(status=404 if isinstance(exc, Http404) else 403)
            response["HX-Refresh"] = "true"  # the reloaded page says why (htmx reads it on any status)
            return response

    return wrapper


@_poll
@org_view
@staging_only
@require_safe
def staging_restore_progress_view(request, org, membership, pk):
    try:
        run = selectors_restore.staging_restore_get(actor=request.user, organization=org, pk=pk)
    except services_restore.RestoreError as exc:
        raise Http404(exc.message) from exc
    if request.htmx and (not run.is_active or selectors_restore.staging_restore_is_stale(restore=run)):
        return HttpResponseClientRefresh()  # the whole tab: report, history, "Restore now" enabled again
    context = _org_context(request, org, membership, "restore", latest=run,
                           progress=selectors_restore.staging_restore_progress(restore=run))
    return render(request, "organizations/staging_restore.html#progress", context)


HASH_KEY_ERRORS = {services_restore.ERR_WEBHOOK_HASH_KEY_TOO_LONG, services_restore.ERR_WEBHOOK_HASH_KEY_NUL}


def _hook_error_field(action: str, message: str) -> str:
    """The webhook form's input an error is about ("url", "hash_key"), marked aria-invalid and
    pointing at it; "" for one about the form (Send test with unsaved changes, no task queue)."""
    if message in HASH_KEY_ERRORS:
        return "hash_key"
    return "url" if action == "save" else ""


def _say_test_outcome(request, org, delivery_id: str) -> None:
    """Without a task queue the test has been tried already (every attempt) when the page comes back:
    say how it went rather than "queued" (which read as a success after 5 refused connections)."""
    outcome = selectors_restore.restore_webhook_delivery_outcome(organization=org, delivery_id=delivery_id)
    if outcome is None:
        messages.success(request, TEST_QUEUED)
    elif outcome.ok:
        messages.success(request, TEST_DELIVERED.format(status=outcome.status_code))
    else:
        attempts = f"{outcome.attempt} attempt{pluralize(outcome.attempt)}"
        messages.error(request, TEST_NOT_DELIVERED.format(error=Truncator(outcome.error).chars(200), attempts=attempts))


@org_view
@staging_only
@post_only_or_redirect(to=org_page("staging-restore", anchor="webhook"))
def restore_webhook_view(request, org, membership):
    action = request.POST.get("action", "save")
    url, hash_key = request.POST.get("url", ""), request.POST.get("hash_key", "")
    try:
        if action == "delete":
            services_restore.restore_webhook_delete(actor=request.user, organization=org)
            messages.success(request, "Staging restore webhook removed.")
        elif action == "test":
            hook = selectors_restore.restore_webhook_find(actor=request.user, organization=org)
            if hook is not None and "url" in request.POST and (url.strip(), hash_key) != (hook.url, hook.hash_key):
                raise services_restore.RestoreError(TEST_UNSAVED)  # the form again, with what was typed
            payload = services_restore.restore_webhook_test(actor=request.user, organization=org)
            _say_test_outcome(request, org, payload["DeliveryID"])
        else:
            services_restore.restore_webhook_save(actor=request.user, organization=org, url=url, hash_key=hash_key)
            messages.success(request, "Staging restore webhook saved.")
    except (NotFoundError, PermissionError_) as exc:
        if action != "save" and isinstance(exc, NotFoundError) and exc.message == services_restore.ERR_WEBHOOK_NOT_FOUND:
            if action == "delete":  # Remove posted twice (a double-click, a retry): done, not an error
                messages.info(request, WEBHOOK_ALREADY_REMOVED)
            else:
                messages.error(request, exc.message)
            return redirect(org_url(org, "staging-restore"))
        raise
    except ApplicationError as exc:
        context = _restore_context(request, org, membership, hook_url=url, hook_hash_key=hash_key,
                                   hook_error=exc.message, hook_error_field=_hook_error_field(action, exc.message))
        return render(request, "organizations/staging_restore.html", context, status=400)
    return redirect(org_url(org, "staging-restore") + "#webhook")
