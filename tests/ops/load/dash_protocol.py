"""The requests a Dash 4 browser page sends, rebuilt from ``/_dash-dependencies`` and the layout.

Captured from Chromium on this app: a page load GETs ``/`` (its ``_dash-config`` script holds
the signed ``end_id``), ``/_dash-layout`` and ``/_dash-dependencies``; every callback is a POST
to ``/_dash-update-component?endId=…`` with the body built here. Background callbacks answer
the first POST with signed ``cacheKey``/``job`` handles and are then polled with them.
Used by the locust scenario and by the fault tests (no locust import here: locust
monkey-patches the process with gevent).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from callbacks.point import dm_key, scan_key
from dashboard.state import AppState
from layouts.controls import control_values

UPDATE = "/_dash-update-component"


def end_id(page_html: str) -> str | None:
    """The signed per-page ``end_id`` from the index page (None if absent)."""
    m = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page_html, re.S)
    return json.loads(m.group(1)).get("end_id") if m else None


def scripts(page_html: str) -> list[str]:
    """The script bundles the index page loads."""
    return re.findall(r'<script src="([^"]+)"', page_html)


def find_pattern_ids(layout: Any, kind: str) -> list[dict]:
    """Ids of every component in the layout JSON whose dict id has ``type == kind``."""
    found: list[dict] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            cid = node.get("props", {}).get("id") if "props" in node else None
            if isinstance(cid, dict) and cid.get("type") == kind:
                found.append(cid)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(layout)
    return found


def outputs_of(spec: str) -> list[dict[str, str]] | dict[str, str]:
    """The renderer's ``outputs`` field for an output spec string ("..a.b...c.d.." or "a.b")."""
    if not spec.startswith(".."):
        cid, _, prop = spec.rpartition(".")
        return {"id": cid, "property": prop}
    return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in spec[2:-2].split("...")]


@dataclass
class Protocol:
    """The callback map of one page load."""

    deps: list[dict[str, Any]]
    layout: Any

    @property
    def main(self) -> dict[str, Any]:
        return next(d for d in self.deps if "flavour-fig.figure" in d["output"])

    def background(self, figure_id: str) -> dict[str, Any]:
        return next(d for d in self.deps if d["output"].startswith(f"..{figure_id}.figure"))

    def main_payload(self, new: AppState, previous: AppState | None, search: str, trigger: str) -> dict:
        """The POST body after ``trigger`` changed (``previous`` None: the page load of ``search``)."""
        dep = self.main
        values = {**control_values(new if previous else AppState()), "url": search}
        presets = find_pattern_ids(self.layout, "preset")
        inputs: list[Any] = []
        for item in dep["inputs"]:
            cid, prop = item["id"], item["property"]
            if cid.startswith("{"):  # pattern-matching ALL: every preset button of the layout
                inputs.append([{"id": pid, "property": prop, "value": 0} for pid in presets])
            else:
                inputs.append({"id": cid, "property": prop, "value": values[cid]})
        stores: dict[str, Any] = {}
        if previous is not None:
            stores = {"state": previous.to_dict(), "dm-key": dm_key(previous), "scan-key": scan_key(previous)}
        shown = {"page": f"theme-{(previous or AppState()).theme}"}  # messages etc.: empty (None)
        state = [
            {"id": s["id"], "property": s["property"], "value": stores.get(s["id"], shown.get(s["id"]))}
            for s in dep["state"]
        ]
        return {
            "output": dep["output"],
            "outputs": outputs_of(dep["output"]),
            "inputs": inputs,
            "changedPropIds": [trigger],
            "parsedChangedPropsIds": [trigger],
            "state": state,
        }

    def job_payload(self, figure_id: str, key_id: str, key: dict, state: AppState) -> dict:
        """The POST body that starts (and then polls) a background callback for ``key``."""
        dep = self.background(figure_id)
        values = {key_id: key, "state": state.to_dict()}
        inputs = [
            {"id": i["id"], "property": i["property"], "value": values.get(i["id"], 0)} for i in dep["inputs"]
        ]
        return {
            "output": dep["output"],
            "outputs": outputs_of(dep["output"]),
            "inputs": inputs,
            "changedPropIds": [f"{key_id}.data"],
            "parsedChangedPropsIds": [f"{key_id}.data"],
            "state": [
                {"id": s["id"], "property": s["property"], "value": values.get(s["id"])} for s in dep["state"]
            ],
        }


def dm_job(protocol: Protocol, state: AppState) -> dict:
    return protocol.job_payload("dm-fig", "dm-key", dm_key(state), state)


def scan_job(protocol: Protocol, state: AppState) -> dict:
    return protocol.job_payload("scan-fig", "scan-key", scan_key(state), state)
