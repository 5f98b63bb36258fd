"""The portal's URLs plus two bench-only views that do nothing: one for a signed-in htmx POST and
one for an anonymous GET. Both run the whole middleware stack; the difference between them is what
any signed-in form post to this portal pays before its view runs (session and user lookups, CSRF
check), which the bearer-token direct call does not pay."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from portal.urls import urlpatterns as portal_urlpatterns


@login_required
@require_POST
def signed_in_noop(request):
    return HttpResponse(f"<p>{request.user.username}</p>")


def anonymous_noop(request):
    return HttpResponse("<p>anonymous</p>")


urlpatterns = [
    path("_bench/signed-in-noop/", signed_in_noop),
    path("_bench/anonymous-noop/", anonymous_noop),
    *portal_urlpatterns,
]
