"""The life of one accepted job: waiting for its user's cooldown (a control pressed soon after a
piece) → queued → composing (progress) → delivered, or a clear failure.

A Target (bot/handlers/targets.py) is where the answers go. Every accepted job is recorded
before it waits, so that a restart can still answer it.
"""

from __future__ import annotations

import asyncio
import logging
import math
from pathlib import Path
from typing import Protocol

import discord

from bot.handlers.controls import CONTROLS, REACTIONS, controls_view
from bot.handlers.delivery import (
    build_embed,
    describe_job,
    escape,
    fit_attachments,
    lineage_line,
)
from bot.handlers.targets import Target, Throttle
from bot.records.leases import Leases
from bot.records.limits import Admission, Ticket
from bot.records.store import Store
from generation import Composition, Job
from models.core.errors import TunesmithError

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on our side while composing this. Please try again."
COUNTDOWN_STEP_S = 1.0  # "starts in N s" is recounted this often (edits are throttled apart)


def progress_text(stage: str, fraction: float) -> str:
    if stage.startswith("queued"):  # a runner with its own queue reports the place in line
        return f"⏳ Q{stage[1:]}"
    return f"🎼 Composing… {stage} {100 * max(0.0, min(1.0, fraction)):.0f}%"


class Runner(Protocol):
    """Anything that turns a Job into a Composition without blocking the event loop: the
    embedded WorkerPool (bot/jobs/pool.py), the Redis QueueRunner (bot/jobs/redis_runner.py),
    test fakes."""

    async def run(self, job: Job, out_dir: Path, progress=None) -> Composition: ...


