"""The real discord.py client against the fake Discord on loopback, with an in-process runner."""

from __future__ import annotations

import asyncio
import io
import logging
import re

import symusic
from pydub import AudioSegment

from bot.run_bot import quiet_discord_logs
from generation import MAX_PROMPT
from tests.bot_harness import TOKEN, FakeRunner, fake_discord, running_bot
from tests.fake_discord import ALICE, BOB, CAROL, EPHEMERAL, GUILD_ID

INTENT_GUILDS, INTENT_GUILD_REACTIONS, INTENT_DM_REACTIONS = 1, 1 << 10, 1 << 13
INTENT_GUILD_MESSAGES, INTENT_DM_MESSAGES, INTENT_MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15
INTENT_VOICE_STATES = 1 << 7


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 60))


def message_id(message) -> int:
    return int(message["id"])


def custom_id(message, action: str) -> str:
    for row in message["components"]:
        for item in row["components"]:
            if item.get("custom_id", "").startswith(f"ts:{action}:"):
                return item["custom_id"]
    raise AssertionError(f"no {action} control on the message")


async def composed(fake, prompt="calm piano in D minor", user=ALICE, **options):
    """Run /compose and wait for the finished message."""
    before = len(fake.with_files(".mp3"))
    interaction = await fake.slash("compose", user, prompt=prompt, **options)
    await fake.wait_for(lambda: len(fake.with_files(".mp3")) > before)
    message = fake.with_files(".mp3")[-1]
    # The bot reacts once the piece is on record, so reactions only start to count then.
    await fake.wait_for(lambda: fake.reactions.get(message_id(message)))
    return interaction, message


def test_startup_syncs_typed_commands_with_minimal_intents(tmp_path):
    async def scenario():
        async with fake_discord() as fake, running_bot(fake, FakeRunner(), tmp_path):
            names = {c["name"] for c in fake.commands[GUILD_ID]}
            assert names == {"compose", "continue", "vary", "blend", "history", "show", "help",
                             "styles", "play", "stop", "leave", "radio"}
            options = {o["name"]: o for o in fake.command("compose")["options"]}
            assert options["prompt"]["required"]
            assert options["prompt"]["max_length"] == MAX_PROMPT == 1000
            assert options["prompt"]["description"]
            assert (options["tempo"]["min_value"], options["tempo"]["max_value"]) == (40, 240)
            assert len(options["key"]["choices"]) == 24
            assert options["instrument"]["autocomplete"]
            intents = fake.identify["intents"]
            assert intents == (INTENT_GUILDS | INTENT_GUILD_REACTIONS | INTENT_DM_REACTIONS
                               | INTENT_GUILD_MESSAGES | INTENT_DM_MESSAGES | INTENT_VOICE_STATES)
            assert not intents & INTENT_MESSAGE_CONTENT
            choices = await fake.autocomplete("compose", "instrument", "vio")
            assert [c["value"] for c in choices] == ["violin", "viola"]
    run(scenario())


def test_compose_delivers_playable_files_with_an_embed(tmp_path):
    async def scenario():
        runner = FakeRunner()
        runner.gate = asyncio.Event()  # the job waits until the deferral has been seen
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            asked = asyncio.create_task(composed(fake, "calm piano in D minor @everyone",
                                                 seed=5, tempo=100))
            await fake.wait_for(lambda: runner.jobs)
            # Discord's 3 s are met on any machine: the bot defers before the job runs,
            # not after it (the job is still held here)
            [deferred] = fake.interactions.values()
            await fake.wait_for(lambda: deferred.response is not None)
            runner.gate.set()
            interaction, message = await asked
            assert interaction is deferred and interaction.response_type == 5  # "thinking…"
            files = fake.files[message_id(message)]
            assert sorted(name.rsplit(".", 1)[1] for name in files) == ["mid", "mp3", "png"]
            midi = next(v for k, v in files.items() if k.endswith(".mid"))
            assert symusic.Score.from_midi(midi).note_num() == 8
            mp3 = next(v for k, v in files.items() if k.endswith(".mp3"))
            assert len(AudioSegment.from_file(io.BytesIO(mp3), format="mp3")) > 400  # ms
            embed = message["embeds"][0]
            fields = {f["name"]: f["value"] for f in embed["fields"]}
            assert fields["Seed"] == "5" and fields["Tempo"] == "100 bpm"
            assert "calm" in fields["Inferred"]
            assert "@everyone" not in embed["title"]  # echoed text is escaped
            history = fake.edits[message_id(message)]
            assert any(text.startswith("⏳ Queued, #1") for text in history)
            assert any("Composing" in text for text in history)
            sent = [payload for _, _, payload in fake.requests
                    if isinstance(payload, dict) and "content" in payload]
            assert sent and all(p["allowed_mentions"]["parse"] == [] for p in sent)
            await fake.wait_for(lambda: len(fake.reactions.get(message_id(message), [])) == 7)
    run(scenario())


