"""The time grid every melody lives on, and the conversion between bars and notes.

A bar holds its meter, its length and its notes on a grid of `TICKS` per quarter note (onset
in the bar, duration, pitch), plus the chord fitted to it. `notes_to_bars` and
`bars_to_notes` convert between that grid and `Note`s in quarter-note beats. A `Piece` is
one corpus melody in bars. The corpus builder (models/training/corpus.py), the tokenizer and
the sampler all use these, and nothing here depends on them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from models.core.harmony import Chord, fit_bars
from models.core.notes import Note

TICKS = 12  # per quarter note: sixteenths and eighth/sixteenth triplets are exact
PITCH_RANGE = (36, 96)  # MIDI pitches kept after transposing to C
METERS = ("2/4", "3/4", "4/4", "5/4", "6/4", "2/2", "3/2", "4/2", "3/8", "6/8", "9/8",
          "12/8", "5/8", "7/8")
# Note lengths in ticks that the tokenizer has a token for.
DURATIONS = tuple(sorted(set(range(1, 25)) | {27, 30, 32, 33, 36, 39, 42, 45, 48, 54, 60, 66,
                                              72, 84, 96, 108, 120, 144}))


@dataclass(frozen=True)
class Bar:
    meter: str  # 'n/d'
    length: int  # ticks
    notes: tuple[tuple[int, int, int], ...]  # (onset tick in bar, duration ticks, pitch)
    chord: Chord


@dataclass(frozen=True)
class Piece:
    """One melody of the corpus, transposed to C, in bars on the tick grid."""

    name: str  # 'collection/file stem/tune number', unique; it also decides the split
    collection: str  # one of the tokenizer's COLLECTION_NAMES: the STYLE token
    mode: str  # one of models.core.harmony.MODES
    tonic: int  # the original tonic's pitch class (the notes are already in C)
    tempo: str  # 'slow' | 'medium' | 'fast'
    bars: tuple[Bar, ...]

    def split(self) -> str:
        """'train' (90 %), 'valid' (5 %) or 'test' (5 %), fixed by the name's hash."""
        # sha1, not hash(): Python salts str hashes per process, the split must not move
        bucket = int(hashlib.sha1(self.name.encode()).hexdigest(), 16) % 100
        return "train" if bucket < 90 else "valid" if bucket < 95 else "test"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Piece:
        """The inverse of `to_json` (JSON has lists where the dataclasses have tuples)."""
        bars = tuple(Bar(b["meter"], b["length"], tuple(tuple(n) for n in b["notes"]),
                         Chord(**b["chord"])) for b in data["bars"])
        return cls(data["name"], data["collection"], data["mode"], data["tonic"],
                   data["tempo"], bars)


def meter_ticks(meter: str) -> int:
    """Length of one bar of `meter` in ticks."""
    numerator, denominator = (int(x) for x in meter.split("/"))
    return numerator * TICKS * 4 // denominator


def meter_beat(meter: str) -> float:
    """The beat in quarters: dotted quarter for compound x/8, else one denominator unit."""
    numerator, denominator = (int(x) for x in meter.split("/"))
    unit = 4 / denominator
    return unit * 3 if denominator == 8 and numerator % 3 == 0 and numerator > 3 else unit


def snap_duration(ticks: int) -> int:
    """The nearest length in `DURATIONS` (the shorter on a tie)."""
    return min(DURATIONS, key=lambda d: (abs(d - ticks), d))


def bars_to_notes(bars: list[Bar], start: float = 0.0, velocity: int = 80) -> list[Note]:
    """Bars (ticks) to `Note`s in quarter-note beats, the first bar starting at `start`."""
    notes, offset = [], start
    for bar in bars:
        for onset, duration, pitch in bar.notes:
            notes.append(Note(pitch, offset + onset / TICKS, duration / TICKS, velocity))
        offset += bar.length / TICKS
    return notes


def top_notes(notes: Iterable[Note]) -> list[Note]:
    """The melody a listener hears on top: the highest note at each onset, sorted by onset.

    Onsets are compared on the tick grid; of two equally high notes the first one given wins.
    """
    top: dict[int, Note] = {}
    for note in notes:
        onset = round(note.start * TICKS)
        if onset not in top or note.pitch > top[onset].pitch:
            top[onset] = note
    return [top[onset] for onset in sorted(top)]


def notes_to_bars(notes: list[Note], meter: str, mode: str) -> list[Bar]:
    """Notes (beats, normalised key) into bars of `meter` on the tick grid, chords fitted.

    Monophonic: at each onset the highest note wins (`top_notes`); a note is cut at the next
    onset (it may be held over a bar line, as ties are in the corpus). Pitches outside the
    model's range move by octaves into it.
    """
    if not notes:
        return []
    length = meter_ticks(meter)
    onsets: dict[int, tuple[int, int]] = {}
    for note in top_notes(n for n in notes if round(n.start * TICKS) >= 0):
        pitch = note.pitch
        while pitch < PITCH_RANGE[0]:
            pitch += 12
        while pitch > PITCH_RANGE[1]:
            pitch -= 12
        onsets[round(note.start * TICKS)] = (max(1, round(note.duration * TICKS)), pitch)
    count = max(onsets) // length + 1
    per_bar: list[list[tuple[int, int, int]]] = [[] for _ in range(count)]
    ordered = sorted(onsets.items())
    for k, (start, (duration, pitch)) in enumerate(ordered):
        bar, onset = divmod(start, length)
        limit = ordered[k + 1][0] - start if k + 1 < len(ordered) else duration
        length_ticks = snap_duration(duration)
        if length_ticks > limit:  # never into the next note
            length_ticks = max(d for d in DURATIONS if d <= limit)
        per_bar[bar].append((onset, length_ticks, pitch))
    beat = meter_beat(meter)
    fitted = fit_bars([[(o / TICKS, d / TICKS, p) for o, d, p in bar] for bar in per_bar],
                      mode, 0, beat)
    return [Bar(meter, length, tuple(bar), chord)
            for bar, chord in zip(per_bar, fitted, strict=True)]
