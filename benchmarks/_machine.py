"""What machine a benchmark ran on (CPU model, CPUs, load average, Python): printed with every result."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else what platform knows."""
    info = Path("/proc/cpuinfo")
    text = info.read_text(errors="replace") if info.is_file() else ""
    names = [line.partition(":")[2].strip() for line in text.splitlines() if line.startswith("model name")]
    return names[0] if names else platform.processor() or platform.machine() or "unknown CPU"


def machine() -> str:
    """CPU model, logical CPUs, 1/5/15-min load average now, Python version and OS."""
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (
        f"{cpu_model()}, {os.cpu_count()} logical CPUs (1/5/15-min load average {load}), "
        f"Python {platform.python_version()}, {platform.system()}"
    )
