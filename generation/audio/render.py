"""MIDI → audio → MP3 and a PNG piano roll.

Audio length is fixed before rendering: the piece's length plus a short release tail, never
more than the render cap, so a note that never ends cannot make audio that never ends.

With a core to spare the stages overlap (FluidSynth and LAME run without the GIL): the
synthesizer renders the piece while the MP3 encoder follows half a second or more behind it,
and the piano roll is drawn beside them. The encoder needs the loudness before it starts, so
the piece's RMS is estimated first from a render at 8 kHz (within 0.25 dB of the full
render's on the 14 pieces measured, for about a fifth of its work: 11,025 Hz was no closer);
the RMS then reported is measured on what was encoded. On a saturated machine the MP3 is
encoded after the whole piece, normalised exactly, with the piano roll drawn beside it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pretty_midi

from generation.audio.pianoroll import draw_piano_roll
from generation.audio.synth import Synthesizer, shared_synthesizer
from generation.settings import Settings
from models.core.errors import MidiError

log = logging.getLogger(__name__)

FADE_S = 1.0
GAUGE_RATE = 8_000  # Hz: the render the loudness is estimated from (FluidSynth's lowest)
ENCODE_S = 0.5  # seconds of audio the encoder takes at a time
LIMIT_THRESHOLD = 0.7  # soft limiter starts here...
LIMIT_CEILING = 0.93  # ...and never goes above this (-0.6 dBFS: room for MP3 overshoot)


@dataclass(frozen=True)
class Rendered:
    mp3: Path
    png: Path
    duration_s: float
    rms_dbfs: float
    peak: float
    timings: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        return {"mp3": str(self.mp3), "png": str(self.png), "duration_s": round(self.duration_s, 3),
                "rms_dbfs": round(self.rms_dbfs, 2), "peak": round(self.peak, 4),
                "timings": {k: round(v, 4) for k, v in self.timings.items()}}


def piece_end(midi: pretty_midi.PrettyMIDI) -> float:
    """Seconds until the last note ends (controllers after it do not lengthen the piece)."""
    ends = [note.end for inst in midi.instruments for note in inst.notes]
    return max(ends, default=0.0)


def render_budget(midi: pretty_midi.PrettyMIDI, settings: Settings,
                  tail_s: float | None = None) -> float:
    """Seconds of audio to render: the piece plus its release tail, within the hard cap."""
    tail = settings.release_tail_s if tail_s is None else min(tail_s, settings.release_tail_s)
    return min(piece_end(midi), settings.max_render_s) + tail


def synthesizers(settings: Settings) -> tuple[Synthesizer, Synthesizer]:
    """The process's synthesizer, and the one at GAUGE_RATE the loudness is estimated with."""
    return (shared_synthesizer(settings.soundfont_path(), settings.sample_rate),
            shared_synthesizer(settings.soundfont_path(), min(GAUGE_RATE, settings.sample_rate)))


def midi_to_audio(midi: pretty_midi.PrettyMIDI, settings: Settings,
                  tail_s: float | None = None) -> np.ndarray:
    """Render `midi` with the process's synthesizer: float32 (frames, 2), normalised, faded.

    The whole piece at once, with the exact RMS (`render` streams it into the MP3 instead).
    """
    synth = shared_synthesizer(settings.soundfont_path(), settings.sample_rate)
    audio = synth.render(midi, _frames(midi, settings, tail_s, settings.sample_rate))
    return fade_out(normalise(audio, settings.target_dbfs), settings.sample_rate)


def _frames(midi: pretty_midi.PrettyMIDI, settings: Settings, tail_s: float | None,
            rate: int) -> int:
    return max(1, int(round(render_budget(midi, settings, tail_s) * rate)))


def rms_of(audio: np.ndarray) -> float:
    """Root mean square of all samples (summed in float64, without a float64 copy)."""
    return float(np.sqrt(np.add.reduce(np.square(audio).ravel(), dtype=np.float64)
                         / max(audio.size, 1)))


def normalise(audio: np.ndarray, target_dbfs: float) -> np.ndarray:
    """Bring the RMS level to `target_dbfs`, then soft-limit peaks so nothing clips."""
    rms = rms_of(audio)
    if rms < 1e-6:
        return audio
    return _soft_limit((audio * gain_for(rms, target_dbfs)).astype(np.float32, copy=False))


def gain_for(rms: float, target_dbfs: float) -> float:
    """The factor that brings `rms` to `target_dbfs` (1 for silence)."""
    return 10 ** (target_dbfs / 20) / rms if rms >= 1e-6 else 1.0


