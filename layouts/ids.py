"""Component ids shared by layouts and callbacks (strings, so typos fail loudly in tests)."""

from __future__ import annotations

from typing import NamedTuple

URL = "url"
STATE = "state"
PAGE = "page"
NOTICE = "notice"

M_A = "ma"
DELTA = "delta"
M_CHI = "mchi"
G_AWW = "gww"
G_ACHI = "gchi"
DELTA_SIGN = "delta-sign"
TARGET = "target"
WIDTH = "width"
THEME = "theme"
METHOD = "method"
R_MAX = "rmax"
N_SIGMA = "nsigma"
BABAR = "babar"
CWW = "cww"
ADVANCED = "advanced"
PRESET = "preset"  # pattern-matching type: {"type": PRESET, "name": key}

LOG_CONTROLS = (M_A, DELTA, G_AWW, G_ACHI)
NUMBER_CONTROLS = (N_SIGMA, R_MAX)
"""Typed-only numbers (advanced section): box ``text(name)``, message ``msg(name)``."""


def slider(name: str) -> str:
    """Id of the log10 slider of control ``name``."""
    return f"{name}-slider"


def text(name: str) -> str:
    """Id of the typed input of control ``name``."""
    return f"{name}-input"


def msg(name: str) -> str:
    """Id of the inline message under control ``name``."""
    return f"{name}-msg"


DERIVED = "derived"
SCENARIO = "scenario"
VIABILITY = "viability"
"""The banner's viability line (the synchronous callback; the fBE job when the method is fBE)."""
VIABILITY_KEY = "viability-key"
VIABILITY_PROGRESS = "viability-progress"
TARGET_HELP = "target-help"
IN_FORCE = "in-force"
"""The conventions in force (Sources panel), rewritten when an advanced choice changes."""
FLAVOUR_FIG = "flavour-fig"
FLAVOUR_NOTE = "flavour-note"
VERDICTS = "verdicts"
VERDICTS_SUMMARY = "verdicts-summary"
"""The summary line of the (collapsed) verdict table: its clicks open and close it."""
RELIC = "relic-numbers"
EVOLUTION_FIG = "evolution-fig"


class BackgroundIds(NamedTuple):
    """Ids of one background panel: its key store, figure, progress bar, status line, Retry,
    and the "Server busy: queued" line of a job waiting for a slot."""

    key: str
    fig: str
    progress: str
    status: str
    retry: str
    queue: str

    @classmethod
    def of(cls, prefix: str) -> BackgroundIds:
        """``<prefix>-key``, ``<prefix>-fig``, ``<prefix>-progress`` …"""
        return cls(*(f"{prefix}-{part}" for part in cls._fields))


DM = BackgroundIds.of("dm")
"""The DM plane (m_a, g_aχχ)."""
SCAN = BackgroundIds.of("scan")
"""The cBE/nBE ratio versus δ."""
PROJ = BackgroundIds.of("proj")
"""The paper's projections: viable band in (m_a, g_aχχ) and δ*(m_a) per method."""
PROJ_METHODS = "proj-methods"
PROJ_GWW = "proj-gww"
PROJ_START = "proj-start"
PROJ_CANCEL = "proj-cancel"
DM_KEY, DM_FIG = DM.key, DM.fig
SCAN_KEY, SCAN_FIG = SCAN.key, SCAN.fig


class JobButtonIds(NamedTuple):
    """Ids of a job started by a button: the button, its Cancel button and its progress bar."""

    button: str
    cancel: str
    progress: str


SCAN_FBE_BUTTON = "scan-fbe-button"
SCAN_FBE_CANCEL = "scan-fbe-cancel"
SCAN_FBE_PROGRESS = "scan-fbe-progress"
SCAN_FBE = JobButtonIds(SCAN_FBE_BUTTON, SCAN_FBE_CANCEL, SCAN_FBE_PROGRESS)
"""The δ-scan panel's on-demand fBE/nBE curve (callbacks/fbe_scan.py)."""
FBE_BUTTON = "fbe-button"
FBE_CANCEL = "fbe-cancel"
FBE_PROGRESS = "fbe-progress"
FBE = JobButtonIds(FBE_BUTTON, FBE_CANCEL, FBE_PROGRESS)
"""The relic panel's fBE solve at the current point (callbacks/background.py)."""
FBE_OUT = "fbe-out"
CSV_BUTTON = "csv-button"
CSV_DOWNLOAD = "csv-download"
COPY_LINK = "copy-link"
SOURCES = "sources"
