"""The paper's projections panel in a real browser: start, progress, figure, Cancel.

The live server runs with ``ALP_PROJECTION_GRID=2,2`` (conftest.py): 4 nodes per method.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

JOB_TIMEOUT_MS = 90_000
"""Generous: a cBE projection of 4 nodes takes seconds, but other jobs share the two cores."""
UI_TIMEOUT_MS = 20_000
PAGE_TIMEOUT_MS = 90_000
"""The first page of a session waits for the workers (cold, on a busy machine)."""

TRACES = (
    "() => { const gd = document.querySelector('#proj-fig .js-plotly-plot');"
    " return gd && gd.data ? [...new Set(gd.data.map(t => t.legendgroup))] : null; }"
)


def test_the_projection_panel_computes_on_demand_and_draws_each_method(page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/?theme=talk")
    expect(page.locator("#page")).to_have_class("theme-talk", timeout=PAGE_TIMEOUT_MS)
    fig = page.locator("#proj-fig")
    expect(fig).to_contain_text("Compute projections", timeout=UI_TIMEOUT_MS)  # nothing starts by itself
    assert page.evaluate(TRACES) == []
    # the page's own jobs (DM plane, δ scan) have run; the idle panel never queued a job of its
    # own (it used to: Dash fires it on page load with an empty key, and it said "Server busy")
    expect(page.locator("#scan-status")).to_contain_text("ratio", timeout=JOB_TIMEOUT_MS)
    page.wait_for_timeout(1500)
    expect(page.locator("#proj-queue")).to_have_text("")
    expect(page.locator("#proj-progress")).to_have_class("progress")

    page.locator("#proj-methods").get_by_text("nBE").click()  # the cBE alone: 4 nodes
    page.locator("#proj-start").click()
    status = page.locator("#proj-status")
    expect(status).to_contain_text("cBE:", timeout=JOB_TIMEOUT_MS)
    expect(status).to_contain_text("nodes viable")
    expect(status).to_contain_text("excess target")
    assert page.evaluate(TRACES) == ["cbe"]
    expect(page.locator("#proj-progress")).to_have_attribute("value", "4")
    expect(page.locator("#proj-cancel")).to_be_disabled()
    expect(fig.locator("a.slide-link", has_text="PDF")).to_have_count(0)  # links sit above the graph
    box = page.locator("#proj-fig").locator("xpath=ancestor::div[contains(@class,'graph-box')]")
    expect(box.locator("a.slide-link")).to_have_count(2)
    assert errors == [], errors


def test_a_running_projection_can_be_cancelled(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#proj-fig")).to_contain_text("Compute projections", timeout=PAGE_TIMEOUT_MS)
    page.locator("#proj-methods").get_by_text("nBE").click()
    page.locator("#proj-methods").get_by_text("cBE").click()
    page.locator("#proj-methods").get_by_text("fBE").click()  # ≈ 20 s per node: still running below
    page.locator("#proj-start").click()
    cancel = page.locator("#proj-cancel")
    expect(cancel).to_be_enabled(timeout=UI_TIMEOUT_MS)
    expect(page.locator("#proj-progress")).to_have_class("progress busy")
    cancel.click()
    expect(cancel).to_be_disabled(timeout=UI_TIMEOUT_MS)
    expect(page.locator("#proj-progress")).to_have_class("progress")
    expect(page.locator("#proj-status")).not_to_contain_text("fBE")
