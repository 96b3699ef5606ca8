"""The bot's records: every accepted job and every delivered piece, in SQL.

SQLite (a file) by default, PostgreSQL through `DATABASE_URL`. A piece keeps its request,
spec, seed, model version, the Job that made it and where it was posted, so that buttons,
reactions, `/history` and `/show` work after a restart and a regenerate is reproducible.

A conversation lives here too: every job names the piece it came from (`parent_id`), so the
versions of a piece are the chain of its ancestors; a job asked for by a message keeps the
message it answers (`replies`), and a piece shown again ("undo") keeps that message (`posts`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from generation import Composition, Job

log = logging.getLogger(__name__)

JOB_STATES = ("queued", "running", "done", "failed")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)  # Discord ids exceed 2**31
    guild_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    channel_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    job: Mapped[dict[str, Any]] = mapped_column(JSON)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # piece it came from
    # drawn once per accepted request: a retried insert finds the row its first try committed
    request_key: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                            nullable=True)


class PieceRow(Base):
    __tablename__ = "pieces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    guild_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    channel_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    job: Mapped[dict[str, Any]] = mapped_column(JSON)  # the Job that made it, seed included
    composition: Mapped[dict[str, Any]] = mapped_column(JSON)  # Composition.to_json()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ReplyRow(Base):
    """The user's message that a job asked for in words answers (its replies refer to it)."""

    __tablename__ = "replies"

    job_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger)


class PostRow(Base):
    """A piece shown again in a conversation (undo, redo, go back to a version)."""

    __tablename__ = "posts"

    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    piece_id: Mapped[int] = mapped_column(Integer, index=True)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)  # who asked to see it again
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


MAX_VERSIONS = 200  # ancestors followed at most (a guard; a chain is never a cycle)


@dataclass(frozen=True)
class Piece:
    """A delivered composition as the bot remembers it."""

    id: int
    user_id: int
    guild_id: int | None
    channel_id: int | None
    message_id: int | None
    private: bool
    deleted: bool
    job: Job
    composition: Composition
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: PieceRow) -> Piece:
        return cls(row.id, row.user_id, row.guild_id, row.channel_id, row.message_id,
                   row.private, row.deleted, Job.from_json(row.job),
                   Composition.from_json(row.composition), row.created_at)


@dataclass(frozen=True)
class JobRecord:
    id: int
    user_id: int
    guild_id: int | None
    channel_id: int | None
    job: Job
    private: bool
    status: str
    parent_id: int | None


RETRY_FOR_S = 30.0  # how long a database call waits for the database to come back
# SQLSTATE classes 08 (connection exception) and 57P (shutting down, starting up).
TRANSIENT_STATES = ("08", "57P01", "57P02", "57P03")


def _transient(error: Exception) -> bool:
    """Whether `error` says the database is away for now, rather than that the call is wrong."""
    if isinstance(error, (OSError, OperationalError, InterfaceError)):
        return True
    if isinstance(error, DBAPIError):
        state = getattr(error.orig, "sqlstate", None) or ""
        return error.connection_invalidated or state.startswith(TRANSIENT_STATES)
    return False


def patient(method):
    """Run a database call again while the database is away or restarting, up to RETRY_FOR_S.

    With `pool_pre_ping` a connection broken by a restart is replaced when it is next taken
    from the pool; this covers the seconds in which no new connection can be made either.
    A call that did commit before its connection broke may run twice, so every write here
    is idempotent: a status set twice is the same status, and the inserts look for the row
    an earlier try committed (a job by its request key, a piece by its job) before adding one.
    """

    @functools.wraps(method)
    async def call(*args, **kwargs):
        deadline = time.monotonic() + RETRY_FOR_S
        delay = 0.1
        while True:
            try:
                return await method(*args, **kwargs)
            except (OSError, DBAPIError) as error:
                if not _transient(error) or time.monotonic() + delay > deadline:
                    raise
                log.warning("database unreachable in %s (%s); trying again",
                            method.__name__, type(error).__name__)
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)

    return call