def _soft_limit(audio: np.ndarray) -> np.ndarray:
    """Squeeze peaks above LIMIT_THRESHOLD below LIMIT_CEILING, in place; returns `audio`."""
    if audio.size and max(float(audio.max()), -float(audio.min())) > LIMIT_THRESHOLD:
        magnitude = np.abs(audio)
        over = magnitude > LIMIT_THRESHOLD
        # tanh knee: continuous at the threshold, approaches the ceiling, never reaches 1.0
        span = LIMIT_CEILING - LIMIT_THRESHOLD
        squeezed = LIMIT_THRESHOLD + span * np.tanh((magnitude[over] - LIMIT_THRESHOLD) / span)
        audio[over] = np.sign(audio[over]) * squeezed
    return audio


def fade_out(audio: np.ndarray, sample_rate: int, seconds: float = FADE_S) -> np.ndarray:
    n = min(len(audio), int(seconds * sample_rate))
    if n > 0:
        audio = audio.copy()
        audio[-n:] *= _fade_curve(n)[:, None]
    return audio


def _fade_curve(n: int) -> np.ndarray:
    return np.cos(np.linspace(0, np.pi / 2, n, dtype=np.float32)) ** 2


def encode_mp3(audio: np.ndarray, path: Path, settings: Settings, title: str,
               bitrate_kbps: int | None = None) -> Path:
    """Encode float stereo audio to MP3 in process (LAME), with an ID3v2.3 title tag.

    In-process LAME measured 0.20 s for 60 s of stereo audio against 0.31 s for an ffmpeg
    subprocess at the same quality, and it spawns nothing.
    """
    path.write_bytes(id3_tag(title=title, artist="tunesmith")
                     + _mp3_bytes(audio, settings, bitrate_kbps))
    return path


def _mp3_bytes(audio: np.ndarray, settings: Settings, bitrate_kbps: int | None = None) -> bytes:
    """The whole of `audio` through one LAME encoder (no tag)."""
    encoder = _mp3_encoder(settings, bitrate_kbps)
    return encoder.encode(_pcm16(audio)) + encoder.flush()


def _mp3_encoder(settings: Settings, bitrate_kbps: int | None = None):
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps or settings.mp3_bitrate_kbps)
    encoder.set_in_sample_rate(settings.sample_rate)
    encoder.set_channels(2)
    encoder.set_quality(settings.mp3_quality)
    return encoder


def _pcm16(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def id3_tag(**fields: str) -> bytes:
    """An ID3v2.3 tag with text frames (title → TIT2, artist → TPE1), UTF-16 encoded."""
    frame_ids = {"title": "TIT2", "artist": "TPE1", "album": "TALB"}
    frames = b""
    for name, value in fields.items():
        body = b"\x01" + value.encode("utf-16")  # encoding 1: UTF-16 with BOM
        frames += frame_ids[name].encode() + len(body).to_bytes(4, "big") + b"\x00\x00" + body
    size = len(frames)
    syncsafe = bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x03\x00\x00" + syncsafe + frames


def render(midi: pretty_midi.PrettyMIDI, base: Path, settings: Settings, *, title: str,
           subtitle: str = "", tail_s: float | None = None,
           overlap: bool | None = None) -> Rendered:
    """Write `base`.mp3 and `base`.png for `midi`; `tail_s` shortens the release tail.

    `overlap`: encode while synthesizing (True) or after, with the exact RMS (False); None
    overlaps when another core is free (on a busy machine the overlap only adds the
    loudness estimate's work: 15 % more CPU for the audio, measured).
    """
    if not any(inst.notes for inst in midi.instruments):
        raise MidiError("the MIDI file has no notes to play")
    base.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    timings: dict[str, float] = {}
    if overlap is None:
        overlap = spare_core()  # before the piano roll's thread starts, or it counts it
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="render") as beside:
        drawn = beside.submit(_timed, draw_piano_roll, midi, base.with_suffix(".png"),
                              title=title, subtitle=subtitle)
        if overlap:
            audio, data = _streamed(midi, settings, tail_s, beside, timings)
        else:
            started = time.perf_counter()
            audio = midi_to_audio(midi, settings, tail_s)
            timings["synth"] = time.perf_counter() - started
            started = time.perf_counter()
            data = _mp3_bytes(audio, settings)
            timings["mp3"] = time.perf_counter() - started
        png, timings["png"] = drawn.result()
    mp3 = base.with_suffix(".mp3")
    mp3.write_bytes(id3_tag(title=title, artist="tunesmith") + data)
    timings["wall"] = time.perf_counter() - began
    return Rendered(mp3=mp3, png=png, duration_s=len(audio) / settings.sample_rate,
                    rms_dbfs=20 * np.log10(max(rms_of(audio), 1e-9)),
                    peak=max(float(audio.max()), -float(audio.min())), timings=timings)


