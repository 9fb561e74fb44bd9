"""Locust scenario: many people on one shared dashboard link, moving sliders and opening links.

Driven by ``tests/ops/test_load.py`` (gunicorn on 127.0.0.1, headless, bounded users and time, stops
by itself). By hand, against a server you started on loopback:

    .venv/bin/locust -f tests/ops/load/locustfile.py --headless -u 50 -r 10 -t 60s \\
        --host http://127.0.0.1:8050 --csv var/load/run

Every simulated user is a browser: it opens a page (a shared link or the bare address: index,
``/_dash-layout``, ``/_dash-dependencies``, the script bundles once), then, every 0.5–2.5 s,
releases a slider or opens another shared link. The callback requests are the exact JSON the
Dash renderer posts to ``/_dash-update-component`` (captured from Chromium; rebuilt here from
``/_dash-dependencies`` and ``/_dash-layout``). Some users also let the δ-scan background
callback run to completion (start + polls with the signed handles, as the renderer does).

Request names carry ``[cold]`` when no simulated user requested that parameter point before
(the server computes the flavour point and Ωh² by nBE and cBE) and ``[cached]`` otherwise.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

from locust import HttpUser, between, events, task

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from dashboard.state import AppState, check_field, delta_from_controls, to_query, to_slider  # noqa: E402
from tests.ops.load.dash_protocol import UPDATE, Protocol, end_id, scan_job, scripts  # noqa: E402

SLIDERS = {"ma-slider": "m_a", "delta-slider": "delta", "gww-slider": "g_aWW", "gchi-slider": "g_achi"}
SLIDER_RANGE = {"ma-slider": (-1.3, 0.69), "delta-slider": (-4.0, 0.0), "gww-slider": (-7.0, -2.0),
                "gchi-slider": (-6.0, 0.0)}  # fmt: skip
BASES = (AppState(), AppState(m_a=0.1, delta=-0.3, g_aWW=1e-4), AppState(m_a=1.2, delta=0.1, g_achi=3e-3))
POPULAR_STEPS = (-0.03, -0.02, -0.01, 0.01, 0.02, 0.03)
SEEN: set[tuple] = set()
"""Parameter points any simulated user has requested (this process)."""


def point_key(s: AppState) -> tuple:
    return (s.m_a, s.delta, s.g_aWW, s.g_achi, s.target, s.width, s.theme)


def temperature(key: tuple) -> str:
    """'cold' the first time any user asks for this point, 'cached' afterwards."""
    if key in SEEN:
        return "cached"
    SEEN.add(key)
    return "cold"


def slider_state(prev: AppState, slider: str, pos: float) -> AppState:
    """The state the server derives from a release of ``slider`` at ``pos`` (same rounding)."""
    if slider == "delta-slider":
        return replace(
            prev, delta=check_field("delta", delta_from_controls(1 if prev.delta > 0 else -1, pos))
        )
    name = SLIDERS[slider]
    return replace(prev, **{name: check_field(name, 10.0**pos)})


def slider_pos(s: AppState, slider: str) -> float:
    value = getattr(s, SLIDERS[slider])
    return to_slider(abs(value))


class DashboardUser(HttpUser):
    """One person with the dashboard open in a browser tab."""

    wait_time = between(0.5, 2.5)

    def on_start(self) -> None:
        self.state = AppState()
        self.open_link(random.choice(BASES), first_visit=True)

    # ------------------------------------------------------------------ page and payloads
    def open_page(self, search: str, first_visit: bool = False) -> None:
        """GET the page for ``search`` and the layout/dependencies, as a browser does on load."""
        with self.client.get("/" + search, name="GET / (page)", catch_response=True) as r:
            self.end_id = end_id(r.text)
            if r.status_code != 200 or self.end_id is None:
                r.failure(f"page: HTTP {r.status_code}, no end_id")
                return
        if first_visit:
            for src in scripts(r.text):  # the browser's first visit downloads the bundles once
                self.client.get(src, name="GET script bundle (first visit)")
        layout = self.client.get("/_dash-layout", name="GET /_dash-layout").json()
        deps = self.client.get("/_dash-dependencies", name="GET /_dash-dependencies").json()
        self.protocol = Protocol(deps, layout)

    def post_main(
        self, new: AppState, previous: AppState | None, search: str, trigger: str, name: str
    ) -> None:
        body = self.protocol.main_payload(new, previous, search, trigger)
        with self.client.post(
            UPDATE, params={"endId": self.end_id}, json=body, name=name, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
                return
            got = r.json().get("response", {}).get("state", {}).get("data")
            if got != new.to_dict():
                r.failure(f"state in the response {got} != requested {new.to_dict()}")
                return
        self.state = new

    # ------------------------------------------------------------------ behaviour
    def move(self, slider: str, pos: float, name: str) -> None:
        lo, hi = SLIDER_RANGE[slider]
        new = slider_state(self.state, slider, round(min(max(pos, lo), hi), 2))
        tag = temperature(point_key(new))
        self.post_main(new, self.state, to_query(self.state), f"{slider}.value", f"{name} [{tag}]")

    @task(6)
    def move_slider_near_a_popular_point(self) -> None:
        """Small moves around a few points many people look at (mostly cache hits)."""
        if point_key(self.state) not in {point_key(b) for b in BASES}:
            self.state = random.choice(BASES)
        slider = random.choice(list(SLIDERS))
        self.move(slider, slider_pos(self.state, slider) + random.choice(POPULAR_STEPS), "move slider")

    @task(3)
    def move_slider_anywhere(self) -> None:
        """A release anywhere on a slider (mostly new points: the physics is computed)."""
        slider = random.choice(list(SLIDERS))
        lo, hi = SLIDER_RANGE[slider]
        self.move(slider, random.uniform(lo, hi), "move slider")

    @task(2)
    def open_shared_link(self) -> None:
        """Someone opens a link a colleague shared (one of a few popular links, or a new one)."""
        if random.random() < 0.7:
            target = random.choice(BASES)
        else:
            target = slider_state(random.choice(BASES), "ma-slider", random.uniform(-1.3, 0.69))
        self.open_link(target)

    def open_link(self, target: AppState, first_visit: bool = False) -> None:
        """Load the page at a shared link: page, layout, dependencies, then the first callback."""
        search = to_query(target)
        self.open_page(search, first_visit)
        tag = temperature(point_key(target))
        self.post_main(target, None, search, "url.search", f"open shared link [{tag}]")

    @task(1)
    def wait_for_delta_scan(self) -> None:
        """Let the δ-scan background callback of the current point finish (start + polls).

        ``LOAD_JOBS=0`` leaves background callbacks out (synchronous callbacks only).
        """
        if os.environ.get("LOAD_JOBS", "1") == "0":
            return
        body = scan_job(self.protocol, self.state)
        tag = temperature(("δ scan", *point_key(self.state)))
        t0 = time.perf_counter()
        r = self.client.post(UPDATE, params={"endId": self.end_id}, json=body, name="δ scan: start job")
        if r.status_code != 200:
            return
        handles = r.json()
        params = {"endId": self.end_id, "cacheKey": handles.get("cacheKey"), "job": handles.get("job")}
        deadline, data, last_progress = t0 + 60.0, {}, ""
        while time.perf_counter() < deadline:
            time.sleep(0.4)  # the renderer polls every 400 ms (POLL_INTERVAL_MS)
            with self.client.post(
                UPDATE, params=params, json=body, name="δ scan: poll", catch_response=True
            ) as p:
                if p.status_code == 204:  # the renderer's "nothing to update": the job is gone
                    data = {"status": 204}
                    break
                if p.status_code != 200:
                    p.failure(f"HTTP {p.status_code}")
                    return
                data = p.json()
            if "response" in data:
                ms = (time.perf_counter() - t0) * 1e3
                ok = "scan-fig" in data["response"]
                events.request.fire(
                    request_type="JOB",
                    name=f"δ scan: start → figure [{tag}]",
                    response_time=ms,
                    response_length=0,
                    exception=None if ok else RuntimeError("no figure in the job result"),
                    context={},
                )
                return
            if "progress" in data:
                last_progress = json.dumps(data["progress"], ensure_ascii=False)
            if data == {"multi": True} or "progress" in data:
                continue
            break
        timed_out = time.perf_counter() >= deadline
        if timed_out and "queued" in last_progress:
            # overload, bounded as designed: the page still shows its place in the queue
            events.request.fire(
                request_type="JOB",
                name="δ scan: still queued after 60 s",
                response_time=(time.perf_counter() - t0) * 1e3,
                response_length=0,
                exception=None,
                context={},
            )
            return
        what = "no result within 60 s" if timed_out else "job ended without a result"
        events.request.fire(
            request_type="JOB",
            name=f"δ scan: start → figure [{tag}]",
            response_time=(time.perf_counter() - t0) * 1e3,
            response_length=0,
            exception=RuntimeError(f"{what}: {str(data)[:200]}; last progress {last_progress[:200]}"),
            context={},
        )
