"""The multi-process path end to end, with the real Composer in the workers:

    fake Discord → bot (queue runner) → Redis (taskiq stream) → two `tunesmith worker`
    processes → files back through Redis → PostgreSQL records → files delivered in Discord.

The workers run exactly what `tunesmith worker` runs: the Composer with the shipped model.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
import symusic
from pydub import AudioSegment
from redis.asyncio import Redis

import models
from bot.jobs.redis_queue import PREFIX
from bot.records.store import Store
from models.evaluation.machine import machine_line
from tests.bot_harness import fake_discord
from tests.fake_discord import ALICE, BOB, CAROL
from tests.scale_harness import Workers, queue_bot
from tests.servers import postgres_url, redis_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
WEIGHTS = Path(models.__file__).parent / "weights" / "melody.json"
PROMPTS = {ALICE: "calm piano in D minor", BOB: "happy celtic fiddle tune at 140 bpm",
           CAROL: "dark cinematic strings, slow"}


def test_compose_through_redis_two_workers_and_postgres(tmp_path, redis_url,  # noqa: F811
                                                        postgres_url):  # noqa: F811
    assert WEIGHTS.exists(), "the shipped melody checkpoint is missing"
    workers = Workers(redis_url, tmp_path / "workers", "generation.composer:Composer",
                      TUNESMITH_JOB_MEMORY="4096")

    async def scenario():
        redis = Redis.from_url(redis_url)
        names = [workers.start(), workers.start()]
        await workers.wait_alive(redis, names)
        async with fake_discord() as fake, queue_bot(fake, tmp_path, redis_url, postgres_url,
                                                     progress_interval_s=0.1):
            asked = [await fake.slash("compose", user, prompt=prompt, seed=7)
                     for user, prompt in PROMPTS.items()]
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 3, timeout=240)
            assert all(interaction.response is not None for interaction in asked)
            figures["answer_s"] = [round(i.responded_at - i.created, 2) for i in asked]
            for message in fake.with_files(".mp3"):
                files = fake.files[int(message["id"])]
                midi = next(v for k, v in files.items() if k.endswith(".mid"))
                mp3 = next(v for k, v in files.items() if k.endswith(".mp3"))
                assert symusic.Score.from_midi(midi).note_num() > 10
                assert len(AudioSegment.from_file(io.BytesIO(mp3), format="mp3")) > 5_000
                assert any(name.endswith(".png") for name in files)
            # The third request waited for a free worker and was told its place in line.
            shown = [text for interaction in asked
                     for text in fake.edits.get(interaction.original_id, [])]
            assert any("Queued" in text for text in shown), shown
            assert any("Composing" in text for text in shown), shown
        # Each job was finished by one of the two workers (which one, and whether one worker
        # took all three, is the scheduler's business), and PostgreSQL holds the jobs and pieces.
        finished_by = []
        async for key in redis.scan_iter(f"{PREFIX}:task:*"):
            task = await redis.hgetall(key)
            if task[b"state"] == b"done":
                finished_by.append(task[b"worker"].decode())
        assert len(finished_by) == 3 and set(finished_by) <= set(names), finished_by
        figures["jobs_per_worker"] = {name: finished_by.count(name) for name in names}
        store = await Store.open(postgres_url)
        try:
            for user, prompt in PROMPTS.items():
                [piece] = await store.history(user)
                assert piece.job.text == prompt and piece.message_id is not None
            assert await store.unfinished_jobs() == []
        finally:
            await store.close()
        await redis.aclose()

    figures = {"machine": machine_line()}
    try:
        asyncio.run(asyncio.wait_for(scenario(), 300))
    finally:
        workers.stop_all()
    print("end-to-end figures", figures)