def test_bad_prompt_and_unknown_instrument_get_an_instant_private_error(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            blank = await fake.slash("compose", prompt="   ")
            await fake.wait_for(lambda: blank.response is not None)
            assert blank.response["type"] == 4
            assert blank.response["data"]["flags"] & EPHEMERAL
            assert "empty" in blank.response["data"]["content"]
            kazoo = await fake.slash("compose", prompt="a tune", instrument="kazoo")
            await fake.wait_for(lambda: kazoo.response is not None)
            assert "'kazoo' is not an instrument" in kazoo.response["data"]["content"]
            assert runner.jobs == []
    run(scenario())


def test_cooldown_refuses_with_when_to_try_again(tmp_path):
    async def scenario():
        async with fake_discord() as fake, \
                running_bot(fake, FakeRunner(), tmp_path, cooldown_s=30) as bot:
            now = [1000.0]  # the cooldown's clock, driven here: no machine is too slow for it
            bot.admission.clock = lambda: now[0]
            await composed(fake)
            now[0] += 12.0
            again = await fake.slash("compose", prompt="another one")
            await fake.wait_for(lambda: again.response is not None)
            text = again.response["data"]["content"]
            assert again.response["data"]["flags"] & EPHEMERAL
            assert "ask again in 18 s" in text, text  # 30 s after the first one started
            other = await fake.slash("compose", BOB, prompt="bob is not cooling down")
            await fake.wait_for(lambda: other.response is not None)
            assert other.response["type"] == 5
    run(scenario())


def test_queue_caps_refuse_and_the_waiting_job_still_arrives(tmp_path):
    async def scenario():
        runner = FakeRunner()
        runner.gate = asyncio.Event()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path,
                                                       queue_per_user=1, queue_total=2):
            first = await fake.slash("compose", prompt="first")
            await fake.wait_for(lambda: first.response is not None)
            # the first job must be running (not waiting) for Bob's to be first in line
            await fake.wait_for(lambda: len(runner.jobs) == 1)
            second = await fake.slash("compose", prompt="second")
            await fake.wait_for(lambda: second.response is not None)
            assert "already have 1 pieces on the way" in second.response["data"]["content"]
            bob = await fake.slash("compose", BOB, prompt="bob's")
            await fake.wait_for(lambda: bob.response is not None)
            assert bob.response["type"] == 5
            await fake.wait_for(lambda: "Queued, #1" in (fake.content_of(bob) or ""))
            full = await fake.slash("compose", CAROL, prompt="third")
            await fake.wait_for(lambda: full.response is not None)
            assert "try again in about" in full.response["data"]["content"]
            runner.gate.set()
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 2)
    run(scenario())


def test_regenerate_reaction_and_button_each_bring_a_new_piece(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            _, original = await composed(fake, seed=5)
            await fake.react(message_id(original), "🔁", BOB)
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 2)
            by_reaction = fake.with_files(".mp3")[-1]
            assert runner.jobs[-1].action == "regenerate"
            assert runner.jobs[-1].text == "calm piano in D minor"
            assert runner.jobs[-1].seed != 5
            assert by_reaction["type"] == 0  # a plain channel message
            pressed = await fake.press(message_id(original), custom_id(original, "regenerate"))
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 3)
            assert pressed.response_type == 5
            seeds = {job.seed for job in runner.jobs}
            assert len(seeds) == 3
    run(scenario())


