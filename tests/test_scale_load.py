"""Load: 200 /compose requests from 50 users at the same moment, through the fake Discord.

Every request is answered: a piece, or a refusal that says why and when to try again. Those
that wait are told their place in the Redis queue. How fast the answers came (Discord wants one
within 3 s) and how long the bot's event loop was held up are measured and printed with the
machine they ran on, not asserted: a shared machine's speed is not the code's behaviour. The
loop also runs the fake Discord server, so the lag measured is an upper bound for the bot.
Workers are two real `tunesmith worker` processes running `FastComposer` (real small files,
50 ms of busy time instead of the model).
"""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from models.evaluation.machine import machine_line
from tests.bot_harness import LagProbe, fake_discord
from tests.fake_discord_data import USERS, _user
from tests.scale_harness import Workers, queue_bot
from tests.servers import postgres_url, redis_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
USER_IDS = [800_000_000_000_000_000 + n for n in range(50)]
REQUESTS = 200


def test_200_requests_from_50_users_are_all_answered(tmp_path, redis_url,  # noqa: F811
                                                     postgres_url):  # noqa: F811
    for number, user_id in enumerate(USER_IDS):
        USERS.setdefault(user_id, _user(user_id, f"user{number}"))
    workers = Workers(redis_url, tmp_path / "workers", "tests.scale_composers:FastComposer",
                      TUNESMITH_TEST_JOB_S="0.05", TUNESMITH_JOB_MEMORY="1024")
    figures = {"machine": machine_line()}

    async def scenario():
        async with Redis.from_url(redis_url) as redis:
            await workers.wait_alive(redis, [workers.start(), workers.start()])
        async with fake_discord() as fake, queue_bot(
                fake, tmp_path, redis_url, postgres_url, cooldown_s=0.0, queue_per_user=2,
                queue_per_guild=1000, queue_total=100, progress_interval_s=0.25):
            probe = LagProbe()
            probe.start()
            started = time.perf_counter()
            asked = await asyncio.gather(*(
                fake.slash("compose", USER_IDS[n % 50], prompt=f"load tune {n}", seed=n)
                for n in range(REQUESTS)))
            await fake.wait_for(lambda: all(i.response is not None for i in asked), 30)
            deferred = [i for i in asked if i.response["type"] == 5]
            await fake.wait_for(
                lambda: len(fake.with_files(".mp3")) == len(deferred), timeout=120)
            figures["all_answered_s"] = round(time.perf_counter() - started, 2)
            await probe.stop()
            refused = [i for i in asked if i.response["type"] == 4]
            answers = sorted(i.responded_at - i.created for i in asked)
            for interaction in refused:
                text = interaction.response["data"]["content"]
                assert text.startswith("⏳") and ("try again" in text or "ask again" in text), text
            with_files = {int(m["id"]) for m in fake.with_files(".mp3")}
            assert all(i.original_id in with_files for i in deferred)
            positions = [text for i in deferred for text in fake.edits[i.original_id]
                         if "in line" in text]
            figures.update(requests=REQUESTS, users=len(USER_IDS), pieces=len(deferred),
                           refused=len(refused), position_updates=len(positions),
                           deepest_position=max(int(t.split("#")[1].split()[0])
                                                for t in positions),
                           lag_p50_ms=round(1000 * probe.percentile(0.5), 1),
                           lag_p99_ms=round(1000 * probe.percentile(0.99), 1),
                           lag_max_ms=round(1000 * max(probe.samples), 1),
                           answer_median_s=round(answers[len(answers) // 2], 3),
                           answer_max_s=round(answers[-1], 3),
                           answers_over_3_s=sum(a > 3.0 for a in answers))

    try:
        asyncio.run(asyncio.wait_for(scenario(), 200))
    finally:
        workers.stop_all()
    print("load figures", figures)
    assert figures["pieces"] + figures["refused"] == REQUESTS
    assert figures["pieces"] >= 50 and figures["refused"] >= 50  # both paths were taken
    assert figures["deepest_position"] > 1  # waiting requests saw their place in line
    assert figures["lag_p99_ms"] > 0  # measured (its size is reported above, not asserted)
