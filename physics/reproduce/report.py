"""The reproduction report: ``report.json`` (every number) and ``report.md`` generated from it.

``python -m physics.reproduce [--out DIR] [--workers N] [--quick] [--no-progress]`` computes
:func:`physics.reproduce.paper.run`, writes ``report.json`` (:func:`build_report`), the figures
(:mod:`physics.reproduce.figures`, PDF + SVG + PNG) and ``report.md``
(:func:`report_markdown`), whose every number is read from the JSON: no sentence of the
template carries a number of its own.

``report.json``: ``{"viable": {method: {"m_a", "delta", "g_aWW", "g_achi": [lo, hi],
"n_points", "ends": {quantity: [criterion at lo, criterion at hi]}}}, "abstract": {...},
"commit", "date", "settings"}``.
"""

from __future__ import annotations

import json
import math
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .. import constants as C
from ..flavour import br_B_to_K_a
from ..limits import curve_in_plane, limit_info
from ..targets import belle2_target
from . import paper as P

VIABLE_KEYS = ("m_a", "delta", "g_aWW", "g_achi", "n_points", "ends")
"""Keys of each method's entry under "viable" (exactly these)."""
TOP_KEYS = ("viable", "abstract", "commit", "date", "settings")
END_TEXT = {
    "belle2": "Belle II band (no g_aWW explains the signal beyond it)",
    "relic": "relic density (no δ* with Ωh² at the target)",
    "cmb": "Planck CMB bound on late annihilation",
    "scenario": "missing-energy scenario (a → χχ̄ closed or too rare)",
    "grid": "edge of the scanned grid (or its resolution)",
}
"""How the report names the criterion that sets an end ("limit:<key>" → the limit's label)."""


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=Path(__file__).resolve().parent,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=Path(__file__).resolve().parents[1],
            check=True,
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _f(x: Any) -> float | None:
    """A JSON number (None for NaN/inf)."""
    x = float(x)
    return x if math.isfinite(x) else None


def _pair(a: Any, b: Any) -> list[float | None]:
    return [_f(a), _f(b)]


def viable_entry(summary: dict[str, Any]) -> dict[str, Any]:
    """The report's entry of one method from :meth:`ViableProjection.summary` (exactly
    :data:`VIABLE_KEYS`)."""
    return {k: summary[k] for k in VIABLE_KEYS}


