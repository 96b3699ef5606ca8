"""Real Redis and PostgreSQL servers for the scale-out tests, started on free loopback ports.

Both come from Debian (`bash deploy/install.sh --dev` installs `redis-server` and
`postgresql`). Each server lives in a temporary folder and is stopped when the test ends; a
machine without the binaries skips the tests that need them, saying which package is missing.
PostgreSQL refuses to run as root, so as root the cluster is made and run as `postgres`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout_s: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with code {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listened on port {port} within {timeout_s} s")


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server without persistence; yields its redis:// URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (bash deploy/install.sh --dev)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="tunesmith-redis-") as folder:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder, "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, 10, process)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb, if any."""
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster (fsync off); yields a postgresql+asyncpg:// URL."""
    binaries = postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (bash deploy/install.sh --dev)")
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="tunesmith-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    subprocess.run(_as_postgres([str(binaries / "initdb"), "-D", str(data), "-U", "tunesmith",
                                 "--auth=trust", "-E", "UTF8", "--no-sync"]),
                   check=True, capture_output=True)
    process = subprocess.Popen(
        _as_postgres([str(binaries / "postgres"), "-D", str(data), "-p", str(port),
                      "-h", "127.0.0.1", "-k", str(folder), "-c", "fsync=off",
                      "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                      "-c", "max_connections=200"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 30, process)
        _wait_ready(binaries, port, folder)
        subprocess.run(_as_postgres([str(binaries.parent / "bin" / "createdb"), "-h",
                                     "127.0.0.1", "-p", str(port), "-U", "tunesmith",
                                     "tunesmith"]), check=True, capture_output=True)
        yield f"postgresql+asyncpg://tunesmith@127.0.0.1:{port}/tunesmith"
    finally:
        process.terminate()
        process.wait(20)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(binaries: Path, port: int, folder: Path) -> None:
    ready = binaries / "pg_isready"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = subprocess.run([str(ready), "-h", "127.0.0.1", "-p", str(port)],
                              capture_output=True)
        if done.returncode == 0:
            return
        time.sleep(0.1)
    raise TimeoutError(f"PostgreSQL on port {port} did not become ready ({folder})")


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url
