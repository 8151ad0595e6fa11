"""Answers in a real browser (Debian's chromium, the app on loopback), over three answers:

- the side panel never opens by itself; a marker opens it on that answer's own passage,
  even after later answers arrived (each answer's elements belong to it);
- the source cards under an answer open the same panel;
- a rule answer shows its dates first, with the reasoning and citations folded away;
- "Copy for case record" puts the answer on the clipboard as plain text with full citations.

Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re

import pytest

from tests.browser_harness import ARTIFACTS, WAIT_MS, answers, ask, launch, norm, nth_answer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

SGO = "Who can apply for a special guardianship order?"
LUTON_PPM = "When is the first permanence planning meeting held in Luton?"
REVIEW = "The child came into care on 2 March 2026, when is the 2nd review due?"


def _panel_open(page) -> bool:
    return page.locator("#side-view-title").count() > 0 and page.locator("#side-view-title").first.is_visible()


def _card(answer, n: int) -> str:
    """Council and document of source card [n] under ``answer``."""
    row = answer.locator("tbody tr").filter(has=answer.page.locator("a", has_text=re.compile(rf"^\[{n}\]$"))).first
    cells = [norm(c) for c in row.locator("td").all_inner_texts()]
    return cells


def _open_marker(answer, n: int, in_cards: bool = False):
    page = answer.page
    # markers in the text are element links outside the source-card table
    links = answer.locator("tbody a.element-link") if in_cards else answer.locator("a.element-link:not(table a)")
    links.filter(has_text=re.compile(rf"^\[{n}\]$")).first.click()
    page.locator("#side-view-title", has_text=f"[{n}]").wait_for(state="visible")
    content = page.locator("#side-view-content")
    content.get_by_text("Quoted passage").first.wait_for(state="visible")
    return norm(content.inner_text())


def _close_panel(page) -> None:
    page.get_by_role("button", name="Close the citation panel").click()
    page.wait_for_function("() => !document.querySelector('#side-view-title')", timeout=WAIT_MS)


def test_three_answers_citations_stay_put_rule_answer_folded_copy_for_record(chat_url, index_settings):
    from playwright.sync_api import sync_playwright

    from assistant.services import get_services
    from assistant.ui.service_adapters import ask_request

    expected = get_services(index_settings).ask.ask(ask_request(SGO, None, None))
    assert expected.citations
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                          permissions=["clipboard-read", "clipboard-write"])
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{chat_url}/chat/", timeout=WAIT_MS)
            page.locator("#chat-input").wait_for(state="visible")

            # three answers; after each, no panel has opened by itself
            for i, q in enumerate((SGO, LUTON_PPM, REVIEW), 1):
                ask(page, q)
                nth_answer(page, i)
                page.wait_for_timeout(800)  # the moment the old front end opened the panel
                assert not _panel_open(page), f"the side panel opened by itself after answer {i}"
            first, second, third = (nth_answer(page, i) for i in (1, 2, 3))

            # answer 1's marker [1], clicked after two later answers: answer 1's own passage
            panel = _open_marker(first, 1)
            c1 = expected.citations[0]
            assert norm(c1.quote)[:100] in panel and c1.title in panel and c1.authority in panel
            page.wait_for_timeout(600)  # the panel slides in
            page.screenshot(path=str(ARTIFACTS / "chat_panel_first_answer.png"))
            _close_panel(page)

            # answer 2: the marker and the source card [1] open the same passage, whose
            # council and document are the ones on the card
            card = _card(second, 1)
            assert card[0] == "[1]" and len(card) == 5, card
            from_marker = _open_marker(second, 1)
            _close_panel(page)
            from_card = _open_marker(second, 1, in_cards=True)
            assert from_marker == from_card
            assert card[1] in from_card and card[2] in from_card, (card, from_card[:300])
            assert norm(c1.quote)[:100] not in from_card or card[1] == c1.authority
            _close_panel(page)

            # answer 3 (rules): dates first as what / due by / status, one line on where
            # councils differ, the reasoning and its citations folded in a closed step
            third_text = norm(third.inner_text())
            assert re.search(r"What Due by Status on", third_text), third_text[:300]
            # the conversation is about Luton since answer 2 (the session keeps the council in
            # play), so the one line says whose dates these are rather than where councils differ
            assert "30 June 2026" in third_text
            assert re.search(r"councils differ|councils agree|Only Luton's policy sets a date", third_text), third_text
            assert not third.locator("a", has_text=re.compile(r"^\[\d+\]$")).count(), "markers belong to the folded details"
            step = page.get_by_role("button", name=re.compile("reasoning and sources", re.I)).last
            step.wait_for(state="visible")
            assert "Statutory reviews" not in norm(page.locator("body").inner_text()), "the reasoning is not folded"
            step.click()
            page.get_by_text("Statutory reviews").first.wait_for(state="visible")
            page.wait_for_timeout(400)
            page.screenshot(path=str(ARTIFACTS / "chat_rule_answer.png"))

            # copy for the case record: plain text, full citations, policy dates
            first.get_by_role("button", name="Copy for case record").click()
            page.get_by_text("Copied: paste it").first.wait_for(state="visible")
            copied = page.evaluate("navigator.clipboard.readText()")
            assert copied.startswith(f"Question: {SGO}")
            assert "**" not in copied and "\\" not in copied and "](" not in copied
            head = f"[1] {c1.authority} — {c1.title} — version {c1.version} ({c1.status}) — section: {c1.section}"
            assert head in copied, copied[:600]
            assert "policy last updated:" in copied and norm(c1.quote)[:80] in norm(copied)
            assert answers(page).count() == 3
        finally:
            browser.close()


FGC_ANSWER = "Yes, every family is offered an FGC."


def test_trainer_picks_quiz_in_settings_and_a_paraphrase_earns_its_point(chat_url, index_settings):
    from playwright.sync_api import sync_playwright

    from assistant.evaluation.gold import load_gold
    from assistant.ui import quiz

    pool = quiz.quiz_questions(load_gold(index_settings.gold_dir))
    fgc = quiz.select_questions(pool, quiz.parse_quiz_request("/quiz wig26-fgc-01"))
    assert len(fgc) == 1, [q.id for q in fgc]
    gold = fgc[0]

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{chat_url}/chat/", timeout=WAIT_MS)
            page.locator("#chat-input").wait_for(state="visible")

            # the trainer picks topic and length in the chat settings; a bare /quiz uses them
            page.locator("#chat-settings-open-modal").click()
            page.locator("#quiz_topic").click()
            page.get_by_role("option", name="Fostering for adoption").click()
            page.locator("#quiz_count").get_by_role("slider").focus()
            page.keyboard.press("Home")  # the slider's minimum: 1 question
            page.get_by_role("button", name="Confirm").click()
            ask(page, "/quiz")
            page.get_by_text("Question 1 of 1").first.wait_for(state="visible")
            assert page.get_by_text(re.compile(r"\(Fostering for adoption")).count() >= 1
            ask(page, "skip")
            page.get_by_text("Quiz summary").first.wait_for(state="visible")

            # a key fact in other words (the glossary's acronym) earns its point, and the
            # learner sees which of their words earned it; the model answer is the gold one
            ask(page, "/quiz wig26-fgc-01")
            page.get_by_text(gold.question).first.wait_for(state="visible")
            ask(page, FGC_ANSWER)
            feedback = page.locator("[data-step-type=assistant_message]").filter(has_text="You covered").last
            feedback.wait_for(state="visible")
            text = norm(feedback.inner_text())
            assert f"You covered {len(gold.key_facts)} of {len(gold.key_facts)}" in text, text
            assert "your words: “FGC” (glossary: FGC =" in text, text
            assert norm(gold.passages[0][1])[:80] in text  # the gold passage, quoted whole
            assert "Key facts:" in text and "Computed by the rule layer" not in text
            page.screenshot(path=str(ARTIFACTS / "quiz_paraphrase_round.png"))
        finally:
            browser.close()
