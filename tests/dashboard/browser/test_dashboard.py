"""The dashboard in a real browser: slider → numbers and point, shared links, bad input."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.dashboard.browser._ui import type_refused_then_accepted

RELIC_TIMEOUT_MS = 30_000
UI_TIMEOUT_MS = 20_000
"""Generous: other jobs may share the two cores."""


POINT_X = (
    "() => { const gd = document.querySelector('#flavour-fig .js-plotly-plot');"
    " const a = gd && gd.layout && gd.layout.annotations;"
    " return a && a.length ? Math.round(1e4 * Math.pow(10, a[0].x)) / 1e4 : null; }"
)


def point_x(page: Page) -> float:
    """m_a of the current-point ★ in the flavour plane (annotation 0, at log10 m_a)."""
    page.wait_for_function(f"({POINT_X})() !== null", timeout=UI_TIMEOUT_MS)
    return float(page.evaluate(POINT_X))


def test_slider_updates_numbers_point_and_url(page: Page) -> None:
    page.goto("/")
    cbe = page.locator("#omega-cbe")
    expect(cbe).to_have_text(re.compile(r"^0\.1"), timeout=RELIC_TIMEOUT_MS)
    before_value = cbe.inner_text()
    assert point_x(page) == 2.0
    thumb = page.locator("#ma-slider [role=slider]")
    thumb.focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    expect(page.locator("#ma-input")).to_have_value("1.778", timeout=UI_TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"ma=1\.778"))
    expect(cbe).not_to_have_text(before_value, timeout=UI_TIMEOUT_MS)
    page.wait_for_function(f"({POINT_X})() === 1.778", timeout=UI_TIMEOUT_MS)


def test_shared_link_restores_every_control(page: Page) -> None:
    page.goto("/?ma=0.5&delta=-0.2&gww=3e-05&gchi=0.01&target=two_body_fit&width=constant&theme=talk")
    expect(page.locator("#ma-input")).to_have_value("0.5", timeout=UI_TIMEOUT_MS)
    expect(page.locator("#delta-input")).to_have_value("-0.2")
    expect(page.locator("#gww-input")).to_have_value("3e-05")
    expect(page.locator("#gchi-input")).to_have_value("0.01")
    expect(page.locator("#target input[value=two_body_fit]")).to_be_checked()
    expect(page.locator("#width input[value=constant]")).to_be_checked()
    expect(page.locator("#page")).to_have_class("theme-talk")
    expect(page.locator("#scenario-text")).to_contain_text("Displaced diphoton")
    expect(page.locator("#notice")).to_be_empty()


def test_bad_link_shows_a_notice_and_defaults(page: Page) -> None:
    page.goto("/?ma=banana&gww=1e9")
    notice = page.locator("#notice")
    expect(notice).to_contain_text("m_a", timeout=UI_TIMEOUT_MS)
    expect(notice).to_contain_text("g_aWW")
    expect(page.locator("#ma-input")).to_have_value("2")


def test_typed_bad_value_shows_inline_message_and_keeps_result(page: Page) -> None:
    page.goto("/")
    cbe = page.locator("#omega-cbe")
    expect(cbe).to_have_text(re.compile(r"^0\.1"), timeout=RELIC_TIMEOUT_MS)
    type_refused_then_accepted(page, "gww", "nan", "finite", "9e-5", kept=cbe)
    expect(page).to_have_url(re.compile(r"gww=9e-05"))


def test_background_panels_finish_and_graphs_export_svg(page: Page, live_server: str) -> None:
    foreign: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((live_server, "data:", "blob:")) else foreign.append(r.url),
    )
    page.goto("/")
    expect(page.locator("#scan-status")).to_contain_text("max ratio", timeout=60_000)
    expect(page.locator("#dm-status")).to_contain_text("grid", timeout=60_000)
    page.locator("#evolution-fig").hover()
    expect(page.locator('#evolution-fig [data-title="Download plot as SVG"]')).to_have_count(1)
    expect(page.locator('#evolution-fig [data-title="Download plot as a PNG"]')).to_have_count(1)
    expect(page.locator('#evolution-fig [data-title="Share chart..."]')).to_have_count(0)
    page.locator("#fbe-button").click()
    expect(page.locator("#fbe-out")).not_to_be_empty(timeout=60_000)
    expect(page.locator("#fbe-button")).to_be_enabled()
    assert foreign == [], f"the page fetched from outside the app: {foreign}"


def test_a_changed_dm_plane_is_drawn_without_errors(page: Page) -> None:
    """δ off the precomputed planes: the preview callback (same figure and status as the
    background job) and the job both answer; the page ends on the full plane, no console error."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/?delta=0.0311")
    expect(page.locator("#dm-status")).to_contain_text("δ = 0.0311", timeout=RELIC_TIMEOUT_MS)
    expect(page.locator("#dm-status")).to_contain_text("8×8 grid", timeout=RELIC_TIMEOUT_MS)
    expect(page.locator("#dm-status")).not_to_contain_text("preview")
    rows = page.evaluate(
        "() => { const gd = document.querySelector('#dm-fig .js-plotly-plot');"
        " return gd.data.filter(t => t.type === 'contour').map(t => t.z.length); }"
    )
    assert rows and all(n == 8 for n in rows), rows
    assert errors == [], errors
