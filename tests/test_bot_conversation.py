"""Conversations in messages, driven through the fake Discord with the real discord.py client:
mentions compose, replies edit or ask about the piece replied to, direct messages are a private
conversation, nothing pings, and a conversation survives a restart.

The edits whose music is checked run the real Composer in the worker pool; the others use the
in-process FakeRunner, which records the jobs the bot hands it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.handlers.delivery import lineage_line
from bot.jobs.pool import WorkerPool
from bot.records.store import JobRow
from generation import change_words
from generation.job import Job
from generation.settings import Settings
from tests.bot_harness import FakeRunner, fake_discord, running_bot
from tests.fake_discord import ALICE, APP_ID, BOB, CHANNEL_ID, EPHEMERAL
from tests.fake_discord_data import dm_channel_id
from tests.test_bot_discord import custom_id, message_id

MENTION = f"<@{APP_ID}>"
PROGRESS = ("⏳ Queued", "⏳ starts in", "🎼 Composing")  # status lines, not answers


def run(coroutine, timeout_s: float = 60):
    return asyncio.run(asyncio.wait_for(coroutine, timeout_s))


async def answer(fake, said: int, *, files: bool = False) -> dict:
    """The bot's reply to message `said` (one carrying files when `files`)."""
    def found():
        replies = [m for m in fake.replies_to(said)
                   if (fake.files.get(message_id(m)) if files
                       else not m["content"].startswith(PROGRESS))]
        return replies[-1] if replies else None
    return await fake.wait_for(found, timeout=60)


async def piece_id_of(bot, message: dict) -> int:
    """The piece a message shows, as the bot recorded it (the id is recorded after posting)."""
    for _ in range(100):
        piece = await bot.store.piece_by_message(message_id(message))
        if piece is not None:
            return piece.id
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message['id']} shows no piece")


async def job_parent(bot, piece_id: int) -> int | None:
    versions = await bot.store.versions(piece_id)
    return versions[-2].id if len(versions) > 1 else None


async def jobs_recorded(bot) -> int:
    """How many jobs the bot has accepted (each is recorded before it runs)."""
    async with bot.store.sessions() as session:
        return await session.scalar(select(func.count()).select_from(JobRow))


def bot_posts(fake) -> list[dict]:
    return [m for m in fake.messages.values() if m["author"]["id"] == str(APP_ID)]


def real_pool(tmp_path: Path) -> WorkerPool:
    return WorkerPool(Settings(out_dir=tmp_path / "out"), workers=1, job_timeout_s=120,
                      factory="generation.composer:Composer")


@pytest.mark.slow
@pytest.mark.workers
@pytest.mark.model
def test_a_reply_edits_that_piece_and_a_question_is_answered_without_a_job(tmp_path):
    async def scenario():
        async with fake_discord() as fake, running_bot(fake, real_pool(tmp_path),
                                                       tmp_path) as bot:
            asked = await fake.say(f"{MENTION} calm piano in D minor")
            first = await answer(fake, asked, files=True)
            first_id = await piece_id_of(bot, first)
            edit = await fake.say("faster and add a cello", reply_to=message_id(first))
            second = await answer(fake, edit, files=True)
            second_id = await piece_id_of(bot, second)
            before = (await bot.store.piece(first_id)).composition
            after = (await bot.store.piece(second_id)).composition
            delivered = json.loads(after.json.read_text())["spec"]  # the piece's .json
            assert delivered["tempo_bpm"] > before.spec["tempo_bpm"]
            assert "cello" in delivered["instruments"]
            assert "cello" not in before.spec["instruments"]
            assert delivered["key"] == before.spec["key"] == "D minor"
            assert delivered["meter"] == before.spec["meter"]
            assert await job_parent(bot, second_id) == first_id
            assert f"#{second_id} ← #{first_id}" in second["content"]
            assert "bpm" in second["content"] and "+ cello" in second["content"]
            fields = {f["name"]: f["value"] for f in second["embeds"][0]["fields"]}
            assert fields["Key"] == "D minor" and "cello" in fields["Instruments"]
            assert second["message_reference"]["message_id"] == str(edit)

            pieces = len(fake.with_files(".mp3"))
            question = await fake.say("what key is this in?", reply_to=message_id(second))
            said = await answer(fake, question)
            assert said["content"] == f"piece #{second_id} is in D minor"
            # answered, and no job recorded: a job started by mistake is in the jobs table
            # before it could reach the worker, however long composing takes
            assert await jobs_recorded(bot) == 2

            undo = await fake.say("undo", reply_to=message_id(second))
            back = await answer(fake, undo, files=True)
            assert back["content"].startswith(f"↩️ v1 (#{first_id})")
            assert "− cello" in back["content"]
            assert await piece_id_of(bot, back) == first_id  # a reply to it edits v1
            assert len(fake.with_files(".mp3")) == pieces + 1  # shown again, not composed
            assert len(await bot.store.history(ALICE)) == 2
            assert await jobs_recorded(bot) == 2  # nor one the question started late
    run(scenario(), 240)


