"""The bot in voice channels: at most one connection per server, what it plays, when it leaves.

`VoiceRooms` joins the voice channel of the member who asked (after checking that they are in
one and that the bot may Connect and Speak there), plays pieces through a `PieceStream`, stops,
leaves, and leaves by itself once it has been alone in its channel for `idle_s` seconds.
A radio (bot/voice/radio.py) plays through the same room.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import discord

from bot.voice.audio import PieceStream
from models.core.errors import TunesmithError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 20.0


class VoiceRefusal(TunesmithError):
    """Why the bot cannot play for this member now, in words for them."""


def voice_channel_of(member: discord.abc.User | None) -> discord.VoiceChannel:
    """The voice channel `member` is in, if the bot may play there.

    Raises:
        VoiceRefusal: not in a server, not in a voice channel, or the bot lacks Connect or
            Speak in that channel.
    """
    if not isinstance(member, discord.Member):
        raise VoiceRefusal("I play music in a server's voice channels, not in direct messages.")
    channel = member.voice.channel if member.voice else None
    if channel is None:
        raise VoiceRefusal("Join a voice channel first, then ask again: I play in the voice "
                           "channel you are in.")
    me = member.guild.me
    allowed = channel.permissions_for(me) if me is not None else discord.Permissions.none()
    missing = [name for name, granted in (("Connect", allowed.connect),
                                          ("Speak", allowed.speak)) if not granted]
    if missing:
        raise VoiceRefusal(f"I may not play in 🔊 {discord.utils.escape_markdown(channel.name)}:"
                           f" I lack the {' and '.join(missing)} permission there. A moderator "
                           "can grant it in the channel's settings.")
    return channel


@dataclass
class Room:
    """The bot's voice connection in one server."""

    guild_id: int
    voice: discord.VoiceClient
    stream: PieceStream | None = None
    idle: asyncio.Task | None = None
    radio: object | None = None  # the Radio playing here (bot/voice/radio.py), if any
    on_leave: list[Callable[[], object]] = field(default_factory=list)

    @property
    def channel(self) -> discord.VoiceChannel:
        return self.voice.channel

    def alone(self, me: int) -> bool:
        """Nobody but the bot in its channel."""
        return not any(user != me for user in self.channel.voice_states)


