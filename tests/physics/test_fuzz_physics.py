"""Property tests over the flavour-side physics API: finite inputs give finite outputs or a
clear ValueError — never a NaN result or a warning (RuntimeWarnings from physics are errors,
see pyproject.toml)."""

from __future__ import annotations

import math
import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from physics import (
    ALPModel,
    belle2_target,
    br_a_invisible,
    br_B_to_K_a,
    br_K_to_pi_a,
    br_KL_to_pi0_a,
    ctau,
    p_invisible_belle2,
    total_width,
    verdicts,
)

anything = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10**30, max_value=10**30),
    st.text(max_size=5),
    st.none(),
    st.booleans(),
)
mass = st.floats(min_value=1e-4, max_value=50.0)
coupling = st.floats(min_value=0.0, max_value=1e-1)


@given(anything, anything, anything, anything)
def test_model_accepts_only_valid_points(m_a, m_chi, g_aww, g_achi) -> None:
    try:
        m = ALPModel(m_a, m_chi, g_aww, g_achi)
    except ValueError as err:
        assert str(err)
        return
    assert m.m_a > 0 and m.m_chi > 0 and m.g_aWW >= 0 and m.g_achi >= 0
    assert all(math.isfinite(v) for v in (m.m_a, m.m_chi, m.g_aWW, m.g_achi))


@given(mass, mass, coupling, coupling)
def test_decay_quantities_finite_and_bounded(m_a, m_chi, g_aww, g_achi) -> None:
    try:
        m = ALPModel(m_a, m_chi, g_aww, g_achi)
    except ValueError:
        return  # non-perturbative corner, rejected with a message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gam = total_width(m)
        br = br_a_invisible(m)
        p = p_invisible_belle2(m)
        ct = ctau(m)
    assert math.isfinite(gam) and gam >= 0
    assert 0.0 <= br <= 1.0 and 0.0 <= p <= 1.0 + 1e-12
    assert ct > 0  # +inf for a decoupled ALP is allowed


@given(st.lists(st.floats(min_value=-1.0, max_value=10.0), min_size=1, max_size=20), coupling)
def test_meson_brs_finite_nonnegative(masses, g) -> None:
    m = np.array(masses)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in (br_B_to_K_a, br_K_to_pi_a, br_KL_to_pi0_a):
            out = np.asarray(fn(m, g))
            assert np.all(np.isfinite(out)) and np.all(out >= 0)
            assert np.all(out[m <= 0.0] >= 0)


@given(mass, mass, coupling, coupling)
def test_verdicts_are_well_formed(m_a, m_chi, g_aww, g_achi) -> None:
    try:
        m = ALPModel(m_a, m_chi, g_aww, g_achi)
    except ValueError:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vs = verdicts(m)
    for v in vs:
        if v.applicable:
            assert math.isfinite(v.ratio) and v.ratio >= 0
            assert v.excluded == (v.ratio > 1 and v.role == "limit")
        else:
            assert not v.excluded and v.note


@given(st.floats(min_value=1e-3, max_value=10.0), st.sampled_from(["excess", "two_body_fit"]))
def test_targets_nan_only_outside_range(m_a, kind) -> None:
    c, lo, hi = belle2_target(m_a, kind)
    if np.isfinite(c):
        assert 0 <= lo <= c <= hi
    else:
        assert np.isnan(lo) and np.isnan(hi)