class Flow:
    """Runs accepted jobs through the runner, one slot per worker, and delivers them.

    `leases` (bot/records/leases.py) say which bot process answers which job.
    """

    def __init__(self, *, store: Store, runner: Runner, admission: Admission, leases: Leases,
                 out_dir: Path, workers: int, progress_interval_s: float):
        self.store = store
        self.runner = runner
        self.admission = admission
        self.leases = leases
        self.out_dir = out_dir
        self.progress_interval_s = progress_interval_s
        self.slots = asyncio.Semaphore(workers)
        self.background: set[asyncio.Task] = set()
        self.active: set[asyncio.Task] = set()  # tasks inside run(), awaited at shutdown

    async def run(self, target: Target, job: Job, ticket: Ticket, *, job_id: int, user_id: int,
                  guild_id: int | None, channel_id: int | None, private: bool,
                  parent_id: int | None = None, resumed: bool = False) -> int | None:
        """Take one recorded job to its one visible answer; returns the new piece id.

        `parent_id`: the piece the job was made from (its answer says what changed).
        `resumed`: the job was accepted earlier (before a restart, or by a bot process that
        stopped), so it may be leased elsewhere or already composed.
        """
        current = asyncio.current_task()
        self.active.add(current)
        throttle = Throttle(target, self.progress_interval_s)
        target.nonce = f"tunesmith-job-{job_id}"
        succeeded = posted = leased = False
        try:
            leased = (await self.leases.acquire(job_id) if resumed
                      else self.leases.take_new(job_id))
            if not leased:  # another live bot process is answering this job
                return None
            earlier = await self.store.piece_for_job(job_id) if resumed else None
            if earlier is not None:  # a restart cut this job short after it was composed
                succeeded = await self._finish_earlier(target, earlier, job_id, parent_id)
                return earlier.id
            while (left := self.admission.wait_s(ticket)) > 0:  # the user's cooldown
                throttle.push(f"⏳ starts in {math.ceil(left)} s")
                await asyncio.sleep(min(left, COUNTDOWN_STEP_S))
            self.admission.line_up(ticket)
            throttle.push(f"⏳ Queued, #{self.admission.position(ticket)}")
            async with self.slots:
                self.admission.start(ticket)
                await self.store.set_status(job_id, "running")
                throttle.push("🎼 Composing…")
                composition = await self.runner.run(
                    job, self.out_dir / f"job-{job_id}",
                    lambda stage, fraction: throttle.push(progress_text(stage, fraction)))
            await throttle.close()
            piece_id = await self.store.add_piece(job_id, job, composition, user_id=user_id,
                                                  guild_id=guild_id, channel_id=channel_id,
                                                  private=private)
            placeholder = await target.placeholder()
            if placeholder is not None:  # recorded first: a restart looks there before posting
                await self.store.set_message(piece_id, placeholder.channel.id, placeholder.id)
            message = await self._deliver(target, piece_id, job, composition, parent_id)
            posted = True
            if message is not None:
                await self.store.set_message(piece_id, message.channel.id, message.id)
                if not private and guild_id is not None:
                    self.spawn(self.add_reactions(message))
            await self.store.set_status(job_id, "done")
            succeeded = True
            return piece_id
        except TunesmithError as error:
            await self._fail(target, job_id, escape(str(error), 1900))
        except Exception:
            log.exception("job %s failed", job_id)
            if not posted:  # a piece already posted is the answer, whatever failed after it
                await self._fail(target, job_id, APOLOGY)
        finally:
            await throttle.close()
            self.admission.release(ticket, succeeded=succeeded)
            if leased:  # released at shutdown too, so another process can adopt it at once
                await self.leases.release(job_id)
            self.active.discard(current)  # only now: shutdown waits for the release above
        return None

    async def drain(self, timeout_s: float) -> None:
        """Let running jobs finish (up to `timeout_s`), then cancel what is left."""
        tasks = (self.active | self.background) - {asyncio.current_task()}
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _deliver(self, target: Target, piece_id: int, job: Job, composition: Composition,
                       parent_id: int | None = None) -> discord.Message | None:
        attachments = await fit_attachments(composition, target.filesize_limit)
        content = f"🎵 **{describe_job(job)}**"
        if parent_id is not None and job.base is not None:
            content += f"\n{lineage_line(piece_id, parent_id, job, composition.spec)}"
        if attachments.note:
            content += f"\n-# {attachments.note}"
        return await target.deliver(content[:2000], build_embed(piece_id, composition, job,
                                                                attachments.paths),
                                    attachments, controls_view(piece_id))

    async def _finish_earlier(self, target: Target, piece, job_id: int,
                              parent_id: int | None) -> bool:
        """Deliver a piece recorded before a restart, once: posted already means done."""
        if not await self._posted(target, piece):
            message = await self._deliver(target, piece.id, piece.job, piece.composition,
                                          parent_id)
            if message is not None:
                await self.store.set_message(piece.id, message.channel.id, message.id)
        else:
            log.info("job %s was delivered before the restart (message %s)", job_id,
                     piece.message_id)
        await self.store.set_status(job_id, "done")
        return True

    @staticmethod
    async def _posted(target: Target, piece) -> bool:
        """Whether the message recorded for `piece` shows it (it may be only a placeholder)."""
        if piece.message_id is None:
            return False
        if piece.deleted:  # deleted by its owner, so it was there
            return True
        channel = getattr(target, "channel", None)
        if channel is None or getattr(channel, "id", None) != piece.channel_id:
            return False  # e.g. a private piece's ephemeral message: the bot cannot read it
        try:
            message = await channel.fetch_message(piece.message_id)
        except discord.HTTPException:
            return False
        return bool(message.attachments)

    async def _fail(self, target: Target, job_id: int, text: str) -> None:
        earlier = await self.store.piece_for_job(job_id)
        if earlier is not None and await self._posted(target, earlier):
            log.warning("job %s failed after its piece was posted; no failure shown", job_id)
            await self.store.set_status(job_id, "done")
            return
        await self.store.set_status(job_id, "failed", text)
        try:
            await target.fail(text)
        except discord.HTTPException:
            log.exception("could not tell the user that job %s failed", job_id)

    async def add_reactions(self, message: discord.Message) -> None:
        """The controls as reactions under a piece's message (buttons work without)."""
        for emoji in (CONTROLS[action] for action in REACTIONS):
            try:
                await message.add_reaction(emoji)
            except discord.HTTPException as error:  # missing permission: buttons still work
                log.warning("could not add reaction %s: %s", emoji, error)
                return

    def spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
