"""The corpus's four-bar progressions, as the product reads them (built by
models/training/progressions.py: `tunesmith train progressions`)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from models.core.harmony import Chord

PATH = Path(__file__).resolve().parents[1] / "weights" / "progressions.json"


@cache
def _table(path: Path = PATH) -> dict[str, dict[str, list]]:
    return json.loads(path.read_text())["collections"] if path.exists() else {}


def corpus_progressions(collection: str, mode: str) -> list[tuple[tuple[Chord, ...], int]]:
    """(chords of four bars, how often the corpus has them) for a collection and mode, most
    common first; empty when the corpus has too few tunes in that mode."""
    return list(_chords(collection, mode))


@cache
def _chords(collection: str, mode: str) -> tuple[tuple[tuple[Chord, ...], int], ...]:
    """The table's rows as chords, made once (every folk plan asks again)."""
    rows = _table().get(collection, {}).get(mode, [])
    return tuple((tuple(Chord(root, quality) for root, quality in chords), n)
                 for n, chords in rows)
