"""Component ids shared by layouts and callbacks (strings, so typos fail loudly in tests)."""

from __future__ import annotations

URL = "url"
STATE = "state"
DM_KEY = "dm-key"
SCAN_KEY = "scan-key"
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
PRESET = "preset"  # pattern-matching type: {"type": PRESET, "name": key}

LOG_CONTROLS = (M_A, DELTA, G_AWW, G_ACHI)


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
FLAVOUR_FIG = "flavour-fig"
FLAVOUR_NOTE = "flavour-note"
VERDICTS = "verdicts"
RELIC = "relic-numbers"
EVOLUTION_FIG = "evolution-fig"
DM_FIG = "dm-fig"
DM_PROGRESS = "dm-progress"
DM_STATUS = "dm-status"
DM_RETRY = "dm-retry"
SCAN_FIG = "scan-fig"
SCAN_PROGRESS = "scan-progress"
SCAN_STATUS = "scan-status"
SCAN_RETRY = "scan-retry"
FBE_BUTTON = "fbe-button"
FBE_CANCEL = "fbe-cancel"
FBE_PROGRESS = "fbe-progress"
FBE_OUT = "fbe-out"
CSV_BUTTON = "csv-button"
CSV_DOWNLOAD = "csv-download"
COPY_LINK = "copy-link"
SOURCES = "sources"
