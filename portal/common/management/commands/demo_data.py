"""Load demo data for the embedded default and print how to sign in.

Idempotent: running it again changes nothing that exists. Apps add their own demo rows by
providing a `demo_data(stdout)` function in `<app>/demo.py`; they run in INSTALLED_APPS order.
"""

import importlib

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User

DEMO_USERNAME = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-portal-123"
ADMIN_USERNAME = "admin"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-portal-123"


class Command(BaseCommand):
    help = "Create demo users (and each app's demo data) and print the demo sign-in."

    @transaction.atomic
    def handle(self, *args, **options):
        demo = User.objects.filter(username__iexact=DEMO_USERNAME).first()
        if demo is None:
            demo = User.objects.create_user(DEMO_USERNAME, DEMO_EMAIL, DEMO_PASSWORD, name="Demo Developer")
        if not User.objects.filter(username__iexact=ADMIN_USERNAME).exists():
            User.objects.create_superuser(ADMIN_USERNAME, ADMIN_EMAIL, ADMIN_PASSWORD, name="Portal Staff")
        for user in User.objects.filter(username__in=[DEMO_USERNAME, ADMIN_USERNAME]):
            # as if they had signed up and confirmed: Profile > Email lists the address as verified
            EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        for config in apps.get_app_configs():
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            module.demo_data(stdout=self.stdout, demo_user=demo)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nDemo data ready. Open {settings.PORTAL_BASE_URL} and sign in with\n"
                f"  username: {DEMO_USERNAME}   password: {DEMO_PASSWORD}\n"
                f"Staff (admin site, production requests): {ADMIN_USERNAME} / {ADMIN_PASSWORD}\n"
            )
        )
