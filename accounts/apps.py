from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from allauth.account.internal.flows import email_verification
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_save

        from accounts.adapters import confirmation_rate_limit_consume
        from accounts.signals import user_post_save, user_pre_save

        # a new password, a deactivation or a rename ends the core API tokens minted for the account
        pre_save.connect(user_pre_save, sender=get_user_model(), dispatch_uid="accounts-user-pre-save")
        post_save.connect(user_post_save, sender=get_user_model(), dispatch_uid="accounts-user-post-save")

        # every confirmation email allauth sends is counted per account and address (see there)
        email_verification.consume_email_verification_rate_limit = confirmation_rate_limit_consume
