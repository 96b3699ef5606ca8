"""The bot's bookkeeping without Discord: admission (cooldown, caps, waits), settings, records."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.records.limits import Admission
from bot.records.store import Base, Store
from bot.settings import DEFAULT_DATABASE_URL, BotSettings
from generation.job import Job
from generation.settings import Settings
from models.core.errors import BusyError, ConfigError
from tests.worker_composers import write_piece


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def admission(clock, **caps) -> Admission:
    options = dict(cooldown_s=10, per_user=2, per_guild=3, total=4)
    options.update(caps)
    return Admission(clock=clock, **options)


def test_cooldown_says_how_long_to_wait_and_then_lets_the_user_in():
    clock = Clock()
    gate = admission(clock)
    gate.admit(1, 9)
    clock.now += 4
    with pytest.raises(BusyError, match="ask again in 6 s") as refused:
        gate.admit(1, 9)
    assert refused.value.retry_after == pytest.approx(6)
    clock.now += 6
    gate.admit(1, 9)


def test_user_guild_and_global_caps_each_refuse_with_a_wait():
    clock = Clock()
    gate = admission(clock, cooldown_s=0)
    first = gate.admit(1, 9)
    gate.admit(1, 9)
    with pytest.raises(BusyError, match="you already have 2 pieces") as refused:
        gate.admit(1, 9)
    assert refused.value.retry_after >= 1
    gate.admit(2, 9)
    with pytest.raises(BusyError, match="this server already has 3 pieces"):
        gate.admit(3, 9)
    gate.admit(3, 8)
    with pytest.raises(BusyError, match="the composer is busy with 4 pieces"):
        gate.admit(4, 7)
    gate.start(first)
    clock.now += 20
    gate.release(first)
    assert gate.mean_job_s == pytest.approx(0.8 * 15 + 0.2 * 20)
    gate.admit(4, 7)


def test_queue_position_counts_only_jobs_that_have_not_started():
    gate = admission(Clock(), cooldown_s=0, per_user=5, per_guild=5, total=5)
    running, second, third = gate.admit(1, 9), gate.admit(2, 9), gate.admit(3, 9)
    gate.start(running)
    assert (gate.position(second), gate.position(third)) == (1, 2)
    gate.release(second, succeeded=False)
    assert gate.position(third) == 1


def test_a_control_inside_the_cooldown_waits_for_it_and_the_next_waits_one_more():
    clock = Clock()
    gate = admission(clock, per_user=3)
    gate.admit(1, 9)  # /compose at 100
    clock.now += 3
    again = gate.admit(1, 9, cooldown="wait")  # 🔁 three seconds later
    vary = gate.admit(1, 9, cooldown="wait")  # 🎲 in the same cooldown
    assert (gate.wait_s(again), gate.wait_s(vary)) == (7, 17)
    with pytest.raises(BusyError, match="ask again in 27 s"):  # /compose: after 🎲's cooldown
        gate.admit(1, 9)
    clock.now += 7
    assert (gate.wait_s(again), gate.wait_s(vary)) == (0, 10)
    gate.admit(2, 8)  # another user's cooldown is their own


def test_a_job_waiting_for_its_cooldown_counts_toward_the_caps():
    clock = Clock()
    gate = admission(clock)
    gate.admit(1, 9)
    gate.admit(1, 9, cooldown="wait")
    with pytest.raises(BusyError, match="you already have 2 pieces") as refused:
        gate.admit(1, 9, cooldown="wait")
    assert refused.value.retry_after >= 10  # the waiting one cannot finish before it starts
    gate.admit(2, 8)
    gate.admit(4, 6)
    with pytest.raises(BusyError, match="the composer is busy with 4 pieces"):
        gate.admit(3, 7, cooldown="wait")
    resumed = gate.admit(3, 7, cooldown="wait", caps=False)  # admitted before a restart
    assert gate.wait_s(resumed) == 0
    assert gate.wait_s(gate.admit(3, 7, cooldown="wait", caps=False)) == 10


def test_a_job_joins_the_line_when_its_cooldown_ends_not_when_it_was_admitted():
    clock = Clock()
    gate = admission(clock, per_user=5, per_guild=5, total=5)
    first = gate.admit(1, 9)
    waiting = gate.admit(1, 9, cooldown="wait")
    other = gate.admit(2, 9)
    assert (gate.position(first), gate.position(other), gate.position(waiting)) == (1, 2, 3)
    clock.now += 10
    gate.line_up(waiting)
    gate.admit(3, 9)
    assert gate.position(waiting) == 3  # behind the two in line, ahead of the newcomer


def test_settings_from_the_environment_keep_the_token_out_of_repr():
    settings = BotSettings.from_env({"DISCORD_TOKEN": " abc.def.ghi ",
                                     "TUNESMITH_DEV_GUILD": "123", "TUNESMITH_COOLDOWN": "5",
                                     "TUNESMITH_SYNC_COMMANDS": "yes"})
    assert settings.token == "abc.def.ghi" and "abc.def" not in repr(settings)
    assert (settings.dev_guild, settings.cooldown_s, settings.sync_commands) == (123, 5.0, True)
    assert settings.database_url == DEFAULT_DATABASE_URL


@pytest.mark.parametrize("env, message", [
    ({"TUNESMITH_COOLDOWN": "soon"}, "TUNESMITH_COOLDOWN='soon' is not a number"),
    ({"TUNESMITH_DEV_GUILD": "my server"}, "is not a server id"),
    ({"TUNESMITH_QUEUE_TOTAL": "0"}, "queue_total is 0"),
    ({"TUNESMITH_QUEUE_TOTAL": "2.5"}, "TUNESMITH_QUEUE_TOTAL='2.5' is not a whole number"),
    ({"DATABASE_URL": "mysql://user:secret@db/x"}, "scheme 'mysql' is not supported"),
])
def test_bad_settings_are_refused_with_the_value(env, message):
    with pytest.raises(ConfigError, match=message) as refused:
        BotSettings.from_env(env)
    assert "secret" not in str(refused.value)


def test_a_missing_token_says_where_to_put_it():
    with pytest.raises(ConfigError, match="DISCORD_TOKEN is not set"):
        BotSettings.from_env({}).require_token()


# Set TUNESMITH_TEST_POSTGRES to e.g. postgresql+asyncpg://postgres@127.0.0.1:55432/postgres to
# run the same test against PostgreSQL (the tables are dropped afterwards).
POSTGRES = os.environ.get("TUNESMITH_TEST_POSTGRES")


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES, reason="TUNESMITH_TEST_POSTGRES is not set"))])
def test_records_survive_reopening_the_database(tmp_path, database):
    url = f"sqlite+aiosqlite:///{tmp_path}/bot.db" if database == "sqlite" else POSTGRES

    async def scenario():
        store = await Store.open(url)
        job = Job(text="calm piano", seed=3, tempo_bpm=80)
        job_id = await store.add_job(job, user_id=2**62, guild_id=5, channel_id=6)
        composition = write_piece(job, tmp_path / "out", 3, 80)
        piece_id = await store.add_piece(job_id, job, composition, user_id=2**62, guild_id=5,
                                         channel_id=6)
        await store.set_message(piece_id, 6, 2**60)
        pending = await store.add_job(Job(text="never ran"), user_id=1, guild_id=5,
                                      channel_id=6)
        await store.set_status(job_id, "done")
        await store.close()

        store = await Store.open(url)
        piece = await store.piece_by_message(2**60)
        assert (piece.id, piece.job, piece.composition) == (piece_id, job, composition)
        assert [p.id for p in await store.history(2**62)] == [piece_id]
        assert [r.id for r in await store.unfinished_jobs()] == [pending]
        await store.mark_deleted(piece_id)
        assert await store.piece(piece_id) is None and await store.history(2**62) == []
        async with store.engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
        await store.close()

    asyncio.run(scenario())


def test_an_insert_tried_again_after_its_commit_went_through_adds_no_second_row(tmp_path):
    """A database restart can lose the answer to a commit that succeeded; the retry must find
    the row, or the job would be answered twice after the next restart."""
    async def scenario():
        store = await Store.open(f"sqlite+aiosqlite:///{tmp_path}/bot.db")
        job = Job(text="calm piano", seed=3)
        where = {"user_id": 1, "guild_id": 5, "channel_id": 6, "private": False,
                 "parent_id": None}
        first = await store._add_job("key-1", job, **where)
        assert await store._add_job("key-1", job, **where) == first  # the retry
        assert await store._add_job("key-2", job, **where) != first  # another request
        composition = write_piece(job, tmp_path / "out", 3, 80)
        piece = await store.add_piece(first, job, composition, user_id=1, guild_id=5,
                                      channel_id=6)
        assert await store.add_piece(first, job, composition, user_id=1, guild_id=5,
                                     channel_id=6) == piece
        assert [r.id for r in await store.unfinished_jobs()] == [first, first + 1]
        await store.close()

    asyncio.run(scenario())


def test_a_database_made_before_request_keys_is_brought_up_to_date(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)  # the jobs table as earlier versions created it
    db.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, user_id BIGINT, guild_id BIGINT,"
               " channel_id BIGINT, job JSON, private BOOLEAN, status VARCHAR(16), error "
               "TEXT, parent_id INTEGER, created_at DATETIME, finished_at DATETIME)")
    db.execute("INSERT INTO jobs (id, user_id, job, private, status) VALUES "
               "(7, 1, '{\"text\": \"old\"}', 0, 'queued')")
    db.commit()
    db.close()

    async def scenario():
        store = await Store.open(f"sqlite+aiosqlite:///{path}")
        assert [(r.id, r.job.text) for r in await store.unfinished_jobs()] == [(7, "old")]
        assert await store.add_job(Job(text="new"), user_id=1, guild_id=None,
                                   channel_id=None) == 8
        await store.close()

    asyncio.run(scenario())
    db = sqlite3.connect(path)
    assert "request_key" in {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    db.close()


def test_env_example_documents_every_bot_variable_and_loads():
    root = Path(__file__).resolve().parents[1]
    example = (root / "deploy" / "env.example").read_text()
    env = dict(line.split("=", 1) for line in example.splitlines()
               if line and not line.startswith("#"))
    source = (root / "bot" / "settings.py").read_text()
    named = set(re.findall(r'"((?:TUNESMITH|DISCORD|DATABASE)_[A-Z_]+)"', source))
    assert named and named <= set(env)
    settings = BotSettings.from_env(env)
    assert settings.token == "" and settings.dev_guild is None and not settings.sync_commands
    Settings.from_env(env)


def test_importing_the_bot_loads_no_heavy_library():
    code = ("import sys, bot.handlers.app, bot.handlers.commands, bot.jobs.pool, bot.run_bot; "
            "print(sorted(m for m in ('torch', 'transformers', 'music21') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.strip() == "[]"
