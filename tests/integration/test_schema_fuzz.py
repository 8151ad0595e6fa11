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
    # What the schema allows, the API accepts: a positive example is never a 422. The rule
    # routes are left out: their facts have cross-field rules ("child_age or date of birth,
    # not both") that JSON Schema does not carry.
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE and not case.path.startswith("/rules/"):
        assert response.status_code != 422, f"{case.method} {case.path}: schema allows, API rejects: {response.text[:300]}"


# --- the chat's HTTP routes (Chainlit's, behind our guards), mounted as `permanence serve` does ---------

import assistant.ui  # noqa: E402,F401  (sets CHAINLIT_APP_ROOT before Chainlit is imported)
from chainlit.server import app as _chainlit_app  # noqa: E402

# Left out: the catch-all page and static routes (files, fuzzed by path above in the hardening
# tests), and /mcp, which would start or reach outside servers (it is off in .chainlit/config.toml).
_CHAT_SKIP = ("/{full_path}", "/mcp")
_chat_dict = _chainlit_app.openapi()
_chat_dict = {**_chat_dict,
              "paths": {p: ops for p, ops in _chat_dict["paths"].items() if p not in _CHAT_SKIP}}
chat_schema = schemathesis.openapi.from_dict(_chat_dict)
chat_schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=MAX_EXAMPLES, deterministic=True
)


@pytest.fixture(scope="module")
def _chat_app(tmp_path_factory):
    from assistant.ui.mount import mount_chat

    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("chat-fuzz"), auth_secret="f" * 48))
    mount_chat(app, app.state.settings)
    from schemathesis.python import asgi

    with asgi.get_client(app) as client:
        yield client


@chat_schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_chat_routes_no_server_errors(case, _chat_app):
    response = case.call(session=_chat_app, base_url="http://testserver/chat")
    assert response.status_code < 500, (
        f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}\nbody: {case.body!r:.300}"
    )
