"""Chaos: 200 /compose requests while workers are SIGKILLed mid-job and the bot is SIGKILLed
once and started again.

Every request must end in exactly one visible piece: none lost, none posted twice. The bot is
`tunesmith bot` in its own process, the workers are real `tunesmith worker` processes on a
real Redis, and the records are in a real PostgreSQL; the composer is `FastComposer` (real
small MIDI/MP3/PNG files and 0.15 s of busy time per job instead of the model), so that 200
jobs fit in a CI run. The killed bot leaves its job leases behind; the new one adopts those
jobs once the leases (2 s here) run out.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

import pytest
from redis.asyncio import Redis

from bot.broker import PREFIX
from tests.bot_harness import fake_discord
from tests.fake_discord import ALICE, BOB, CAROL
from tests.scale_harness import BotProcess, Workers
from tests.servers import postgres_url, redis_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
JOBS = 200
RESTART_AT = 100  # the bot is killed after this many requests
SETTINGS = {"TUNESMITH_QUEUE_PER_USER": "1000", "TUNESMITH_QUEUE_PER_GUILD": "1000",
            "TUNESMITH_QUEUE_TOTAL": "1000", "TUNESMITH_COOLDOWN": "0",
            "TUNESMITH_PROGRESS_INTERVAL": "0.5", "TUNESMITH_LEASE": "2"}


def title(index: int) -> str:
    return f"chaos tune {index}"


async def running_workers(redis) -> dict[str, int]:
    """Worker name → how many jobs the registry says it is running now."""
    busy: dict[str, int] = {}
    async for key in redis.scan_iter(f"{PREFIX}:task:*", count=500):
        task = await redis.hgetall(key)
        if task.get(b"state") == b"running":
            name = task[b"worker"].decode()
            busy[name] = busy.get(name, 0) + 1
    return busy


async def chaos_monkey(redis, workers: Workers, stop: asyncio.Event, rng: random.Random) -> None:
    """Every 0.7–1.8 s, SIGKILL a worker that is in the middle of a job; start a new one."""
    while not stop.is_set():
        await asyncio.sleep(rng.uniform(0.7, 1.8))
        busy = [name for name in await running_workers(redis) if name in workers.processes]
        if busy:
            workers.kill(rng.choice(sorted(busy)))
            workers.start()


def visible_pieces(fake) -> dict[str, int]:
    """Title → number of live messages carrying its MP3."""
    counts: dict[str, int] = {}
    for message in fake.with_files(".mp3"):
        first_line = message["content"].splitlines()[0]
        name = first_line.removeprefix("🎵 **").removesuffix("**")
        counts[name] = counts.get(name, 0) + 1
    return counts


def failures(fake) -> list[str]:
    return [m["content"] for mid, m in fake.messages.items()
            if mid not in fake.deleted and "⚠️" in m["content"]]


def test_no_job_lost_or_duplicated_while_workers_and_the_bot_are_killed(
        tmp_path, redis_url, postgres_url):  # noqa: F811
    workers = Workers(redis_url, tmp_path / "workers", "tests.scale_composers:FastComposer",
                      TUNESMITH_TEST_JOB_S="0.15", TUNESMITH_JOB_MEMORY="1024")
    rng = random.Random(7)
    figures = {}

    async def ask(fake, indexes) -> None:
        asked = []
        for index in indexes:
            asked.append(await fake.slash("compose", (ALICE, BOB, CAROL)[index % 3],
                                          prompt=title(index), seed=index))
            await asyncio.sleep(0.02)
        await fake.wait_for(lambda: all(i.response is not None for i in asked), timeout=30)

    async def scenario():
        redis = Redis.from_url(redis_url)
        await workers.wait_alive(redis, [workers.start(), workers.start()])
        stop = asyncio.Event()
        started = time.perf_counter()
        async with fake_discord() as fake:
            bot = BotProcess(fake, tmp_path / "bot", redis_url, postgres_url, **SETTINGS)
            try:
                await bot.start(sync=True)
                monkey = asyncio.create_task(chaos_monkey(redis, workers, stop, rng))
                await ask(fake, range(RESTART_AT))
                await asyncio.sleep(0.3)  # some done, some running, some waiting
                await bot.kill()
                figures["delivered_before_kill"] = len(visible_pieces(fake))
                await bot.start(sync=False)
                await ask(fake, range(RESTART_AT, JOBS))
                with contextlib.suppress(TimeoutError):
                    await fake.wait_for(lambda: len(visible_pieces(fake)) >= JOBS
                                        or failures(fake), timeout=150)
                stop.set()
                await monkey
                await asyncio.sleep(1.0)  # a late duplicate would show up here
            finally:
                bot.stop()
            counts = visible_pieces(fake)
            resubmitted = 0
            async for key in redis.scan_iter(f"{PREFIX}:task:*", count=500):
                resubmitted += int(await redis.hget(key, "attempt") or 1) > 1
            figures.update(
                jobs=JOBS, seconds=round(time.perf_counter() - started, 1),
                workers_killed=workers.killed, bot_kills=1, resubmissions=resubmitted,
                nonce_repeats=fake.nonce_hits,
                lost=sum(1 for i in range(JOBS) if title(i) not in counts),
                duplicated=sum(n - 1 for n in counts.values() if n > 1),
                failures_shown=len(failures(fake)))
        await redis.aclose()

    try:
        asyncio.run(asyncio.wait_for(scenario(), 240))
    finally:
        workers.stop_all()
    print("chaos figures", figures)
    assert figures["workers_killed"] >= 5
    assert figures["lost"] == 0 and figures["duplicated"] == 0, figures
    assert figures["failures_shown"] == 0, figures
