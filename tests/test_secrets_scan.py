"""Secrets never leave the process: the bot, a worker and the health checks run with known
secrets in every variable (the token, the PostgreSQL and Redis passwords, real ones that the
servers check), at DEBUG, on the happy path and on errors, and everything they print, every
JSON body they send to Discord, every message they post, every request line with its query
string, every header (but Authorization, which is where the token belongs), every attachment's
bytes and every gateway frame (IDENTIFY's token field blanked) is searched for each secret.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.bot_harness import fake_discord
from tests.fake_discord import GUILD_ID
from tests.processes import assert_none_left, kill_all, new_marker
from tests.servers import RedisServer, _as_postgres, postgres_server

pytestmark = [pytest.mark.slow, pytest.mark.servers, pytest.mark.workers]
ROOT = Path(__file__).resolve().parents[1]
TOKEN = "fake-token.NOT-A-REAL-SECRET-1234567890"  # what the fake Discord accepts
PG_PASSWORD = "pg-Secret/4590"  # a "/" is percent-encoded in the URL: both forms must vanish
REDIS_PASSWORD = "redis-Secret-7731"
WRONG = "wrong-Secret-2208"
SECRETS = (TOKEN, PG_PASSWORD, "pg-Secret%2F4590", REDIS_PASSWORD, WRONG)
QUICK = "tests.worker_composers:QuickComposer"

# `tunesmith -v bot` with discord.py pointed at FAKE_DISCORD (as tests/bot_process.py does).
BOT = """
import os, sys
import discord, yarl
base = os.environ["FAKE_DISCORD"]
discord.http.Route.BASE = base + "/api/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
    base.replace("http://", "ws://") + "/gateway")
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


class Servers:
    """PostgreSQL that checks a password (scram) and Redis with `requirepass`, on loopback."""

    def __init__(self, postgres, redis: RedisServer):
        self.postgres, self.redis = postgres, redis

    def database_url(self, password: str = PG_PASSWORD) -> str:
        return (f"postgresql+asyncpg://tunesmith:{password.replace('/', '%2F')}@127.0.0.1:"
                f"{self.postgres.port}/tunesmith")

    def redis_url(self, password: str = REDIS_PASSWORD) -> str:
        return f"redis://:{password}@127.0.0.1:{self.redis.port}/0"


