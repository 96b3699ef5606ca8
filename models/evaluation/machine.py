"""What machine a figure was measured on: every benchmark and report prints this beside its
numbers, because the machines this project runs on differ by 3–4× from one day to the next.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from functools import cache


@cache
def cpu_model() -> str:
    """The CPU's model name as `lscpu` shows it ("AMD EPYC", "Intel(R) Xeon(R) CPU @ 2.00GHz")."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def cores() -> int:
    """CPUs this process may run on (the affinity mask, which containers narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine() -> dict[str, str | int]:
    """{"cpu", "cores", "date"}: the fields every benchmark prints beside its figures."""
    return {"cpu": cpu_model(), "cores": cores(),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def machine_line() -> str:
    """One line for a report's header: "AMD EPYC, 2 cores, 2026-11-30 21:40 UTC"."""
    about = machine()
    return f"{about['cpu']}, {about['cores']} cores, {about['date']}"
