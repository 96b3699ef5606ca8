"""The bot in a voice channel: the real discord.py client (voice included: handshake, UDP,
encryption, Opus) against the fake Discord's voice server on loopback, which decrypts and
decodes every packet it receives. What is checked is what a listener would hear."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

import numpy as np
import pytest

from bot.jobs.pool import WorkerPool
from generation import Settings
from models.core.errors import TunesmithError
from tests.bot_harness import FakeRunner, fake_discord, running_bot
from tests.fake_discord import ALICE, BOB, EPHEMERAL, GUILD_ID
from tests.fake_discord_data import APP_ID, LOCKED_VOICE_ID, VOICE_ID
from tests.voice_harness import RenderedRunner, envelope, heard_mono, mp3_samples

pytestmark = pytest.mark.slow

RATE = 48_000


def run(coroutine, timeout: float = 90):
    return asyncio.run(asyncio.wait_for(coroutine, timeout))


async def compose(fake, runner, prompt: str = "a shaped piano piece"):
    """A piece through /compose; returns (piece id, its message)."""
    before = len(fake.with_files(".mp3"))
    await fake.slash("compose", prompt=prompt)
    await fake.wait_for(lambda: len(fake.with_files(".mp3")) > before, 60)
    message = fake.with_files(".mp3")[-1]
    piece_id = int(message["embeds"][0]["footer"]["text"].split("#")[1].split()[0])
    return piece_id, message


async def start_radio(fake, bot, prompt: str):
    """Alice, in the voice channel, starts a radio; returns it once it runs."""
    await fake.join_voice(ALICE, VOICE_ID)
    await fake.slash("radio", prompt=prompt)
    await fake.wait_for(lambda: bot.voice.rooms.get(GUILD_ID)
                        and bot.voice.rooms[GUILD_ID].radio, 30)
    return bot.voice.rooms[GUILD_ID].radio


def mp3_of(fake, message) -> bytes:
    files = fake.files[int(message["id"])]
    return next(data for name, data in files.items() if name.endswith(".mp3"))


def answer(fake, interaction) -> str:
    return fake.content_of(interaction) or ""


def test_play_sends_the_piece_to_the_voice_channel_with_its_length_and_loudness(tmp_path):
    async def scenario():
        runner = RenderedRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            await fake.join_voice(ALICE, VOICE_ID)
            piece_id, message = await compose(fake, runner)
            asked = await fake.slash("play", piece=piece_id)
            await fake.wait_for(lambda: answer(fake, asked).startswith("▶️"), 30)
            playing = answer(fake, asked)
            assert "🔊 lounge" in playing and f"#{piece_id}" in playing
            card = fake.messages[asked.original_id]["embeds"][0]
            assert card["title"] == "a shaped piano piece"
            assert fake.bot_voice_channel() == VOICE_ID
            await fake.wait_for(lambda: answer(fake, asked).startswith("⏹️ Played"), 60)
            session = fake.voice_sessions[-1]
            assert session.mode == "aead_xchacha20_poly1305_rtpsize" and not session.bad_packets
            assert 1 in session.speaking  # it said it was speaking before sending audio
            heard = heard_mono(fake.heard())
            piece, rate = mp3_samples(mp3_of(fake, message))
            # the piece's length; up to 5 frames of silence after it (discord.py's end)
            assert len(piece) / rate - 0.05 <= len(heard) / RATE <= len(piece) / rate + 0.15
            trimmed = heard[:int(len(piece) / rate * RATE)]
            ours, theirs = envelope(trimmed, RATE), envelope(piece, rate)
            count = min(len(ours), len(theirs))
            correlation = np.corrcoef(ours[:count], theirs[:count])[0, 1]
            assert correlation > 0.95, correlation
            # the same level, not only the same shape: within 1.5 dB where the piece sounds
            loud = theirs[:count] > theirs[:count].max() - 30
            assert abs(np.median(ours[:count][loud] - theirs[:count][loud])) < 1.5
    run(scenario())


def test_the_play_button_under_a_piece_plays_it(tmp_path):
    async def scenario():
        runner = RenderedRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            await fake.join_voice(BOB, VOICE_ID)
            piece_id, message = await compose(fake, runner)
            pressed = await fake.press(int(message["id"]), f"ts:play:{piece_id}", user_id=BOB)
            await fake.wait_for(lambda: answer(fake, pressed).startswith("▶️"), 30)
            await fake.wait_for(lambda: fake.heard_frames() > 50, 30)
            assert fake.bot_voice_channel() == VOICE_ID
    run(scenario())


def test_play_says_plainly_why_it_cannot_play(tmp_path):
    async def scenario():
        runner = RenderedRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            piece_id, _ = await compose(fake, runner)
            outside = await fake.slash("play", piece=piece_id)
            await fake.wait_for(lambda: outside.response is not None)
            assert outside.response["data"]["flags"] & EPHEMERAL
            assert "Join a voice channel first" in answer(fake, outside)
            await fake.join_voice(ALICE, LOCKED_VOICE_ID)
            locked = await fake.slash("play", piece=piece_id)
            await fake.wait_for(lambda: locked.response is not None)
            text = answer(fake, locked)
            assert "quiet room" in text and "Connect and Speak permission" in text
            missing = await fake.slash("play", piece=piece_id + 100)
            await fake.wait_for(lambda: missing.response is not None)
            assert "no such piece" in answer(fake, missing)
            assert fake.voice_updates == []  # it never tried to join
            assert fake.heard_frames() == 0
    run(scenario())


def test_stop_leave_and_leaving_by_itself_when_alone(tmp_path):
    async def scenario():
        runner = RenderedRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path,
                                                       voice_idle_s=0.5):
            await fake.join_voice(ALICE, VOICE_ID)
            await fake.join_voice(BOB, VOICE_ID)
            piece_id, _ = await compose(fake, runner)
            played = await fake.slash("play", piece=piece_id)
            await fake.wait_for(lambda: fake.heard_frames() > 25, 30)
            stop = await fake.slash("stop", user_id=BOB)
            await fake.wait_for(lambda: answer(fake, played).startswith("⏹️ Stopped"), 10)
            assert answer(fake, stop) == "⏹️ Stopped."
            assert fake.bot_voice_channel() == VOICE_ID  # stopping is not leaving
            leave = await fake.slash("leave")
            await fake.wait_for(lambda: fake.bot_voice_channel() is None, 10)
            await fake.wait_for(lambda: answer(fake, leave) == "👋 Left 🔊 lounge.", 10)
            again = await fake.slash("play", piece=piece_id)
            await fake.wait_for(lambda: answer(fake, again).startswith("▶️"), 30)
            await fake.join_voice(ALICE, None)
            await asyncio.sleep(1.0)  # Bob is still there: the bot stays
            assert fake.bot_voice_channel() == VOICE_ID
            await fake.join_voice(BOB, None)
            await fake.wait_for(lambda: fake.bot_voice_channel() is None, 10)
    run(scenario())


def test_radio_refuses_past_the_host_limit_and_obeys_its_role_and_stops_on_close(tmp_path):
    async def scenario():
        runner = RenderedRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path,
                                                       radios_per_host=0) as bot:
            await fake.join_voice(ALICE, VOICE_ID)
            full = await fake.slash("radio", prompt="calm piano")
            await fake.wait_for(lambda: full.response is not None)
            assert "radios already" in answer(fake, full) and full.response["data"]["flags"]
            assert fake.voice_updates == []
            bot.settings = replace(bot.settings, radios_per_host=1, radio_role="DJ")
            started = await fake.slash("radio", prompt="calm piano")
            await fake.wait_for(lambda: answer(fake, started).startswith("📻 Radio on"), 30)
            await fake.wait_for(lambda: fake.heard_frames() > 50, 60)
            refused = await fake.slash("stop", user_id=BOB)
            await fake.wait_for(lambda: refused.response is not None)
            assert "DJ role" in answer(fake, refused)
            steer = await fake.say("faster", BOB, reply_to=started.original_id)
            await fake.wait_for(lambda: fake.replies_to(steer), 10)
            assert "DJ role" in fake.replies_to(steer)[0]["content"]
            await bot.close()  # as on SIGTERM: the radio stops and the bot leaves the channel
            assert fake.bot_voice_channel() is None
            assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("radio-")]
            assert not [t for t in threading.enumerate() if t.name.startswith("audio-player")]
    run(scenario())


@pytest.mark.workers
def test_a_worker_killed_during_a_radio_does_not_stop_it(tmp_path):
    async def scenario():
        # the first piece kills its worker process (os._exit); the pool starts another
        pool = WorkerPool(Settings(out_dir=tmp_path / "out"), workers=1, job_timeout_s=60,
                          factory="tests.worker_composers:QuickComposer")
        async with fake_discord() as fake, running_bot(fake, pool, tmp_path,
                                                       radio_overlap_s=0.1) as bot:
            radio = await start_radio(fake, bot, "crash once")
            await fake.wait_for(lambda: len(radio.played) >= 3, 90)
            assert (tmp_path / "out" / "crashed-once").exists()  # a worker did die
            assert bot.voice.rooms[GUILD_ID].radio is radio  # and the radio played on
            assert fake.heard_frames() > 50
    run(scenario())


class FailsFirst(FakeRunner):
    """The first job fails as a job whose worker died twice does."""

    async def run(self, job, out_dir, progress=None):
        if not self.jobs:
            self.jobs.append(job)
            raise TunesmithError("the composer crashed twice on this request")
        return await super().run(job, out_dir, progress)


def test_a_radio_piece_that_fails_is_composed_again(tmp_path):
    async def scenario():
        runner = FailsFirst(mp3_ms=1500)
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path,
                                                       radio_overlap_s=0.1) as bot:
            radio = await start_radio(fake, bot, "a tune")
            await fake.wait_for(lambda: len(radio.played) >= 2, 60)
            assert len(runner.jobs) >= 3 and bot.voice.rooms[GUILD_ID].radio is radio
    run(scenario())


def test_a_mention_in_the_radio_channel_steers_it_and_a_new_request_changes_station(tmp_path):
    async def scenario():
        runner = FakeRunner(mp3_ms=1500)
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path,
                                                       radio_overlap_s=0.1) as bot:
            radio = await start_radio(fake, bot, "calm piano")
            await fake.wait_for(lambda: radio.played, 30)
            steer = await fake.say(f"<@{APP_ID}> a bit faster", BOB)
            await fake.wait_for(lambda: fake.replies_to(steer), 30)
            assert "Next on the radio" in fake.replies_to(steer)[0]["content"]
            await fake.wait_for(lambda: any(job.action == "edit" for job in runner.jobs), 30)
            edit = next(job for job in runner.jobs if job.action == "edit")
            assert edit.changes and edit.base["tempo_bpm"] == 90
            station = await fake.say(f"<@{APP_ID}> now something different: a celtic jig", BOB)
            await fake.wait_for(lambda: fake.replies_to(station), 30)
            assert "Changing station" in fake.replies_to(station)[0]["content"]
            await fake.wait_for(lambda: runner.jobs[-1].action == "compose"
                                and "jig" in runner.jobs[-1].text, 30)
            assert radio.prompt.endswith("a celtic jig")
    run(scenario())


def test_playing_goes_on_through_a_gateway_reconnect(tmp_path):
    async def scenario():
        runner = RenderedRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path,
                                                       reconnect=True):
            await fake.join_voice(ALICE, VOICE_ID)
            piece_id, _ = await compose(fake, runner)
            played = await fake.slash("play", piece=piece_id)
            await fake.wait_for(lambda: fake.heard_frames() > 25, 30)
            sessions = len(fake.voice_sessions)
            await fake.sockets[-1].close(code=4000)  # the main gateway drops the bot
            await fake.wait_for(lambda: fake.resumes == 1, 30)
            await fake.wait_for(lambda: answer(fake, played).startswith("⏹️ Played"), 60)
            assert len(fake.voice_sessions) == sessions  # the same voice connection went on
            heard = heard_mono(fake.heard())
            assert len(heard) / RATE >= runner.rendered[-1].duration_s - 0.05
            assert fake.bot_voice_channel() == VOICE_ID
    run(scenario())
