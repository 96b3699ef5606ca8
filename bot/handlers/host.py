"""What the handlers need of the client that runs them, and nothing more.

The slash commands, the controls under a piece and the message conversations are given the
client by discord.py (`interaction.client`) or at construction; they use it only through
`Host`, so none of them imports the client's module (bot/handlers/app.py), which imports them.
`TunesmithBot` satisfies `Host` structurally: it does not name it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, cast, runtime_checkable

import discord

from bot.handlers.targets import Target
from bot.records.limits import Cooldown, Ticket
from bot.records.store import Store
from bot.settings import BotSettings
from bot.voice.rooms import VoiceRooms
from generation import Job, MidiLimits


class JobFlow(Protocol):
    """What the handlers need of the bot's Flow (bot/handlers/flow.py)."""

    def spawn(self, coroutine: Coroutine[Any, Any, object]) -> None: ...

    async def add_reactions(self, message: discord.Message) -> None: ...


@runtime_checkable
class Host(Protocol):
    """The bot as its handlers see it: its settings and records, and how it takes work."""

    settings: BotSettings
    store: Store | None  # None until setup_hook has opened the database
    flow: JobFlow | None
    voice: VoiceRooms  # the bot in voice channels (bot/voice/)

    @property
    def user(self) -> discord.ClientUser | None: ...

    async def admit(self, user_id: int, guild_id: int | None,
                    refuse: Callable[[str], Awaitable[object]], *,
                    cooldown: Cooldown = "refuse") -> Ticket | None: ...

    async def accept(self, interaction: discord.Interaction, job: Job, *, private: bool,
                     parent_id: int | None = None, cooldown: Cooldown = "refuse",
                     ticket: Ticket | None = None) -> int | None: ...

    async def accept_upload(self, interaction: discord.Interaction, file: discord.Attachment,
                            text: str, *, private: bool, limits: MidiLimits) -> int | None: ...

    async def record_and_run(self, target: Target, job: Job, ticket: Ticket, *, user_id: int,
                             guild_id: int | None, channel_id: int | None, private: bool,
                             parent_id: int | None,
                             reply_to: int | None = None) -> int | None: ...

    async def on_control(self, interaction: discord.Interaction, action: str, piece_id: int,
                         *, instrument: str | None = None) -> None: ...

    async def on_edit(self, interaction: discord.Interaction, piece_id: int,
                      text: str) -> None: ...

    async def on_choice(self, interaction: discord.Interaction, piece_id: int,
                        choice: int) -> None: ...


def host(interaction: discord.Interaction) -> Host:
    """The client that received `interaction`: always the bot, which is a `Host`."""
    return cast(Host, interaction.client)
