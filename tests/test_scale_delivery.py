"""A bot that stops between posting a piece and recording it, or between recording where the
piece will go and posting it, still gives the user exactly one piece after its restart."""

from __future__ import annotations

import asyncio

from tests.bot_harness import FakeRunner, fake_discord, running_bot


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 60))


async def hang(*args, **kwargs):
    await asyncio.Event().wait()  # the bot stops here, as if it had crashed


def test_a_piece_posted_just_before_a_crash_is_not_posted_again(tmp_path):
    async def scenario():
        async with fake_discord() as fake:
            # the hung bot's stop gives up on its job after 0.2 s (the default waits 20 s)
            async with running_bot(fake, FakeRunner(), tmp_path, stop_timeout_s=0.2) as bot:
                record = bot.store.set_message
                calls = 0

                async def second_record_hangs(*args):
                    nonlocal calls
                    calls += 1
                    await (record(*args) if calls == 1 else hang())

                bot.store.set_message = second_record_hangs
                await fake.slash("compose", prompt="posted then crashed", seed=5)
                await fake.wait_for(lambda: fake.with_files(".mp3"))
            runner = FakeRunner()
            async with running_bot(fake, runner, tmp_path, sync_commands=False) as bot:
                await asyncio.wait_for(bot.resumed.wait(), 10)
                await asyncio.sleep(0.5)
                assert [job for job in await bot.store.unfinished_jobs()] == []
            assert len(fake.with_files(".mp3")) == 1 and runner.jobs == []
    run(scenario())


def test_a_piece_recorded_but_never_posted_is_posted_after_the_restart(tmp_path):
    async def scenario():
        async with fake_discord() as fake:
            # the hung bot's stop gives up on its job after 0.2 s (the default waits 20 s)
            async with running_bot(fake, FakeRunner(), tmp_path, stop_timeout_s=0.2) as bot:
                bot.flow._deliver = hang
                interaction = await fake.slash("compose", prompt="recorded then crashed", seed=6)
                await fake.wait_for(lambda: interaction.original_id is not None)
                await asyncio.sleep(0.5)
            assert not fake.with_files(".mp3")
            runner = FakeRunner()
            async with running_bot(fake, runner, tmp_path, sync_commands=False):
                await fake.wait_for(lambda: fake.with_files(".mp3"))
                await asyncio.sleep(0.5)
            assert len(fake.with_files(".mp3")) == 1
            assert runner.jobs == []  # the recorded piece was sent, not composed again
    run(scenario())


def test_a_channel_delivery_repeated_after_a_crash_stays_one_message(tmp_path):
    async def scenario():
        async with fake_discord() as fake:
            # the hung bot's stop gives up on its job after 0.2 s (the default waits 20 s)
            async with running_bot(fake, FakeRunner(), tmp_path, stop_timeout_s=0.2) as bot:
                await fake.slash("compose", prompt="first piece", seed=7)
                await fake.wait_for(lambda: fake.with_files(".mp3"))
                original = int(fake.with_files(".mp3")[0]["id"])
                await fake.wait_for(lambda: fake.reactions.get(original))
                bot.store.set_message = hang  # the 🔁 piece is posted, then the bot stops
                await fake.react(original, "🔁")
                await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 2)
            runner = FakeRunner()
            async with running_bot(fake, runner, tmp_path, sync_commands=False) as bot:
                await asyncio.wait_for(bot.resumed.wait(), 10)
                await fake.wait_for(lambda: fake.nonce_hits == 1)
                await asyncio.sleep(0.3)
            assert len(fake.with_files(".mp3")) == 2  # Discord answered with the first message
            assert runner.jobs == []
    run(scenario())
