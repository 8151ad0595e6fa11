"""A draft gold item from a rated answer (``permanence gold from-feedback ID``).

A thumbs-down is the cheapest source of new gold: a practitioner found an answer wrong. The
store keeps no question text (it may identify a child), so the draft carries a TODO for the
question, to be written by the QA lead without the child's details, and the passages the
answer cited as candidate gold passages (verbatim, with their document), its authority and a
note of where it came from. The comment is not copied either: it is free text and may hold
personal data; the note says where to read it.
"""

from __future__ import annotations

from typing import Any

from assistant.evaluation.gold import KINDS


def draft_from_feedback(reviewed, corpus) -> dict[str, Any]:
    authority = None
    if reviewed.authority and "," not in reviewed.authority:
        try:
            authority = corpus.short_name(corpus.resolve_authority(reviewed.authority)).lower()
        except ValueError:
            authority = None
    passages = [{"document_id": c.document_id, "text": c.quote} for c in reviewed.citations if c.quote]
    kind_hint = "rule" if reviewed.kind == "rule" else ("unanswerable" if reviewed.refused else "TODO")
    draft: dict[str, Any] = {
        "id": f"fb-{reviewed.answer_id[:12].lower()}",
        "kind": kind_hint,
        "question": "TODO: the question as a practitioner would ask it, without any child's details",
        "authority": authority,
        "key_facts": ["TODO: a regex each correct answer must match"],
        "gold_passages": passages or [{"document_id": "TODO", "text": "TODO: the verbatim passage that answers it"}],
        "notes": (f"Drafted from {reviewed.rating} feedback on answer {reviewed.answer_id} ({reviewed.time}; engine "
                  f"{reviewed.engine}, {reviewed.kind}{', ' + reviewed.refusal_reason if reviewed.refusal_reason else ''}). "
                  "The cited passages above are what the answer quoted: keep the ones a correct answer must cite, "
                  "replace the rest. The rater's comment is in `permanence feedback`. kind is one of: "
                  + ", ".join(KINDS) + "."),
    }
    if reviewed.frame:
        draft["notes"] += f" Interpreted frame: {reviewed.frame}."
    return draft
