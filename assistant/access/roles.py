"""Roles and what each may do, enforced alike on API routes (``server.security.require``)
and chat commands (``ui.chat_handlers``).

- practitioner: ask (answers, search, documents, rule computations) and give feedback;
- trainer: a practitioner who also runs the induction quiz and keeps its summaries;
- QA lead: a practitioner who also reads the policy-gap log, reviews feedback and runs evaluations;
- admin: everything, and users and ingest.
"""

from __future__ import annotations

ASK = "ask"
FEEDBACK = "feedback"
QUIZ = "quiz"
GAPS = "gaps"
FEEDBACK_REVIEW = "feedback_review"
EVAL = "eval"
USERS = "users"
INGEST = "ingest"

_PRACTITIONER = frozenset({ASK, FEEDBACK})
PERMISSIONS: dict[str, frozenset[str]] = {
    "practitioner": _PRACTITIONER,
    "trainer": _PRACTITIONER | {QUIZ},
    "qa_lead": _PRACTITIONER | {GAPS, FEEDBACK_REVIEW, EVAL},
    "admin": _PRACTITIONER | {QUIZ, GAPS, FEEDBACK_REVIEW, EVAL, USERS, INGEST},
}
ROLES: tuple[str, ...] = tuple(PERMISSIONS)


def normalise_role(role: str) -> str:
    """``"QA lead"``, ``"qa-lead"`` and ``"qa_lead"`` are one role; ValueError names the known ones."""
    key = "_".join(role.strip().lower().replace("-", " ").split())
    if key not in PERMISSIONS:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return key


def permits(role: str | None, permission: str) -> bool:
    return permission in PERMISSIONS.get(role or "", frozenset())
