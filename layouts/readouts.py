"""Read-outs of the current point: derived numbers, scenario banner, verdict table, relic cards."""

from __future__ import annotations

import math
from typing import Any

from dash import html

from dashboard.relic_data import VIABLE_REL_TOL, relic_status
from dashboard.state import CHOICES, METHOD_LABELS, AppState
from physics import constants as C
from physics import relic
from physics.fbe import FLAG_FBE_GRID_TRUNCATED


def _sci(x: float | None, unit: str = "") -> str:
    if x is None or not math.isfinite(x):
        return "—"
    u = f" {unit}" if unit else ""
    return f"{x:.3g}{u}"


RELIC_FLAGS: dict[str, tuple[str, str, str]] = {
    relic.FLAG_ACCURACY: (
        "warn",
        "accuracy not verified",
        "The default settings cannot be shown to meet the accuracy goal (nBE/cBE 1e-3, fBE 0.5 %): the "
        "result depends on the assumed initial abundance, or the fBE point is outside its validated "
        "domain (docs/relic.md#relic-flags).",
    ),
    relic.FLAG_NEVER_IN_EQUILIBRIUM: (
        "warn",
        "never in equilibrium",
        "Γ_ann/H < 1 throughout: freeze-in regime, Ωh² not computed.",
    ),
    relic.FLAG_MARGINAL_EQUILIBRIUM: ("note", "marginal equilibrium", "Γ_ann/H only reaches 1–100."),
    relic.FLAG_KINETIC_EQUILIBRIUM_ASSUMED: (
        "note",
        "T_χ = T assumed at the start",
        "Kinetic decoupling (x_kd/2) is earlier than the earliest start x = 0.05: T_χ = T (fBE: f = f_eq) "
        "at the start is assumed, not derived.",
    ),
    relic.FLAG_NOT_FROZEN: ("warn", "not frozen at x_max", "Y still changes at the end of the integration."),
    FLAG_FBE_GRID_TRUNCATED: (
        "warn",
        "fBE momentum grid truncated",
        "The distribution reaches the top of the momentum grid even after widening it.",
    ),
    relic.FLAG_NO_ELASTIC_RATE: ("note", "no elastic rate", "γ = 0 in the cBE/fBE (generic model)."),
    relic.FLAG_SECOND_MOMENT_ASSUMED: ("note", "⟨σv⟩₂ = ⟨σv⟩ assumed", "Exact for s-wave annihilation only."),
}
"""Relic-engine flag (physics.relic, docs/relic.md#relic-flags) → (severity, badge, explanation)."""


def relic_flags(flags: list[str] | tuple[str, ...], message: str = "") -> list:
    """One badge per relic-engine flag (its explanation as tooltip; unknown flags verbatim)."""
    out = []
    for flag in flags:
        if flag.startswith("integrator_status_"):
            kind, text, why = (
                "bad",
                "ODE solver stopped early",
                f"{flag} (1: too many steps, 2: step underflow)",
            )
        else:
            kind, text, why = RELIC_FLAGS.get(flag, ("note", flag.replace("_", " "), flag))
        out.append(html.Span("⚠ " + text, className=f"flag flag-{kind}", title=f"{flag}: {why}"))
    if out and message:
        out.append(html.Div(message, className="flag-message"))
    return out


def derived_block(point: dict[str, Any]) -> list:
    """Derived quantities shown under the controls."""
    lo, hi = point["target"][1], point["target"][2]
    band = f"[{_sci(lo)}, {_sci(hi)}]" if lo is not None else "n/a at this m_a"
    rows = [
        ("m_χ", _sci(point["m_chi"], "GeV")),
        ("g_aγγ", _sci(point["g_agg"], "GeV⁻¹")),
        ("Γ_a", _sci(point["width_total"], "GeV")),
        ("BR(a→χχ̄)", _sci(point["br_inv"])),
        ("cτ_a", _sci(point["ctau_m"], "m")),
        ("BR(B⁺→K⁺a)", _sci(point["br_B_to_K_a"])),
        ("P_inv (Belle II)", _sci(point["p_inv"])),
        ("BR·P_inv", _sci(point["signal"])),
        ("Belle II target", band),
        ("BR(K⁺→π⁺a)", _sci(point["br_K_to_pi_a"])),
    ]
    return [html.H3("Derived"), html.Table(html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in rows]))]


