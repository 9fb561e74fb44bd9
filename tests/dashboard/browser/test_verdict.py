"""In a real browser: the viability banner by method (the fBE in the background), the advanced
section's validated radius, the BaBar tension row and the target's help text."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.dashboard.browser._ui import type_refused_then_accepted

RELIC_TIMEOUT_MS = 30_000
UI_TIMEOUT_MS = 20_000
FBE_TIMEOUT_MS = 90_000
"""An fBE solve is 0.3–3 s alone; generous for a busy 2-core machine."""


def loaded(page: Page, query: str = "") -> None:
    page.goto("/" + query)
    expect(page.locator("#omega-cbe")).not_to_be_empty(timeout=RELIC_TIMEOUT_MS)


def test_fbe_verdict_arrives_from_the_background(page: Page) -> None:
    loaded(page, "?gchi=0.00107")  # a point no other test solves by the fBE (the cache is shared)
    banner = page.locator("#viability")
    expect(banner).to_contain_text("Viable by cBE", timeout=UI_TIMEOUT_MS)
    page.locator("#method input[value=nbe]").check()
    expect(banner).to_contain_text("Not viable by nBE", timeout=UI_TIMEOUT_MS)
    expect(banner).to_contain_text("✗ Ωh²")
    expect(page).to_have_url(re.compile(r"method=nbe"))
    page.locator("#method input[value=fbe]").check()
    expect(banner).to_contain_text(re.compile(r"(computing|by fBE)"), timeout=UI_TIMEOUT_MS)
    expect(banner).to_contain_text(re.compile(r"iable by fBE"), timeout=FBE_TIMEOUT_MS)
    expect(page.locator("#fbe-out")).to_contain_text("Ωh² (fBE) =", timeout=UI_TIMEOUT_MS)
    # back to the cBE: the cBE verdict at once, and it stays (no stale fBE verdict lands later)
    page.locator("#method input[value=cbe]").check()
    expect(banner).to_contain_text("Viable by cBE", timeout=UI_TIMEOUT_MS)
    page.wait_for_timeout(1500)
    expect(banner).to_contain_text("Viable by cBE")


def test_advanced_radius_is_validated_inline(page: Page) -> None:
    loaded(page, "?ma=0.3&delta=-0.3&gww=1e-05")  # long-lived a → γγ: P_inv depends on r_max
    expect(page.locator("#scenario-text")).to_contain_text("Long-lived", timeout=UI_TIMEOUT_MS)
    page.locator("#advanced > summary").click()
    derived = page.locator("#derived")
    shown = derived.text_content() or ""
    type_refused_then_accepted(page, "rmax", "0", "> 0", "0.3", kept=derived)
    expect(page).to_have_url(re.compile(r"rmax=0\.3"))
    expect(derived).not_to_have_text(shown, timeout=UI_TIMEOUT_MS)  # P_inv at the new radius
    expect(page.locator("#in-force")).to_contain_text("r_max = 0.3 m")


def test_babar_tension_row_and_target_help(page: Page) -> None:
    loaded(page)
    page.locator("#flavour-fig").locator("xpath=ancestor::section").locator("summary").click()
    row = page.locator("table.verdicts tr.tension")
    expect(row).to_contain_text(re.compile(r"tension \+2\.\dσ"), timeout=UI_TIMEOUT_MS)
    expect(page.locator("#scenario")).to_contain_text("allowed by every measured limit")
    help_text = page.locator("#target-help")
    expect(help_text).to_contain_text("proxy")
    page.locator("#target input[value=two_body_fit]").check()
    expect(help_text).to_contain_text("Recommended", timeout=UI_TIMEOUT_MS)