def test_a_mention_composes_and_nothing_ever_pings(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            asked = await fake.say(f"hey {MENTION} a jig on the flute for @everyone <@{BOB}>")
            piece = await answer(fake, asked, files=True)
            [job] = runner.jobs
            assert (job.action, job.text) == ("compose", "hey a jig on the flute for "
                                                         f"@everyone <@{BOB}>")
            assert piece["message_reference"]["message_id"] == str(asked)
            assert int(piece["channel_id"]) == CHANNEL_ID
            assert "@everyone" not in piece["content"]  # echoed text is escaped
            assert len(fake.files[message_id(piece)]) == 3
            progress = [m for m in fake.messages.values()
                        if m.get("message_reference", {}).get("message_id") == str(asked)
                        and any(t.startswith("⏳ Queued") for t in fake.edits[int(m["id"])])]
            assert progress  # the progress was a reply too, and goes once the piece is there
            await fake.wait_for(lambda: all(int(m["id"]) in fake.deleted for m in progress))
            await fake.wait_for(lambda: len(fake.reactions.get(message_id(piece), [])) == 7)
            posts = bot_posts(fake)
            assert posts and all(not fake.pings[int(m["id"])] for m in posts)
            sent = [p for method, path, p in fake.requests
                    if method == "POST" and path == f"/channels/{CHANNEL_ID}/messages"]
            assert sent and all(p["allowed_mentions"] == {"parse": []} for p in sent)
    run(scenario())


def test_messages_not_meant_for_the_bot_are_ignored(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            hello = await fake.say("a jig on the flute")  # Discord gives the bot no words
            await fake.say(f"<@{ALICE}> nice one", BOB, reply_to=hello)
            await fake.say("@everyone a waltz please", BOB)
            await asyncio.sleep(0.5)
            assert runner.jobs == [] and bot_posts(fake) == []
    run(scenario())


def test_two_people_branch_from_the_same_piece(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path) as bot:
            await fake.slash("compose", prompt="calm piano in D minor", seed=5)
            await fake.wait_for(lambda: fake.with_files(".mp3"))
            root = fake.with_files(".mp3")[0]
            root_id = await piece_id_of(bot, root)
            alice = await fake.say("a bit slower please", ALICE, reply_to=message_id(root))
            bob = await fake.say("add a cello", BOB, reply_to=message_id(root), ping=False)
            alice_piece = await answer(fake, alice, files=True)
            bob_piece = await answer(fake, bob, files=True)
            edits = {job.changes.get("add", ("slower",))[0]: job for job in runner.jobs[1:]}
            assert set(edits) == {"slower", "cello"}
            assert edits["slower"].changes["tempo_factor"] < 1
            root_spec = (await bot.store.piece(root_id)).composition.spec
            for job in edits.values():
                assert (job.action, job.seed, job.base) == ("edit", 5, root_spec)
            alice_id = await piece_id_of(bot, alice_piece)
            bob_id = await piece_id_of(bot, bob_piece)
            assert alice_id != bob_id
            assert await job_parent(bot, alice_id) == root_id == await job_parent(bot, bob_id)

            again = await fake.say("now add a flute", BOB, reply_to=message_id(bob_piece))
            third = await answer(fake, again, files=True)
            third_id = await piece_id_of(bot, third)
            assert [p.id for p in await bot.store.versions(third_id)] == [root_id, bob_id,
                                                                         third_id]
            first = await fake.say("go back to the first one", BOB, reply_to=message_id(third))
            shown = await answer(fake, first, files=True)
            assert shown["content"].startswith(f"↩️ v1 (#{root_id})")
            missing = await fake.say("version 7", BOB, reply_to=message_id(third))
            told = await answer(fake, missing)
            assert f"no version 7: piece #{third_id} has v1–v3" in told["content"]
            # a reply to one of the bot's answers is about the piece last shown to that user
            key = await fake.say("what key is it in?", BOB, reply_to=message_id(told))
            assert (await answer(fake, key))["content"] == f"piece #{root_id} is in D minor"
    run(scenario())


def test_a_direct_message_is_a_private_conversation(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path) as bot:
            asked = await fake.say("calm piano in D minor", dm=True)
            first = await answer(fake, asked, files=True)
            assert int(first["channel_id"]) == dm_channel_id(ALICE) and "guild_id" not in first
            first_id = await piece_id_of(bot, first)
            question = await fake.say("what tempo is it?", dm=True)
            assert (await answer(fake, question))["content"] == f"piece #{first_id} is at 90 bpm"
            faster = await fake.say("faster", dm=True)
            second = await answer(fake, faster, files=True)
            second_id = await piece_id_of(bot, second)
            assert runner.jobs[-1].action == "edit"
            assert runner.jobs[-1].base == (await bot.store.piece(first_id)).composition.spec
            assert await job_parent(bot, second_id) == first_id
            undo = await fake.say("undo", dm=True)
            back = await answer(fake, undo, files=True)
            assert back["content"].startswith(f"↩️ v1 (#{first_id})")
            vary = await fake.say("a little different", dm=True)  # of v1, shown last
            await answer(fake, vary, files=True)
            assert runner.jobs[-1].action == "vary"
            assert runner.jobs[-1].base == (await bot.store.piece(first_id)).composition.spec
            await asyncio.sleep(0.2)
            assert all(not m.get("guild_id") for m in bot_posts(fake))  # nothing in the guild
            assert not fake.reactions
    run(scenario())


def test_a_conversation_survives_a_restart(tmp_path):
    async def scenario():
        async with fake_discord() as fake:
            first_runner = FakeRunner()
            async with running_bot(fake, first_runner, tmp_path, stop_timeout_s=0.2) as bot:
                asked = await fake.say(f"{MENTION} calm piano in D minor")
                first = await answer(fake, asked, files=True)
                first_id = await piece_id_of(bot, first)
                first_spec = (await bot.store.piece(first_id)).composition.spec
                first_runner.gate = asyncio.Event()  # never set: the bot stops while it waits
                edit = await fake.say("faster and add a cello", reply_to=message_id(first))
                await fake.wait_for(lambda: len(first_runner.jobs) == 2)
            assert len(fake.with_files(".mp3")) == 1
            runner = FakeRunner()
            async with running_bot(fake, runner, tmp_path, sync_commands=False) as bot:
                second = await answer(fake, edit, files=True)
                [job] = runner.jobs
                assert job.action == "edit" and job.base == first_spec
                assert job.changes == {"tempo_factor": 1.15, "add": ["cello"]}
                second_id = await piece_id_of(bot, second)
                assert await job_parent(bot, second_id) == first_id
                assert f"#{second_id} ← #{first_id}" in second["content"]
                question = await fake.say("how fast is it?", reply_to=message_id(second))
                assert "bpm" in (await answer(fake, question))["content"]
                again = await fake.say("again", reply_to=message_id(second))
                await answer(fake, again, files=True)
                assert runner.jobs[-1].action == "regenerate"
            assert len(fake.with_files(".mp3")) == 3  # one piece per request, no repeats
    run(scenario())


def test_the_edit_form_takes_an_edit_sentence(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path) as bot:
            await fake.slash("compose", prompt="calm piano in D minor", seed=5)
            await fake.wait_for(lambda: fake.with_files(".mp3"))
            message = fake.with_files(".mp3")[0]
            piece = await bot.store.piece(await piece_id_of(bot, message))
            form = await fake.press(message_id(message), custom_id(message, "edit"))
            await fake.wait_for(lambda: form.response is not None)
            await fake.submit(form.response["data"]["custom_id"],
                              {"prompt": "a bit faster and add a cello"})
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 2)
            job = runner.jobs[-1]
            assert job.action == "edit" and job.base == piece.composition.spec
            assert list(job.changes["add"]) == ["cello"] and job.changes["tempo_factor"] > 1
            edited = fake.with_files(".mp3")[-1]
            assert await job_parent(bot, await piece_id_of(bot, edited)) == piece.id
            form = await fake.press(message_id(message), custom_id(message, "edit"))
            await fake.wait_for(lambda: form.response is not None)  # a form is used once
            asked = await fake.submit(form.response["data"]["custom_id"],
                                      {"prompt": "what key is this in?"})
            await fake.wait_for(lambda: asked.response is not None)
            assert asked.response["data"]["flags"] & EPHEMERAL
            assert asked.response["data"]["content"] == f"piece #{piece.id} is in D minor"
            assert len(runner.jobs) == 2
    run(scenario())


def test_odd_messages_get_a_short_answer_and_the_limits_hold(tmp_path):
    async def scenario():
        runner = FakeRunner()
        runner.gate = asyncio.Event()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path,
                                                       queue_per_user=1) as bot:
            bare = await fake.say(MENTION)
            assert "Reply to one of my pieces" in (await answer(fake, bare))["content"]
            thanks = await fake.say(f"thanks {MENTION}!")
            assert (await answer(fake, thanks))["content"].startswith("Glad to help")
            undo = await fake.say(f"{MENTION} undo")
            assert "no piece to change yet" in (await answer(fake, undo))["content"]
            long = await fake.say(f"{MENTION} {'la ' * 400}")
            assert "the limit is 1000" in (await answer(fake, long))["content"]

            first = await fake.say(f"{MENTION} a waltz")
            await fake.wait_for(lambda: runner.jobs)
            second = await fake.say(f"{MENTION} a tango")
            assert "already have 1 pieces on the way" in (await answer(fake, second))["content"]
            runner.gate.set()
            piece = await answer(fake, first, files=True)
            piece_id = await piece_id_of(bot, piece)
            await bot.store.mark_deleted(piece_id)
            late = await fake.say("slower", reply_to=message_id(piece))
            assert f"piece #{piece_id} was deleted" in (await answer(fake, late))["content"]
            assert len(runner.jobs) == 1
    run(scenario())


