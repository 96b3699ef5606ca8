"""/compose end to end: the fake Discord, the real client, the worker pool and the real Composer.

This is exactly what `tunesmith bot` runs, with the committed music model
(models/weights/melody.*, made by `tunesmith train model`).
"""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import pytest
import symusic
from pydub import AudioSegment

import models
from bot.jobs.pool import WorkerPool
from generation.settings import Settings
from models.evaluation.machine import machine_line
from tests.bot_harness import LagProbe, fake_discord, running_bot
from tests.fake_discord import BOB

pytestmark = [pytest.mark.slow, pytest.mark.workers, pytest.mark.model]
WEIGHTS = Path(models.__file__).parent / "weights" / "melody.json"


def test_compose_regenerate_and_continue_with_the_real_composer(tmp_path):
    assert WEIGHTS.exists(), "the music model is missing: run `tunesmith train model`"
    factory = "generation.composer:Composer"
    figures = {}

    async def scenario():
        pool = WorkerPool(Settings(out_dir=tmp_path / "out"), workers=1, job_timeout_s=120,
                          factory=factory)
        started = time.perf_counter()
        async with fake_discord() as fake, running_bot(fake, pool, tmp_path,
                                                       progress_interval_s=0.5):
            figures["startup_s"] = time.perf_counter() - started
            probe = LagProbe()
            probe.start()
            asked = time.perf_counter()
            interaction = await fake.slash("compose", prompt="calm piano in D minor", seed=3)
            await fake.wait_for(lambda: fake.with_files(".mp3"), timeout=120)
            figures["compose_to_files_s"] = time.perf_counter() - asked
            await probe.stop()
            figures["max_loop_lag_s"] = probe.worst
            assert interaction.response is not None  # deferred (how fast: figures["defer_s"])
            figures["defer_s"] = interaction.responded_at - interaction.created
            message = fake.with_files(".mp3")[0]
            files = fake.files[int(message["id"])]
            midi = next(v for k, v in files.items() if k.endswith(".mid"))
            mp3 = next(v for k, v in files.items() if k.endswith(".mp3"))
            assert symusic.Score.from_midi(midi).note_num() > 10
            assert len(AudioSegment.from_file(io.BytesIO(mp3), format="mp3")) > 5_000  # ms
            assert any(name.endswith(".png") for name in files)
            score = next(v for k, v in files.items() if k.endswith(".musicxml"))
            assert b'score-partwise version="4.0"' in score and b"<fifths>-1</fifths>" in score
            assert any(name.endswith(".score.png") for name in files)
            fields = {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}
            assert fields["Key"] == "D minor" and fields["Seed"] == "3"
            assert "MusicXML" in fields["Files"] and "lead sheet" in fields["Files"]

            await fake.wait_for(lambda: fake.reactions.get(int(message["id"])))
            asked = time.perf_counter()
            await fake.react(int(message["id"]), "🔁", BOB)
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 2, timeout=120)
            figures["regenerate_s"] = time.perf_counter() - asked
            again = fake.with_files(".mp3")[1]
            new_midi = next(v for k, v in fake.files[int(again["id"])].items()
                            if k.endswith(".mid"))
            assert new_midi != midi

            upload = (Path(__file__).resolve().parents[1] / "generation" / "data"
                      / "example.mid").read_bytes()
            asked = time.perf_counter()
            await fake.slash("continue", attachment=("example.mid", upload), prompt="as a waltz")
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 3, timeout=120)
            figures["continue_s"] = time.perf_counter() - asked
            continued = fake.with_files(".mp3")[2]
            fields = {f["name"]: f["value"] for f in continued["embeds"][0]["fields"]}
            assert fields["Meter"] == "3/4"
    asyncio.run(asyncio.wait_for(scenario(), 300))
    print("figures", machine_line(), factory, {k: round(v, 3) for k, v in figures.items()})
