"""Accompaniment patterns on the eighth-note grid: how each style comps and walks its bass.

A pattern takes the bar's grid (length, eighths, pulse groups) and a voicing and returns hits
`(onset in beats, length in beats, pitch, loudness 0..1)`; the arranger places and scales
them. Patterns are named in the style profiles (generation/music/styles.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from generation.music.drums import groups_of
from models.inference import QUALITIES, Chord

Hit = tuple[float, float, int, float]  # onset (beats in bar), length (beats), pitch, loudness 0..1
Voicing = list[int]


def chord_tones(chord: Chord, tonic: int) -> list[int]:
    """Absolute pitch classes of `chord` in the key whose tonic is `tonic`."""
    return [(tonic + chord.root + step) % 12 for step in QUALITIES[chord.quality]]


def bass_tone(chord: Chord, tonic: int) -> int:
    """The absolute pitch class the bass plays: a slash chord's bass, else the root."""
    return (tonic + (chord.root if chord.bass is None else chord.bass)) % 12


def nearest_tone(pitch: int, allowed: set[int]) -> int:
    """`pitch`, or the nearest pitch below or above it whose pitch class is `allowed`."""
    for step in (0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6, 6):
        if (pitch + step) % 12 in allowed:
            return pitch + step
    return pitch


def voice(tones: list[int], low: int, high: int, previous: Voicing | None,
          root_first: bool = False) -> Voicing:
    """A close-position voicing within [low, high], as near to `previous` as possible; with
    `root_first`, in root position (`tones[0]` lowest), for a part that carries the bass."""
    best: tuple[float, Voicing] | None = None
    for inversion in range(1 if root_first else len(tones)):
        order = tones[inversion:] + tones[:inversion]
        for base in range(low, high + 1):
            if base % 12 != order[0]:
                continue
            pitches = [base]
            for pc in order[1:]:
                pitches.append(pitches[-1] + (pc - pitches[-1]) % 12 or 12)
            if pitches[-1] > high:
                continue
            centre = (low + high) / 2
            if previous:
                cost = sum(abs(a - b) for a, b in zip(sorted(previous), pitches, strict=False))
            else:
                cost = abs(sum(pitches) / len(pitches) - centre)
            if best is None or cost < best[0]:
                best = (cost, pitches)
    if best is None and root_first:  # too narrow for the whole chord: what fits above the bass
        stack = [low + (tones[0] - low) % 12]
        for pc in tones[1:]:
            pitch = stack[-1] + ((pc - stack[-1]) % 12 or 12)
            if pitch <= high:
                stack.append(pitch)
        return stack
    if best is None:  # register too narrow for the whole chord: root and fifth
        root = low + (tones[0] - low) % 12
        return [root, root + 7] if root + 7 <= high else [root]
    return best[1]


def into_range(pitch: int, low: int, high: int) -> int:
    """`pitch` moved by octaves until it lies in [low, high] (the top wins a narrow range)."""
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return pitch


def root_position(tones: list[int], low: int) -> Voicing:
    """The chord stacked upwards from its root, the lowest root at or above `low`."""
    pitches = [low + (tones[0] - low) % 12]
    for pc in tones[1:]:
        pitches.append(pitches[-1] + ((pc - pitches[-1]) % 12 or 12))
    return pitches


def bass_root(tones: list[int], low: int) -> int:
    return low + (tones[0] - low) % 12


class Grid:
    """The rhythmic frame of one bar: its length, eighths and the starts of its pulse groups."""

    def __init__(self, meter: tuple[int, int]):
        self.beats = meter[0] * 4 / meter[1]
        self.eighths = int(round(self.beats * 2))
        pulse = 4 / meter[1]
        self.group_starts, at = [], 0.0
        for group in groups_of(*meter):
            self.group_starts.append(at)
            at += group * pulse
        self.group_lengths = [b - a for a, b in
                              zip(self.group_starts, self.group_starts[1:] + [self.beats],
                                  strict=True)]


# --- comping patterns: (grid, voicing, rng) → hits -------------------------------------------

