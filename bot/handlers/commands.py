"""The slash commands: /compose, /continue, /vary, /blend, /history, /show, /help, /styles.

Each handler checks the request (a bad one gets an instant private answer), then hands the
job to the client, which defers, queues and delivers.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.handlers.controls import controls_view
from bot.handlers.delivery import build_embed, describe_job, escape, stored_attachments
from bot.handlers.host import host
from generation import (
    INSTRUMENTS,
    INSTRUMENTS_SAID,
    MAX_BPM,
    MAX_LENGTH_S,
    MAX_PROMPT,
    MIN_BPM,
    MOODS,
    STYLES,
    VARY_DEFAULT,
    Job,
    MidiLimits,
    blend_job,
    check_prompt,
    check_size,
    follow_up,
    new_seed,
)
from models.core.errors import MidiError, RequestError

log = logging.getLogger(__name__)

TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
KEY_CHOICES = [app_commands.Choice(name=f"{tonic} {mode}", value=f"{tonic} {mode}")
               for mode in ("major", "minor") for tonic in TONICS]  # 24 of Discord's 25
EXAMPLES = (
    "calm piano in D minor",
    "happy celtic fiddle tune at 140 bpm",
    "dark cinematic strings and timpani, slow",
    "lofi electric piano for studying, 60 seconds",
    "playful chiptune in 3/4",
    "romantic jazz saxophone ballad in Eb major",
)

Prompt = app_commands.Range[str, 1, MAX_PROMPT]
LONGEST_S = int(MAX_LENGTH_S)  # the longest piece, in whole seconds


def pre_check(text: str, *, instrument: str | None) -> None:
    """Raise RequestError for a request that cannot be composed, before anything is queued.

    `generation.parse_request` is not called here: it loads the MiniLM encoder (about
    90 MB of weights) and runs it, which belongs in the worker, not beside the event loop.
    Its refusals (empty text, over MAX_PROMPT characters, an unreadable typed option) are the
    ones checked here; key, tempo and length are typed options Discord already bounds.
    """
    check_prompt(text)
    if instrument is not None and instrument not in INSTRUMENTS:
        raise RequestError(f"{instrument!r} is not an instrument I know; try /styles")


async def instrument_autocomplete(interaction: discord.Interaction,
                                  current: str) -> list[app_commands.Choice[str]]:
    current = current.lower().strip()
    names = [name for name in INSTRUMENTS if current in name] if current else list(INSTRUMENTS)
    return [app_commands.Choice(name=name, value=name) for name in names[:25]]


@app_commands.command(name="compose", description="Compose a piece from a sentence")
@app_commands.describe(
    prompt=f"What to compose, e.g. 'calm piano in D minor' (1–{MAX_PROMPT} characters)",
    key="Key of the piece (default: chosen from the mood)",
    tempo=f"Tempo in beats per minute, {MIN_BPM}–{MAX_BPM}",
    length=f"Length in seconds, 10–{LONGEST_S} ({LONGEST_S // 60} minutes)",
    instrument="Lead instrument",
    seed="Seed for a reproducible result",
    private="Only you see the result",
)
@app_commands.choices(key=KEY_CHOICES)
@app_commands.autocomplete(instrument=instrument_autocomplete)
async def compose(interaction: discord.Interaction, prompt: Prompt,
                  key: app_commands.Choice[str] | None = None,
                  tempo: app_commands.Range[int, MIN_BPM, MAX_BPM] | None = None,
                  length: app_commands.Range[int, 10, LONGEST_S] | None = None,
                  instrument: str | None = None,
                  seed: app_commands.Range[int, 0, 2**31 - 1] | None = None,
                  private: bool = False) -> None:
    key_name = key.value if key else None
    try:
        pre_check(prompt, instrument=instrument)
    except RequestError as error:
        await interaction.response.send_message(f"⚠️ {escape(str(error))}", ephemeral=True)
        return
    job = Job(action="compose", text=prompt.strip(), seed=seed, key=key_name, tempo_bpm=tempo,
              duration_s=float(length) if length else None, instrument=instrument)
    await host(interaction).accept(interaction, job, private=private)


@app_commands.command(name="continue", description="Continue or re-arrange a MIDI file")
@app_commands.describe(file="A .mid file (at most 256 KB)",
                       prompt="How to continue it, e.g. 'as a jazz trio' (optional)",
                       private="Only you see the result")
async def continue_(interaction: discord.Interaction, file: discord.Attachment,
                    prompt: app_commands.Range[str, 0, MAX_PROMPT] | None = None,
                    private: bool = False) -> None:
    client = host(interaction)
    limits = MidiLimits(max_bytes=client.settings.max_upload_bytes)
    try:
        check_size(file.size, file.filename, limits)  # before a single byte is downloaded
    except MidiError as error:
        await interaction.response.send_message(f"⚠️ {escape(str(error))}", ephemeral=True)
        return
    await client.accept_upload(interaction, file, (prompt or "").strip(), private=private,
                               limits=limits)


async def _visible(interaction: discord.Interaction, piece_id: int):
    """Piece `piece_id` if this user may use it; else None, after a private answer."""
    piece = await host(interaction).store.piece(piece_id)
    if piece is None or piece.deleted or (piece.private and
                                          piece.user_id != interaction.user.id):
        await interaction.response.send_message(f"There is no piece #{piece_id}.",
                                                ephemeral=True)
        return None
    return piece


@app_commands.command(name="vary", description="A variation of a piece: same plan, "
                                               "the melody moved as far as you like")
@app_commands.describe(piece="The piece number, as in /history",
                       strength="How far the melody moves: 0.1 keeps most notes, 0.2 about "
                                "half, 1 is a new tune on the same chords (default 0.2)")
async def vary(interaction: discord.Interaction,
               piece: app_commands.Range[int, 1, 2**53],
               strength: app_commands.Range[float, 0.05, 1.0] = VARY_DEFAULT) -> None:
    found = await _visible(interaction, piece)
    if found is None:
        return
    job = follow_up(found.job, found.composition, "vary", seed=new_seed(), amount=strength)
    await host(interaction).accept(interaction, job, private=found.private,
                                    parent_id=found.id, cooldown="wait")


@app_commands.command(name="blend", description="Blend two pieces: the first one's key, "
                                                "tempo and band, the melodies mixed")
@app_commands.describe(first="The piece whose key, tempo and arrangement are kept",
                       second="The piece whose tune is blended in",
                       mix="How much of the second tune: 0 is the first piece, 1 the second "
                           "tune (default 0.5)")
async def blend(interaction: discord.Interaction,
                first: app_commands.Range[int, 1, 2**53],
                second: app_commands.Range[int, 1, 2**53],
                mix: app_commands.Range[float, 0.0, 1.0] = 0.5) -> None:
    if first == second:
        await interaction.response.send_message("Blend two different pieces, e.g. "
                                                "`/blend first:3 second:5`.", ephemeral=True)
        return
    a = await _visible(interaction, first)
    b = a and await _visible(interaction, second)
    if a is None or b is None:
        return
    job = blend_job(a.composition, b.composition, mix=mix, seed=new_seed(),
                    midi_path=a.job.midi_path)
    await host(interaction).accept(interaction, job, private=a.private or b.private,
                                    parent_id=a.id, cooldown="wait")


@app_commands.command(name="history", description="Your recent pieces")
async def history(interaction: discord.Interaction) -> None:
    pieces = await host(interaction).store.history(interaction.user.id, limit=10)
    if not pieces:
        await interaction.response.send_message("You have no pieces yet: try /compose.",
                                                ephemeral=True)
        return
    lines = []
    for piece in pieces:
        spec = piece.composition.spec
        line = (f"**#{piece.id}** {describe_job(piece.job)[:80]} — {spec.get('key', '?')}, "
                f"{spec.get('tempo_bpm', '?')} bpm, seed {piece.composition.seed}")
        if piece.message_id and piece.guild_id and piece.channel_id and not piece.private:
            line += (f" — [open](https://discord.com/channels/{piece.guild_id}/"
                     f"{piece.channel_id}/{piece.message_id})")
        lines.append(line)
    await interaction.response.send_message("\n".join(lines)[:2000], ephemeral=True)


@app_commands.command(name="show", description="Show one of the pieces again")
@app_commands.describe(id="The piece number, as in /history")
async def show(interaction: discord.Interaction,
               id: app_commands.Range[int, 1, 2**53]) -> None:
    piece = await host(interaction).store.piece(id)
    if piece is None or (piece.private and piece.user_id != interaction.user.id):
        await interaction.response.send_message(f"There is no piece #{id}.", ephemeral=True)
        return
    composition = piece.composition
    content = f"🎵 **{describe_job(piece.job)}**"
    await interaction.response.defer(ephemeral=piece.private, thinking=True)  # a re-encode
    attachments = await stored_attachments(composition, interaction.filesize_limit)
    if attachments.note:
        content += f"\n-# {attachments.note}"
    files = attachments.files()
    try:
        await interaction.edit_original_response(
            content=content[:2000],
            embed=build_embed(piece.id, composition, piece.job, attachments.paths),
            attachments=files, view=controls_view(piece.id))
    finally:
        for file in files:  # send_message leaves them open
            file.close()


@app_commands.command(name="help", description="How to use tunesmith, with examples")
async def help_(interaction: discord.Interaction) -> None:
    examples = "\n".join(f"• `/compose prompt:{example}`" for example in EXAMPLES)
    text = (
        "**tunesmith** composes music from a sentence and posts a MIDI file, an MP3 you can "
        "play here and a piano roll.\n\n" + examples + "\n\n"
        "Say a mood, a style, instruments, a key (`in D minor`), a tempo (`at 90 bpm`, "
        "`allegro`), a meter (`in 3/4`) or a length (`45 seconds`). Under each piece: "
        "🔁 again with a new seed, 🎲 vary, ⏩ extend, 🐢/🐇 slower/faster, 🎹 instrument, "
        "✏️ edit the prompt, 🗑️ delete (yours only). `/vary piece strength` dials how far a "
        "variation goes; `/blend first second mix` blends two pieces' tunes. "
        "`/continue` continues a .mid you upload; `/play` (or ▶️ under a piece) plays a piece "
        "to everyone in your voice channel, `/stop` and `/leave` end it; "
        "`/history` and `/show` find your pieces again; `/styles` lists what I know.\n\n"
        "**Talk to me:** reply to a piece to change it and keep the rest (`a bit faster, and "
        "add a cello`, `up a whole step`, `sadder`, `a new ending`, `undo`), or ask about it "
        "(`what key is this in?`). Mention me with a request to compose, or write to me in a "
        "direct message."
    )
    await interaction.response.send_message(text, ephemeral=True)


@app_commands.command(name="styles", description="The moods, styles and instruments I know")
async def styles(interaction: discord.Interaction) -> None:
    text = (f"**Moods:** {', '.join(MOODS)}\n**Styles:** {', '.join(STYLES)}\n"
            f"**Instruments:** {INSTRUMENTS_SAID}")
    await interaction.response.send_message(text, ephemeral=True)


COMMANDS = (compose, continue_, vary, blend, history, show, help_, styles)


def register(tree: app_commands.CommandTree) -> None:
    from bot.voice.commands import VOICE_COMMANDS

    for command in COMMANDS + VOICE_COMMANDS:
        tree.add_command(command)
