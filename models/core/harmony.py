"""Chords: the values the model is conditioned on, and how a bar's chord is derived.

The corpus has almost no chord symbols, so the chord of every bar is *fitted*: each
candidate chord (12 roots × `FIT_QUALITIES`) is scored against the bar's pitch classes,
each weighted by its duration times a metrical weight (downbeat 2, other beats 1.5,
off-beats 1):

    score = Σ weight(chord tones) − 0.6 · Σ weight(other tones)
            + 0.35 · total if the chord's root is the bass at the downbeat (polyphony only)
            + 0.10 · total if the chord is diatonic in the piece's mode
            + 0.05 · total if it is the tonic chord
            − 0.12 · total for a four-note chord (so a triad wins when the 7th is absent)
            − 0.08 · total for a diminished triad (rare as a bar's harmony)

Ties go to the earlier candidate (roots from the tonic upwards). A bar with no notes keeps
the previous bar's chord. On Bach chorales, fitting all four voices bar by bar agrees with
the root of music21's Roman-numeral analyses on the bar's longest chord (see the test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Intervals above the root, in semitones.
QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "dom7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "hdim7": (0, 3, 6, 10),
    "sus4": (0, 5, 7),
    # the qualities people name in requests (generation/chords.py reads their symbols)
    "maj6": (0, 4, 7, 9),
    "min6": (0, 3, 7, 9),
    "dim7": (0, 3, 6, 9),
    "sus2": (0, 2, 7),
    "7sus4": (0, 5, 7, 10),
    "add9": (0, 4, 7, 14),
    "madd9": (0, 3, 7, 14),
    "dom9": (0, 4, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "min9": (0, 3, 7, 10, 14),
    "minmaj7": (0, 3, 7, 11),
    "power": (0, 7),
}
# The qualities the fitter chooses among (and that have their own token).
FIT_QUALITIES = ("maj", "min", "dim", "dom7")
# Every other quality is conditioned as its nearest fitted one; its own tones still steer
# the chord-tone filter of the sampler.
TOKEN_QUALITY = {"aug": "maj", "maj7": "maj", "min7": "min", "hdim7": "dim", "sus4": "maj",
                 "maj6": "maj", "min6": "min", "dim7": "dim", "sus2": "maj", "7sus4": "dom7",
                 "add9": "maj", "madd9": "min", "dom9": "dom7", "maj9": "maj", "min9": "min",
                 "minmaj7": "min", "power": "maj"}

# Semitones of each mode's scale above its tonic.
MODES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
}
# Degrees of the major scale that start each mode (C major → D dorian, E phrygian, ...).
MODE_OFFSETS = {"major": 0, "dorian": 2, "phrygian": 4, "lydian": 5, "mixolydian": 7,
                "minor": 9, "locrian": 11}


@dataclass(frozen=True)
class Chord:
    """A chord relative to the tonic.

    Attributes:
        root: pitch class above the tonic (0..11; the tonic is 0).
        quality: one of `QUALITIES` ('maj', 'min', 'dim', 'aug', 'dom7', 'maj7', 'min7',
            'hdim7', 'sus4', and the rarer ones requests name: 'maj6', 'dom9', ...).
        bass: pitch class above the tonic of a bass other than the root (a slash chord,
            'G/B'); None for the root.
    """

    root: int
    quality: str
    bass: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.root < 12:
            raise ValueError(f"chord root {self.root} is outside 0..11")
        if self.quality not in QUALITIES:
            raise ValueError(f"chord quality {self.quality!r} is not one of {sorted(QUALITIES)}")
        if self.bass is not None and not 0 <= self.bass < 12:
            raise ValueError(f"chord bass {self.bass} is outside 0..11")

    def pitch_classes(self) -> frozenset[int]:
        return frozenset((self.root + step) % 12 for step in QUALITIES[self.quality])

    def token_quality(self) -> str:
        return TOKEN_QUALITY.get(self.quality, self.quality)


def scale_pitch_classes(mode: str) -> frozenset[int]:
    """The pitch classes of `mode` on tonic C (0)."""
    return frozenset(MODES[mode])


def metrical_weight(onset: float, beat: float) -> float:
    """2 on the downbeat, 1.5 on other beats, 1 elsewhere (onset and beat in quarters)."""
    if onset == 0:
        return 2.0
    return 1.5 if abs(onset / beat - round(onset / beat)) < 1e-6 else 1.0


def pitch_class_weights(notes, beat: float) -> np.ndarray:
    """Weights (12,) of (onset_in_bar, duration, pitch) notes: duration × metrical weight."""
    weights = np.zeros(12)
    for onset, duration, pitch in notes:
        weights[pitch % 12] += duration * metrical_weight(onset, beat)
    return weights


_CANDIDATES = [Chord(root, quality) for root in range(12) for quality in FIT_QUALITIES]


def fit_chord(weights: np.ndarray, mode: str = "major", tonic: int = 0,
              bass: int | None = None) -> Chord | None:
    """The best-scoring chord for a bar (see the module docstring), or None if silent.

    Args:
        weights: (12,) weight of each absolute pitch class in the bar.
        mode: the piece's mode, for the diatonic prior.
        tonic: the piece's tonic pitch class; the returned root is relative to it.
        bass: pitch class of the lowest voice on the downbeat, when known.
    """
    total = float(weights.sum())
    if total <= 0:
        return None
    relative = np.roll(weights, -tonic)  # index = pitch class above the tonic
    scale = scale_pitch_classes(mode)
    relative_bass = None if bass is None else (bass - tonic) % 12
    best, best_score = None, -np.inf
    for chord in _CANDIDATES:
        members = chord.pitch_classes()
        inside = sum(relative[pc] for pc in members)
        score = inside - 0.6 * (total - inside)
        if relative_bass is not None and relative_bass == chord.root:
            score += 0.35 * total
        if members <= scale:
            score += 0.10 * total
        if chord.root == 0 and members <= scale:
            score += 0.05 * total
        if len(members) == 4:
            score -= 0.12 * total
        if chord.quality == "dim":
            score -= 0.08 * total
        if score > best_score + 1e-9:
            best, best_score = chord, score
    return best


def fit_bars(bars, mode: str, tonic: int = 0, beat: float = 1.0,
             basses: list[int | None] | None = None) -> list[Chord]:
    """One chord per bar; silent bars repeat the previous chord (the tonic chord at first).

    Args:
        bars: per bar, a list of (onset_in_bar, duration, pitch) in quarters / MIDI.
        mode, tonic: the piece's key.
        beat: the beat length in quarters (1 for x/4, 1.5 for compound x/8).
        basses: per bar, the bass pitch class on the downbeat, when known.
    """
    home = Chord(0, "min" if 3 in MODES[mode] else "maj")
    chords, previous = [], home
    for index, notes in enumerate(bars):
        bass = basses[index] if basses else None
        chord = fit_chord(pitch_class_weights(notes, beat), mode, tonic, bass)
        previous = chord or previous
        chords.append(previous)
    return chords
