"""Every accepted request gets one visible answer: across a restart, and for private pieces."""

from __future__ import annotations

import asyncio

from models.core.errors import RequestError
from tests.bot_harness import FakeRunner, fake_discord, running_bot
from tests.fake_discord import ALICE, BOB, EPHEMERAL
from tests.test_bot_discord import custom_id, message_id


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 60))


def test_a_job_cut_off_by_a_restart_is_delivered_after_it(tmp_path):
    async def scenario():
        async with fake_discord() as fake:
            stuck = FakeRunner()
            stuck.gate = asyncio.Event()  # never set: the bot stops while the job waits
            async with running_bot(fake, stuck, tmp_path):
                interaction = await fake.slash("compose", prompt="interrupted tune", seed=11)
                await fake.wait_for(lambda: stuck.jobs)
            assert not fake.with_files(".mp3")
            runner = FakeRunner()
            async with running_bot(fake, runner, tmp_path, sync_commands=False):
                await fake.wait_for(lambda: fake.with_files(".mp3"))
            message = fake.with_files(".mp3")[0]
            assert message_id(message) != interaction.original_id  # a channel message
            assert runner.jobs[0].text == "interrupted tune" and runner.jobs[0].seed == 11
    run(scenario())


def test_a_private_piece_stays_private(tmp_path):
    async def scenario():
        async with fake_discord() as fake, running_bot(fake, FakeRunner(), tmp_path):
            interaction = await fake.slash("compose", prompt="just for me", private=True)
            await fake.wait_for(lambda: fake.with_files(".mp3"))
            message = fake.with_files(".mp3")[0]
            assert interaction.response["data"]["flags"] & EPHEMERAL
            assert message["flags"] & EPHEMERAL
            await asyncio.sleep(0.2)
            assert message_id(message) not in fake.reactions  # nobody else can react
            other = await fake.press(message_id(message), custom_id(message, "vary"), BOB)
            await fake.wait_for(lambda: other.response is not None)
            assert "Only the person who made" in other.response["data"]["content"]
    run(scenario())


def test_a_late_private_piece_goes_to_a_direct_message_not_the_channel(tmp_path):
    async def scenario():
        runner = FakeRunner(delay_s=0.3)
        async with fake_discord() as fake, \
                running_bot(fake, runner, tmp_path, interaction_ttl_s=0.1):
            await fake.slash("compose", prompt="secret tune", private=True)
            await fake.wait_for(lambda: fake.with_files(".mp3"))
            message = fake.with_files(".mp3")[0]
            assert int(message["channel_id"]) == ALICE + 1  # the fake's DM channel with alice
            assert ("POST", "/users/@me/channels", {"recipient_id": ALICE}) in [
                (m, p, {k: int(v) for k, v in (b or {}).items()}) for m, p, b in fake.requests
                if p == "/users/@me/channels"]
    run(scenario())


def test_failures_get_one_answer_each(tmp_path, caplog):
    async def scenario():
        async with fake_discord() as fake:
            refused = FakeRunner(fail=RequestError("tempo 900 bpm is above the 240 bpm limit"))
            async with running_bot(fake, refused, tmp_path):
                told = await fake.slash("compose", prompt="too fast")
                await fake.wait_for(lambda: "⚠️" in (fake.content_of(told) or ""))
                assert "tempo 900 bpm is above" in fake.content_of(told)
            broken = FakeRunner(fail=ZeroDivisionError("a bug"))
            async with running_bot(fake, broken, tmp_path):
                sorry = await fake.slash("compose", prompt="meets a bug")
                await fake.wait_for(lambda: "⚠️" in (fake.content_of(sorry) or ""))
                assert "Sorry, something went wrong on our side" in fake.content_of(sorry)
                assert "a bug" not in fake.content_of(sorry)
    run(scenario())
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


def test_a_job_recorded_after_its_interaction_expired_is_answered_in_the_channel(tmp_path):
    """The bot records a job before it defers; a database slower than Discord's 3 s costs the
    interaction (Discord shows that the application did not respond), not the piece."""
    async def scenario():
        async with fake_discord() as fake, running_bot(fake, FakeRunner(), tmp_path) as bot:
            add_job = bot.store.add_job

            async def slow_add_job(*args, **kwargs):
                await asyncio.sleep(3.2)  # past the fake Discord's 3 s deadline
                return await add_job(*args, **kwargs)

            bot.store.add_job = slow_add_job
            interaction = await fake.slash("compose", prompt="a slow database", seed=5)
            await fake.wait_for(lambda: fake.with_files(".mp3"), timeout=20)
            assert interaction.response is None  # never deferred: it expired first
            [message] = fake.with_files(".mp3")
            assert "a slow database" in message["content"]
            for _ in range(100):  # the message id is recorded right after the post
                [record] = await bot.store.history(ALICE)
                if record.message_id is not None:
                    break
                await asyncio.sleep(0.05)
            assert record.message_id == message_id(message)  # so its buttons work
    run(scenario())
