"""POST /rules/* over the real app (FastAPI TestClient): results, citations and 422s that name the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.server.app import create_app
from assistant.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> TestClient:
    settings = Settings(data_dir=tmp_path_factory.mktemp("rules-api"))
    with TestClient(create_app(settings)) as c:
        yield c


def test_review_schedule_example(client):
    r = client.post("/rules/review-schedule", json={"looked_after_from": "2026-03-02"})
    assert r.status_code == 200
    body = r.json()
    statute = body["results"][0]
    assert statute["authority"] == "England"
    assert [x["date"] for x in statute["dates"][:2]] == ["2026-03-30", "2026-06-30"]
    bolton = next(x for x in body["results"] if x["topic"] == "second_review")
    assert bolton["dates"][0]["date"] == "2026-06-01"
    for res in body["results"]:
        for c in res["citations"]:
            assert set(c) >= {"n", "document_id", "authority", "title", "version", "status", "section", "page",
                              "quote", "start", "end"}


def test_authority_filter_and_unknown_authority(client):
    r = client.post("/rules/review-schedule", json={"looked_after_from": "2026-03-02", "authority": "luton"})
    assert {x["authority"] for x in r.json()["results"]} == {"England", "Luton Council"}
    r = client.post("/rules/review-schedule", json={"looked_after_from": "2026-03-02", "authority": "Narnia"})
    assert r.status_code == 422 and r.json()["detail"]["field"] == "authority"


@pytest.mark.parametrize(
    ("path", "body", "field", "words"),
    [
        ("/rules/review-schedule", {"looked_after_from": "2026-02-30"}, "looked_after_from", "day value"),
        ("/rules/review-schedule", {"looked_after_from": "2026-03-02", "reviews_held": ["2026-02-01"]},
         "reviews_held", "before the child became looked after"),
        ("/rules/review-schedule", {"looked_after_from": "2026-03-02", "reviews_held": ["2026-05-01", "2026-04-01"]},
         "reviews_held", "in date order"),
        ("/rules/timeline", {"looked_after_from": "2026-03-02", "care_proceedings_issued_on": "2026-02-01",
                             "proceedings_extension_weeks": [9]}, "proceedings_extension_weeks", "exceeds"),
        ("/rules/eligibility/sgo", {"today": "2026-01-01", "lived_with_since": "2026-06-01"}, "lived_with_since", "after"),
        ("/rules/eligibility/cao", {"today": "2026-01-01", "application_date": "2025-01-01"}, "application_date", "before"),
        ("/rules/private-fostering", {"arrangement_start": "2026-04-01", "arrangement_end": "2026-03-01"},
         "arrangement_end", "before"),
        ("/rules/eligibility/sgo", {"relationship": "godmother"}, "relationship", "Input should be"),
    ],
)
def test_invalid_input_is_a_422_naming_the_field(client, path, body, field, words):
    r = client.post(path, json=body)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert any(e["loc"][-1] == field and words in e["msg"] for e in detail), detail


def test_sgo_cao_private_fostering_and_timeline(client):
    sgo = client.post("/rules/eligibility/sgo", json={"today": "2025-12-01", "is_local_authority_foster_carer": True,
                                                      "lived_with_since": "2025-01-10"}).json()
    assert sgo["results"][0]["outcome"] == "not_eligible" and sgo["results"][0]["earliest_date"] == "2026-01-10"
    cao = client.post("/rules/eligibility/cao", json={"today": "2026-06-01", "relationship": "grandparent",
                                                      "lived_with_since": "2025-03-01"}).json()
    assert cao["results"][0]["outcome"] == "eligible"
    pf = client.post("/rules/private-fostering", json={"today": "2026-05-01", "child_age": 12,
                                                       "carer_relationship": "family_friend",
                                                       "arrangement_start": "2026-04-01",
                                                       "arrangement_end": "2026-04-28"}).json()
    assert [x["outcome"] for x in pf["results"]] == ["applies", "does_not_apply"]  # statute vs Bolton's wording
    tl = client.post("/rules/timeline", json={"looked_after_from": "2026-03-02", "today": "2026-03-20",
                                              "authority": "Luton"}).json()
    first = tl["items"][0]
    assert first["date"] == "2026-03-30" and first["status"] == "due_soon" and tl["due_soon_days"] == 14


def test_openapi_documents_the_request_models(client):
    schema = client.get("/openapi.json").json()
    facts = schema["components"]["schemas"]["ReviewScheduleFacts"]
    assert facts["properties"]["looked_after_from"]["description"] == "Date the child became looked after"
    assert "examples" in facts
    assert "/rules/eligibility/sgo" in schema["paths"]
