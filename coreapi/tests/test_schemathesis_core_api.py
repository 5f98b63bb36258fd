"""schemathesis against the served OpenAPI document of the sandbox core API.

Every operation of /core/sandbox/v1/openapi.json gets generated requests (valid ones, and invalid
ones that must be refused with a 4xx), sent in-process to the WSGI app with a FullAccess bearer
token so they reach the handlers. The rules: never a 5xx, and responses conform to the document
(status codes, content types, response schemas).

Checks left out, and why:
- `ensure_resource_availability` / `use_after_free`: stateful checks that need links between
  operations, which the document does not declare.
- `negative_data_rejection`: in OrderCloud every unknown query parameter of a list is a filter
  (`?xp.color=red`) and other operations ignore extra ones, so "an undeclared query parameter was
  accepted" is the contract, not a bug. Invalid bodies and parameters are still sent (negative
  mode) and must not cause a 5xx or an undocumented status.
- `positive_data_acceptance`: "valid" generated data is often refused for reasons a schema cannot
  express (an ID that does not exist -> 404, an ID with characters OrderCloud forbids -> 400,
  `IdExists` -> 409), which is the right answer.
- `ignored_auth`: the token is sent on every request (the point here is to reach handlers);
  authentication is covered by the core API's own tests.
"""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks

from coreapi.testing import core_world

SCHEMA_PATH = "/core/sandbox/v1/openapi.json"
# ~150 operations: about 600 valid and 300 invalid requests. Generating invalid data is the slow
# part (a few hundred ms per operation), hence fewer negative examples.
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 2}

CHECKS = {
    GenerationMode.POSITIVE: [
        schemathesis.checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
    ],
    GenerationMode.NEGATIVE: [
        schemathesis.checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
    ],
}
HYPOTHESIS = dict(
    deadline=None,
    derandomize=True,  # the same requests every run: a failure here is reproducible, never flaky
    database=None,
    suppress_health_check=list(HealthCheck),
)


def run_operation(operation, mode: GenerationMode, headers: dict) -> None:
    @settings(max_examples=EXAMPLES[mode], **HYPOTHESIS)
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS[mode])

    run()


@contextmanager
def keep_db_connection():
    """Calling the WSGI handler directly fires request_started/finished, whose close_old_connections
    closes a connection that is inside a transaction (the test's) on PostgreSQL. django.test.Client
    disconnects it the same way around each request (and connects it again afterwards, so no
    django.test.Client call may happen inside this block)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


def fuzz_all(schema, headers: dict, failures: dict) -> None:
    for result in schema.get_all_operations():
        operation = result.ok()
        modes = [GenerationMode.POSITIVE]
        if len(operation.body) or len(operation.query):
            # Negating a lone string path parameter is nearly impossible (any string is one):
            # Hypothesis spends seconds per operation finding nothing, so only bodies and queries.
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            try:
                run_operation(operation, mode, headers)
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # nothing to make invalid (no parameters, no body)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect all, then report
                failures[f"{operation.method.upper()} {operation.path} [{mode}]"] = str(exc)[:1500]


@pytest.mark.django_db
def test_core_api_never_fails_with_5xx_and_conforms_to_its_openapi_document():
    # schemathesis.pytest.from_fixture() would give one test per operation, but its lazy loader
    # breaks on pytest 9 (`Function._nodeid`); looping over the operations is equivalent.
    world = core_world(marketplace_id="mkt-fuzz")
    headers = {"Authorization": f"Bearer {world.admin_token()}"}
    failures: dict[str, str] = {}
    with keep_db_connection():
        schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, WSGIHandler())
        fuzz_all(schema, headers, failures)
        operations = len(list(schema.get_all_operations()))
    assert operations > 100, "the OpenAPI document lost its operations"
    assert not failures, "\n\n".join(f"{name}:\n{text}" for name, text in sorted(failures.items()))