class VoiceRooms:
    """Every voice connection of the bot, one per server."""

    def __init__(self, client: discord.Client, *, idle_s: float):
        self.client = client
        self.idle_s = idle_s
        self.rooms: dict[int, Room] = {}
        self._joining: dict[int, asyncio.Lock] = {}

    def room(self, guild_id: int | None) -> Room | None:
        room = self.rooms.get(guild_id) if guild_id is not None else None
        if room is not None and not room.voice.is_connected():
            return None
        return room

    async def join(self, channel: discord.VoiceChannel) -> Room:
        """The room in `channel`'s server, connected (or moved) to `channel`."""
        guild_id = channel.guild.id
        async with self._joining.setdefault(guild_id, asyncio.Lock()):
            room = self.rooms.get(guild_id)
            if room is not None and room.voice.is_connected():
                if room.channel.id != channel.id:
                    await room.voice.move_to(channel)
            else:
                try:
                    voice = await channel.connect(timeout=CONNECT_TIMEOUT_S, self_deaf=True)
                except (TimeoutError, discord.ClientException) as error:
                    log.warning("could not connect to voice channel %s: %r", channel.id, error)
                    raise VoiceRefusal("I could not connect to that voice channel; please try "
                                       "again in a minute.") from None
                room = Room(guild_id, voice)
                self.rooms[guild_id] = room
            self.check_alone(room)
            return room

    def start(self, room: Room, stream: PieceStream,
              after: Callable[[], object] | None = None) -> None:
        """Play `stream` in `room`, replacing what was playing."""
        if room.stream is not None:
            room.stream.close()
        if room.voice.is_playing() or room.voice.is_paused():
            room.voice.stop()
        room.stream = stream
        loop = asyncio.get_running_loop()

        def finished(error: Exception | None) -> None:  # the audio thread's end
            if error is not None:
                log.error("voice playback failed", exc_info=error)
            if after is not None:
                loop.call_soon_threadsafe(after)

        # FEC off: libopus's in-band redundancy (discord.py's default, for 15 % loss) made
        # encoding music 4× dearer (5.4 % → 1.3 % of a core, measured); a lost frame is
        # concealed by the listener's decoder instead
        room.voice.play(stream, after=finished, bitrate=96, signal_type="music", fec=False)

    async def stop(self, guild_id: int | None) -> bool:
        """Stop what plays in this server (a radio too); False when nothing was playing."""
        room = self.room(guild_id)
        if room is None or (room.stream is None and room.radio is None):
            return False
        if room.radio is not None:
            await room.radio.stop("/stop was used")
        if room.stream is not None:
            room.stream.close()
            room.stream = None
        room.voice.stop()
        return True

    async def leave(self, guild_id: int | None) -> bool:
        """Stop and leave the voice channel; False when the bot was in none here."""
        room = self.rooms.pop(guild_id, None) if guild_id is not None else None
        if room is None:
            return False
        if room.idle is not None:
            room.idle.cancel()
        if room.radio is not None:
            await room.radio.stop("left the voice channel")
        if room.stream is not None:
            room.stream.close()
        try:
            await room.voice.disconnect(force=True)
        except Exception:  # a connection already gone is left all the same
            log.exception("leaving the voice channel of server %s", guild_id)
        return True

    def radios(self) -> int:
        """Radios playing in this bot process."""
        return sum(1 for room in self.rooms.values() if room.radio is not None)

    async def hears(self, message: discord.Message) -> bool:
        """Hand `message` to its server's radio if it is meant for it (a reply to one of the
        radio's messages, or a mention of the bot in the radio's text channel)."""
        room = self.room(message.guild.id) if message.guild is not None else None
        radio = room.radio if room is not None else None
        me = self.client.user
        if radio is None or me is None or message.author.bot:
            return False
        reference = message.reference
        replied = reference is not None and reference.message_id in radio.messages
        mentioned = (message.channel.id == radio.channel.id
                     and any(user.id == me.id for user in message.mentions))
        if not (replied or mentioned):
            return False
        await radio.steer(message)
        return True

    async def close(self) -> None:
        """Leave every voice channel (the bot is stopping)."""
        await asyncio.gather(*(self.leave(guild_id) for guild_id in list(self.rooms)))

    def check_alone(self, room: Room) -> None:
        """Start the countdown to leave when the bot is alone; cancel it when it is not."""
        me = self.client.user.id if self.client.user else 0
        if room.alone(me):
            if room.idle is None or room.idle.done():
                room.idle = asyncio.create_task(self._leave_when_idle(room),
                                                name=f"voice-idle-{room.guild_id}")
        elif room.idle is not None:
            room.idle.cancel()
            room.idle = None

    async def _leave_when_idle(self, room: Room) -> None:
        await asyncio.sleep(self.idle_s)
        me = self.client.user.id if self.client.user else 0
        if self.rooms.get(room.guild_id) is room and room.alone(me):
            log.info("alone in voice channel %s for %.0f s: leaving", room.channel.id,
                     self.idle_s)
            room.idle = None  # not cancelled by the leave below: this task is it
            await self.leave(room.guild_id)

    async def on_voice_state_update(self, member: discord.Member,
                                    before: discord.VoiceState,
                                    after: discord.VoiceState) -> None:
        room = self.rooms.get(member.guild.id)
        if room is None:
            return
        if self.client.user and member.id == self.client.user.id and after.channel is None:
            await self.leave(member.guild.id)  # disconnected by a moderator (our own leave
            return  # has taken the room away already, so this does nothing then)
        self.check_alone(room)
