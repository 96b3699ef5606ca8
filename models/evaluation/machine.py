"""What machine a figure was measured on: every benchmark and report prints this beside its
numbers, because the machines this project runs on differ by 3–4× from one day to the next.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from functools import cache


@cache
def _first_cpu() -> dict[str, str]:
    """The fields /proc/cpuinfo gives its first CPU ("model name", "cpu family", "flags"...);
    empty where there is none (not Linux)."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if not line.strip():
                    break  # the first CPU tells it all
                name, _, value = line.partition(":")
                fields[name.strip()] = value.strip()
    except OSError:
        pass
    return fields


def cpu_model() -> str:
    """The CPU's model name as `lscpu` shows it ("AMD EPYC", "Intel(R) Xeon(R) CPU @ 2.00GHz")."""
    return (_first_cpu().get("model name") or platform.processor() or platform.machine()
            or "unknown CPU")


def cpu_identity() -> dict[str, str | bool]:
    """What tells CPUs with one model name apart (`lscpu`'s "CPU family" and "Model", and the
    AVX-512 the matrix kernels use): "AMD EPYC" was a Zen 1 at 1× and an AVX-512 Zen 4 at
    3× on two days of this project."""
    fields = _first_cpu()
    return {"family": fields.get("cpu family", "?"), "model": fields.get("model", "?"),
            "avx512": "avx512f" in fields.get("flags", "").split()}


def cores() -> int:
    """CPUs this process may run on (the affinity mask, which containers narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine() -> dict[str, str | int | bool]:
    """{"cpu", "family", "model", "avx512", "cores", "date"}: the fields every benchmark
    prints beside its figures."""
    return {"cpu": cpu_model(), **cpu_identity(), "cores": cores(),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def machine_line() -> str:
    """One line for a report's header: "AMD EPYC (family 25 model 1, no AVX-512), 2 cores,
    2026-11-30 21:40 UTC"."""
    about = machine()
    avx = "AVX-512" if about["avx512"] else "no AVX-512"
    return (f"{about['cpu']} (family {about['family']} model {about['model']}, {avx}), "
            f"{about['cores']} cores, {about['date']}")
