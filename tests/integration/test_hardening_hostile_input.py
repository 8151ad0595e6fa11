"""Hostile and malformed input against the real API (shared index, TestClient): clear 4xx, never a 500.

Oversized bodies (413, with and without a Content-Length), deeply nested and malformed JSON,
control characters and very long tokens in questions, path-like values where ids go, unknown
and absurd session ids; and questions and answers kept out of the logs unless
``settings.log_full_text`` is on. Prompt-injection in documents is in
``test_hardening_injection.py``; schema-driven fuzzing in ``test_schema_fuzz.py``.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from assistant.server.app import create_app

pytestmark = pytest.mark.integration

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def settings(index_settings):
    return index_settings


@pytest.fixture(scope="module")
def client(settings):
    # raise_server_exceptions=False: a server error must show up as the 500 a client would get
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def _clear_4xx(r, *codes: int) -> None:
    assert r.status_code in codes, (r.status_code, r.text[:300])
    assert r.text.strip(), "an error without a message"


# --- size -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ask", "/ask/stream", "/search", "/feedback", "/rules/timeline"])
def test_oversized_body_is_413_before_parsing(client, settings, path):
    big = json.dumps({"question": "x" * (settings.max_body_bytes + 10)})
    _clear_4xx(client.post(path, content=big, headers=JSON), 413)


def test_oversized_body_without_content_length_is_413(client, settings):
    # a chunked upload declares no size: the limit must count what arrives
    def chunks():
        yield b'{"question": "'
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b"a" * 65536
        yield b'"}'

    _clear_4xx(client.post("/ask", content=chunks(), headers=JSON), 413)


def test_body_just_under_the_limit_is_parsed(client):
    r = client.post("/ask", json={"question": "x" * 2001})
    _clear_4xx(r, 422)
    assert "question" in r.text and "2000" in r.text


# --- malformed JSON -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"question": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"question": "x", "authority": ' + '{"a": ' * 20_000 + "1" + "}" * 20_000 + "}",
        '{"question": "who can apply',
        "",
        "null",
        "[]",
        '"just a string"',
        '{"question": 12}',
        '{"question": "who can apply for an SGO?", "unexpected": true}',
        '{"question": "who can apply for an SGO?", "engine": "gpt-99"}',
        '{"question": NaN}',
    ],
    ids=["nested-arrays", "nested-objects", "truncated", "empty", "null", "list", "string", "number",
         "extra-field", "bad-engine", "nan"],
)
def test_malformed_json_is_a_clear_4xx(client, body):
    _clear_4xx(client.post("/ask", content=body, headers=JSON), 400, 422)


@pytest.mark.parametrize("path", ["/ask", "/search", "/feedback", "/rules/review-schedule", "/rules/eligibility/sgo",
                                  "/rules/timeline"])
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_a_clear_422(client, path, literal):
    # Python's JSON parser accepts these; FastAPI's default 422 echoed them and failed to render
    for field in ("question", "query", "answer_id", "authority", "k", "rating", "today", "care_start"):
        body = "{" + f'"{field}": {literal}' + "}"
        _clear_4xx(client.post(path, content=body, headers=JSON), 400, 422)


def test_invalid_utf8_and_wrong_content_type(client):
    _clear_4xx(client.post("/ask", content=b'{"question": "\xff\xfe who"}', headers=JSON), 400, 422)
    _clear_4xx(client.post("/ask", content=b"question=who", headers={"content-type": "text/plain"}), 400, 415, 422)


# --- strange but valid questions -----------------------------------------------------------------


HOSTILE_QUESTIONS = [
    "who can apply \x00\x01\x02\x07\x1b[31m for a special guardianship order\x7f in Wigan?",
    "\x00\x00\x00",
    "\u202ewho can apply for an SGO\u202c in Wigan?\u200b\u200d\ufeff",
    "who can apply for an SGO " + "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "x" * 2000,
    "SGO" + "a" * 1997,
    "special-guardianship-" * 95,
    "\U0001f600" * 2000,
    " \t\n what is early permanence? \n\t ",
    "'; DROP TABLE feedback; --",
    "{{question}} {sources} %s %(x)s ${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script> who may apply for an SGO?",
]


@pytest.mark.parametrize("question", HOSTILE_QUESTIONS, ids=range(len(HOSTILE_QUESTIONS)))
def test_hostile_questions_get_an_answer_or_a_refusal(client, settings, question):
    from ingest.documents import load_document_text

    r = client.post("/ask", json={"question": question})
    assert r.status_code in (200, 422), (r.status_code, r.text[:300])
    if r.status_code == 422:
        return
    body = r.json()
    # whatever the question, every quote is still verbatim from its document
    for c in body["citations"]:
        assert load_document_text(settings, c["document_id"])[c["start"] : c["end"]] == c["quote"]
    assert body["refused"] or body["citations"], "an answer with no citation"

    s = client.post("/search", json={"query": question, "k": 3})
    assert s.status_code in (200, 422), (s.status_code, s.text[:300])


def test_control_characters_are_a_422_that_names_the_field_without_echoing_it(client):
    question = "who can apply \x00\x1b for an SGO for Jayden Quistwick?"
    for path in ("/ask", "/ask/stream"):
        r = client.post(path, json={"question": question})
        _clear_4xx(r, 422)
        (err,) = r.json()["detail"]
        assert err["loc"] == ["body", "question"] and "control character" in err["msg"]
        assert "Quistwick" not in r.text and "input" not in err


# --- ids, paths and sessions -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "%2e%2e%2f", "\x00"])
def test_path_like_values_are_unknown_names_not_files(client, settings, value):
    from ingest.documents import UnknownDocument, load_document_text

    r = client.post("/ask", json={"question": "who can apply for an SGO?", "authority": value})
    _clear_4xx(r, 422)
    assert "known_authorities" in r.text or "control character" in r.text  # "\x00" is no name at all
    _clear_4xx(client.post("/search", json={"query": "SGO", "authority": value}), 422)
    _clear_4xx(client.post("/feedback", json={"answer_id": value, "rating": "up"}), 404, 422)
    _clear_4xx(client.get(f"/documents/{quote(value, safe='')}"), 404, 405)
    # the document-text lookup behind every citation treats an id as a key, never as a path
    with pytest.raises(UnknownDocument):
        load_document_text(settings, value)


def test_no_route_takes_a_file_path(client):
    spec = client.get("/openapi.json").json()
    names = []
    for path, ops in spec["paths"].items():
        assert "{" not in path or not any(w in path.lower() for w in ("file", "path", "dir")), path
        for op in ops.values():
            names += [p["name"].lower() for p in op.get("parameters", [])]
    for schema in spec.get("components", {}).get("schemas", {}).values():
        names += [n.lower() for n in schema.get("properties", {})]
    risky = [n for n in names if any(w in n for w in ("file", "path", "dir", "output"))]
    assert not risky, f"parameters that look like file paths: {risky}; test them for traversal"


def test_unknown_and_absurd_session_ids(client):
    for sid in ("no-such-session", "x" * 100_000, "../../etc/passwd", "\x00\x01"):
        r = client.post("/ask", json={"question": "what is early permanence?", "session_id": sid})
        assert r.status_code in (200, 422), (r.status_code, r.text[:200])
        if r.status_code == 200:
            body = r.json()
            # never adopted: a fresh id, and the response says the conversation was not found
            assert body["session_id"] != sid and len(body["session_id"]) < 64
            assert any("not found" in n or "new one" in n for n in body["notices"]), body["notices"]


# --- logs ------------------------------------------------------------------------------------


SECRET_NAME = "Zebedee Quistwick"


def _ask_logged(settings, caplog, level) -> tuple[dict, str]:
    caplog.clear()
    with caplog.at_level(level):
        with TestClient(create_app(settings)) as c:
            r = c.post("/ask", json={
                "question": f"Can {SECRET_NAME}'s grandmother apply for a special guardianship order in Wigan?"})
    assert r.status_code == 200, r.text
    return r.json(), caplog.text


def test_questions_and_answers_stay_out_of_logs_by_default(settings, caplog):
    assert settings.log_full_text is False
    body, logs = _ask_logged(settings, caplog, logging.DEBUG)
    assert "chars=" in logs, "the service logged nothing about the request at all"
    assert SECRET_NAME not in logs and "Quistwick" not in logs
    quotes = [c["quote"] for c in body["citations"] if len(c["quote"]) > 40]
    for q in quotes:
        assert q[:40] not in logs, "an answer's quote was written to the log"


def test_log_full_text_enables_them_for_debugging(settings, caplog):
    body, logs = _ask_logged(settings.model_copy(update={"log_full_text": True}), caplog, logging.INFO)
    assert SECRET_NAME in logs
