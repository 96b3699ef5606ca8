"""Running the real bot against the fake Discord, and a small in-process runner.

`FakeRunner` stands where the bot meets the generation layer: it writes a real (tiny) MIDI,
MP3 and PNG whose notes depend on the seed, reports progress, and can be held back or made to
fail, so the Discord-side scenarios (queue caps, restarts, expired tokens) stay fast and exact.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import struct
import zlib
from dataclasses import replace
from pathlib import Path

from bot.app import TunesmithBot
from bot.settings import BotSettings
from generation.job import Composition, Job
from models.errors import TunesmithError
from tests.fake_discord import GUILD_ID, FakeDiscord

TOKEN = "fake-token.NOT-A-REAL-SECRET-1234567890"


def tiny_png(path: Path, width: int = 4, height: int = 2) -> None:
    """A valid greyscale PNG, written by hand (no plotting library in the fake)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + bytes(range(width)) for _ in range(height))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                                                       8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def write_piece(job: Job, out_dir: Path, seed: int, tempo: int) -> Composition:
    import symusic
    from pydub.generators import Sine

    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"piece-{seed}"
    rng = random.Random(seed)
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, qpm=float(tempo)))
    track = symusic.Track(name="lead", program=0, is_drum=False)
    for index in range(8):
        track.notes.append(symusic.Note(index * 480, 480, rng.randint(55, 79), 90))
    score.tracks.append(track)
    midi = out_dir / f"{name}.mid"
    midi.write_bytes(score.dumps_midi())
    mp3 = out_dir / f"{name}.mp3"
    Sine(220 + seed % 440).to_audio_segment(duration=500).export(
        mp3, format="mp3", bitrate="64k").close()
    png = out_dir / f"{name}.png"
    tiny_png(png)
    spec = {"key": job.key or "D minor", "tempo_bpm": tempo, "meter": "4/4",
            "style": "classical", "instruments": [job.instrument or "piano"], "bars": 2,
            "duration_s": 4.0}
    meta = out_dir / f"{name}.json"
    meta.write_text("{}")
    return Composition(name=name, midi=midi, mp3=mp3, png=png, json=meta, seed=seed,
                       model_version="fake-1", spec=spec, request={"text": job.text},
                       notes=("mood guessed: calm",), duration_s=4.0)


class FakeRunner:
    """Runs jobs in a thread; `gate` (when set) holds every job until it is released."""

    def __init__(self, *, delay_s: float = 0.0, fail: TunesmithError | None = None):
        self.delay_s = delay_s
        self.fail = fail
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
        return await asyncio.to_thread(write_piece, job, out_dir, seed, tempo)


def bot_settings(tmp_path: Path, **overrides) -> BotSettings:
    settings = BotSettings(token=TOKEN, database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
                           dev_guild=GUILD_ID, sync_commands=True, cooldown_s=0.0,
                           progress_interval_s=0.05)
    return replace(settings, **overrides)


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord, runner, tmp_path: Path, **overrides):
    """The real client, logged in and connected to `fake`, until the block ends."""
    bot = TunesmithBot(bot_settings(tmp_path, **overrides), runner, out_dir=tmp_path / "out",
                       guild_ready_timeout=0.1)
    await bot.login(TOKEN)
    task = asyncio.create_task(bot.connect(reconnect=False))
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
