from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from allauth.account.internal.flows import email_verification

        from accounts.adapters import confirmation_rate_limit_consume

        # every confirmation email allauth sends is counted per account and address (see there)
        email_verification.consume_email_verification_rate_limit = confirmation_rate_limit_consume
