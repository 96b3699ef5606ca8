"""Worker budgets: a job past its wall clock or its memory cap is stopped in its child process,
the user gets a message saying which budget ran out, and the worker goes on with the next job."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from generation.job import Job
from models.core.errors import TunesmithError
from tests.scale_harness import Workers, queue_runner
from tests.servers import redis_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow


def test_wall_clock_and_memory_budgets_stop_a_job_not_the_worker(tmp_path, redis_url):  # noqa: F811
    workers = Workers(redis_url, tmp_path / "workers", "tests.scale_composers:BudgetComposer",
                      TUNESMITH_JOB_TIMEOUT="5", TUNESMITH_JOB_MEMORY="1024",
                      TUNESMITH_TEST_JOB_S="0.01")
    figures = {}

    async def scenario():
        redis = Redis.from_url(redis_url)
        name = workers.start()
        await workers.wait_alive(redis, [name])
        runner = queue_runner(redis_url)
        await runner.start()
        try:
            started = time.perf_counter()
            with pytest.raises(TunesmithError, match="longer than 5 s"):
                await runner.run(Job(text="endless", seed=1), tmp_path / "bot" / "job-1")
            figures["endless_stopped_after_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            with pytest.raises(TunesmithError, match="more than the 1024 MiB"):
                await runner.run(Job(text="hungry", seed=2), tmp_path / "bot" / "job-2")
            figures["hungry_refused_after_s"] = round(time.perf_counter() - started, 2)
            piece = await runner.run(Job(text="fine", seed=3), tmp_path / "bot" / "job-3")
            assert piece.midi.exists() and piece.mp3.stat().st_size > 0
            upload = tmp_path / "upload.mid"  # /continue: the upload travels inside the job
            upload.write_bytes(piece.midi.read_bytes())
            continued = await runner.run(Job(action="continue", seed=4, midi_path=str(upload)),
                                         tmp_path / "bot" / "job-4")
            assert f"upload {upload.stat().st_size} B" in continued.notes
            assert name in workers.processes and workers.processes[name].poll() is None
        finally:
            await runner.close()
            await redis.aclose()

    try:
        asyncio.run(asyncio.wait_for(scenario(), 120))
    finally:
        workers.stop_all()
    print("budget figures", figures)  # how soon each was stopped, on this machine
