"""Melody phrases on a fixed grid: what the phrase VAE (models/networks/vae.py) reads and writes.

A phrase is two bars (one bar when two would not fit: `window_bars`) on a grid of sixteenth
notes, `STEPS` long, padded at the end:

    token per step: PAD (after the phrase) | HOLD (the sounding note goes on) | REST |
                    PITCH_p (a note starts; p in `PITCH_RANGE`, normalised key, tonic C)

Beside the tokens, every step has conditioning features (`FEATURES` wide): the bar's chord
(root and tones), the mode's scale, the meter, the step's place in its bar and beat, the
corpus collection (the style) and whether it is inside the phrase. The VAE is conditioned
on these, so a phrase decoded under other chords follows them.

Onsets off the sixteenth grid (triplets) move to the nearest step; a note is cut at the
next onset, so the grid holds one monophonic line. `notes_to_tokens` and `tokens_to_notes`
are a symmetric pair over tick-grid notes; models/training/phrase_corpus.py cuts the
prepared corpus into phrases.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from models.core.grid import METERS, PITCH_RANGE, TICKS, meter_beat, meter_ticks
from models.core.harmony import MODES, Chord

STEP_TICKS = 3  # a sixteenth note on the 12-per-quarter grid
STEPS = 32  # grid steps per phrase: two bars of 4/4
PAD, HOLD, REST = 0, 1, 2
PITCH_BASE = 3  # token of PITCH_RANGE[0]
VOCAB = PITCH_BASE + PITCH_RANGE[1] - PITCH_RANGE[0] + 1  # 64
COLLECTIONS = ("essen", "oneill", "aird", "ryan", "palestrina", "bach")
MODE_ORDER = tuple(MODES)
# The qualities phrase data records by index (the corpus's chords are fitted among the first
# four). The features carry a chord's tones, not its quality, so the rarer qualities that
# requests name (models.core.harmony has more) are read the same way without a new index.
QUALITIES = ("maj", "min", "dim", "aug", "dom7", "maj7", "min7", "hdim7", "sus4")
# Feature columns, in order: chord root (12), chord tones (12), scale (12), meter (14),
# step in bar (32), bar of the phrase (2), downbeat and beat flags (2), collection (6),
# inside the phrase (1).
FEATURES = 12 + 12 + 12 + len(METERS) + STEPS + 2 + 2 + len(COLLECTIONS) + 1


def vocab_hash() -> str:
    """A hash of everything that fixes the token ids and feature columns."""
    text = "|".join(map(str, (STEP_TICKS, STEPS, PITCH_RANGE, METERS, COLLECTIONS,
                              MODE_ORDER, QUALITIES, FEATURES)))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def bar_steps(meter: str) -> int:
    """Grid steps in one bar of `meter` (every meter in `METERS` is a whole number)."""
    return meter_ticks(meter) // STEP_TICKS


def window_bars(meter: str) -> int:
    """Bars in one phrase: two, or one when two bars would not fit in `STEPS`."""
    return 2 if 2 * bar_steps(meter) <= STEPS else 1


def pitch_token(pitch: int) -> int:
    return PITCH_BASE + min(max(pitch, PITCH_RANGE[0]), PITCH_RANGE[1]) - PITCH_RANGE[0]


def token_pitch(token: int) -> int | None:
    return token - PITCH_BASE + PITCH_RANGE[0] if token >= PITCH_BASE else None


def notes_to_tokens(notes: Sequence[tuple[int, int, int]], steps: int) -> np.ndarray:
    """(onset tick, duration ticks, pitch) notes → (steps,) int64 tokens, no padding.

    Onsets snap to the nearest sixteenth (the later note wins a shared step); a note holds
    until its end or the next onset, whichever is first; a note starting before the grid
    (negative onset) shows only as the HOLDs it leaves inside it.
    """
    tokens = np.full(steps, REST, np.int64)
    placed = []
    for onset, duration, pitch in sorted(notes):
        start = round(onset / STEP_TICKS)
        end = max(start + 1, round((onset + duration) / STEP_TICKS))
        if end <= 0 or start >= steps:
            continue
        if placed and placed[-1][0] == start:
            placed.pop()
        placed.append((start, end, pitch))
    for k, (start, end, pitch) in enumerate(placed):
        stop = min(end, placed[k + 1][0] if k + 1 < len(placed) else steps, steps)
        if start >= 0:
            tokens[start] = pitch_token(pitch)
        tokens[max(start + 1, 0):stop] = HOLD
    return tokens


def tokens_to_notes(tokens: Sequence[int]) -> list[tuple[int, int, int]]:
    """(steps,) tokens → (onset tick, duration ticks, pitch) notes; the inverse on the grid.

    HOLDs before the first onset or after a REST are silence; PAD ends the phrase.
    """
    notes: list[list[int]] = []
    sounding = False
    for step, token in enumerate(tokens):
        token = int(token)
        if token == PAD:
            break
        if token >= PITCH_BASE:
            notes.append([step * STEP_TICKS, STEP_TICKS, token_pitch(token)])
            sounding = True
        elif token == HOLD and sounding:
            notes[-1][1] += STEP_TICKS
        else:
            sounding = False
    return [tuple(n) for n in notes]


def features(meter: str, chords: Sequence[Chord], mode: str, collection: str,
             bars: int | None = None) -> np.ndarray:
    """(STEPS, FEATURES) float32 conditioning of one phrase: `chords` one per bar.

    `bars` (default: all of `chords`, at most `window_bars`) are inside the phrase; the
    steps after them are padding (all-zero rows).
    """
    per_bar = bar_steps(meter)
    bars = min(bars or len(chords), window_bars(meter))
    out = np.zeros((STEPS, FEATURES), np.float32)
    scale = np.zeros(12, np.float32)
    scale[list(MODES[mode])] = 1
    beat_steps = meter_beat(meter) * TICKS / STEP_TICKS
    for step in range(bars * per_bar):
        bar, in_bar = divmod(step, per_bar)
        chord = chords[bar]
        row, col = out[step], 0
        row[col + chord.root] = 1
        col += 12
        row[[col + pc for pc in chord.pitch_classes()]] = 1
        col += 12
        row[col:col + 12] = scale
        col += 12
        row[col + METERS.index(meter)] = 1
        col += len(METERS)
        row[col + in_bar] = 1
        col += STEPS
        row[col + bar] = 1
        col += 2
        row[col] = in_bar == 0
        row[col + 1] = abs(in_bar / beat_steps - round(in_bar / beat_steps)) < 1e-6
        col += 2
        row[col + COLLECTIONS.index(collection)] = 1
        col += len(COLLECTIONS)
        row[col] = 1
    return out


def phrase_spans(bar_meters: Sequence[str]) -> list[tuple[int, int]]:
    """(first bar, bars) of consecutive phrases over bars of these meters, from bar 0.

    A phrase never spans a meter change; the last phrase of a run may be one bar.
    """
    spans, bar = [], 0
    while bar < len(bar_meters):
        size = window_bars(bar_meters[bar])
        if size == 2 and (bar + 1 >= len(bar_meters) or bar_meters[bar + 1] != bar_meters[bar]):
            size = 1
        spans.append((bar, size))
        bar += size
    return spans
