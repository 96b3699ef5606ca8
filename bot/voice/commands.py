"""The voice slash commands: /play, /stop, /leave; and the ▶️ control under every piece.

Each checks who asks and where they are (a private answer says why not), defers while the bot
decodes the piece and connects, then answers with what is playing and where.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.handlers.delivery import build_embed, describe_job, escape
from bot.handlers.host import host
from bot.records.store import Piece
from bot.voice.audio import SAMPLE_RATE, PieceStream, decode_piece
from bot.voice.rooms import VoiceRefusal, voice_channel_of
from generation import MAX_PROMPT, check_prompt
from models.core.errors import RequestError, TunesmithError

log = logging.getLogger(__name__)


def clock(seconds: float) -> str:
    """92.4 → '1:32'."""
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


async def play_piece(interaction: discord.Interaction, piece: Piece | None) -> None:
    """Play `piece` in the voice channel of the member who asked, and say so."""
    client = host(interaction)
    user = interaction.user
    if piece is None or piece.deleted or (piece.private and piece.user_id != user.id):
        await interaction.response.send_message("There is no such piece to play; `/history` "
                                                "lists yours.", ephemeral=True)
        return
    try:
        channel = voice_channel_of(user)
    except VoiceRefusal as refusal:
        await interaction.response.send_message(f"🔇 {refusal}", ephemeral=True)
        return
    await interaction.response.defer(thinking=True)
    try:
        pcm = await decode_piece(piece.composition.mp3)
        room = await client.voice.join(channel)
        if room.radio is not None:
            await room.radio.stop(f"piece #{piece.id} was played instead")
    except TunesmithError as error:
        await interaction.edit_original_response(content=f"⚠️ {escape(str(error))}")
        return
    where = f"🔊 {escape(channel.name, 100)}"
    title = f"**#{piece.id}** {describe_job(piece.job)}"
    stream = PieceStream()
    stream.add(pcm, piece.id)

    async def finished() -> None:
        done = "Stopped" if stream.cut else "Played"
        try:
            await interaction.edit_original_response(content=f"⏹️ {done} {title} in {where}.")
        except discord.HTTPException as error:  # the interaction may have expired
            log.info("could not mark piece %s as played: %s", piece.id, error)

    client.voice.start(room, stream, after=lambda: client.flow.spawn(finished()))
    await interaction.edit_original_response(
        content=f"▶️ Now playing in {where}: {title} ({clock(len(pcm) / SAMPLE_RATE)})"[:2000],
        embed=build_embed(piece.id, piece.composition, piece.job))


@app_commands.command(name="play", description="Play a piece in your voice channel")
@app_commands.describe(piece="The piece number, as in /history (default: your last piece)")
@app_commands.guild_only()
async def play(interaction: discord.Interaction,
               piece: app_commands.Range[int, 1, 2**53] | None = None) -> None:
    store = host(interaction).store
    if piece is None:
        mine = await store.history(interaction.user.id, limit=1)
        found = mine[0] if mine else None
    else:
        found = await store.piece(piece)
    await play_piece(interaction, found)


async def refused_by_radio(interaction: discord.Interaction, room) -> bool:
    """True (and the reason said privately) when the room's radio does not let this member
    stop it: who may is a setting (`TUNESMITH_RADIO_ROLE`)."""
    refusal = room.radio.refusal(interaction.user) if room and room.radio else None
    if refusal:
        await interaction.response.send_message(refusal, ephemeral=True)
    return bool(refusal)


@app_commands.command(name="stop", description="Stop the music in the voice channel")
@app_commands.guild_only()
async def stop(interaction: discord.Interaction) -> None:
    client = host(interaction)
    room = client.voice.room(interaction.guild_id)
    if await refused_by_radio(interaction, room):
        return
    stopped = await client.voice.stop(interaction.guild_id)
    await interaction.response.send_message("⏹️ Stopped." if stopped
                                            else "Nothing is playing here.",
                                            ephemeral=not stopped)


@app_commands.command(name="leave", description="Make the bot leave the voice channel")
@app_commands.guild_only()
async def leave(interaction: discord.Interaction) -> None:
    client = host(interaction)
    room = client.voice.room(interaction.guild_id)
    if await refused_by_radio(interaction, room):
        return
    if room is None:
        await interaction.response.send_message("I am not in a voice channel here.",
                                                ephemeral=True)
        return
    # answered first: leaving waits for Discord to confirm, which may take past the 3 s
    await interaction.response.send_message(f"👋 Left 🔊 {escape(room.channel.name, 100)}.")
    await client.voice.leave(interaction.guild_id)


@app_commands.command(name="radio", description="Music without end in your voice channel, "
                                                "steered by the chat")
@app_commands.describe(prompt="What the radio plays, e.g. 'calm lofi piano' (a new prompt "
                              "changes station)")
@app_commands.guild_only()
async def radio(interaction: discord.Interaction,
                prompt: app_commands.Range[str, 1, MAX_PROMPT]) -> None:
    from bot.voice.radio import STEER_HELP, Radio

    client = host(interaction)
    room = client.voice.room(interaction.guild_id)
    playing = room.radio if room is not None else None
    try:
        prompt = check_prompt(prompt.strip())
        if playing is not None and (refusal := playing.refusal(interaction.user)):
            raise VoiceRefusal(refusal)
        if playing is None and client.voice.radios() >= client.settings.radios_per_host:
            raise VoiceRefusal(f"I am playing {client.voice.radios()} radios already, as many "
                               "as this host may; try again later, or `/play` a piece.")
        channel = voice_channel_of(interaction.user)
    except (RequestError, VoiceRefusal) as refusal:
        await interaction.response.send_message(f"📻 {escape(str(refusal))}", ephemeral=True)
        return
    if playing is not None:
        playing.retune(prompt)
        await interaction.response.send_message(f"📻 Changing station: **{escape(prompt)}**")
        playing.messages.add((await interaction.original_response()).id)
        return
    await interaction.response.defer(thinking=True)
    try:
        room = await client.voice.join(channel)
    except TunesmithError as error:
        await interaction.edit_original_response(content=f"⚠️ {escape(str(error))}")
        return
    station = Radio(client, room, interaction.channel, starter=interaction.user.id,
                    prompt=prompt)
    station.start(client.voice)
    sent = await interaction.edit_original_response(
        content=f"📻 Radio on in 🔊 {escape(channel.name, 100)}: **{escape(prompt)}**; the "
                f"first piece is on its way.\n{STEER_HELP}"[:2000])
    station.messages.add(sent.id)


VOICE_COMMANDS = (play, stop, leave, radio)
