"""CSV export of the current numbers and curves (one tidy table; wired in callbacks/export.py).

Columns: ``section, series, x_name, x, y_name, y``. Sections: parameter, derived, verdict
(ratio, and the pull of a tension), viability (the verdict by the state's method and its
reasons), relic, belle2_band (every column of :meth:`physics.GaWWBand.columns`: the band with the
theory errors and the experimental one), tension_band, limit_curve, evolution, delta_scan (if
computed), dm_plane (if computed, with its CMB, limit and viable overlays).
Only cached or cheap results are exported: the heavy panels (and an fBE verdict) are included
once computed.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .flavour_data import flavour_background, flavour_point
from .relic_data import (
    cached_delta_scan,
    cached_dm_plane_regions,
    cached_viability,
    relic_pair,
    viability_point,
)
from .state import AppState, to_query

HEADER = ("section", "series", "x_name", "x", "y_name", "y")
Row = tuple[str, str, str, Any, str, Any]


def _v(x: Any) -> Any:
    if isinstance(x, float):
        return "" if not math.isfinite(x) else f"{x:.6g}"
    return "" if x is None else x


def _xy(
    section: str, series: str, x_name: str, xs: Sequence[Any], y_name: str, ys: Sequence[Any]
) -> list[Row]:
    return [
        (section, series, x_name, x, y_name, y)
        for x, y in zip(xs, ys, strict=False)
        if x is not None and y is not None
    ]


def _values(section: str, prefix: str, data: Mapping[str, Any], keys: Iterable[str]) -> list[Row]:
    """One scalar row per key of ``data``: series ``prefix + key``, y_name "value"."""
    return [(section, f"{prefix}{k}", "", "", "value", data[k]) for k in keys]


def csv_rows(state: AppState) -> list[Row]:
    """Every exported row for ``state`` (physics errors propagate as ``ValueError``)."""
    rows: list[Row] = [("parameter", "url_query", "", "", "value", to_query(state))]
    parameters = state.to_dict()
    rows += _values("parameter", "", parameters, parameters)
    rows.append(("parameter", "m_chi", "", "", "GeV", state.m_chi))
    point = flavour_point(state)
    derived = (
        "scenario",
        "signature",
        "decay_length_m",
        "g_agg",
        "width_total",
        "br_inv",
        "ctau_m",
        "br_B_to_K_a",
        "p_inv",
        "signal",
        "br_K_to_pi_a",
        "in_belle2_band",
    )
    rows += _values("derived", "", point, derived)
    for name, val in zip(("target_central", "target_low", "target_high"), point["target"], strict=True):
        rows.append(("derived", name, "", "", "BR·P_inv", val))
    for v in point["verdicts"]:
        rows.append(("verdict", v["key"], "excluded", v["excluded"], "ratio", v["ratio"]))
        if v.get("role") == "tension":
            rows.append(("verdict", v["key"], "role", "tension", "pull_sigma", v["pull"]))
    rows += _viability_rows(state)
    bg = flavour_background(state)
    columns = bg["band"]["columns"]
    for name, ys in columns.items():
        if name != "m_a_GeV":
            rows += _xy("belle2_band", name, "m_a_GeV", columns["m_a_GeV"], "g_aWW_per_GeV", ys)
    for t in bg.get("tensions", []):
        for name in ("g_pull0", "g_pull2"):
            rows += _xy("tension_band", f"{t['key']}:{name}", "m_a_GeV", t["m"], "g_aWW_per_GeV", t[name])
    for line in bg["lines"] + bg["beams"]:
        rows += _xy("limit_curve", line["key"], "m_a_GeV", line["m"], "g_aWW_per_GeV", line["g"])
    pair = relic_pair(state)
    for method in ("nbe", "cbe"):
        r = pair[method]
        rows += _values("relic", f"{method}:", r, ("omega_h2", "x_fo", "T_kd"))
        for k in ("Y", "Y_eq", "T_ratio"):
            if r.get("x") and r.get(k):
                rows += _xy("evolution", f"{method}:{k}", "x", r["x"], k, r[k])
    rows.append(("relic", "ratio_cbe_over_nbe", "", "", "value", pair["ratio"]))
    return rows + _scan_rows(state) + _plane_rows(state)


def _viability_rows(state: AppState) -> list[Row]:
    """The verdict by the state's method (an fBE verdict only once computed)."""
    verdict = cached_viability(state) if state.method == "fbe" else viability_point(state)
    if verdict is None:
        return [("viability", state.method, "", "", "viable", "not computed")]
    numbers = ("omega_h2", "belle2_pull", "babar_pull", "signal", "cmb_ratio")
    return [
        ("viability", state.method, "", "", "viable", verdict["viable"]),
        *_values("viability", f"{state.method}:", verdict, numbers),
        *[("viability", f"{state.method}:reason", "", "", "text", r) for r in verdict["reasons"]],
    ]


def _scan_rows(state: AppState) -> list[Row]:
    scan = cached_delta_scan(state)
    if scan is None:
        return []
    rows: list[Row] = []
    for tag, sign in (("pos", "+"), ("neg", "-")):
        rows += _xy(
            "delta_scan", f"ratio_delta{sign}", "abs_delta", scan["abs_delta"], "ratio", scan[f"ratio_{tag}"]
        )
        if scan.get(f"ratio_fbe_{tag}"):
            name, ys = f"fbe_over_nbe_delta{sign}", scan[f"ratio_fbe_{tag}"]
            rows += _xy("delta_scan", name, "abs_delta", scan["abs_delta"], "ratio", ys)
    return rows


def _plane_rows(state: AppState) -> list[Row]:
    plane = cached_dm_plane_regions(state)
    if plane is None:
        return []
    rows: list[Row] = []
    for key in ("log_omega_nbe", "log_omega_cbe", "log_limits_ratio", "log_cmb_ratio", "viable_margin"):
        for i, g in enumerate(plane["g"]):
            for j, m in enumerate(plane["m"]):
                rows.append(("dm_plane", key, "m_a_GeV", m, f"g_achi={g:.4g}", plane[key][i][j]))
    return rows


def to_csv(rows: Iterable[Row]) -> str:
    """CSV text with a header line."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for r in rows:
        w.writerow([_v(x) for x in r])
    return buf.getvalue()