def _add_missing_columns(connection) -> None:
    """Columns added since a database was created (create_all makes only missing tables)."""
    present = {column["name"] for column in inspect(connection).get_columns("jobs")}
    if "request_key" not in present:
        connection.execute(text("ALTER TABLE jobs ADD COLUMN request_key VARCHAR(32)"))
        connection.execute(text("CREATE INDEX IF NOT EXISTS ix_jobs_request_key "
                                "ON jobs (request_key)"))


class Store:
    """Async access to the jobs and pieces tables."""

    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    async def open(cls, url: str) -> Store:
        """Connect and create the tables if they are missing."""
        engine = create_async_engine(url, pool_pre_ping=True)  # a restart breaks pooled ones
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.run_sync(_add_missing_columns)
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()

    async def add_job(self, job: Job, *, user_id: int, guild_id: int | None,
                      channel_id: int | None, private: bool = False,
                      parent_id: int | None = None, reply_to: int | None = None) -> int:
        """Record an accepted job; its id. `reply_to` is the message its answers refer to.

        Exactly one row, even when the commit's answer is lost to a database restart and the
        insert is tried again (the request key is drawn once, here)."""
        return await self._add_job(uuid.uuid4().hex, job, user_id=user_id, guild_id=guild_id,
                                   channel_id=channel_id, private=private, parent_id=parent_id,
                                   reply_to=reply_to)

    @patient
    async def _add_job(self, key: str, job: Job, *, user_id: int, guild_id: int | None,
                       channel_id: int | None, private: bool, parent_id: int | None,
                       reply_to: int | None = None) -> int:
        async with self.sessions.begin() as session:
            earlier = await session.scalar(select(JobRow.id).where(JobRow.request_key == key))
            if earlier is not None:  # the first try committed; its answer was lost
                return earlier
            row = JobRow(user_id=user_id, guild_id=guild_id, channel_id=channel_id,
                         job=job.to_json(), private=private, parent_id=parent_id,
                         request_key=key)
            session.add(row)
            await session.flush()
            if reply_to is not None:
                session.add(ReplyRow(job_id=row.id, message_id=reply_to))
            return row.id

    @patient
    async def reply_to(self, job_id: int) -> int | None:
        """The message a job's answers refer to, if a message asked for it."""
        async with self.sessions() as session:
            row = await session.get(ReplyRow, job_id)
        return None if row is None else row.message_id

    @patient
    async def set_status(self, job_id: int, status: str, error: str | None = None) -> None:
        assert status in JOB_STATES, status
        finished = _now() if status in ("done", "failed") else None
        async with self.sessions.begin() as session:
            await session.execute(update(JobRow).where(JobRow.id == job_id)
                                  .values(status=status, error=error, finished_at=finished))

    @patient
    async def unfinished_jobs(self) -> list[JobRecord]:
        """Jobs accepted but never answered (the bot stopped while they waited or ran)."""
        async with self.sessions() as session:
            rows = (await session.scalars(
                select(JobRow).where(JobRow.status.in_(("queued", "running")))
                .order_by(JobRow.id))).all()
        return [JobRecord(r.id, r.user_id, r.guild_id, r.channel_id, Job.from_json(r.job),
                          r.private, r.status, r.parent_id) for r in rows]

    @patient
    async def add_piece(self, job_id: int, job: Job, composition: Composition, *, user_id: int,
                        guild_id: int | None, channel_id: int | None,
                        private: bool = False) -> int:
        async with self.sessions.begin() as session:
            earlier = await session.scalar(select(PieceRow.id).where(PieceRow.job_id == job_id)
                                           .order_by(PieceRow.id).limit(1))
            if earlier is not None:  # a retried commit: one job, one piece
                return earlier
            row = PieceRow(job_id=job_id, user_id=user_id, guild_id=guild_id,
                           channel_id=channel_id, private=private, job=job.to_json(),
                           composition=composition.to_json())
            session.add(row)
            await session.flush()
            return row.id

    @patient
    async def set_message(self, piece_id: int, channel_id: int | None, message_id: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(update(PieceRow).where(PieceRow.id == piece_id)
                                  .values(channel_id=channel_id, message_id=message_id))

    @patient
    async def piece(self, piece_id: int) -> Piece | None:
        async with self.sessions() as session:
            row = await session.get(PieceRow, piece_id)
        return None if row is None or row.deleted else Piece.from_row(row)

    @patient
    async def piece_for_job(self, job_id: int) -> Piece | None:
        """The piece a job made, deleted or not (a deleted piece was delivered all the same)."""
        async with self.sessions() as session:
            row = await session.scalar(select(PieceRow).where(PieceRow.job_id == job_id)
                                       .order_by(PieceRow.id).limit(1))
        return None if row is None else Piece.from_row(row)

    @patient
    async def piece_by_message(self, message_id: int, *,
                               deleted_too: bool = False) -> Piece | None:
        """The piece a message shows: where it was delivered, or where it was shown again."""
        async with self.sessions() as session:
            row = await session.scalar(select(PieceRow).where(PieceRow.message_id == message_id))
            if row is None:
                post = await session.get(PostRow, message_id)
                row = None if post is None else await session.get(PieceRow, post.piece_id)
        if row is None or (row.deleted and not deleted_too):
            return None
        return Piece.from_row(row)

    @patient
    async def add_post(self, message_id: int, piece_id: int, *, channel_id: int,
                       user_id: int) -> None:
        """Remember that `message_id` shows `piece_id` again, asked for by `user_id`."""
        async with self.sessions.begin() as session:
            session.add(PostRow(message_id=message_id, piece_id=piece_id, channel_id=channel_id,
                                user_id=user_id))

    @patient
    async def versions(self, piece_id: int) -> list[Piece]:
        """The chain of pieces that `piece_id` was made from, the first one (v1) first and
        `piece_id` last; deleted ones included, so that version numbers never shift."""
        chain: list[Piece] = []
        async with self.sessions() as session:
            row = await session.get(PieceRow, piece_id)
            while row is not None and len(chain) < MAX_VERSIONS:
                chain.append(Piece.from_row(row))
                parent = await session.scalar(select(JobRow.parent_id)
                                              .where(JobRow.id == row.job_id))
                row = None if parent is None else await session.get(PieceRow, parent)
        return chain[::-1]

    @patient
    async def latest_child(self, piece_id: int, user_id: int) -> Piece | None:
        """The newest live piece `user_id` made from `piece_id` (what "redo" brings back)."""
        async with self.sessions() as session:
            row = await session.scalar(
                select(PieceRow).join(JobRow, JobRow.id == PieceRow.job_id)
                .where(JobRow.parent_id == piece_id, PieceRow.user_id == user_id,
                       PieceRow.deleted.is_(False))
                .order_by(PieceRow.id.desc()).limit(1))
        return None if row is None else Piece.from_row(row)

    @patient
    async def latest_piece(self, channel_id: int, user_id: int) -> Piece | None:
        """The live piece last shown to `user_id` in a channel: the current piece of a
        conversation held without replies (a direct message)."""
        async with self.sessions() as session:
            made = await session.scalar(
                select(PieceRow).where(PieceRow.channel_id == channel_id,
                                       PieceRow.user_id == user_id,
                                       PieceRow.message_id.is_not(None),
                                       PieceRow.deleted.is_(False))
                .order_by(PieceRow.created_at.desc(), PieceRow.id.desc()).limit(1))
            post = await session.scalar(
                select(PostRow).where(PostRow.channel_id == channel_id,
                                      PostRow.user_id == user_id)
                .order_by(PostRow.created_at.desc()).limit(1))
            if post is not None and (made is None or post.created_at >= made.created_at):
                shown = await session.get(PieceRow, post.piece_id)
                if shown is not None and not shown.deleted:
                    made = shown
        return None if made is None else Piece.from_row(made)

    @patient
    async def history(self, user_id: int, limit: int = 10) -> list[Piece]:
        async with self.sessions() as session:
            rows = (await session.scalars(
                select(PieceRow).where(PieceRow.user_id == user_id, PieceRow.deleted.is_(False))
                .order_by(PieceRow.id.desc()).limit(limit))).all()
        return [Piece.from_row(row) for row in rows]

    @patient
    async def mark_deleted(self, piece_id: int) -> None:
        async with self.sessions.begin() as session:
            await session.execute(update(PieceRow).where(PieceRow.id == piece_id)
                                  .values(deleted=True))
