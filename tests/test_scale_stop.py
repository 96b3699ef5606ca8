"""Stops, graceful and not: real processes, real signals, and no process left behind.

`tunesmith worker` and `tunesmith bot` (tests/bot_process.py: the bot as `tunesmith bot` builds
it, pointed at the fake Discord) are started as processes; SIGTERM and SIGINT must let the
running job finish (or hand it back), exit 0 and take every child with them; SIGKILL must take
the children too, which then exit by themselves (PR_SET_PDEATHSIG, or their parent watch).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess

import psutil
import pytest
from redis.asyncio import Redis

from bot.jobs.redis_queue import PREFIX
from generation.job import Job
from tests.bot_harness import fake_discord
from tests.fake_discord import ALICE
from tests.fake_discord_data import VOICE_ID
from tests.processes import assert_none_left, kill_all, new_marker
from tests.scale_harness import BotProcess, Workers, queue_runner
from tests.servers import redis_url  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow, pytest.mark.workers]
FAST = "tests.scale_composers:FastComposer"


async def running_task(redis, timeout_s: float = 60) -> str:
    """The id of the first task the registry shows running."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        async for key in redis.scan_iter(f"{PREFIX}:task:*"):
            if await redis.hget(key, "state") == b"running":
                return key.decode().rsplit(":", 1)[1]
        await asyncio.sleep(0.05)
    raise TimeoutError("no task started running")


async def poll_until(predicate, timeout_s: float = 60):
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not (value := predicate()):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the condition never held")
        await asyncio.sleep(0.05)
    return value


