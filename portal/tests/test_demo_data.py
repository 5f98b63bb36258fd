"""manage.py demo_data tells where to open the portal: this deployment's PORTAL_BASE_URL."""

import json
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_demo_data_prints_the_portal_base_url(settings):
    old, new = settings.PORTAL_BASE_URL, "http://127.0.0.1:8651"
    assert old != new
    # as if started with PORTAL_BASE_URL=...: the built-in core API's URLs derive from it
    settings.PORTAL_ENVIRONMENTS = json.loads(json.dumps(settings.PORTAL_ENVIRONMENTS).replace(old, new))
    settings.PORTAL_BASE_URL = new
    out = StringIO()
    call_command("demo_data", stdout=out)
    assert f"Demo data ready. Open {new} and sign in" in out.getvalue()
    assert old not in out.getvalue()
