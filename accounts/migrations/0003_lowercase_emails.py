"""Sign-in by email, password reset and allauth's "already registered" checks compare the address
in lower case with what is stored. Accounts made outside allauth (createsuperuser, the admin
site, scripts) kept capitals in the local part ("Ops.Lead@example.com"): they could not sign in
by email, and signing up or linking with that address was a 500 on the case-insensitive unique
constraint. Store every address in lower case (accounts.models.User.save does from now on)."""

from django.db import IntegrityError, migrations, transaction
from django.db.models.functions import Lower


def lowercase_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    # users' emails are unique ignoring case (accounts_user_email_ci_unique): no collision
    User.objects.exclude(email=Lower("email")).update(email=Lower("email"))
    for row in list(EmailAddress.objects.exclude(email=Lower("email"))):
        twin = EmailAddress.objects.filter(user_id=row.user_id, email=row.email.lower()).first()
        if twin is None:
            try:
                with transaction.atomic():
                    EmailAddress.objects.filter(pk=row.pk).update(email=row.email.lower())
            except IntegrityError:  # another account holds it verified: this unverified copy goes
                if not row.primary:
                    EmailAddress.objects.filter(pk=row.pk).delete()
            continue
        # the same address twice for one user: keep one row with the better state of both
        EmailAddress.objects.filter(pk=row.pk).delete()
        EmailAddress.objects.filter(pk=twin.pk).update(
            verified=twin.verified or row.verified, primary=twin.primary or row.primary
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_clear_invalid_usernames"), ("account", "0009_emailaddress_unique_primary_email")]

    operations = [migrations.RunPython(lowercase_emails, migrations.RunPython.noop, elidable=True)]
