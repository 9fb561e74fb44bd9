"""Physical constants and Standard-Model inputs, in one place, with provenance.

Natural units throughout: energies and masses in GeV, couplings of dimension
mass⁻¹ in GeV⁻¹, lengths converted with ħc, times with ħ.

Sources
-------
- PDG: R.L. Workman et al. (Particle Data Group), Review of Particle Physics,
  PTEP 2022 083C01 and the 2024 update (S. Navas et al., PRD 110 (2024) 030001).
  The values below are those listed in the project's physics reference
  (``docs/physics.md`` reproduces the table).
- Form-factor masses used inside the z-expansion follow flavio 2.7.1
  (neutral B and K masses, as flavio does) so that the project's f₀ agrees with
  flavio to numerical precision.
- Cosmology: Planck 2018 (arXiv:1807.06209); s₀ and ρ_c/h² from PDG 2024
  "Astrophysical constants".
"""

from __future__ import annotations

import math

# --- unit conversions (PDG 2024, "Physical constants") ----------------------
HBAR_GEV_S = 6.582119569e-25
"""ħ in GeV·s."""
HBARC_GEV_M = 1.973269804e-16
"""ħc in GeV·m."""
GEV2_TO_CM3_PER_S = 1.1673e-17
"""1 GeV⁻² × c expressed as a rate coefficient σv in cm³/s."""
PS_TO_S = 1e-12

# --- electroweak inputs (PDG) -------------------------------------------------
G_FERMI = 1.1663788e-5
"""Fermi constant G_F [GeV⁻²] (PDG 2024)."""
M_W = 80.377
"""W mass [GeV] (PDG 2022 average)."""
SIN2_THETA_W = 0.23122
"""sin²θ_W, MS-bar at m_Z (PDG)."""
COS2_THETA_W = 1.0 - SIN2_THETA_W
ALPHA_EM_0 = 1.0 / 137.035999084
"""Fine-structure constant at q² = 0 (CODATA 2018)."""
G_W_ALPINIST = 0.6529
"""SU(2) gauge coupling g_W used by ALPINIST (Jerhot et al., arXiv:2201.05170) for ALP production
in meson decays (α_W = g_W²/4π, 16πα_W = 1.705); only used to convert its C_WW/Λ contours."""

# --- quark masses (PDG) --------------------------------------------------------
M_TOP_POLE = 172.57
"""Top pole mass [GeV] (PDG 2024). Default in the loop function."""
M_TOP_MSBAR = 162.5
"""Top MS-bar mass m_t(m_t) [GeV] (PDG 2024, 162.5 +2.1 −1.5); alternative choice."""
M_CHARM = 1.27
"""Charm MS-bar mass m_c(m_c) [GeV] (PDG)."""

# --- meson masses [GeV] and lifetimes [s] (PDG) --------------------------------
M_B_PLUS = 5.27934
M_K_PLUS = 0.493677
M_PI_PLUS = 0.13957039
M_K_LONG = 0.497611
M_PI_ZERO = 0.1349768
TAU_B_PLUS = 1.638e-12
"""B⁺ lifetime [s]."""
TAU_K_PLUS = 1.2380e-8
"""K⁺ lifetime [s]."""
TAU_K_LONG = 5.116e-8
"""K_L lifetime [s]."""

# masses used by flavio 2.7.1 inside its form-factor parametrisations
M_B0_FF = 5.27966
"""B⁰ mass used in the B→K BCL z-variable (flavio convention)."""
M_K0_FF = 0.497611
"""K⁰ mass used in the B→K BCL z-variable (flavio convention)."""

# --- CKM, standard parametrisation (PDG 2024 global fit) -----------------------
CKM_S12 = 0.22501
CKM_S23 = 0.04183
CKM_S13 = 0.003732
CKM_DELTA = 1.147
"""CP phase δ [rad]."""

# --- B → K form factor f₀, BCL (flavio 2.7.1, parameters_uncorrelated.yml) ---------
# The correlated coefficients a_k (with uncertainties and correlations) are a data file:
# physics/data/formfactors/B_K_BCL_flavio.toml (read by physics.formfactors).
BCL_BK_M0 = 5.630
"""Pole mass in f₀ (B_s*(0⁺)) [GeV]."""
BCL_BK_MPLUS = 5.415
"""Pole mass in f₊ (B_s*(1⁻)) [GeV]."""
POLE_BK_F0_0 = 0.330
"""Simple-pole alternative f₀(0) (Ball–Zwicky-like), docs/physics.md#flavour."""
POLE_BK_MFIT2 = 37.46
"""Simple-pole alternative fit mass² [GeV²]."""

