"""A second identical submit (a double-click, a retry on a slow network) of Create organization,
Request Production or Create Staging twin shows the first one's success, not a false error
(QA report 76, finding 5). Real conflicts stay errors."""

from datetime import timedelta

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from organizations import services
from organizations.models import Environment, Organization, ProductionRequest

CREATE = {"oc_id": "qa-dbl", "name": "QA Dbl", "region": "usw"}
REQUEST = {"oc_id": "qa-dblprod", "name": "QA Dbl Prod", "region": "usw", "reason": "Launch"}


def _messages(response):
    return [m.message for m in get_messages(response.wsgi_request)]


def _age(model, seconds, **lookup):
    from django.utils import timezone

    model.objects.filter(**lookup).update(created_at=timezone.now() - timedelta(seconds=seconds))


class TestCreateOrganizationTwice:
    def test_the_second_identical_submit_opens_the_organization_as_a_success(self, client, owner):
        client.force_login(owner)
        first = client.post(reverse("organizations:create"), CREATE)
        second = client.post(reverse("organizations:create"), {**CREATE, "name": " QA Dbl "})
        assert second.status_code == 302 and second["Location"] == first["Location"]
        assert "Organization QA Dbl created in Sandbox." in _messages(second)
        assert Organization.objects.filter(oc_id="qa-dbl").count() == 1

    def test_someone_elses_id_an_old_one_or_another_name_is_still_taken(self, client, owner, outsider):
        services.organization_create(actor=outsider, oc_id="qa-dbl", name="QA Dbl")
        client.force_login(owner)
        theirs = client.post(reverse("organizations:create"), CREATE)
        assert theirs.status_code == 400 and escape(services.ERR_ID_TAKEN) in theirs.content.decode()

        client.post(reverse("organizations:create"), {**CREATE, "oc_id": "mine"})
        renamed = client.post(reverse("organizations:create"), {**CREATE, "oc_id": "mine", "name": "Other"})
        assert renamed.status_code == 400 and escape(services.ERR_ID_TAKEN) in renamed.content.decode()
        _age(Organization, 31, oc_id="mine")
        old = client.post(reverse("organizations:create"), {**CREATE, "oc_id": "mine"})
        assert old.status_code == 400 and escape(services.ERR_ID_TAKEN) in old.content.decode()


class TestRequestProductionTwice:
    def test_the_second_identical_submit_says_the_request_was_sent(self, client, owner):
        client.force_login(owner)
        assert client.post(reverse("organizations:production"), REQUEST).status_code == 302
        second = client.post(reverse("organizations:production"), REQUEST)
        assert second.status_code == 302 and second["Location"] == reverse("organizations:production")
        assert _messages(second)[-1].startswith("Your request was sent.")
        assert ProductionRequest.objects.count() == 1

    def test_someone_elses_pending_request_an_old_one_or_a_different_one_is_still_pending(self, client, owner,
                                                                                          outsider):
        services.production_request_create(actor=outsider, **REQUEST)
        client.force_login(owner)
        theirs = client.post(reverse("organizations:production"), REQUEST)
        assert theirs.status_code == 400 and escape(services.ERR_PRODUCTION_PENDING) in theirs.content.decode()

        mine = {**REQUEST, "oc_id": "mine-prod"}
        client.post(reverse("organizations:production"), mine)
        changed = client.post(reverse("organizations:production"), {**mine, "reason": "Something else"})
        assert changed.status_code == 400 and escape(services.ERR_PRODUCTION_PENDING) in changed.content.decode()
        _age(ProductionRequest, 31, oc_id="mine-prod")
        old = client.post(reverse("organizations:production"), mine)
        assert old.status_code == 400


class TestCreateStagingTwinTwice:
    @staticmethod
    def _production(owner):
        return services._org_create(actor=owner, oc_id="qa-dblprod", name="Prod", region="usw",
                                    environment=Environment.PRODUCTION)

    @staticmethod
    def _path(env):
        name = "staging-create" if env == "production" else "detail"
        return reverse(f"organizations:{name}", kwargs={"env": env, "oc_id": "qa-dblprod"})

    def test_the_second_submit_goes_to_the_twin_just_created(self, client, owner):
        self._production(owner)
        client.force_login(owner)
        first = client.post(self._path("production"))
        second = client.post(self._path("production"))
        assert first["Location"] == second["Location"] == self._path("staging")
        assert _messages(second)[-1] == "Staging twin of Prod created."

    def test_an_older_twin_is_still_refused(self, client, owner):
        self._production(owner)
        client.force_login(owner)
        client.post(self._path("production"))
        _age(Organization, 31, environment=Environment.STAGING)
        again = client.post(self._path("production"))
        assert again["Location"] == reverse("organizations:detail", kwargs={"env": "production", "oc_id": "qa-dblprod"})
        assert _messages(again)[-1] == services.ERR_STAGING_EXISTS
