"""Steps shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def type_refused_then_accepted(
    page: Page, control: str, bad: str, fragment: str, good: str, kept: Locator
) -> None:
    """Type ``bad`` into the text box of ``control``: an inline message containing ``fragment``
    appears and ``kept`` (a read-out) keeps its text; then ``good`` clears the message and lands
    in the URL."""
    shown = kept.text_content() or ""
    box, msg = page.locator(f"#{control}-input"), page.locator(f"#{control}-msg")
    box.fill(bad)
    box.press("Enter")
    expect(msg).to_contain_text(fragment, timeout=20_000)
    expect(msg).to_be_visible()
    expect(kept).to_have_text(shown)
    box.fill(good)
    box.press("Enter")
    expect(msg).to_be_empty(timeout=20_000)
