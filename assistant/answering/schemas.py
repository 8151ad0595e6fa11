"""Request and response shapes of asking, shared by the API, the CLI, the chat UI and eval.

The response field names are a contract (see the brief): answer, citations, refused,
session_id, interpreted_question, rules, timings_ms; the rest are extras.
"""

from __future__ import annotations

from datetime import date

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.answering.gap_log import NearestSection
from assistant.models import Citation
from assistant.text_input import CLEAN_NONBLANK_TEXT_SCHEMA, CLEAN_TEXT_SCHEMA, check_clean

MAX_QUESTION_CHARS = 2000

EngineName = Literal["extractive", "generative"]


class AskRequest(BaseModel):
    """One question, optionally for one authority and within a conversation."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(..., description="The question, 1 to 2,000 characters", max_length=MAX_QUESTION_CHARS,
                          json_schema_extra=CLEAN_NONBLANK_TEXT_SCHEMA)
    authority: str | None = Field(None, description="Short or full authority name (any case); null = detect or all",
                                  max_length=200, json_schema_extra=CLEAN_TEXT_SCHEMA)
    session_id: str | None = Field(None, description="Continue a conversation (yours only); unknown ids start a new one",
                                   max_length=200, json_schema_extra=CLEAN_TEXT_SCHEMA)
    engine: EngineName | None = Field(None, description="extractive (default) or generative")
    today: date | None = Field(None, description="Date relative facts count from ('since last August', '18 months ago'); "
                               "default: the server's date. For tests and for asking about a past date.")

    _clean = field_validator("question", "authority", "session_id", mode="before")(check_clean)

    @field_validator("question")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("question must not be empty")
        return v


class AskResponse(BaseModel):
    """A grounded answer: every statement of policy in ``answer`` is a quote with a marker [n]."""

    answer: str
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = False
    session_id: str
    interpreted_question: str
    rules: list[dict[str, Any]] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    # extras
    answer_id: str = ""
    engine: str = "extractive"
    authorities: list[str] = Field(default_factory=list)
    interpretation: dict[str, Any] = Field(default_factory=dict, description="How the question was scoped")
    evidence: dict[str, float] | None = Field(None, description="Signals of the refusal decision (top_dense, top_overlap)")
    notices: list[str] = Field(default_factory=list)
    refusal_reason: str | None = None
    nearest_sections: list[NearestSection] = Field(default_factory=list)
    dropped_sentences: list[str] = Field(default_factory=list)
    missing_facts: list[str] = Field(default_factory=list)
    facts_read: str | None = Field(None, description="The child's facts as read over the conversation, in words "
                                   "('I read: ...'), for the user to check before relying on the answer")
    facts: dict[str, Any] = Field(default_factory=dict, description="The same facts by rule-layer field name")
    clarify: bool = Field(False, description="The message could not be resolved: the answer says what is needed")
