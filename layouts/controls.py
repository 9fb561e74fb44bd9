"""Control-panel builders: log sliders with typed inputs, δ with its sign, choices, presets."""

from __future__ import annotations

import math

from dash import dcc, html

from callbacks.state import (
    ABS_DELTA_RANGE,
    G_ACHI_RANGE,
    G_AWW_RANGE,
    M_A_RANGE,
    SLIDER_STEP,
    AppState,
    delta_controls,
    fmt,
    presets,
    to_slider,
)

from . import ids


def decade_marks(lo: float, hi: float) -> dict[float, str]:
    """Slider marks at every decade inside [lo, hi] (labels in physical units)."""
    marks: dict[float, str] = {}
    for k in range(math.ceil(math.log10(lo) - 1e-9), math.floor(math.log10(hi) + 1e-9) + 1):
        marks[float(k)] = f"{10.0**k:g}"
    return marks


def log_control(
    name: str,
    label: str,
    unit: str,
    lo: float,
    hi: float,
    value: float,
    help_text: str = "",
    slider_value: float | None = None,
) -> html.Div:
    """A labelled log10 slider plus a text input for exact values and an inline message."""
    a, b = math.log10(lo), math.log10(hi)
    return html.Div(
        [
            html.Label(
                [label, html.Span(f" [{unit}]" if unit else "", className="unit")],
                htmlFor=ids.text(name),
                className="control-label",
            ),
            html.Div(
                [
                    html.Div(
                        dcc.Slider(
                            id=ids.slider(name),
                            min=round(a, 3),
                            max=round(b, 3),
                            step=SLIDER_STEP,
                            value=to_slider(value) if slider_value is None else slider_value,
                            marks=decade_marks(lo, hi),
                            allow_direct_input=False,
                            tooltip={"placement": "bottom", "transform": "pow10"},
                        ),
                        className="slider-box",
                    ),
                    dcc.Input(
                        id=ids.text(name),
                        type="text",
                        value=fmt(value),
                        debounce=True,
                        inputMode="decimal",
                        className="num-input",
                        autoComplete="off",
                        placeholder="exact value",
                    ),
                ],
                className="control-row",
            ),
            html.Div(help_text, className="help") if help_text else None,
            html.Div(id=ids.msg(name), className="inline-msg", role="alert"),
        ],
        className="control",
    )


def delta_control(state: AppState) -> html.Div:
    """Detuning δ = (m_a² − 4m_χ²)/(4m_χ²): sign toggle, log10|δ| slider, typed δ or m_χ."""
    sign, pos = delta_controls(state.delta)
    lo, hi = ABS_DELTA_RANGE
    return html.Div(
        [
            html.Label(
                ["Detuning δ = (m_a² − 4m_χ²)/4m_χ²"], htmlFor=ids.text(ids.DELTA), className="control-label"
            ),
            html.Div(
                [
                    dcc.RadioItems(
                        id=ids.DELTA_SIGN,
                        options=[{"label": " δ > 0", "value": 1}, {"label": " δ < 0", "value": -1}],
                        value=sign,
                        inline=True,
                        className="sign-toggle",
                    ),
                ],
                className="control-row",
            ),
            html.Div(
                [
                    html.Div(
                        dcc.Slider(
                            id=ids.slider(ids.DELTA),
                            min=math.log10(lo),
                            max=math.log10(hi),
                            step=SLIDER_STEP,
                            value=pos,
                            marks=decade_marks(lo, hi),
                            allow_direct_input=False,
                            tooltip={"placement": "bottom", "transform": "pow10"},
                        ),
                        className="slider-box",
                    ),
                    dcc.Input(
                        id=ids.text(ids.DELTA),
                        type="text",
                        value=fmt(state.delta),
                        debounce=True,
                        inputMode="decimal",
                        className="num-input",
                        autoComplete="off",
                        placeholder="exact value",
                    ),
                ],
                className="control-row",
            ),
            html.Div(
                [
                    html.Label(
                        ["or m_χ ", html.Span("[GeV]", className="unit")], htmlFor=ids.text(ids.M_CHI)
                    ),
                    dcc.Input(
                        id=ids.text(ids.M_CHI),
                        type="text",
                        value=fmt(state.m_chi),
                        debounce=True,
                        inputMode="decimal",
                        className="num-input",
                        autoComplete="off",
                        placeholder="exact value",
                    ),
                ],
                className="control-row mchi-row",
            ),
            html.Div("log-symmetric around the resonance: |δ| from 1e-4 to 1 (δ ≥ −0.99)", className="help"),
            html.Div(id=ids.msg(ids.DELTA), className="inline-msg", role="alert"),
        ],
        className="control",
    )


def choice(id_: str, label: str, options: list[tuple[str, str]], value: str) -> html.Div:
    """A labelled radio group."""
    return html.Div(
        [
            html.Div(label, className="control-label"),
            dcc.RadioItems(
                id=id_,
                options=[{"label": " " + lab, "value": v} for v, lab in options],
                value=value,
                className="radio",
            ),
        ],
        className="control",
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
            choice(
                ids.TARGET,
                "Belle II target",
                [
                    ("excess", "excess (ΔBR = BR_meas − BR_SM)"),
                    ("two_body_fit", "two-body fit (m_a-dependent band)"),
                ],
                state.target,
            ),
            choice(
                ids.WIDTH,
                "ALP width in the propagator",
                [("energy_dependent", "energy-dependent Γ(√s)"), ("constant", "constant Γ(m_a)")],
                state.width,
            ),
            choice(
                ids.THEME,
                "Display",
                [("light", "screen"), ("talk", "presentation (large, high contrast)")],
                state.theme,
            ),
        ],
        className="controls",
        **{"aria-label": "controls"},
    )
