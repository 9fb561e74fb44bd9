"""⟨σv⟩ and ⟨σv⟩₂ tables shared by ALP points of the same masses (docs/relic.md#grid-solver).

Gondolo–Gelmini averages (Nucl. Phys. B360 (1991) 145; docs/relic.md#thermal-average) by the
quadrature of physics.annihilation. For fixed m_χ, m_a and g_aγγ the s-nodes and the
temperature-dependent weights e^{z}K₁(z)e^{−(√s−2m)/T} (and R₂) do not depend on the DM coupling
y_χ = g_aχχ m_χ: only Φ(s) = σ(s)(s − 4m²)√s at the nodes, the pole's core and (for a resolved
pole) 16 core nodes do. :class:`RowTables` therefore evaluates the weight matrix once, on the rows
(temperatures) some point needs, and each point's tables are one contraction with its own Φ.

Node sets (physics.annihilation.resonance_nodes, the same construction):
- m_a ≤ 2m_χ, or a broad pole (m_a² − 4m_χ² ≤ 4 m_aΓ): Gauss–Legendre panels in √s − 2m only;
- otherwise threshold panels, geometric panels in |s − m_a²| anchored at d_c (panel j covers
  [d_c e^{−j−1}, d_c e^{−j}]: a point whose core is d_c e^{−k} uses panels j < k) and panels
  above; the core is analytic (narrow) or 16 θ-nodes (resolved).
The highest node energy is set by the highest temperature of the lattice, not of the point, so a
point's table does not depend on which other points share the row: omega_h2 of one point and
physics.relic_grid on a whole plane give the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numba import njit
from numpy.typing import NDArray

from .annihilation import (
    _E_MIN_OVER_T,
    e_max_for,
    energy_nodes,
    narrow_core_weight,
    pole_core,
    pole_nodes,
    resolved_core_nodes,
    thermal_weight_matrix,
)

FloatArray = NDArray[np.float64]


@njit(cache=True)
def _contract(
    k0: np.ndarray,
    k2: np.ndarray,
    w: np.ndarray,
    kc0: np.ndarray,
    kc2: np.ndarray,
    wc: np.ndarray,
    p0: np.ndarray,
    p2: np.ndarray,
    a_pole: float,
    norm: np.ndarray,
    second: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """N[j] (Σ_i k[j,i] w[i] + Σ_i kc[j,i] wc[i] + a_pole p[j]) for k = K₀ and K₂, summed in a
    fixed order over the nodes with w ≠ 0 (the same sums whatever else shares the matrix)."""
    idx = np.nonzero(w)[0]
    out0 = np.empty(k0.shape[0])
    out2 = np.empty(k0.shape[0])
    for j in range(k0.shape[0]):
        a0 = 0.0
        a2 = 0.0
        for i in idx:
            a0 += k0[j, i] * w[i]
            a2 += k2[j, i] * w[i]
        for i in range(kc0.shape[1]):
            a0 += kc0[j, i] * wc[i]
            a2 += kc2[j, i] * wc[i]
        out0[j] = (a0 + a_pole * p0[j]) * norm[j]
        out2[j] = (a2 + a_pole * p2[j]) * norm[j]
    if not second:
        return out0, out0
    return out0, out2


PhiBatch = Callable[[FloatArray], FloatArray]
"""s-nodes (n,) → σ(s) of every point of a row, shape (n_points, n)."""


class RowTables:
    """⟨σv⟩, ⟨σv⟩₂ [GeV⁻²] on a lattice of x for points of the same DM mass and pole mass.

    m_chi, m_res [GeV] (m_res = 0: no pole), x (ascending lattice), sigmas (σ(s) of every point
    at once, :data:`PhiBatch`), widths (each point's on-shell width Γ(m_res) [GeV]), second
    (compute ⟨σv⟩₂ too). :meth:`tables` gives point c's tables on x[first:].
    """

    def __init__(
        self,
        m_chi: float,
        m_res: float,
        x: FloatArray,
        sigmas: PhiBatch,
        widths: Sequence[float],
        second: bool,
    ) -> None:
        self.m, self.M, self.x, self.second = m_chi, m_res, x, second
        self.sigmas = sigmas
        m, M = m_chi, m_res
        e_min = _E_MIN_OVER_T * (m / float(x[-1]))
        e_max = e_max_for(m, M, m / float(x[0]))
        self.s_pole = max(M, 2.0 * m) ** 2
        self.e_scale = abs(M - 2.0 * m) if M > 0.0 else 0.0
        # per point: (node set, panels used, core kind, core half-width, mg, slice of its core nodes)
        self.cols: list[tuple[str, int, str, float, float, slice]] = []
        cores: list[tuple[FloatArray, FloatArray]] = []
        n_core = 0
        for width in widths:
            mg = M * width
            if M <= 2.0 * m or mg == 0.0 or M * M - 4.0 * m * m <= 4.0 * mg:
                self.cols.append(("energy", 0, "none", 0.0, mg, slice(0, 0)))
                continue
            kind, k, core, _ = pole_core(m, M, mg)
            where = slice(0, 0)
            if kind == "resolved":
                cores.append(resolved_core_nodes(M, mg, core))
                where = slice(n_core, n_core + cores[-1][0].size)
                n_core = where.stop
            self.cols.append(("pole", k, kind, core, mg, where))
        sets = {c[0] for c in self.cols}
        self.nodes: dict[str, tuple[FloatArray, FloatArray, NDArray[np.int64]]] = {}
        if "energy" in sets:
            s, w = energy_nodes(m, e_min, e_max)
            self.nodes["energy"] = (s, w, np.full(s.size, -1, dtype=np.int64))
        if "pole" in sets:
            self.nodes["pole"] = pole_nodes(
                m, M, e_min, e_max, max(c[1] for c in self.cols if c[0] == "pole")
            )
        s_core = np.concatenate([c[0] for c in cores]) if cores else np.empty(0)
        w_core = np.concatenate([c[1] for c in cores]) if cores else np.empty(0)
        self.nodes["core"] = (s_core, w_core, np.full(s_core.size, -1, dtype=np.int64))
        # weight matrices per node set, filled lazily from lattice row `lo` up: (K₀, K₂, p₀, p₂, N)
        self.lo = {key: x.size for key in self.nodes}
        self.mats: dict[str, tuple[np.ndarray, ...]] = {}
        self.phi: dict[str, FloatArray] = {}

    def _rows(self, key: str, first: int) -> tuple[np.ndarray, ...]:
        """The weight matrices of a node set for lattice rows first… (each row computed once)."""
        lo = self.lo[key]
        if first < lo:
            s = self.nodes[key][0]
            new = thermal_weight_matrix(s, self.m, self.x[first:lo], self.s_pole, self.second, self.e_scale)
            old = self.mats.get(key)
            self.mats[key] = (
                new if old is None else tuple(np.concatenate([a, b]) for a, b in zip(new, old, strict=True))
            )
            self.lo[key] = first
        off = first - self.lo[key]
        return tuple(a[off:] for a in self.mats[key])

    def _phi(self, key: str) -> FloatArray:
        """ω_i Φ(s_i) of every point on a node set's nodes (n_points, n_nodes), computed once."""
        if key not in self.phi:
            s, w, _ = self.nodes[key]
            self.phi[key] = w * self.sigmas(s) * (s - 4.0 * self.m * self.m) * np.sqrt(s)
        return self.phi[key]

    def tables(self, c: int, first: int) -> tuple[FloatArray, FloatArray]:
        """(⟨σv⟩, ⟨σv⟩₂) of point c on x[first:] (⟨σv⟩₂ = ⟨σv⟩ when not ``second``)."""
        key, k, kind, core, mg, where = self.cols[c]
        k0, k2, p0, p2, norm = self._rows(key, first)
        panel = self.nodes[key][2]
        wphi = np.where(panel < k, self._phi(key)[c], 0.0)
        a_pole = 0.0
        if kind == "narrow":
            M2 = self.M * self.M
            phi_pole = float(self.sigmas(np.array([M2]))[c, 0]) * (M2 - 4.0 * self.m * self.m) * math.sqrt(M2)
            a_pole = narrow_core_weight(phi_pole * mg * mg, mg, core)
        if where.stop > where.start:
            kc0, kc2 = self._rows("core", first)[:2]
            kc0, kc2, w_core = kc0[:, where], kc2[:, where], self._phi("core")[c, where]
        else:
            kc0 = kc2 = np.zeros((norm.size, 0))
            w_core = np.empty(0)
        return _contract(k0, k2, wphi, kc0, kc2, w_core, p0, p2, a_pole, norm, self.second)
