"""Leases: several bot processes share one database and each job is answered by one of them.

A bot that stops renewing its leases (it crashed, hung or lost its machine) has its jobs
adopted by another bot once the leases run out; a live bot's jobs are never taken.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.records import leases as leases_module
from bot.records.leases import Leases
from tests.bot_harness import FakeRunner, fake_discord, running_bot
from tests.servers import postgres_url  # noqa: F401  (fixture)

TTL_S = 0.3  # real seconds only for the renewal loop's pace (every 0.1 s); leases age by Clock


def run(coroutine, timeout_s: float = 60):
    return asyncio.run(asyncio.wait_for(coroutine, timeout_s))


class Clock:
    """The leases' clock (`bot.leases._now`), moved only by the test: a busy machine that
    stalls the loop cannot age a lease, and a lease runs out exactly when the test says."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


async def renewed(leases: Leases) -> None:
    """Until the renewal loop of `leases` has renewed once more (it runs every ttl / 3)."""
    done = asyncio.Event()
    renew = leases.renew

    async def counted() -> None:
        await renew()
        done.set()

    leases.renew = counted
    try:
        await asyncio.wait_for(done.wait(), 10)
    finally:
        leases.renew = renew


def test_a_job_is_leased_to_one_process_until_its_lease_runs_out(tmp_path, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(leases_module, "_now", clock)

    async def scenario():
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/leases.db")
        first = await Leases.open(engine, owner="first", ttl_s=TTL_S)
        second = await Leases.open(engine, owner="second", ttl_s=TTL_S)
        try:
            assert await first.acquire(1)
            assert not await second.acquire(1)  # alive elsewhere
            assert not await first.acquire(1)  # already answered here
            assert await second.free([1, 2]) == [2]
            for _ in range(3):  # three times 2/3 of the ttl: the renewals keep it alive
                clock.advance(TTL_S * 2 / 3)
                await renewed(first)
                assert not await second.acquire(1)
            await first.close()  # the first process stops renewing, as a crashed one would
            clock.advance(TTL_S * 2 / 3)
            assert await second.free([1]) == []  # not yet run out
            clock.advance(TTL_S * 2 / 3)
            assert await second.free([1]) == [1]
            assert await second.acquire(1)
            await first.release(1)  # a late release by the old owner changes nothing
            assert not await first.acquire(1)  # and a closed one takes nothing
            third = await Leases.open(engine, owner="third", ttl_s=TTL_S)
            assert not await third.acquire(1)
            await second.release(1)
            assert await third.acquire(1)
            await third.close()
        finally:
            await first.close()
            await second.close()
            await engine.dispose()
    run(scenario())


@pytest.mark.servers
def test_a_second_bot_adopts_the_jobs_of_one_that_stopped(tmp_path, postgres_url):  # noqa: F811
    async def scenario():
        stuck = FakeRunner()
        stuck.gate = asyncio.Event()  # never set: this bot hangs on its job
        async with fake_discord() as fake, running_bot(fake, stuck, tmp_path / "a",
                                                       database_url=postgres_url,
                                                       lease_s=1.0, stop_timeout_s=0.2) as hung:
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
