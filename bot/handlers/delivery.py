"""What a finished piece looks like in Discord: its embed, its files within the upload limit.

The files are `.mid`, `.mp3` (Discord plays it inline), the engraved score (`.score.png`), the
full score as `.musicxml` and the `.png` piano roll. When they do not fit the upload limit the
lowest-value files are left out first, then the MP3 is re-encoded once, at the highest bitrate
that fits (a 20-minute piece at 192 kbps is 29 MB: at 64 kbps it fits Discord's 10 MiB), and
failing that only the MIDI (and what else fits) is sent, with a note saying so.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import discord

from generation import Composition, Job, change_words

log = logging.getLogger(__name__)

# the bitrates (kbps) an MP3 too large for the limit may be re-encoded at, best first
FALLBACK_KBPS = (160, 128, 112, 96, 80, 64, 56, 48, 40, 32)
GOOD_KBPS = 64  # below this, the extras are left out before the audio loses more
MP3_OVERHEAD = 1.02  # frame headers and padding above the nominal bitrate (CBR)
REENCODE_TIMEOUT_S = 300  # ffmpeg takes about 10 s for 20 minutes of audio
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


def build_embed(piece_id: int, composition: Composition, job: Job,
                files: tuple[Path, ...] = ()) -> discord.Embed:
    """The card under the files: the musical choices, the seed, what was inferred and what
    each attached file is."""
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
    if files:
        embed.add_field(name="Files", value="\n".join(f"`{escape(path.name, 80)}`: "
                                                      f"{file_kind(path)}" for path in files),
                        inline=False)
    embed.set_footer(text=f"piece #{piece_id} · model {composition.model_version} · "
                          "🔁 again 🎲 vary ⏩ extend 🐢 slower 🐇 faster")
    return embed


# each kind of file a piece sends: (what the card says it is, its name in a note)
FILE_KINDS = {".mid": ("🎹 MIDI, for a DAW or synth", "the MIDI"),
              ".mp3": ("🎧 the audio, plays here", "the audio"),
              ".score.png": ("🎼 the lead sheet: melody, chords and sections",
                             "the score picture"),
              ".musicxml": ("📄 the full score (MusicXML) for MuseScore, Dorico or Sibelius",
                            "the MusicXML"),
              ".png": ("🖼️ piano roll", "the piano roll")}


def _kind(path: Path) -> str:
    return ".score.png" if path.name.endswith(".score.png") else path.suffix


def file_kind(path: Path) -> str:
    """What an attached file is, in words: '🎼 the lead sheet: melody, chords and sections'."""
    return FILE_KINDS.get(_kind(path), (path.suffix,))[0]


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
    """Pick the files to send so that together they stay under `limit` bytes.

    By value: the MIDI, the MP3, then the extras (the score picture, the MusicXML, the piano
    roll). Extras are left out lowest value first; if the MIDI and MP3 still do not fit, the
    MP3 is re-encoded once at the highest bitrate that fits (with the extras while that is
    GOOD_KBPS or more); last, the audio is left out. The note says what was dropped.
    """
    midi, mp3 = composition.midi, composition.mp3
    extras = [path for path in (composition.score, composition.musicxml, composition.png)
              if path is not None and path.is_file()]
    chosen = _with_extras((midi, mp3), extras, limit)
    if chosen is not None:
        return Attachments(chosen, _left_out(extras, chosen, ""))
    try:
        seconds = await _mp3_seconds(mp3)
        kbps = fallback_kbps(seconds, [limit - _size(midi, *extras[:keep])
                                       for keep in range(len(extras), -1, -1)])
        if kbps is not None:
            smaller = mp3.with_name(f"{mp3.stem}-{kbps}k.mp3")
            await _reencode(mp3, smaller, kbps)
            chosen = _with_extras((midi, smaller), extras, limit)
            if chosen is not None:
                return Attachments(chosen, _left_out(
                    extras, chosen, f"The MP3 is at {kbps} kbps to fit this server's upload "
                                    "limit."))
    except (TimeoutError, OSError, ValueError):
        log.exception("re-encoding %s smaller failed", mp3)
    mib = limit / 2**20
    chosen = _with_extras((midi,), extras, limit)
    if chosen is not None:
        return Attachments(chosen, _left_out(
            extras, chosen, f"The audio does not fit this server's {mib:.1f} MiB upload limit, "
                            "so it is left out."))
    return Attachments((), f"Even the MIDI does not fit this server's {mib:.1f} MiB upload limit.")


async def stored_attachments(composition: Composition, limit: int) -> Attachments:
    """The files of a piece posted again (/show, "show #3"): those that fit, or none and a
    note when its MIDI and MP3 are no longer on the server."""
    if not (composition.midi.is_file() and composition.mp3.is_file()):
        return Attachments((), "Its files are no longer on the server; the card is all I have.")
    return await fit_attachments(composition, limit)


def _with_extras(core: tuple[Path, ...], extras: list[Path],
                 limit: int) -> tuple[Path, ...] | None:
    """`core` and as many of the extras as fit (in their order of value), or None when the
    core alone does not fit."""
    for keep in range(len(extras), -1, -1):
        chosen = (*core, *extras[:keep])
        if _size(*chosen) <= limit:
            return chosen
    return None


def _left_out(extras: list[Path], chosen: tuple[Path, ...], note: str) -> str | None:
    """The note for the user: what changed to fit, and which extras were left out."""
    dropped = [FILE_KINDS[_kind(path)][1] for path in extras if path not in chosen]
    if dropped:
        note = (note + " " if note else "") + (
            f"Left out to fit this server's upload limit: {', '.join(dropped)}.")
    return note or None


def _size(*paths: Path) -> int:
    return sum(path.stat().st_size for path in paths)


def fallback_kbps(seconds: float, rooms: list[int]) -> int | None:
    """The bitrate to re-encode `seconds` of audio at: the highest of FALLBACK_KBPS that fits
    the first of `rooms` (bytes free beside the MIDI and the most extras, then fewer) where
    that is GOOD_KBPS or more, else the highest that fits the last room; None if none does."""
    def best(room: int) -> int | None:
        return next((kbps for kbps in FALLBACK_KBPS
                     if seconds * kbps * 125 * MP3_OVERHEAD + 1024 <= room), None)
    for room in rooms:
        kbps = best(room)
        if kbps is not None and kbps >= GOOD_KBPS:
            return kbps
    return best(rooms[-1]) if rooms else None


async def _mp3_seconds(path: Path) -> float:
    """The MP3's length, read by ffprobe from the file."""
    out = await _run("ffprobe", "-v", "error", "-show_entries", "format=duration",
                     "-of", "default=noprint_wrappers=1:nokey=1", str(path))
    return float(out)


async def _reencode(source: Path, target: Path, kbps: int) -> None:
    """`source` at `kbps` through ffmpeg, streamed (a 20-minute piece decoded whole in the bot
    process would take 200 MB); its tags are kept."""
    await _run("ffmpeg", "-v", "error", "-y", "-i", str(source), "-map", "0:a",
               "-c:a", "libmp3lame", "-b:a", f"{kbps}k", "-map_metadata", "0",
               "-id3v2_version", "3", str(target))


async def _run(*command: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), REENCODE_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode:
        raise OSError(f"{command[0]} failed ({process.returncode}): {err.decode()[-300:]}")
    return out.decode()
