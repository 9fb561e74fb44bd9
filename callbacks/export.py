"""CSV export of the current numbers and curves (one tidy table) and the copy-link helper.

Columns: ``section, series, x_name, x, y_name, y``. Sections: parameter, derived, verdict,
relic, belle2_band, limit_curve, evolution, delta_scan (if computed), dm_plane (if computed).
Only cached or cheap results are exported: the heavy panels are included once computed.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

from dash import Input, Output, State, dcc
from dash.exceptions import PreventUpdate

from layouts import ids

from .flavour_data import flavour_background, flavour_point
from .relic_data import cached_delta_scan, cached_dm_plane, engine_available, relic_pair
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


def csv_rows(state: AppState) -> list[Row]:
    """Every exported row for ``state`` (physics errors propagate as ``ValueError``)."""
    rows: list[Row] = [("parameter", "url_query", "", "", "value", to_query(state))]
    rows += [("parameter", k, "", "", "value", v) for k, v in state.to_dict().items()]
    rows.append(("parameter", "m_chi", "", "", "GeV", state.m_chi))
    point = flavour_point(state.m_a, state.delta, state.g_aWW, state.g_achi, state.target)
    for k in (
        "scenario",
        "g_agg",
        "width_total",
        "br_inv",
        "ctau_m",
        "br_B_to_K_a",
        "p_inv",
        "signal",
        "br_K_to_pi_a",
        "in_belle2_band",
    ):
        rows.append(("derived", k, "", "", "value", point[k]))
    for name, val in zip(("target_central", "target_low", "target_high"), point["target"], strict=True):
        rows.append(("derived", name, "", "", "BR·P_inv", val))
    for v in point["verdicts"]:
        rows.append(("verdict", v["key"], "excluded", v["excluded"], "ratio", v["ratio"]))
    bg = flavour_background(state.delta, state.g_achi, state.target)
    band = bg["band"]
    for name in ("g_central", "g_low", "g_high"):
        rows += _xy("belle2_band", name, "m_a_GeV", band["m"], "g_aWW_per_GeV", band[name])
    for line in bg["lines"] + bg["beams"]:
        rows += _xy("limit_curve", line["key"], "m_a_GeV", line["m"], "g_aWW_per_GeV", line["g"])
    if engine_available():
        pair = relic_pair(state.m_a, state.delta, state.g_aWW, state.g_achi, state.width)
        for method in ("nbe", "cbe"):
            r = pair[method]
            for k in ("omega_h2", "x_fo", "T_kd"):
                rows.append(("relic", f"{method}:{k}", "", "", "value", r[k]))
            for k in ("Y", "Y_eq", "T_ratio"):
                if r.get("x") and r.get(k):
                    rows += _xy("evolution", f"{method}:{k}", "x", r["x"], k, r[k])
        rows.append(("relic", "ratio_cbe_over_nbe", "", "", "value", pair["ratio"]))
        rows += _scan_rows(state) + _plane_rows(state)
    return rows


def _scan_rows(state: AppState) -> list[Row]:
    scan = cached_delta_scan(state.m_a, state.g_aWW, state.g_achi, state.width)
    if scan is None:
        return []
    rows: list[Row] = []
    for tag, sign in (("pos", "+"), ("neg", "-")):
        rows += _xy(
            "delta_scan", f"ratio_delta{sign}", "abs_delta", scan["abs_delta"], "ratio", scan[f"ratio_{tag}"]
        )
    return rows


def _plane_rows(state: AppState) -> list[Row]:
    plane = cached_dm_plane(state.delta, state.g_aWW, state.width)
    if plane is None:
        return []
    rows: list[Row] = []
    for key in ("log_omega_nbe", "log_omega_cbe", "log_flavour_ratio"):
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


def export_csv(n_clicks: int | None, state_data: dict | None) -> dict:
    """dcc.Download payload of the CSV for the current state."""
    if not n_clicks:
        raise PreventUpdate
    state = AppState.from_dict(state_data)
    return dcc.send_string(to_csv(csv_rows(state)), "alp_dm_explorer.csv", type="text/csv")


def register(app: Any) -> None:
    """CSV download and the clientside copy-link."""
    app.callback(
        Output(ids.CSV_DOWNLOAD, "data"),
        Input(ids.CSV_BUTTON, "n_clicks"),
        State(ids.STATE, "data"),
        prevent_initial_call=True,
    )(export_csv)
    app.clientside_callback(
        "function(n) { return window.location.href; }",
        Output(ids.COPY_LINK, "content"),
        Input(ids.COPY_LINK, "n_clicks"),
        prevent_initial_call=True,
    )
