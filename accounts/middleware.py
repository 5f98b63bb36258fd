from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
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
