from django.apps import AppConfig


class ApiAuthConfig(AppConfig):
    """Sign-in for the Portal REST API (/api/v1/oauth/token): portal access and refresh tokens."""

    name = "portal.apiauth"
    label = "apiauth"
    verbose_name = "Portal API sign-in"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from portal.apiauth.signals import password_saved

        post_save.connect(password_saved, sender=get_user_model(), dispatch_uid="apiauth-password-saved")
