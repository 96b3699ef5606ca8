"""One setting away: TUNESMITH_SHARD_COUNT makes the same bot an AutoShardedClient, and
REDIS_URL gives it the queue runner instead of the embedded worker pool."""

from __future__ import annotations

import asyncio

import discord

from bot.jobs.pool import WorkerPool
from bot.jobs.redis_runner import QueueRunner
from bot.run_bot import build_bot, sharded_bot_class
from bot.settings import BotSettings
from tests.bot_harness import TOKEN, FakeRunner, bot_settings, fake_discord


def test_settings_choose_the_runner_and_the_client(tmp_path, monkeypatch):
    monkeypatch.setenv("TUNESMITH_OUT", str(tmp_path))
    embedded = build_bot(BotSettings(token=TOKEN))
    assert isinstance(embedded.runner, WorkerPool)
    assert not isinstance(embedded, discord.AutoShardedClient)
    scaled = build_bot(BotSettings.from_env({
        "DISCORD_TOKEN": TOKEN, "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DATABASE_URL": "postgresql+asyncpg://tunesmith@127.0.0.1/tunesmith",
        "TUNESMITH_SHARD_COUNT": "4", "TUNESMITH_SHARD_IDS": "2,3"}))
    assert isinstance(scaled.runner, QueueRunner)
    assert isinstance(scaled, discord.AutoShardedClient)
    assert scaled.shard_count == 4 and scaled.shard_ids == [2, 3]


def test_a_sharded_bot_connects_every_shard_and_composes(tmp_path):
    async def scenario():
        async with fake_discord() as fake:
            bot = sharded_bot_class()(bot_settings(tmp_path), FakeRunner(),
                                      out_dir=tmp_path / "out", shard_count=2, shard_ids=[0, 1],
                                      guild_ready_timeout=0.1)
            await bot.login(TOKEN)
            task = asyncio.create_task(bot.connect(reconnect=False))
            try:
                await asyncio.wait_for(bot.wait_until_ready(), 20)
                assert sorted(bot.shards) == [0, 1] and len(fake.sockets) == 2
                await fake.slash("compose", prompt="sharded tune", seed=2)
                await fake.wait_for(lambda: fake.with_files(".mp3"))
            finally:
                await bot.close()
                await asyncio.wait_for(task, 10)
    asyncio.run(asyncio.wait_for(scenario(), 60))
