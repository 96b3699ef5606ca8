"""The radio with the real Composer in a real worker process, heard through the fake Discord's
voice server: pieces follow one another without a gap, and the chat steers the next one."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
import symusic

from bot.jobs.pool import WorkerPool
from generation import Settings
from tests.bot_harness import fake_discord, running_bot
from tests.fake_discord import ALICE, GUILD_ID
from tests.fake_discord_data import VOICE_ID
from tests.voice_harness import heard_mono, mp3_samples, quiet_runs_ms

pytestmark = [pytest.mark.slow, pytest.mark.workers, pytest.mark.model]

RATE = 48_000
FLUTE = 73  # General MIDI program (0-based) of the flute


def real_pool(tmp_path: Path) -> WorkerPool:
    return WorkerPool(Settings(out_dir=tmp_path / "out"), workers=1, job_timeout_s=120,
                      factory="generation.composer:Composer")


def inner_quiet_ms(mono: np.ndarray, rate: int) -> float:
    """The longest quiet run inside a sound (its leading and trailing quiet left out)."""
    level = np.abs(mono) > 10 ** (-50 / 20)
    if not level.any():
        return 0.0
    inside = mono[np.argmax(level): len(mono) - np.argmax(level[::-1])]
    return max(quiet_runs_ms(inside, rate), default=0.0)


def files_of(fake, piece) -> dict[str, bytes]:
    return fake.files[piece.message_id]


def test_radio_plays_pieces_back_to_back_and_a_reply_steers_the_next(tmp_path):
    async def scenario():
        async with fake_discord() as fake, running_bot(fake, real_pool(tmp_path),
                                                       tmp_path) as bot:
            await fake.join_voice(ALICE, VOICE_ID)
            started = await fake.slash("radio", prompt="calm piano ballad, 12 seconds")
            await fake.wait_for(lambda: bot.voice.rooms.get(GUILD_ID)
                                and bot.voice.rooms[GUILD_ID].radio, 30)
            radio = bot.voice.rooms[GUILD_ID].radio
            await fake.wait_for(lambda: radio.played, 120)
            first = radio.played[0]
            assert "Radio on" in (fake.content_of(started) or "")
            await fake.wait_for(lambda: fake.messages[first.message_id]["content"]
                                .startswith("📻 **Now playing** in 🔊 lounge"), 10)
            steer = await fake.say("faster and add a flute", ALICE,
                                   reply_to=first.message_id)
            await fake.wait_for(lambda: fake.replies_to(steer), 30)
            assert "Next on the radio" in fake.replies_to(steer)[0]["content"]
            await fake.wait_for(lambda: len(radio.played) >= 4, 240)
            played = list(radio.played[:4])
            await fake.slash("stop")
            await fake.wait_for(lambda: bot.voice.rooms[GUILD_ID].radio is None, 10)
            await asyncio.sleep(0.5)  # the last frames arrive
            # steered: a piece after the reply has the flute and a faster tempo, read back
            # from its MIDI and its .json
            steered = played[1]
            midi = symusic.Score.from_midi(next(v for k, v in files_of(fake, steered).items()
                                                if k.endswith(".mid")))
            assert FLUTE in {track.program for track in midi.tracks if not track.is_drum}
            spec = json.loads(steered.composition.json.read_text())["spec"]
            assert spec["tempo_bpm"] > first.composition.spec["tempo_bpm"]
            assert "flute" not in first.composition.spec["instruments"]
            # back to back: no quiet run longer than the pieces' own between the first sound
            # and the stop (three joins)
            heard = heard_mono(fake.heard())
            loud = np.flatnonzero(np.abs(heard) > 10 ** (-50 / 20))
            span = heard[loud[0]:loud[-1]]
            runs = quiet_runs_ms(span, RATE)
            own = max(inner_quiet_ms(*mp3_samples(
                next(v for k, v in files_of(fake, p).items() if k.endswith(".mp3"))))
                for p in played)
            print(f"heard {len(span) / RATE:.1f} s of radio, longest quiet run "
                  f"{max(runs, default=0)} ms (inside the pieces themselves: {own:.0f} ms), "
                  f"underruns {radio.stream.underruns} frames")
            assert max(runs, default=0) <= max(100.0, own)
            assert len(span) / RATE > sum(p.composition.duration_s for p in played[:3]) - 6
    asyncio.run(asyncio.wait_for(scenario(), 420))
