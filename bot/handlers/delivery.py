"""What a finished piece looks like in Discord: its embed, its files within the upload limit.

The files are `.mid`, `.mp3` (Discord plays it inline) and the `.png` piano roll. When they do
not fit the upload limit the MP3 is re-encoded at a lower bitrate, and failing that only the
MIDI (and the picture, if it fits) is sent, with a note saying so.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import discord

from generation import Composition, Job, change_words

log = logging.getLogger(__name__)

FALLBACK_BITRATES = ("96k", "48k")
EMBED_COLOUR = 0x5B8DEF


def escape(text: str, limit: int = 300) -> str:
    """User text made safe to echo: no markdown, no mentions, bounded length."""
    text = discord.utils.escape_mentions(discord.utils.escape_markdown(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_job(job: Job) -> str:
    """A short human title for a job (escaped)."""
    if job.action == "compose":
        return escape(job.text) or "untitled"
    if job.action == "continue":
        return "continuation of an uploaded MIDI" + (f": {escape(job.text)}" if job.text else "")
    return f"{job.action} of {escape(job.text) or 'a piece'}"


FOLLOW_UP_WORDS = {"regenerate": "again with a new seed", "vary": "a variation",
                   "extend": "extended", "instrument": "re-arranged"}


def lineage_line(piece_id: int, parent_id: int, job: Job, spec: dict) -> str:
    """"#12 ← #9: 96 → 112 bpm, + cello; the rest kept" for a piece made from another."""
    words = change_words(job.base or {}, spec)
    rewrite = (job.changes or {}).get("rewrite")
    if rewrite:
        words.append(f"the {rewrite} written anew")
    if job.action == "edit":
        said = ", ".join(words) or "no attribute changed"
        return f"#{piece_id} ← #{parent_id}: {escape(said, 400)}; the rest kept"
    if job.action == "vary" and job.amount is not None:
        words.insert(0, f"a variation of strength {job.amount:g}")
    elif job.action == "blend":
        words.insert(0, f"blended {job.amount or 0:.0%} of the way to another piece's tune")
    else:
        words.insert(0, FOLLOW_UP_WORDS.get(job.action, job.action))
    return f"#{piece_id} ← #{parent_id}: {escape(', '.join(words), 400)}"


def build_embed(piece_id: int, composition: Composition, job: Job) -> discord.Embed:
    """The card under the files: the musical choices, the seed and what was inferred."""
    spec = composition.spec
    embed = discord.Embed(title=describe_job(job)[:256], colour=EMBED_COLOUR)
    instruments = spec.get("instruments") or []
    for name, value in (
        ("Key", spec.get("key")),
        ("Tempo", f"{spec['tempo_bpm']} bpm" if spec.get("tempo_bpm") else None),
        ("Meter", spec.get("meter")),
        ("Style", spec.get("style")),
        ("Instruments", ", ".join(map(str, instruments)) if instruments else None),
        ("Length", _length(spec, composition)),
        ("Seed", str(composition.seed)),
    ):
        if value:
            embed.add_field(name=name, value=escape(str(value), 1000), inline=True)
    if composition.notes:
        inferred = "\n".join(f"• {escape(note, 200)}" for note in composition.notes[:8])
        embed.add_field(name="Inferred", value=inferred[:1024], inline=False)
    embed.set_footer(text=f"piece #{piece_id} · model {composition.model_version} · "
                          "🔁 again 🎲 vary ⏩ extend 🐢 slower 🐇 faster")
    return embed


def _length(spec: dict, composition: Composition) -> str | None:
    seconds = spec.get("duration_s") or composition.duration_s
    bars = spec.get("bars")
    if not seconds:
        return None
    return f"{seconds:.0f} s" + (f", {bars} bars" if bars else "")


@dataclass(frozen=True)
class Attachments:
    """Files chosen to fit the limit, and a note for the user when something was dropped."""

    paths: tuple[Path, ...]
    note: str | None

    def files(self) -> list[discord.File]:
        return [discord.File(path, filename=path.name) for path in self.paths]


async def fit_attachments(composition: Composition, limit: int) -> Attachments:
    """Pick the files to send so that together they stay under `limit` bytes."""
    midi, mp3, png = composition.midi, composition.mp3, composition.png
    if _size(midi, mp3, png) <= limit:
        return Attachments((midi, mp3, png), None)
    for bitrate in FALLBACK_BITRATES:
        smaller = mp3.with_name(f"{mp3.stem}-{bitrate}.mp3")
        try:
            await asyncio.to_thread(_reencode, mp3, smaller, bitrate)
        except Exception:
            log.exception("re-encoding %s at %s failed", mp3, bitrate)
            break
        if _size(midi, smaller, png) <= limit:
            return Attachments((midi, smaller, png),
                               f"The MP3 is at {bitrate}bps to fit this server's upload limit.")
        if _size(midi, smaller) <= limit:
            return Attachments((midi, smaller),
                               f"The MP3 is at {bitrate}bps and the picture was left out to fit "
                               "this server's upload limit.")
    mib = limit / 2**20
    if _size(midi, png) <= limit:
        return Attachments((midi, png), f"The audio does not fit this server's {mib:.1f} MiB "
                                        "upload limit, so only the MIDI is attached.")
    if _size(midi) <= limit:
        return Attachments((midi,), f"The audio does not fit this server's {mib:.1f} MiB upload "
                                    "limit, so only the MIDI is attached.")
    return Attachments((), f"Even the MIDI does not fit this server's {mib:.1f} MiB upload limit.")


def _size(*paths: Path) -> int:
    return sum(path.stat().st_size for path in paths)


def _reencode(source: Path, target: Path, bitrate: str) -> None:
    from pydub import AudioSegment  # ffmpeg through pydub, only when a file is too large

    AudioSegment.from_file(source).export(target, format="mp3", bitrate=bitrate).close()
