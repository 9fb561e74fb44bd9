"""Take docs/screenshot.png: the dashboard at its default point, after the background panels.

    .venv/bin/python tests/browser/take_screenshot.py [--out docs/screenshot.png] [--query "?theme=talk"]

Starts the app under gunicorn (like the browser tests), waits for the DM plane and the δ scan,
and saves a full-page PNG. Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, stop_group, wait_for_health


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    ap.add_argument("--query", default="")
    ap.add_argument("--width", type=int, default=1440)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="alp-shot-") as cache:
        env = {**os.environ, "ALP_CACHE_DIR": cache, "GUNICORN_ACCESSLOG": "", "REDIS_URL": ""}
        cmd = [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "app:server",
        ]
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(url, proc)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": args.width, "height": 1300})
                page.goto(f"{url}/{args.query}")
                page.wait_for_selector("#omega-cbe", timeout=60_000)
                page.locator("#scan-status").filter(has_text="max ratio").wait_for(timeout=120_000)
                page.locator("#dm-status").filter(has_text="grid").wait_for(timeout=180_000)
                page.mouse.move(0, 0)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(args.out), full_page=True)
                browser.close()
        finally:
            stop_group(proc)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
