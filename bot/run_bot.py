"""`tunesmith bot`: build the settings, the worker pool and the client, and run until stopped."""

from __future__ import annotations

import asyncio
import logging
import signal

import aiohttp
import discord

from bot.settings import BotSettings
from models.errors import ConfigError, DependencyError

log = logging.getLogger(__name__)

# Their DEBUG lines carry request URLs and payloads with interaction tokens in them.
QUIET_LOGGERS = ("discord.http", "discord.webhook.async_", "discord.gateway", "discord.client")


class Redact(logging.Filter):
    """Replaces a secret wherever it appears in a log record (a second line of defence)."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret and self.secret in record.getMessage():
            record.msg = record.getMessage().replace(self.secret, "[token]")
            record.args = ()
        return True


def quiet_discord_logs(secret: str) -> None:
    """Keep discord.py's HTTP/gateway logs above DEBUG and scrub the token from every record."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    redact = Redact(secret)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


def build_bot(settings: BotSettings, **client_options):
    """The client as `tunesmith bot` runs it.

    The runner is the embedded worker pool, or the Redis queue to `tunesmith worker` processes
    when REDIS_URL is set; the client is an AutoShardedClient when TUNESMITH_SHARD_COUNT is set
    (TUNESMITH_SHARD_IDS picks this process's shards, so shards can run in several processes).
    """
    import os

    from bot.app import TunesmithBot
    from generation import Env, Settings

    generation = Settings.from_env()
    if settings.redis_url:
        from bot.redis_runner import QueueRunner, QueueSettings

        runner = QueueRunner(QueueSettings.from_env({**os.environ,
                                                     "REDIS_URL": settings.redis_url}))
    else:
        from bot.pool import DEFAULT_FACTORY, WorkerPool

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

    from bot.app import TunesmithBot

    class ShardedTunesmithBot(TunesmithBot, discord.AutoShardedClient):
        pass

    return ShardedTunesmithBot


def run(*, sync: bool = False) -> int:
    """Run the bot with DISCORD_TOKEN from the environment until it is stopped."""
    settings = BotSettings.from_env()
    token = settings.require_token()
    if sync and not settings.sync_commands:
        from dataclasses import replace

        settings = replace(settings, sync_commands=True)
    quiet_discord_logs(token)
    log.info("starting with %s", settings)  # repr leaves the token out
    bot = build_bot(settings)
    try:
        asyncio.run(serve(bot, token))
    except discord.LoginFailure:
        raise ConfigError("Discord refused DISCORD_TOKEN: copy it again from the developer "
                          "portal (your application → Bot → Reset Token)") from None
    except aiohttp.ClientConnectionError as error:
        raise DependencyError(f"cannot reach Discord ({type(error).__name__}): check the "
                              "network connection and try again") from None
    return 0


async def serve(bot, token: str, *, reconnect: bool = True) -> None:
    """Run `bot` until its connection ends or SIGTERM/SIGINT asks it to stop.

    On the first signal the bot takes no new work, lets running jobs finish for up to
    TUNESMITH_STOP_TIMEOUT seconds, releases the leases of the rest (resumed at the next
    start), then closes its worker pool and its database; the process exits 0. A second
    signal does not cut that short: the clean-up is bounded already.
    """
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task] = []

    def stop(signum: signal.Signals) -> None:
        if closing:
            log.info("%s again: already stopping", signum.name)
            return
        log.info("%s: stopping (running jobs get up to %.0f s to finish)", signum.name,
                 bot.settings.stop_timeout_s)
        closing.append(loop.create_task(bot.close(), name="graceful-stop"))

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop, signum)
    try:
        await bot.start(token, reconnect=reconnect)
    finally:
        if not closing:  # the connection ended (or never began) without a signal
            closing.append(loop.create_task(bot.close()))
        await asyncio.gather(*closing)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
