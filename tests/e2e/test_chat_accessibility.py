"""Accessibility in a real browser: axe-core (npm, injected by Playwright into Debian's
chromium) over the empty screen, an answer, the open citation panel, the settings and a
quiz round, in light and dark themes; and a keyboard-only path (ask, open citation [1],
close it) with a visible focus indicator at every stop.

Serious and critical violations fail the test; the rest are written to
tests/artifacts/axe-report.json and listed in the README's accessibility section.
"""

from __future__ import annotations

import json

import pytest

from tests.accessibility_scan import AXE_JS, counts, scan_views, serious
from tests.browser_harness import ARTIFACTS, WAIT_MS, launch

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def _need_axe() -> None:
    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed: run `make a11y-deps` (npm install in tests/a11y)")


def test_axe_core_finds_no_serious_or_critical_violation_on_any_screen_or_theme(chat_url):
    from playwright.sync_api import sync_playwright

    _need_axe()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            # axe-core is injected as an inline script: the auditor, not the page, bypasses the CSP
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
            page.set_default_timeout(WAIT_MS)
            report = scan_views(page, chat_url)
        finally:
            browser.close()
    (ARTIFACTS / "axe-report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    assert len(report) == 10, sorted(report)  # 5 screens x 2 themes were really scanned
    by_view = {view: dict(c) for view, c in counts(report).items()}
    bad = serious(report)
    assert not bad, "serious/critical axe-core violations:\n" + "\n".join(
        f"{view}: {v['id']} ({v['impact']}) {v['help']} at {v['targets']}" for view, v in bad) + f"\n{by_view}"


FOCUS_VISIBLE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const ring = s.boxShadow && s.boxShadow !== 'none';
  return {tag: el.tagName, id: el.id, text: (el.innerText || el.getAttribute('aria-label') || '').slice(0, 40),
          visible: outline || ring};
}"""


def _tab_to(page, predicate_js: str, max_tabs: int = 80) -> dict:
    """Press Tab until the focused element matches ``predicate_js``; every stop on the way
    must show a focus indicator (WCAG 2.4.7)."""
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        page.wait_for_timeout(40)
        info = page.evaluate(FOCUS_VISIBLE_JS)
        if info is None:
            continue
        assert info["visible"], f"focus is not visible on {info}"
        if page.evaluate(predicate_js):
            return info
    raise AssertionError(f"Tab never reached the element ({predicate_js})")


def test_keyboard_only_ask_open_citation_close_with_visible_focus(chat_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{chat_url}/chat/", timeout=WAIT_MS)
            page.locator("#chat-input").wait_for(state="visible")
            _tab_to(page, "() => document.activeElement && document.activeElement.id === 'chat-input'")
            page.keyboard.type("Who can apply for a special guardianship order?")
            page.keyboard.press("Enter")
            page.locator("[data-step-type=assistant_message] .case-record-copy").first.wait_for(state="visible")
            info = _tab_to(page, "() => document.activeElement && document.activeElement.classList.contains('element-link')"
                                 " && document.activeElement.textContent.trim() === '[1]'", max_tabs=200)
            assert info["text"] == "[1]"
            page.keyboard.press("Enter")
            page.locator("#side-view-title", has_text="[1]").wait_for(state="visible")
            page.locator("#side-view-content").get_by_text("Quoted passage").first.wait_for(state="visible")
            page.screenshot(path=str(ARTIFACTS / "keyboard_citation_open.png"))
            page.keyboard.press("Escape")
            page.wait_for_function("() => !document.querySelector('#side-view-title')", timeout=WAIT_MS)
        finally:
            browser.close()
