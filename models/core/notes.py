"""The values that cross the boundary between the model and the composition layer."""

from __future__ import annotations

from dataclasses import dataclass

from models.core.harmony import Chord

__all__ = ["Chord", "Controls", "Note", "STYLES"]

# The 13 product styles (design.md); models/core/tokenizer.py maps each to a corpus collection.
STYLES = ("classical", "baroque", "jazz", "blues", "pop", "rock", "lofi", "ambient", "folk",
          "celtic", "electronic", "cinematic", "chiptune")


@dataclass(frozen=True)
class Note:
    """One melody note.

    Attributes:
        pitch: MIDI pitch; in the normalised key (tonic C) when it comes out of the model.
        start: onset in quarter-note beats from the piece start.
        duration: length in quarter-note beats.
        velocity: MIDI velocity (the corpus has no dynamics; the arranger shapes it).
    """

    pitch: int
    start: float
    duration: float
    velocity: int = 80


@dataclass(frozen=True)
class Controls:
    """What the caller asks of a melody.

    Attributes:
        style: one of `STYLES`.
        mode: 'major', 'minor', 'dorian', 'phrygian', 'lydian', 'mixolydian' or 'locrian'
            ('ionian' and 'aeolian' are accepted as synonyms).
        meter: (numerator, denominator), e.g. (4, 4) or (6, 8).
        tempo_bpm: quarter notes per minute.
        density: 0 (sparse) .. 1 (busy).
        valence: -1 (sad) .. 1 (happy).
        arousal: -1 (calm) .. 1 (excited).
    """

    style: str
    mode: str
    meter: tuple[int, int]
    tempo_bpm: int
    density: float
    valence: float
    arousal: float
