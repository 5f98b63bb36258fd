"""A person's name is one line of visible text (accounts.validators.validate_person_name, from now
on checked on Profile and in the admin). Names saved before with a line break, tab or other control
character get a space in its place, and text-direction controls are dropped: a carriage return in a
name stopped every invitation email its owner sent (the name is in the subject line), and a line
break split the subject."""

import re
import unicodedata

from django.db import migrations

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _one_line(name: str) -> str:
    """`name` unchanged when it has no control character, else one line without them."""
    if not any(unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS for char in name):
        return name
    name = "".join(" " if unicodedata.category(char) == "Cc" else char for char in name if char not in BIDI_CONTROLS)
    return re.sub(r" {2,}", " ", name).strip()


def clean_names(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk, name in User.objects.exclude(name="").values_list("pk", "name").iterator(chunk_size=2000):
        cleaned = _one_line(name)
        if cleaned != name:
            User.objects.filter(pk=pk).update(name=cleaned)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_lowercase_emails")]

    operations = [migrations.RunPython(clean_names, migrations.RunPython.noop, elidable=True)]
