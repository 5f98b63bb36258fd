"""QA finding 3: a create form posted twice (a double-clicked Save on a slow network, a retried POST)
creates one API client or webhook; the second POST is sent to the first one's object with the same
message (console/once.py)."""

from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from console import once, views_admin
from console.tests.helpers import form_as_sent, url
from coreapi import models as core_models
from tests.a11y import A11yPage

HOOK = {"Name": "Dbl Hook", "Url": "http://127.0.0.1:9/d", "WebhookRoutes": "POST v1/products", "ConfigData": "{}"}
CLIENT = {"AppName": "Dbl Client 2", "Active": "on", "AccessTokenDuration": "600"}


def opened(c, address) -> dict:
    """The create form as the browser would send it, untouched (its one-time token included)."""
    page = A11yPage(c.get(address).content.decode())
    return form_as_sent(page.one("form", **{"data-testid": "api-client-form" if "apiclients" in address else "webhook-form"}))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


class TestCreateFormsPostedTwice:
    def test_a_new_api_client_posted_twice_is_created_once(self, team, owner, as_user):
        c = as_user(owner)
        sent = {**opened(c, url(team, "apiclient-create")), **CLIENT}
        assert sent[once.FIELD]
        first = c.post(url(team, "apiclient-create"), sent)
        second = c.post(url(team, "apiclient-create"), sent, follow=True)
        created = core_models.ApiClient.objects.filter(app_name="Dbl Client 2")
        assert created.count() == 1
        assert second.redirect_chain[0][0] == first["Location"] == url(team, "apiclient-edit",
                                                                        client_id=created.get().oc_id)
        assert messages_of(second) == ["API client Dbl Client 2 saved."]

    def test_a_new_webhook_posted_twice_is_created_once(self, team, owner, as_user):
        c = as_user(owner)
        sent = {**opened(c, url(team, "webhook-create")), **HOOK}
        first = c.post(url(team, "webhook-create"), sent, follow=True)  # its answer shown, then posted again
        assert messages_of(first) == ["Webhook Dbl Hook saved."]
        second = c.post(url(team, "webhook-create"), sent, follow=True)
        assert core_models.Webhook.objects.filter(name="Dbl Hook").count() == 1
        assert second.redirect_chain[0][0] == url(team, "webhooks")
        assert messages_of(second) == ["Webhook Dbl Hook saved."]

    def test_each_opened_form_creates_its_own(self, team, owner, as_user):
        c = as_user(owner)  # two tabs, or New again after saving: two webhooks were meant
        for _ in range(2):
            c.post(url(team, "webhook-create"), {**opened(c, url(team, "webhook-create")), **HOOK})
        assert core_models.Webhook.objects.filter(name="Dbl Hook").count() == 2

    def test_the_form_changed_after_back_and_saved_again_creates_another(self, team, owner, as_user):
        c = as_user(owner)
        sent = {**opened(c, url(team, "apiclient-create")), **CLIENT}
        c.post(url(team, "apiclient-create"), sent)
        c.post(url(team, "apiclient-create"), {**sent, "AppName": "Another app"})  # Back, renamed, Save
        c.post(url(team, "apiclient-create"), {**sent, "AppName": "Another app"})  # ...twice
        assert sorted(core_models.ApiClient.objects.filter(app_name__in=["Dbl Client 2", "Another app"])
                      .values_list("app_name", flat=True)) == ["Another app", "Dbl Client 2"]

    def test_a_refused_form_keeps_its_token_and_saves_once_corrected(self, team, owner, as_user):
        c = as_user(owner)
        sent = {**opened(c, url(team, "webhook-create")), **HOOK}
        refused = c.post(url(team, "webhook-create"), {**sent, "WebhookRoutes": "FETCH x"})
        assert refused.status_code == 200 and refused.context["once"] == sent[once.FIELD]
        for _ in range(2):
            c.post(url(team, "webhook-create"), sent)
        assert core_models.Webhook.objects.filter(name="Dbl Hook").count() == 1

    def test_a_post_while_the_first_is_still_saving_creates_nothing(self, team, owner, as_user, monkeypatch):
        monkeypatch.setattr(once, "WAIT_SECONDS", 0.2)
        c = as_user(owner)
        sent = {**opened(c, url(team, "apiclient-create")), **CLIENT}
        first = once.once_claim(user=owner, scope=f"apiclient/{team.pk}", data=QueryDict(urlencode(sent)))  # in flight
        assert first.claimed
        second = c.post(url(team, "apiclient-create"), sent, follow=True)
        assert second.redirect_chain[0][0] == url(team, "apiclients")
        assert messages_of(second) == [views_admin.MSG_STILL_SAVING]
        assert not core_models.ApiClient.objects.filter(app_name="Dbl Client 2").exists()

    def test_another_users_post_of_the_token_is_not_sent_to_the_object(self, team, owner, as_user, outsider):
        c = as_user(owner)
        sent = {**opened(c, url(team, "webhook-create")), **HOOK}
        c.post(url(team, "webhook-create"), sent)
        claim = once.once_claim(user=outsider, scope=f"webhook/{team.pk}", data=QueryDict(urlencode(sent)))
        assert claim.claimed and claim.earlier is None
        claim.release()

    @pytest.mark.parametrize("token", ["", "short", "x" * 65, "a b" * 10])
    def test_a_post_without_a_usable_token_is_not_guarded(self, team, owner, as_user, token):
        c = as_user(owner)
        for _ in range(2):
            assert c.post(url(team, "webhook-create"), {**HOOK, once.FIELD: token}).status_code == 302
        assert core_models.Webhook.objects.filter(name="Dbl Hook").count() == 2
