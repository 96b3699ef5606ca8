"""Startup that respects Discord: growing waits while it cannot be reached, and a refused token
never tried again, kept across restarts (the state a container or service restart would find).

The process tests run the real `tunesmith bot` (bot.cli) with discord.py's base URLs moved to a
loopback server, and short steps (TUNESMITH_RETRY_FIRST/MAX) so that the growth shows in
seconds; the default schedule is checked on the numbers.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.run_bot import Backoff
from bot.settings import BotSettings
from tests.bot_harness import TOKEN
from tests.fake_discord import FakeDiscord
from tests.processes import assert_none_left, kill_all, new_marker

ROOT = Path(__file__).resolve().parents[1]

# `tunesmith bot` with discord.py pointed at FAKE_DISCORD (as tests/bot_process.py does).
BOT = """
import os, sys
import discord, yarl
base = os.environ["FAKE_DISCORD"]
discord.http.Route.BASE = base + "/api/v10"
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
    base.replace("http://", "ws://") + "/gateway")
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


class Bot:
    """`tunesmith bot` in a process of its own; its output goes to a file read at the end."""

    def __init__(self, base: str, out_dir: Path, marker: dict[str, str], **env: str):
        environment = {**os.environ, **marker, "FAKE_DISCORD": base, "DISCORD_TOKEN": TOKEN,
                       "DATABASE_URL": f"sqlite+aiosqlite:///{out_dir}/bot.db",
                       "TUNESMITH_OUT": str(out_dir), "TUNESMITH_COMPOSER":
                       "tests.worker_composers:QuickComposer", "PYTHONPATH": str(ROOT), **env}
        self.log = out_dir / f"bot-{time.monotonic_ns()}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen([sys.executable, "-c", BOT, "bot"],
                                            env=environment, cwd=out_dir, stdout=log,
                                            stderr=subprocess.STDOUT)

    async def wait(self, timeout_s: float = 60) -> tuple[int, str]:
        code = await asyncio.to_thread(self.process.wait, timeout_s)
        return code, self.log.read_text()

    async def stop(self, timeout_s: float = 20) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        return await self.wait(timeout_s)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class Door:
    """A TCP server on loopback that takes each connection and hangs up at once: Discord
    unreachable, with every connection attempt counted and timed."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.server: asyncio.base_events.Server | None = None

    async def __aenter__(self) -> Door:
        async def hang_up(reader, writer) -> None:
            self.times.append(time.monotonic())
            writer.close()

        self.server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        await self.server.wait_closed()

    def attempts(self) -> list[float]:
        """When each attempt began. aiohttp sends an idempotent request once more at once when
        the server hangs up on it (RFC 9112 §9.3.1.1): connections within 0.1 s of the one
        before are the same attempt, and no attempt may take more than two."""
        starts: list[float] = []
        burst = 0
        for index, at in enumerate(self.times):
            if index and at - self.times[index - 1] < 0.1:
                burst += 1
                assert burst < 2, f"{burst + 1} connections in one attempt"
                continue
            starts.append(at)
            burst = 0
        return starts

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"


def test_the_default_schedule_reaches_one_attempt_a_minute_after_four_steps():
    settings = BotSettings()
    backoff = Backoff(settings.retry_first_s, settings.retry_max_s)
    steps = []
    for attempts in range(12):
        backoff.attempts = attempts
        steps.append(backoff.step_s())
    assert steps[:9] == [0, 5, 10, 20, 40, 80, 160, 320, 600] and set(steps[8:]) == {600}
    assert all(step >= 60 for step in steps[5:])  # after the first few: at most 1 a minute
    # 24 hours of failing attempts spend a small part of Discord's 1,000 IDENTIFYs a day
    elapsed, attempts = 0.0, 0
    while elapsed < 24 * 3600:
        backoff.attempts = attempts
        elapsed += backoff.step_s()
        attempts += 1
    assert attempts < 160


def test_waits_are_never_shorter_than_the_step_and_start_over_after_a_quiet_spell(tmp_path):
    now = [1000.0]
    backoff = Backoff(5.0, 600.0, path=tmp_path / "state.json", clock=lambda: now[0])
    asyncio.run(backoff.wait_turn("a test"))  # the first attempt goes at once
    assert backoff.attempts == 1 and backoff.wait_s() >= 5.0
    backoff.attempts, backoff.last = 4, now[0]
    assert all(40.0 <= backoff.wait_s() <= 44.0 for _ in range(50))  # jitter only lengthens
    backoff.save()
    again = Backoff(5.0, 600.0, path=tmp_path / "state.json", clock=lambda: now[0])
    again.load()  # a restarted process finds where its predecessor was
    assert (again.attempts, again.last) == (4, 1000.0) and again.wait_s() >= 40.0
    now[0] += 1201.0  # twenty minutes without an attempt: the last session was a good one
    assert again.wait_s() == 0.0 and again.attempts == 0


def test_a_bot_without_discord_waits_longer_each_time_and_says_why(tmp_path):
    marker = new_marker()

    async def scenario() -> None:
        async with Door() as door:
            first = Bot(door.base, tmp_path, marker, TUNESMITH_RETRY_FIRST="0.4",
                        TUNESMITH_RETRY_MAX="1.6")
            try:
                deadline = time.monotonic() + 60
                while len(door.attempts()) < 5 and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                await asyncio.sleep(1.5)
                code, output = await first.stop()
            finally:
                first.kill()
            attempts = door.attempts()
            gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
            assert len(attempts) >= 5, output
            # one attempt per step: 0.4, 0.8, 1.6, 1.6 ... never sooner (jitter only adds up to
            # 10 %; 0.1 s allows for a busy machine connecting late on the attempt before)
            expected = [min(1.6, 0.4 * 2**i) for i in range(len(gaps))]
            assert all(gap >= step - 0.1 for gap, step in zip(gaps, expected, strict=True)), gaps
            assert code == 0  # SIGTERM ends the wait at once and the bot exits cleanly
            assert "cannot reach Discord (ServerDisconnectedError" in output
            assert "trying again in" in output and "Traceback" not in output

            # A restarted bot goes on from the step its predecessor was at (the state file in
            # TUNESMITH_OUT/bot, where a container's volume keeps it) instead of trying at once.
            import json

            state = json.loads((tmp_path / "bot" / "discord-backoff.json").read_text())
            assert state["attempts"] == len(attempts) and state["refused"] == ""
            # With a longer cap (and so a longer quiet spell before the count starts over), the
            # restarted bot announces its next step and makes no attempt before it.
            count = len(door.attempts())
            second = Bot(door.base, tmp_path, marker, TUNESMITH_RETRY_FIRST="0.4",
                         TUNESMITH_RETRY_MAX="20")
            try:
                while ("before logging in" not in second.log.read_text()
                       and time.monotonic() < deadline + 60):
                    await asyncio.sleep(0.05)
                _, output = await second.stop()
            finally:
                second.kill()
            assert f"before logging in to Discord (attempt {count + 1})" in output, output
            assert len(door.attempts()) == count

    try:
        asyncio.run(scenario())
        assert_none_left(marker)
    finally:
        kill_all(marker)


def test_a_refused_token_stops_for_good_until_the_token_changes(tmp_path):
    marker = new_marker()

    async def scenario() -> None:
        fake = FakeDiscord(bot_token="the.right.token")
        await fake.start()
        try:
            for _start in range(2):
                bot = Bot(fake.base, tmp_path, marker)
                try:
                    code, output = await bot.wait()
                finally:
                    bot.kill()
                assert code == 2, output
                assert "Discord refused DISCORD_TOKEN" in output
                assert "Restarting cannot fix this" in output and TOKEN not in output
                # the first start asked Discord once; the restart did not ask again
                assert len(fake.requests) == 1 and fake.requests[0][:2] == ("GET", "/users/@me")
            bot = Bot(fake.base, tmp_path, marker, DISCORD_TOKEN="the.right.token")
            try:
                await fake.wait_for(lambda: fake.sockets, timeout=60)  # a new token is tried
                code, output = await bot.stop()
            finally:
                bot.kill()
            assert code == 0, output
        finally:
            await fake.close()

    try:
        asyncio.run(scenario())
        assert_none_left(marker)
    finally:
        kill_all(marker)


@pytest.mark.parametrize("first, longest", [("0", "600"), ("10", "5")])
def test_a_backoff_that_cannot_grow_is_refused(first, longest):
    from models.core.errors import ConfigError

    with pytest.raises(ConfigError, match="TUNESMITH_RETRY_FIRST"):
        BotSettings.from_env({"TUNESMITH_RETRY_FIRST": first, "TUNESMITH_RETRY_MAX": longest})
