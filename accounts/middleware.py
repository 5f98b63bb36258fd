from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

# Views a signed-in user without a portal username may still reach: the choose page itself,
# signing out, and the rest of an allauth social login (callback, pending sign-up form, errors).
ALLOWED_VIEW_NAMES = frozenset(
    {
        "accounts:username-choose",
        "account_logout",
        "github_login",
        "github_callback",
        "google_login",
        "google_callback",
        "socialaccount_signup",
        "socialaccount_login_cancelled",
        "socialaccount_login_error",
        "healthz",
    }
)
ALLOWED_PATH_PREFIXES = ("/healthz", "/api/", "/core/")


class UsernameRequiredMiddleware:
    """Send a signed-in user without a valid portal username (a new social sign-up, or a legacy
    account whose username was an email address) to "Choose your username" before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        path = request.path_info
        # before touching request.user: the JSON APIs never read the session (no lookup, no Vary: Cookie)
        if path.startswith(ALLOWED_PATH_PREFIXES) or path.startswith(settings.STATIC_URL):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.has_valid_username:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALLOWED_VIEW_NAMES:
            return None
        url = reverse("accounts:username-choose")
        if request.method == "GET" and not getattr(request, "htmx", False):
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)


MSG_SIGNED_OUT_NOTHING_DONE = (
    "You were signed out (perhaps in another tab or window), so nothing was saved or sent. "
    "Sign in, then try again."
)


def _same_site_page(request, url: str) -> str:
    """The path and query of `url` when it is a page of this site, else ""."""
    page = urlsplit(url)
    path = page.path + (f"?{page.query}" if page.query else "")
    if page.netloc != request.get_host() or not path.startswith("/") or path.startswith("//"):
        return ""
    if any(ord(char) < 32 or ord(char) == 127 for char in path):
        return ""
    return path


class SignedOutMiddleware:
    """What a page left open after signing out (in another tab, or a session that ended) gets when it
    is used. login_required answers with a redirect to the sign-in page: htmx followed it and put the
    whole sign-in page inside the panel it targets (the console's response, a list), and a form's
    submission was dropped without a word. Now an htmx request makes the browser go to the sign-in
    page, which comes back to the page afterwards, and a form's submission is said to have done
    nothing; signing in comes back to the page the form was on (its Referer), not to where it was sent.
    A plain page opened while signed out is asked to sign in as before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 302 or request.path_info.startswith(ALLOWED_PATH_PREFIXES):
            return response
        login = resolve_url(settings.LOGIN_URL)
        location = urlsplit(response.get("Location", ""))
        # login_required's redirect names the page to come back to (signing out's own has no "next")
        if location.path != login or "next=" not in location.query or request.user.is_authenticated:
            return response
        htmx = request.headers.get("HX-Request") == "true"
        if request.method == "POST" or htmx and request.method not in ("GET", "HEAD"):
            messages.warning(request, MSG_SIGNED_OUT_NOTHING_DONE)
        if not htmx:
            page = _same_site_page(request, request.headers.get("Referer", ""))
            if request.method == "POST" and page and page != login:
                # back to the page the form was on: its action may be POST only (Unlink was a 405 after
                # signing in) or drop the page's query (Change password's ?next=)
                return redirect(f"{login}?{urlencode({'next': page})}")
            return response
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        next_url = page.path + (f"?{page.query}" if page.query else "") if page.netloc == request.get_host() else ""
        url = f"{login}?{urlencode({'next': next_url})}" if next_url.startswith("/") and not next_url.startswith("//") else login
        return HttpResponseClientRedirect(url)
