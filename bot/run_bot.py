"""`tunesmith bot`: build the settings, the worker pool and the client, and run until stopped."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import discord

from bot.settings import BotSettings, redact_output, secret_values
from models.core.errors import ConfigError

log = logging.getLogger(__name__)

# Their DEBUG lines carry request URLs and payloads with interaction tokens in them.
QUIET_LOGGERS = ("discord.http", "discord.webhook.async_", "discord.gateway", "discord.client")


def quiet_discord_logs(secrets: Mapping[str, str] | str) -> None:
    """Keep discord.py's HTTP/gateway logs above DEBUG and scrub the secrets (a bare token, or
    `secret_values()`) from every record and traceback."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    redact_output(secrets)


class TokenRefused(ConfigError):
    """Discord refused DISCORD_TOKEN, now or at an earlier start with the same token."""

    def __init__(self) -> None:
        super().__init__(
            "Discord refused DISCORD_TOKEN (401 Unauthorized). Restarting cannot fix this, so "
            "this token will not be tried again: put a valid one in DISCORD_TOKEN (developer "
            "portal → your application → Bot → Reset Token) and start the bot again")


def token_digest(token: str) -> str:
    """A short fingerprint of the token, to remember a refused one without keeping it."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


# Failures that mean "Discord cannot be reached now": the network, a timeout, a 5xx answer.
UNREACHABLE = (aiohttp.ClientError, OSError, asyncio.TimeoutError, discord.DiscordServerError)


@dataclass
class Backoff:
    """When the bot may next try to reach Discord (log in, or IDENTIFY a new gateway session).

    The first attempt goes at once; each further one waits `first_s`, then twice that, up to
    `max_s` (5, 10, 20, 40, 80 ... 600 s by default: after the first four, at most one attempt
    a minute). The count starts over once no attempt was needed for twice `max_s`. The state
    is kept in `path`, so a process restarted by its service manager waits out the step its
    predecessor was at instead of trying at once: a crash loop cannot spend Discord's daily
    IDENTIFY allowance.
    """

    first_s: float
    max_s: float
    path: Path | None = None
    attempts: int = 0  # attempts since the count last started over
    last: float = 0.0  # wall-clock time of the last attempt (time.time())
    refused: str = ""  # token_digest of a token Discord refused
    clock: Callable[[], float] = time.time

    @classmethod
    def for_bot(cls, settings: BotSettings, out_dir: Path) -> Backoff:
        backoff = cls(settings.retry_first_s, settings.retry_max_s,
                      path=Path(out_dir) / "discord-backoff.json")
        backoff.load()
        return backoff

    def load(self) -> None:
        try:
            state = json.loads(self.path.read_text())
            self.attempts, self.last = int(state["attempts"]), float(state["last"])
            self.refused = str(state.get("refused", ""))
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("ignoring the Discord backoff state in %s (%s)", self.path, error)

    def save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"attempts": self.attempts, "last": self.last,
                                             "refused": self.refused}))
        except OSError as error:  # a read-only disk only costs the memory across restarts
            log.warning("cannot keep the Discord backoff state in %s (%s)", self.path, error)

    def step_s(self) -> float:
        """The least time between the last attempt and the next one."""
        if self.attempts == 0:
            return 0.0
        return min(self.max_s, self.first_s * 2 ** min(self.attempts - 1, 30))

    def wait_s(self) -> float:
        """Seconds to wait from now before the next attempt."""
        now = self.clock()
        if self.attempts and now - self.last > 2 * self.max_s:
            self.attempts = 0  # quiet for long: the last session was a good one
        if self.attempts and now < self.last:  # the clock went back: wait a whole step
            self.last = now
        # Up to 10 % more, never less, so that several bots do not retry in step.
        return max(0.0, self.last + self.step_s() - now) * (1 + 0.1 * random.random())

    async def wait_turn(self, why: str) -> None:
        """Sleep until the next attempt may go, then count it."""
        wait = self.wait_s()
        if wait > 0:
            log.info("waiting %.1f s before %s (attempt %d)", wait, why, self.attempts + 1)
            await asyncio.sleep(wait)
        self.attempts += 1
        self.last = self.clock()
        self.save()

    def refuse(self, digest: str) -> None:
        self.refused = digest
        self.save()


async def login_paced(bot, token: str, backoff: Backoff) -> None:
    """`bot.login(token)`, tried again with `backoff` while Discord cannot be reached.

    Raises:
        TokenRefused: Discord answered 401 to this token, now or at an earlier start.
    """
    if backoff.refused and backoff.refused == token_digest(token):
        raise TokenRefused()
    while True:
        await backoff.wait_turn("logging in to Discord")
        try:
            await bot.login(token)
            return
        except discord.LoginFailure:
            backoff.refuse(token_digest(token))
            raise TokenRefused() from None
        except UNREACHABLE as error:
            if bot.user is not None:  # Discord answered: this came from setup_hook (database)
                raise
            # discord.py opens a new HTTP session at each login: close this one first.
            await bot.http.close()
            bot.http.connector = discord.utils.MISSING
            log.warning("cannot reach Discord (%s: %s); attempt %d failed, trying again in "
                        "%.1f s", type(error).__name__, error, backoff.attempts,
                        backoff.step_s())


def build_bot(settings: BotSettings, **client_options):
    """The client as `tunesmith bot` runs it.

    The runner is the embedded worker pool, or the Redis queue to `tunesmith worker` processes
    when REDIS_URL is set; the client is an AutoShardedClient when TUNESMITH_SHARD_COUNT is set
    (TUNESMITH_SHARD_IDS picks this process's shards, so shards can run in several processes).
    """
    import os

    from bot.handlers.app import TunesmithBot
    from generation import Env, Settings

    generation = Settings.from_env()
    if settings.redis_url:
        from bot.jobs.redis_runner import QueueRunner, QueueSettings

        runner = QueueRunner(QueueSettings.from_env({**os.environ,
                                                     "REDIS_URL": settings.redis_url}))
    else:
        from bot.jobs.pool import DEFAULT_FACTORY, WorkerPool

        # TUNESMITH_COMPOSER names the composer class, as it does for `tunesmith worker`.
        runner = WorkerPool(generation, workers=settings.workers,
                            job_timeout_s=settings.job_timeout_s,
                            factory=Env().text("TUNESMITH_COMPOSER", DEFAULT_FACTORY))
    client = TunesmithBot
    if settings.shard_count is not None:
        client = sharded_bot_class()
        client_options.setdefault("shard_count", settings.shard_count)
        if settings.shard_ids:
            client_options.setdefault("shard_ids", list(settings.shard_ids))
    return client(settings, runner, out_dir=generation.out_dir / "bot", **client_options)


def sharded_bot_class():
    """TunesmithBot on discord.AutoShardedClient: the same bot, one gateway per shard."""
    import discord

    from bot.handlers.app import TunesmithBot

    class ShardedTunesmithBot(TunesmithBot, discord.AutoShardedClient):
        pass

    return ShardedTunesmithBot


def run(*, sync: bool = False) -> int:
    """Run the bot with DISCORD_TOKEN from the environment until it is stopped.

    Returns 0 after a stop by signal. Raises TokenRefused (a ConfigError: `tunesmith` exits 2,
    which deploy/systemd/tunesmith-bot.service does not restart on) when Discord refused the
    token, now or at an earlier start: that token is not tried again.
    """
    settings = BotSettings.from_env()
    token = settings.require_token()
    if sync and not settings.sync_commands:
        from dataclasses import replace

        settings = replace(settings, sync_commands=True)
    quiet_discord_logs(secret_values())
    log.info("starting with %s", settings)  # repr masks the token and the passwords
    bot = build_bot(settings)
    asyncio.run(serve(bot, token, backoff=Backoff.for_bot(settings, bot.out_dir)))
    return 0


async def serve(bot, token: str, *, reconnect: bool = True, backoff: Backoff | None = None) -> None:
    """Run `bot` until its connection ends or SIGTERM/SIGINT asks it to stop.

    Logging in is paced by `backoff` (default: the bot's settings, kept in memory only;
    `run` keeps it beside the bot's pieces so that it outlives a restart):
    while Discord cannot be reached the bot waits, longer each time, and says why; a refused
    token raises TokenRefused. Every later IDENTIFY (a new gateway session after a lost one)
    waits its turn in the same backoff; RESUMEs do not.

    On the first signal the bot takes no new work, lets running jobs finish for up to
    TUNESMITH_STOP_TIMEOUT seconds, releases the leases of the rest (resumed at the next
    start), then closes its worker pool and its database; the process exits 0. A second
    signal does not cut that short: the clean-up is bounded already.
    """
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task] = []
    backoff = backoff or Backoff(bot.settings.retry_first_s, bot.settings.retry_max_s)
    login = asyncio.ensure_future(login_paced(bot, token, backoff))

    def stop(signum: signal.Signals) -> None:
        if closing:
            log.info("%s again: already stopping", signum.name)
            return
        log.info("%s: stopping (running jobs get up to %.0f s to finish)", signum.name,
                 bot.settings.stop_timeout_s)
        login.cancel()  # a wait for Discord ends here; a finished login is not affected
        closing.append(loop.create_task(bot.close(), name="graceful-stop"))

    async def paced_identify(shard_id: int | None, *, initial: bool = False) -> None:
        if not initial:  # the first IDENTIFY follows the login, which waited already
            await backoff.wait_turn("a new gateway session")

    bot.before_identify_hook = paced_identify  # discord.py's hook, called before each IDENTIFY
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop, signum)
    try:
        try:
            await login
        except asyncio.CancelledError:
            if not closing:
                raise
            return
        try:
            await bot.connect(reconnect=reconnect)
        except discord.ConnectionClosed as closed:
            if closed.code == 4004:  # "authentication failed" from the gateway
                backoff.refuse(token_digest(token))
                raise TokenRefused() from None
            raise
        except discord.PrivilegedIntentsRequired:
            raise ConfigError("Discord refused the gateway intents this bot asks for: turn on "
                              "the privileged intents in the developer portal or ask for "
                              "fewer") from None
    finally:
        if not closing:  # the connection ended (or never began) without a signal
            closing.append(loop.create_task(bot.close()))
        await asyncio.gather(*closing)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
