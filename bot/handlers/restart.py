"""Answering the jobs no bot process holds: at startup those a previous run accepted but never
delivered, then, every half lease, those of bot processes that stopped (their leases ran out).

A job is adopted by taking its lease, so two bot processes never answer the same job; its
answer goes where it was asked for (the channel, the direct message, the message it replies to).
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.handlers.flow import Flow
from bot.handlers.targets import ChannelTarget
from bot.records.limits import Admission
from bot.records.store import JobRecord, Store

log = logging.getLogger(__name__)


class Adoption:
    """Finds the unanswered jobs of `store` that no lease holds and runs them through `flow`.

    `resumed` is set once the jobs left by the previous run have been taken up (or tried)."""

    def __init__(self, client: discord.Client, *, store: Store, flow: Flow,
                 admission: Admission, lease_s: float, resumed: asyncio.Event):
        self.client = client
        self.store = store
        self.flow = flow
        self.admission = admission
        self.lease_s = lease_s
        self.resumed = resumed

    async def resume_unfinished(self) -> None:
        """Answer the jobs a previous run accepted but never delivered."""
        try:
            await self.client.wait_until_ready()
            await self.adopt_unleased()
        finally:
            self.resumed.set()

    async def sweep(self) -> None:
        """Every half lease, adopt the jobs of bot processes that stopped (leases ran out)."""
        await self.resumed.wait()
        while True:
            await asyncio.sleep(self.lease_s / 2)
            try:
                await self.adopt_unleased()
            except Exception:  # the database is away: try again at the next sweep
                log.exception("looking for unanswered jobs failed")

    async def adopt_unleased(self) -> None:
        records = await self.store.unfinished_jobs()
        free = set(await self.flow.leases.free([record.id for record in records]))
        for record in records:
            if record.id in free:
                await self._resume(record)

    async def _resume(self, record: JobRecord) -> None:
        try:
            if record.private or record.channel_id is None:
                user = await self.client.fetch_user(record.user_id)
                channel = await user.create_dm()
            else:
                channel = self.client.get_partial_messageable(record.channel_id,
                                                              guild_id=record.guild_id)
            # a job asked for in a message still answers that message
            target = ChannelTarget(channel, reply_to=await self.store.reply_to(record.id))
        except discord.HTTPException as error:  # the user left, or closed their DMs
            log.warning("cannot reach the author of job %s: %s", record.id, error)
            await self.store.set_status(record.id, "failed", "author unreachable after restart")
            return
        # Admitted before the restart, so no cap refuses it; the user's jobs stay a cooldown
        # apart (the first starts at once: the restart forgot when the last one did).
        ticket = self.admission.admit(record.user_id, record.guild_id, cooldown="wait",
                                      caps=False)
        log.info("resuming job %s after a restart", record.id)
        self.flow.spawn(self.flow.run(
            target, record.job, ticket, job_id=record.id, user_id=record.user_id,
            guild_id=record.guild_id, channel_id=record.channel_id, private=record.private,
            parent_id=record.parent_id, resumed=True))
