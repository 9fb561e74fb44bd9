"""The fBE on screen in a real browser: the δ scan's precomputed fBE/nBE curve, and the evolution
panel's fBE curves and final distribution after pressing "Compute fBE"."""

from __future__ import annotations

from playwright.sync_api import Page, expect

PANEL_TIMEOUT_MS = 90_000
TRACE_NAMES = (
    "(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');"
    " return gd && gd.data ? gd.data.filter(t => t.y && t.y.length).map(t => t.name) : []; }"
)


def names(page: Page, graph_id: str) -> list[str]:
    return [str(n) for n in page.evaluate(TRACE_NAMES, graph_id)]


def test_fbe_curves_and_distribution_appear(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#scan-status")).to_contain_text("fBE/nBE precomputed", timeout=PANEL_TIMEOUT_MS)
    assert any(n.startswith("fBE/nBE, δ > 0") for n in names(page, "scan-fig"))
    page.goto("/?gchi=0.00093")  # a point no other test solves by the fBE (the cache is shared)
    expect(page.locator("#omega-cbe")).not_to_be_empty(timeout=PANEL_TIMEOUT_MS)
    expect(page.locator("#ma-input")).to_have_value("2")
    assert not any(n.startswith("f/f_eq") for n in names(page, "evolution-fig"))
    page.locator("#fbe-button").click()
    expect(page.locator("#fbe-out")).to_contain_text("Ωh² (fBE) =", timeout=PANEL_TIMEOUT_MS)
    page.wait_for_function(
        f"({TRACE_NAMES})('evolution-fig').some(n => String(n).startsWith('f/f_eq'))", timeout=20_000
    )
    assert "T_χ/T (fBE)" in names(page, "evolution-fig")
