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


class RedisServer:
    """redis-server on a free loopback port in a folder of its own; `kill` and `start` again
    bring it back on the same port (from its append-only file, when `appendonly`)."""

    def __init__(self, folder: Path, *, appendonly: bool = False):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (bash deploy/install.sh --dev)")
        self.command = [binary, "--port", str(free_port()), "--bind", "127.0.0.1", "--save", "",
                        "--dir", str(folder), "--loglevel", "warning"]
        # As deploy/compose.yaml runs it: an append-only file written every second.
        self.command += (["--appendonly", "yes", "--appendfsync", "everysec"] if appendonly
                         else ["--appendonly", "no"])
        self.port = int(self.command[2])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_for_port(self.port, 10, self.process)

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would stop it."""
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@contextlib.contextmanager
def redis_server(*, appendonly: bool = False) -> Iterator[RedisServer]:
    """A throwaway redis-server, stopped when the block ends."""
    with tempfile.TemporaryDirectory(prefix="tunesmith-redis-") as folder:
        server = RedisServer(Path(folder), appendonly=appendonly)
        try:
            server.start()
            yield server
        finally:
            server.stop()


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


class PostgresServer:
    """A throwaway PostgreSQL cluster (fsync off) on a free loopback port; `restart` stops it
    the way `pg_ctl restart -m fast` does (clients are disconnected) and starts it again."""

    def __init__(self, folder: Path):
        self.binaries = postgres_bin()
        if self.binaries is None:
            pytest.skip("PostgreSQL is not installed (bash deploy/install.sh --dev)")
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgresql+asyncpg://tunesmith@127.0.0.1:{self.port}/tunesmith"
        self.process: subprocess.Popen | None = None
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        subprocess.run(_as_postgres([str(self.binaries / "initdb"), "-D", str(self.data), "-U",
                                     "tunesmith", "--auth=trust", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True)

    def start(self) -> None:
        self.process = subprocess.Popen(
            _as_postgres([str(self.binaries / "postgres"), "-D", str(self.data), "-p",
                          str(self.port), "-h", "127.0.0.1", "-k", str(self.folder),
                          "-c", "fsync=off", "-c", "synchronous_commit=off",
                          "-c", "full_page_writes=off", "-c", "max_connections=200"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, 30, self.process)
        _wait_ready(self.binaries, self.port, self.folder)

    def create_database(self) -> None:
        subprocess.run(_as_postgres([str(self.binaries / "createdb"), "-h", "127.0.0.1", "-p",
                                     str(self.port), "-U", "tunesmith", "tunesmith"]),
                       check=True, capture_output=True)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            subprocess.run(_as_postgres([str(self.binaries / "pg_ctl"), "-D", str(self.data),
                                         "stop", "-m", "fast", "-w"]), capture_output=True)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster with a `tunesmith` database, removed when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix="tunesmith-pg-"))
    try:
        server = PostgresServer(folder)
        try:
            server.start()
            server.create_database()
            yield server
        finally:
            server.stop()
    finally:
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
    with redis_server() as server:
        yield server.url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_server() as server:
        yield server.url
