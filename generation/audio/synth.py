"""FluidSynth in process: one synthesizer per process and sample rate, the SoundFont loaded once.

A MIDI is turned into a timeline of channel events and the synthesizer is asked for exactly
the samples between one event and the next, so rendering never runs "until silence": the
caller fixes the number of samples up front. Rendering reports its progress as it goes, so
that the MP3 encoder can follow it on the other core (FluidSynth's C code runs without the
GIL). A second synthesizer at 8 kHz, for the loudness estimate, shares the first one's
samples through FluidSynth's sample cache (about 13 MB more, not another 141 MB).
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from ctypes import c_int, c_void_p
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pretty_midi

from models.core.errors import DependencyError

log = logging.getLogger(__name__)

DRUM_CHANNEL = 9
BLOCK = 64  # FluidSynth renders 64 frames at a time; events take effect at a block's start
CHUNK_S = 0.25  # progress is reported at least this often (seconds of audio)
SETTLE_S = 1.0  # silence rendered before a piece: the last piece's reverb dies below -130 dB
_NOTE_OFF, _CC, _BEND, _NOTE_ON = 0, 1, 2, 3  # at equal times: offs first, ons last


@dataclass(frozen=True)
class _Event:
    sample: int
    order: int
    channel: int
    a: int
    b: int


class Synthesizer:
    """A FluidSynth synthesizer with one SoundFont, reused for every piece in this process."""

    def __init__(self, soundfont: Path, sample_rate: int = 44_100):
        try:
            import fluidsynth
        except ImportError as error:
            raise DependencyError(
                "FluidSynth is not installed: install the Debian packages fluidsynth and "
                "libfluidsynth3 (sudo apt-get install fluidsynth libfluidsynth3)"
            ) from error
        self.sample_rate = sample_rate
        self.soundfont = soundfont
        # gain 0.3 leaves headroom for dense pieces; loudness is normalised afterwards.
        self._synth = fluidsynth.Synth(gain=0.3, samplerate=float(sample_rate))
        self._synth.setting("synth.reverb.active", 1)
        self._synth.setting("synth.chorus.active", 0)
        self._sfid = self._synth.sfload(str(soundfont))
        if self._sfid < 0:
            self._synth.delete()
            raise DependencyError(f"the SoundFont {soundfont} could not be loaded")
        self._synth.set_reverb(roomsize=0.5, damping=0.4, width=0.8, level=0.35)
        self._lock = threading.Lock()
        log.info("synthesizer ready with %s at %d Hz", soundfont.name, sample_rate)

    def render(self, midi: pretty_midi.PrettyMIDI, total_samples: int) -> np.ndarray:
        """Render exactly `total_samples` stereo frames of `midi`.

        Returns:
            float32 array of shape (total_samples, 2), about [-1, 1] (not clipped).
        """
        out = np.empty((total_samples, 2), dtype=np.float32)
        self.render_into(midi, out)
        return out

    def render_into(self, midi: pretty_midi.PrettyMIDI, out: np.ndarray,
                    progress: Callable[[int], None] | None = None) -> None:
        """Render `midi` into `out` (float32, (frames, 2)), calling `progress(frames done)`
        from this thread at least every CHUNK_S of audio."""
        if out.dtype != np.float32 or out.ndim != 2 or out.shape[1] != 2 \
                or not out.flags.c_contiguous:  # FluidSynth writes through a raw pointer
            raise ValueError(f"need a C-contiguous float32 (frames, 2) array, not {out.dtype} "
                             f"{out.shape}")
        total = len(out)
        chunk = max(BLOCK, int(CHUNK_S * self.sample_rate) // BLOCK * BLOCK)
        events = _timeline(midi, self.sample_rate, total)
        with self._lock:
            synth = self._synth
            self._settle()
            for channel, (is_drum, program) in _channel_programs(midi).items():
                synth.program_select(channel, self._sfid, 128 if is_drum else 0, program)
            cursor = 0
            for event in events:
                while cursor < event.sample:
                    cursor = self._pull(out, cursor, min(event.sample, cursor + chunk))
                    if progress:
                        progress(cursor)
                if event.order == _NOTE_ON:
                    synth.noteon(event.channel, event.a, event.b)
                elif event.order == _NOTE_OFF:
                    synth.noteoff(event.channel, event.a)
                elif event.order == _CC:
                    synth.cc(event.channel, event.a, event.b)
                else:
                    synth.pitch_bend(event.channel, event.a)
            while cursor < total:
                cursor = self._pull(out, cursor, min(total, cursor + chunk))
                if progress:
                    progress(cursor)
            # Whole blocks only: a render that stopped inside a block would leave its last
            # frames in FluidSynth's buffer to open the next piece, shifting that piece's
            # events by up to 63 frames (the same MIDI then sounded different each time).
            rest = -total % BLOCK
            self._pull(np.empty((rest, 2), dtype=np.float32), 0, rest)

    def _settle(self) -> None:
        """Silence whatever the last piece left: its voices, controllers and reverb tail.

        Without this, each piece opened with the previous one's last chord (all_sounds_off
        takes effect only when audio is next rendered) and its reverb (system_reset leaves
        the reverb's delay lines as they are).
        """
        scratch = np.empty((int(SETTLE_S * self.sample_rate) // BLOCK * BLOCK, 2),
                           dtype=np.float32)
        for channel in range(16):
            self._synth.all_sounds_off(channel)
        self._pull(scratch, 0, BLOCK)
        self._synth.system_reset()
        self._pull(scratch, 0, len(scratch))

    def _pull(self, out: np.ndarray, start: int, stop: int) -> int:
        """Render frames [start, stop) straight into `out` (float32, interleaved stereo)."""
        if stop > start:
            address = out.ctypes.data + start * out.strides[0]
            _write_float()(self._synth.synth, stop - start, address, 0, 2, address, 1, 2)
        return stop

    def delete(self) -> None:
        if self._synth is not None:
            self._synth.delete()
            self._synth = None


@cache
def _write_float():
    """fluid_synth_write_float: pyfluidsynth only wraps the int16 variant, whose dither and
    conversion cost as much as the reverb, and which clips what normalisation would scale."""
    import fluidsynth

    return fluidsynth.cfunc("fluid_synth_write_float", c_int, ("synth", c_void_p, 1),
                            ("len", c_int, 1), ("lout", c_void_p, 1), ("loff", c_int, 1),
                            ("lincr", c_int, 1), ("rout", c_void_p, 1), ("roff", c_int, 1),
                            ("rincr", c_int, 1))


def _channel_of(index: int, instrument: pretty_midi.Instrument) -> int:
    if instrument.is_drum:
        return DRUM_CHANNEL
    channels = [c for c in range(16) if c != DRUM_CHANNEL]
    return channels[index % len(channels)]


def _channel_programs(midi: pretty_midi.PrettyMIDI) -> dict[int, tuple[bool, int]]:
    programs: dict[int, tuple[bool, int]] = {}
    melodic = 0
    for instrument in midi.instruments:
        channel = _channel_of(melodic, instrument)
        if not instrument.is_drum:
            melodic += 1
        programs.setdefault(channel, (instrument.is_drum, instrument.program))
    return programs


def _timeline(midi: pretty_midi.PrettyMIDI, rate: int, limit: int) -> list[_Event]:
    """Every note, controller and bend as channel events in sample time, cut at `limit`."""
    events: list[_Event] = []
    melodic = 0
    for instrument in midi.instruments:
        channel = _channel_of(melodic, instrument)
        if not instrument.is_drum:
            melodic += 1
        for note in instrument.notes:
            on = int(note.start * rate)
            if on >= limit or note.end <= note.start:
                continue
            pitch, velocity = int(note.pitch), max(1, min(127, int(note.velocity)))
            events.append(_Event(on, _NOTE_ON, channel, pitch, velocity))
            events.append(_Event(min(int(note.end * rate), limit), _NOTE_OFF, channel, pitch, 0))
        for change in instrument.control_changes:
            at = int(change.time * rate)
            if at < limit:
                events.append(_Event(at, _CC, channel, int(change.number), int(change.value)))
        for bend in instrument.pitch_bends:
            at = int(bend.time * rate)
            if at < limit:
                events.append(_Event(at, _BEND, channel, int(bend.pitch), 0))  # signed
    events.sort(key=lambda e: (e.sample, e.order))
    return events


_shared: dict[int, Synthesizer] = {}  # by sample rate
_shared_lock = threading.Lock()


def shared_synthesizer(soundfont: Path, sample_rate: int) -> Synthesizer:
    """The process's synthesizer at `sample_rate` (pyfluidsynth leaks ~13 MB per one that is
    not deleted, so they are made once and kept)."""
    with _shared_lock:
        synth = _shared.get(sample_rate)
        if synth is not None and synth.soundfont != soundfont:
            synth.delete()
            synth = None
        if synth is None:
            synth = _shared[sample_rate] = Synthesizer(soundfont, sample_rate)
            atexit.register(synth.delete)
        return synth
