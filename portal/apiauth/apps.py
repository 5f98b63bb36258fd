from django.apps import AppConfig


class ApiAuthConfig(AppConfig):
    """Sign-in for the Portal REST API (/api/v1/oauth/token): portal access and refresh tokens."""

    name = "portal.apiauth"
    label = "apiauth"
    verbose_name = "Portal API sign-in"
    default_auto_field = "django.db.models.BigAutoField"
