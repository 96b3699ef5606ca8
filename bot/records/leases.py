"""Leases on the bot's job records: which bot process answers which job, right now.

Several bot processes (shards) can share one database. Each holds a lease on every job it is
answering and renews it while the job runs; a process that stops (crash, kill, lost machine)
stops renewing, its leases run out, and another process adopts those jobs and answers them.
A process never adopts a job whose lease is alive, so a job is answered by one process at a
time. The lease table lives beside the jobs table, in SQLite or PostgreSQL alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import uuid

from sqlalchemy import DateTime, Integer, MetaData, String, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.records.store import patient

log = logging.getLogger(__name__)


class _Base(DeclarativeBase):
    metadata = MetaData()  # its own tables: the store's schema is not touched


class LeaseRow(_Base):
    __tablename__ = "job_leases"

    job_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String(96))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes even for timezone=True columns.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Leases:
    """This process's leases. `ttl_s`: how long a lease outlives its last renewal."""

    def __init__(self, engine: AsyncEngine, *, ttl_s: float = 30.0, owner: str | None = None):
        self.engine = engine
        self.ttl = dt.timedelta(seconds=ttl_s)
        self.owner = owner or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.held: set[int] = set()
        self._acquiring: set[int] = set()  # acquire() calls in flight, one per job
        self._writes: set[asyncio.Task] = set()
        self.closed = False  # a closing bot takes no new job: the next start resumes it
        self._renewing: asyncio.Task | None = None

    @classmethod
    async def open(cls, engine: AsyncEngine, **options) -> Leases:
        async with engine.begin() as connection:
            await connection.run_sync(_Base.metadata.create_all)
        leases = cls(engine, **options)
        leases._renewing = asyncio.create_task(leases._renew_loop(), name="lease-renewal")
        return leases

    async def close(self) -> None:
        self.closed = True
        await asyncio.gather(*self._writes, return_exceptions=True)
        if self._renewing is not None:
            self._renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewing

    async def acquire(self, job_id: int) -> bool:
        """Take the lease on `job_id`: False if this process or another live one holds it.

        Two sweeps of this process can both find a job free before either has taken it;
        only the first of their acquire() calls may go on to the database.
        """
        if job_id in self.held or job_id in self._acquiring or self.closed:
            return False
        self._acquiring.add(job_id)
        try:
            return await self._acquire(job_id)
        finally:
            self._acquiring.discard(job_id)

    @patient
    async def _acquire(self, job_id: int) -> bool:
        expires = _now() + self.ttl
        try:
            async with self.engine.begin() as connection:
                await connection.execute(insert(LeaseRow).values(
                    job_id=job_id, owner=self.owner, expires_at=expires))
        except IntegrityError:  # a lease exists: take it only if it ran out
            async with self.engine.begin() as connection:
                taken = await connection.execute(
                    update(LeaseRow).where(LeaseRow.job_id == job_id,
                                           LeaseRow.expires_at < _now())
                    .values(owner=self.owner, expires_at=expires))
            if taken.rowcount != 1:
                return False
            log.info("adopted job %s from a bot process that stopped", job_id)
        self.held.add(job_id)
        return True

    def take_new(self, job_id: int) -> bool:
        """Lease a job this process has just recorded (nobody else can know it yet).

        The row is written in the background so that a new job starts without waiting on the
        database. This process never adopts what it holds; another process's sweep could only
        adopt the job in the milliseconds before the row is written.
        """
        if job_id in self.held or self.closed:
            return False
        self.held.add(job_id)
        task = asyncio.create_task(self._write_new(job_id))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        return True

    async def _write_new(self, job_id: int) -> None:
        try:
            await self._insert(job_id)
        except Exception:  # the job still runs; only its adoption after a crash is at stake
            log.exception("could not record the lease of job %s", job_id)

    @patient
    async def _insert(self, job_id: int) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(insert(LeaseRow).values(
                job_id=job_id, owner=self.owner, expires_at=_now() + self.ttl))

    async def release(self, job_id: int) -> None:
        if job_id not in self.held:
            return
        self.held.discard(job_id)
        await asyncio.gather(*self._writes, return_exceptions=True)  # never delete before insert
        await self._delete(job_id)

    @patient
    async def _delete(self, job_id: int) -> None:
        # Retried on its own: a retry of the whole release would find the job no longer held
        # and leave the row to run out instead of deleting it.
        async with self.engine.begin() as connection:
            await connection.execute(delete(LeaseRow).where(LeaseRow.job_id == job_id,
                                                            LeaseRow.owner == self.owner))

    @patient
    async def free(self, job_ids: list[int]) -> list[int]:
        """Those of `job_ids` that no live process (this one included) is answering."""
        if not job_ids:
            return []
        async with self.engine.connect() as connection:
            rows = (await connection.execute(
                select(LeaseRow.job_id, LeaseRow.expires_at)
                .where(LeaseRow.job_id.in_(job_ids)))).all()
        now = _now()
        alive = {job_id for job_id, expires in rows if _aware(expires) >= now}
        return [job_id for job_id in job_ids
                if job_id not in alive and job_id not in self.held | self._acquiring]

    @patient
    async def renew(self) -> None:
        if not self.held:
            return
        async with self.engine.begin() as connection:
            await connection.execute(
                update(LeaseRow).where(LeaseRow.job_id.in_(list(self.held)),
                                       LeaseRow.owner == self.owner)
                .values(expires_at=_now() + self.ttl))

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ttl.total_seconds() / 3)
            try:
                await self.renew()
            except Exception:  # the database is away: keep trying, leases may run out
                log.exception("renewing job leases failed")