def _held(grid: Grid, voicing: Voicing, rng: random.Random, root: int) -> list[Hit]:
    return [(0.0, grid.beats, p, 0.8) for p in voicing]


def _block(grid: Grid, voicing: Voicing, rng: random.Random, root: int) -> list[Hit]:
    return [(s, n * 0.95, p, 0.85 if i == 0 else 0.7)
            for i, (s, n) in enumerate(zip(grid.group_starts, grid.group_lengths, strict=True))
            for p in voicing]


def _alberti(grid: Grid, voicing: Voicing, rng: random.Random, root: int) -> list[Hit]:
    order = [0, len(voicing) - 1, 1 if len(voicing) > 2 else 0, len(voicing) - 1]
    return [(e * 0.5, 0.5, voicing[order[e % 4]], 0.75 if e % 2 == 0 else 0.6)
            for e in range(grid.eighths)]


def _broken(grid: Grid, voicing: Voicing, rng: random.Random, root: int) -> list[Hit]:
    rising = voicing + [voicing[0] + 12]
    cycle = rising + rising[-2:0:-1]
    return [(e * 0.5, 0.5, cycle[e % len(cycle)], 0.72) for e in range(grid.eighths)]


def _arpeggio(grid: Grid, voicing: Voicing, rng: random.Random, root: int) -> list[Hit]:
    rising = voicing + [voicing[0] + 12]
    cycle = rising + rising[-2:0:-1]
    return [(s * 0.25, 0.22, cycle[s % len(cycle)], 0.7) for s in range(grid.eighths * 2)]


def _strum(grid: Grid, voicing: Voicing, rng: random.Random, root: int) -> list[Hit]:
    hits: list[Hit] = []
    for e in range(grid.eighths):
        down = e % 2 == 0
        if not down and rng.random() < 0.5:
            continue
        strings = voicing if down else voicing[::-1][:3]
        for i, pitch in enumerate(strings):
            hits.append((e * 0.5 + 0.015 * i, 0.48, pitch, 0.78 if down else 0.55))
    return hits


def _power(grid: Grid, voicing: Voicing, rng: random.Random, root: int) -> list[Hit]:
    root = min(voicing) - (min(voicing) - root) % 12  # the chord's root at or below the voicing
    return [(e * 0.5, 0.42, p, 0.8 if e % 2 == 0 else 0.65)
            for e in range(grid.eighths) for p in (root, root + 7, root + 12)]


def _jazz_comp(grid: Grid, voicing: Voicing, rng: random.Random, root: int) -> list[Hit]:
    cells = ([0.0, 1.5], [0.5, 2.5], [1.0, 2.5], [0.0, 2.0, 3.5])
    onsets = [o for o in rng.choice(cells) if o < grid.beats]
    upper = voicing[1:] if len(voicing) > 3 else voicing  # rootless: the bass has the root
    return [(o, 0.6, p, 0.65) for o in onsets for p in upper]


def _shuffle_comp(grid: Grid, voicing: Voicing, rng: random.Random, root: int) -> list[Hit]:
    return [(s, 0.45, p, 0.7) for s in grid.group_starts[1:] + [grid.beats - 1.0]
            if 0 < s < grid.beats for p in voicing]


def _lofi_comp(grid: Grid, voicing: Voicing, rng: random.Random, root: int) -> list[Hit]:
    onsets = [0.0, grid.beats * 0.625] if grid.beats >= 3 else [0.0]
    return [(o, grid.beats * 0.35, p, 0.6 + 0.05 * i) for o in onsets
            for i, p in enumerate(voicing)]