def test_button_pressed_after_a_restart_still_works(tmp_path):
    async def scenario():
        async with fake_discord() as fake:
            async with running_bot(fake, FakeRunner(), tmp_path):
                _, original = await composed(fake, tempo=100)
            runner = FakeRunner()
            async with running_bot(fake, runner, tmp_path, sync_commands=False):
                await fake.press(message_id(original), custom_id(original, "faster"))
                await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 2)
                assert runner.jobs[0].action == "faster"
                assert runner.jobs[0].base["tempo_bpm"] == 100
                faster = fake.with_files(".mp3")[-1]
                fields = {f["name"]: f["value"] for f in faster["embeds"][0]["fields"]}
                assert fields["Tempo"] == "125 bpm"
    run(scenario())


def test_only_the_owner_can_delete_and_delete_removes_the_message(tmp_path):
    async def scenario():
        async with fake_discord() as fake, running_bot(fake, FakeRunner(), tmp_path) as bot:
            _, message = await composed(fake)
            refused = await fake.press(message_id(message), custom_id(message, "delete"), BOB)
            await fake.wait_for(lambda: refused.response is not None)
            assert "Only the person who made" in refused.response["data"]["content"]
            await fake.react(message_id(message), "🗑️", BOB)
            await asyncio.sleep(0.3)
            assert message_id(message) not in fake.deleted
            await fake.press(message_id(message), custom_id(message, "delete"), ALICE)
            await fake.wait_for(lambda: message_id(message) in fake.deleted)
            piece = int(custom_id(message, "delete").rsplit(":", 1)[1])
            for _ in range(50):
                if await bot.store.piece(piece) is None:
                    break
                await asyncio.sleep(0.05)
            assert await bot.store.piece(piece) is None
    run(scenario())


def test_instrument_menu_and_edit_form(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            _, message = await composed(fake)
            menu = await fake.press(message_id(message), custom_id(message, "instrument"))
            await fake.wait_for(lambda: menu.original_id is not None)
            picker = fake.messages[menu.original_id]
            assert picker["flags"] & EPHEMERAL
            select = picker["components"][0]["components"][0]["custom_id"]
            await fake.press(menu.original_id, select, values=["violin"])
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 2)
            assert (runner.jobs[-1].action, runner.jobs[-1].instrument) == ("instrument", "violin")
            form = await fake.press(message_id(message), custom_id(message, "edit"))
            await fake.wait_for(lambda: form.response is not None)
            assert form.response["type"] == 9  # a modal
            assert form.response["data"]["components"][0]["components"][0]["value"] == \
                "calm piano in D minor"
            await fake.submit(form.response["data"]["custom_id"], {"prompt": "sad cello"})
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 3)
            assert (runner.jobs[-1].action, runner.jobs[-1].text) == ("compose", "sad cello")
    run(scenario())


def test_history_and_show(tmp_path):
    async def scenario():
        async with fake_discord() as fake, running_bot(fake, FakeRunner(), tmp_path):
            await composed(fake, "first tune")
            await composed(fake, "second tune")
            listing = await fake.slash("history")
            await fake.wait_for(lambda: listing.response is not None)
            text = listing.response["data"]["content"]
            assert text.index("second tune") < text.index("first tune")
            assert "https://discord.com/channels/" in text
            shown = await fake.slash("show", BOB, id=1)  # deferred, then the files
            await fake.wait_for(lambda: shown.original_id is not None
                                and fake.files.get(shown.original_id))
            assert len(fake.files[shown.original_id]) == 3
            missing = await fake.slash("show", id=99)
            await fake.wait_for(lambda: missing.response is not None)
            assert "no piece #99" in missing.response["data"]["content"]
    run(scenario())


def test_vary_with_a_strength_and_blend_two_pieces(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            await composed(fake, "first tune", tempo=100)
            await composed(fake, "second tune", tempo=120)
            options = {o["name"]: o for o in fake.command("vary")["options"]}
            assert (options["strength"]["min_value"], options["strength"]["max_value"]) == (
                0.05, 1.0)
            await fake.slash("vary", piece=1, strength=0.25)
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 3)
            job = runner.jobs[-1]
            assert (job.action, job.amount, job.text) == ("vary", 0.25, "first tune")
            await fake.slash("blend", first=2, second=1, mix=0.75)
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 4)
            job = runner.jobs[-1]
            assert (job.action, job.amount) == ("blend", 0.75)
            assert (job.base["tempo_bpm"], job.other["tempo_bpm"]) == (120, 100)
            same = await fake.slash("blend", first=1, second=1)
            await fake.wait_for(lambda: same.response is not None)
            assert "two different pieces" in same.response["data"]["content"]
            await fake.slash("compose", BOB, prompt="bob's secret", private=True)
            await fake.wait_for(lambda: len(fake.with_files(".mp3")) == 5)  # #5, Bob's only
            hidden = await fake.slash("blend", first=1, second=5)
            await fake.wait_for(lambda: hidden.response is not None)
            assert "no piece #5" in hidden.response["data"]["content"]
    run(scenario())


