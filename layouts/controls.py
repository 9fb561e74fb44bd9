"""Control-panel builders: log sliders with typed inputs, δ with its sign, choices, presets.

Also the one map between controls and state fields (:data:`CONTROL_FIELDS`,
:data:`CHOICE_FIELDS`) and the control values of a state (:func:`control_values`), which the
builders here and the point callback both use.
"""

from __future__ import annotations

import math
from typing import Any

from dash import dcc, html

from dashboard.state import (
    ABS_DELTA_RANGE,
    CHOICES,
    G_ACHI_RANGE,
    G_AWW_RANGE,
    M_A_RANGE,
    N_SIGMA_RANGE,
    R_MAX_RANGE,
    SLIDER_STEP,
    AppState,
    delta_controls,
    fmt,
    presets,
    to_slider,
)
from physics import constants as C
from physics.targets import TARGET_HELP

from . import ids

CONTROL_FIELDS = {ids.M_A: "m_a", ids.DELTA: "delta", ids.G_AWW: "g_aWW", ids.G_ACHI: "g_achi"}
"""Log-slider controls (slider + typed box) → state field."""
CHOICE_FIELDS = {
    ids.TARGET: "target",
    ids.WIDTH: "width",
    ids.THEME: "theme",
    ids.METHOD: "method",
    ids.BABAR: "babar",
    ids.CWW: "cww",
}
"""Radio controls → state field."""
NUMBER_FIELDS = {ids.N_SIGMA: "n_sigma", ids.R_MAX: "r_max"}
"""Typed-only number controls (advanced section; box ``ids.text(name)``) → state field."""
MESSAGE_CONTROLS = (*CONTROL_FIELDS, *NUMBER_FIELDS)
"""Every control with an inline message (``ids.msg(name)``)."""


def control_values(state: AppState) -> dict[str, Any]:
    """Values of every control for ``state`` (restores a URL or a preset)."""
    sign, pos = delta_controls(state.delta)
    values: dict[str, Any] = {}
    for cid, name in CONTROL_FIELDS.items():
        value = getattr(state, name)
        values[ids.slider(cid)] = pos if cid == ids.DELTA else to_slider(value)
        values[ids.text(cid)] = fmt(value)
    values[ids.DELTA_SIGN] = sign
    values[ids.text(ids.M_CHI)] = fmt(state.m_chi)
    values.update({ids.text(cid): fmt(getattr(state, name)) for cid, name in NUMBER_FIELDS.items()})
    values.update({cid: getattr(state, name) for cid, name in CHOICE_FIELDS.items()})
    return values


def decade_marks(lo: float, hi: float) -> dict[float, str]:
    """Slider marks at every decade inside [lo, hi] (labels in physical units)."""
    marks: dict[float, str] = {}
    for k in range(math.ceil(math.log10(lo) - 1e-9), math.floor(math.log10(hi) + 1e-9) + 1):
        marks[float(k)] = f"{10.0**k:g}"
    return marks


def number_input(id_: str, value: float) -> dcc.Input:
    """A typed-number box (applied on Enter or blur)."""
    return dcc.Input(
        id=id_,
        type="text",
        value=fmt(value),
        debounce=True,
        inputMode="decimal",
        className="num-input",
        autoComplete="off",
        placeholder="exact value",
    )


def slider_row(name: str, lo: float, hi: float, position: float, value: float) -> html.Div:
    """A log10 slider over [lo, hi] at ``position`` and the typed box of control ``name``."""
    slider = dcc.Slider(
        id=ids.slider(name),
        min=round(math.log10(lo), 3),
        max=round(math.log10(hi), 3),
        step=SLIDER_STEP,
        value=position,
        marks=decade_marks(lo, hi),
        allow_direct_input=False,
        tooltip={"placement": "bottom", "transform": "pow10"},
    )
    return html.Div(
        [html.Div(slider, className="slider-box"), number_input(ids.text(name), value)],
        className="control-row",
    )


def log_control(
    name: str, label: str, unit: str, lo: float, hi: float, value: float, help_text: str = ""
) -> html.Div:
    """A labelled log10 slider plus a text input for exact values and an inline message."""
    return html.Div(
        [
            html.Label(
                [label, html.Span(f" [{unit}]" if unit else "", className="unit")],
                htmlFor=ids.text(name),
                className="control-label",
            ),
            slider_row(name, lo, hi, to_slider(value), value),
            html.Div(help_text, className="help") if help_text else None,
            html.Div(id=ids.msg(name), className="inline-msg", role="alert"),
        ],
        className="control",
    )


def delta_control(state: AppState) -> html.Div:
    """Detuning δ = (m_a² − 4m_χ²)/(4m_χ²): sign toggle, log10|δ| slider, typed δ or m_χ."""
    sign, pos = delta_controls(state.delta)
    lo, hi = ABS_DELTA_RANGE
    toggle = dcc.RadioItems(
        id=ids.DELTA_SIGN,
        options=[{"label": " δ > 0", "value": 1}, {"label": " δ < 0", "value": -1}],
        value=sign,
        inline=True,
        className="sign-toggle",
    )
    m_chi_row = html.Div(
        [
            html.Label(["or m_χ ", html.Span("[GeV]", className="unit")], htmlFor=ids.text(ids.M_CHI)),
            number_input(ids.text(ids.M_CHI), state.m_chi),
        ],
        className="control-row mchi-row",
    )
    return html.Div(
        [
            html.Label(
                ["Detuning δ = (m_a² − 4m_χ²)/4m_χ²"], htmlFor=ids.text(ids.DELTA), className="control-label"
            ),
            html.Div([toggle], className="control-row"),
            slider_row(ids.DELTA, lo, hi, pos, state.delta),
            m_chi_row,
            html.Div("log-symmetric around the resonance: |δ| from 1e-4 to 1 (δ ≥ −0.99)", className="help"),
            html.Div(id=ids.msg(ids.DELTA), className="inline-msg", role="alert"),
        ],
        className="control",
    )