def children(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


async def exit_code(process: subprocess.Popen, timeout_s: float) -> int:
    return await asyncio.to_thread(process.wait, timeout_s)


def run_leaving_nothing(scenario, marker: dict[str, str], *groups: Workers) -> None:
    """Run `scenario`, stop the worker `groups`, then prove no process of the test is left."""
    try:
        try:
            asyncio.run(scenario())
        finally:
            for workers in groups:
                workers.stop_all()
        assert_none_left(marker, within_s=10)
    finally:
        kill_all(marker)


@contextlib.asynccontextmanager
async def running_job(url: str, workers: Workers, text: str, seed: int, out_dir):
    """A queue runner, and a new worker of `workers` in the middle of its job:
    yields (runner, the worker's name, the task waiting for the job's Composition)."""
    redis = Redis.from_url(url)
    runner = queue_runner(url)
    await runner.start()
    job = None
    try:
        name = workers.start()
        await workers.wait_alive(redis, [name])
        job = asyncio.create_task(runner.run(Job(text=text, seed=seed), out_dir))
        await running_task(redis)
        yield runner, name, job
    finally:
        if job is not None and not job.done():
            job.cancel()
            await asyncio.gather(job, return_exceptions=True)
        await runner.close()
        await redis.aclose()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.servers
def test_a_stopped_worker_finishes_its_job_and_exits_0_with_no_child_left(
        tmp_path, redis_url, signum):  # noqa: F811
    marker = new_marker()
    workers = Workers(redis_url, tmp_path, FAST, TUNESMITH_TEST_JOB_S="2",
                      TUNESMITH_STOP_TIMEOUT="60", **marker)

    async def scenario():
        async with running_job(redis_url, workers, "stop me gently", 1,
                               tmp_path / "job-1") as (runner, name, job):
            process = workers.processes.pop(name)
            assert children(process.pid), "the worker composes in a child process"
            process.send_signal(signum)
            composition = await asyncio.wait_for(job, 60)
            assert composition.midi.exists()
            assert await exit_code(process, 60) == 0
            assert runner.retries == 0  # finished by the stopping worker, not handed back

    run_leaving_nothing(scenario, marker, workers)


@pytest.mark.servers
def test_a_worker_stopped_past_its_stop_timeout_hands_the_job_back(tmp_path, redis_url):  # noqa: F811
    marker = new_marker()
    slow = Workers(redis_url, tmp_path / "slow", FAST, TUNESMITH_TEST_JOB_S="60",
                   TUNESMITH_STOP_TIMEOUT="1", **marker)
    quick = Workers(redis_url, tmp_path / "quick", FAST, TUNESMITH_TEST_JOB_S="0.1", **marker)

    async def scenario():
        async with running_job(redis_url, slow, "hand me back", 2,
                               tmp_path / "job-2") as (runner, name, job):
            process = slow.processes.pop(name)
            process.send_signal(signal.SIGTERM)
            assert await exit_code(process, 60) == 0
            async with Redis.from_url(redis_url) as redis:
                await quick.wait_alive(redis, [quick.start()])
            composition = await asyncio.wait_for(job, 60)
            assert composition.midi.exists()
            assert runner.retries == 1  # submitted again once the first worker gave it back

    run_leaving_nothing(scenario, marker, slow, quick)


@pytest.mark.servers
def test_a_sigkilled_worker_takes_its_composing_child_and_tracker_with_it(
        tmp_path, redis_url):  # noqa: F811
    marker = new_marker()
    workers = Workers(redis_url, tmp_path, FAST, TUNESMITH_TEST_JOB_S="30", **marker)

    async def scenario():
        async with running_job(redis_url, workers, "killed mid-job", 3,
                               tmp_path / "job-3") as (_, name, _job):
            left = children(workers.pid(name))
            assert left, "the worker composes in a child process"
            workers.kill(name)  # SIGKILL: no handler runs
            _, alive = await asyncio.to_thread(psutil.wait_procs, left, 10)
            assert not alive, f"children outlived their SIGKILLed parent: {alive}"

    run_leaving_nothing(scenario, marker, workers)


async def sigterm_while_composing(fake, bot: BotProcess, prompt: str, seed: int) -> int:
    """Ask for a piece, SIGTERM the bot once it is composing; the bot's exit code."""
    await fake.slash("compose", ALICE, prompt=prompt, seed=seed)
    await fake.wait_for(lambda: any("Composing" in m["content"]
                                    for m in fake.messages.values()), timeout=60)
    assert children(bot.process.pid), "the bot composes in a child process"
    bot.process.send_signal(signal.SIGTERM)
    return await exit_code(bot.process, 60)


@contextlib.asynccontextmanager
async def embedded_bot(tmp_path, marker, **env):
    """`tunesmith bot` with its embedded worker process (no Redis), on SQLite, started and
    connected to a fake Discord: yields (fake, bot); stopped (SIGINT) when the block ends."""
    async with fake_discord() as fake:
        bot = BotProcess(fake, tmp_path, redis_url="",
                         database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
                         TUNESMITH_COMPOSER=FAST, TUNESMITH_COOLDOWN="0",
                         TUNESMITH_PROGRESS_INTERVAL="0.2", TUNESMITH_LEASE="2", **marker,
                         **env)
        del bot.env["REDIS_URL"]
        try:
            await bot.start(sync=True)
            yield fake, bot
        finally:
            bot.stop()


def test_the_bot_stops_on_sigterm_after_its_running_job_is_delivered(tmp_path):
    marker = new_marker()

    async def scenario():
        async with embedded_bot(tmp_path, marker, TUNESMITH_TEST_JOB_S="2",
                                TUNESMITH_STOP_TIMEOUT="60") as (fake, bot):
            assert await sigterm_while_composing(fake, bot, "finish me first", 4) == 0
            assert len(fake.with_files(".mp3")) == 1  # delivered before it stopped

    run_leaving_nothing(scenario, marker)


def test_a_job_cut_short_by_sigterm_is_delivered_after_the_restart(tmp_path):
    marker = new_marker()

    async def scenario():
        async with embedded_bot(tmp_path, marker, TUNESMITH_TEST_JOB_S="60",
                                TUNESMITH_STOP_TIMEOUT="0.5") as (fake, bot):
            assert await sigterm_while_composing(fake, bot, "resume me", 5) == 0
            assert not fake.with_files(".mp3")
            await asyncio.to_thread(assert_none_left, marker, 10)
            bot.env["TUNESMITH_TEST_JOB_S"] = "0.1"
            await bot.start(sync=False)
            await fake.wait_for(lambda: fake.with_files(".mp3"), timeout=60)
            assert len(fake.with_files(".mp3")) == 1

    run_leaving_nothing(scenario, marker)


def test_a_sigkilled_bot_takes_its_worker_process_with_it(tmp_path):
    marker = new_marker()

    async def scenario():
        async with embedded_bot(tmp_path, marker) as (_, bot):
            await poll_until(lambda: children(bot.process.pid))
            await bot.kill()

    run_leaving_nothing(scenario, marker)


def test_sigterm_during_a_radio_leaves_the_voice_channel_and_no_process(tmp_path):
    marker = new_marker()

    async def scenario():
        async with embedded_bot(tmp_path, marker, TUNESMITH_TEST_JOB_S="0.3",
                                TUNESMITH_RADIO_CROSSFADE="0") as (fake, bot):
            await fake.join_voice(ALICE, VOICE_ID)
            await fake.slash("radio", prompt="a tune that never ends")
            await fake.wait_for(lambda: fake.heard_frames() > 25, timeout=60)
            assert fake.bot_voice_channel() == VOICE_ID
            bot.process.send_signal(signal.SIGTERM)
            assert await exit_code(bot.process, 60) == 0
            assert fake.bot_voice_channel() is None  # it left the channel before exiting
            assert any(m["content"].startswith("📻 The radio stopped")
                       for m in fake.messages.values())

    run_leaving_nothing(scenario, marker)  # no worker, ffmpeg or tracker process left