def scenario_banner(point: dict[str, Any]) -> list:
    """The ALP's signature (physics.scenario, from its decays and decay length), the flavour
    verdict, Belle II agreement and any tension (its pull) in one line."""
    excl = point["excluded_by"]
    verdict = (
        html.Span("excluded by " + ", ".join(excl), className="bad")
        if excl
        else html.Span("allowed by every measured limit", className="good")
    )
    sig = f"{point.get('n_sigma', 1.0):g}σ"
    belle = (
        html.Span(f"inside the Belle II band ({sig})", className="good")
        if point["in_belle2_band"]
        else html.Span(f"outside the Belle II band ({sig})", className="warn")
    )
    parts: list = [html.Strong(point["signature_label"], id="scenario-text"), " · ", verdict, " · ", belle]
    for t in point.get("tensions", []):
        if t["pull"] is not None and t["role"] == "tension":
            cls = "warn" if t["pull"] > 2 else ""
            parts += [" · ", html.Span(f"{t['label']} — pull {t['pull']:+.1f}σ", className=cls)]
    return parts


CRITERIA = {"belle2": "Belle II band", "relic": "Ωh²", "cmb": "CMB", "scenario": "missing energy"}
"""Short names of the viability criteria (physics.viable.REASON_PREFIXES; limits use their key)."""


def _criterion(reason: str, labels: dict[str, str]) -> str:
    head = reason.split(":", 2)
    if head[0] == "limit" and len(head) > 1:
        return labels.get(head[1], head[1])
    return CRITERIA.get(head[0], head[0])


def viability_line(
    verdict: dict[str, Any] | None,
    method: str,
    *,
    point: dict[str, Any] | None = None,
    pending: dict[str, Any] | None = None,
    error: str = "",
) -> list:
    """The banner's verdict: viable, or which criteria fail (physics.viability's reasons) by
    ``method``; ``pending`` (the cBE verdict) while the fBE computes in the background."""
    name = METHOD_LABELS.get(method, method).split(" ")[0]
    labels = {v["key"]: v["label"] for v in (point or {}).get("verdicts", [])}
    if error:
        return [html.Span(f"Viability by {name}: {error}", className="warn", id="viability-text")]
    if verdict is None:
        text = f"Viability by {name}: computing in the background…"
        out: list = [html.Span(text, className="busy", id="viability-text")]
        if pending is not None:
            out += [" (by cBE: ", *_verdict_summary(pending, labels), ")"]
        return out
    head = html.Span(
        f"Viable by {name}" if verdict["viable"] else f"Not viable by {name}",
        className="good" if verdict["viable"] else "bad",
        id="viability-text",
    )
    out = [head, ": ", *_verdict_summary(verdict, labels)]
    if verdict["reasons"] or verdict["notes"]:
        items = [html.Li(r) for r in verdict["reasons"]] + [
            html.Li(n, className="note") for n in verdict["notes"]
        ]
        out.append(html.Details([html.Summary("why"), html.Ul(items, className="reasons")], className="why"))
    return out


def _verdict_summary(verdict: dict[str, Any], labels: dict[str, str]) -> list:
    """ "Belle II band ✓ · Ωh² ✓ …" or the failed criteria, each with its reason as tooltip."""
    if verdict["viable"]:
        tol = verdict.get("relic_tolerance", VIABLE_REL_TOL)
        return [
            html.Span(
                f"Belle II band ✓ · Ωh² within {tol * 100:g} % ✓ · no measured limit ✓ · CMB ✓",
                className="good",
            )
        ]
    chips: list = []
    for reason in verdict["reasons"]:
        if chips:
            chips.append(" · ")
        chips.append(html.Span("✗ " + _criterion(reason, labels), title=reason, className="bad"))
    return chips


def verdict_table(point: dict[str, Any]) -> html.Table:
    """Every experiment's ratio prediction/limit (sorted, excluded first); a tension (BaBar's
    two-body band) is its own row kind with its pull, never counted as excluded."""

    def sort_key(v: dict[str, Any]) -> tuple[bool, float]:
        return (not v["excluded"], -(v["ratio"] if v["ratio"] is not None else -1.0))

    rows = []
    for v in sorted(point["verdicts"], key=sort_key):
        ratio = "n/a" if v["ratio"] is None else f"{v['ratio']:.3g}"
        tension = v.get("pull") is not None and v.get("role") == "tension"
        if v["excluded"]:
            kind, cls = "excluded", "bad"
        elif tension:
            kind, cls = f"tension {v['pull']:+.1f}σ", "warn" if v["pull"] > 2 else ""
        elif v["ratio"] is None:
            kind, cls = "n/a", ""
        else:
            kind, cls = "allowed", ""
        rows.append(
            html.Tr(
                [
                    html.Td(v["label"]),
                    html.Td(v["status"]),
                    html.Td(ratio, className="bad" if v["excluded"] else ""),
                    html.Td(kind, className=cls),
                    html.Td(v["note"]),
                ],
                className="tension" if tension else None,
            )
        )
    head = html.Thead(
        html.Tr(
            [html.Th("experiment"), html.Th("status"), html.Th("ratio"), html.Th("verdict"), html.Th("note")]
        )
    )
    return html.Table([head, html.Tbody(rows)], className="verdicts")


