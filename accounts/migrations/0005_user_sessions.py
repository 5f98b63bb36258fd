"""accounts.UserSession: the web sessions of each user, so that ending them reads only theirs. The
sessions signed in before this migration are indexed once here (each unexpired session is read)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def index_signed_in_sessions(apps, schema_editor):
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    Session = apps.get_model("sessions", "Session")
    User = apps.get_model("accounts", "User")
    UserSession = apps.get_model("accounts", "UserSession")
    decoder = SessionStore()
    rows = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(2000):
        try:
            user_id = int(decoder.decode(session.session_data).get(SESSION_KEY))
        except Exception:  # no user, or a corrupt session: nobody's
            continue
        rows.append(UserSession(user_id=user_id, session_key=session.session_key))
    known = set(User.objects.filter(pk__in={r.user_id for r in rows}).values_list("pk", flat=True))
    UserSession.objects.bulk_create([r for r in rows if r.user_id in known], batch_size=2000, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_one_line_names'),
        ('sessions', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='UserSession',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('session_key', models.CharField(db_index=True, max_length=40)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('user', 'session_key'), name='user_session_unique')],
            },
        ),
        migrations.RunPython(index_signed_in_sessions, migrations.RunPython.noop, elidable=True),
    ]
