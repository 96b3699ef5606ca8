"""The corpus's own four-bar progressions (`tunesmith train progressions`).

The melody model learned its tunes under their own chords: a bar's chord in the corpus is the
harmony its melody outlines, and a folk tune's bars mostly sit on I and V. The product's
hand-written folk progressions (IV on every other phrase) ask it for melodies it rarely saw,
and it answers with lines that are easy to tell from human ones (`tunesmith eval music
--stages`). This counts, per collection and mode, the progressions of the train split's
four-bar phrases (bars 1–4, 5–8, ...: the corpus's tunes are mostly in four-bar phrases), so
that a folk or celtic plan can be drawn from the same harmony as the tunes the model learned.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from models.core.grid import Piece
from models.inference.progressions import PATH

PHRASE = 4  # bars a progression spans
KEEP = 160  # the most common progressions kept per collection and mode
COLLECTIONS = ("essen",)  # the corpora whose styles take their harmony (styles.py: folk)
SMALLEST = 40  # progressions a mode needs before its counts are trusted


def count(pieces: Iterable[Piece], keep: int = KEEP) -> dict[str, dict[str, list]]:
    """{collection: {mode: [[count, [[root, quality] × 4]], ...]}}, most common first."""
    found: dict[str, dict[str, Counter]] = {}
    for piece in pieces:
        chords = [(bar.chord.root, bar.chord.quality) for bar in piece.bars]
        modes = found.setdefault(piece.collection, {})
        for start in range(0, len(chords) - PHRASE + 1, PHRASE):
            modes.setdefault(piece.mode, Counter())[tuple(chords[start:start + PHRASE])] += 1
    return {collection: {mode: [[n, [list(c) for c in chords]]
                                for chords, n in sorted(counter.items(),
                                                        key=lambda kv: (-kv[1], kv[0]))[:keep]]
                         for mode, counter in sorted(modes.items())
                         if sum(counter.values()) >= SMALLEST}
            for collection, modes in sorted(found.items())}


def build(cache_dir: Path, out: Path = PATH) -> dict:
    """Count the train split's progressions of `COLLECTIONS` and write them to `out`."""
    from models.training.corpus import CACHE_NAME, load

    pieces = [p for p in load(cache_dir, split="train") if p.collection in COLLECTIONS]
    table = count(pieces)
    corpus = cache_dir / CACHE_NAME
    data = {"about": "four-bar progressions of the corpus's train split, by collection and "
                     "mode: [count, [[root above the tonic, quality] per bar]]",
            "corpus": CACHE_NAME, "corpus_sha1": hashlib.sha1(corpus.read_bytes()).hexdigest(),
            "phrase_bars": PHRASE, "collections": table}
    out.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    return {"export": str(out), "pieces": len(pieces),
            "progressions": {c: {m: len(rows) for m, rows in modes.items()}
                             for c, modes in table.items()}}
