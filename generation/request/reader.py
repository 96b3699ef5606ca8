"""The learned part of reading a conversation: what a line means, and how sure of it we are.

    Reader().guess("throw a trumpet on it", has_piece=True)
      → Guess(intent="edit", sure=0.97, kinds={"add": 0.95, ...}, mood=..., amount="normal")

The sentence encoder of `request/classifier.py` (MiniLM, numpy) turns the line into 384
numbers; with one more number (is there a piece to edit?) small heads trained here read:
the intent (a new piece, an edit, a question, small talk, a move in the history), which
kinds of edit the line names (several at once: "faster and add a cello"), the mood an edit
moves to, and how far ("a tad", "way"). Values (numbers, keys, instrument names) are never
guessed: the exact readers find them (`request/understand.py` puts the two together).
`tunesmith train reader` trains the heads (generation/tools/reader_train.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from generation.paths import DATA
from generation.vocab import MOODS, vocabulary_hash
from models.core.errors import ModelError
from models.inference import softmax

READER_PATH = DATA / "reader_heads.safetensors"
INTENTS = ("new", "edit", "question", "smalltalk", "undo", "redo", "goto", "vary", "again",
           "blend")
KINDS = ("tempo_up", "tempo_down", "tempo_set", "key", "transpose_up", "transpose_down",
         "mode_major", "mode_minor", "relative", "mood", "mood_less", "style", "add", "remove",
         "swap", "lead", "longer", "shorter", "length_set", "meter", "rewrite", "density_up",
         "density_down")
AMOUNTS = ("little", "normal", "lot")
HEADS = {"intent": INTENTS, "kinds": KINDS, "mood": MOODS, "amount": AMOUNTS}


def reader_hash() -> str:
    return vocabulary_hash(INTENTS, KINDS, MOODS, AMOUNTS)


@dataclass(frozen=True)
class Guess:
    """What the heads make of one line."""

    intent: str  # the likeliest intent
    sure: float  # its probability
    intents: dict[str, float]  # every intent's probability (sums to 1)
    kinds: dict[str, float]  # each edit kind's probability (independent)
    mood: str  # the mood an edit moves to, if it names one
    amount: str  # little, normal or lot

    def named(self, threshold: float = 0.5) -> list[str]:
        """The edit kinds at least `threshold` likely, likeliest first."""
        return sorted((k for k, p in self.kinds.items() if p >= threshold),
                      key=lambda k: -self.kinds[k])


def features(vectors: np.ndarray, has_piece: list[bool]) -> np.ndarray:
    """(B, 385): the sentence vectors and whether a piece exists to be edited."""
    return np.concatenate([vectors, np.asarray(has_piece, np.float32)[:, None]], axis=1)


def load_reader(path: Path = READER_PATH):
    """The trained heads (features (B, 385) → logits per head; the layers of
    reader_train.build_reader) and their config; ModelError when missing or made for other
    labels."""
    from generation.request.classifier import Heads, read_heads

    weights, config = read_heads(path, reader_hash(), "conversation reader",
                                 "tunesmith train reader")
    return Heads(weights, HEADS), config


class Reader:
    """The shared encoder plus the reader heads; `guess` is the one call a turn needs."""

    def __init__(self, path: Path = READER_PATH) -> None:
        from generation.request.classifier import shared_classifier

        self.encoder = shared_classifier().encoder
        self.heads, self.config = load_reader(path)
        self.sure = float(self.config.get("sure", 0.6))  # below: ask

    def guess(self, line: str, has_piece: bool) -> Guess:
        return self.guess_many([line], [has_piece])[0]

    def guess_many(self, lines: list[str], has_piece: list[bool]) -> list[Guess]:
        logits = self.heads(features(self.encoder.encode(lines), has_piece))
        intents = softmax(logits["intent"])
        kinds = 1 / (1 + np.exp(-logits["kinds"]))
        moods, amounts = softmax(logits["mood"]), softmax(logits["amount"])
        out = []
        for i in range(len(lines)):
            best = int(intents[i].argmax())
            out.append(Guess(INTENTS[best], float(intents[i, best]),
                             dict(zip(INTENTS, intents[i].tolist(), strict=True)),
                             dict(zip(KINDS, kinds[i].tolist(), strict=True)),
                             MOODS[int(moods[i].argmax())], AMOUNTS[int(amounts[i].argmax())]))
        return out


_shared: Reader | None = None
_lock = threading.Lock()


def shared_reader() -> Reader | None:
    """The process-wide reader, loaded on first use; None when its weights are missing (the
    exact readers then answer alone)."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                try:
                    _shared = Reader()
                except ModelError:
                    return None
    return _shared
