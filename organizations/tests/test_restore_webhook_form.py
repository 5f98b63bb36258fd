"""The Staging Restore Webhook form: an input with an error is marked and names its error (QA report
76, finding 8), and the HashKey is masked with a Show/Hide button (finding 11)."""

import re

import pytest

from organizations import services_restore as sr
from organizations.models import StagingRestoreWebhook
from organizations.tests.test_restore_views import PAGE


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _input(html, name):
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def test_a_bad_url_marks_the_url_input_and_points_it_at_its_error(staging_org, admin_client):
    response = admin_client.post(f"{PAGE}webhook/", {"action": "save", "url": "ftp://example.com/x", "hash_key": "k"})
    assert response.status_code == 400
    html = response.content.decode()
    url = _input(html, "url")
    assert 'aria-invalid="true"' in url and 'aria-describedby="id_hook_url_error"' in url
    assert re.search(r'<ul class="errorlist" id="id_hook_url_error"><li data-testid="hook-error">'
                     + re.escape(sr.ERR_WEBHOOK_URL_INVALID), html)
    assert "aria-invalid" not in _input(html, "hash_key")


def test_a_bad_hash_key_marks_the_hash_key_input(staging_org, admin_client):
    response = admin_client.post(f"{PAGE}webhook/", {"action": "save", "url": "https://h.example.com/", "hash_key": "k" * 201})
    html = response.content.decode()
    key = _input(html, "hash_key")
    assert 'aria-invalid="true"' in key and 'aria-describedby="id_hook_key_error"' in key
    assert 'id="id_hook_key_error"' in html and sr.ERR_WEBHOOK_HASH_KEY_TOO_LONG in html
    assert "aria-invalid" not in _input(html, "url")


def test_an_error_about_the_form_is_an_alert_not_on_an_input(staging_org, admin_client, admin_user):
    sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="https://old.example.com/h", hash_key="k")
    html = admin_client.post(f"{PAGE}webhook/", {"action": "test", "url": "https://new.example.com/h",
                                                 "hash_key": "k"}).content.decode()
    assert '<ul class="errorlist nonfield" role="alert"><li data-testid="hook-error">' in html
    assert "aria-invalid" not in html.split('id="webhook"')[1].split("</form>")[0]


def test_the_hash_key_is_masked_with_a_show_button_script_and_saving_it_unchanged_keeps_it(
    staging_org, admin_client, admin_user
):
    sr.restore_webhook_save(actor=admin_user, organization=staging_org, url="https://h.example.com/h",
                            hash_key="secret-key")
    html = admin_client.get(PAGE).content.decode()
    key = _input(html, "hash_key")
    assert 'type="password"' in key and 'autocomplete="new-password"' in key and 'value="secret-key"' in key
    assert 'class="row secret-input" data-reveal-label="HashKey"' in html
    assert re.search(r'<script src="/static/organizations/restore\.js" defer></script>', html)
    # the form as the browser sends it, unchanged: the key is kept
    assert admin_client.post(f"{PAGE}webhook/", {"action": "save", "url": "https://h.example.com/h",
                                                 "hash_key": "secret-key"}).status_code == 302
    assert StagingRestoreWebhook.objects.get().hash_key == "secret-key"


def test_the_restore_report_scrolls_inside_its_card(staging_org, admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(PAGE)
    html = admin_client.get(PAGE).content.decode()
    assert re.search(r'<div class="table-scroll">\s*<table class="restore-report">', html)


def test_the_organization_id_under_its_name_can_wrap(staging_org, admin_client):
    assert '<code class="org-id">acme</code>' in admin_client.get(PAGE).content.decode()
