"""Controls inside the cooldown wait for it instead of bouncing; only a full queue refuses.

The bot's Admission gets a hand-driven clock, so a test decides when a cooldown ends and no
assertion depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio

from tests.bot_harness import FakeRunner, fake_discord, running_bot
from tests.fake_discord import ALICE, EPHEMERAL
from tests.test_bot_discord import composed, custom_id, message_id


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 60))


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def settled(bot) -> None:
    """Until every admitted job is released (a delivered piece lets go of its ticket last)."""
    for _ in range(200):
        if not bot.admission.tickets:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"jobs still held: {list(bot.admission.tickets.values())}")


def said(fake, text: str) -> list[int]:
    """Messages that showed `text` at some point, newest last."""
    return [mid for mid, contents in sorted(fake.edits.items())
            if any(text in content for content in contents)]


def test_reactions_inside_the_cooldown_wait_their_turn_and_a_full_queue_refuses_briefly(
        tmp_path):
    async def scenario():
        runner, clock = FakeRunner(), Clock()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path, cooldown_s=30,
                                                       queue_per_user=2) as bot:
            bot.admission.clock = clock
            bot.notice_s = 0.2
            _, original = await composed(fake, seed=5)
            await settled(bot)
            await fake.react(message_id(original), "🔁", ALICE)
            await fake.wait_for(lambda: said(fake, "⏳ starts in 30 s"))
            await fake.react(message_id(original), "🎲", ALICE)
            await fake.wait_for(lambda: said(fake, "⏳ starts in 60 s"))
            await fake.react(message_id(original), "⏩", ALICE)  # a third: over the cap of 2
            refusal = (await fake.wait_for(lambda: said(fake, "already have 2 pieces")))[0]
            assert fake.messages[refusal]["content"].startswith(f"<@{ALICE}> ⏳")
            await fake.wait_for(lambda: refusal in fake.deleted)
            assert len(runner.jobs) == 1  # both controls still wait: the clock has not moved

            clock.now += 30
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 2)
            assert [job.action for job in runner.jobs] == ["compose", "regenerate"]
            # 🎲 counts down in its own message: now a cooldown away
            await fake.wait_for(lambda: len(said(fake, "⏳ starts in 30 s")) == 2)
            clock.now += 30
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 3)
            assert [job.action for job in runner.jobs] == ["compose", "regenerate", "vary"]

            waited = said(fake, "⏳ starts in")
            assert len(waited) == 2  # each piece replaces its own progress message
            await fake.wait_for(lambda: all(mid in fake.deleted for mid in waited))
            assert not said(fake, "slow down")  # no public nag, ever
    run(scenario())


def test_a_button_inside_the_cooldown_waits_while_compose_spam_is_still_refused(tmp_path):
    async def scenario():
        runner, clock = FakeRunner(), Clock()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path, cooldown_s=30,
                                                       queue_per_user=2) as bot:
            bot.admission.clock = clock
            _, original = await composed(fake)
            await settled(bot)
            vary = await fake.press(message_id(original), custom_id(original, "vary"))
            await fake.wait_for(lambda: fake.content_of(vary) == "⏳ starts in 30 s")
            assert vary.response_type == 5 and not vary.response.get("data", {}).get("flags")

            spam = await fake.slash("compose", prompt="another one")
            await fake.wait_for(lambda: spam.response is not None)
            assert spam.response["data"]["flags"] & EPHEMERAL
            assert "ask again in 60 s" in spam.response["data"]["content"]

            extend = await fake.press(message_id(original), custom_id(original, "extend"))
            await fake.wait_for(lambda: fake.content_of(extend) == "⏳ starts in 60 s")
            full = await fake.press(message_id(original), custom_id(original, "regenerate"))
            await fake.wait_for(lambda: full.response is not None)
            assert full.response["type"] == 4 and full.response["data"]["flags"] & EPHEMERAL
            assert "already have 2 pieces" in full.response["data"]["content"]
            assert len(runner.jobs) == 1

            clock.now += 30
            await fake.wait_for(lambda: len(fake.files.get(vary.original_id, {})) == 3)
            assert [job.action for job in runner.jobs] == ["compose", "vary"]
            history = fake.edits[vary.original_id]
            assert history.index("⏳ starts in 30 s") < next(
                i for i, text in enumerate(history) if text.startswith("⏳ Queued, #1"))
            clock.now += 30
            await fake.wait_for(lambda: len(fake.files.get(extend.original_id, {})) == 3)
            assert [job.action for job in runner.jobs] == ["compose", "vary", "extend"]
    run(scenario())


def test_a_control_waiting_for_its_cooldown_is_answered_after_a_restart(tmp_path):
    async def scenario():
        async with fake_discord() as fake:
            first, clock = FakeRunner(), Clock()
            # its stop gives up on the waiting job after 0.2 s (the default waits 20 s for it)
            async with running_bot(fake, first, tmp_path, cooldown_s=30,
                                   stop_timeout_s=0.2) as bot:
                bot.admission.clock = clock  # never moves: the bot stops while the job waits
                _, original = await composed(fake)
                await settled(bot)
                await fake.react(message_id(original), "🔁", ALICE)
                await fake.wait_for(lambda: said(fake, "⏳ starts in 30 s"))
            assert [job.action for job in first.jobs] == ["compose"]
            runner = FakeRunner()
            async with running_bot(fake, runner, tmp_path, cooldown_s=30, sync_commands=False):
                await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 2)
            assert [job.action for job in runner.jobs] == ["regenerate"]
    run(scenario())