@pytest.fixture(scope="module")
def servers():
    with postgres_server() as postgres, tempfile.TemporaryDirectory() as folder:
        binaries = postgres.binaries
        subprocess.run(_as_postgres([str(binaries / "psql"), "-h", str(postgres.folder), "-p",
                                     str(postgres.port), "-U", "tunesmith", "-d", "tunesmith",
                                     "-q", "-c", f"ALTER USER tunesmith PASSWORD "
                                     f"'{PG_PASSWORD}'"]), check=True, capture_output=True)
        # Passwords from now on over TCP; the harness's own socket stays trusted.
        (postgres.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
        subprocess.run(_as_postgres([str(binaries / "pg_ctl"), "-D", str(postgres.data),
                                     "reload"]), check=True, capture_output=True)
        redis = RedisServer(Path(folder))
        redis.command += ["--requirepass", REDIS_PASSWORD]
        redis.start()
        try:
            yield Servers(postgres, redis)
        finally:
            redis.stop()


def start(command: list[str], log: Path, marker: dict[str, str], **env: str) -> subprocess.Popen:
    environment = {**os.environ, **marker, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": TOKEN,
                   "TUNESMITH_COMPOSER": QUICK, "TUNESMITH_OUT": str(log.parent / "out"),
                   "TUNESMITH_HEARTBEAT": "0.25", "TUNESMITH_DEAD_AFTER": "1", **env}
    with log.open("w") as file:
        return subprocess.Popen([sys.executable, *command], env=environment, cwd=log.parent,
                                stdout=file, stderr=subprocess.STDOUT)


def health(what: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": TOKEN, **env}
    return subprocess.run([sys.executable, "-m", "bot.health", what], env=environment,
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def stopped(process: subprocess.Popen, timeout_s: float = 30) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
        raise


def test_no_secret_leaves_the_bot_the_worker_or_the_health_checks(servers, tmp_path):
    marker = new_marker()
    secrets = {"DATABASE_URL": servers.database_url(), "REDIS_URL": servers.redis_url()}
    printed: list[str] = []
    sent: dict[str, str] = {}  # what reached the fake Discord, by the way it went

    async def scenario() -> None:
        async with fake_discord() as fake:
            worker = start(["-m", "bot.cli", "-v", "worker", "--name", "scan-worker"],
                           tmp_path / "worker.log", marker, **secrets)
            bot = start(["-c", BOT, "-v", "bot"], tmp_path / "bot.log", marker, **secrets,
                        FAKE_DISCORD=fake.base, TUNESMITH_DEV_GUILD=str(GUILD_ID),
                        TUNESMITH_SYNC_COMMANDS="1", TUNESMITH_COOLDOWN="0")
            try:
                await fake.wait_for(lambda: fake.sockets and fake.commands, timeout=120)
                await fake.slash("compose", prompt="calm piano in D minor", seed=7)
                await fake.wait_for(lambda: fake.with_files(".mid"), timeout=120)
                await fake.slash("compose", prompt="bad")  # the user is told why it failed
                await fake.wait_for(lambda: "240 bpm" in json.dumps(fake.requests[-12:]),
                                    timeout=60)
                for what in ("bot", "worker"):
                    answer = await asyncio.to_thread(health, what, **secrets,
                                                     TUNESMITH_WORKER_NAME="scan-worker")
                    assert answer.returncode == 0, answer.stderr
                    printed.append(answer.stdout + answer.stderr)
            finally:
                codes = [await asyncio.to_thread(stopped, process) for process in (bot, worker)]
            assert codes == [0, 0]
            sent.update({"bodies": json.dumps(fake.requests),  # every JSON body sent
                         "messages": json.dumps(fake.messages, default=str),
                         **{kind: "\n".join(texts) for kind, texts in fake.wire.items()}})

    logs = run_and_read(scenario, marker, tmp_path)
    assert "DEBUG" in logs[0] and "logging in using static token" in logs[0]
    assert "worker scan-worker warm" in logs[1]
    # each way out was used (so its scan means something) and carries no secret
    assert "GET /api/v10/users/@me" in sent["header"] and "User-Agent: " in sent["header"]
    assert '"op": 2' in sent["gateway"] and "MThd" in sent["file"]  # IDENTIFY; a MIDI file
    sources = {"bot log": logs[0], "worker log": logs[1], "health": "\n".join(printed), **sent}
    assert {name: leaked(text) for name, text in sources.items() if leaked(text)} == {}


def run_and_read(scenario, marker: str, folder) -> list[str]:
    """Run `scenario`, check that none of its processes is left, and read the bot's and the
    worker's logs."""
    try:
        asyncio.run(scenario())
        assert_none_left(marker)
    finally:
        kill_all(marker)
    return [(folder / name).read_text() for name in ("bot.log", "worker.log")]


def test_no_secret_leaves_on_errors(servers, tmp_path):
    marker = new_marker()
    wrong_database = servers.database_url(WRONG)
    right_redis = servers.redis_url()
    outputs: list[str] = []

    async def scenario() -> None:
        async with fake_discord() as fake:
            # The database refuses the password at startup: a traceback, and exit 1.
            bot = start(["-c", BOT, "-v", "bot"], tmp_path / "bot.log", marker,
                        DATABASE_URL=wrong_database, REDIS_URL=right_redis,
                        FAKE_DISCORD=fake.base)
            # Redis refuses the worker's password: a clear message and exit 2, without retrying.
            worker = start(["-m", "bot.cli", "-v", "worker"], tmp_path / "worker.log", marker,
                           REDIS_URL=servers.redis_url(WRONG), DATABASE_URL=wrong_database)
            try:
                deadline = time.monotonic() + 120
                while (bot.poll() is None or worker.poll() is None) \
                        and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
            finally:
                codes = [await asyncio.to_thread(stopped, process) for process in (bot, worker)]
            assert codes == [1, 2]  # an unexpected failure; a setting to fix

    logs = run_and_read(scenario, marker, tmp_path)
    assert "InvalidPasswordError" in logs[0] and "Traceback" in logs[0]
    assert "Redis refused the password in REDIS_URL" in logs[1]  # at once, not retried
    for env in ({"DATABASE_URL": wrong_database, "REDIS_URL": right_redis},
                {"DATABASE_URL": servers.database_url(), "REDIS_URL": servers.redis_url(WRONG)},
                {"REDIS_URL": servers.redis_url(WRONG)}):
        answer = health("bot" if "DATABASE_URL" in env else "worker", **env)
        assert answer.returncode == 1
        outputs.append(answer.stdout + answer.stderr)
    assert "database: InvalidPasswordError" in outputs[0]
    assert "redis: AuthenticationError" in outputs[1] and "redis:" in outputs[2]
    assert leaked("\n".join(logs + outputs)) == []
