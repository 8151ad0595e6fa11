"""Schemathesis against the API's own OpenAPI schema (in-process ASGI, the shared real index).

Every operation gets bounded examples, both valid (positive) and schema-violating
(negative) ones; no example may get a 5xx. ``/ask/stream`` reports failures inside the
stream once it has started, so for it an ``error`` event counts as a server error too.
Deterministic and bounded, so it runs in well under two minutes.

The schema is loaded when the module is imported (``schemathesis.pytest.from_fixture`` fails
on pytest 9: it sets ``node._nodeid``, which pytest no longer has), from an app whose
settings are swapped for the session's ingested index before the first example runs.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from assistant.server.app import create_app
from assistant.settings import Settings

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 15

APP = create_app(Settings())  # the routes only; the settings are replaced below
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES, deterministic=True
)


@pytest.fixture(scope="module", autouse=True)
def _serve_the_test_index(index_settings):
    before = APP.state.settings
    APP.state.settings = index_settings
    yield
    APP.state.settings = before


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}\nbody: {case.body!r:.300}"
    )
    if case.path == "/ask/stream" and response.status_code == 200:
        assert "event: error" not in response.text, response.text[-300:]
