"""PUT /organizations/{id}: an existing organization's Environment cannot be changed. The body's
Environment must be the organization's own (or left out): a Sandbox org renamed with
Environment=Production got the create-path "New organizations are Sandbox organizations…", and
?environment=Production with Environment=Sandbox ignored the body (QA: PUT /organizations #4)."""

import pytest

from organizations import services
from organizations.apis import ERR_CREATE_SANDBOX_ONLY, ERR_ENVIRONMENT_FIXED
from organizations.models import Environment, Organization
from tests.portal_api import PortalApi, error_messages


@pytest.fixture
def sandbox(owner):
    return services.organization_create(actor=owner, oc_id="carol-one", name="Carol", region="usw")


@pytest.fixture
def production(owner):
    return services._org_create(actor=owner, oc_id="carol-prod", name="Carol Live", region="usw",
                                environment=Environment.PRODUCTION)


def _refused(response, oc_id, environment):
    assert response.status_code == 400, response.content
    assert error_messages(response) == [ERR_ENVIRONMENT_FIXED.format(id=oc_id, environment=environment)]
    assert response.json()["Errors"][0]["Data"] == {"Field": "Environment"}
    assert "Sandbox organizations are" not in response.json()["Errors"][0]["Message"]


def test_a_sandbox_renamed_with_environment_production_is_told_it_is_a_sandbox(client, owner, sandbox):
    response = PortalApi(client, owner).put("/organizations/carol-one", {"Name": "Carol One", "Environment": "Production"})
    _refused(response, "carol-one", "Sandbox")
    assert "carol-one is a Sandbox organization" in error_messages(response)[0]
    sandbox.refresh_from_db()
    assert sandbox.name == "Carol" and sandbox.environment == Environment.SANDBOX
    assert Organization.objects.filter(oc_id="carol-one").count() == 1


def test_the_address_environment_and_another_body_environment_are_refused(client, owner, production):
    api = PortalApi(client, owner)
    response = api.put("/organizations/carol-prod", {"Name": "Renamed", "Environment": "Sandbox"},
                       environment="Production")
    _refused(response, "carol-prod", "Production")
    production.refresh_from_db()
    assert production.name == "Carol Live" and production.environment == Environment.PRODUCTION
    assert not Organization.objects.filter(oc_id="carol-prod", environment=Environment.SANDBOX).exists()


def test_the_organizations_own_environment_or_none_renames(client, owner, sandbox, production):
    api = PortalApi(client, owner)
    for body in ({"Name": "Carol 2", "Environment": "Sandbox"}, {"Name": "Carol 3", "Environment": "sandbox"},
                 {"Name": "Carol 4"}):
        response = api.put("/organizations/carol-one", body)
        assert response.status_code == 200, response.content
        assert response.json()["Name"] == body["Name"] and response.json()["Environment"] == "Sandbox"
    response = api.put("/organizations/carol-prod", {"Name": "Live 2", "Environment": "Production"}, environment="Production")
    assert response.status_code == 200 and response.json()["Name"] == "Live 2"
    response = api.put("/organizations/carol-prod", {"Name": "Live 3", "Environment": "Production"})
    assert response.status_code == 200 and response.json()["Environment"] == "Production"


def test_a_new_id_is_still_created_as_sandbox_only(client, owner):
    api = PortalApi(client, owner)
    response = api.put("/organizations/brand-new", {"Name": "New", "Environment": "Production"})
    assert response.status_code == 400 and error_messages(response) == [ERR_CREATE_SANDBOX_ONLY]
    response = api.put("/organizations/brand-new", {"Name": "New"}, environment="Sandbox")
    assert response.status_code == 201 and response.json()["Environment"] == "Sandbox"


def test_a_sandbox_sharing_a_production_id_is_still_created_by_its_environment(client, owner, production):
    """An Id is unique per environment: Environment=Sandbox on a Production org's Id creates a Sandbox, as documented."""
    response = PortalApi(client, owner).put("/organizations/carol-prod", {"Name": "Sbx", "Environment": "Sandbox"})
    assert response.status_code == 201 and response.json()["Environment"] == "Sandbox"
