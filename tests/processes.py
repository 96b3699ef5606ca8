"""Which processes a test started, and proof that none of them outlives it.

Every process a test starts carries a marker in its environment (children inherit it), so even
a child reparented to init after its parent was SIGKILLed is found: `leftovers(marker)` lists
them, and `assert_none_left` waits a few seconds for them to exit before failing.
"""

from __future__ import annotations

import time
import uuid

import psutil


def new_marker() -> dict[str, str]:
    """An environment entry to give every process of one test run."""
    return {"TUNESMITH_TEST_RUN": uuid.uuid4().hex}


def leftovers(marker: dict[str, str]) -> list[psutil.Process]:
    """Live processes (zombies aside) whose environment carries `marker`."""
    (name, value), = marker.items()
    found = []
    for process in psutil.process_iter(["pid"]):
        try:
            if (process.status() != psutil.STATUS_ZOMBIE
                    and process.environ().get(name) == value):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def describe(processes: list[psutil.Process]) -> list[str]:
    lines = []
    for process in processes:
        try:
            lines.append(f"{process.pid} (parent {process.ppid()}): "
                         f"{' '.join(process.cmdline())[:160]}")
        except psutil.NoSuchProcess:
            continue
    return lines


def assert_none_left(marker: dict[str, str], within_s: float = 10.0) -> float:
    """Wait until no process with `marker` is alive; returns how long that took."""
    started = time.monotonic()
    while True:
        left = leftovers(marker)
        if not left:
            return time.monotonic() - started
        if time.monotonic() - started > within_s:
            raise AssertionError("processes outlived the test: " + "; ".join(describe(left)))
        time.sleep(0.1)


def kill_all(marker: dict[str, str]) -> None:
    """SIGKILL whatever is left (used in `finally`, so a failing test leaves nothing)."""
    for process in leftovers(marker):
        try:
            process.kill()
        except psutil.NoSuchProcess:
            continue
