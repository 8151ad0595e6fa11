"""A three-turn conversation in a real browser (Debian's chromium via Playwright), with one
read-back fact corrected through the answer's "Correct a fact" button.

Turn 1 gives a period that ENDED, turn 2 asks about an SGO (the chat reads the facts back
and computes "Eligible."), then the end date is corrected with one action: the same
session recomputes and the verdict flips to "Not eligible." without retyping anything.
"""

from __future__ import annotations

import pytest

from tests.browser_harness import ARTIFACTS, WAIT_MS, launch
from tests.browser_harness import ask as _ask

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def _assistant_text(page, needle: str) -> str:
    step = page.locator("[data-step-type=assistant_message]").filter(has_text=needle).last
    step.wait_for(state="visible", timeout=WAIT_MS)
    return " ".join(step.inner_text().split())


def test_three_turns_and_one_corrected_fact(chat_url):  # chat_url: tests/e2e/conftest.py
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{chat_url}/chat/", timeout=WAIT_MS)
            page.locator("#chat-input").wait_for(state="visible")

            _ask(page, "grandad had her from 12 September 2018 to 30 June 2022")
            first = _assistant_text(page, "What would you like to know")
            assert "I read: lived with grandparent 12 September 2018 - 30 June 2022" in first

            _ask(page, "she's applying for an SGO on 15 August 2022 - can she?")
            second = _assistant_text(page, "✔ eligible")  # the short rule answer's outcome table
            assert "I read: lived with grandparent 12 September 2018 - 30 June 2022; application 15 August 2022" in second

            page.get_by_role("button", name="Correct a fact").last.click()
            page.get_by_text("Which fact should I change?").last.wait_for(state="visible")
            _ask(page, "she only lived with him until 30 March 2022")
            third = _assistant_text(page, "✘ not eligible")
            assert "12 September 2018 - 30 March 2022; application 15 August 2022" in third
            page.screenshot(path=str(ARTIFACTS / "chat_conversation_corrected.png"))
        finally:
            browser.close()