def build_report(r: P.Reproduction, command: str, seconds: float | None = None) -> dict[str, Any]:
    """Every number of the report, JSON-able (module docstring for the shape)."""
    c2, lo2, hi2 = P._band_at(r.band_excess, 2.0)
    centre, low1, high1 = (float(v) for v in belle2_target(2.0, "excess"))
    sig_abs = float(br_B_to_K_a(2.0, P.ABSTRACT["g_aWW_high"]))
    fit_target = belle2_target(r.band_fit.m_a, "two_body_fit")[0]
    k_fit = int(np.nanargmax(fit_target))
    fit_m = float(r.band_fit.m_a[k_fit])
    fit_c, fit_lo, fit_hi = P._band_at(r.band_fit, fit_m)
    lo_all, hi_all = P.band_range(r.band_excess, P.ABSTRACT["m_a_low"], 4.5)
    win = r.window
    no_babar = np.nanmax(np.vstack([v for k, v in win.items() if k not in ("max", "babar_bk_inv")]), axis=0)
    kaon_dump_ok = P._allowed_intervals(r.window_m, no_babar <= 1.0)
    all_ok = P._allowed_intervals(r.window_m, win["max"] <= 1.0)
    kaon_end = max(float(np.nanmax(curve_in_plane(k)[0])) for k in ("na62_2025", "e949", "koto"))
    g_c, g_n = r.relic.range("cbe"), r.relic.range("nbe")
    d_c = r.relic.delta_range("cbe")
    cbe_max = P.ratio_maxima(r.ratio.delta, r.ratio.ratio)
    fbe_max = P.ratio_maxima(r.fbe_delta, r.fbe_ratio)
    disp = r.displaced
    abstract = {
        "g_aWW_at_2GeV": {
            "m_a": 2.0,
            "abstract": _pair(P.ABSTRACT["g_aWW_low"], P.ABSTRACT["g_aWW_high"]),
            "ours": _pair(lo2, hi2),
            "central": _f(c2),
            "ratio": _pair(lo2 / P.ABSTRACT["g_aWW_low"], hi2 / P.ABSTRACT["g_aWW_high"]),
            "target": {"centre": _f(centre), "sigma_up": _f(high1 - centre), "sigma_down": _f(centre - low1)},
            "abstract_high_signal": _f(sig_abs),
            "abstract_high_pull": _f((sig_abs - centre) / (high1 - centre)),
        },
        "g_aWW_two_body_peak": {
            "m_a": fit_m,
            "ours": _pair(fit_lo, fit_hi),
            "central": _f(fit_c),
            "target_over_excess": _f(float(fit_target[k_fit]) / centre),
            "g_over_excess": _f(fit_c / float(np.interp(fit_m, r.band_excess.m_a, r.band_excess.central))),
        },
        "g_aWW_over_m_a": {
            "m_a": [P.ABSTRACT["m_a_low"], 4.5],
            "abstract": _pair(P.ABSTRACT["g_aWW_low"], P.ABSTRACT["g_aWW_high"]),
            "ours": _pair(lo_all, hi_all),
        },
        "m_a_missing_energy": {
            "abstract": _pair(P.ABSTRACT["m_a_low"], P.ABSTRACT["m_a_high"]),
            "ours": [_pair(a, b) for a, b in kaon_dump_ok],
            "ratio": _pair(
                kaon_dump_ok[0][0] / P.ABSTRACT["m_a_low"], kaon_dump_ok[-1][1] / P.ABSTRACT["m_a_high"]
            )
            if kaon_dump_ok
            else [None, None],
            "end_point": C.M_B_PLUS - C.M_K_PLUS,
            "kaon_max_ratio": _f(np.nanmax(win["na62_2025"])),
            "kaon_limit": limit_info("na62_2025").label,
            "kaon_curves_end": kaon_end,
        },
        "m_a_with_babar": {
            "ours": [_pair(a, b) for a, b in all_ok],
            "babar_max_ratio": _f(np.nanmax(win["babar_bk_inv"])),
        },
        "g_achi_relic_cbe": {
            "abstract": _pair(P.ABSTRACT["g_achi_low"], P.ABSTRACT["g_achi_high"]),
            "ours": _pair(*g_c),
            "ratio": _pair(g_c[0] / P.ABSTRACT["g_achi_low"], g_c[1] / P.ABSTRACT["g_achi_high"]),
            "delta_max_with_solution": _f(d_c[1]),
            "g_aWW": r.relic.g_aww,
        },
        "g_achi_relic_nbe": {"ours": _pair(*g_n)},
        "factor_20": {
            "abstract": P.ABSTRACT["cbe_over_nbe_max"],
            "point": {"m_a": r.ratio.m_a, "g_aWW": r.ratio.g_aww, "g_achi": r.ratio.g_achi},
            "cbe_over_nbe": cbe_max,
            "fbe_over_nbe": fbe_max,
        },
        "displaced_diphoton": {
            "excluded": bool(disp.n_solutions > 0 and disp.min_margin > 1.0),
            "n_solutions": disp.n_solutions,
            "min_margin": _f(disp.min_margin),
            "m_a_max": _f(np.max(disp.m_a[disp.explains])) if disp.n_solutions else None,
        },
        "ratio_scan": {
            "delta": r.ratio.delta.tolist(),
            "omega_nbe": [_f(x) for x in r.ratio.omega_nbe],
            "omega_cbe": [_f(x) for x in r.ratio.omega_cbe],
            "cbe_over_nbe": [_f(x) for x in r.ratio.ratio],
        },
        "fbe_scan": {"delta": r.fbe_delta.tolist(), "fbe_over_nbe": [_f(x) for x in r.fbe_ratio]},
    }
    settings = {**r.settings, "command": command}
    if seconds is not None:
        settings["compute_seconds"] = round(seconds, 1)
    return {
        "viable": {m: viable_entry(p.summary()) for m, p in r.viable.items()},
        "abstract": abstract,
        "commit": _git_commit(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings,
    }


# ----------------------------------------------------------------------------- markdown
def num(x: Any) -> str:
    """A number as the report prints it (3 significant digits; "—" for none)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    return f"{x:.3g}"


def rng(pair: Any) -> str:
    """A [lo, hi] pair as "lo – hi"."""
    if pair is None:
        return "—"
    return f"{num(pair[0])} – {num(pair[1])}"


def end_text(key: str | None) -> str:
    """The criterion of a range's end, in words."""
    if key is None:
        return "—"
    if key.startswith("limit:"):
        try:
            return f"limit: {limit_info(key.removeprefix('limit:')).label}"
        except (KeyError, ValueError):
            return key
    return END_TEXT.get(key, key)


def _two_sided(maxima: dict[str, dict[str, Any]]) -> str:
    """ "max (δ = …) / max (δ = …)" for δ > 0 and δ < 0."""
    return " / ".join(
        f"{num(maxima[k]['max'])} (δ = {num(maxima[k]['delta'])})" for k in ("delta>0", "delta<0")
    )


def report_markdown(rep: dict[str, Any], figures: dict[str, str]) -> str:
    """``report.md`` from the report dict (:func:`build_report`); every number comes from it."""
    a = rep["abstract"]
    s = rep["settings"]
    g2, gm, ma, mb = (
        a["g_aWW_at_2GeV"],
        a["g_aWW_two_body_peak"],
        a["m_a_missing_energy"],
        a["m_a_with_babar"],
    )
    gc, gn, f20, dd = a["g_achi_relic_cbe"], a["g_achi_relic_nbe"], a["factor_20"], a["displaced_diphoton"]
    ns = num(s["n_sigma"])
    intervals = "; ".join(rng(p) for p in ma["ours"]) or "none"
    fbe_pos, cbe_pos = f20["fbe_over_nbe"]["delta>0"], f20["cbe_over_nbe"]["delta>0"]
    closer = (
        "fBE"
        if (fbe_pos["max"] or 0)
        and abs(math.log((fbe_pos["max"] or 1) / f20["abstract"]))
        < abs(math.log((cbe_pos["max"] or 1) / f20["abstract"]))
        else "cBE"
    )
    rows = [
        (
            f"g_aWW (missing energy), excess {ns}σ at m_a = {num(g2['m_a'])} GeV [GeV⁻¹]",
            rng(g2["abstract"]),
            f"{rng(g2['ours'])} (central {num(g2['central'])})",
            rng(g2["ratio"]),
            f"Target ΔBR = {num(g2['target']['centre'])} (+{num(g2['target']['sigma_up'])} / "
            f"−{num(g2['target']['sigma_down'])}). The abstract's upper end corresponds to BR·P_inv = "
            f"{num(g2['abstract_high_signal'])}, i.e. ΔBR {num(g2['abstract_high_pull'])}σ in our inputs.",
        ),
        (
            f"g_aWW, two-body fit {ns}σ at its peak [GeV⁻¹]",
            "—",
            f"{rng(gm['ours'])} at m_a = {num(gm['m_a'])} GeV",
            "—",
            f"The m_a-dependent fit asks for {num(gm['target_over_excess'])}× the ΔBR, hence g_aWW "
            f"{num(gm['g_over_excess'])}× the excess band's.",
        ),
        (
            f"g_aWW, excess {ns}σ, over m_a ∈ {rng(a['g_aWW_over_m_a']['m_a'])} GeV [GeV⁻¹]",
            rng(a["g_aWW_over_m_a"]["abstract"]),
            rng(a["g_aWW_over_m_a"]["ours"]),
            "—",
            "The upper edge grows towards the end point m_B − m_K where the phase space closes.",
        ),
        (
            "viable m_a, missing energy, kaons and beam dumps at the central g_aWW [GeV]",
            rng(ma["abstract"]),
            intervals,
            rng(ma["ratio"]),
            f"Kinematic end point m_B − m_K = {num(ma['end_point'])} GeV. Below the lower end "
            f"K⁺→π⁺a(→χχ̄) exceeds {ma['kaon_limit']} by up to {num(ma['kaon_max_ratio'])}×; the K→π "
            f"invisible searches in our data stop at {num(ma['kaon_curves_end'])} GeV.",
        ),
        (
            "same, including BaBar B→KX (two-body fit)",
            "—",
            "; ".join(rng(p) for p in mb["ours"]) or "none",
            "—",
            "BaBar's two-body fit at the central g_aWW: prediction/limit up to "
            f"{num(mb['babar_max_ratio'])}.",
        ),
        (
            "g_aχχ with Ωh² at the target, cBE, at fixed g_aWW [GeV⁻¹]",
            rng(gc["abstract"]),
            rng(gc["ours"]),
            rng(gc["ratio"]),
            f"Grid of the settings (relic_grid), g_aWW = {num(gc['g_aWW'])} GeV⁻¹; solutions up to δ = "
            f"{num(gc['delta_max_with_solution'])}. Relic only: no Belle II, limit or CMB criterion.",
        ),
        ("same, nBE [GeV⁻¹]", "—", rng(gn["ours"]), "—", "Same grid, number-density equation."),
        (
            "max Ωh²(cBE)/Ωh²(nBE), δ > 0 / δ < 0",
            f"~{num(f20['abstract'])}",
            _two_sided(f20["cbe_over_nbe"]),
            "—",
            f"At m_a = {num(f20['point']['m_a'])} GeV, g_aWW = {num(f20['point']['g_aWW'])}, "
            f"g_aχχ = {num(f20['point']['g_achi'])} GeV⁻¹.",
        ),
        (
            "max Ωh²(fBE)/Ωh²(nBE), δ > 0 / δ < 0",
            f"~{num(f20['abstract'])}",
            _two_sided(f20["fbe_over_nbe"]),
            "—",
            f"Same point. The abstract's factor is closer to our {closer} (docs/relic.md).",
        ),
        (
            "displaced diphoton excluded",
            "yes",
            num(dd["excluded"]),
            "—",
            f"{num(dd['n_solutions'])} grid points explain the excess with an escaping photon-only ALP "
            f"(m_a ≤ {num(dd['m_a_max'])} GeV); smallest largest-measured-ratio {num(dd['min_margin'])}.",
        ),
    ]
    lines = [
        f"# Reproduction of {s['paper']} (abstract numbers)",
        "",
        f"Generated by `{s['command']}` at commit `{rep['commit']}` on {rep['date']} from `report.json` "
        "(every number below is read from it; physics/reproduce/report.py). Conventions: docs/physics.md; "
        "relic engine: docs/relic.md; the viable region: docs/physics.md#viable-region.",
        "",
        "## The jointly viable region per relic method",
        "",
        f"Belle II ({s['viable']['target']} target, {ns}σ) ∧ Ωh² ∧ measured limits ∧ CMB ∧ scenario. "
        f"g_aWW {s['viable']['g_aWW']}; δ*: {s['viable']['delta_star']}.",
        "",
        "| method | grid (m_a × g_aχχ × g_aWW) | viable nodes | m_a [GeV] | δ* "
        "| g_aWW [GeV⁻¹] | g_aχχ [GeV⁻¹] |",
        "|---|---|---|---|---|---|---|",
    ]
    grids = s["viable"]["grids"]
    for method, v in rep["viable"].items():
        g = grids[method]
        shape = f"{len(g['m_a'])} × {len(g['g_achi'])} × {len(g['fractions'])}"
        lines.append(
            f"| {method} | {shape} | {v['n_points']} | {rng(v['m_a'])} | {rng(v['delta'])} | "
            f"{rng(v['g_aWW'])} | {rng(v['g_achi'])} |"
        )
    lines += [
        "",
        "What sets each end (the first failed criterion just beyond it):",
        "",
        "| method | quantity | lower end | upper end |",
        "|---|---|---|---|",
    ]
    for method, v in rep["viable"].items():
        for q in ("m_a", "delta", "g_aWW", "g_achi"):
            lo, hi = v["ends"][q]
            lines.append(f"| {method} | {q} | {end_text(lo)} | {end_text(hi)} |")
    lines += [
        "",
        "Grids: m_a [GeV] from "
        + "; ".join(
            f"{m}: {num(g['m_a'][0])} to {num(g['m_a'][-1])} in {len(g['m_a'])} nodes, g_aχχ "
            f"{num(g['g_achi'][0])} to {num(g['g_achi'][-1])} in {len(g['g_achi'])} log nodes, "
            f"band fractions {', '.join(num(f) for f in g['fractions'])}"
            for m, g in grids.items()
        )
        + ". The fBE uses faster relic settings (report.json: settings.viable.grids.fbe.options).",
        "",
    ]
    lines += [
        "## The abstract's numbers",
        "",
        "| quantity | abstract | ours | ratio (ours/abstract) | explanation |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {a_} | {b} | {c} | {d} | {e} |" for a_, b, c, d, e in rows]
    rs = a["ratio_scan"]
    lines += [
        "",
        "## cBE/nBE across the resonance",
        "",
        "| δ | Ωh² nBE | Ωh² cBE | cBE/nBE |",
        "|---|---|---|---|",
    ]
    for d, n_, c, q in zip(rs["delta"], rs["omega_nbe"], rs["omega_cbe"], rs["cbe_over_nbe"], strict=True):
        lines.append(f"| {num(d)} | {num(n_)} | {num(c)} | {num(q) if q is not None else 'not computed'} |")
    lines += [
        "",
        "Not computed: the engine flags the point (e.g. DM never in equilibrium below threshold).",
        "",
    ]
    if "compute_seconds" in s:
        lines += [
            f"Compute time: {num(s['compute_seconds'])} s with {num(s['workers'])} worker process(es).",
            "",
        ]
    lines += ["## Figures", "", "Each figure is written as PDF, SVG and PNG.", ""]
    lines += [f"![{k}]({v})" for k, v in figures.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m physics.reproduce [--out DIR] [--workers N] [--quick] [--no-progress]``."""
    import argparse

    from .figures import write_figures

    parser = argparse.ArgumentParser(
        prog="python -m physics.reproduce",
        description="Reproduce arXiv:2504.00383's abstract numbers and figures.",
    )
    parser.add_argument("--out", default="docs/reproduction", help="output directory (created)")
    parser.add_argument("--quick", action="store_true", help="coarse grids (seconds; for tests)")
    parser.add_argument("--workers", type=int, default=1, help="processes for the viable ranges (default 1)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if not out.parent.exists():
        parser.error(f"parent of --out does not exist: {out.parent}")
    if args.workers < 1:
        parser.error(f"--workers must be >= 1, got {args.workers}")
    out.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    r = P.run(quick=args.quick, workers=args.workers, progress=not args.no_progress)
    command = (
        "python -m physics.reproduce" + (" --quick" if args.quick else "") + f" --workers {args.workers}"
    )
    rep = build_report(r, command, seconds=time.perf_counter() - t0)
    (out / "report.json").write_text(json.dumps(rep, indent=1, ensure_ascii=False) + "\n")
    figures = write_figures(r, out)
    (out / "report.md").write_text(report_markdown(rep, figures))
    print(
        f"wrote {out / 'report.json'}, {out / 'report.md'} and {len(figures)} figures "
        f"({time.perf_counter() - t0:.0f} s)"
    )
    return 0