def choice(id_: str, label: str, value: str, *, extra: list | None = None, inline: bool = False) -> html.Div:
    """A labelled radio group over the choices of the state field edited by ``id_``."""
    options = CHOICES[CHOICE_FIELDS[id_]]
    return html.Div(
        [
            html.Div(label, className="control-label"),
            dcc.RadioItems(
                id=id_,
                options=[{"label": " " + lab, "value": v} for v, lab in options],
                value=value,
                inline=inline,
                className="radio",
            ),
            *(extra or []),
        ],
        className="control",
    )


def method_choice(state: AppState) -> html.Div:
    """Which relic method the banner's viability verdict (and panel 4's viable region) uses."""
    return html.Div(
        [
            html.Span("Verdict by", className="control-label inline-label"),
            dcc.RadioItems(
                id=ids.METHOD,
                options=[
                    {"label": html.Span(" " + lab.split(" ")[0], title=lab), "value": v}
                    for v, lab in CHOICES["method"]
                ],
                value=state.method,
                inline=True,
                className="radio method-choice",
            ),
        ],
        className="method",
        title="nBE and cBE are instant; the fBE (full phase space) runs in the background",
    )


def target_choice(state: AppState) -> html.Div:
    """The Belle II target (labels from physics.targets) with the chosen target's help text."""
    return choice(
        ids.TARGET,
        "Belle II target",
        state.target,
        extra=[html.Div(target_help(state.target), id=ids.TARGET_HELP, className="help")],
    )


def target_help(target: str) -> str:
    """The help text of a Belle II target (physics.targets.TARGET_HELP)."""
    return TARGET_HELP.get(target, "")


def number_control(name: str, label: str, unit: str, value: float, help_text: str) -> html.Div:
    """A typed-only number (advanced section) with its inline message."""
    return html.Div(
        [
            html.Label(
                [label, html.Span(f" [{unit}]" if unit else "", className="unit")],
                htmlFor=ids.text(name),
                className="control-label",
            ),
            html.Div(number_input(ids.text(name), value), className="control-row"),
            html.Div(help_text, className="help"),
            html.Div(id=ids.msg(name), className="inline-msg", role="alert"),
        ],
        className="control",
    )


def advanced_section(state: AppState) -> html.Details:
    """Choices most users keep at their defaults: Belle II radius and band width, BaBar's band,
    the ALPINIST coupling mapping (all in the URL)."""
    r_lo, r_hi = R_MAX_RANGE
    n_lo, n_hi = N_SIGMA_RANGE
    return html.Details(
        [
            html.Summary("Advanced"),
            number_control(
                ids.R_MAX,
                "Belle II radius r_max",
                "m",
                state.r_max,
                f"An ALP decaying beyond r_max counts as invisible (default {C.BELLE2_R_MAX_M:g} m, "
                f"ALPaca's; the calorimeter starts at ≈ 1.25 m). {r_lo:g}–{r_hi:g} m.",
            ),
            number_control(
                ids.N_SIGMA,
                "Belle II band width n_σ",
                "",
                state.n_sigma,
                f"The target band is central ± n_σ × its 1σ errors ({n_lo:g}–{n_hi:g}).",
            ),
            choice(ids.BABAR, "BaBar B→Kνν̄ two-body band", state.babar),
            choice(ids.CWW, "ALPINIST C_WW → g_aWW (beam dumps)", state.cww),
        ],
        id=ids.ADVANCED,
        className="advanced",
    )


def preset_buttons() -> html.Div:
    """One button per benchmark point."""
    return html.Div(
        [html.Div("Benchmark points", className="control-label")]
        + [
            html.Button(
                p.label,
                id={"type": ids.PRESET, "name": p.key},
                n_clicks=0,
                title=p.description,
                className="preset",
            )
            for p in presets()
        ],
        className="control presets",
    )


def control_panel(state: AppState) -> html.Aside:
    """The left-hand control panel."""
    return html.Aside(
        [
            preset_buttons(),
            log_control(ids.M_A, "ALP mass m_a", "GeV", *M_A_RANGE, state.m_a),
            delta_control(state),
            log_control(
                ids.G_AWW,
                "g_aWW",
                "GeV⁻¹",
                *G_AWW_RANGE,
                state.g_aWW,
                "ALP–SU(2) coupling; fixes g_aγγ = s_W² g_aWW",
            ),
            log_control(
                ids.G_ACHI, "g_aχχ", "GeV⁻¹", *G_ACHI_RANGE, state.g_achi, "ALP–DM coupling (y_χ = g_aχχ m_χ)"
            ),
            html.Div(id=ids.DERIVED, className="derived"),
            target_choice(state),
            choice(ids.WIDTH, "ALP width in the propagator", state.width),
            choice(ids.THEME, "Display", state.theme),
            advanced_section(state),
        ],
        className="controls",
        **{"aria-label": "controls"},
    )
