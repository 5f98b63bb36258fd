"""Minor URL and message oddities (QA report 76, finding 13)."""

from django.contrib.messages import get_messages
from django.urls import reverse

from organizations import services, views
from organizations.models import AuditAction, AuditEntry
from tests.factories import UserFactory


def test_the_decide_address_of_a_request_that_does_not_exist_is_not_found_for_staff(client, owner):
    services.production_request_create(actor=owner, oc_id="live", name="Live", region="usw", reason="Launch")
    req = owner.production_requests.get()
    client.force_login(UserFactory(username="stella", is_staff=True))
    assert client.get(reverse("organizations:production-decide", kwargs={"pk": req.pk + 999})).status_code == 404
    assert client.get(reverse("organizations:production-decide", kwargs={"pk": req.pk})).status_code == 200
    assert client.get(reverse("organizations:production-review")).status_code == 200


def test_renaming_to_the_same_name_says_it_is_unchanged(client, org, owner):
    client.force_login(owner)
    settings_url = reverse("organizations:settings", kwargs={"env": "sandbox", "oc_id": org.oc_id})
    same = client.post(settings_url, {"name": f" {org.name} "})
    assert same.status_code == 302
    assert [(m.level_tag, m.message) for m in get_messages(same.wsgi_request)] == [("info", views.MSG_NAME_UNCHANGED)]
    client.get(same["Location"])  # shown, so gone from the next request's messages
    assert not AuditEntry.objects.filter(action=AuditAction.ORG_RENAME).exists()
    renamed = client.post(settings_url, {"name": "Acme Two"})
    assert [m.message for m in get_messages(renamed.wsgi_request)] == ["Organization renamed."]


def test_a_get_of_an_unknown_code_action_is_not_found_like_a_post(client, org, owner):
    client.force_login(owner)

    def address(action):
        return reverse("organizations:code-send", kwargs={"env": "sandbox", "oc_id": org.oc_id, "action": action})

    assert client.get(address("bogus")).status_code == 404
    assert client.post(address("bogus")).status_code == 404
    known = client.get(address("delete"))
    assert known.status_code == 302 and known["Location"].endswith("/settings/#delete")
