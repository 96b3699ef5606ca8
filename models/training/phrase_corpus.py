"""The phrase VAE's training phrases: prepared corpus pieces cut into windows on the grid of
models/inference/phrases.py, stored compactly, and their features expanded per batch.
"""

from __future__ import annotations

import numpy as np

from models.core.grid import METERS
from models.core.harmony import Chord
from models.inference.phrases import (
    COLLECTIONS,
    FEATURES,
    MODE_ORDER,
    PITCH_BASE,
    QUALITIES,
    STEP_TICKS,
    STEPS,
    features,
    notes_to_tokens,
    window_bars,
)


def piece_tokens(bars) -> np.ndarray:
    """Tokens of a whole `models.core.grid.Piece`'s bars, back to back (notes may cross bars)."""
    offsets = np.cumsum([0] + [bar.length for bar in bars])
    notes = [(int(offsets[i]) + o, d, p) for i, bar in enumerate(bars) for o, d, p in bar.notes]
    return notes_to_tokens(notes, int(offsets[-1]) // STEP_TICKS)


def corpus_windows(pieces, one_bar_share: float = 0.1, seed: int = 0):
    """Training phrases of prepared pieces (`models.core.grid.Piece`), compactly stored.

    Returns tokens (N, STEPS) int8, keys (N, 4) int16 (meter, mode, collection indices and
    the bar count) and chords (N, 2, 2) int16 ((root, `QUALITIES` index) per bar), which
    `batch_features` expands. Every bar start opens a phrase (a hop of one bar); phrases
    that are all rest are left out; `one_bar_share` of them keep only their first bar (the
    product has one-bar phrases at the ends of sections).
    """
    rng = np.random.default_rng(seed)
    rows, keys, chords = [], [], []
    for piece in pieces:
        tokens = piece_tokens(piece.bars)
        starts = np.cumsum([0] + [bar.length // STEP_TICKS for bar in piece.bars])
        for first in range(len(piece.bars)):
            meter = piece.bars[first].meter
            size = window_bars(meter)
            if first + size > len(piece.bars) or any(
                    b.meter != meter for b in piece.bars[first:first + size]):
                continue
            if size == 2 and rng.random() < one_bar_share:
                size = 1
            window = tokens[starts[first]:starts[first + size]]
            if not (window >= PITCH_BASE).any():
                continue
            row = np.zeros(STEPS, np.int8)
            row[:len(window)] = window
            rows.append(row)
            keys.append((METERS.index(meter), MODE_ORDER.index(piece.mode),
                         COLLECTIONS.index(piece.collection), size))
            pair = piece.bars[first:first + 2] if size == 2 else piece.bars[first:first + 1] * 2
            chords.append([(b.chord.root, QUALITIES.index(b.chord.quality)) for b in pair])
    return (np.array(rows, np.int8).reshape(-1, STEPS), np.array(keys, np.int16).reshape(-1, 4),
            np.array(chords, np.int16).reshape(-1, 2, 2))


def batch_features(keys: np.ndarray, chords: np.ndarray) -> np.ndarray:
    """(N, STEPS, FEATURES) float32 features of phrases stored by `corpus_windows`."""
    out = np.empty((len(keys), STEPS, FEATURES), np.float32)
    cache: dict[tuple, np.ndarray] = {}
    for i, (key, pair) in enumerate(zip(keys, chords, strict=True)):
        index = (*map(int, key), *map(int, pair.ravel()))
        if index not in cache:
            meter, mode, collection, size = key
            cache[index] = features(METERS[meter], [Chord(int(r), QUALITIES[q]) for r, q in pair],
                                    MODE_ORDER[mode], COLLECTIONS[collection], int(size))
        out[i] = cache[index]
    return out
