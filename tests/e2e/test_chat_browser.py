"""The chat in a real browser: Debian's chromium driven by Playwright against the app
served by uvicorn on loopback (API and chat in one process, as ``permanence serve``).

A practitioner's path: the empty screen with starters, a question, the streamed answer,
citation [1] opened in the side panel with its passage, the authority switched in the
chat settings and a second answer from that council only, a thumbs-down with a comment
that lands in the feedback store. Throughout, the page must fetch nothing from outside
the server (no fonts, CDNs or telemetry). Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import pytest

from tests.browser_harness import ARTIFACTS, WAIT_MS, ensure_chromium, launch, served_app

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

QUESTION = "Who can apply for a special guardianship order?"
LUTON_QUESTION = "When is the first permanence planning meeting held?"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _norm(text: str) -> str:
    return " ".join(text.split())


def _words(text: str) -> str:
    """Text without list bullets (they stay outside the highlight so lists still render)."""
    return " ".join(w for w in text.split() if w not in ("•", "·", "▪", "◦", "-", "*"))


def _answer_step(page, n: int):
    """The n-th (1-based) finished assistant answer: one whose Sources list has rendered."""
    steps = page.locator("[data-step-type=assistant_message]").filter(has=page.locator(".case-record-copy"))
    steps.nth(n - 1).wait_for(state="visible", timeout=WAIT_MS)
    return steps.nth(n - 1)


def _ask(page, question: str) -> None:
    page.locator("#chat-input").click()
    page.keyboard.type(question)
    page.locator("#chat-submit").click()


def test_practitioner_asks_opens_citation_switches_authority_rates_offline(chat_url, index_settings):
    from playwright.sync_api import sync_playwright

    from assistant.evaluation.gold import load_gold
    from assistant.services import get_services
    from assistant.ui.service_adapters import ask_request

    services = get_services(index_settings)
    expected = services.ask.ask(ask_request(QUESTION, None, None))
    assert expected.citations, "the assistant gives no citation for the SGO question"
    quote1 = _norm(expected.citations[0].quote)
    gold_questions = {_norm(it.question).lower() for it in load_gold(index_settings.gold_dir)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    requests: list[str] = []
    ws_urls: list[str] = []
    ws_events: list[str] = []

    def on_ws(ws):
        ws_urls.append(ws.url)
        ws.on("framereceived", lambda payload: ws_events.extend(re.findall(r'^\d*\["([a-z_]+)"', str(payload))))

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(WAIT_MS)
            page.on("request", lambda r: requests.append(r.url))
            page.on("websocket", on_ws)

            # 1. the empty screen: the composer and starter questions from the gold set
            page.goto(f"{chat_url}/chat/", timeout=WAIT_MS)
            page.locator("#chat-input").wait_for(state="visible")
            starters = page.locator("#starters button")
            starters.first.wait_for(state="visible")
            starter_texts = [_norm(t).lower() for t in starters.all_inner_texts()]
            assert starter_texts and all(t.rstrip("…") and any(g.startswith(t.rstrip("…").strip()) for g in gold_questions)
                                         for t in starter_texts), starter_texts

            # 2. ask; the answer streams in (socket events), then shows its sources
            _ask(page, QUESTION)
            answer = _answer_step(page, 1)
            assert "stream_start" in ws_events and "stream_token" in ws_events, sorted(set(ws_events))
            answer_text = _norm(answer.inner_text())
            assert "[1]" in answer_text and _norm(expected.citations[0].authority) in answer_text

            # 3. citation [1] opens its source in the side panel: details, passage, highlight
            answer.locator("a", has_text=re.compile(r"^\[1\]$")).first.click()
            page.locator("#side-view-title", has_text="[1]").wait_for(state="visible")
            panel = page.locator("#side-view-content")
            panel.get_by_text("Quoted passage").wait_for(state="visible")
            panel_text = _norm(panel.inner_text())
            c1 = expected.citations[0]
            for needle in (c1.title, c1.authority, c1.version, "Quoted passage", "In its document"):
                assert _norm(needle) in panel_text, needle
            assert quote1[:120] in panel_text, "the quoted passage is not shown in the side panel"
            highlight = panel.locator(".font-bold")  # how Chainlit renders markdown bold
            bold = _norm(" ".join(highlight.all_inner_texts()))
            assert _words(quote1)[:60] in _words(bold), "the passage is not highlighted inside its document text"
            tint = highlight.first.evaluate("e => getComputedStyle(e).backgroundColor")
            assert tint not in ("rgba(0, 0, 0, 0)", "transparent"), "public/offline.css highlight not applied"
            page.screenshot(path=str(ARTIFACTS / "chat_citation_panel.png"))

            # 4. switch the authority in the chat settings; the next answer quotes Luton only
            page.locator("#chat-settings-open-modal").click()
            page.locator("#authority").click()
            page.get_by_role("option", name="Luton").click()
            page.get_by_role("button", name="Confirm").click()
            page.get_by_text("Answers now come from Luton Council.").wait_for(state="visible")
            _ask(page, LUTON_QUESTION)
            luton = _answer_step(page, 2)
            sources = [_norm(t) for t in luton.locator("tbody tr").all_inner_texts() if re.match(r"\[\d+\]", _norm(t))]
            assert sources and all("Luton Council" in s for s in sources), sources
            luton.locator("a", has_text=re.compile(r"^\[1\]$")).first.click()
            page.locator("#side-view-content").get_by_text("Luton Council").first.wait_for(state="visible")

            # 5. thumbs down with a comment on that answer: stored in the API's feedback store
            before = services.feedback.summary()["down"]
            luton_step = page.locator(".step").filter(has=page.locator(".negative-feedback-off")).last
            luton_step.locator(".negative-feedback-off").click()
            page.get_by_role("dialog").locator("textarea").fill("e2e: wanted the later meetings too")
            page.locator("#submit-feedback").click()
            deadline = time.monotonic() + 30
            while services.feedback.summary()["down"] == before and time.monotonic() < deadline:
                time.sleep(0.2)
            assert services.feedback.summary()["down"] == before + 1, "the chat's thumbs-down was not stored"
            from assistant.ui.feedback_layer import remembered_answer_ids

            stored = [services.feedback.get(a) for a in remembered_answer_ids()]
            assert any(r and r.rating == "down" and r.comment == "e2e: wanted the later meetings too" for r in stored)
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "chat_e2e.png"))
        finally:
            browser.close()

    # 6. nothing but the server itself was contacted
    hosts = {urlparse(u).hostname for u in requests + ws_urls}
    assert hosts <= LOCAL_HOSTS, f"the chat contacted outside hosts: {sorted(hosts - LOCAL_HOSTS)}"
    assert len(requests) > 5  # the check saw the page's traffic


def test_with_log_in_on_a_practitioner_signs_in_asks_and_meets_no_policy_violation(index_settings, tmp_path):
    """Log-in on (a user exists): the chat opens on its sign-in form; a wrong password is
    refused; the right one leads to an answer; the quiz is not the practitioner's; and the
    page runs under the Content-Security-Policy without a single violation."""
    from playwright.sync_api import sync_playwright

    from assistant.access.identity import access_for

    ensure_chromium()
    settings = index_settings.model_copy(update={"users_file": tmp_path / "users.sqlite3", "auth_secret": "e" * 48})
    access_for(settings).users.add("pat", "practitioner", "pat's password")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    console: list[str] = []
    with served_app(settings) as url, sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.set_default_timeout(WAIT_MS)
        page.on("console", lambda m: console.append(m.text))
        page.goto(f"{url}/chat/")
        page.locator("#email").fill("pat")
        page.locator("#password").fill("not my password")
        page.locator("button[type=submit]").click()
        page.wait_for_timeout(1000)
        assert page.locator("#chat-input").count() == 0  # still on the sign-in form
        page.locator("#password").fill("pat's password")
        page.locator("button[type=submit]").click()
        page.locator("#chat-input").wait_for(state="visible")
        _ask(page, QUESTION)
        assert "[1]" in _norm(_answer_step(page, 1).inner_text())
        _ask(page, "/quiz sgo 1")
        page.get_by_text("The induction quiz is for trainers").wait_for(state="visible")
        page.screenshot(path=str(ARTIFACTS / "chat_login_e2e.png"))
        browser.close()
    violations = [c for c in console if "Content Security Policy" in c or "Refused to" in c]
    assert not violations, violations[:5]
