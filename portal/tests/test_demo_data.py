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


@pytest.mark.django_db
def test_demo_data_with_a_remote_sandbox_creates_the_demo_sign_in_and_sends_nothing(settings):
    # PORTAL_CORE_API_URLS points Sandbox at another OrderCloud-compatible API: the demo organization
    # is created there (nothing is provisioned remotely) and the demo user can sign in; no token is
    # minted and nothing is sent to the remote marketplace (it is the operator's)
    from accounts.models import User
    from organizations.models import Organization

    settings.PORTAL_ENVIRONMENTS = json.loads(json.dumps(settings.PORTAL_ENVIRONMENTS))
    settings.PORTAL_ENVIRONMENTS["Sandbox"]["regions"] = {
        rid: "http://127.0.0.1:9/core/sandbox" for rid in settings.PORTAL_ENVIRONMENTS["Sandbox"]["regions"]}
    out = StringIO()
    call_command("demo_data", stdout=out)
    assert "Demo data ready" in out.getvalue()
    assert "remote core API http://127.0.0.1:9/core/sandbox" in out.getvalue()
    assert User.objects.filter(username="demo").exists()
    assert Organization.objects.get(oc_id="demo-marketplace").core_api_url == "http://127.0.0.1:9/core/sandbox"