def test_job_that_outlives_the_interaction_token_arrives_in_the_channel(tmp_path):
    async def scenario():
        runner = FakeRunner(delay_s=0.6)
        async with fake_discord(token_ttl_s=0.5) as fake, \
                running_bot(fake, runner, tmp_path, interaction_ttl_s=0.4):
            interaction = await fake.slash("compose", prompt="a long one")
            await fake.wait_for(lambda: fake.with_files(".mp3"))
            message = fake.with_files(".mp3")[0]
            assert message_id(message) != interaction.original_id
            assert message["type"] == 0 and "webhook_id" not in message
            assert len(fake.files[message_id(message)]) == 3
    run(scenario())


def test_an_mp3_over_the_upload_limit_is_sent_at_a_lower_bitrate(tmp_path):
    async def scenario():
        runner = FakeRunner(mp3_ms=2000, bitrate="192k")  # about 48 KB
        async with fake_discord(upload_limit=30_000) as fake, \
                running_bot(fake, runner, tmp_path):
            await fake.slash("compose", prompt="small server")
            await fake.wait_for(lambda: fake.with_files(".mp3"))
            message = fake.with_files(".mp3")[0]
            files = fake.files[message_id(message)]
            mp3 = next(v for k, v in files.items() if k.endswith(".mp3"))
            assert sum(map(len, files.values())) <= 30_000 and len(files) == 3
            assert re.search(r"The MP3 is at \d+ kbps", message["content"])
            assert len(AudioSegment.from_file(io.BytesIO(mp3), format="mp3")) > 1_900  # ms
    run(scenario())


def test_files_over_the_upload_limit_fall_back_to_midi(tmp_path):
    async def scenario():
        async with fake_discord(upload_limit=1500) as fake, \
                running_bot(fake, FakeRunner(), tmp_path):
            await fake.slash("compose", prompt="tiny server")
            await fake.wait_for(lambda: fake.with_files(".mid"))
            message = fake.with_files(".mid")[0]
            assert [name[-4:] for name in fake.files[message_id(message)]] == [".mid", ".png"]
            assert "audio does not fit this server's" in message["content"]
    run(scenario())


def test_the_token_never_reaches_a_log_line(tmp_path):
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            if not record.name.startswith("aiohttp.access"):  # the fake server's own log
                records.append(self.format(record))

    root = logging.getLogger()
    handler, level = Keep(level=logging.DEBUG), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        quiet_discord_logs(TOKEN)
        logging.getLogger("tunesmith.test").info("settings %s and a stray %s", "x", TOKEN)

        async def scenario():
            async with fake_discord() as fake, running_bot(fake, FakeRunner(), tmp_path) as bot:
                logging.getLogger("tunesmith.test").info("bot settings: %r", bot.settings)
                await composed(fake)
        run(scenario())
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for name in ("discord.http", "discord.webhook.async_", "discord.gateway",
                     "discord.client"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    text = "\n".join(records)
    assert "[token]" in text and "bot settings: BotSettings(" in text
    assert TOKEN not in text
    assert "itoken-" not in text  # interaction tokens ride in discord.http DEBUG lines


def test_a_token_that_expires_mid_delivery_falls_back_to_the_channel(tmp_path):
    async def scenario():
        runner = FakeRunner(delay_s=0.7)
        async with fake_discord(token_ttl_s=0.5) as fake, running_bot(fake, runner, tmp_path):
            interaction = await fake.slash("compose", prompt="the server said no")
            await fake.wait_for(lambda: fake.with_files(".mp3"))
            message = fake.with_files(".mp3")[0]
            assert message_id(message) != interaction.original_id and message["type"] == 0
            assert fake.expired_calls >= 1  # edits were refused, then the channel got it
    run(scenario())
