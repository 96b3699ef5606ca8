"""FluidSynth in process: one synthesizer per process, the SoundFont loaded once.

A MIDI is turned into a timeline of channel events and the synthesizer is asked for exactly
the samples between one event and the next, so rendering never runs "until silence": the
caller fixes the number of samples up front.
"""

from __future__ import annotations

import atexit
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pretty_midi

from models.errors import DependencyError

log = logging.getLogger(__name__)

DRUM_CHANNEL = 9
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
            float32 array of shape (total_samples, 2) in [-1, 1].
        """
        events = _timeline(midi, self.sample_rate, total_samples)
        out = np.zeros((total_samples, 2), dtype=np.float32)
        with self._lock:
            synth = self._synth
            synth.system_reset()
            for channel, (is_drum, program) in _channel_programs(midi).items():
                synth.program_select(channel, self._sfid, 128 if is_drum else 0, program)
            cursor = 0
            for event in events:
                if event.sample > cursor:
                    cursor = self._pull(out, cursor, event.sample)
                if event.order == _NOTE_ON:
                    synth.noteon(event.channel, event.a, event.b)
                elif event.order == _NOTE_OFF:
                    synth.noteoff(event.channel, event.a)
                elif event.order == _CC:
                    synth.cc(event.channel, event.a, event.b)
                else:
                    synth.pitch_bend(event.channel, event.a)
            self._pull(out, cursor, total_samples)
            for channel in range(16):
                synth.all_sounds_off(channel)
        return out

    def _pull(self, out: np.ndarray, start: int, stop: int) -> int:
        frames = self._synth.get_samples(stop - start)  # interleaved int16, 2 * frames
        out[start:stop] = frames.reshape(-1, 2) / 32768.0
        return stop

    def delete(self) -> None:
        if self._synth is not None:
            self._synth.delete()
            self._synth = None


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


_shared: Synthesizer | None = None
_shared_lock = threading.Lock()


def shared_synthesizer(soundfont: Path, sample_rate: int) -> Synthesizer:
    """The process's one synthesizer (pyfluidsynth leaks ~13 MB per synthesizer not deleted)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.soundfont != soundfont or _shared.sample_rate != sample_rate:
            if _shared is not None:
                _shared.delete()
            _shared = Synthesizer(soundfont, sample_rate)
            atexit.register(_shared.delete)
        return _shared
