"""The multi-process setup of the scale-out tests: `tunesmith worker` processes, the bot with
its queue runner (the event-loop lag probe lives in tests/bot_harness.py).

Workers are real `python -m bot.cli worker` processes against a real Redis; they are killed
with SIGKILL (no chance to clean up), exactly as a crashed machine would leave them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from bot.jobs.pool import kill_me_with_parent
from bot.jobs.redis_queue import worker_key
from bot.jobs.redis_runner import QueueRunner, QueueSettings
from tests.bot_harness import running_bot

ROOT = Path(__file__).resolve().parents[1]

# Workers and bots are started with `kill_me_with_parent` (from the test's main thread), so a
# pytest killed before its `finally` (a timeout, Ctrl-C) leaves none of them running.

# Short enough that a killed worker is noticed within a second or two.
FAST_QUEUE = dict(heartbeat_s=0.25, dead_after_s=1.0, claim_idle_s=4.0, attempts=6, poll_s=0.1)


class Workers:
    """`tunesmith worker` processes, started, killed and counted by name."""

    def __init__(self, redis_url: str, out_dir: Path, composer: str, **env: str):
        self.redis_url = redis_url
        self.out_dir = out_dir
        self.composer = composer
        self.env = env
        self.processes: dict[str, subprocess.Popen] = {}
        self.killed = 0
        self._count = 0
        self.logs = out_dir / "worker-logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def start(self) -> str:
        self._count += 1
        name = f"w{self._count}"
        queue = {"TUNESMITH_HEARTBEAT": str(FAST_QUEUE["heartbeat_s"]),
                 "TUNESMITH_DEAD_AFTER": str(FAST_QUEUE["dead_after_s"]),
                 "TUNESMITH_CLAIM_IDLE": str(FAST_QUEUE["claim_idle_s"])}
        env = {**os.environ, "REDIS_URL": self.redis_url, "TUNESMITH_OUT": str(self.out_dir),
               "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
               "OMP_NUM_THREADS": "1", **queue, **self.env}
        with (self.logs / f"{name}.log").open("wb") as log:  # the child keeps its own copy
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "worker", "--composer", self.composer,
                 "--name", name], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=kill_me_with_parent)
        return name

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        self.killed += 1

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    async def wait_alive(self, redis, names: list[str], timeout_s: float = 120) -> None:
        """Until every named worker is warm and beating (its heartbeat key exists)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for name in names:
                if self.processes[name].poll() is not None:
                    log = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"worker {name} exited:\n{log}")
            if all([await redis.exists(worker_key(name)) for name in names]):
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"workers {names} did not start within {timeout_s} s")

    def stop_all(self) -> None:
        for name, process in list(self.processes.items()):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            self.processes.pop(name)


def queue_runner(redis_url: str, **overrides) -> QueueRunner:
    return QueueRunner(replace(QueueSettings(redis_url=redis_url), **{**FAST_QUEUE,
                                                                      **overrides}))


@contextlib.asynccontextmanager
async def queue_bot(fake, tmp_path: Path, redis_url: str, database_url: str, **overrides):
    """The real client with the queue runner (as REDIS_URL makes `tunesmith bot` run it)."""
    runner = queue_runner(redis_url)
    async with running_bot(fake, runner, tmp_path, database_url=database_url,
                           **overrides) as bot:
        yield bot


class BotProcess:
    """`tunesmith bot` (tests/bot_process.py) in its own process against the fake Discord."""

    def __init__(self, fake, out_dir: Path, redis_url: str, database_url: str, **env: str):
        from tests.bot_harness import TOKEN
        from tests.fake_discord import GUILD_ID

        self.fake = fake
        self.env = {
            **os.environ, "PYTHONPATH": str(ROOT), "FAKE_DISCORD": fake.base,
            "DISCORD_TOKEN": TOKEN, "TUNESMITH_DEV_GUILD": str(GUILD_ID),
            "REDIS_URL": redis_url, "DATABASE_URL": database_url, "TUNESMITH_OUT": str(out_dir),
            "TUNESMITH_HEARTBEAT": str(FAST_QUEUE["heartbeat_s"]),
            "TUNESMITH_DEAD_AFTER": str(FAST_QUEUE["dead_after_s"]),
            "TUNESMITH_CLAIM_IDLE": str(FAST_QUEUE["claim_idle_s"]),
            "TUNESMITH_ATTEMPTS": str(FAST_QUEUE["attempts"]),
            "TUNESMITH_POLL": str(FAST_QUEUE["poll_s"]), **env}
        self.logs = out_dir / "bot-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None
        self.starts = 0

    async def start(self, *, sync: bool) -> None:
        """Start the bot and wait until it is connected (and its commands synced)."""
        self.starts += 1
        env = {**self.env, "TUNESMITH_SYNC_COMMANDS": "1" if sync else "0"}
        with (self.logs / f"bot{self.starts}.log").open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "tests.bot_process"],
                                            env=env, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT,
                                            preexec_fn=kill_me_with_parent)
        await self.fake.wait_for(lambda: self.fake.sockets and (self.fake.commands or not sync),
                                 timeout=60)

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a crash or a lost machine would leave it."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        deadline = time.monotonic() + 10
        while self.fake.sockets:  # the fake drops the socket once it sees it closed
            if time.monotonic() > deadline:
                raise TimeoutError("the fake Discord still holds the killed bot's socket")
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
