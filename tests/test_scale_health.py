"""`python -m bot.health bot|worker`, the check containers and service managers run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from redis import Redis

from bot.jobs.redis_queue import worker_key
from tests.servers import free_port, redis_url  # noqa: F401  (fixture)


def health(what: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.health", what], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=60)


def test_worker_health_follows_its_heartbeat(redis_url):  # noqa: F811
    assert health("worker", REDIS_URL=redis_url).returncode == 1
    Redis.from_url(redis_url).set(worker_key(f"{socket.gethostname()}-42"), 42, px=5000)
    assert health("worker", REDIS_URL=redis_url).returncode == 0


def test_bot_health_names_the_dependency_that_is_down(tmp_path, redis_url):  # noqa: F811
    database = f"sqlite+aiosqlite:///{tmp_path}/bot.db"
    assert health("bot", DATABASE_URL=database, REDIS_URL=redis_url).returncode == 0
    down = health("bot", DATABASE_URL=database, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert down.returncode == 1 and "redis" in down.stderr and "database" not in down.stderr
