"""Soak: a worker's memory stays flat over 300 compositions.

One real `tunesmith worker` process runs `RenderComposer`: every job writes a seeded MIDI and
renders it through the real render stage (the process's one FluidSynth synthesizer, MP3
encoding, the piano roll) and the files travel back through Redis. The model is
left out to keep the test near a minute; the render stage is where per-job leaks were found
before (a synthesizer not deleted costs about 13 MB). Memory is the resident set of the worker
and of its composing child, after 50 warm-up jobs and at the end.
"""

from __future__ import annotations

import asyncio

import psutil
import pytest
from redis.asyncio import Redis

from generation.job import Job
from tests.scale_harness import Workers, queue_runner
from tests.servers import redis_url  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow, pytest.mark.servers, pytest.mark.workers]
JOBS = 300
WARM_UP = 50  # the allocator's and the synthesizers' caches fill during the first jobs
IN_FLIGHT = 4


def resident_mib(pid: int) -> dict[str, float]:
    worker = psutil.Process(pid)
    children = worker.children(recursive=True)
    child = max(children, key=lambda p: p.memory_info().rss) if children else None
    return {"worker": worker.memory_info().rss / 2**20,
            "child": child.memory_info().rss / 2**20 if child else 0.0}


def test_worker_memory_is_flat_over_300_compositions(tmp_path, redis_url):  # noqa: F811
    workers = Workers(redis_url, tmp_path / "workers", "tests.scale_composers:RenderComposer",
                      TUNESMITH_JOB_MEMORY="2048")
    samples: dict[int, dict[str, float]] = {}

    async def scenario():
        redis = Redis.from_url(redis_url)
        name = workers.start()
        await workers.wait_alive(redis, [name])
        runner = queue_runner(redis_url)
        await runner.start()
        slots = asyncio.Semaphore(IN_FLIGHT)
        finished = 0

        async def one(index: int) -> None:
            nonlocal finished
            async with slots:
                piece = await runner.run(Job(text=f"soak {index}", seed=index),
                                         tmp_path / "bot" / f"job-{index}")
            assert piece.mp3.stat().st_size > 1000
            for path in (piece.midi, piece.mp3, piece.png, piece.json):
                path.unlink()
            finished += 1
            if finished == WARM_UP or finished % 50 == 0:
                samples[finished] = resident_mib(workers.pid(name))

        try:
            await asyncio.gather(*(one(index) for index in range(JOBS)))
        finally:
            await runner.close()
            await redis.aclose()

    try:
        asyncio.run(asyncio.wait_for(scenario(), 240))
    finally:
        workers.stop_all()
    growth = {part: samples[JOBS][part] / samples[WARM_UP][part] - 1
              for part in ("worker", "child")}
    print("soak figures", {n: {k: round(v, 1) for k, v in s.items()} for n, s in samples.items()},
          {k: f"{100 * v:+.1f}%" for k, v in growth.items()})
    assert all(value <= 0.10 for value in growth.values()), (samples, growth)
