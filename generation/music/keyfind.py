"""Krumhansl–Schmuckler key finding: which key do the notes themselves sound in?

Used to describe uploaded files and to check that a composition is in the key it was asked for.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import pretty_midi

from generation.chords import spell

# Krumhansl & Kessler (1982) probe-tone profiles, tonic first.
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True)
class Key:
    tonic: int  # pitch class 0..11
    mode: str  # "major" or "minor"
    correlation: float = 1.0

    @property
    def name(self) -> str:
        return f"{spell(self.tonic, self.mode)} {self.mode}"

    def relative(self) -> Key:
        if self.mode == "major":
            return Key((self.tonic + 9) % 12, "minor", self.correlation)
        return Key((self.tonic + 3) % 12, "major", self.correlation)


def pitch_class_histogram(midi: pretty_midi.PrettyMIDI) -> np.ndarray:
    """Duration-weighted pitch-class histogram of every pitched (non-drum) note, each note
    as long as it sounds from the written file (`sounding_ends`)."""
    histogram = np.zeros(12)
    for instrument in midi.instruments:
        if instrument.is_drum:
            continue
        for note, end in zip(instrument.notes, sounding_ends(instrument.notes), strict=True):
            histogram[note.pitch % 12] += max(end - note.start, 0.0)
    return histogram


def sounding_ends(notes) -> list[float]:
    """Where each note stops sounding once written to a file and read back: a note-off ends
    every note of its pitch already sounding, so of two overlapping notes of one pitch the
    later is cut where the earlier ends (a legato comp part loses seconds so)."""
    by_pitch: dict[int, list[float]] = {}
    for note in notes:
        by_pitch.setdefault(note.pitch, []).append(note.end)
    for ends in by_pitch.values():
        ends.sort()
    found = []
    for note in notes:
        ends = by_pitch[note.pitch]
        found.append(ends[bisect.bisect_right(ends, note.start)] if ends[-1] > note.start
                     else note.end)
    return found


def estimate_key_from_histogram(histogram: np.ndarray) -> Key:
    if histogram.sum() <= 0:
        return Key(0, "major", 0.0)
    best = Key(0, "major", -2.0)
    for tonic in range(12):
        rotated = np.roll(histogram, -tonic)
        for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
            r = float(np.corrcoef(rotated, profile)[0, 1])
            if r > best.correlation:
                best = Key(tonic, mode, r)
    return best


def estimate_key(midi: pretty_midi.PrettyMIDI) -> Key:
    return estimate_key_from_histogram(pitch_class_histogram(midi))


def key_agrees(asked: str, found: Key) -> tuple[bool, bool]:
    """(exact, relative-tolerant) agreement of a found key with an asked one ('G dorian').

    Modes count as their tonic's minor (a minor third) or major.
    """
    from generation.music.spec import parse_key
    from models.inference import MODES

    tonic, mode = parse_key(asked)
    wanted = Key(tonic, "minor" if 3 in MODES[mode] else "major")
    exact = (found.tonic, found.mode) == (wanted.tonic, wanted.mode)
    relative = wanted.relative()
    return exact, exact or (found.tonic, found.mode) == (relative.tonic, relative.mode)
