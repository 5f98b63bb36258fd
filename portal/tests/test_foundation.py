import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from portal.common.mail import CeleryEmailBackend


@pytest.mark.django_db
def test_healthz_reports_database_and_eager_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_when_the_broker_is_down(client):
    from portal.celery import app

    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = "memory://"
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"


@pytest.mark.django_db
def test_mail_is_queued_on_commit_and_delivered_by_the_task(django_capture_on_commit_callbacks):
    backend = CeleryEmailBackend()
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives("Hello", "plain body", "from@example.com", ["to@example.com"])
    message.attach_alternative("<p>html body</p>", "text/html")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert backend.send_messages([message]) == 1
        assert mail.outbox == []  # nothing is sent before the transaction commits
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.subject, sent.body, sent.to) == ("Hello", "plain body", ["to@example.com"])
    assert sent.alternatives[0][0] == "<p>html body</p>"


@pytest.mark.django_db
def test_mail_of_a_rolled_back_transaction_is_never_sent(django_capture_on_commit_callbacks):
    from django.db import transaction

    backend = CeleryEmailBackend()
    from django.core.mail import EmailMessage

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                backend.send_messages([EmailMessage("Lost", "body", "a@example.com", ["b@example.com"])])
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert mail.outbox == []


@pytest.mark.django_db
def test_demo_data_is_idempotent_and_prints_the_sign_in(capsys, client):
    call_command("demo_data")
    call_command("demo_data")
    out = capsys.readouterr().out
    assert "username: demo" in out
    assert User.objects.filter(username="demo").count() == 1
    demo = User.objects.get(username="demo")
    assert demo.check_password("demo-portal-123")
    # their emails are confirmed sign-in addresses, as after a sign-up (one row each, not two)
    from allauth.account.models import EmailAddress

    assert list(EmailAddress.objects.filter(user__username__in=["demo", "admin"]).values_list("email", "verified", "primary")
                .order_by("email")) == [("admin@example.com", True, True), ("demo@example.com", True, True)]  # fmt: skip

    # The demo organization's marketplace is filled through its own core API, once.
    from coreapi.models import ApiClientAssignment, Product

    assert "Filled demo-marketplace with 12 products" in out
    assert "already has products" in out
    assert Product.objects.filter(marketplace__marketplace_id="demo-marketplace").count() == 12
    storefront = ApiClientAssignment.objects.get(buyer_id="demo-buyer").api_client_id
    token = client.post("/core/sandbox/oauth/token", {
        "grant_type": "password", "client_id": storefront, "username": "shopper", "password": "Shopper-pass-123!"})
    assert token.status_code == 200, token.content
    me_products = client.get("/core/sandbox/v1/me/products", HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    assert me_products.json()["Meta"]["TotalCount"] == 12
    sizes = client.get("/core/sandbox/v1/me/products/black-hoodie/variants?sortBy=ID",
                       HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")  # fmt: skip
    assert [v["ID"] for v in sizes.json()["Items"]] == ["black-hoodie-L", "black-hoodie-M", "black-hoodie-S"]


def test_settings_json_serialisable_celery_config():
    from django.conf import settings

    assert settings.CELERY_TASK_SERIALIZER == "json"
    json.dumps(settings.CELERY_BEAT_SCHEDULE, default=str)


@pytest.mark.django_db
def test_the_site_has_an_icon_on_every_page(client):
    """The layout links the icon, and /favicon.ico (what pages outside it, like the admin site,
    make the browser ask for) leads to the same file rather than a 404."""
    home = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in home
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/img/favicon.svg"
