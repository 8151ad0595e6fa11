"""axe-core over the chat's screens, in Debian's chromium, light and dark themes.

axe-core comes from npm (``tests/a11y/package.json``, installed by ``make a11y-deps``,
which ``make test`` runs) and is injected into the page by Playwright: no browser or
script is downloaded at test time. Screens: the empty screen, an answer, the open
citation panel, the chat settings, a quiz round.

Also a script, to measure another running copy of the app (e.g. before a change):
``python -m tests.accessibility_scan http://127.0.0.1:8765 [--json OUT]``.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from tests.browser_harness import ARTIFACTS, WAIT_MS, ask, launch

AXE_JS = Path(__file__).parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
QUESTION = "Who can apply for a special guardianship order?"
THEMES = ("light", "dark")


def set_theme(page, theme: str) -> None:
    """Switch the theme as Chainlit's toggle does: the class on <html>, and the stored choice."""
    page.evaluate("""t => { localStorage.setItem('vite-ui-theme', t);
        document.documentElement.classList.remove('light', 'dark'); document.documentElement.classList.add(t); }""", theme)
    page.wait_for_timeout(300)


def axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now (one dict per rule broken)."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                           WCAG_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": len(v["nodes"]),
             "targets": [n["target"] for n in v["nodes"][:5]]} for v in result["violations"]]


def scan_both_themes(page, view: str, report: dict, screenshots: bool = True) -> None:
    for theme in THEMES:
        set_theme(page, theme)
        report[f"{view} ({theme})"] = axe(page)
        if screenshots:
            page.screenshot(path=str(ARTIFACTS / f"a11y_{view.replace(' ', '_')}_{theme}.png"))
    set_theme(page, "light")


def scan_views(page, base_url: str, screenshots: bool = True) -> dict[str, list[dict]]:
    """Walk the chat's screens and axe each one in both themes."""
    report: dict[str, list[dict]] = {}
    page.goto(f"{base_url}/chat/", timeout=WAIT_MS)
    page.locator("#chat-input").wait_for(state="visible")
    page.locator("#starters button").first.wait_for(state="visible")
    scan_both_themes(page, "empty screen", report, screenshots)

    ask(page, QUESTION)
    # the answer is complete when its markers are links (works before and after issue 15)
    answer = page.locator("[data-step-type=assistant_message]").filter(has=page.locator("a.element-link")).first
    answer.wait_for(state="visible")
    page.wait_for_timeout(1000)
    scan_both_themes(page, "answer", report, screenshots)

    answer.locator("a.element-link", has_text=re.compile(r"^\[1\]$")).first.click()
    page.locator("#side-view-content").get_by_text("Quoted passage").first.wait_for(state="visible")
    scan_both_themes(page, "citation panel", report, screenshots)
    page.keyboard.press("Escape")

    page.locator("#chat-settings-open-modal").click()
    page.get_by_role("dialog").wait_for(state="visible")
    scan_both_themes(page, "settings", report, screenshots)
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="hidden")

    ask(page, "/quiz sgo 1")
    page.get_by_text("Question 1 of 1").first.wait_for(state="visible")
    ask(page, "A guardian of the child, or a foster carer the child has lived with for a year.")
    page.get_by_text("Model answer").first.wait_for(state="visible")
    page.wait_for_timeout(500)
    scan_both_themes(page, "quiz round", report, screenshots)
    return report


def counts(report: dict[str, list[dict]]) -> dict[str, Counter]:
    """Per screen and theme: number of rules broken, by impact."""
    return {view: Counter(v["impact"] for v in vs) for view, vs in report.items()}


def serious(report: dict[str, list[dict]]) -> list[tuple[str, dict]]:
    return [(view, v) for view, vs in report.items() for v in vs if v["impact"] in ("serious", "critical")]


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    base_url = argv[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            # axe-core is injected as an inline script: the auditor, not the page, bypasses the CSP
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, bypass_csp=True)
            page.set_default_timeout(WAIT_MS)
            report = scan_views(page, base_url, screenshots=False)
        finally:
            browser.close()
    for view, c in counts(report).items():
        print(f"{view:28} " + ", ".join(f"{k}: {n}" for k, n in sorted(c.items())) + "  " +
              "; ".join(f"{v['id']}({v['impact']},{v['nodes']})" for v in report[view]))
    if "--json" in argv:
        Path(argv[argv.index("--json") + 1]).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
