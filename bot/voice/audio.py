"""The audio that goes out in a voice channel: pieces decoded to 48 kHz PCM, joined in a stream.

A piece is played from its stored MP3, the same file the bot posts (the renderer's mix at
−14 LUFS), decoded by ffmpeg to 48 kHz stereo 16-bit PCM; discord.py encodes that as Opus in
20 ms frames. Playing the MP3 rather than rendering again costs one ffmpeg run per piece
(about 0.1 s of CPU for 30 s) instead of a synthesizer in the bot process, works the same when
the piece was composed by a worker on another host (its files travel back through Redis), and
what the channel hears is exactly the file people can download.

`PieceStream` is a discord.py AudioSource holding a queue of pieces: each new piece is laid
over the last `overlap_s` of the one before with an equal-power crossfade (the radio's join),
and a stream that runs dry plays silence while `endless` (the radio waiting for its next
piece) instead of stopping. It never blocks the audio thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import discord
import numpy as np

from models.core.errors import TunesmithError

log = logging.getLogger(__name__)

SAMPLE_RATE = 48_000  # Discord's Opus rate
CHANNELS = 2
FRAME = SAMPLE_RATE // 50  # samples in one 20 ms frame
FRAME_BYTES = FRAME * CHANNELS * 2
SILENCE = bytes(FRAME_BYTES)


class AudioError(TunesmithError):
    """A piece's audio could not be read for the voice channel."""


async def decode_piece(mp3: Path) -> np.ndarray:
    """The piece's MP3 as (samples, 2) int16 PCM at 48 kHz, decoded by ffmpeg off the loop."""
    if not mp3.is_file():
        raise AudioError("this piece's audio is no longer on the server")
    process = await asyncio.create_subprocess_exec(
        "ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(mp3), "-f", "s16le",
        "-ac", str(CHANNELS), "-ar", str(SAMPLE_RATE), "-",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await process.communicate()
    except asyncio.CancelledError:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0 or not out:
        log.error("ffmpeg could not decode %s: %s", mp3, err.decode(errors="replace")[-300:])
        raise AudioError("this piece's audio could not be decoded")
    usable = len(out) - len(out) % (CHANNELS * 2)
    return np.frombuffer(out[:usable], np.int16).reshape(-1, CHANNELS)


@dataclass(frozen=True)
class Mark:
    """Where a piece starts in the stream (in samples since the stream began)."""

    at: int
    label: object


class PieceStream(discord.AudioSource):
    """Pieces one after another as 20 ms PCM frames, crossfaded where they meet.

    `on_start(label)` is called (from the audio thread) when a piece begins to sound;
    `on_dry()` when the queue has run dry (the last piece has fully played).
    """

    def __init__(self, *, overlap_s: float = 0.0, endless: bool = False,
                 on_start: Callable[[object], None] | None = None,
                 on_dry: Callable[[], None] | None = None):
        self.overlap = int(overlap_s * SAMPLE_RATE)
        self.endless = endless
        self.on_start = on_start
        self.on_dry = on_dry
        self._lock = threading.Lock()
        self._pending = np.zeros((0, CHANNELS), np.int16)  # what has not been played yet
        self._played = 0  # samples handed out since the stream began (silence not counted)
        self._marks: list[Mark] = []
        self._closed = False
        self._was_dry = False
        self.cut = False  # closed with audio left unplayed (stopped, or replaced)
        self.underruns = 0  # frames of silence played while waiting for a piece

    @property
    def queued_s(self) -> float:
        """Seconds of audio not played yet."""
        with self._lock:
            return len(self._pending) / SAMPLE_RATE

    def add(self, pcm: np.ndarray, label: object = None) -> None:
        """Queue a piece; it overlaps the end of what is queued by up to `overlap_s`."""
        pcm = np.asarray(pcm, np.int16).reshape(-1, CHANNELS)
        with self._lock:
            overlap = min(self.overlap, len(self._pending), len(pcm))
            start = self._played + len(self._pending) - overlap
            if overlap:
                # equal-power: the tail fades out along cos, the head in along sin
                ramp = np.linspace(0.0, np.pi / 2, overlap, dtype=np.float32)[:, None]
                tail = self._pending[-overlap:].astype(np.float32) * np.cos(ramp)
                head = pcm[:overlap].astype(np.float32) * np.sin(ramp)
                mixed = np.clip(np.rint(tail + head), -32768, 32767).astype(np.int16)
                self._pending = np.concatenate([self._pending[:-overlap], mixed,
                                                pcm[overlap:]])
            else:
                self._pending = np.concatenate([self._pending, pcm])
            self._marks.append(Mark(start, label))
            self._was_dry = False

    def drop_unstarted(self) -> None:
        """Drop every queued piece that has not begun to sound; what plays now goes on up
        to where the first of them began (fading out over its last 0.2 s)."""
        with self._lock:
            later = [mark for mark in self._marks if mark.at > self._played]
            if not later:
                return
            keep = later[0].at - self._played
            self._pending = self._pending[:keep].copy()
            fade = min(keep, SAMPLE_RATE // 5)
            if fade:
                ramp = np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
                self._pending[-fade:] = (self._pending[-fade:] * ramp).astype(np.int16)
            self._marks = [mark for mark in self._marks if mark.at <= self._played]

    def clear(self) -> None:
        """Drop everything not played yet."""
        with self._lock:
            self._played += len(self._pending)
            self._pending = self._pending[:0]
            self._marks.clear()

    def close(self) -> None:
        """End the stream: the next read returns nothing and the player stops."""
        with self._lock:
            self.cut = self.cut or bool(len(self._pending))
            self._closed = True

    def read(self) -> bytes:
        with self._lock:
            if self._closed:
                return b""
            started = [mark for mark in self._marks if mark.at <= self._played]
            self._marks = [mark for mark in self._marks if mark.at > self._played]
            frame = self._pending[:FRAME]
            self._pending = self._pending[FRAME:]
            self._played += len(frame)
            dry = not len(self._pending) and not self._was_dry
            if dry:
                self._was_dry = True
        for mark in started:
            if self.on_start is not None:
                self.on_start(mark.label)
        if dry and self.on_dry is not None:
            self.on_dry()
        if len(frame) == FRAME:
            return frame.tobytes()
        if len(frame):  # the last, short frame of a piece
            return frame.tobytes() + bytes(FRAME_BYTES - frame.nbytes)
        if self.endless:
            self.underruns += 1
            return SILENCE
        return b""