def _fingerpick(grid: Grid, voicing: Voicing, rng: random.Random, root: int) -> list[Hit]:
    bass = min(voicing) - (min(voicing) - root) % 12  # the thumb plays the root
    hits: list[Hit] = [(s, 1.0, bass, 0.75) for s in grid.group_starts]
    upper = voicing[1:] or voicing
    for e in range(1, grid.eighths, 2):
        hits.append((e * 0.5, 0.5, upper[(e // 2) % len(upper)], 0.6))
    return hits


# (grid, voicing, rng, root pitch class) → hits
COMP_PATTERNS: dict[str, Callable[[Grid, Voicing, random.Random, int], list[Hit]]] = {
    "pad": _held, "block": _block, "alberti": _alberti, "broken": _broken,
    "arpeggio": _arpeggio, "strum": _strum, "power": _power, "jazz_comp": _jazz_comp,
    "shuffle_comp": _shuffle_comp, "lofi_comp": _lofi_comp, "fingerpick": _fingerpick,
}


def textured(hits: list[Hit], grid: Grid, texture: int) -> list[Hit]:
    """A bar's comping made sparser (`texture` −1: only the hits on a pulse group's start,
    each held to the next kept one) or busier (+1: every chord struck again, softer, on each
    eighth of a gap of a beat or more; a pattern already in eighths, on the sixteenths
    between); 0: as the pattern wrote it."""
    if not texture or not hits:
        return hits
    onsets = sorted({onset for onset, *_ in hits})
    if texture < 0:
        starts = [o for o in onsets if any(abs(o - s) < 1e-6 for s in grid.group_starts)]
        kept = starts or onsets[:1]
        ends = dict(zip(kept, kept[1:] + [grid.beats], strict=True))
        return [(onset, (ends[onset] - onset) * 0.95, pitch, loud)
                for onset, _, pitch, loud in hits if onset in ends]
    ends = dict(zip(onsets, onsets[1:] + [grid.beats], strict=True))
    widest = max(ends[o] - o for o in onsets)
    step = 0.5 if widest >= 1.0 else 0.25
    added, kept = [], []
    for onset, length, pitch, loud in hits:
        gap = ends[onset] - onset
        repeats = int(round(gap / step)) - 1 if gap >= 2 * step - 1e-6 else 0
        kept.append((onset, min(length, step * 0.95) if repeats else length, pitch, loud))
        added += [(onset + step * k, step * 0.9, pitch, loud * 0.8)
                  for k in range(1, repeats + 1)]
    return sorted(kept + added)


# --- bass patterns: (grid, chord tones, root pitch, next root pitch) → hits -----------------

def bass_hits(name: str, grid: Grid, tones: list[int], root: int, following: int) -> list[Hit]:
    third = root + (tones[1] - tones[0]) % 12
    fifth = root + 7
    if name == "root":
        return [(s, n * 0.95, root, 0.85) for s, n in zip(grid.group_starts, grid.group_lengths,
                                                          strict=True)]
    if name == "root_fifth":
        return [(s, n * 0.9, root if i % 2 == 0 else fifth, 0.85)
                for i, (s, n) in enumerate(zip(grid.group_starts, grid.group_lengths,
                                               strict=True))]
    if name == "root_eighths":
        return [(e * 0.5, 0.45, root, 0.85 if e % 2 == 0 else 0.7) for e in range(grid.eighths)]
    if name == "octaves":
        return [(e * 0.5, 0.45, root + 12 * (e % 2), 0.85) for e in range(grid.eighths)]
    if name == "walking":
        beats = max(1, int(grid.beats))
        line = [root, third, fifth, following + (1 if following < fifth else -1)]
        line = line[:beats - 1] + [line[-1]] if beats < 4 else line + [fifth] * (beats - 4)
        return [(float(b), 0.95, p, 0.8) for b, p in enumerate(line)]
    if name == "walking_eighths":
        shape = [root, root + 12, fifth, root + 12]
        return [(e * 0.5, 0.48, shape[e % 4], 0.75) for e in range(grid.eighths)]
    if name == "boogie":
        shape = [root, third, fifth, fifth + 2, fifth + 3, fifth + 2, fifth, third]
        return [(e * 0.5, 0.45, shape[e % 8], 0.8) for e in range(grid.eighths)]
    return [(0.0, grid.beats, root, 0.8), (0.0, grid.beats, fifth, 0.6)]  # drone
