"""Presentation mode on a projector, and the slide export links, in a real browser.

At 1280×720 and 1920×1080 in presentation mode ("?theme=talk") every plot area must take at
least 60 % of its panel's width and no two x-axis tick labels may overlap. Full-page screenshots
are kept as artefacts (``$ALP_SCREENSHOT_DIR`` if set, else a temporary directory; the path is
printed).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

PROJECTORS = [(1280, 720), (1920, 1080)]
MIN_PLOT_SHARE = 0.6
MIN_TICK_PX = 14.0
"""Smallest tick label font in presentation mode [px]."""
BACKGROUND_TIMEOUT_MS = 120_000

MEASURE = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
  const panel = gd.closest('.panel');
  const boxes = sel => Array.from(gd.querySelectorAll(sel))
      .filter(t => t.textContent.trim() !== '')
      .map(t => { const r = t.getBoundingClientRect();
                  return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                          size: parseFloat(getComputedStyle(t).fontSize)}; });
  return {
    id: gd.closest('.dash-graph') ? gd.closest('.dash-graph').id : '',
    plot: gd._fullLayout._size.w,
    panel: panel.getBoundingClientRect().width,
    x: boxes('g.xtick text'),
    y: boxes('g.ytick text'),
    y2: boxes('g.y2tick text'),
  };
})"""


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = os.environ.get("ALP_SCREENSHOT_DIR")
    path = Path(where) if where else tmp_path_factory.mktemp("presentation")
    path.mkdir(parents=True, exist_ok=True)
    print(f"presentation-mode screenshots: {path}")
    return path


@pytest.fixture
def projector_page(browser: Browser, base_url: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=base_url)
    page = context.new_page()
    yield page
    context.close()


def overlaps(boxes: list[dict], a: str, b: str, gap: float = 1.0) -> list[str]:
    """Pairs of neighbouring labels whose [a, b] extents overlap (sorted along that direction)."""
    ordered = sorted(boxes, key=lambda t: t[a])
    return [
        f"{p['text']!r} [{p[a]:.0f}, {p[b]:.0f}] / {q['text']!r} [{q[a]:.0f}, {q[b]:.0f}]"
        for p, q in itertools.pairwise(ordered)
        if p[b] + gap > q[a]
    ]


@pytest.mark.parametrize("projector_page", PROJECTORS, indirect=True, ids=["1280x720", "1920x1080"])
def test_presentation_mode_keeps_plots_wide_and_ticks_apart(projector_page: Page, artefacts: Path) -> None:
    page = projector_page
    page.goto("/?theme=talk")
    expect(page.locator("#page")).to_have_class("theme-talk", timeout=90_000)
    expect(page.locator("#omega-cbe")).not_to_be_empty(timeout=60_000)
    expect(page.locator("#scan-status")).to_contain_text("max ratio", timeout=BACKGROUND_TIMEOUT_MS)
    expect(page.locator("#dm-status")).to_contain_text("grid", timeout=BACKGROUND_TIMEOUT_MS)
    page.mouse.move(0, 0)
    page.wait_for_timeout(800)  # the last relayout after the background figures arrived
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    page.screenshot(path=str(artefacts / f"presentation_{width}x{height}.png"), full_page=True)

    graphs = page.evaluate(MEASURE)
    assert {g["id"] for g in graphs} >= {"flavour-fig", "evolution-fig", "dm-fig", "scan-fig", "proj-fig"}
    problems = []
    for g in graphs:
        share = g["plot"] / g["panel"]
        print(f"{width}x{height} {g['id']}: plot {g['plot']:.0f} of {g['panel']:.0f} px ({share:.0%})")
        if share < MIN_PLOT_SHARE:
            problems.append(f"{g['id']}: plot area {g['plot']:.0f} px = {share:.0%} of the panel")
        if len(g["x"]) < 2:
            problems.append(f"{g['id']}: fewer than two x tick labels")
        problems += [f"{g['id']}: x ticks overlap {o}" for o in overlaps(g["x"], "left", "right")]
        for axis in ("y", "y2"):
            problems += [f"{g['id']}: {axis} ticks overlap {o}" for o in overlaps(g[axis], "top", "bottom")]
        small = [t["text"] for t in g["x"] + g["y"] + g["y2"] if t["size"] < MIN_TICK_PX]
        if small:
            problems.append(f"{g['id']}: tick labels below {MIN_TICK_PX} px: {small}")
    assert problems == [], "\n".join(problems)


def test_the_slide_links_download_the_figure_or_show_the_servers_message(page: Page) -> None:
    page.goto("/?ma=1.5")
    expect(page.locator("#omega-cbe")).not_to_be_empty(timeout=60_000)
    links = page.locator("#evolution-fig").locator("xpath=ancestor::div[contains(@class,'graph-box')]")
    pdf = links.locator("a.slide-link", has_text="PDF")
    with page.expect_download(timeout=60_000) as info:
        pdf.click()
    download = info.value
    assert download.suggested_filename == "evolution_16x9.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    page.route("**/export/**", lambda route: route.fulfill(status=503, body="Slide export unavailable: test"))
    links.locator("a.slide-link", has_text="SVG").click()
    expect(links.locator(".slide-msg")).to_have_text("Slide export unavailable: test", timeout=10_000)
    expect(links.locator(".slide-msg")).to_have_class("slide-msg bad")