# --- K → π form factor, dispersive (flavio 2.7.1, parameters_uncorrelated.yml) ---
KPI_FPLUS_0 = 0.9698
"""f₊^{K→π}(0), FLAG 2021 N_f = 2+1+1."""
KPI_LN_C = 0.1998
"""ln C of the Callan–Treiman constant (arXiv:1602.04113)."""
KPI_D = 0.0209
KPI_d = 0.0398
KPI_k = 0.0045
"""Dispersive G(x) parameters D, d, k (arXiv:0903.1654 table 1)."""

# --- Belle II B⁺ → K⁺ νν̄ (arXiv:2311.14647) ------------------------------------
BR_BKNUNU_BELLE2 = 2.3e-5
BR_BKNUNU_BELLE2_STAT = 0.5e-5
BR_BKNUNU_BELLE2_SYST_UP = 0.5e-5
BR_BKNUNU_BELLE2_SYST_DOWN = 0.4e-5
BR_BKNUNU_SM = 5.58e-6
"""SM prediction quoted by Belle II against its measurement."""
BR_BKNUNU_SM_ERR = 0.37e-6

# --- detector geometry for invisibility (docs/physics.md#decays; the numbers ALPaca uses) --
BELLE2_R_MAX_M = 1.0
"""Belle II radius [m] beyond which an ALP decay counts as invisible (ALPaca's 1 m; an assumption:
the calorimeter starts at ≈ 1.25 m). A parameter of p_invisible_belle2 and of the g_aWW band."""
BELLE2_BOOST_BETAGAMMA = 0.28
"""βγ of the Υ(4S) frame at Belle II."""
PROMPT_DECAY_LENGTH_M = 1e-3
"""Lab decay length [m] below which a decay counts as prompt (1 mm, as BaBar's prompt B→Kγγ
selection in the limit catalogue); used to name the scenario (docs/physics.md#decays)."""

# --- cosmology (PDG 2024 astrophysical constants; Planck 2018) -------------------
ENTROPY_TODAY_CM3 = 2891.2
"""s₀ [cm⁻³]."""
RHO_CRIT_OVER_H2_GEV_CM3 = 1.05368e-5
"""ρ_c/h² [GeV cm⁻³]."""
M_PLANCK = 1.220890e19
"""Planck mass M_Pl [GeV] (H = √(8π³ g_eff/90) T²/M_Pl)."""
OMEGA_H2_PLANCK = 0.120
"""Dark-matter density Ωh² (Planck 2018, arXiv:1807.06209, central value): the one source of
0.120 in physics/ — import it, do not retype it."""
OMEGA_H2_PLANCK_ERR = 0.001
OMEGA_H2_RELATIVE_TOLERANCE = 0.1
"""Default |Ωh²/0.120 − 1| accepted as "matches Planck": the theory precision of the relic
calculation (~10 %), not Planck's 0.8 % (docs/physics.md#viability)."""

# --- model normalisation (docs/physics.md#model) ----------------------------------------
Y_CHI_PER_G_ACHI_M_CHI = 1.0
"""On-shell pseudoscalar Yukawa y_χ = Y_CHI_PER_G_ACHI_M_CHI · g_aχχ · m_χ.

With L ⊃ ½ g_aχχ (∂_μ a) χ̄γ^μγ⁵χ, integrating by parts and using the Dirac equation
gives −i g_aχχ m_χ a χ̄γ⁵χ, i.e. the factor 1. A Lagrangian without the ½ would make it 2
(and every DM width and rate 4× larger). The paper's choice is unknown: this constant is
the single place to change it."""

# --- derived --------------------------------------------------------------------
FOUR_PI = 4.0 * math.pi

# --- CMB bound on late-time annihilation (docs/physics.md#cmb) ------------------------
P_ANN_PLANCK_2018 = 3.2e-28
"""Planck 2018 95 % CL upper limit on p_ann = f_eff ⟨σv⟩/m_χ [cm³ s⁻¹ GeV⁻¹]
(Planck Collaboration, A&A 641 (2020) A6, arXiv:1807.06209, TT,TE,EE+lowE+lensing)."""
