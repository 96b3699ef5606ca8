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
from models.core.errors import TunesmithError

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


@app_commands.command(name="stop", description="Stop the music in the voice channel")
@app_commands.guild_only()
async def stop(interaction: discord.Interaction) -> None:
    client = host(interaction)
    room = client.voice.room(interaction.guild_id)
    if room is not None and room.radio is not None:
        refusal = room.radio.refusal(interaction.user)
        if refusal:
            await interaction.response.send_message(refusal, ephemeral=True)
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
    if room is not None and room.radio is not None:
        refusal = room.radio.refusal(interaction.user)
        if refusal:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
    if room is None:
        await interaction.response.send_message("I am not in a voice channel here.",
                                                ephemeral=True)
        return
    # answered first: leaving waits for Discord to confirm, which may take past the 3 s
    await interaction.response.send_message(f"👋 Left 🔊 {escape(room.channel.name, 100)}.")
    await client.voice.leave(interaction.guild_id)


VOICE_COMMANDS = (play, stop, leave)