def spare_core() -> bool:
    """Whether another core is free now: fewer tasks ready to run, this thread included, than
    cores we may use (the run queue in /proc/loadavg), and two or more cores.

    Not the 1-minute load average: a piece's own overlapped render raises it, so pieces made
    back to back on an idle machine turned the overlap off (measured).
    """
    cores = len(os.sched_getaffinity(0))
    try:
        with open("/proc/loadavg", encoding="ascii") as loadavg:
            ready = int(loadavg.read().split()[3].split("/")[0])  # "0.52 0.40 0.31 1/83 7"
    except (OSError, ValueError, IndexError):  # not Linux
        ready = round(os.getloadavg()[0]) + 1
    return cores >= 2 and ready < cores


def _streamed(midi: pretty_midi.PrettyMIDI, settings: Settings, tail_s: float | None,
              beside: ThreadPoolExecutor, timings: dict[str, float]) -> tuple[np.ndarray, bytes]:
    """Synthesize in one thread, estimate the loudness in another, encode as audio comes."""
    synth = shared_synthesizer(settings.soundfont_path(), settings.sample_rate)
    audio = np.empty((_frames(midi, settings, tail_s, synth.sample_rate), 2), np.float32)
    made = _Progress()
    synthesis = beside.submit(_timed, _synthesize, synth, midi, audio, made)

    def loudness() -> float:  # the gauge is made here, beside the synthesis, on a cold start
        gauge = synthesizers(settings)[1]
        return rms_of(gauge.render(midi, _frames(midi, settings, tail_s, gauge.sample_rate)))

    rms, timings["gauge"] = beside.submit(_timed, loudness).result()
    try:
        data, timings["mp3"] = _encode_following(audio, made, settings,
                                                 gain_for(rms, settings.target_dbfs))
    except _Stopped:
        synthesis.result()  # raises the synthesizer's own error
        raise
    _, timings["synth"] = synthesis.result()
    return audio, data


class _Stopped(Exception):
    """The synthesizer stopped before the end; its own error says why."""


class _Progress:
    """Frames the synthesizer has written so far, for the encoder following it."""

    def __init__(self):
        self._done = 0
        self._closed = False
        self._changed = threading.Condition()

    def advance(self, frames: int) -> None:
        with self._changed:
            self._done = frames
            self._changed.notify_all()

    def close(self) -> None:
        """No more frames will come (all of them were written, or the synthesizer failed)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def wait(self, frames: int) -> int:
        """Block until `frames` are written; returns how many are."""
        with self._changed:
            self._changed.wait_for(lambda: self._done >= frames or self._closed)
            if self._done < frames:
                raise _Stopped
            return self._done


def _synthesize(synth: Synthesizer, midi: pretty_midi.PrettyMIDI, audio: np.ndarray,
                made: _Progress) -> None:
    try:
        synth.render_into(midi, audio, made.advance)
    finally:
        made.close()


def _encode_following(audio: np.ndarray, made: _Progress, settings: Settings,
                      gain: float) -> tuple[bytes, float]:
    """Gain, limit, fade and encode `audio` as the synthesizer writes it, in place.

    Returns the MP3 frames and the seconds spent encoding (not waiting).
    """
    encoder = _mp3_encoder(settings)
    total = len(audio)
    fade = min(total, int(FADE_S * settings.sample_rate))
    curve = _fade_curve(fade)[:, None]
    step = int(ENCODE_S * settings.sample_rate)
    parts, done, busy = [], 0, 0.0
    while done < total:
        ready = min(made.wait(min(total, done + step)), done + step)
        started = time.perf_counter()
        chunk = audio[done:ready]
        chunk *= gain
        _soft_limit(chunk)
        first = max(done, total - fade)  # the part of this chunk inside the fade
        if first < ready:
            chunk[first - done:] *= curve[first - (total - fade):ready - (total - fade)]
        parts.append(encoder.encode(_pcm16(chunk)))
        done = ready
        busy += time.perf_counter() - started
    parts.append(encoder.flush())
    return b"".join(parts), busy


def _timed(work, *args, **kwargs):
    started = time.perf_counter()
    result = work(*args, **kwargs)
    return result, time.perf_counter() - started


def load_midi(path: Path) -> pretty_midi.PrettyMIDI:
    """Read a MIDI file, turning every parse failure into a MidiError a user can read."""
    if not path.is_file():
        raise MidiError(f"{path} does not exist")
    with path.open("rb") as handle:
        if handle.read(4) != b"MThd":
            raise MidiError(f"{path.name} is not a MIDI file (it does not start with MThd)")
    try:
        return pretty_midi.PrettyMIDI(str(path))
    except Exception as error:  # mido raises many types for malformed files
        raise MidiError(f"{path.name} could not be read as MIDI: {error}") from error
