"""The OpenAPI schema of the Portal API: it is served, documents the shared error answers, and
schemathesis finds no 5xx over every operation with a valid token (bounded examples)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from organizations import services
from tests.factories import UserFactory
from tests.portal_api import access_token_for

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served_and_documents_errors(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    # 24 + activity (1) + the staging restore webhook (4 + its deliveries) and staging restores (3)
    # + the account (PUT /me, /me/password, authorization methods: 3) + 7 left to the web (501)
    assert len(operations) == 45
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            if "/oauth/" not in path:
                assert responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiErrorsOut")
                if operation.get("security"):  # the sign-up and reset calls the SDK sends anonymously: no 401
                    assert "401" in responses, (method, path)
                if "501" in responses:  # left to the web pages (accounts.apis)
                    assert responses["501"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiErrorsOut")
    assert schema["components"]["securitySchemes"]["PortalBearer"]["scheme"] == "bearer"


def test_operations_document_their_own_errors_and_parameters(client):
    # PUT /organizations/{id} answers 409 IdExists and starting a restore 409 RestoreRunning: neither was
    # documented (schemathesis' status_code_conformance failed on them); the contributor list takes
    # ?environment= (a Staging twin's contributors) but did not say so
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, method in (("/api/v1/organizations/{id}", "put"), ("/api/v1/organizations/{id}/stagingrestores", "post")):
        conflict = paths[path][method]["responses"]["409"]
        assert conflict["content"]["application/json"]["schema"]["$ref"].endswith("/ApiErrorsOut"), (method, path)
    contributors = paths["/api/v1/organizations/{id}/contributors"]["get"]
    assert "environment" in [p["name"] for p in contributors["parameters"]]


def test_interactive_docs_render(client):
    assert client.get("/api/v1/docs").status_code == 200


@pytest.fixture
def keep_test_connection():
    """Calls go straight to the WSGI handler; like Django's test client, keep it from closing the
    test's database connection at the end of each request (PostgreSQL would lose the test data)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_server_errors_for_any_input(db, keep_test_connection):
    """Every operation, 6 generated requests each (derandomized: the same ones every run)."""
    owner = UserFactory(username="fuzzer", email="fuzzer@example.com")
    services.organization_create(actor=owner, oc_id="fuzz-org", name="Fuzz", region="usw")
    headers = {"Authorization": f"Bearer {access_token_for(owner)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def run(case):
            response = case.call(headers=headers)
            if response.status_code == 501 and "501" in operation.definition.raw["responses"]:
                return  # documented: left to the web pages, with a message naming the page (not a crash)
            case.validate_response(response, checks=[not_a_server_error], headers=headers)

        run()
        checked.append(operation.label)
    assert len(checked) == 45