def test_the_change_line_names_what_differs_between_two_specs():
    base = {"key": "D minor", "tempo_bpm": 64, "meter": "4/4", "style": "classical",
            "mood": "calm", "valence": 0.2, "arousal": -0.5, "instruments": ["piano"],
            "parts": [{"instrument": "piano", "role": "lead"}], "total_duration_s": 30.2}
    edited = {**base, "tempo_bpm": 74, "instruments": ["piano", "cello"]}
    job = Job(action="edit", text="calm piano", base=base, changes={"add": ["cello"]})
    assert lineage_line(9, 4, job, edited) == "#9 ← #4: 64 → 74 bpm, + cello; the rest kept"
    sadder = {**base, "valence": -0.1}
    assert change_words(base, sadder) == ["valence +0.20 → -0.10"]
    recast = {**base, "parts": [{"instrument": "violin", "role": "lead"}],
              "instruments": ["violin"]}
    assert change_words(base, recast) == ["melody on violin", "+ violin", "− piano"]
    assert lineage_line(9, 4, Job(action="edit", base=base), base).endswith(
        "no attribute changed; the rest kept")
    again = Job(action="regenerate", base=base)
    assert lineage_line(10, 4, again, base) == "#10 ← #4: again with a new seed"


def test_a_question_back_is_answered_by_button_or_by_number(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path) as bot:
            asked = await fake.say(f"{MENTION} calm piano in D minor")
            first = await answer(fake, asked, files=True)
            first_id = await piece_id_of(bot, first)
            line = await fake.say("trumpet", reply_to=message_id(first))  # add it, or lead?
            question = await answer(fake, line)
            assert "add a trumpet" in question["content"] and "melody" in question["content"]
            buttons = [item for row in question["components"] for item in row["components"]]
            assert [b["custom_id"] for b in buttons] == [f"ts:pick:{n}:{first_id}"
                                                         for n in (1, 2)]
            assert len(runner.jobs) == 1  # nothing composed before the answer
            refused = await fake.press(message_id(question), custom_id(question, "pick"), BOB)
            await fake.wait_for(lambda: refused.response is not None)
            assert refused.response["data"]["flags"] & EPHEMERAL and len(runner.jobs) == 1

            await fake.press(message_id(question), buttons[1]["custom_id"])  # 2: the melody
            edited = await answer(fake, line, files=True)
            job = runner.jobs[-1]
            assert (job.action, job.changes) == ("edit", {"lead": "trumpet"})
            assert await job_parent(bot, await piece_id_of(bot, edited)) == first_id
            shown = fake.messages[message_id(question)]
            assert shown["components"] == [] and "→ give the trumpet the melody" in shown[
                "content"]

            again = await fake.say("trumpet", reply_to=message_id(first))
            second = await answer(fake, again)
            typed = await fake.say("1", reply_to=message_id(second))  # typing its number
            await answer(fake, typed, files=True)
            assert (runner.jobs[-1].action, runner.jobs[-1].changes) == (
                "edit", {"add": ("trumpet",)})
    run(scenario())
