"""Leases: several bot processes share one database and each job is answered by one of them.

A bot that stops renewing its leases (it crashed, hung or lost its machine) has its jobs
adopted by another bot once the leases run out; a live bot's jobs are never taken.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import create_async_engine

from bot.records.leases import Leases
from tests.bot_harness import FakeRunner, fake_discord, running_bot
from tests.servers import postgres_url  # noqa: F401  (fixture)


def run(coroutine, timeout_s: float = 60):
    return asyncio.run(asyncio.wait_for(coroutine, timeout_s))


def test_a_job_is_leased_to_one_process_until_its_lease_runs_out(tmp_path):
    async def scenario():
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/leases.db")
        first = await Leases.open(engine, owner="first", ttl_s=0.4)
        second = await Leases.open(engine, owner="second", ttl_s=0.4)
        try:
            assert await first.acquire(1)
            assert not await second.acquire(1)  # alive elsewhere
            assert not await first.acquire(1)  # already answered here
            assert await second.free([1, 2]) == [2]
            await asyncio.sleep(0.6)  # the renewal keeps the first lease alive
            assert not await second.acquire(1)
            await first.close()  # the first process stops renewing, as a crashed one would
            await asyncio.sleep(0.6)
            assert await second.free([1]) == [1]
            assert await second.acquire(1)
            await first.release(1)  # a late release by the old owner changes nothing
            assert not await first.acquire(1)  # and a closed one takes nothing
            third = await Leases.open(engine, owner="third", ttl_s=0.4)
            assert not await third.acquire(1)
            await second.release(1)
            assert await third.acquire(1)
            await third.close()
        finally:
            await first.close()
            await second.close()
            await engine.dispose()
    run(scenario())


def test_a_second_bot_adopts_the_jobs_of_one_that_stopped(tmp_path, postgres_url):  # noqa: F811
    async def scenario():
        stuck = FakeRunner()
        stuck.gate = asyncio.Event()  # never set: this bot hangs on its job
        async with fake_discord() as fake, running_bot(fake, stuck, tmp_path / "a",
                                                       database_url=postgres_url,
                                                       lease_s=1.0) as hung:
            await fake.slash("compose", prompt="adopted tune", seed=4)
            await fake.wait_for(lambda: stuck.jobs)
            helper = FakeRunner()
            async with running_bot(fake, helper, tmp_path / "b", database_url=postgres_url,
                                   lease_s=1.0, sync_commands=False):
                await asyncio.sleep(0.5)
                assert helper.jobs == []  # the first bot's lease is alive: not taken
                await hung.flow.leases.close()  # it stops renewing, as if it had crashed
                await fake.wait_for(lambda: fake.with_files(".mp3"), timeout=10)
                await asyncio.sleep(0.5)
            assert len(fake.with_files(".mp3")) == 1
            assert [job.text for job in helper.jobs] == ["adopted tune"]
    run(scenario())
