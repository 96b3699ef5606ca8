"""/continue through the fake Discord: size refused before download, hostile files explained,
a good file continued from its clean rewrite."""

from __future__ import annotations

import asyncio
from pathlib import Path

import symusic

from tests.bot_harness import FakeRunner, fake_discord, running_bot
from tests.fake_discord import EPHEMERAL
from tests.test_upload import SCALE, score_bytes


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 60))


def test_an_oversized_upload_is_refused_without_downloading_it(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            big = await fake.slash("continue", attachment=("big.mid", b"MThd" + bytes(300_000)))
            await fake.wait_for(lambda: big.response is not None)
            assert big.response["type"] == 4 and big.response["data"]["flags"] & EPHEMERAL
            assert "the limit is 256 KB" in big.response["data"]["content"]
            assert fake.cdn_hits == 0 and runner.jobs == []
    run(scenario())


def test_a_hostile_upload_gets_a_clear_midi_error(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            hostile = await fake.slash("continue", attachment=(
                "evil.mid", score_bytes(SCALE, tempo=1000)))
            await fake.wait_for(lambda: "⚠️" in (fake.content_of(hostile) or ""))
            assert "a tempo of 1000 bpm is outside" in fake.content_of(hostile)
            assert fake.cdn_hits == 1 and runner.jobs == []
            fake_midi = await fake.slash("continue", attachment=("x.mid", b"RIFF" + bytes(50)))
            await fake.wait_for(lambda: "⚠️" in (fake.content_of(fake_midi) or ""))
            assert "MIDI header" in fake.content_of(fake_midi)
    run(scenario())


def test_a_good_upload_is_continued_from_its_clean_rewrite(tmp_path):
    async def scenario():
        runner = FakeRunner()
        async with fake_discord() as fake, running_bot(fake, runner, tmp_path):
            await fake.slash("continue", attachment=("../../etc/passwd.mid", score_bytes(SCALE)),
                             prompt="as a waltz")
            await fake.wait_for(lambda: fake.with_files(".mp3"))
            job = runner.jobs[0]
            assert (job.action, job.text) == ("continue", "as a waltz")
            path = Path(job.midi_path)
            assert path.name.startswith("upload-") and path.is_relative_to(tmp_path / "out")
            assert symusic.Score.from_file(str(path)).note_num() == len(SCALE)
    run(scenario())
