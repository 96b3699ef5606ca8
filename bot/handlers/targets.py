"""Where the answers of one job go: the deferred interaction while its token lives (15
minutes), otherwise a plain channel message (or a direct message for a private piece); and the
throttle that keeps progress edits apart.
"""

from __future__ import annotations

import asyncio
import logging
import time

import discord

from bot.handlers.delivery import Attachments

log = logging.getLogger(__name__)

DEFAULT_UPLOAD_LIMIT = 10 * 2**20  # Discord's smallest per-message upload limit


class Target:
    """Where the answers of one job go."""

    filesize_limit: int = DEFAULT_UPLOAD_LIMIT
    # Set by the Flow from the job id: Discord returns the earlier message instead of posting a
    # second one with the same nonce, so a delivery repeated after a crash stays one message.
    nonce: str | None = None

    async def status(self, text: str) -> None:
        raise NotImplementedError

    async def deliver(self, content: str, embed: discord.Embed, attachments: Attachments,
                      view: discord.ui.View | None) -> discord.Message | None:
        raise NotImplementedError

    async def fail(self, text: str) -> None:
        raise NotImplementedError

    async def placeholder(self) -> discord.Message | None:
        """The message a delivery will turn into the piece, when it exists before posting."""
        return None


class ChannelTarget(Target):
    """Plain messages in a channel: for reactions, messages, restarts and expired interactions.

    `reply_to` (the id of the user's message, for a job asked for in words) makes every
    answer a reply to it; it never pings (the client's allowed mentions are none), and a
    reference to a message deleted meanwhile is dropped rather than failing the answer.
    """

    def __init__(self, channel: discord.abc.Messageable, *, filesize_limit: int | None = None,
                 reply_to: int | None = None):
        self.channel = channel
        self.filesize_limit = filesize_limit or DEFAULT_UPLOAD_LIMIT
        self.reference = None if reply_to is None else discord.MessageReference(
            message_id=reply_to, channel_id=channel.id, fail_if_not_exists=False)
        self.message: discord.Message | None = None

    def _replying(self) -> dict:
        return {} if self.reference is None else {"reference": self.reference}

    async def status(self, text: str) -> None:
        if self.message is None:
            self.message = await self.channel.send(text, **self._replying())
        else:
            await self.message.edit(content=text)

    async def deliver(self, content, embed, attachments, view):
        files = attachments.files()
        try:
            message = await self.channel.send(content=content, embed=embed, files=files,
                                              view=view, nonce=self.nonce, **self._replying())
        finally:
            for file in files:
                file.close()
        await self._drop_status()
        return message

    async def fail(self, text: str) -> None:
        await self._drop_status()
        await self.channel.send(text, delete_after=120, **self._replying())

    async def _drop_status(self) -> None:
        if self.message is not None:
            try:
                await self.message.delete()
            except discord.HTTPException:
                log.warning("could not delete status message %s", self.message.id)
            self.message = None


class InteractionTarget(Target):
    """The deferred response of an interaction, then the channel once the token expires."""

    def __init__(self, interaction: discord.Interaction, *, ttl_s: float, private: bool):
        self.interaction = interaction
        self.private = private
        self.expires = time.monotonic() + ttl_s
        self.filesize_limit = interaction.filesize_limit or DEFAULT_UPLOAD_LIMIT

    def alive(self) -> bool:
        return time.monotonic() < self.expires

    async def placeholder(self) -> discord.Message | None:
        if not self.alive():
            return None
        try:
            return await self.interaction.original_response()
        except discord.HTTPException:
            return None

    async def status(self, text: str) -> None:
        if self.alive():
            await self.interaction.edit_original_response(content=text)

    async def deliver(self, content, embed, attachments, view):
        if self.alive():
            files = attachments.files()
            try:
                return await self.interaction.edit_original_response(
                    content=content, embed=embed, attachments=files, view=view)
            except discord.HTTPException as error:  # 50027: the token expired meanwhile
                log.warning("interaction response failed (%s); delivering in the channel", error)
            finally:
                for file in files:
                    file.close()
        return await self._late_target().deliver(content, embed, attachments, view)

    async def fail(self, text: str) -> None:
        if self.alive():
            try:
                await self.interaction.edit_original_response(content=f"⚠️ {text}")
                return
            except discord.HTTPException as error:
                log.warning("interaction response failed (%s)", error)
        await self._late_target().fail(f"⚠️ {text}")

    def _late_target(self) -> ChannelTarget:
        client = self.interaction.client
        if self.private:  # a private piece never goes to a shared channel
            late = ChannelTarget(self.interaction.user)
        else:
            late = ChannelTarget(client.get_partial_messageable(
                self.interaction.channel_id, guild_id=self.interaction.guild_id))
        late.nonce = self.nonce
        return late


class Throttle:
    """Sends the latest progress text at most once every `interval_s` seconds."""

    def __init__(self, target: Target, interval_s: float):
        self.target = target
        self.interval_s = interval_s
        self.latest: str | None = None
        self.sent: str | None = None
        self.changed = asyncio.Event()
        self.task = asyncio.create_task(self._loop())

    def push(self, text: str) -> None:
        self.latest = text
        self.changed.set()

    async def _loop(self) -> None:
        while True:
            await self.changed.wait()
            self.changed.clear()
            if self.latest != self.sent:
                self.sent = self.latest
                try:
                    await self.target.status(self.latest)
                except discord.HTTPException as error:
                    log.warning("progress edit failed: %s", error)
            await asyncio.sleep(self.interval_s)

    async def close(self) -> None:
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass
