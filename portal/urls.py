from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from accounts import views as accounts_views
from portal import views
from portal.api import api as portal_api

# the database not answering is a 503 page (or API error), not "Something went wrong (500)"
handler500 = "portal.common.dbdown.server_error"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("healthz", views.healthz_view, name="healthz"),
    # pages outside the portal's layout (the admin site) still get an icon, not a 404
    path("favicon.ico", views.favicon_view),
    # Profile > Email with a message when a re-sent confirmation is held back (before allauth's own)
    path("accounts/email/", accounts_views.email_manage_view, name="account_email"),
    # sign-up answering a username taken at the same moment by another sign-up with the form, not a 500
    path("accounts/signup/", accounts_views.signup_view, name="account_signup"),
    # the provider sign-up form answering a double-click on its button by signing in, not with a 500
    path("accounts/3rdparty/signup/", accounts_views.social_signup_view, name="socialaccount_signup"),
    # an email confirmation link opened (or confirmed) again says the address is confirmed already
    re_path(r"^accounts/confirm-email/(?P<key>[-:\w]+)/$", accounts_views.confirm_email_view, name="account_confirm_email"),
    # "Set a password" sent from a second tab after the first set one says the typed one was not saved
    path("accounts/password/set/", accounts_views.password_set_view, name="account_set_password"),
    # "Forgot password" mails a link only to an account's primary or confirmed address, never an unconfirmed extra
    path("accounts/password/reset/", accounts_views.password_reset_view, name="account_reset_password"),
    # a reset completed through the unconfirmed primary address confirms it and takes the account
    # (accounts.services.user_email_takeover)
    re_path(r"^accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
            accounts_views.password_reset_from_key_view, name="account_reset_password_from_key"),
    # allauth's own "Account Connections" page is Profile > Authentication here (one page, one unlink rule)
    path(
        "accounts/3rdparty/",
        RedirectView.as_view(pattern_name="accounts:authentication"),
        name="socialaccount_connections",
    ),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("organizations/", include("organizations.urls")),
    path("console/", include("console.urls")),
    path("core/", include("coreapi.urls")),
    path("api/v1/", portal_api.urls),
    path("admin/", admin.site.urls),
]
