"""Take docs/screenshot.png: the dashboard at its default point, after the background panels.

    .venv/bin/python tests/dashboard/browser/take_screenshot.py [--out docs/screenshot.png] \
        [--query "?theme=talk"] [--width 1440] [--height 1300] [--element CSS-SELECTOR]

docs/presentation_1280x720.png (presentation mode on a projector, the flavour panel):

    .venv/bin/python tests/dashboard/browser/take_screenshot.py --query "?theme=talk" \
        --width 1280 --height 720 --element "section.panel:has(#flavour-fig)" \
        --out docs/presentation_1280x720.png

Starts the app under gunicorn (like the browser tests, tests/_servers.py), waits for the DM plane
and the δ scan, and saves a full-page PNG. Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tests._servers import CHROMIUM_ARGS, ROOT, find_chromium, gunicorn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    ap.add_argument("--query", default="")
    ap.add_argument("--width", type=int, default=1440)
    ap.add_argument("--height", type=int, default=1300)
    ap.add_argument("--element", default="", help="save only this element (a CSS selector)")
    args = ap.parse_args()
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no Chromium found (scripts/system_deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="alp-shot-") as cache, gunicorn(Path(cache)) as app:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.goto(f"{app.url}/{args.query}")
            page.wait_for_selector("#omega-cbe", timeout=60_000)
            page.locator("#scan-status").filter(has_text="max ratio").wait_for(timeout=120_000)
            page.locator("#dm-status").filter(has_text="grid").wait_for(timeout=180_000)
            page.mouse.move(0, 0)
            page.wait_for_timeout(1500)
            if args.element:
                page.locator(args.element).screenshot(path=str(args.out))
            else:
                page.screenshot(path=str(args.out), full_page=True)
            browser.close()
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
