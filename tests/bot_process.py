"""The real bot in a process of its own, pointed at a fake Discord, for tests that SIGKILL it.

    FAKE_DISCORD=http://127.0.0.1:PORT DISCORD_TOKEN=... REDIS_URL=... DATABASE_URL=... \
        python -m tests.bot_process

It is `tunesmith bot` as `bot.run_bot.build_bot` builds it (the queue runner when REDIS_URL is
set), with discord.py's two base URLs moved to the fake server (and its voice URLs to ws://),
stopped by SIGTERM or SIGINT the way `tunesmith bot` is.
"""

from __future__ import annotations

import asyncio
import logging
import os

import discord
import yarl

from bot.run_bot import build_bot, serve
from bot.settings import BotSettings
from tests.fake_voice import rewrite_voice_urls


def main() -> None:
    base = os.environ["FAKE_DISCORD"]
    discord.http.Route.BASE = f"{base}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        base.replace("http://", "ws://") + "/gateway")
    rewrite_voice_urls()  # the fake's voice websocket is ws://, discord.py builds wss://
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    settings = BotSettings.from_env()
    bot = build_bot(settings, guild_ready_timeout=0.1)
    asyncio.run(serve(bot, settings.require_token(), reconnect=False))


if __name__ == "__main__":
    main()
