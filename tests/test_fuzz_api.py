"""Schemathesis over the whole OpenAPI document, for a village staff member and a county administrator: generated
requests (valid and invalid) to every operation; none may answer 5xx, every answer must match the schema its
status documents, and every status must be documented. Bounded by EXAMPLES per operation and caller so that the
run stays within a few minutes."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cunwu.accounts.services import create_api_token
from cunwu.audit.context import Actor
from cunwu.wsgi import application

from .helpers import LISHU, VILLAGE_A1, person

EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
CALLERS = {"village_staff": VILLAGE_A1, "county_admin": LISHU}


@pytest.fixture
def keep_connection():
    """The WSGI application closes the database connection after each request, which would end the test's
    transaction; Django's own test client keeps it open the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(CALLERS))
def test_every_operation_survives_generated_requests(role, keep_connection):
    from cunwu.certificates import services as certificates
    from cunwu.directory import seed

    seed.seed_jilin(Actor.console())
    certificates.seed_types()
    token = create_api_token(Actor.console(), person(role, CALLERS[role], username=f"fuzz-{role}"), "fuzz")
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    failures: list[str] = []
    operations, calls = 0, [0]
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(headers=headers)
            calls[0] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - gather every operation's failure
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
    assert operations > 120
    print(f"{role}: {operations} operations, {calls[0]} generated requests")
    assert not failures, f"{len(failures)} of {operations} operations failed:\n" + "\n\n".join(failures)

