"""ALPModel validation and derived quantities."""

from __future__ import annotations

import math

import numpy as np
import pytest

from physics import ALPModel
from physics import constants as C


def test_derived_couplings() -> None:
    m = ALPModel(m_a=2.0, m_chi=0.9, g_aWW=1e-4, g_achi=2e-3, g_aBB=3e-5)
    assert m.g_agg == pytest.approx(C.SIN2_THETA_W * 1e-4 + C.COS2_THETA_W * 3e-5, rel=1e-14)
    assert m.g_aZZ == pytest.approx(C.COS2_THETA_W * 1e-4 + C.SIN2_THETA_W * 3e-5, rel=1e-14)
    assert m.y_chi == pytest.approx(2e-3 * 0.9, rel=1e-14)
    assert m.delta == pytest.approx((4.0 - 4 * 0.81) / (4 * 0.81), rel=1e-12)


@pytest.mark.parametrize(
    ("m_a", "m_chi", "scenario"),
    [(2.0, 0.99, "missing_energy"), (2.0, 1.01, "displaced_diphoton"), (2.0, 1.0, "displaced_diphoton")],
)
def test_scenario_from_masses(m_a: float, m_chi: float, scenario: str) -> None:
    assert ALPModel(m_a, m_chi, 1e-4, 1e-3).scenario == scenario


def test_from_detuning_round_trip() -> None:
    for delta in (-0.5, -1e-3, 1e-6, 0.1, 3.0):
        m = ALPModel.from_detuning(1.5, delta, 1e-4, 1e-3)
        assert m.delta == pytest.approx(delta, rel=1e-8, abs=1e-12)
        assert m.m_a == 1.5


def test_frozen() -> None:
    m = ALPModel(1.0, 0.4, 1e-4, 1e-3)
    with pytest.raises(AttributeError):
        m.m_a = 2.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"m_a": -1.0}, "m_a"),
        ({"m_a": 0.0}, "m_a"),
        ({"m_chi": -0.3}, "m_chi"),
        ({"m_chi": float("nan")}, "m_chi"),
        ({"m_a": float("inf")}, "m_a"),
        ({"g_aWW": -1e-4}, "g_aWW"),
        ({"g_achi": float("nan")}, "g_achi"),
        ({"g_aBB": -math.inf}, "g_aBB"),
        ({"m_a": "2"}, "m_a"),
        ({"g_aWW": None}, "g_aWW"),
        ({"m_chi": True}, "m_chi"),
        ({"g_achi": 1e4}, "g_achi"),  # y = g m = 9e3 > 4π
        ({"g_aWW": 100.0}, "g_aWW"),  # g m_a > 4π
        ({"m_a": 1e-9}, "m_a"),  # below the model's 1 keV – 10 TeV domain
        ({"m_chi": 2e4}, "m_chi"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict, field: str) -> None:
    base = {"m_a": 2.0, "m_chi": 0.9, "g_aWW": 1e-4, "g_achi": 1e-3}
    base.update(kwargs)
    with pytest.raises(ValueError, match=field):
        ALPModel(**base)


def test_numpy_scalars_accepted() -> None:
    m = ALPModel(np.float64(2.0), np.array(0.9), np.float32(1e-4), 1e-3)
    assert isinstance(m.m_a, float) and isinstance(m.m_chi, float)


def test_from_detuning_rejects_delta_below_minus_one() -> None:
    with pytest.raises(ValueError, match="delta"):
        ALPModel.from_detuning(1.0, -1.0, 1e-4, 1e-3)