def _label(field: str, value: str) -> str:
    return dict(CHOICES[field]).get(value, value)


def in_force(state: AppState) -> html.Ul:
    """The analysis choices in force now (Sources panel): target, band width, r_max, BaBar's band,
    the C_WW mapping and the viability method — one line each, from the same labels as the controls."""
    default_r = " (default)" if state.r_max == C.BELLE2_R_MAX_M else f" (default {C.BELLE2_R_MAX_M:g} m)"
    items = [
        f"Belle II target: {_label('target', state.target)}, band ± {state.n_sigma:g}σ",
        f"Belle II radius r_max = {state.r_max:g} m{default_r}: decays beyond it count as invisible",
        f"BaBar B→Kνν̄ two-body band: {_label('babar', state.babar)}",
        f"ALPINIST C_WW → g_aWW (beam dumps): {_label('cww', state.cww)}",
        f"Viability verdict by {_label('method', state.method)}, Ωh² within ±{VIABLE_REL_TOL * 100:g} %",
    ]
    return html.Ul([html.Li(i) for i in items], id="in-force-list")


def fbe_readout(state: AppState, r: dict[str, Any]) -> html.Div:
    """Ωh² by the fBE at the state's point (the relic panel's on-demand line)."""
    omega = r["omega_h2"]
    text = f"Ωh² (fBE) = {omega:.4g}" if omega is not None else "Ωh² (fBE): no value"
    params = (
        f"at m_a = {state.m_a:.4g} GeV, δ = {state.delta:.4g}, g_aWW = {state.g_aWW:.4g}, "
        f"g_aχχ = {state.g_achi:.4g}"
    )
    flags = relic_flags(r.get("flags", []))
    detail = html.Div(r["message"], className="flag-message") if r.get("message") else None
    return html.Div(
        [
            html.Span(text, id="omega-fbe", className=relic_status(omega)),
            html.Small(" " + params),
            html.Div(flags, className="flags") if flags else None,
            detail,
        ]
    )


def flavour_note(point: dict[str, Any]) -> str:
    """Caveat when the drawn curves' assumption differs from the point."""
    if point["scenario"] == "missing_energy" and point["br_inv"] < 0.99:
        return (
            f"BR(a→χχ̄) = {point['br_inv']:.3g} < 0.99: the rate-limit lines assume an invisible ALP; "
            "the ratios in the table and the point's hover are exact."
        )
    return ""


def relic_block(pair: dict[str, Any] | None, error: str = "") -> list:
    """Ωh² nBE and cBE side by side, their ratio, x_fo and T_kd, against Planck."""
    if pair is None:
        return [html.P(error, className="warn", id="relic-unavailable")]
    cells = []
    for method, label in (("nbe", "nBE"), ("cbe", "cBE")):
        r = pair[method]
        status = relic_status(r["omega_h2"])
        extra = [html.Div(f"x_fo = {_sci(r['x_fo'])}"), html.Div(f"T_kd = {_sci(r['T_kd'], 'GeV')}")]
        extra += relic_flags(r.get("flags", []), r.get("message", ""))
        cells.append(
            html.Div(
                [
                    html.Div(f"Ωh² ({label})", className="label"),
                    html.Div(_sci(r["omega_h2"]), className="value", id=f"omega-{method}"),
                    *extra,
                ],
                className=f"relic-card {status}",
            )
        )
    ratio = pair.get("ratio")
    cells.append(
        html.Div(
            [
                html.Div("cBE / nBE", className="label"),
                html.Div(_sci(ratio), className="value", id="omega-ratio"),
            ],
            className="relic-card",
        )
    )
    legend = html.P(
        [
            f"Planck 2018: Ωh² = {C.OMEGA_H2_PLANCK:.3f} ± {C.OMEGA_H2_PLANCK_ERR:.3f}. ",
            html.Span("green", className="good"),
            f": within {VIABLE_REL_TOL * 100:g} % · ",
            html.Span("amber", className="warn"),
            ": under-abundant (subcomponent) · ",
            html.Span("red", className="bad"),
            ": over-abundant (excluded).",
        ],
        className="help",
    )
    return [html.Div(cells, className="relic-cards"), legend]
