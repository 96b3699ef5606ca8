"""What a musician hears first in a melody, measured.

One definition serves the product and its evaluation (`tunesmith eval music` reports these
statistics beside the corpus's own).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.inference import Note

WINDOW = 32  # notes per window of the two-sample test
STATS = ("stepwise", "repeated", "range", "longest_run", "sixteenths", "eighths", "long_notes",
         "leading_tone")

@dataclass(frozen=True)
class Line:
    """A melody as onsets, durations (quarter notes) and pitches, with its tonic."""

    onsets: tuple[float, ...]
    durations: tuple[float, ...]
    pitches: tuple[int, ...]
    tonic: int  # pitch class

    @classmethod
    def of_notes(cls, notes: Sequence[Note], tonic: int = 0) -> Line:
        """A lead line from notes (beats), the top note of any chord."""
        ordered = sorted(notes, key=lambda n: (n.start, -n.pitch))
        kept = [n for i, n in enumerate(ordered)
                if i == 0 or abs(n.start - ordered[i - 1].start) > 1e-6]
        return cls(tuple(n.start for n in kept), tuple(n.duration for n in kept),
                   tuple(n.pitch for n in kept), tonic)

    def windows(self, size: int = WINDOW) -> list[Line]:
        """Consecutive, non-overlapping windows of `size` notes."""
        return [Line(self.onsets[i:i + size], self.durations[i:i + size],
                     self.pitches[i:i + size], self.tonic)
                for i in range(0, len(self.pitches) - size + 1, size)]


def melodic_stats(line: Line) -> dict[str, float]:
    """What a musician hears first in a line, as shares of its notes or in semitones."""
    pitches = np.array(line.pitches)
    if len(pitches) < 2:
        return dict.fromkeys(STATS, 0.0)
    steps = np.abs(np.diff(pitches))
    iois = np.diff(np.array(line.onsets))
    run = longest = 1
    for a, b in zip(line.pitches, line.pitches[1:], strict=False):
        run = run + 1 if a == b else 1
        longest = max(longest, run)
    return {
        "stepwise": float(np.mean((steps >= 1) & (steps <= 2))),
        "repeated": float(np.mean(steps == 0)),
        "range": float(pitches.max() - pitches.min()),
        "longest_run": float(longest),
        "sixteenths": float(np.mean(iois < 0.3)),
        "eighths": float(np.mean((iois >= 0.3) & (iois < 0.6))),
        "long_notes": float(np.mean(np.array(line.durations) > 1.05)),
        "leading_tone": float(np.mean((pitches - line.tonic) % 12 == 11)),
    }
