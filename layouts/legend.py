"""Legend families of the flavour plane and the presentation-mode legend.

On a projector the flavour plane's 17 curves are grouped by experiment family (plotly legend
groups, a title each) in a legend *below* the plot, so that the plot area keeps the panel's
width; the entries drop what the family title already says (the process, "(beam dump)") and
wrap long names. A curve's family follows from its catalogue entry
(``physics/data/limits/catalogue.toml``: channel, status, role), so a new curve joins its family
without an edit here. On the screen ("light") nothing changes: a plain list right of the plot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from physics import limit_catalogue


@dataclass(frozen=True)
class Family:
    """One legend group: its plotly ``legendgroup`` id, its title and its rank (legend order)."""

    group: str
    title: str
    rank: int


FAMILIES = (
    Family("bknunu", "B → Kνν̄", 100),
    Family("kaon", "K → π + invisible", 200),
    Family("diphoton", "a → γγ (K, B decays)", 300),
    Family("beam_dumps", "Beam dumps", 400),
    Family("projections", "Projections", 500),
    Family("other", "Other", 900),
)
"""Legend families in legend order: the Belle II band with the BaBar tension, kaon decays to an
unseen ALP, diphoton searches, beam dumps (measured), projections."""

BY_GROUP = {f.group: f for f in FAMILIES}
BELLE2 = "belle2"
"""Family key of the Belle II band (not a catalogue limit)."""
BEAM_DUMP_NOTE = "<br>(n/a: a→χχ̄; click)"
"""Appended to the beam-dump family titles in the missing-energy scenario (curves hidden)."""
WRAP_CHARS = 18
"""Legend entries longer than this wrap onto a second line in presentation mode."""
_PROCESS = re.compile(r",\s*\S*→\S*")
_IMPLIED = re.compile(r"\s*\((?:beam dump|projection)\)")


@lru_cache(maxsize=1)
def _families() -> dict[str, str]:
    out = {}
    for info in limit_catalogue():
        if info.role == "tension":
            out[info.key] = "bknunu"
        elif info.channel == "beam_dump":
            out[info.key] = "projections" if info.status == "projection" else "beam_dumps"
        elif info.channel.startswith("diphoton"):
            out[info.key] = "diphoton"
        elif info.channel == "invisible" and info.process.startswith("K"):
            out[info.key] = "kaon"
        else:
            out[info.key] = "other"
    return out


def family_of(key: str) -> Family:
    """The legend family of an experiment (catalogue key) or of the Belle II band (``"belle2"``)."""
    if key == BELLE2:
        return BY_GROUP["bknunu"]
    return BY_GROUP[_families().get(key, "other")]


def family_members() -> dict[str, list[str]]:
    """Family group id → the keys in it (the Belle II band first, then catalogue order)."""
    out: dict[str, list[str]] = {"bknunu": [BELLE2]}
    for key, group in _families().items():
        out.setdefault(group, []).append(key)
    return out


def short_label(label: str) -> str:
    """A legend entry inside its family: without the process and "(beam dump)"/"(projection)",
    which the family title says, wrapped after about :data:`WRAP_CHARS` characters."""
    text = _IMPLIED.sub("", _PROCESS.sub("", label)).strip()
    for fam in FAMILIES:  # "Beam dumps, photon coupling" in the beam-dump family
        if text.lower().startswith(fam.title.lower() + ","):
            rest = text[len(fam.title) + 1 :].strip()
            text = rest[:1].upper() + rest[1:]
    return wrap(text or label, WRAP_CHARS)


def wrap(text: str, width: int) -> str:
    """``text`` broken into ``<br>``-separated lines of at most ``width`` characters (at spaces)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def grouped(trace: dict[str, Any], key: str, theme: str, *, index: int = 0, note: str = "") -> dict[str, Any]:
    """``trace`` in its family's legend group, titled, with a short entry ("talk" only).

    On the screen the trace is returned unchanged. ``index`` orders the curves inside the
    family; ``note`` is appended to the family title.
    """
    if theme != "talk":
        return trace
    fam = family_of(key)
    return {
        **trace,
        "name": short_label(str(trace.get("name", key))),
        "legendgroup": fam.group,
        "legendgrouptitle": {"text": f"<b>{fam.title}</b>{note}"},
        "legendrank": fam.rank + index,
    }


def flavour_legend(theme: str) -> dict[str, Any]:
    """Legend of the flavour plane: the screen's list right of the plot, or ("talk") the families
    side by side below the plot (plotly wraps them into rows on a narrow panel).

    Clicking an entry toggles that curve only (``groupclick``), as on the screen.
    """
    if theme != "talk":
        return {"x": 1.02, "y": 1.0, "xanchor": "left"}
    return {
        "orientation": "h",
        "traceorder": "grouped",
        "groupclick": "toggleitem",
        "x": 0.0,
        "xanchor": "left",
        "y": 0.0,
        "yref": "container",
        "yanchor": "bottom",
        "tracegroupgap": 12,
        "maxheight": 0.6,
        "bgcolor": "rgba(255,255,255,0)",
    }
