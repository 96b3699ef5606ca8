"""Running the real bot against the fake Discord, and a small in-process runner.

`FakeRunner` stands where the bot meets the generation layer: it writes a real (tiny) MIDI,
MP3 and PNG whose notes depend on the seed, reports progress, and can be held back or made to
fail, so the Discord-side scenarios (queue caps, restarts, expired tokens) stay fast and exact.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import replace
from pathlib import Path

from bot.handlers.app import TunesmithBot
from bot.settings import BotSettings
from generation.job import Composition, Job
from models.core.errors import TunesmithError
from tests.fake_discord import GUILD_ID, FakeDiscord
from tests.worker_composers import write_piece

TOKEN = "fake-token.NOT-A-REAL-SECRET-1234567890"


class FakeRunner:
    """Runs jobs in a thread; `gate` (when set) holds every job until it is released."""

    def __init__(self, *, delay_s: float = 0.0, fail: TunesmithError | None = None,
                 mp3_ms: int = 500, bitrate: str = "64k"):
        self.delay_s = delay_s
        self.fail = fail
        self.audio = {"mp3_ms": mp3_ms, "bitrate": bitrate}
        self.jobs: list[Job] = []
        self.gate: asyncio.Event | None = None

    async def run(self, job: Job, out_dir: Path, progress=None) -> Composition:
        self.jobs.append(job)
        if progress:
            progress("planning", 0.25)
        if self.gate is not None:
            await self.gate.wait()
        await asyncio.sleep(self.delay_s)
        if self.fail is not None:
            raise self.fail
        if progress:
            progress("rendering", 0.9)
        seed = job.seed if job.seed is not None else random.randrange(2**31)
        tempo = job.tempo_bpm or 90
        if job.action in ("faster", "slower") and job.base:
            tempo = int(job.base["tempo_bpm"] * (1.25 if job.action == "faster" else 0.8))
        piece = await asyncio.to_thread(write_piece, job, out_dir, seed, tempo, **self.audio)
        # the fields a question about the piece reads that the tiny piece's spec lacks
        return replace(piece, spec={"mood": "calm", "valence": 0.2, "arousal": -0.4,
                                    **piece.spec})


def bot_settings(tmp_path: Path, **overrides) -> BotSettings:
    settings = BotSettings(token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
                           dev_guild=GUILD_ID, sync_commands=True, cooldown_s=0.0,
                           progress_interval_s=0.05)
    return replace(settings, **overrides)


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord, runner, tmp_path: Path, *, reconnect: bool = False,
                      **overrides):
    """The real client, logged in and connected to `fake`, until the block ends (`reconnect`:
    it resumes a gateway connection the fake drops)."""
    bot = TunesmithBot(bot_settings(tmp_path, **overrides), runner, out_dir=tmp_path / "out",
                       guild_ready_timeout=0.1)
    await bot.login(TOKEN)
    task = asyncio.create_task(bot.connect(reconnect=reconnect))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)


@contextlib.asynccontextmanager
async def fake_discord(**options):
    fake = FakeDiscord(bot_token=TOKEN, **options)
    await fake.start()
    fake.patch()
    try:
        yield fake
    finally:
        await fake.close()


class LagProbe:
    """Samples how late the event loop wakes a 10 ms sleep; p99 in seconds."""

    def __init__(self, interval_s: float = 0.01):
        self.interval_s = interval_s
        self.samples: list[float] = []
        self.task: asyncio.Task | None = None
        self._since = 0.0  # when the sleep in flight began

    async def _run(self) -> None:
        while True:
            self._since = time.perf_counter()
            await asyncio.sleep(self.interval_s)
            self.samples.append(max(0.0, time.perf_counter() - self._since - self.interval_s))

    def start(self) -> None:
        self._since = time.perf_counter()
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        # the sleep in flight counts too: a loop blocked until now never finished one
        self.samples.append(max(0.0, time.perf_counter() - self._since - self.interval_s))
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    @property
    def worst(self) -> float:
        return max(self.samples, default=0.0)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0
