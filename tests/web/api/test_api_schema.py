"""The API tested as a client would, against its own OpenAPI document (schemathesis).

Every operation is called with generated requests (valid ones and ones that break the
schema) through the WSGI application, with a clinician's write token: not one answer
may be a server error (5xx), and every answer must be one the document declares, with
the declared content type and a body that validates against the declared schema.
Bounded: max_examples per operation, and no coverage phase on the two case-file bodies,
keep the whole run to two or three minutes on a loaded two-core machine.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rootmap.web.wsgi import application
from tests.web.api.fixtures import build_api_world

# The coverage phase walks every boundary of a schema; for the two operations whose body is
# the whole case-file schema that is over a thousand requests each (minutes), so there
# only the fuzzing and examples phases run (hypothesis, bounded by max_examples).
CONFIG = SchemathesisConfig.from_str("""
[[operations]]
include-path-regex = "^/api/v1/(score|clients/import)$"
phases.coverage.enabled = false
""")
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture
def world(db, settings):  # pytest-django's settings fixture (hypothesis' is the decorator)
    settings.ROOTMAP_API_RATE_PER_MINUTE = 1_000_000
    cache.clear()
    # The WSGI handler closes the database connection after each request, as a server should;
    # here the connection holds the test's transaction, so keep it open (as Django's test
    # client does) for the requests of this test.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield build_api_world()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_every_operation_answers_as_its_document_says(case, world) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {world.tokens['clinician-write']}"}, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_generated_input_on_the_tokens_own_records(case, world) -> None:
    """The same, with the ids in the path naming records the token may see and change, so
    that generated bodies reach the services (updates, estimates, what-ifs) and not just 404."""
    own = {"client_id": world.client.pk, "household_id": world.household.pk, "assessment_id": world.draft.pk}
    if case.path_parameters:
        case.path_parameters = {name: own.get(name, value) for name, value in case.path_parameters.items()}
    case.call_and_validate(headers={"Authorization": f"Bearer {world.tokens['clinician-write']}"}, checks=CHECKS)
